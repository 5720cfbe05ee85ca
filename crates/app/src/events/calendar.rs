//! Events as iCalendar (one event, a space's upcoming events, a member's private feed of the
//! events they joined) and the reminders participants get before the start.

use super::{place_of, Event, EventId};
use crate::{AppContext, AppError, AppResult};
use interspace_core::html::to_text;
use interspace_core::ical::{self, IcsEvent};
use interspace_core::notifications::NotificationKind;
use interspace_db::accounts::{self as db_accounts, Account};
use interspace_db::events::{self as db_events, EventFilter};
use interspace_db::users::User;
use interspace_db::{now, DbConn};

pub(crate) async fn render(conn: &mut DbConn, name: &str, events: &[Event]) -> AppResult<String> {
    let mut organizers: Vec<Account> = Vec::with_capacity(events.len());
    for e in events {
        organizers.push(
            db_accounts::find_account_by_id(conn, &e.organizer_id)
                .await?
                .ok_or(AppError::NotFound("account"))?,
        );
    }
    let texts: Vec<(String, String)> = events
        .iter()
        .map(|e| (to_text(&e.description), place_of(e).one_line()))
        .collect();
    let items: Vec<IcsEvent<'_>> = events
        .iter()
        .zip(&organizers)
        .zip(&texts)
        .map(|((e, o), (description, place))| IcsEvent {
            uid: &e.uri,
            url: e.url.as_deref(),
            title: &e.title,
            description,
            starts_at: e.starts_at,
            ends_at: e.ends_at,
            timezone: &e.timezone,
            location: Some(place.as_str()).filter(|p| !p.is_empty()),
            cancelled: e.status == "cancelled",
            organizer: Some((
                if o.display_name.is_empty() {
                    &o.username
                } else {
                    &o.display_name
                },
                &o.uri,
            )),
            created_at: e.created_at,
            updated_at: e.updated_at,
            sequence: e.sequence,
            all_day: false,
        })
        .collect();
    Ok(ical::calendar(name, crate::SOFTWARE_VERSION, &items))
}

/// One event `viewer` may see.
pub async fn event_ics(
    ctx: &AppContext,
    id: &EventId,
    viewer: Option<&Account>,
) -> AppResult<String> {
    let e = super::get(ctx, id, viewer).await?.event;
    let mut conn = ctx.db.get().await?;
    let title = e.title.clone();
    render(&mut conn, &title, &[e]).await
}

/// The public upcoming events of the local space `handle`.
pub async fn space_ics(ctx: &AppContext, handle: &str) -> AppResult<String> {
    let space = crate::spaces::show(ctx).await?;
    if !space.account.username.eq_ignore_ascii_case(handle) {
        return Err(AppError::NotFound("space"));
    }
    let mut conn = ctx.db.get().await?;
    let events = db_events::list_events(
        &mut conn,
        &EventFilter {
            upcoming: true,
            space_id: Some(space.space.id.clone()),
            limit: 500,
            ..EventFilter::default()
        },
    )
    .await?;
    let name = space.account.display_name.clone();
    render(&mut conn, &name, &events).await
}

/// The secret address of a member's feed of joined events (made on first use).
pub async fn calendar_url(ctx: &AppContext, user: &User) -> AppResult<String> {
    let mut conn = ctx.db.get().await?;
    let token = match db_events::find_calendar_token(&mut conn, &user.id).await? {
        Some(t) => t,
        None => {
            let t = interspace_core::ids::random_hex(24);
            db_events::set_calendar_token(&mut conn, &user.id, &t).await?;
            t
        }
    };
    Ok(ctx
        .urls()
        .path(&format!("/calendar/{token}.ics"))
        .to_string())
}

/// The feed behind a calendar secret: the member's events from a month ago on.
pub async fn member_ics(ctx: &AppContext, token: &str) -> AppResult<String> {
    let mut conn = ctx.db.get().await?;
    let account_id = db_events::find_account_by_calendar_token(&mut conn, token)
        .await?
        .ok_or(AppError::NotFound("calendar"))?;
    let events =
        db_events::list_joined(&mut conn, &account_id, now() - chrono::Duration::days(30)).await?;
    render(&mut conn, "Interspace", &events).await
}

/// Reminds local participants of events starting within the configured time; returns how
/// many were reminded. Each participation is reminded once.
pub async fn remind(ctx: &AppContext) -> AppResult<usize> {
    let before = ctx.settings.event_reminder;
    if before.is_zero() {
        return Ok(0);
    }
    let ts = now();
    let until = ts + chrono::Duration::from_std(before).unwrap_or(chrono::Duration::hours(1));
    ctx.write(async |tx, events| {
        let due = db_events::list_due_reminders(tx, ts, until).await?;
        let mut reminded = 0;
        for (mut p, e) in due {
            p.reminded_at = Some(ts);
            db_events::save_participation(tx, &p).await?;
            crate::notify::notify(
                tx,
                events,
                &p.account_id,
                &e.organizer_id,
                NotificationKind::EventReminder,
                e.status_id.as_deref(),
            )
            .await?;
            events.mail(crate::signals::Moment::EventReminder {
                event_id: e.id.clone(),
                account_id: p.account_id.clone(),
            });
            reminded += 1;
        }
        Ok(reminded)
    })
    .await
}
