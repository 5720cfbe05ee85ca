//! Signing in and out, signing up (per the registration mode, or with an invite), and
//! choosing a new password through an operator's reset link.

use super::session::{
    clear_session_cookie, fixable, redirect, safe_next, session_cookie, Viewer, WebError, WebResult,
};
use crate::extract::Params;
use crate::layout::{alert, csrf_field, notice, page, page_with, Frame};
use crate::limits::ClientAddr;
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest};
use interspace_app::registrations::{self, Registration};
use interspace_app::{sessions, AppContext};
use interspace_core::roles::RegistrationMode;
use maud::{html, Markup};

#[derive(serde::Deserialize)]
pub struct LoginQuery {
    next: Option<String>,
    done: Option<String>,
}

fn login_form(
    frame: &Frame,
    next: &str,
    login: &str,
    error: Option<&str>,
    done: Option<&str>,
) -> Markup {
    html! {
        h1 { "Sign in" }
        (notice(done))
        (alert(error))
        form.stack method="post" action="/login" {
            (csrf_field(frame.csrf))
            input type="hidden" name="next" value=(next);
            div {
                label for="username" { "Username or e-mail" }
                input #username name="username" type="text" value=(login) autocomplete="username" required autofocus;
            }
            div {
                label for="password" { "Password" }
                input #password name="password" type="password" autocomplete="current-password" required;
            }
            div { button type="submit" { "Sign in" } }
        }
        p { "No account yet? " a href="/register" { "Sign up" } "." }
        p { a href="/password/forgot" { "Forgot your password?" } }
    }
}

/// `GET /login`
pub async fn login_page(viewer: Viewer, q: web::Query<LoginQuery>) -> WebResult {
    let next = safe_next(q.next.as_deref());
    if viewer.signed_in.is_some() {
        return Ok(redirect(&next));
    }
    let frame = viewer.frame();
    let main = login_form(&frame, &next, "", None, q.done.as_deref());
    Ok(viewer.finish(page(&frame, "Sign in", main)))
}

/// `POST /login`
pub async fn login(
    ctx: web::Data<AppContext>,
    req: HttpRequest,
    viewer: Viewer,
    from: ClientAddr,
    p: Params,
) -> WebResult {
    viewer.check(&p)?;
    let next = safe_next(p.str("next").as_deref());
    let login = p.str("username").unwrap_or_default();
    let agent = user_agent(&req);
    let password = p.str("password").unwrap_or_default();
    match sessions::sign_in(&ctx, &login, &password, agent, &from.0).await {
        Ok((token, _)) => {
            let mut res = redirect(&next);
            res.add_cookie(&session_cookie(ctx.urls().is_https(), &token))
                .map_err(|e| WebError::BadRequest(e.to_string()))?;
            Ok(res)
        }
        Err(e) => {
            let (status, message) = fixable(e)?;
            let frame = viewer.frame();
            let main = login_form(&frame, &next, &login, Some(&message), None);
            Ok(viewer.finish(page_with(status, &frame, "Sign in", main)))
        }
    }
}

fn user_agent(req: &HttpRequest) -> &str {
    req.headers()
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

/// `POST /logout`
pub async fn logout(ctx: web::Data<AppContext>, viewer: Viewer, p: Params) -> WebResult {
    viewer.check(&p)?;
    if let Some(me) = &viewer.signed_in {
        sessions::sign_out(&ctx, me).await?;
    }
    let mut res = redirect("/login");
    res.add_cookie(&clear_session_cookie(ctx.urls().is_https()))
        .map_err(|e| WebError::BadRequest(e.to_string()))?;
    Ok(res)
}

#[derive(Default)]
struct SignUp {
    username: String,
    email: String,
    code: String,
    reason: String,
}

fn register_form(ctx: &AppContext, frame: &Frame, v: &SignUp, error: Option<&str>) -> Markup {
    let mode = ctx.settings.registrations;
    let has_code = !v.code.is_empty();
    html! {
        h1 { "Sign up" }
        @if mode == RegistrationMode::Closed && !has_code {
            p { "This space admits new members by invitation. Ask an operator for an invite link." }
        }
        @if mode == RegistrationMode::Approval && !has_code {
            p { "An operator reviews each sign-up; you can sign in once it is approved." }
        }
        (alert(error))
        form.stack method="post" action="/register" {
            (csrf_field(frame.csrf))
            div {
                label for="reg-username" { "Username " span.hint { "(letters, digits and _; it cannot change later)" } }
                input #reg-username name="username" type="text" value=(v.username) autocomplete="username" required;
            }
            div {
                label for="reg-email" { "E-mail" }
                input #reg-email name="email" type="email" value=(v.email) autocomplete="email" required;
            }
            div {
                label for="reg-password" { "Password " span.hint { "(at least 8 characters)" } }
                input #reg-password name="password" type="password" autocomplete="new-password" minlength="8" required;
            }
            div {
                label for="reg-code" { "Invite code " span.hint { "(if you have one)" } }
                input #reg-code name="invite_code" type="text" value=(v.code) autocomplete="off";
            }
            @if mode == RegistrationMode::Approval && !has_code {
                div {
                    label for="reg-reason" { "Why do you want to join?" }
                    textarea #reg-reason name="reason" { (v.reason) }
                }
            }
            div.check {
                input #reg-agreement name="agreement" type="checkbox" value="1" required;
                " "
                label for="reg-agreement" { "I accept the rules of this space" }
            }
            div { button type="submit" { "Sign up" } }
        }
    }
}

/// `GET /register`
pub async fn register_page(ctx: web::Data<AppContext>, viewer: Viewer) -> WebResult {
    let frame = viewer.frame();
    let main = register_form(&ctx, &frame, &SignUp::default(), None);
    Ok(viewer.finish(page(&frame, "Sign up", main)))
}

/// `GET /invite/{code}`: the sign-up page with the code filled in.
pub async fn invite_page(
    ctx: web::Data<AppContext>,
    viewer: Viewer,
    code: web::Path<String>,
) -> WebResult {
    let frame = viewer.frame();
    let Some(invite) = registrations::find_usable_invite(&ctx, &code).await? else {
        let main = html! {
            h1 { "Invite" }
            p.alert role="alert" { "This invite link has expired or has been used up. Ask the operator for a new one." }
        };
        return Ok(viewer.finish(page_with(StatusCode::GONE, &frame, "Invite", main)));
    };
    let v = SignUp {
        email: invite.email.clone().unwrap_or_default(),
        code: invite.code.clone(),
        ..Default::default()
    };
    let main = register_form(&ctx, &frame, &v, None);
    Ok(viewer.finish(page(&frame, "Sign up", main)))
}

/// `POST /register`: an approved member is signed in at once.
pub async fn register(
    ctx: web::Data<AppContext>,
    req: HttpRequest,
    viewer: Viewer,
    from: ClientAddr,
    p: Params,
) -> WebResult {
    viewer.check(&p)?;
    let v = SignUp {
        username: p.str("username").unwrap_or_default().trim().to_string(),
        email: p.str("email").unwrap_or_default().trim().to_string(),
        code: p.str("invite_code").unwrap_or_default().trim().to_string(),
        reason: p.str("reason").unwrap_or_default(),
    };
    let password = p.str("password").unwrap_or_default();
    let result = async {
        sessions::validate_password(&password)?;
        registrations::register_member(
            &ctx,
            Registration {
                username: v.username.clone(),
                email: v.email.clone(),
                password: password.clone(),
                agreement: p.bool("agreement").ok().flatten().unwrap_or(false),
                locale: None,
                reason: Some(v.reason.clone()).filter(|r| !r.trim().is_empty()),
                invite_code: Some(v.code.clone()).filter(|c| !c.is_empty()),
            },
        )
        .await
    }
    .await;
    match result {
        Ok(member) if member.user.approved => {
            let agent = user_agent(&req);
            let (token, _) =
                sessions::sign_in(&ctx, &v.username, &password, agent, &from.0).await?;
            let mut res = redirect("/home?done=registered");
            res.add_cookie(&session_cookie(ctx.urls().is_https(), &token))
                .map_err(|e| WebError::BadRequest(e.to_string()))?;
            Ok(res)
        }
        Ok(_) => Ok(redirect("/login?done=pending")),
        Err(e) => {
            let (status, message) = fixable(e)?;
            let frame = viewer.frame();
            let main = register_form(&ctx, &frame, &v, Some(&message));
            Ok(viewer.finish(page_with(status, &frame, "Sign up", main)))
        }
    }
}

fn reset_form(frame: &Frame, token: &str, error: Option<&str>) -> Markup {
    html! {
        h1 { "Choose a new password" }
        (alert(error))
        form.stack method="post" action={ "/reset/" (token) } {
            (csrf_field(frame.csrf))
            div {
                label for="new-password" { "New password " span.hint { "(at least 8 characters)" } }
                input #new-password name="password" type="password" autocomplete="new-password" minlength="8" required;
            }
            div { button type="submit" { "Set password" } }
        }
    }
}

/// `GET /reset/{token}`
pub async fn reset_page(
    ctx: web::Data<AppContext>,
    viewer: Viewer,
    token: web::Path<String>,
) -> WebResult {
    let frame = viewer.frame();
    if !sessions::reset_is_live(&ctx, &token).await? {
        let main = html! {
            h1 { "Reset link" }
            p.alert role="alert" { "This link has expired or was already used. Ask an operator for a new one." }
        };
        return Ok(viewer.finish(page_with(StatusCode::GONE, &frame, "Reset link", main)));
    }
    Ok(viewer.finish(page(
        &frame,
        "New password",
        reset_form(&frame, &token, None),
    )))
}

/// `POST /reset/{token}`: every session and app token of the member ends.
pub async fn reset(
    ctx: web::Data<AppContext>,
    viewer: Viewer,
    token: web::Path<String>,
    p: Params,
) -> WebResult {
    viewer.check(&p)?;
    match sessions::reset_password(&ctx, &token, &p.str("password").unwrap_or_default()).await {
        Ok(()) => {
            let mut res = redirect("/login?done=password");
            res.add_cookie(&clear_session_cookie(ctx.urls().is_https()))
                .map_err(|e| WebError::BadRequest(e.to_string()))?;
            Ok(res)
        }
        Err(e) => {
            let (status, message) = fixable(e)?;
            let frame = viewer.frame();
            let main = reset_form(&frame, &token, Some(&message));
            Ok(viewer.finish(page_with(status, &frame, "New password", main)))
        }
    }
}
