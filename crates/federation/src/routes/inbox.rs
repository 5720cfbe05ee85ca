//! Inboxes: the shared `/inbox` and each actor's. Every POST must be signed by the actor it
//! claims (draft-cavage, with `(request-target)`, `host`, `date` and `digest` covered, Date
//! within an hour, Digest matching); replays of an activity id are no-ops.

use crate::signatures::SignedRequest;
use crate::{Data, FederationError};
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse};
use interspace_app::{follows, outbox, Account, AppError};
use serde_json::Value;
use std::collections::BTreeMap;
use url::Url;

/// Largest activity accepted (actix answers 413 beyond it).
pub const MAX_BODY: usize = 1024 * 1024;
/// Deepest JSON nesting accepted.
const MAX_DEPTH: usize = 32;

fn depth(v: &Value) -> usize {
    match v {
        Value::Array(a) => 1 + a.iter().map(depth).max().unwrap_or(0),
        Value::Object(o) => 1 + o.values().map(depth).max().unwrap_or(0),
        _ => 0,
    }
}

fn id_of(v: &Value) -> Option<&str> {
    match v {
        Value::String(s) => Some(s),
        Value::Object(o) => o.get("id").and_then(Value::as_str),
        _ => None,
    }
}

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
    if depth(&activity) > MAX_DEPTH {
        return Err(FederationError::BadRequest(
            "the activity is nested too deeply".into(),
        ));
    }
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
    // The signature: well formed, covering what it must, by a key of the claimed actor.
    let headers: BTreeMap<String, String> = req
        .headers()
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_lowercase(),
                v.to_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    let path = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or("/");
    let signed = SignedRequest::parse_post(&headers, path, &body, chrono::Utc::now())
        .map_err(|e| FederationError::Unauthorized(e.to_string()))?;
    let key_url = Url::parse(&signed.key_id)
        .map_err(|_| FederationError::Unauthorized("bad keyId".into()))?;
    if !same_origin(&key_url, &actor_url) {
        return Err(FederationError::Unauthorized(
            "the key is not on the actor's host".into(),
        ));
    }
    let actor: Account = ctx
        .resolver()?
        .resolve_actor(ctx, &actor_url)
        .await
        .map_err(|e| match e {
            AppError::Unavailable(m) => FederationError::App(AppError::Unavailable(m)),
            other => FederationError::Unauthorized(format!("cannot get the actor: {other}")),
        })?;
    signed
        .verify(&actor.public_key_pem)
        .map_err(|e| FederationError::Unauthorized(e.to_string()))?;
    if !outbox::first_time(ctx, id).await? {
        return Ok(HttpResponse::Accepted().finish());
    }
    dispatch(&data, &actor, &activity).await?;
    Ok(HttpResponse::Accepted().finish())
}

async fn dispatch(data: &Data, actor: &Account, activity: &Value) -> Result<(), FederationError> {
    let ctx = data.app_data();
    let kind = activity
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let object = activity.get("object").cloned().unwrap_or(Value::Null);
    let object_type = object
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let id = activity
        .get("id")
        .and_then(Value::as_str)
        .unwrap_or_default();
    match (kind, object_type) {
        ("Follow", _) => {
            let target = id_of(&object)
                .ok_or_else(|| FederationError::BadRequest("Follow without object".into()))?;
            match follows::receive_follow(ctx, actor, target, id).await {
                Err(AppError::NotFound(_)) => Ok(()),
                other => Ok(other?),
            }
        }
        ("Accept" | "Reject", _) => {
            // Only the followed account answers: the Follow's object must be the sender.
            if let Some(followed) = object.get("object").and_then(id_of) {
                if followed != actor.uri {
                    return Err(FederationError::BadRequest(
                        "an answer for someone else's follow".into(),
                    ));
                }
            }
            let follow_id = id_of(&object);
            let follower = object.get("actor").and_then(id_of);
            match follows::receive_answer(ctx, actor, follow_id, follower, kind == "Accept").await {
                Err(AppError::NotFound(_)) => Ok(()),
                other => Ok(other?),
            }
        }
        ("Undo", "Follow") => {
            if object.get("actor").and_then(id_of) != Some(actor.uri.as_str()) {
                return Err(FederationError::BadRequest(
                    "only the follower undoes a follow".into(),
                ));
            }
            let target = object.get("object").and_then(id_of).unwrap_or_default();
            Ok(follows::receive_unfollow(ctx, actor, target).await?)
        }
        _ => {
            tracing::debug!(
                kind,
                object_type,
                "ignoring an activity of a kind not handled yet"
            );
            Ok(())
        }
    }
}
