//! Pieces several pages show: posts, account names, times.

use crate::layout::{csrf_field, safe_html, Frame};
use chrono::NaiveDateTime;
use interspace_app::statuses::StatusView;
use interspace_app::Account;
use maud::{html, Markup};

/// The newest `n` items of a timeline.
pub fn latest(n: i64) -> interspace_app::Page {
    interspace_app::Page {
        limit: n,
        ..Default::default()
    }
}

pub fn display_name(a: &Account) -> &str {
    a.shown_name()
}

/// `@name` for local accounts, `@name@domain` for others.
pub fn handle(a: &Account) -> String {
    format!("@{}", interspace_app::accounts::acct(a))
}

/// Where a name links to: our page for local accounts and, for signed-in people, our view of
/// remote ones (with Follow); their own page otherwise.
pub fn account_href(frame: &Frame, a: &Account) -> String {
    if a.is_local() {
        format!("/@{}", a.username)
    } else if frame.me.is_some() {
        format!("/accounts/{}", a.id)
    } else {
        a.url.clone().unwrap_or_else(|| a.uri.clone())
    }
}

pub fn avatar(a: &Account) -> Markup {
    let src = a.avatar_url.as_deref().unwrap_or("/static/avatar.png");
    html! { img.avatar src=(src) alt="" width="48" height="48"; }
}

pub fn time(at: NaiveDateTime) -> Markup {
    html! {
        time datetime=(at.format("%Y-%m-%dT%H:%M:%SZ").to_string()) {
            (at.format("%Y-%m-%d %H:%M UTC").to_string())
        }
    }
}

fn permalink(v: &StatusView) -> String {
    if v.status.is_local {
        format!("/@{}/{}", v.account.username, v.status.id)
    } else {
        v.status.url.clone().unwrap_or_else(|| v.status.uri.clone())
    }
}

/// One post, as a card; a boost shows who boosted it above the original.
pub fn status(frame: &Frame, v: &StatusView) -> Markup {
    if let Some(original) = &v.reblog {
        return html! {
            div {
                p.muted { a href=(account_href(frame, &v.account)) { (display_name(&v.account)) } " boosted" }
                (status(frame, original))
            }
        };
    }
    let a = &v.account;
    html! {
        article.card aria-label={ "Post by " (display_name(a)) } {
            header {
                (avatar(a))
                a href=(account_href(frame, a)) { strong { (display_name(a)) } }
                span.muted { (handle(a)) }
            }
            @if v.status.spoiler_text.is_empty() {
                div { (safe_html(&v.status.content)) }
            } @else {
                details {
                    summary { (v.status.spoiler_text) }
                    div { (safe_html(&v.status.content)) }
                }
            }
            @if !v.media.is_empty() {
                p.muted { (v.media.len()) " attachment(s): open the post in an app to see them." }
            }
            footer {
                a href=(permalink(v)) { (time(v.status.created_at)) }
                span { (v.status.visibility) }
                @if v.status.replies_count > 0 { span { (v.status.replies_count) " replies" } }
                @if v.status.favourites_count > 0 { span { (v.status.favourites_count) " likes" } }
                @if let Some(me) = frame.me {
                    @if me.member.account.id != a.id {
                        a href={ "/report?account_id=" (a.id) "&status_id=" (v.status.id) } { "Report" }
                    }
                }
            }
        }
    }
}

pub fn statuses(frame: &Frame, list: &[StatusView], empty: &str) -> Markup {
    html! {
        @if list.is_empty() {
            p.muted { (empty) }
        }
        @for v in list { (status(frame, v)) }
    }
}

/// A one-button form (follow, revoke, resolve...).
pub fn button_form(frame: &Frame, action: &str, label: &str, class: &str) -> Markup {
    html! {
        form.inline method="post" action=(action) {
            (csrf_field(frame.csrf))
            button type="submit" class=(class) { (label) }
        }
    }
}

/// "... from your fediverse account": the visitor names their own account, we send them to
/// its server's page for `uri` (to follow an account, or to join an event).
pub fn remote_interaction_form(frame: &Frame, uri: &str, heading: &str, button: &str) -> Markup {
    html! {
        section aria-labelledby="remote-interaction" {
            h2 #remote-interaction { (heading) }
            form.stack method="post" action="/remote-follow" {
                (csrf_field(frame.csrf))
                input type="hidden" name="uri" value=(uri);
                div {
                    label for="remote-handle" { "Your handle " span.hint { "(for example alice@mastodon.social)" } }
                    input #remote-handle name="handle" type="text" autocomplete="username" required;
                }
                div { button type="submit" { (button) } }
            }
        }
    }
}
