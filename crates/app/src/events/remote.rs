//! Events other instances tell us about: stored once per `uri`, updated and deleted only by
//! their organiser. The federation layer has checked signatures and origins.

use super::{material_change, notify_participants, sync_post, Event, Place};
use crate::signals::Events;
use crate::{AppContext, AppError, AppResult};
use interspace_core::events::{EventStatus, EventVisibility, JoinMode};
use interspace_core::html::sanitize;
use interspace_core::ids::new_id;
use interspace_core::notifications::NotificationKind;
use interspace_db::accounts::Account;
use interspace_db::events as db_events;
use interspace_db::now;

/// An Event as received (Interspace's or Mobilizon's shape), already checked for origin.
#[derive(Debug, Clone)]
pub struct RemoteEvent {
    pub uri: String,
    pub url: Option<String>,
    pub title: String,
    /// Unsanitised HTML from the wire.
    pub description: String,
    pub starts_at: chrono::NaiveDateTime,
    /// Missing on the wire: two hours after the start.
    pub ends_at: Option<chrono::NaiveDateTime>,
    pub timezone: Option<String>,
    pub place: Place,
    pub category: Option<String>,
    /// `None` or 0 on the wire: unlimited.
    pub capacity: Option<i64>,
    pub join_mode: Option<String>,
    pub external_url: Option<String>,
    pub waitlist: Option<bool>,
    pub status: EventStatus,
    pub previous_starts_at: Option<chrono::NaiveDateTime>,
    pub participants_count: Option<i64>,
    pub waitlist_count: Option<i64>,
    pub cancel_reason: Option<String>,
    /// Addressed to the public.
    pub public: bool,
    pub published: Option<chrono::NaiveDateTime>,
}

const MAX_DESCRIPTION: usize = 100_000;

/// Stores a new event or applies its organiser's update; participants hear of changes to
/// what they rely on. A deleted event stays deleted.
pub async fn receive_event(ctx: &AppContext, organizer: &Account, r: RemoteEvent) -> AppResult<()> {
    ctx.write(async |tx, events| {
        let existing = db_events::find_event_by_uri(tx, &r.uri).await?;
        if existing.is_none() && crate::outbox::deleted_before_arrival(tx, &r.uri).await? {
            return Ok(());
        }
        if let Some(e) = &existing {
            if e.is_local || e.organizer_id != organizer.id {
                return Err(AppError::Forbidden(
                    "only the organizer updates an event".into(),
                ));
            }
            if e.deleted_at.is_some() {
                return Ok(());
            }
        }
        let ts = now();
        let starts_at = r.starts_at;
        let ends_at = r
            .ends_at
            .filter(|e| *e > starts_at)
            .unwrap_or(starts_at + chrono::Duration::hours(2));
        let timezone = r
            .timezone
            .filter(|t| interspace_core::events::known_timezone(t))
            .unwrap_or_else(|| "UTC".into());
        let join_mode = r
            .join_mode
            .and_then(|m| JoinMode::parse(&m).ok())
            .unwrap_or(JoinMode::Free);
        let clip = |s: String, n: usize| s.chars().take(n).collect::<String>();
        let mut e = Event {
            id: existing.as_ref().map_or_else(new_id, |e| e.id.clone()),
            uri: r.uri.clone(),
            url: r.url.clone(),
            organizer_id: organizer.id.clone(),
            space_id: crate::spaces::space_id_of(tx, organizer).await?,
            status_id: existing.as_ref().and_then(|e| e.status_id.clone()),
            title: clip(r.title, 200),
            description: sanitize(&clip(r.description, MAX_DESCRIPTION)),
            source_text: String::new(),
            starts_at,
            ends_at,
            timezone,
            place: serde_json::to_string(&r.place)
                .map_err(|e| AppError::Internal(e.to_string()))?,
            category: r.category.map(|c| clip(c, 60)),
            capacity: r.capacity.filter(|c| *c > 0),
            join_mode: join_mode.as_str().into(),
            external_url: r.external_url,
            waitlist: r.waitlist.unwrap_or(true),
            status: r.status.as_str().into(),
            previous_starts_at: r.previous_starts_at,
            cancel_reason: r.cancel_reason.map(|c| clip(c, 500)),
            visibility: if r.public {
                EventVisibility::Public
            } else {
                EventVisibility::Space
            }
            .as_str()
            .into(),
            participants_count: r.participants_count.unwrap_or(0).max(0),
            waitlist_count: r.waitlist_count.unwrap_or(0).max(0),
            is_local: false,
            sequence: existing.as_ref().map_or(0, |e| e.sequence + 1),
            created_at: existing
                .as_ref()
                .map_or(r.published.unwrap_or(ts).min(ts), |e| e.created_at),
            updated_at: ts,
            deleted_at: None,
        };
        match &existing {
            None => {
                if !db_events::insert_remote_event(tx, &e).await? {
                    return Ok(());
                }
            }
            Some(before) => {
                if material_change(before, &e) {
                    notify_participants(tx, events, &e, NotificationKind::EventUpdate).await?;
                }
            }
        }
        sync_post(tx, events, &mut e, organizer).await?;
        db_events::save_event(tx, &e).await?;
        Ok(())
    })
    .await
}

/// The organiser deleted an event: it becomes a tombstone and its participants hear of it.
/// Whether `uri` was an event.
pub async fn receive_delete(ctx: &AppContext, actor: &Account, uri: &str) -> AppResult<bool> {
    let mut tx = ctx.db.begin().await?;
    let Some(mut e) = db_events::find_event_by_uri(&mut tx, uri).await? else {
        return Ok(false);
    };
    if e.is_local || e.organizer_id != actor.id {
        return Err(AppError::Forbidden(
            "only the organizer deletes an event".into(),
        ));
    }
    if e.deleted_at.is_some() {
        return Ok(true);
    }
    let mut events = Events::default();
    e.deleted_at = Some(now());
    e.status = EventStatus::Cancelled.as_str().into();
    sync_post(&mut tx, &mut events, &mut e, actor).await?;
    db_events::save_event(&mut tx, &e).await?;
    notify_participants(&mut tx, &mut events, &e, NotificationKind::EventUpdate).await?;
    ctx.commit(tx, events).await?;
    Ok(true)
}
