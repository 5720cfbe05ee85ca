//! The pages mails link to: asking for a reset link, one-click unsubscription (RFC 8058),
//! confirming a new address. (The member's mail settings are on the settings page.)

use super::session::{fixable, Viewer, WebResult};
use crate::extract::Params;
use crate::layout::{csrf_field, page, page_with, Frame};
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use interspace_app::{mail, sessions, AppContext};
use maud::{html, Markup};

fn forgot_form(ctx: &AppContext, frame: &Frame, sent: bool) -> Markup {
    html! {
        h1 { "Forgot your password?" }
        @if !mail::enabled(ctx) {
            p { "This space sends no e-mail. Ask one of its operators for a reset link." }
        } @else {
            @if sent {
                p.notice role="status" {
                    "If a member has this address, a link to choose a new password is on its way to it. It works once, for an hour."
                }
            }
            form.stack method="post" action="/password/forgot" {
                (csrf_field(frame.csrf))
                div {
                    label for="forgot-email" { "Your e-mail address" }
                    input #forgot-email name="email" type="email" autocomplete="email" required autofocus;
                }
                div { button type="submit" { "Send me a link" } }
            }
        }
        p { a href="/login" { "Back to signing in" } }
    }
}

/// `GET /password/forgot`
pub async fn forgot_page(ctx: web::Data<AppContext>, viewer: Viewer) -> WebResult {
    let frame = viewer.frame();
    let main = forgot_form(&ctx, &frame, false);
    Ok(viewer.finish(page(&frame, "Forgot your password?", main)))
}

/// `POST /password/forgot`: the same page and status whether or not the address is a
/// member's (rate-limited per address by the middleware).
pub async fn forgot(ctx: web::Data<AppContext>, viewer: Viewer, p: Params) -> WebResult {
    viewer.check(&p)?;
    sessions::forgot_password(&ctx, &p.str("email").unwrap_or_default()).await?;
    let frame = viewer.frame();
    let main = forgot_form(&ctx, &frame, true);
    Ok(viewer.finish(page(&frame, "Forgot your password?", main)))
}

fn gone_link(frame: &Frame, title: &str, text: &str) -> HttpResponse {
    let main = html! { h1 { (title) } p.alert role="alert" { (text) } };
    page_with(StatusCode::NOT_FOUND, frame, title, main)
}

/// `GET /mail/unsubscribe/{token}/{category}`: asks to confirm (a GET never unsubscribes:
/// mail scanners open links).
pub async fn unsubscribe_page(
    ctx: web::Data<AppContext>,
    viewer: Viewer,
    path: web::Path<(String, String)>,
) -> WebResult {
    let (token, category) = path.into_inner();
    let frame = viewer.frame();
    let Some(category) = mail::unsubscribe_target(&ctx, &token, &category).await? else {
        return Ok(gone_link(
            &frame,
            "Unsubscribe",
            "This unsubscribe link is not valid.",
        ));
    };
    let main = html! {
        h1 { "Unsubscribe" }
        p { "Stop these mails: " strong { (category.label()) } "?" }
        form method="post" action={ "/mail/unsubscribe/" (token) "/" (category.as_str()) } {
            input type="hidden" name="List-Unsubscribe" value="One-Click";
            button type="submit" { "Unsubscribe" }
        }
        p.muted { "You can choose again on your " a href="/settings#mail" { "settings page" } "." }
    };
    Ok(page(&frame, "Unsubscribe", main))
}

/// `POST /mail/unsubscribe/{token}/{category}`: RFC 8058 one-click (the link's token is the
/// authority: mail providers post `List-Unsubscribe=One-Click` without a session).
pub async fn unsubscribe(
    ctx: web::Data<AppContext>,
    viewer: Viewer,
    path: web::Path<(String, String)>,
) -> WebResult {
    let (token, category) = path.into_inner();
    let frame = viewer.frame();
    match mail::unsubscribe(&ctx, &token, &category).await {
        Ok(category) => {
            let main = html! {
                h1 { "Unsubscribed" }
                p.notice role="status" { "You will get no more of these mails: " (category.label()) "." }
                p.muted { "You can choose again on your " a href="/settings#mail" { "settings page" } "." }
            };
            Ok(page(&frame, "Unsubscribed", main))
        }
        Err(interspace_app::AppError::NotFound(_)) => Ok(gone_link(
            &frame,
            "Unsubscribe",
            "This unsubscribe link is not valid.",
        )),
        Err(e) => Err(e.into()),
    }
}

/// `GET /mail/confirm/{token}`: the new address becomes the member's.
pub async fn confirm(
    ctx: web::Data<AppContext>,
    viewer: Viewer,
    token: web::Path<String>,
) -> WebResult {
    let frame = viewer.frame();
    match mail::confirm_email_change(&ctx, &token).await {
        Ok(email) => {
            let main = html! {
                h1 { "Address confirmed" }
                p.notice role="status" { "Your e-mail address is now " strong { (email) } "." }
            };
            Ok(page(&frame, "Address confirmed", main))
        }
        Err(interspace_app::AppError::Gone(_)) => {
            let main = html! {
                h1 { "Confirm your address" }
                p.alert role="alert" { "This link has expired or was already used. Ask for a new one on your settings page." }
            };
            Ok(page_with(
                StatusCode::GONE,
                &frame,
                "Confirm your address",
                main,
            ))
        }
        Err(e) => {
            let (status, message) = fixable(e)?;
            let main = html! { h1 { "Confirm your address" } p.alert role="alert" { (message) } };
            Ok(page_with(status, &frame, "Confirm your address", main))
        }
    }
}
