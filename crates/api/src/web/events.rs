//! Event pages: one event (also what browsers get from the event's ActivityPub id), a space's
//! upcoming events, joining and leaving, and the iCalendar feeds.

use super::parts::remote_interaction_form;
use super::parts::{account_href, button_form, display_name, handle};
use super::session::Done;
use super::session::{fixable, redirect, Viewer, WebError, WebResult};
use crate::calendar::calendar_response;
use crate::extract::Params;
use crate::layout::{alert, csrf_field, notice, page, page_with, safe_html, Frame};
use actix_web::{web, HttpResponse};
use interspace_app::events::{self, EventFilter, EventId, EventInput, EventView, Place};
use interspace_app::AppContext;
use interspace_core::events::{local_time, when_text, ParticipationState};
use interspace_core::ValidationError;
use maud::{html, Markup};

fn when(v: &EventView) -> String {
    when_text(v.event.starts_at, v.event.ends_at, &v.event.timezone)
}

/// One event in a list.
pub fn card(v: &EventView) -> Markup {
    let e = &v.event;
    let href = format!("/events/{}", e.id);
    html! {
        article.card aria-label=(e.title) {
            header {
                a href=(href) { strong { (e.title) } }
                @if e.status != "scheduled" { span.badge { (e.status.replace('_', " ")) } }
            }
            p { (when(v)) }
            @let place = v.place.one_line();
            @if !place.is_empty() { p.muted { (place) } }
            footer {
                span { (e.participants_count) " going" }
                @if let Some(left) = v.seats_left { span { (left) " seats left" } }
            }
        }
    }
}

fn rsvp(frame: &Frame, v: &EventView) -> Markup {
    let e = &v.event;
    // A refusal by the rules (a full event) may be asked again; the organiser's no is final.
    let state = v.mine.as_ref().and_then(|p| {
        let retry =
            p.state == ParticipationState::Rejected && p.reason_code.as_deref() != Some("rejected");
        (!retry).then_some(p.state.as_str())
    });
    let action = |what: &str| format!("/events/{}/{what}", e.id);
    html! {
        section aria-labelledby="rsvp" {
            h2 #rsvp { "Taking part" }
            @match state {
                Some("accepted") => { p { "You are going." } (button_form(frame, &action("leave"), "Leave", "secondary")) }
                Some("pending") => { p { "You asked to join; the organizer decides." } (button_form(frame, &action("leave"), "Withdraw", "secondary")) }
                Some("waitlisted") => { p { "You are on the waitlist." } (button_form(frame, &action("leave"), "Leave the waitlist", "secondary")) }
                Some("requested") => { p { "You asked to join; waiting for the organizer's server." } (button_form(frame, &action("leave"), "Withdraw", "secondary")) }
                Some("rejected") => {
                    p { "Your request was declined"
                        @if let Some(r) = v.mine.as_ref().and_then(|p| p.reason.as_deref()) { ": " (r) } "." }
                }
                _ => {
                    @if e.status == "cancelled" {
                        p.muted { "This event is cancelled." }
                    } @else if e.join_mode == "external" {
                        @if let Some(u) = &e.external_url { p { a href=(u) { "Register on the organizer's site" } } }
                    } @else if e.join_mode == "invite" {
                        p.muted { "This event is by invitation only." }
                    } @else {
                        form.stack method="post" action=(action("join")) {
                            (csrf_field(frame.csrf))
                            @if e.join_mode == "restricted" {
                                div {
                                    label for="message" { "A word for the organizer " span.hint { "(optional)" } }
                                    textarea #message name="message" rows="2" maxlength="1000" {}
                                }
                            }
                            div { button type="submit" { @if e.join_mode == "restricted" { "Ask to join" } @else { "Join" } } }
                        }
                    }
                }
            }
        }
    }
}

/// `/events/{id}`
pub async fn event(
    ctx: web::Data<AppContext>,
    viewer: Viewer,
    id: web::Path<EventId>,
    q: web::Query<Done>,
) -> WebResult {
    let me = viewer.signed_in.as_ref().map(|s| &s.member.account);
    let v = events::get(&ctx, &id, me).await?;
    let e = &v.event;
    let frame = viewer.frame();
    let going = events::participants(
        &ctx,
        viewer
            .signed_in
            .as_ref()
            .map(|s| (&s.member.user, &s.member.account)),
        &id,
        Some("accepted"),
    )
    .await
    .unwrap_or_default();
    let main = html! {
        (notice(q.done.as_deref()))
        article.h-event {
            h1.p-name { (e.title) }
            @if e.status == "cancelled" {
                p.alert role="status" { "Cancelled" @if let Some(r) = &e.cancel_reason { ": " (r) } }
            }
            dl.facts {
                dt { "When" } dd { (when(&v)) }
                @if let Some(prev) = e.previous_starts_at { dt { "Was planned for" } dd { (when_text(prev, prev, &e.timezone)) } }
                dt { "Where" }
                dd {
                    (v.place.one_line())
                    @if let Some(u) = &v.place.url { " " a href=(u) { "Join online" } }
                }
                dt { "Organizer" } dd { a href=(account_href(&frame, &v.organizer)) { (display_name(&v.organizer)) } " " span.muted { (handle(&v.organizer)) } }
                @if let Some(c) = &e.category { dt { "Category" } dd { (c) } }
                dt { "Going" } dd { (e.participants_count) @if e.waitlist_count > 0 { " (" (e.waitlist_count) " waiting)" } }
                @if let Some(left) = v.seats_left { dt { "Seats left" } dd { (left) } }
            }
            div.e-content { (safe_html(&e.description)) }
            p { a href={ "/events/" (e.id) "/ics" } { "Add to calendar (.ics)" } }
        }
        @if viewer.signed_in.is_some() { (rsvp(&frame, &v)) }
        @else if e.is_local && e.status != "cancelled" {
            // The visitor's server shows the event, with its own Join button.
            (remote_interaction_form(&frame, &e.uri, "Join with your fediverse account", "Continue on your server"))
        }
        @if !going.is_empty() {
            section aria-labelledby="going" {
                h2 #going { "Who is going" }
                ul { @for (_, a) in &going { li { a href=(account_href(&frame, a)) { (display_name(a)) } } } }
            }
        }
    };
    Ok(viewer.finish(page(&frame, &e.title, main)))
}

/// `/spaces/{handle}/events`: the space's upcoming events.
pub async fn space_events(
    ctx: web::Data<AppContext>,
    viewer: Viewer,
    handle: web::Path<String>,
) -> WebResult {
    let space = interspace_app::spaces::show(&ctx).await?;
    if !space.account.username.eq_ignore_ascii_case(&handle) {
        return Err(WebError::NotFound);
    }
    let list = upcoming(&ctx, &viewer, &space.space.id, 50).await?;
    let frame = viewer.frame();
    let main = html! {
        h1 { "Events at " (display_name(&space.account)) }
        p { a href={ "/spaces/" (space.account.username) "/events.ics" } { "Subscribe (.ics)" } }
        @if list.is_empty() { p.muted { "No upcoming events." } }
        @for v in &list { (card(v)) }
    };
    Ok(viewer.finish(page(&frame, "Events", main)))
}

/// The space's next events as the viewer may see them.
pub async fn upcoming(
    ctx: &AppContext,
    viewer: &Viewer,
    space_id: &str,
    limit: i64,
) -> Result<Vec<EventView>, WebError> {
    let me = viewer.signed_in.as_ref().map(|s| &s.member.account);
    Ok(events::list(
        ctx,
        me,
        EventFilter {
            upcoming: true,
            space_id: Some(space_id.to_string()),
            limit,
            ..EventFilter::default()
        },
    )
    .await?)
}

/// `POST /events/{id}/{join|leave}`
pub async fn act(
    ctx: web::Data<AppContext>,
    viewer: Viewer,
    path: web::Path<(EventId, String)>,
    p: Params,
) -> WebResult {
    viewer.check(&p)?;
    let me = viewer.require()?;
    let (id, action) = path.into_inner();
    let account = &me.member.account;
    let done = match action.as_str() {
        "join" => {
            let part = events::join(&ctx, account, &id, p.str("message")).await?;
            match part.state {
                ParticipationState::Accepted => "going",
                ParticipationState::Pending => "asked",
                ParticipationState::Waitlisted => "waitlisted",
                _ => "requested",
            }
        }
        "leave" => {
            events::leave(&ctx, account, &id).await?;
            "left"
        }
        _ => return Err(WebError::NotFound),
    };
    Ok(redirect(&format!("/events/{id}?done={done}")))
}

/// `/events/{id}/ics`: one event for the browser's calendar (its session sees what it may).
pub async fn ics(
    ctx: web::Data<AppContext>,
    viewer: Viewer,
    id: web::Path<EventId>,
) -> Result<HttpResponse, WebError> {
    let me = viewer.signed_in.as_ref().map(|s| &s.member.account);
    let body = events::event_ics(&ctx, &id, me).await?;
    Ok(calendar_response(body, "event"))
}

/// `/spaces/{handle}/events.ics`
pub async fn space_ics(
    ctx: web::Data<AppContext>,
    handle: web::Path<String>,
) -> Result<HttpResponse, WebError> {
    let body = events::space_ics(&ctx, &handle).await?;
    Ok(calendar_response(body, &handle))
}

/// `/calendar/{token}.ics`: a member's private feed of the events they joined.
pub async fn member_ics(
    ctx: web::Data<AppContext>,
    token: web::Path<String>,
) -> Result<HttpResponse, WebError> {
    let body = events::member_ics(&ctx, &token).await?;
    Ok(calendar_response(body, "interspace"))
}

/// The form a member fills to organise an event; `error` explains a refused attempt and the
/// values stay.
fn new_event_form(frame: &Frame, p: &Params, timezone: &str, error: Option<&str>) -> Markup {
    let v = |k: &str| p.str(k).unwrap_or_default();
    let tz = p.str("timezone").unwrap_or_else(|| timezone.to_string());
    let kind = p.str("place_kind").unwrap_or_else(|| "space".into());
    let mode = p.str("join_mode").unwrap_or_else(|| "free".into());
    html! {
        form.stack method="post" action="/events" aria-labelledby="new-event" {
            h2 #new-event { "Organise an event" }
            (alert(error))
            (csrf_field(frame.csrf))
            div { label for="title" { "Title" } input #title name="title" type="text" maxlength="200" required value=(v("title")); }
            div { label for="description" { "Description " span.hint { "(Markdown)" } } textarea #description name="description" rows="4" { (v("description")) } }
            div { label for="starts_at" { "Starts" } input #starts_at name="starts_at" type="datetime-local" required value=(v("starts_at")); }
            div { label for="ends_at" { "Ends" } input #ends_at name="ends_at" type="datetime-local" required value=(v("ends_at")); }
            div { label for="timezone" { "Time zone " span.hint { "(IANA name, e.g. Europe/Paris)" } } input #timezone name="timezone" type="text" required value=(tz); }
            div {
                label for="place_kind" { "Where" }
                select #place_kind name="place_kind" {
                    @for (k, label) in [("space", "At the space"), ("address", "At another address"), ("online", "Online")] {
                        option value=(k) selected[k == kind] { (label) }
                    }
                }
            }
            div { label for="room" { "Room " span.hint { "(at the space)" } } input #room name="room" type="text" value=(v("room")); }
            div { label for="place_name" { "Place name " span.hint { "(another address)" } } input #place_name name="place_name" type="text" value=(v("place_name")); }
            div { label for="street" { "Street " span.hint { "(another address)" } } input #street name="street" type="text" value=(v("street")); }
            div { label for="locality" { "City " span.hint { "(another address)" } } input #locality name="locality" type="text" value=(v("locality")); }
            div { label for="online_url" { "Meeting link " span.hint { "(online)" } } input #online_url name="online_url" type="url" value=(v("online_url")); }
            div { label for="capacity" { "Seats " span.hint { "(empty for no limit)" } } input #capacity name="capacity" type="number" min="1" value=(v("capacity")); }
            div {
                label for="join_mode" { "Who can join" }
                select #join_mode name="join_mode" {
                    @for (k, label) in [("free", "Anyone"), ("restricted", "Those I approve"), ("external", "On another site")] {
                        option value=(k) selected[k == mode] { (label) }
                    }
                }
            }
            div { label for="external_url" { "Registration link " span.hint { "(another site)" } } input #external_url name="external_url" type="url" value=(v("external_url")); }
            div { label { input type="checkbox" name="waitlist" value="true" checked[p.str("csrf").is_none() || p.str("waitlist").is_some()]; " Keep a waitlist when full" } }
            div { button type="submit" { "Publish the event" } }
        }
    }
}

async fn events_page(
    ctx: &AppContext,
    viewer: &Viewer,
    p: &Params,
    error: Option<&str>,
) -> WebResult {
    let me = viewer.signed_in.as_ref().map(|s| &s.member.account);
    let list = events::list(
        ctx,
        me,
        EventFilter {
            upcoming: true,
            limit: 50,
            ..EventFilter::default()
        },
    )
    .await?;
    let space = interspace_app::spaces::show(ctx).await?;
    let frame = viewer.frame();
    let main = html! {
        h1 { "Upcoming events" }
        p.muted { "Events of this space and of the people and spaces followed from here." }
        @if list.is_empty() { p.muted { "No upcoming events." } }
        @for v in &list { (card(v)) }
        @if viewer.signed_in.is_some() { (new_event_form(&frame, p, &space.space.timezone, error)) }
    };
    let status = if error.is_some() {
        actix_web::http::StatusCode::UNPROCESSABLE_ENTITY
    } else {
        actix_web::http::StatusCode::OK
    };
    Ok(viewer.finish(page_with(status, &frame, "Events", main)))
}

/// `GET /events`
pub async fn list(ctx: web::Data<AppContext>, viewer: Viewer) -> WebResult {
    events_page(&ctx, &viewer, &Params::default(), None).await
}

/// `POST /events`: a member publishes an event; a refusal shows the form again with the reason.
pub async fn create(ctx: web::Data<AppContext>, viewer: Viewer, p: Params) -> WebResult {
    viewer.check(&p)?;
    let me = viewer.require()?;
    let author = (me.member.user.clone(), me.member.account.clone());
    let result = async {
        let tz = p.str("timezone").unwrap_or_default();
        let starts = local_time("starts_at", &p.str("starts_at").unwrap_or_default(), &tz)?;
        let ends = local_time("ends_at", &p.str("ends_at").unwrap_or_default(), &tz)?;
        let text = |k: &str| p.str(k).filter(|s| !s.trim().is_empty());
        let kind = p.str("place_kind").unwrap_or_else(|| "space".into());
        let capacity = match text("capacity") {
            None => None,
            Some(c) => Some(c.trim().parse::<i64>().map_err(|_| {
                ValidationError::new("capacity", "must be a whole number, or empty for no limit")
            })?),
        };
        events::create(
            &ctx,
            &author,
            EventInput {
                title: p.str("title"),
                description: p.str("description"),
                starts_at: Some(starts),
                ends_at: Some(ends),
                timezone: Some(tz),
                place: Some(Place {
                    name: text("place_name"),
                    room: text("room"),
                    street: text("street"),
                    locality: text("locality"),
                    url: text("online_url"),
                    kind,
                    ..Place::default()
                }),
                capacity: Some(capacity),
                join_mode: p.str("join_mode"),
                external_url: p.str("external_url"),
                waitlist: Some(p.str("waitlist").is_some()),
                ..EventInput::default()
            },
        )
        .await
    }
    .await;
    match result {
        Ok(v) => Ok(redirect(&format!("/events/{}?done=published", v.event.id))),
        Err(e) => {
            let (_, m) = fixable(e)?;
            events_page(&ctx, &viewer, &p, Some(&m)).await
        }
    }
}
