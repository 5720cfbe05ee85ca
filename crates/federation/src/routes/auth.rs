//! Who signed a request: the checks shared by the inboxes and by authorized fetch.

use crate::signatures::SignedRequest;
use crate::{Data, FederationError};
use actix_web::HttpRequest;
use interspace_app::{accounts, domains, Account, AppContext, AppError};
use std::collections::BTreeMap;
use url::Url;

/// The request's headers, lowercase names to values.
pub fn headers_of(req: &HttpRequest) -> BTreeMap<String, String> {
    req.headers()
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_lowercase(),
                v.to_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

pub fn path_of(req: &HttpRequest) -> &str {
    req.uri()
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or("/")
}

/// The actor `actor_url`, once its key verifies `signed`. A key that does not verify makes us
/// fetch the actor again once (keys rotate) before refusing.
pub async fn verified_signer(
    ctx: &AppContext,
    signed: &SignedRequest,
    actor_url: &Url,
) -> Result<Account, FederationError> {
    let key_url = Url::parse(&signed.key_id)
        .map_err(|_| FederationError::Unauthorized("bad keyId".into()))?;
    if !crate::objects::actor::same_origin(&key_url, actor_url) {
        return Err(FederationError::Unauthorized(
            "the key is not on the actor's host".into(),
        ));
    }
    let cannot_get = |e: AppError| match e {
        AppError::Unavailable(m) => FederationError::App(AppError::Unavailable(m)),
        other => FederationError::Unauthorized(format!("cannot get the actor: {other}")),
    };
    let resolver = ctx.resolver()?;
    let actor = resolver
        .resolve_actor(ctx, actor_url)
        .await
        .map_err(cannot_get)?;
    if signed.verify(&actor.public_key_pem).is_ok() {
        return Ok(actor);
    }
    let actor = resolver
        .refresh_actor(ctx, actor_url)
        .await
        .map_err(cannot_get)?;
    signed
        .verify(&actor.public_key_pem)
        .map_err(|e| FederationError::Unauthorized(e.to_string()))?;
    Ok(actor)
}

/// With `federation.authorized_fetch`, a GET of our documents must be signed by an actor of a
/// server we do not block.
pub async fn authorize_fetch(data: &Data, req: &HttpRequest) -> Result<(), FederationError> {
    let ctx = data.app_data();
    if !ctx.settings.federation.authorized_fetch {
        return Ok(());
    }
    let signed = SignedRequest::parse_get(&headers_of(req), path_of(req), chrono::Utc::now())
        .map_err(|e| FederationError::Unauthorized(e.to_string()))?;
    let mut actor_url = Url::parse(&signed.key_id)
        .map_err(|_| FederationError::Unauthorized("bad keyId".into()))?;
    actor_url.set_fragment(None);
    if domains::is_blocked(ctx, &accounts::domain_of(&actor_url)?).await? {
        return Err(FederationError::App(AppError::Forbidden(
            "this server is blocked".into(),
        )));
    }
    verified_signer(ctx, &signed, &actor_url).await?;
    Ok(())
}
