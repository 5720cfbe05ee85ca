//! Public pages: the space's home page, member profiles, single posts with their thread (also
//! what browsers get from the actor and Note URLs), and following from another server.

use super::parts::{self, display_name, handle, remote_interaction_form};
use super::session::{redirect, Done, Viewer, WebError, WebResult};
use crate::extract::Params;
use crate::layout::{alert, notice, page, safe_html, Frame};
use actix_web::{web, HttpResponse};
use interspace_app::actors::{self, LocalActorView};
use interspace_app::spaces::SpaceDetails;
use interspace_app::{accounts, follows, spaces, statuses, timelines, Account, AppContext};
use interspace_core::urls::LocalActor;
use maud::{html, Markup};

fn remote_follow_form(frame: &Frame, target: &Account) -> Markup {
    remote_interaction_form(
        frame,
        &target.uri,
        "Follow from your fediverse account",
        &format!("Follow {}", handle(target)),
    )
}

fn map_link(space: &SpaceDetails) -> Option<String> {
    let loc = &space.location;
    if let (Some(lat), Some(lon)) = (loc.latitude, loc.longitude) {
        return Some(format!(
            "https://www.openstreetmap.org/?mlat={lat}&mlon={lon}#map=17/{lat}/{lon}"
        ));
    }
    let line = loc.one_line();
    (!line.is_empty()).then(|| {
        let q: String = url::form_urlencoded::byte_serialize(line.as_bytes()).collect();
        format!("https://www.openstreetmap.org/search?query={q}")
    })
}

async fn space_page(
    ctx: &AppContext,
    viewer: &Viewer,
    space: &SpaceDetails,
    done: Option<&str>,
) -> WebResult {
    let frame = viewer.frame();
    let account = &space.account;
    let me = viewer.signed_in.as_ref().map(|s| &s.member.account);
    let posts = timelines::public(ctx, me, Some(true), &parts::latest(10)).await?;
    let events = super::events::upcoming(ctx, viewer, &space.space.id, 5).await?;
    let partners = interspace_app::partnerships::partners_of(ctx, space).await?;
    let policy = &space.visit_policy;
    let address = space.location.one_line();
    let main = html! {
        (notice(done))
        article.h-card {
            h1.p-name { (display_name(account)) }
            p.muted { (handle(account)) "@" (ctx.urls().domain()) }
            div.p-note { (safe_html(&account.note)) }
            dl.facts {
                @if !address.is_empty() {
                    dt { "Address" }
                    dd {
                        span.p-adr { (address) }
                        @if let Some(map) = map_link(space) { " · " a href=(map) { "Map" } }
                    }
                }
                @if !space.space.hours.is_empty() { dt { "Opening hours" } dd { (space.space.hours) } }
                dt { "Time zone" } dd { (space.space.timezone) }
                @if let Some(p) = &space.day_price { dt { "Day price" } dd { (p.amount) " " (p.currency) } }
                dt { "Visit policy" }
                dd {
                    (policy.mode.replace('_', " "))
                    @if !policy.days_open.is_empty() { "; open to visitors " (policy.days_open.join(", ")) }
                    "; " (policy.advance_notice_hours) " hours' notice"
                    @if let Some(p) = &policy.day_price { "; visitors pay " (p.amount) " " (p.currency) " a day" }
                }
                dt { "Members" } dd { (space.members_count) }
            }
        }
        section aria-labelledby="events" {
            h2 #events { "Upcoming events" }
            @if events.is_empty() { p.muted { "No upcoming events." } }
            @for v in &events { (super::events::card(v)) }
            p { a href={ "/spaces/" (account.username) "/events" } { "All events" } " · "
                a href={ "/spaces/" (account.username) "/events.ics" } { "Subscribe (.ics)" } }
        }
        section aria-labelledby="partners" {
            h2 #partners { "Partner spaces" }
            @if partners.is_empty() { p.muted { "No partner spaces yet." } }
            @else {
                ul { @for p in &partners {
                    li { a href=(p.account.url.as_deref().unwrap_or(&p.account.uri)) { (display_name(&p.account)) } " " span.muted { (handle(&p.account)) } }
                } }
            }
        }
        section aria-labelledby="posts" {
            h2 #posts { "Recent posts" }
            (parts::statuses(&frame, &posts, "Nothing posted publicly yet."))
        }
        @if viewer.signed_in.is_none() { (remote_follow_form(&frame, account)) }
    };
    Ok(viewer.finish(page(&frame, display_name(account), main)))
}

/// `/`: the instance's home page is its space's page.
pub async fn home(ctx: web::Data<AppContext>, viewer: Viewer, q: web::Query<Done>) -> WebResult {
    let space = spaces::show(&ctx).await?;
    space_page(&ctx, &viewer, &space, q.done.as_deref()).await
}

/// `/spaces/{handle}`
pub async fn space(
    ctx: web::Data<AppContext>,
    viewer: Viewer,
    path: web::Path<String>,
    q: web::Query<Done>,
) -> WebResult {
    let view = actors::get_local(&ctx, &LocalActor::Space(path.into_inner())).await?;
    let LocalActorView::Group(space) = view else {
        return Err(WebError::NotFound);
    };
    space_page(&ctx, &viewer, &space, q.done.as_deref()).await
}

/// `/@{name}` and `/users/{name}`: a member's public profile.
pub async fn user(
    ctx: web::Data<AppContext>,
    viewer: Viewer,
    path: web::Path<String>,
) -> WebResult {
    let view = actors::get_local(&ctx, &LocalActor::User(path.into_inner())).await?;
    let LocalActorView::Person {
        account,
        home_space,
        ..
    } = view
    else {
        return Err(WebError::NotFound);
    };
    let frame = viewer.frame();
    let me = viewer.signed_in.as_ref().map(|s| &s.member.account);
    let posts = timelines::account(&ctx, me, &account.id, false, false, &parts::latest(20)).await?;
    let fields = accounts::fields(&account);
    let skills = accounts::skills(&account);
    let own = me.is_some_and(|m| m.id == account.id);
    let main = html! {
        article.h-card {
            header.card {
                (parts::avatar(&account))
                h1.p-name { (display_name(&account)) }
                p.muted { (handle(&account)) "@" (ctx.urls().domain()) }
                div.p-note { (safe_html(&account.note)) }
                @if !fields.is_empty() || !skills.is_empty() {
                    dl.facts {
                        @for (n, v) in &fields { dt { (n) } dd { (safe_html(v)) } }
                        @if !skills.is_empty() { dt { "Skills" } dd { (skills.join(", ")) } }
                    }
                }
                p { "Member of " a href=(home_space.account.url.as_deref().unwrap_or(&home_space.account.uri)) { (display_name(&home_space.account)) } }
                @if own { p { a href="/settings/profile" { "Edit your profile" } } }
                @else if me.is_some() { p { a href={ "/accounts/" (account.id) } { "Follow or report" } } }
            }
        }
        section aria-labelledby="posts" {
            h2 #posts { "Posts" }
            (parts::statuses(&frame, &posts, "No posts yet."))
        }
        @if me.is_none() { (remote_follow_form(&frame, &account)) }
    };
    let title = format!("{} ({})", display_name(&account), handle(&account));
    Ok(viewer.finish(page(&frame, &title, main)))
}

/// `/@{name}/{id}`: one post with the thread around it.
pub async fn status(
    ctx: web::Data<AppContext>,
    viewer: Viewer,
    path: web::Path<(String, String)>,
) -> WebResult {
    let (name, id) = path.into_inner();
    let me = viewer
        .signed_in
        .as_ref()
        .map(|s| s.member.account.id.as_str());
    let view = statuses::get(&ctx, &id, me).await?;
    if view.account.username != name || !view.account.is_local() {
        return Err(WebError::NotFound);
    }
    let (ancestors, descendants) = statuses::context(&ctx, &id, me).await?;
    let frame = viewer.frame();
    let main = html! {
        h1 { "Post by " (display_name(&view.account)) }
        @if !ancestors.is_empty() {
            section aria-label="Earlier in the thread" { @for v in &ancestors { (parts::status(&frame, v)) } }
        }
        (parts::status(&frame, &view))
        @if !descendants.is_empty() {
            section aria-labelledby="replies" {
                h2 #replies { "Replies" }
                @for v in &descendants { (parts::status(&frame, v)) }
            }
        }
    };
    let title = format!("{}: post", display_name(&view.account));
    Ok(viewer.finish(page(&frame, &title, main)))
}

/// `POST /remote-follow {handle, uri}`: finds the visitor's server and shows the link to
/// continue there (a link, not a redirect: this site's forms may only lead to itself).
pub async fn remote_follow(ctx: web::Data<AppContext>, viewer: Viewer, p: Params) -> WebResult {
    viewer.check(&p)?;
    let target = p.str("uri").unwrap_or_default();
    let frame = viewer.frame();
    let handle_in = p.str("handle").unwrap_or_default();
    if let Some(event) = local_event(&ctx, &target).await? {
        // Joining an event from another server: that server shows it, with its Join button.
        let result = follows::interaction_url(&ctx, handle_in.trim(), &target).await;
        let main = match result {
            Ok(url) => html! {
                h1 { "Continue on your server" }
                p { "Your server shows " strong { (event.title) } " and lets you join it there." }
                p { a.button href=(url) { "Continue to " (host_of(&url)) } }
            },
            Err(e) => {
                let e = WebError::from(e);
                html! {
                    h1 { "Join " (event.title) }
                    (alert(e.form_message().as_deref().or(Some("We could not reach your server; check the handle and try again."))))
                    p { a href={ "/events/" (event.id) } { "Back to the event" } }
                }
            }
        };
        return Ok(viewer.finish(page(&frame, "Join from your server", main)));
    }
    let known = accounts::find_by_uri(&ctx, &target)
        .await?
        .filter(Account::is_local)
        .ok_or(WebError::NotFound)?;
    let result = follows::interaction_url(&ctx, handle_in.trim(), &target).await;
    let main = match result {
        Ok(url) => html! {
            h1 { "Continue on your server" }
            p { "Your server will ask you to confirm that you follow " strong { (handle(&known)) "@" (ctx.urls().domain()) } "." }
            p { a.button href=(url) { "Continue to " (host_of(&url)) } }
        },
        Err(e) => {
            let e = WebError::from(e);
            html! {
                h1 { "Follow " (handle(&known)) }
                (alert(e.form_message().as_deref().or(Some("We could not reach your server; check the handle and try again."))))
                (remote_follow_form(&frame, &known))
            }
        }
    };
    Ok(viewer.finish(page(&frame, "Follow from your server", main)))
}

fn host_of(url: &str) -> String {
    url::Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().map(String::from))
        .unwrap_or_default()
}

/// Where a signed-in member sees an event: its page here (remote events too: the Interspace API
/// gives them a local id).
fn event_page(v: &interspace_app::events::EventView) -> String {
    format!("/events/{}", v.event.id)
}

/// A public event of this instance, by its ActivityPub id.
async fn local_event(
    ctx: &AppContext,
    uri: &str,
) -> Result<Option<interspace_app::events::Event>, WebError> {
    let Some(id) = uri.strip_prefix(ctx.urls().path("/events/").as_str()) else {
        return Ok(None);
    };
    match interspace_app::events::get(ctx, &id.into(), None).await {
        Ok(v) => Ok(Some(v.event)),
        Err(interspace_app::AppError::NotFound(_) | interspace_app::AppError::Gone(_)) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

#[derive(serde::Deserialize)]
pub struct InteractionQuery {
    uri: Option<String>,
}

/// `/authorize_interaction?uri=`: our own remote-follow address (in our WebFinger): a signed-in
/// member lands on our view of that account, with its Follow button.
pub async fn authorize_interaction(
    ctx: web::Data<AppContext>,
    viewer: Viewer,
    q: web::Query<InteractionQuery>,
) -> Result<HttpResponse, WebError> {
    viewer.require()?;
    let uri = q.uri.clone().unwrap_or_default();
    let uri = uri.trim().trim_start_matches("acct:");
    let account = if uri.starts_with("http://") || uri.starts_with("https://") {
        // An event (ours or another server's) opens its page here, with the Join button.
        if let Ok(event) =
            interspace_app::events::lookup(&ctx, uri, Some(&viewer.require()?.member.account)).await
        {
            return Ok(redirect(&event_page(&event)));
        }
        accounts::resolve_uri(&ctx, uri).await?
    } else {
        accounts::lookup(&ctx, uri, true).await?
    };
    Ok(redirect(&format!("/accounts/{}", account.id)))
}
