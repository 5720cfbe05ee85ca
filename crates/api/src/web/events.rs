//! Event pages: one event (also what browsers get from the event's ActivityPub id), a space's
//! upcoming events, joining and leaving, and the iCalendar feeds.

use super::layout::{csrf_field, notice, page, safe_html, Frame};
use super::parts::{account_href, button_form, display_name, handle};
use super::public::Done;
use super::session::{redirect, Viewer, WebError, WebResult};
use crate::interspace::events::calendar_response;
use crate::mastodon::extract::Params;
use actix_web::{web, HttpResponse};
use interspace_app::events::{self, EventFilter, EventView};
use interspace_app::AppContext;
use interspace_core::events::when_text;
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

/// "Join with your fediverse account": the visitor's server shows the event to join there.
fn remote_join_form(frame: &Frame, v: &EventView) -> Markup {
    html! {
        section aria-labelledby="remote-join" {
            h2 #remote-join { "Join with your fediverse account" }
            form.stack method="post" action="/remote-follow" {
                (csrf_field(frame.csrf))
                input type="hidden" name="uri" value=(v.event.uri);
                div {
                    label for="remote-handle" { "Your handle " span.hint { "(for example alice@mastodon.social)" } }
                    input #remote-handle name="handle" type="text" autocomplete="username" required;
                }
                div { button type="submit" { "Continue on your server" } }
            }
        }
    }
}

fn rsvp(frame: &Frame, v: &EventView) -> Markup {
    let e = &v.event;
    let action = |what: &str| format!("/events/{}/{what}", e.id);
    html! {
        section aria-labelledby="rsvp" {
            h2 #rsvp { "Taking part" }
            @match v.mine.as_ref().map(|p| p.state.as_str()) {
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
    id: web::Path<String>,
    q: web::Query<Done>,
) -> WebResult {
    let me = viewer.signed_in.as_ref().map(|s| &s.member.account);
    let v = events::get(&ctx, &id, me.map(|a| a.id.as_str())).await?;
    let e = &v.event;
    let frame = viewer.frame();
    let going = events::participants(
        &ctx,
        viewer
            .signed_in
            .as_ref()
            .map(|s| (&s.member.user, &s.member.account)),
        &e.id,
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
            p { a href={ "/api/interspace/v1/events/" (e.id) "/ics" } { "Add to calendar (.ics)" } }
        }
        @if viewer.signed_in.is_some() { (rsvp(&frame, &v)) }
        @else if e.is_local && e.status != "cancelled" { (remote_join_form(&frame, &v)) }
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
    let me = viewer
        .signed_in
        .as_ref()
        .map(|s| s.member.account.id.as_str());
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
    path: web::Path<(String, String)>,
    p: Params,
) -> WebResult {
    viewer.check(&p)?;
    let me = viewer.require()?;
    let (id, action) = path.into_inner();
    let account = &me.member.account;
    let done = match action.as_str() {
        "join" => {
            let part = events::join(&ctx, account, &id, p.str("message")).await?;
            match part.state.as_str() {
                "accepted" => "going",
                "pending" => "asked",
                "waitlisted" => "waitlisted",
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
