//! Outgoing activities, built from outbox events at delivery time.

use interspace_app::outbox::OutboxEvent;
use interspace_app::{accounts, follows, AppContext, AppError, AppResult};
use serde_json::{json, Value};

pub const AS_CONTEXT: &str = "https://www.w3.org/ns/activitystreams";

/// An activity with the inboxes it goes to.
pub struct Built {
    pub id: String,
    pub json: Value,
    pub inboxes: Vec<String>,
}

fn follow_json(id: &str, actor: &str, object: &str) -> Value {
    json!({ "id": id, "type": "Follow", "actor": actor, "object": object })
}

pub async fn build(ctx: &AppContext, e: &OutboxEvent) -> AppResult<Option<Built>> {
    let actor = accounts::get_any(ctx, &e.actor_id).await?;
    let target = match &e.target_id {
        Some(t) => Some(accounts::get_any(ctx, t).await?),
        None => None,
    };
    let with_context = |mut v: Value| {
        v["@context"] = json!(AS_CONTEXT);
        v
    };
    let to_target = |target: &Option<interspace_app::Account>| -> Vec<String> {
        target
            .iter()
            .filter(|t| !t.is_local())
            .map(|t| t.inbox_url.clone())
            .collect()
    };
    Ok(match e.kind.as_str() {
        "follow" => {
            let target = target.as_ref().ok_or(AppError::NotFound("account"))?;
            let id = follows::follow_activity_id(ctx, &e.subject_id);
            Some(Built {
                json: with_context(follow_json(&id, &actor.uri, &target.uri)),
                inboxes: to_target(&Some(target.clone())),
                id,
            })
        }
        "undo.follow" => {
            let target = target.as_ref().ok_or(AppError::NotFound("account"))?;
            let follow_id = follows::follow_activity_id(ctx, &e.subject_id);
            let id = format!("{follow_id}/undo");
            Some(Built {
                json: with_context(json!({
                    "id": id, "type": "Undo", "actor": actor.uri,
                    "object": follow_json(&follow_id, &actor.uri, &target.uri),
                })),
                inboxes: to_target(&Some(target.clone())),
                id,
            })
        }
        "accept.follow" => {
            let follow = follows::get_follow(ctx, &e.subject_id).await?;
            let follower = target.as_ref().ok_or(AppError::NotFound("account"))?;
            let follow_id = follow
                .uri
                .clone()
                .unwrap_or_else(|| follows::follow_activity_id(ctx, &follow.id));
            let id = ctx
                .urls()
                .path(&format!("/accepts/{}", follow.id))
                .to_string();
            Some(Built {
                json: with_context(json!({
                    "id": id, "type": "Accept", "actor": actor.uri,
                    "object": follow_json(&follow_id, &follower.uri, &actor.uri),
                })),
                inboxes: to_target(&target),
                id,
            })
        }
        "reject.follow" => {
            let follower = target.as_ref().ok_or(AppError::NotFound("account"))?;
            let id = ctx
                .urls()
                .path(&format!("/rejects/{}", interspace_core::ids::new_id()))
                .to_string();
            Some(Built {
                json: with_context(json!({
                    "id": id, "type": "Reject", "actor": actor.uri,
                    "object": follow_json(&e.subject_id, &follower.uri, &actor.uri),
                })),
                inboxes: to_target(&target),
                id,
            })
        }
        other => {
            tracing::warn!(kind = other, "no activity for this outbox event yet");
            None
        }
    })
}
