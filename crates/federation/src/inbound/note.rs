//! Posts: created, updated and deleted by their author's server, liked, boosted and relayed
//! (FEP-1b12 groups announce whole activities), and those reactions undone. A post is checked
//! by [`parse_note`]: on its author's host, attributed to the sender. Embedded copies of
//! others' posts are never trusted: a post we do not have is fetched from its origin.

use super::fetch::{fetch_object, gone_at_origin, is_transient, refetch_post, retry_later};
use super::{required, Received};
use crate::objects::note::parse_note;
use crate::protocol::inbound::{Announced, Embedded, Node, Reference};
use crate::protocol::values::id_of;
use crate::FederationError;
use interspace_app::{opportunities, remote, AppError};
use serde_json::Value;

pub(super) async fn create(r: &Received<'_>, object: &Value) -> Result<(), FederationError> {
    let mut note = parse_note(r.actor, object)?;
    note.activity_id = Some(r.id.to_string());
    Ok(remote::receive_note(r.ctx(), r.actor, note).await?)
}

pub(super) async fn update(r: &Received<'_>, object: &Value) -> Result<(), FederationError> {
    let mut note = parse_note(r.actor, object)?;
    note.activity_id = Some(r.id.to_string());
    match remote::receive_update(r.ctx(), r.actor, note).await {
        Err(AppError::Forbidden(m)) => Err(FederationError::BadRequest(m)),
        other => Ok(other?),
    }
}

/// Only the owner deletes: the post is on the sender's host.
pub(super) async fn delete(r: &Received<'_>, target: &str) -> Result<(), FederationError> {
    if !r.on_senders_host(target)? {
        return Err(FederationError::BadRequest("only the owner deletes".into()));
    }
    match remote::receive_delete(r.ctx(), r.actor, target, Some(r.id)).await {
        Err(AppError::Forbidden(m)) => Err(FederationError::BadRequest(m)),
        other => Ok(other?),
    }
}

/// `Like` and `EmojiReact` (recorded as a favourite).
pub(super) async fn like(r: &Received<'_>, object: &Reference) -> Result<(), FederationError> {
    let target = required(object.id(), "Like without object")?;
    Ok(remote::receive_like(r.ctx(), r.actor, r.id, target, false).await?)
}

/// A boost of a post, or a group relaying an activity (FEP-1b12). A wrapped Create of
/// something new is fetched by its id, never taken from the embed; a group's Announce of a
/// post's Create is then recorded as the group's boost, as its plain Announce is (once, in
/// whichever shape it came). Other wrapped activities are the same news again.
pub(super) async fn announce(
    r: &Received<'_>,
    object: Node<Announced>,
) -> Result<(), FederationError> {
    let ctx = r.ctx();
    match object {
        Node::Typed(Announced::Create(create)) => {
            if let Some(target) = create.object.id() {
                if !remote::knows_status(ctx, target).await?
                    && opportunities::of_status(ctx, target).await?.is_none()
                {
                    match fetch_object(r.data, target).await {
                        Err(e) if is_transient(&e) => return Err(retry_later(target, e)),
                        Err(e) => {
                            tracing::info!(error = %e, object = target, "cannot fetch a relayed object")
                        }
                        Ok(()) => {}
                    }
                }
                if r.actor.actor_type == "Group" {
                    remote::receive_announce(ctx, r.actor, r.id, target, false).await?;
                }
            }
            Ok(())
        }
        // A group's news of a post we have: checked with the post's origin, never taken from
        // the embed.
        Node::Typed(Announced::Update(update)) if r.actor.actor_type == "Group" => {
            let Some(target) = update.object.id() else {
                return Ok(());
            };
            if remote::knows_status(ctx, target).await? {
                match refetch_post(r.data, target).await {
                    Err(e) if is_transient(&e) => return Err(retry_later(target, e)),
                    Err(e) => tracing::info!(error = %e, object = target, "cannot refresh a post"),
                    Ok(()) => {}
                }
            }
            Ok(())
        }
        Node::Typed(Announced::Delete(delete)) if r.actor.actor_type == "Group" => {
            let Some(target) = delete.object.id() else {
                return Ok(());
            };
            if remote::knows_status(ctx, target).await? {
                match gone_at_origin(r.data, target).await {
                    Ok(true) => remote::receive_gone(ctx, target).await?,
                    Ok(false) => {}
                    Err(e) if is_transient(&e) => return Err(retry_later(target, e)),
                    Err(e) => tracing::info!(error = %e, object = target, "cannot check a post"),
                }
            }
            Ok(())
        }
        Node::Typed(_) => Ok(()),
        Node::Other(post) => {
            let target = required(id_of(&post), "Announce without object")?;
            if !remote::knows_status(ctx, target).await? {
                match fetch_object(r.data, target).await {
                    Err(e) if is_transient(&e) => return Err(retry_later(target, e)),
                    Err(e) => {
                        tracing::info!(error = %e, object = target, "cannot fetch a boosted post");
                        return Ok(());
                    }
                    Ok(()) => {}
                }
            }
            Ok(remote::receive_announce(ctx, r.actor, r.id, target, false).await?)
        }
    }
}

/// Only the actor undoes its own reaction.
fn own(r: &Received<'_>, reaction: &Embedded) -> Result<(), FederationError> {
    if reaction.actor.id() != Some(r.actor.uri.as_str()) {
        return Err(FederationError::BadRequest(
            "only the actor undoes its activity".into(),
        ));
    }
    Ok(())
}

pub(super) async fn unliked(r: &Received<'_>, like: &Embedded) -> Result<(), FederationError> {
    own(r, like)?;
    let (id, target) = (like.id.id(), like.object.id());
    let (id, target) = (id.unwrap_or_default(), target.unwrap_or_default());
    Ok(remote::receive_like(r.ctx(), r.actor, id, target, true).await?)
}

pub(super) async fn unannounced(
    r: &Received<'_>,
    announce: &Embedded,
) -> Result<(), FederationError> {
    own(r, announce)?;
    let (id, target) = (announce.id.id(), announce.object.id());
    let (id, target) = (id.unwrap_or_default(), target.unwrap_or_default());
    Ok(remote::receive_announce(r.ctx(), r.actor, id, target, true).await?)
}

/// An Undo naming one of the actor's own activities by id alone.
pub(super) async fn undone_by_id(r: &Received<'_>, target: &str) -> Result<(), FederationError> {
    Ok(remote::receive_undo_by_id(r.ctx(), r.actor, target).await?)
}
