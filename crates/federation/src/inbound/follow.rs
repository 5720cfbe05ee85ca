//! Follows: a remote actor following one of ours, the answer to one of our Follows, and its
//! Undo. Only the followed account answers a Follow, only the follower undoes it.

use super::{required, Received, Verdict};
use crate::protocol::inbound::{Embedded, Reference};
use crate::FederationError;
use interspace_app::{follows, AppError};

pub(super) async fn follow(r: &Received<'_>, object: &Reference) -> Result<(), FederationError> {
    let target = required(object.id(), "Follow without object")?;
    match follows::receive_follow(r.ctx(), r.actor, target, r.id).await {
        Err(AppError::NotFound(_)) => Ok(()),
        other => Ok(other?),
    }
}

pub(super) async fn answered(
    r: &Received<'_>,
    verdict: Verdict,
    follow: &Embedded,
) -> Result<(), FederationError> {
    if verdict == Verdict::Tentative {
        return super::ignored(r, "a tentative answer to a Follow");
    }
    if let Some(followed) = follow.object.id() {
        if followed != r.actor.uri {
            return Err(FederationError::BadRequest(
                "an answer for someone else's follow".into(),
            ));
        }
    }
    let accepted = verdict == Verdict::Accept;
    match follows::receive_answer(
        r.ctx(),
        r.actor,
        follow.id.id(),
        follow.actor.id(),
        accepted,
    )
    .await
    {
        Err(AppError::NotFound(_)) => Ok(()),
        other => Ok(other?),
    }
}

pub(super) async fn undone(r: &Received<'_>, follow: &Embedded) -> Result<(), FederationError> {
    if follow.actor.id() != Some(r.actor.uri.as_str()) {
        return Err(FederationError::BadRequest(
            "only the follower undoes a follow".into(),
        ));
    }
    let target = follow.object.id().unwrap_or_default();
    Ok(follows::receive_unfollow(r.ctx(), r.actor, target).await?)
}
