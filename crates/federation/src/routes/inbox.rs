//! Inboxes: the shared `/inbox` and each actor's. Every POST must be signed by the actor it
//! claims (draft-cavage, with `(request-target)`, `host`, `date` and `digest` covered, Date
//! within an hour, Digest matching); replays of an activity id are no-ops.

use super::auth;
use crate::protocol::limits;
use crate::protocol::values::id_of;
use crate::signatures::SignedRequest;
use crate::{Data, FederationError};
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse};
use interspace_app::outbox::Claim;
use interspace_app::{accounts, domains, outbox, AppError};
use serde_json::Value;
use url::Url;

/// Largest activity accepted (actix answers 413 beyond it).
pub const MAX_BODY: usize = 1024 * 1024;

fn same_origin(a: &Url, b: &Url) -> bool {
    crate::objects::actor::same_origin(a, b)
}

pub async fn post(
    data: Data,
    req: HttpRequest,
    body: Bytes,
) -> Result<HttpResponse, FederationError> {
    let ctx = data.app_data();
    let activity: Value = serde_json::from_slice(&body)
        .map_err(|e| FederationError::BadRequest(format!("not JSON: {e}")))?;
    limits::check(&activity)
        .map_err(|reason| FederationError::BadRequest(format!("the activity {reason}")))?;
    let id = activity
        .get("id")
        .and_then(Value::as_str)
        .ok_or_else(|| FederationError::BadRequest("no id".into()))?;
    let actor_id = activity
        .get("actor")
        .and_then(id_of)
        .ok_or_else(|| FederationError::BadRequest("no actor".into()))?;
    let (id_url, actor_url) = (Url::parse(id)?, Url::parse(actor_id)?);
    if !same_origin(&id_url, &actor_url) {
        return Err(FederationError::BadRequest(
            "the activity id is not on its actor's host".into(),
        ));
    }
    // Blocked servers get the answer that tells them nothing, and are not even verified.
    let sender_domain = accounts::domain_of(&actor_url)?;
    let restrictions = domains::restrictions(ctx).await?;
    if restrictions.is_blocked(&sender_domain) {
        tracing::debug!(domain = %sender_domain, "dropping an activity from a blocked domain");
        return Ok(HttpResponse::Accepted().finish());
    }
    // An actor we never knew deleting itself: nothing to undo, and nothing left to verify with.
    if activity.get("type").and_then(Value::as_str) == Some("Delete")
        && activity.get("object").and_then(id_of) == Some(actor_id)
        && accounts::find_by_uri(ctx, actor_id).await?.is_none()
    {
        return Ok(HttpResponse::Accepted().finish());
    }
    // The signature: well formed, covering what it must, by a key of the claimed actor.
    let headers = auth::headers_of(&req);
    let signed = SignedRequest::of_request(
        &headers,
        "POST",
        &auth::target_uri(ctx, &req)?,
        Some(&body),
        chrono::Utc::now(),
    )
    .map_err(|e| FederationError::Unauthorized(e.to_string()))?;
    auth::signed_for_us(ctx, &headers)?;
    let actor = auth::verified_signer(ctx, &signed, &actor_url).await?;
    if actor.deleted_at.is_some() {
        return Ok(HttpResponse::Accepted().finish());
    }
    if !restrictions.may_deliver(&sender_domain) {
        domains::answered(ctx, &sender_domain).await?;
    }
    // Received means processed: the id is claimed now, and counts as seen only once the
    // processing committed; a failure releases it so that the sender's retry is processed.
    match outbox::claim(ctx, id).await? {
        Claim::Seen => return Ok(HttpResponse::Accepted().finish()),
        // A concurrent copy is being processed: 503 makes the sender retry, by which time
        // that copy has either committed (the retry is a replay) or failed (it is processed).
        Claim::Busy => {
            return Err(AppError::Unavailable("that activity is being processed".into()).into())
        }
        Claim::New => {}
    }
    match crate::inbound::receive(&data, &actor, id, &activity).await {
        Ok(()) => {
            outbox::finished(ctx, id).await?;
            Ok(HttpResponse::Accepted().finish())
        }
        Err(e) => {
            if let Err(release) = outbox::released(ctx, id).await {
                tracing::warn!(error = %release, id, "releasing an activity that failed");
            }
            Err(e)
        }
    }
}
