//! Reading events: who may see which, the views pages and entities show, lists and lookups.

use super::*;

/// Whether `viewer` may see `e`: public events everyone; the space's own events its members;
/// any event its organiser and participants.
async fn may_see(ctx: &AppContext, e: &Event, viewer: Option<&str>) -> AppResult<bool> {
    if e.visibility == EventVisibility::Public.as_str() {
        return Ok(true);
    }
    let Some(viewer) = viewer else {
        return Ok(false);
    };
    if e.organizer_id == viewer {
        return Ok(true);
    }
    let mut conn = ctx.db.get().await?;
    if db_events::find_participation(&mut conn, &e.id, viewer)
        .await?
        .is_some()
    {
        return Ok(true);
    }
    Ok(e.is_local && crate::members::is_active(&mut conn, viewer).await?)
}

pub async fn view(ctx: &AppContext, event: Event, viewer: Option<&str>) -> AppResult<EventView> {
    let mut spaces = SpaceCache::new();
    view_with(ctx, event, viewer, &mut spaces).await
}

/// Spaces already loaded while building a list (most events of a list share one).
type SpaceCache = std::collections::HashMap<String, Option<SpaceDetails>>;

async fn view_with(
    ctx: &AppContext,
    event: Event,
    viewer: Option<&str>,
    spaces: &mut SpaceCache,
) -> AppResult<EventView> {
    let mut conn = ctx.db.get().await?;
    let organizer = db_accounts::find_account_by_id(&mut conn, &event.organizer_id)
        .await?
        .ok_or(AppError::NotFound("account"))?;
    let mine = match viewer {
        Some(v) => db_events::find_participation(&mut conn, &event.id, v).await?,
        None => None,
    };
    drop(conn);
    let space = match &event.space_id {
        Some(s) => match spaces.get(s) {
            Some(known) => known.clone(),
            None => {
                let found = spaces::get(ctx, s).await.ok();
                spaces.insert(s.clone(), found.clone());
                found
            }
        },
        None => None,
    };
    Ok(EventView {
        seats_left: rules::seats_left(event.capacity, event.participants_count),
        place: place_of(&event),
        event,
        organizer,
        space,
        mine,
    })
}

/// An event `viewer` may see (deleted ones are gone).
pub async fn get(ctx: &AppContext, id: &EventId, viewer: Option<&Account>) -> AppResult<EventView> {
    let viewer = viewer.map(|a| a.id.as_str());
    let mut conn = ctx.db.get().await?;
    let e = db_events::find_event(&mut conn, id)
        .await?
        .ok_or(AppError::NotFound("event"))?;
    drop(conn);
    if !may_see(ctx, &e, viewer).await? {
        return Err(AppError::NotFound("event"));
    }
    if e.deleted_at.is_some() {
        return Err(AppError::Gone("event"));
    }
    view(ctx, e, viewer).await
}

/// The local copy of an event by its ActivityPub id, fetched from its origin if unknown and
/// `viewer` is signed in (anonymous lookups store nothing: they read what is known).
pub async fn lookup(ctx: &AppContext, uri: &str, viewer: Option<&Account>) -> AppResult<EventView> {
    let known = {
        let mut conn = ctx.db.get().await?;
        db_events::find_event_by_uri(&mut conn, uri).await?
    };
    let e = match known {
        Some(e) => e,
        None if viewer.is_none() => return Err(AppError::NotFound("event")),
        None => {
            let parsed = url::Url::parse(uri).map_err(|_| invalid("uri", "must be a URL"))?;
            ctx.resolver()?.resolve_object(ctx, &parsed).await?;
            let mut conn = ctx.db.get().await?;
            db_events::find_event_by_uri(&mut conn, uri)
                .await?
                .ok_or(AppError::NotFound("event"))?
        }
    };
    get(ctx, &EventId::new(e.id), viewer).await
}

/// A page of events `viewer` may see.
pub async fn list(
    ctx: &AppContext,
    viewer: Option<&Account>,
    mut filter: EventFilter,
) -> AppResult<Vec<EventView>> {
    let viewer = viewer.map(|a| a.id.as_str());
    let mut conn = ctx.db.get().await?;
    filter.viewer = viewer.map(String::from);
    filter.viewer_is_member = match viewer {
        Some(v) => crate::members::is_active(&mut conn, v).await?,
        None => false,
    };
    filter.limit = filter.limit.clamp(1, 80);
    let rows = db_events::list_events(&mut conn, &filter).await?;
    drop(conn);
    let mut out = Vec::with_capacity(rows.len());
    let mut spaces = SpaceCache::new();
    for e in rows {
        out.push(view_with(ctx, e, viewer, &mut spaces).await?);
    }
    Ok(out)
}

/// Whether `uri` is the id of a Join we sent or received.
pub async fn knows_join(ctx: &AppContext, uri: &str) -> AppResult<bool> {
    let mut conn = ctx.db.get().await?;
    Ok(db_events::find_participation_by_join(&mut conn, uri)
        .await?
        .is_some())
}

/// The event a post shows, if it is one.
pub async fn of_status(ctx: &AppContext, status_id: &str) -> AppResult<Option<Event>> {
    let mut conn = ctx.db.get().await?;
    Ok(db_events::find_event_by_status(&mut conn, status_id).await?)
}

/// A local event and its organiser, for the delivery worker (deleted ones included).
pub async fn for_delivery(ctx: &AppContext, id: &str) -> AppResult<(EventView, Vec<Account>)> {
    let mut conn = ctx.db.get().await?;
    let e = db_events::find_event(&mut conn, id)
        .await?
        .ok_or(AppError::NotFound("event"))?;
    let mut remote = Vec::new();
    for p in db_events::list_participations(&mut conn, id, None, 10_000).await? {
        if let Some(a) = db_accounts::find_account_by_id(&mut conn, &p.account_id).await? {
            if !a.is_local() {
                remote.push(a);
            }
        }
    }
    drop(conn);
    Ok((view(ctx, e, None).await?, remote))
}
