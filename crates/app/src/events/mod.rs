//! Events (API.md "Events"): organised by a member or the space, federated as FEP-8a8e
//! `Event`s, joined from any instance. A public event also gets a post with the same `uri`, so
//! that Mastodon timelines and clients show it.

pub(crate) mod calendar;
mod post;
mod read;
mod remote;
mod rsvp;
#[cfg(test)]
mod tests;

pub use calendar::{calendar_url, event_ics, member_ics, remind, space_ics};
use interspace_core::delivery::OutboxKind;
use interspace_core::notifications::NotificationKind;
use post::sync_post;
pub use post::{info_lines, post_html};
pub use read::{for_delivery, get, knows_join, list, lookup, of_status, view};
pub use remote::{receive_delete, receive_event, RemoteEvent};
pub use rsvp::{
    decide, join, leave, participants, participation_for_delivery, receive_answer, receive_join,
    receive_leave, Answer,
};

use crate::signals::Events;
use crate::spaces::{self, SpaceDetails};
use crate::{AppContext, AppError, AppResult};
use interspace_core::events::{
    self as rules, EventStatus, EventVisibility, JoinMode, ParticipationState, PlaceKind,
};
use interspace_core::html::{escape, sanitize};
use interspace_core::ids::new_id;
pub use interspace_core::ids::{EventId, ParticipationId};
use interspace_core::roles::Role;
use interspace_core::text::optional_text;
use interspace_core::ValidationError;
use interspace_db::accounts::{self as db_accounts, Account};
use interspace_db::events as db_events;
pub use interspace_db::events::{Event, EventFilter, Participation};
use interspace_db::statuses as db_statuses;
use interspace_db::users::User;
use interspace_db::{now, DbConn};
use serde::{Deserialize, Serialize};

/// Where an event happens (stored as JSON).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Place {
    pub kind: String,
    pub name: Option<String>,
    /// A room of the space.
    pub room: Option<String>,
    pub street: Option<String>,
    pub postal_code: Option<String>,
    pub locality: Option<String>,
    pub region: Option<String>,
    pub country: Option<String>,
    /// The online meeting's address.
    pub url: Option<String>,
}

impl Place {
    /// One line for people: "Room 2, The Hive, 1 Main St, Lyon" or the meeting URL.
    pub fn one_line(&self) -> String {
        let parts = [
            &self.room,
            &self.name,
            &self.street,
            &self.postal_code,
            &self.locality,
            &self.country,
        ];
        let line: Vec<&str> = parts
            .iter()
            .filter_map(|p| p.as_deref())
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .collect();
        match (self.kind.as_str(), &self.url) {
            ("online", Some(u)) if line.is_empty() => format!("Online: {u}"),
            ("online", _) if line.is_empty() => "Online".into(),
            _ => line.join(", "),
        }
    }
}

pub fn place_of(e: &Event) -> Place {
    serde_json::from_str(&e.place).unwrap_or_default()
}

/// An event with what its pages and entities show.
#[derive(Debug, Clone)]
pub struct EventView {
    pub event: Event,
    pub organizer: Account,
    pub space: Option<SpaceDetails>,
    pub place: Place,
    pub seats_left: Option<i64>,
    pub mine: Option<Participation>,
}

/// What an organiser writes. For an update, `None` keeps the current value.
#[derive(Debug, Clone, Default)]
pub struct EventInput {
    pub title: Option<String>,
    /// Markdown.
    pub description: Option<String>,
    pub starts_at: Option<String>,
    pub ends_at: Option<String>,
    pub timezone: Option<String>,
    pub place: Option<Place>,
    pub category: Option<String>,
    /// `Some(None)`: unlimited.
    pub capacity: Option<Option<i64>>,
    pub join_mode: Option<String>,
    pub external_url: Option<String>,
    pub waitlist: Option<bool>,
    pub visibility: Option<String>,
    /// `scheduled`, `postponed` or `moved_online` (cancelling is [`cancel`]).
    pub status: Option<String>,
    /// Organise as the space (hosts and operators).
    pub as_space: bool,
}

fn invalid(field: &'static str, reason: impl Into<String>) -> AppError {
    AppError::Validation(ValidationError::new(field, reason))
}

fn http_url(field: &'static str, raw: &str) -> AppResult<String> {
    match url::Url::parse(raw.trim()) {
        Ok(u) if matches!(u.scheme(), "http" | "https") => Ok(u.to_string()),
        _ => Err(invalid(field, "must be an http or https URL")),
    }
}

fn is_staff(user: &User) -> bool {
    Role::parse(&user.role).is_ok_and(Role::is_staff)
}

/// Checks and applies `input` to `e` (a new event or a copy of the current one).
fn apply(
    ctx: &AppContext,
    e: &mut Event,
    input: &EventInput,
    space: &SpaceDetails,
) -> AppResult<()> {
    if let Some(t) = &input.title {
        e.title = crate::companion::title(t)?;
    }
    if let Some(d) = &input.description {
        e.description = crate::companion::description(ctx, d)?;
        e.source_text = d.clone();
    }
    if input.starts_at.is_some() || input.ends_at.is_some() || input.timezone.is_some() {
        let iso = |t: chrono::NaiveDateTime| t.and_utc().to_rfc3339();
        let schedule = rules::schedule(
            &input.starts_at.clone().unwrap_or_else(|| iso(e.starts_at)),
            &input.ends_at.clone().unwrap_or_else(|| iso(e.ends_at)),
            input.timezone.as_deref().unwrap_or(&e.timezone),
        )?;
        if schedule.starts_at != e.starts_at && schedule.starts_at <= now() {
            return Err(invalid("starts_at", "must be in the future"));
        }
        e.starts_at = schedule.starts_at;
        e.ends_at = schedule.ends_at;
        e.timezone = schedule.timezone;
    }
    if let Some(p) = &input.place {
        e.place = serde_json::to_string(&check_place(p, space)?)
            .map_err(|e| AppError::Internal(e.to_string()))?;
    }
    if let Some(c) = &input.category {
        let c = c.trim();
        if c.chars().count() > 60 {
            return Err(invalid("category", "at most 60 characters"));
        }
        e.category = Some(c.to_string()).filter(|c| !c.is_empty());
    }
    if let Some(c) = input.capacity {
        e.capacity = rules::capacity(c)?;
    }
    if let Some(m) = &input.join_mode {
        e.join_mode = JoinMode::parse(m)?.as_str().to_string();
    }
    if let Some(u) = &input.external_url {
        e.external_url = match u.trim() {
            "" => None,
            u => Some(http_url("external_url", u)?),
        };
    }
    if e.join_mode == JoinMode::External.as_str() && e.external_url.is_none() {
        return Err(invalid(
            "external_url",
            "is required when join_mode is external",
        ));
    }
    if let Some(w) = input.waitlist {
        e.waitlist = w;
    }
    if let Some(v) = &input.visibility {
        e.visibility = EventVisibility::parse(v)?.as_str().to_string();
    }
    Ok(())
}

fn check_place(p: &Place, space: &SpaceDetails) -> AppResult<Place> {
    let kind = PlaceKind::parse(&p.kind)?;
    let clean = |v: &Option<String>| optional_text(v.clone(), 200);
    Ok(match kind {
        PlaceKind::Space => {
            let l = &space.location;
            Place {
                kind: kind.as_str().into(),
                name: Some(space.account.display_name.clone()),
                room: clean(&p.room),
                street: l.street.clone(),
                postal_code: l.postal_code.clone(),
                locality: l.locality.clone(),
                region: l.region.clone(),
                country: l.country.clone(),
                url: None,
            }
        }
        PlaceKind::Address => {
            let place = Place {
                kind: kind.as_str().into(),
                name: clean(&p.name),
                room: clean(&p.room),
                street: clean(&p.street),
                postal_code: clean(&p.postal_code),
                locality: clean(&p.locality),
                region: clean(&p.region),
                country: clean(&p.country),
                url: None,
            };
            if place.name.is_none() && place.street.is_none() {
                return Err(invalid("place", "an address needs a name or a street"));
            }
            place
        }
        PlaceKind::Online => Place {
            kind: kind.as_str().into(),
            name: clean(&p.name),
            url: Some(http_url("place.url", p.url.as_deref().unwrap_or_default())?),
            ..Place::default()
        },
    })
}

/// Creates an event organised by `author` (or by the space, with `as_space`).
pub async fn create(
    ctx: &AppContext,
    author: &(User, Account),
    input: EventInput,
) -> AppResult<EventView> {
    let (user, account) = author;
    let space = spaces::show(ctx).await?;
    if input.as_space && !is_staff(user) {
        return Err(AppError::Forbidden(
            "only hosts and operators organise events as the space".into(),
        ));
    }
    for (field, missing) in [
        ("title", input.title.is_none()),
        ("starts_at", input.starts_at.is_none()),
        ("ends_at", input.ends_at.is_none()),
    ] {
        if missing {
            return Err(invalid(field, "is required"));
        }
    }
    let organizer = if input.as_space {
        space.account.clone()
    } else {
        account.clone()
    };
    let id = new_id();
    let uri = ctx.urls().path(&format!("/events/{id}")).to_string();
    let ts = now();
    let mut event = Event {
        id,
        url: Some(uri.clone()),
        uri,
        organizer_id: organizer.id.clone(),
        space_id: Some(space.space.id.clone()),
        status_id: None,
        title: String::new(),
        description: String::new(),
        source_text: String::new(),
        starts_at: ts,
        ends_at: ts,
        timezone: space.space.timezone.clone(),
        place: String::new(),
        category: None,
        capacity: None,
        join_mode: JoinMode::Free.as_str().into(),
        external_url: None,
        waitlist: true,
        status: EventStatus::Scheduled.as_str().into(),
        previous_starts_at: None,
        cancel_reason: None,
        visibility: EventVisibility::Public.as_str().into(),
        participants_count: 0,
        waitlist_count: 0,
        is_local: true,
        sequence: 0,
        created_at: ts,
        updated_at: ts,
        deleted_at: None,
    };
    let input = EventInput {
        place: Some(input.place.clone().unwrap_or(Place {
            kind: "space".into(),
            ..Place::default()
        })),
        description: Some(input.description.clone().unwrap_or_default()),
        timezone: Some(
            input
                .timezone
                .clone()
                .unwrap_or_else(|| space.space.timezone.clone()),
        ),
        ..input
    };
    apply(ctx, &mut event, &input, &space)?;
    if event.starts_at <= ts {
        return Err(invalid("starts_at", "must be in the future"));
    }
    ctx.write(async |tx, events| {
        db_events::insert_event(tx, &event).await?;
        sync_post(tx, events, &mut event, &organizer).await?;
        db_events::save_event(tx, &event).await?;
        if event.visibility == EventVisibility::Public.as_str() {
            crate::outbox::enqueue(tx, OutboxKind::EventCreate, &organizer.id, &event.id, None)
                .await?;
            // FEP-1b12: the space re-shares its members' public events with its followers.
            if organizer.id != space.account.id {
                if let Some(post) = &event.status_id {
                    let post = db_statuses::find_status(tx, post)
                        .await?
                        .ok_or(AppError::NotFound("status"))?;
                    crate::boosts::insert_boost(
                        tx,
                        events,
                        ctx,
                        &space.account,
                        &post,
                        interspace_core::statuses::Visibility::Public,
                        crate::boosts::Sent::Announce,
                    )
                    .await?;
                    crate::outbox::enqueue(
                        tx,
                        OutboxKind::RelayEvent,
                        &space.account.id,
                        &event.id,
                        None,
                    )
                    .await?;
                }
            }
        }
        Ok(())
    })
    .await?;
    view(ctx, event, Some(&account.id)).await
}

/// Only the organiser, or the space's staff for the space's events, changes an event.
async fn writable(ctx: &AppContext, writer: &(User, Account), id: &str) -> AppResult<Event> {
    let (user, account) = writer;
    let mut conn = ctx.db.get().await?;
    let e = db_events::find_event(&mut conn, id)
        .await?
        .filter(|e| e.deleted_at.is_none())
        .ok_or(AppError::NotFound("event"))?;
    drop(conn);
    if !e.is_local {
        return Err(AppError::Forbidden(
            "this event is managed on its own instance".into(),
        ));
    }
    if e.organizer_id == account.id || is_staff(user) {
        Ok(e)
    } else {
        Err(AppError::Forbidden(
            "only the organizer changes this event".into(),
        ))
    }
}

/// Whether what participants rely on changed (and so must be told).
fn material_change(a: &Event, b: &Event) -> bool {
    a.title != b.title
        || a.starts_at != b.starts_at
        || a.ends_at != b.ends_at
        || a.place != b.place
        || a.status != b.status
}

pub async fn update(
    ctx: &AppContext,
    writer: &(User, Account),
    id: &EventId,
    input: EventInput,
) -> AppResult<EventView> {
    let current = writable(ctx, writer, id).await?;
    if input
        .visibility
        .as_deref()
        .is_some_and(|v| v.trim() != current.visibility)
    {
        // Who was told cannot be untold: a public event stays public (cancel it instead), and
        // a members' event is published as a new one.
        return Err(invalid("visibility", "is chosen when the event is created"));
    }
    let space = spaces::show(ctx).await?;
    let mut e = current.clone();
    apply(ctx, &mut e, &input, &space)?;
    if let Some(s) = &input.status {
        let status = EventStatus::parse(s)?;
        if status == EventStatus::Cancelled {
            return Err(invalid("status", "cancel with POST /events/:id/cancel"));
        }
        if current.status == EventStatus::Cancelled.as_str() {
            return Err(AppError::Conflict(
                "a cancelled event stays cancelled".into(),
            ));
        }
        e.status = status.as_str().into();
    }
    if e.status == EventStatus::Postponed.as_str() && e.starts_at != current.starts_at {
        e.previous_starts_at = Some(current.starts_at);
    }
    if e.status == EventStatus::MovedOnline.as_str() && place_of(&e).kind != "online" {
        return Err(invalid(
            "place",
            "an event moved online needs an online place",
        ));
    }
    save_change(ctx, current, e).await
}

pub async fn cancel(
    ctx: &AppContext,
    writer: &(User, Account),
    id: &EventId,
    reason: Option<String>,
) -> AppResult<EventView> {
    let current = writable(ctx, writer, id).await?;
    let mut e = current.clone();
    e.status = EventStatus::Cancelled.as_str().into();
    e.cancel_reason = optional_text(reason, 500);
    save_change(ctx, current, e).await
}

/// Writes a local event's change, refreshes its post, fills freed seats, tells participants
/// when it matters, and federates the Update.
async fn save_change(ctx: &AppContext, before: Event, mut e: Event) -> AppResult<EventView> {
    let organizer = crate::accounts::get_any(ctx, &e.organizer_id).await?;
    let e = ctx
        .write(async |tx, events| {
            e.sequence = before.sequence + 1;
            e.updated_at = now();
            db_events::save_event(tx, &e).await?;
            let e = rsvp::settle(tx, events, &e.id, true).await?;
            if material_change(&before, &e) {
                notify_participants(tx, events, &e, NotificationKind::EventUpdate).await?;
            }
            Ok(e)
        })
        .await?;
    view(ctx, e, Some(&organizer.id)).await
}

pub async fn delete(ctx: &AppContext, writer: &(User, Account), id: &EventId) -> AppResult<()> {
    let mut e = writable(ctx, writer, id).await?;
    let organizer = crate::accounts::get_any(ctx, &e.organizer_id).await?;
    ctx.write(async |tx, events| {
        e.deleted_at = Some(now());
        e.status = EventStatus::Cancelled.as_str().into();
        sync_post(tx, events, &mut e, &organizer).await?;
        db_events::save_event(tx, &e).await?;
        notify_participants(tx, events, &e, NotificationKind::EventUpdate).await?;
        if e.visibility == EventVisibility::Public.as_str() {
            crate::outbox::enqueue(tx, OutboxKind::EventDelete, &e.organizer_id, &e.id, None)
                .await?;
        }
        Ok(())
    })
    .await
}

/// Notifies the local participants who hold or wait for a seat.
async fn notify_participants(
    tx: &mut DbConn,
    events: &mut Events,
    e: &Event,
    kind: NotificationKind,
) -> AppResult<()> {
    for p in db_events::list_participations(tx, &e.id, None, 10_000).await? {
        if matches!(
            p.state,
            ParticipationState::Accepted
                | ParticipationState::Pending
                | ParticipationState::Waitlisted
                | ParticipationState::Requested
        ) {
            crate::notify::notify(
                tx,
                events,
                &p.account_id,
                &e.organizer_id,
                kind,
                e.status_id.as_deref(),
            )
            .await?;
        }
    }
    Ok(())
}
