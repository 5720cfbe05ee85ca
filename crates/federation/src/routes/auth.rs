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

/// The URI a request was sent to: our base URL with its path and query (what RFC 9421's
/// `@target-uri` covers).
pub fn target_uri(ctx: &AppContext, req: &HttpRequest) -> Result<Url, FederationError> {
    ctx.urls()
        .base()
        .join(path_of(req))
        .map_err(|_| FederationError::BadRequest("bad request target".into()))
}

pub fn path_of(req: &HttpRequest) -> &str {
    req.uri()
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or("/")
}

/// How often a key that failed to verify may be fetched again.
const KEY_REFETCH_EVERY: std::time::Duration = std::time::Duration::from_secs(60);

/// The signed `Host` must be ours: a request signed for another server is not replayed here.
pub fn signed_for_us(
    ctx: &AppContext,
    headers: &BTreeMap<String, String>,
) -> Result<(), FederationError> {
    match headers.get("host") {
        Some(host) if host.eq_ignore_ascii_case(ctx.urls().domain()) => Ok(()),
        _ => Err(FederationError::Unauthorized(
            "the request was signed for another host".into(),
        )),
    }
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
    // The reason goes to the log; the sender learns only that its actor could not be had.
    // Our own trouble is not the sender's fault: it gets a 5xx, and retries.
    let cannot_get = |e: AppError| match e {
        AppError::Unavailable(_) | AppError::Internal(_) | AppError::Database(_) => {
            FederationError::App(e)
        }
        other => {
            tracing::info!(error = %other, actor = %actor_url, "cannot get a signer");
            FederationError::Unauthorized("cannot get the actor".into())
        }
    };
    let resolver = ctx.resolver()?;
    let actor = resolver
        .resolve_actor(ctx, actor_url)
        .await
        .map_err(cannot_get)?;
    if signed.verify(&actor.public_key_pem).is_ok() {
        return Ok(actor);
    }
    // Keys rotate, so a failure fetches the actor again, but at most once a minute per key:
    // bad signatures cannot make us hammer a server.
    if !ctx.refetches.allow(&signed.key_id, KEY_REFETCH_EVERY) {
        return Err(FederationError::Unauthorized(
            "the signature does not verify".into(),
        ));
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
    fetched_by(data, req).await.map(drop)
}

/// Who signed a GET: `None` when it is not signed and authorized fetch is off (a public
/// reader); the verified actor when it is signed (a signature that does not verify is 401, and
/// a blocked server 403, as for [`authorize_fetch`]).
pub async fn reader(data: &Data, req: &HttpRequest) -> Result<Option<Account>, FederationError> {
    let ctx = data.app_data();
    if !ctx.settings.federation.authorized_fetch && !req.headers().contains_key("signature") {
        return Ok(None);
    }
    fetched_by(data, req).await.map(Some)
}

/// The verified signer of a GET.
async fn fetched_by(data: &Data, req: &HttpRequest) -> Result<Account, FederationError> {
    let ctx = data.app_data();
    let headers = headers_of(req);
    let signed = SignedRequest::of_request(
        &headers,
        "GET",
        &target_uri(ctx, req)?,
        None,
        chrono::Utc::now(),
    )
    .map_err(|e| FederationError::Unauthorized(e.to_string()))?;
    signed_for_us(ctx, &headers)?;
    let mut actor_url = Url::parse(&signed.key_id)
        .map_err(|_| FederationError::Unauthorized("bad keyId".into()))?;
    actor_url.set_fragment(None);
    if domains::is_blocked(ctx, &accounts::domain_of(&actor_url)?).await? {
        return Err(FederationError::App(AppError::Forbidden(
            "this server is blocked".into(),
        )));
    }
    verified_signer(ctx, &signed, &actor_url).await
}
