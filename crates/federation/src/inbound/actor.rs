//! An actor updating its own document, or deleting itself.

use super::Received;
use crate::objects::actor::{remote_actor, verify_actor};
use crate::protocol::actor::Actor;
use crate::FederationError;
use interspace_app::{accounts, remote};
use serde_json::Value;
use url::Url;

/// Only actors update themselves; the new document passes the same checks as a fetched one.
pub(super) async fn updated(r: &Received<'_>, doc: Value) -> Result<(), FederationError> {
    if doc.get("id").and_then(Value::as_str) != Some(r.actor.uri.as_str()) {
        return Err(FederationError::BadRequest(
            "an actor updates only itself".into(),
        ));
    }
    let json: Actor = serde_json::from_value(doc)?;
    verify_actor(&json, &Url::parse(&r.actor.uri)?)?;
    accounts::upsert_remote(r.ctx(), remote_actor(json)).await?;
    Ok(())
}

pub(super) async fn deleted(r: &Received<'_>) -> Result<(), FederationError> {
    Ok(remote::receive_actor_delete(r.ctx(), r.actor).await?)
}
