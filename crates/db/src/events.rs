//! Events and their participations, local and received.

use crate::schema::{event_participations as parts, events, users};
use crate::{run, DbConn, DbResult, OptionalExt};
use chrono::NaiveDateTime;
use diesel::dsl::exists;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use interspace_core::events::ParticipationState;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset, Identifiable)]
#[diesel(table_name = events, treat_none_as_null = true)]
pub struct Event {
    pub id: String,
    pub uri: String,
    pub url: Option<String>,
    pub organizer_id: String,
    pub space_id: Option<String>,
    /// The post that shows the event in Mastodon timelines (public events only).
    pub status_id: Option<String>,
    pub title: String,
    /// Sanitised HTML.
    pub description: String,
    /// The Markdown the organiser wrote (local events).
    pub source_text: String,
    pub starts_at: NaiveDateTime,
    pub ends_at: NaiveDateTime,
    pub timezone: String,
    /// JSON: `kind`, `name`, `room`, address fields, `url`.
    pub place: String,
    pub category: Option<String>,
    pub capacity: Option<i64>,
    pub join_mode: String,
    pub external_url: Option<String>,
    pub waitlist: bool,
    pub status: String,
    pub previous_starts_at: Option<NaiveDateTime>,
    pub cancel_reason: Option<String>,
    pub visibility: String,
    pub participants_count: i64,
    pub waitlist_count: i64,
    pub is_local: bool,
    /// Grows with every change (iCalendar SEQUENCE, Update ids).
    pub sequence: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub deleted_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset, Identifiable)]
#[diesel(table_name = parts, treat_none_as_null = true)]
pub struct Participation {
    pub id: String,
    pub event_id: String,
    pub account_id: String,
    #[diesel(serialize_as = String, deserialize_as = String)]
    pub state: ParticipationState,
    pub message: Option<String>,
    pub reason: Option<String>,
    /// Why a join was refused: `rejected` (the organiser), `capacity_reached`, `not_open`.
    pub reason_code: Option<String>,
    pub join_uri: Option<String>,
    pub reminded_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// Which events a list shows.
#[derive(Debug, Clone, Default)]
pub struct EventFilter {
    /// `true`: not yet ended, soonest first; `false`: ended, latest first.
    pub upcoming: bool,
    pub now: Option<NaiveDateTime>,
    pub space_id: Option<String>,
    pub organizer_id: Option<String>,
    pub local: Option<bool>,
    /// The signed-in viewer's account, and whether they are a member of this instance's space.
    pub viewer: Option<String>,
    pub viewer_is_member: bool,
    /// Continue after this event (the last one of the previous page).
    pub after: Option<(NaiveDateTime, String)>,
    pub limit: i64,
}

pub async fn insert_event(conn: &mut DbConn, event: &Event) -> DbResult<()> {
    run!(conn, |c| diesel::insert_into(events::table)
        .values(event)
        .execute(c)
        .await)?;
    Ok(())
}

/// Inserts an event received from another instance once per `uri`; whether it is new.
pub async fn insert_remote_event(conn: &mut DbConn, event: &Event) -> DbResult<bool> {
    let n = run!(conn, |c| diesel::insert_into(events::table)
        .values(event)
        .on_conflict(events::uri)
        .do_nothing()
        .execute(c)
        .await)?;
    Ok(n == 1)
}

pub async fn save_event(conn: &mut DbConn, event: &Event) -> DbResult<()> {
    run!(conn, |c| diesel::update(events::table.find(&event.id))
        .set(event)
        .execute(c)
        .await)?;
    Ok(())
}

pub async fn find_event(conn: &mut DbConn, id: &str) -> DbResult<Option<Event>> {
    run!(conn, |c| events::table
        .find(id)
        .select(Event::as_select())
        .first(c)
        .await)
    .opt()
}

pub async fn find_event_by_uri(conn: &mut DbConn, uri: &str) -> DbResult<Option<Event>> {
    run!(conn, |c| events::table
        .filter(events::uri.eq(uri))
        .select(Event::as_select())
        .first(c)
        .await)
    .opt()
}

pub async fn find_event_by_status(conn: &mut DbConn, status_id: &str) -> DbResult<Option<Event>> {
    run!(conn, |c| events::table
        .filter(events::status_id.eq(status_id))
        .select(Event::as_select())
        .first(c)
        .await)
    .opt()
}

/// The event, locked for the rest of the transaction: a write to its row makes concurrent
/// joins wait (PostgreSQL row lock; SQLite's write lock is already held), so seats are
/// counted by one decider at a time.
pub async fn lock_event(conn: &mut DbConn, id: &str) -> DbResult<Option<Event>> {
    run!(conn, |c| diesel::update(events::table.find(id))
        .set(events::sequence.eq(events::sequence))
        .returning(Event::as_returning())
        .get_result(c)
        .await)
    .opt()
}

pub async fn list_events(conn: &mut DbConn, f: &EventFilter) -> DbResult<Vec<Event>> {
    let now = f.now.unwrap_or_else(crate::now);
    run!(conn, |c| {
        let mut q = events::table
            .filter(events::deleted_at.is_null())
            .into_boxed();
        q = if f.upcoming {
            q.filter(events::ends_at.ge(now))
        } else {
            q.filter(events::ends_at.lt(now))
        };
        if let Some(s) = &f.space_id {
            q = q.filter(events::space_id.eq(s.clone()));
        }
        if let Some(o) = &f.organizer_id {
            q = q.filter(events::organizer_id.eq(o.clone()));
        }
        if let Some(l) = f.local {
            q = q.filter(events::is_local.eq(l));
        }
        let viewer = f.viewer.clone().unwrap_or_default();
        let public = events::visibility.eq("public");
        q = if f.viewer_is_member {
            q.filter(
                public
                    .or(events::is_local.eq(true))
                    .or(events::organizer_id.eq(viewer.clone()))
                    .or(exists(
                        parts::table
                            .filter(parts::event_id.eq(events::id))
                            .filter(parts::account_id.eq(viewer.clone())),
                    )),
            )
        } else {
            q.filter(
                public
                    .or(events::organizer_id.eq(viewer.clone()))
                    .or(exists(
                        parts::table
                            .filter(parts::event_id.eq(events::id))
                            .filter(parts::account_id.eq(viewer.clone())),
                    )),
            )
        };
        if let Some((at, id)) = &f.after {
            q = if f.upcoming {
                q.filter(
                    events::starts_at
                        .gt(*at)
                        .or(events::starts_at.eq(*at).and(events::id.gt(id.clone()))),
                )
            } else {
                q.filter(
                    events::starts_at
                        .lt(*at)
                        .or(events::starts_at.eq(*at).and(events::id.lt(id.clone()))),
                )
            };
        }
        q = if f.upcoming {
            q.order((events::starts_at.asc(), events::id.asc()))
        } else {
            q.order((events::starts_at.desc(), events::id.desc()))
        };
        q.limit(f.limit).select(Event::as_select()).load(c).await
    })
    .map_err(Into::into)
}

/// Events whose start lies in `(from, to]` and whose participants were not reminded yet.
pub async fn list_due_reminders(
    conn: &mut DbConn,
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> DbResult<Vec<(Participation, Event)>> {
    run!(conn, |c| parts::table
        .inner_join(events::table)
        .filter(parts::state.eq(ParticipationState::Accepted.as_str()))
        .filter(parts::reminded_at.is_null())
        .filter(events::deleted_at.is_null())
        .filter(events::status.ne("cancelled"))
        .filter(events::starts_at.gt(from))
        .filter(events::starts_at.le(to))
        .select((Participation::as_select(), Event::as_select()))
        .limit(500)
        .load(c)
        .await)
    .map_err(Into::into)
}

pub async fn insert_participation(conn: &mut DbConn, p: &Participation) -> DbResult<()> {
    run!(conn, |c| diesel::insert_into(parts::table)
        .values(p.clone())
        .execute(c)
        .await)?;
    Ok(())
}

pub async fn save_participation(conn: &mut DbConn, p: &Participation) -> DbResult<()> {
    run!(conn, |c| diesel::update(parts::table.find(&p.id))
        .set(p.clone())
        .execute(c)
        .await)?;
    Ok(())
}

pub async fn find_participation(
    conn: &mut DbConn,
    event_id: &str,
    account_id: &str,
) -> DbResult<Option<Participation>> {
    run!(conn, |c| parts::table
        .filter(parts::event_id.eq(event_id))
        .filter(parts::account_id.eq(account_id))
        .select(Participation::as_select())
        .first(c)
        .await)
    .opt()
}

pub async fn find_participation_by_id(
    conn: &mut DbConn,
    id: &str,
) -> DbResult<Option<Participation>> {
    run!(conn, |c| parts::table
        .find(id)
        .select(Participation::as_select())
        .first(c)
        .await)
    .opt()
}

pub async fn find_participation_by_join(
    conn: &mut DbConn,
    join_uri: &str,
) -> DbResult<Option<Participation>> {
    run!(conn, |c| parts::table
        .filter(parts::join_uri.eq(join_uri))
        .select(Participation::as_select())
        .first(c)
        .await)
    .opt()
}

/// Participations of an event, oldest first, optionally in one state.
pub async fn list_participations(
    conn: &mut DbConn,
    event_id: &str,
    state: Option<ParticipationState>,
    limit: i64,
) -> DbResult<Vec<Participation>> {
    run!(conn, |c| {
        let mut q = parts::table
            .filter(parts::event_id.eq(event_id))
            .into_boxed();
        if let Some(s) = state {
            q = q.filter(parts::state.eq(s.as_str()));
        }
        q.order((parts::created_at.asc(), parts::id.asc()))
            .limit(limit)
            .select(Participation::as_select())
            .load(c)
            .await
    })
    .map_err(Into::into)
}

pub async fn count_in_state(
    conn: &mut DbConn,
    event_id: &str,
    state: ParticipationState,
) -> DbResult<i64> {
    run!(conn, |c| parts::table
        .filter(parts::event_id.eq(event_id))
        .filter(parts::state.eq(state.as_str()))
        .count()
        .get_result(c)
        .await)
    .map_err(Into::into)
}

/// Events an account takes part in (accepted, pending, waitlisted or awaiting an answer).
pub async fn list_joined(
    conn: &mut DbConn,
    account_id: &str,
    since: NaiveDateTime,
) -> DbResult<Vec<Event>> {
    run!(conn, |c| events::table
        .inner_join(parts::table)
        .filter(parts::account_id.eq(account_id))
        .filter(
            parts::state.eq_any(
                [
                    ParticipationState::Accepted,
                    ParticipationState::Pending,
                    ParticipationState::Waitlisted,
                    ParticipationState::Requested
                ]
                .map(ParticipationState::as_str)
            )
        )
        .filter(events::deleted_at.is_null())
        .filter(events::ends_at.ge(since))
        .order(events::starts_at.asc())
        .limit(500)
        .select(Event::as_select())
        .load(c)
        .await)
    .map_err(Into::into)
}

/// The member whose private calendar feed this secret opens.
pub async fn find_account_by_calendar_token(
    conn: &mut DbConn,
    token: &str,
) -> DbResult<Option<String>> {
    run!(conn, |c| users::table
        .filter(users::calendar_token.eq(token))
        .filter(users::disabled.eq(false))
        .select(users::account_id)
        .first(c)
        .await)
    .opt()
}

pub async fn find_calendar_token(conn: &mut DbConn, user_id: &str) -> DbResult<Option<String>> {
    run!(conn, |c| users::table
        .find(user_id)
        .select(users::calendar_token)
        .first(c)
        .await)
    .map_err(Into::into)
}

pub async fn set_calendar_token(conn: &mut DbConn, user_id: &str, token: &str) -> DbResult<()> {
    run!(conn, |c| diesel::update(users::table.find(user_id))
        .set(users::calendar_token.eq(token))
        .execute(c)
        .await)?;
    Ok(())
}
