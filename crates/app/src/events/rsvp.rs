//! RSVPs: joins, leaves, the organiser's decisions and the waitlist, for local participants
//! and for remote ones (their Join, Leave, and our Accept, Reject or TentativeAccept).
//! Seats are decided with the event's row locked, so two joins never take the last seat twice.

use super::{is_staff, sync_post, writable, Event, EventId, ParticipationId};
use crate::notify::notify;
use crate::signals::Events;
use crate::{AppContext, AppError, AppResult};
use interspace_core::delivery::OutboxKind;
use interspace_core::events::{
    self as rules, EventStatus, JoinAnswer, JoinMode, ParticipationState, Seats,
};
use interspace_core::ids::new_id;
use interspace_core::notifications::NotificationKind;
use interspace_core::text::{code_word, optional_text};
use interspace_core::Origin;
use interspace_db::accounts::{self as db_accounts, Account};
use interspace_db::events::{self as db_events, Participation};
use interspace_db::users::User;
use interspace_db::{now, DbConn};

/// A remote organiser's answer to one of our joins.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    Accept,
    /// With the reason and its code (`rejected`, `capacity_reached`...), if given.
    Reject {
        reason: Option<String>,
        code: Option<String>,
    },
    /// On the waitlist.
    Tentative,
}

const ACTIVE: [ParticipationState; 4] = [
    ParticipationState::Accepted,
    ParticipationState::Pending,
    ParticipationState::Waitlisted,
    ParticipationState::Requested,
];

fn seats(e: &Event, accepted: i64) -> Seats {
    Seats {
        join_mode: JoinMode::parse(&e.join_mode).unwrap_or(JoinMode::Free),
        status: EventStatus::parse(&e.status).unwrap_or(EventStatus::Scheduled),
        ended: e.ends_at <= now(),
        capacity: e.capacity,
        accepted,
        waitlist: e.waitlist,
    }
}

/// Why a join was refused: the API's code and the sentence for people.
type Refusal = Option<(String, String)>;

/// The refusal that stands for good: the organiser said no (a full event may be asked again).
fn declined(p: &Participation) -> bool {
    p.state == ParticipationState::Rejected && p.reason_code.as_deref() == Some(DECLINED)
}

/// The reason code of an organiser's own rejection.
const DECLINED: &str = "rejected";

/// Writes `state` for `account` at `e`, reusing an earlier participation (someone who left
/// may come back).
async fn upsert(
    tx: &mut DbConn,
    e: &Event,
    account_id: &str,
    state: ParticipationState,
    message: Option<String>,
    refusal: Refusal,
    join_uri: Option<String>,
) -> AppResult<Participation> {
    let ts = now();
    let existing = db_events::find_participation(tx, &e.id, account_id).await?;
    let p = Participation {
        id: existing.as_ref().map_or_else(new_id, |p| p.id.clone()),
        event_id: e.id.clone(),
        account_id: account_id.to_string(),
        state,
        message,
        reason_code: refusal.as_ref().map(|(code, _)| code.clone()),
        reason: refusal.map(|(_, why)| why).filter(|why| !why.is_empty()),
        join_uri,
        reminded_at: None,
        created_at: existing.as_ref().map_or(ts, |p| p.created_at),
        updated_at: ts,
    };
    if existing.is_some() {
        db_events::save_participation(tx, &p).await?;
    } else {
        db_events::insert_participation(tx, &p).await?;
    }
    Ok(p)
}

/// The answer a local organiser's decision sends to a remote participant.
async fn send_answer(tx: &mut DbConn, e: &Event, p: &Participation) -> AppResult<()> {
    let Some(participant) = db_accounts::find_account_by_id(tx, &p.account_id).await? else {
        return Ok(());
    };
    let kind = match p.state {
        _ if participant.is_local() || !e.is_local => return Ok(()),
        ParticipationState::Accepted => OutboxKind::EventAccept,
        ParticipationState::Rejected => OutboxKind::EventReject,
        ParticipationState::Waitlisted => OutboxKind::EventTentative,
        _ => return Ok(()),
    };
    crate::outbox::enqueue(tx, kind, &e.organizer_id, &p.id, Some(&p.account_id)).await
}

/// Tells a participant what became of their join (`promoted`: they left the waitlist), in
/// their notifications and by mail.
async fn tell(
    tx: &mut DbConn,
    events: &mut Events,
    e: &Event,
    p: &Participation,
    promoted: bool,
) -> AppResult<()> {
    let kind = match p.state {
        ParticipationState::Accepted => NotificationKind::ParticipationAccepted,
        ParticipationState::Rejected | ParticipationState::Waitlisted => {
            NotificationKind::ParticipationAnswer
        }
        _ => return Ok(()),
    };
    events.mail(crate::signals::Moment::Participation {
        event_id: e.id.clone(),
        account_id: p.account_id.clone(),
        promoted,
    });
    notify(
        tx,
        events,
        &p.account_id,
        &e.organizer_id,
        kind,
        e.status_id.as_deref(),
    )
    .await
}

/// After a change to a local event's seats: promotes waitlisted people (oldest first, on
/// whatever instance) while seats are free, recounts, and refreshes the event's post; queues
/// an Update when the counts changed (or `changed` says the event did). Returns the event as
/// saved.
pub(super) async fn settle(
    tx: &mut DbConn,
    events: &mut Events,
    event_id: &str,
    changed: bool,
) -> AppResult<Event> {
    let mut e = db_events::lock_event(tx, event_id)
        .await?
        .ok_or(AppError::NotFound("event"))?;
    if !e.is_local {
        return Ok(e);
    }
    let mut accepted = db_events::count_in_state(tx, &e.id, ParticipationState::Accepted).await?;
    if e.status != EventStatus::Cancelled.as_str() && e.deleted_at.is_none() {
        let free = rules::seats_left(e.capacity, accepted).unwrap_or(i64::MAX);
        if free > 0 {
            for mut p in db_events::list_participations(
                tx,
                &e.id,
                Some(ParticipationState::Waitlisted),
                free,
            )
            .await?
            {
                p.state = ParticipationState::Accepted;
                p.updated_at = now();
                db_events::save_participation(tx, &p).await?;
                send_answer(tx, &e, &p).await?;
                tell(tx, events, &e, &p, true).await?;
                accepted += 1;
            }
        }
    }
    let waiting = db_events::count_in_state(tx, &e.id, ParticipationState::Waitlisted).await?;
    let changed = changed || (e.participants_count, e.waitlist_count) != (accepted, waiting);
    e.participants_count = accepted;
    e.waitlist_count = waiting;
    let organizer = db_accounts::find_account_by_id(tx, &e.organizer_id)
        .await?
        .ok_or(AppError::NotFound("account"))?;
    sync_post(tx, events, &mut e, &organizer).await?;
    db_events::save_event(tx, &e).await?;
    if changed && e.deleted_at.is_none() && e.visibility == "public" {
        crate::outbox::enqueue(tx, OutboxKind::EventUpdate, &e.organizer_id, &e.id, None).await?;
    }
    Ok(e)
}

/// A local account joins an event. Always an answer: `accepted`, `pending`, `waitlisted`, or
/// `requested` (a remote organiser answers later); a refusal is an error with its code.
pub async fn join(
    ctx: &AppContext,
    account: &Account,
    id: &EventId,
    message: Option<String>,
) -> AppResult<Participation> {
    let current = super::get(ctx, id, Some(account)).await?.event;
    let message = optional_text(message, 1000);
    ctx.write(async |tx, events| {
        let e = db_events::lock_event(tx, &current.id)
            .await?
            .ok_or(AppError::NotFound("event"))?;
        let p = if e.is_local {
            take_seat(tx, events, &e, account, Origin::Local, message, None).await?
        } else {
            if let Some(p) = db_events::find_participation(tx, &e.id, &account.id).await? {
                if ACTIVE.contains(&p.state) {
                    return Ok(p);
                }
                if declined(&p) {
                    return Err(AppError::Refused(
                        "not_open",
                        "the organizer declined your participation".into(),
                    ));
                }
            }
            // The remote organiser decides seats; what we know for sure is refused here.
            if let JoinAnswer::Refused(code, why) = rules::decide_join(&seats(&e, 0), false) {
                return Err(AppError::Refused(code, why));
            }
            let join_uri = ctx.urls().path(&format!("/joins/{}", new_id())).to_string();
            let p = upsert(
                tx,
                &e,
                &account.id,
                ParticipationState::Requested,
                message,
                None,
                Some(join_uri),
            )
            .await?;
            crate::outbox::enqueue(
                tx,
                OutboxKind::EventJoin,
                &account.id,
                &p.id,
                Some(&e.organizer_id),
            )
            .await?;
            p
        };
        Ok(p)
    })
    .await
}

/// A local account leaves; its seat goes to the first waitlisted person.
pub async fn leave(ctx: &AppContext, account: &Account, id: &EventId) -> AppResult<Participation> {
    let current = super::get(ctx, id, Some(account)).await?.event;
    ctx.write(async |tx, events| {
        let e = db_events::lock_event(tx, &current.id)
            .await?
            .ok_or(AppError::NotFound("event"))?;
        let mut p = db_events::find_participation(tx, &e.id, &account.id)
            .await?
            .filter(|p| ACTIVE.contains(&p.state))
            .ok_or(AppError::NotFound("participation"))?;
        if e.is_local {
            give_up_seat(tx, events, &e, &mut p).await?;
        } else {
            p.state = ParticipationState::Left;
            p.updated_at = now();
            db_events::save_participation(tx, &p).await?;
            crate::outbox::enqueue(
                tx,
                OutboxKind::EventLeave,
                &account.id,
                &p.id,
                Some(&e.organizer_id),
            )
            .await?;
        }
        Ok(p)
    })
    .await
}

/// The organiser approves or rejects a participant (restricted mode; rejecting also removes
/// an accepted or waitlisted one).
pub async fn decide(
    ctx: &AppContext,
    writer: &(User, Account),
    event_id: &EventId,
    participation_id: &ParticipationId,
    approve: bool,
    reason: Option<String>,
) -> AppResult<Participation> {
    let current = writable(ctx, writer, event_id).await?;
    ctx.write(async |tx, events| {
        let e = db_events::lock_event(tx, &current.id)
            .await?
            .ok_or(AppError::NotFound("event"))?;
        let mut p = db_events::find_participation_by_id(tx, participation_id)
            .await?
            .filter(|p| p.event_id == e.id)
            .ok_or(AppError::NotFound("participation"))?;
        if approve {
            if p.state != ParticipationState::Pending {
                return Err(AppError::Conflict(format!(
                    "only pending requests are approved; this one is {}",
                    p.state
                )));
            }
            let accepted =
                db_events::count_in_state(tx, &e.id, ParticipationState::Accepted).await?;
            p.state = match rules::decide_join(&seats(&e, accepted), true) {
                JoinAnswer::Accepted | JoinAnswer::Pending => ParticipationState::Accepted,
                JoinAnswer::Waitlisted => ParticipationState::Waitlisted,
                JoinAnswer::Refused(code, why) => return Err(AppError::Refused(code, why)),
            };
        } else {
            if !matches!(
                p.state,
                ParticipationState::Pending
                    | ParticipationState::Waitlisted
                    | ParticipationState::Accepted
            ) {
                return Err(AppError::Conflict(format!(
                    "this participation is already {}",
                    p.state
                )));
            }
            p.state = ParticipationState::Rejected;
            p.reason = optional_text(reason, 1000);
            p.reason_code = Some(DECLINED.into());
        }
        p.updated_at = now();
        db_events::save_participation(tx, &p).await?;
        send_answer(tx, &e, &p).await?;
        tell(tx, events, &e, &p, false).await?;
        settle(tx, events, &e.id, false).await?;
        Ok(p)
    })
    .await
}

/// Participants with their accounts: the organiser and staff see all (or one state); others
/// see the accepted ones of a public event.
pub async fn participants(
    ctx: &AppContext,
    viewer: Option<(&User, &Account)>,
    event_id: &EventId,
    state: Option<&str>,
) -> AppResult<Vec<(Participation, Account)>> {
    let e = super::get(ctx, event_id, viewer.map(|(_, a)| a))
        .await?
        .event;
    let manager =
        viewer.is_some_and(|(u, a)| a.id == e.organizer_id || (e.is_local && is_staff(u)));
    let state = match state {
        Some(s) => Some(ParticipationState::parse(s)?),
        None => None,
    };
    let state = if manager {
        state
    } else if e.visibility == "public" {
        Some(ParticipationState::Accepted)
    } else {
        return Err(AppError::Forbidden(
            "only the organizer sees who takes part".into(),
        ));
    };
    let viewer_id = viewer.map(|(_, a)| a.id.as_str());
    let mut conn = ctx.db.get().await?;
    let mut out = Vec::new();
    for mut p in db_events::list_participations(&mut conn, &e.id, state, 1000).await? {
        // A join request's message is for its author and whoever decides on it.
        if !manager && viewer_id != Some(p.account_id.as_str()) {
            p.message = None;
        }
        if let Some(a) = db_accounts::find_account_by_id(&mut conn, &p.account_id).await? {
            out.push((p, a));
        }
    }
    Ok(out)
}

/// Someone asks for a seat at one of our events: a member here (`Origin::Local`, refused
/// with an error) or a remote account's `Join` (`Origin::Remote`, always answered: Accept,
/// Reject with the reason, TentativeAccept for the waitlist). The seat is decided here, once,
/// for both; pending requests wait for the organiser.
async fn take_seat(
    tx: &mut DbConn,
    events: &mut Events,
    e: &Event,
    account: &Account,
    origin: Origin,
    message: Option<String>,
    join_uri: Option<String>,
) -> AppResult<Participation> {
    let existing = db_events::find_participation(tx, &e.id, &account.id).await?;
    // Answered before: the same answer again (a remote server may ask twice).
    let answered = existing.filter(|p| {
        (ACTIVE.contains(&p.state) && p.state != ParticipationState::Requested) || declined(p)
    });
    let refused = |code: &'static str, why: &str| -> AppResult<(ParticipationState, Refusal)> {
        match origin {
            Origin::Local => Err(AppError::Refused(code, why.to_string())),
            Origin::Remote => Ok((
                ParticipationState::Rejected,
                Some((code.into(), why.into())),
            )),
        }
    };
    let (state, refusal) = match &answered {
        Some(p) if origin == Origin::Local && !declined(p) => return Ok(p.clone()),
        Some(_) if origin == Origin::Local => {
            refused("not_open", "the organizer declined your participation")?
        }
        Some(p) => (
            p.state,
            p.reason_code
                .clone()
                .map(|code| (code, p.reason.clone().unwrap_or_default())),
        ),
        // Members see their space's events; other servers only public ones.
        None if origin == Origin::Remote && e.visibility != "public" => {
            refused("not_open", "this event is for members of the space")?
        }
        None => {
            let accepted =
                db_events::count_in_state(tx, &e.id, ParticipationState::Accepted).await?;
            match rules::decide_join(&seats(e, accepted), false) {
                JoinAnswer::Accepted => (ParticipationState::Accepted, None),
                JoinAnswer::Pending => (ParticipationState::Pending, None),
                JoinAnswer::Waitlisted => (ParticipationState::Waitlisted, None),
                JoinAnswer::Refused(code, why) => refused(code, &why)?,
            }
        }
    };
    let p = upsert(tx, e, &account.id, state, message, refusal, join_uri).await?;
    if origin == Origin::Remote {
        send_answer(tx, e, &p).await?;
    }
    if answered.is_none() && state != ParticipationState::Rejected {
        notify(
            tx,
            events,
            &e.organizer_id,
            &account.id,
            NotificationKind::ParticipationRequest,
            e.status_id.as_deref(),
        )
        .await?;
    }
    settle(tx, events, &e.id, false).await?;
    Ok(p)
}

/// A remote account's `Join` of a local event: always answered (Accept, Reject with the
/// reason, TentativeAccept for the waitlist); pending requests wait for the organiser.
pub async fn receive_join(
    ctx: &AppContext,
    actor: &Account,
    join_uri: &str,
    event_uri: &str,
    message: Option<String>,
) -> AppResult<()> {
    let known = {
        let mut conn = ctx.db.get().await?;
        db_events::find_event_by_uri(&mut conn, event_uri).await?
    };
    let Some(current) = known.filter(|e| e.is_local && e.deleted_at.is_none()) else {
        return Err(AppError::NotFound("event"));
    };
    ctx.write(async |tx, events| {
        let e = db_events::lock_event(tx, &current.id)
            .await?
            .ok_or(AppError::NotFound("event"))?;
        let message = optional_text(message, 1000);
        let join_uri = Some(join_uri.to_string());
        take_seat(tx, events, &e, actor, Origin::Remote, message, join_uri).await?;
        Ok(())
    })
    .await
}

/// A remote participant's `Leave`: the seat goes to the next on the waitlist.
pub async fn receive_leave(ctx: &AppContext, actor: &Account, event_uri: &str) -> AppResult<()> {
    ctx.write(async |tx, events| {
        let Some(known) = db_events::find_event_by_uri(tx, event_uri)
            .await?
            .filter(|e| e.is_local)
        else {
            return Err(AppError::NotFound("event"));
        };
        let e = db_events::lock_event(tx, &known.id)
            .await?
            .ok_or(AppError::NotFound("event"))?;
        let Some(mut p) = db_events::find_participation(tx, &e.id, &actor.id).await? else {
            return Ok(());
        };
        give_up_seat(tx, events, &e, &mut p).await
    })
    .await
}

/// A participant of one of our events gives the seat back, a member here or a remote one
/// (`Leave`): the seat goes to the first on the waitlist, decided once for both.
async fn give_up_seat(
    tx: &mut DbConn,
    events: &mut Events,
    e: &Event,
    p: &mut Participation,
) -> AppResult<()> {
    p.state = ParticipationState::Left;
    p.updated_at = now();
    db_events::save_participation(tx, p).await?;
    settle(tx, events, &e.id, false).await?;
    Ok(())
}

/// A remote organiser answers one of our joins (found by the Join's id); only the event's
/// organiser may.
pub async fn receive_answer(
    ctx: &AppContext,
    actor: &Account,
    join_uri: &str,
    answer: Answer,
) -> AppResult<()> {
    ctx.write(async |tx, events| {
        let Some(mut p) = db_events::find_participation_by_join(tx, join_uri).await? else {
            return Err(AppError::NotFound("participation"));
        };
        let e = db_events::find_event(tx, &p.event_id)
            .await?
            .ok_or(AppError::NotFound("event"))?;
        if e.organizer_id != actor.id {
            return Err(AppError::Forbidden(
                "only the event's organizer answers a join".into(),
            ));
        }
        if p.state == ParticipationState::Left {
            return Ok(());
        }
        let was = p.state;
        (p.state, p.reason, p.reason_code) = match answer {
            Answer::Accept => (ParticipationState::Accepted, None, None),
            Answer::Tentative => (ParticipationState::Waitlisted, None, None),
            Answer::Reject { reason, code } => (
                ParticipationState::Rejected,
                optional_text(reason, 1000),
                code_word(code).or_else(|| Some(DECLINED.into())),
            ),
        };
        p.updated_at = now();
        db_events::save_participation(tx, &p).await?;
        let promoted =
            was == ParticipationState::Waitlisted && p.state == ParticipationState::Accepted;
        tell(tx, events, &e, &p, promoted).await?;
        Ok(())
    })
    .await
}

/// A participation with its event, participant and organiser, for the delivery worker.
pub async fn participation_for_delivery(
    ctx: &AppContext,
    id: &str,
) -> AppResult<(Participation, Event, Account, Account)> {
    let mut conn = ctx.db.get().await?;
    let p = db_events::find_participation_by_id(&mut conn, id)
        .await?
        .ok_or(AppError::NotFound("participation"))?;
    let e = db_events::find_event(&mut conn, &p.event_id)
        .await?
        .ok_or(AppError::NotFound("event"))?;
    let participant = db_accounts::find_account_by_id(&mut conn, &p.account_id)
        .await?
        .ok_or(AppError::NotFound("account"))?;
    let organizer = db_accounts::find_account_by_id(&mut conn, &e.organizer_id)
        .await?
        .ok_or(AppError::NotFound("account"))?;
    Ok((p, e, participant, organizer))
}
