//! Events and RSVPs: an Event created or updated by its organiser's server, a `Join` or
//! `Leave` of one of ours, and the organiser's answer to one of our Joins.

use super::{required, Received, Verdict};
use crate::objects::event::parse_event;
use crate::protocol::inbound::{Answer, Join, Reference};
use crate::FederationError;
use interspace_app::{events, AppError};
use serde_json::Value;

/// An Event from its organiser's host (Mobilizon attributes a group's events to the group,
/// and a member sends them): checked by [`parse_event`], its organiser fetched if it is not
/// the sender.
pub(super) async fn published(r: &Received<'_>, object: &Value) -> Result<(), FederationError> {
    let ctx = r.ctx();
    let (organizer, event) = parse_event(r.actor, object)?;
    let organizer = if organizer.as_str() == r.actor.uri {
        r.actor.clone()
    } else {
        ctx.resolver()?.resolve_actor(ctx, &organizer).await?
    };
    match events::receive_event(ctx, &organizer, event).await {
        Err(AppError::Forbidden(m)) => Err(FederationError::BadRequest(m)),
        other => Ok(other?),
    }
}

pub(super) async fn join(r: &Received<'_>, j: &Join) -> Result<(), FederationError> {
    let event = required(j.object.id(), "Join without object")?;
    let message = j.participation_message.0.clone();
    match events::receive_join(r.ctx(), r.actor, r.id, event, message).await {
        Err(AppError::NotFound(_)) => Ok(()),
        other => Ok(other?),
    }
}

pub(super) async fn leave(r: &Received<'_>, object: &Reference) -> Result<(), FederationError> {
    let event = required(object.id(), "Leave without object")?;
    match events::receive_leave(r.ctx(), r.actor, event).await {
        Err(AppError::NotFound(_)) => Ok(()),
        other => Ok(other?),
    }
}

/// The organiser's answer to one of our Joins; a rejection carries its reason and code.
pub(super) async fn answered(
    r: &Received<'_>,
    verdict: Verdict,
    join_id: &str,
    a: &Answer,
) -> Result<(), FederationError> {
    let answer = match verdict {
        Verdict::Accept => events::Answer::Accept,
        Verdict::Tentative => events::Answer::Tentative,
        Verdict::Reject => events::Answer::Reject {
            reason: a.content.0.clone().or_else(|| a.summary.0.clone()),
            code: a.reason_code.0.clone(),
        },
    };
    match events::receive_answer(r.ctx(), r.actor, join_id, answer).await {
        Err(AppError::NotFound(_)) => Ok(()),
        Err(AppError::Forbidden(m)) => Err(FederationError::BadRequest(m)),
        other => Ok(other?),
    }
}
