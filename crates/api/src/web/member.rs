//! Pages of a signed-in member: home timeline with posting, notifications, profile editing,
//! following by handle, other accounts, settings (apps and sessions) and reports.

use super::parts::{self, button_form, display_name, handle};
use super::session::Done;
use super::session::{fixable, redirect, Viewer, WebError, WebResult};
use crate::extract::Params;
use crate::layout::{alert, csrf_field, notice, page, page_with, Frame};
use actix_web::http::StatusCode;
use actix_web::web;
use interspace_app::accounts::{self, ProfileUpdate};
use interspace_app::reports::{self, NewReport};
use interspace_app::sessions::SignedIn;
use interspace_app::statuses::{self, NewStatus};
use interspace_app::{follows, notifications, timelines, AppContext};
use interspace_core::mail::MailCategory;
use maud::{html, Markup};

fn compose(frame: &Frame, me: &SignedIn, text: &str) -> Markup {
    let default = me.member.user.default_privacy.as_str();
    html! {
        form.stack method="post" action="/statuses" aria-labelledby="compose" {
            h2 #compose { "New post" }
            (csrf_field(frame.csrf))
            div {
                label for="status" { "What are you working on?" }
                textarea #status name="status" maxlength="5000" required { (text) }
            }
            div {
                label for="visibility" { "Who can see it" }
                select #visibility name="visibility" {
                    @for (v, label) in [("public", "Everyone"), ("unlisted", "Everyone, but not in public timelines"), ("private", "Followers only"), ("direct", "Mentioned people only")] {
                        option value=(v) selected[v == default] { (label) }
                    }
                }
            }
            div { button type="submit" { "Post" } }
        }
    }
}

async fn home_page(
    ctx: &AppContext,
    viewer: &Viewer,
    me: &SignedIn,
    done: Option<&str>,
    error: Option<&str>,
    text: &str,
) -> WebResult {
    let frame = viewer.frame();
    let list = timelines::home(ctx, &me.member.account, &parts::latest(40)).await?;
    let main = html! {
        h1 { "Home" }
        (notice(done))
        (alert(error))
        (compose(&frame, me, text))
        section aria-labelledby="timeline" {
            h2 #timeline { "Your timeline" }
            (parts::statuses(&frame, &list, "Nothing here yet: follow people in your space and elsewhere to fill your timeline."))
        }
    };
    let status = if error.is_some() {
        actix_web::http::StatusCode::UNPROCESSABLE_ENTITY
    } else {
        actix_web::http::StatusCode::OK
    };
    Ok(page_with(status, &frame, "Home", main))
}

/// `GET /home`
pub async fn home(ctx: web::Data<AppContext>, viewer: Viewer, q: web::Query<Done>) -> WebResult {
    let me = viewer.require()?;
    home_page(&ctx, &viewer, me, q.done.as_deref(), None, "").await
}

/// `POST /statuses`
pub async fn post(ctx: web::Data<AppContext>, viewer: Viewer, p: Params) -> WebResult {
    let me = viewer.require()?;
    viewer.check(&p)?;
    let text = p.str("status").unwrap_or_default();
    let author = (me.member.user.clone(), me.member.account.clone());
    let result = statuses::create(
        &ctx,
        &author,
        NewStatus {
            text: text.clone(),
            visibility: p.str("visibility"),
            ..Default::default()
        },
    )
    .await;
    match result {
        Ok(_) => Ok(redirect("/home?done=posted")),
        Err(e) => {
            let (_, m) = fixable(e)?;
            home_page(&ctx, &viewer, me, None, Some(&m), &text).await
        }
    }
}

/// What a notification says on the member's page; every kind has its sentence.
fn describe(kind: &str) -> &'static str {
    use interspace_core::notifications::NotificationKind as K;
    let Ok(kind) = K::parse(kind) else {
        return "did something";
    };
    match kind {
        K::Follow => "followed you",
        K::FollowRequest => "asked to follow you",
        K::Favourite => "liked your post",
        K::Reblog => "boosted your post",
        K::Mention => "mentioned you",
        K::Status => "posted",
        K::Update => "edited a post",
        K::Poll => "ended a poll you voted in",
        K::ParticipationRequest => "wants to take part in your event",
        K::ParticipationAccepted => "accepted you to an event",
        K::ParticipationAnswer => "answered your request to take part",
        K::EventUpdate => "changed an event you take part in",
        K::EventReminder => "reminds you of an event starting soon",
        K::Visit => "has news about a visit (see Visits)",
        K::Partnership => "wrote about a partnership (see Admin)",
        K::Application => "applied to your opportunity",
        K::ApplicationUpdate => "has news about an application",
        K::TeamInvitation => "invites you to apply together",
        K::Opportunity => "posted an opportunity matching your skills",
    }
}

/// `GET /notifications`
pub async fn notifications_page(ctx: web::Data<AppContext>, viewer: Viewer) -> WebResult {
    let me = viewer.require()?;
    let frame = viewer.frame();
    let list = notifications::list(&ctx, &me.member.account, &[], &[], &parts::latest(40)).await?;
    let main = html! {
        h1 { "Notifications" }
        @if list.is_empty() { p.muted { "No notifications yet." } }
        ol.plain {
            @for n in &list {
                li.card {
                    p {
                        a href=(parts::account_href(&frame, &n.account)) { strong { (display_name(&n.account)) } }
                        " " (describe(&n.notification.kind)) " · " (parts::time(n.notification.created_at))
                    }
                    @if let Some(s) = &n.status { (parts::status(&frame, s)) }
                }
            }
        }
    };
    Ok(page(&frame, "Notifications", main))
}

fn profile_form(frame: &Frame, me: &SignedIn, error: Option<&str>) -> Markup {
    let a = &me.member.account;
    let note = interspace_core::html::to_text(&a.note);
    let skills = accounts::skills(a).join(", ");
    html! {
        h1 { "Edit your profile" }
        (alert(error))
        form.stack method="post" action="/settings/profile" enctype="multipart/form-data" {
            (csrf_field(frame.csrf))
            div {
                label for="display_name" { "Display name" }
                input #display_name name="display_name" type="text" maxlength="30" value=(a.display_name);
            }
            div {
                label for="note" { "Bio" }
                textarea #note name="note" maxlength="500" { (note) }
            }
            div {
                label for="skills" { "Skills " span.hint { "(comma-separated, for example design, rust, accounting)" } }
                input #skills name="skills" type="text" value=(skills);
            }
            div {
                (parts::avatar(a))
                label for="avatar" { "Avatar " span.hint { "(PNG, JPEG, GIF or WebP)" } }
                input #avatar name="avatar" type="file" accept="image/png,image/jpeg,image/gif,image/webp";
            }
            div { button type="submit" { "Save profile" } }
        }
    }
}

/// `GET /settings/profile`
pub async fn profile_page(viewer: Viewer) -> WebResult {
    let me = viewer.require()?;
    let frame = viewer.frame();
    Ok(page(&frame, "Edit profile", profile_form(&frame, me, None)))
}

/// `POST /settings/profile` (multipart, for the avatar)
pub async fn profile(ctx: web::Data<AppContext>, viewer: Viewer, p: Params) -> WebResult {
    let me = viewer.require()?;
    viewer.check(&p)?;
    let avatar = p.upload("avatar").await?;
    let update = ProfileUpdate {
        display_name: p.str("display_name"),
        note: p.str("note"),
        skills: p.str("skills").map(|s| vec![s]),
        avatar,
        ..Default::default()
    };
    let current = (me.member.user.clone(), me.member.account.clone());
    match accounts::update_profile(&ctx, &current, update).await {
        Ok(_) => Ok(redirect(&format!(
            "/@{}?done=profile",
            me.member.account.username
        ))),
        Err(e) => {
            let (status, m) = fixable(e)?;
            let frame = viewer.frame();
            Ok(page_with(
                status,
                &frame,
                "Edit profile",
                profile_form(&frame, me, Some(&m)),
            ))
        }
    }
}

fn follow_form(frame: &Frame, value: &str, error: Option<&str>) -> Markup {
    html! {
        h1 { "Follow someone" }
        p { "Anyone on the fediverse: people in other spaces, on Mastodon and elsewhere." }
        (alert(error))
        form.stack method="post" action="/follow" {
            (csrf_field(frame.csrf))
            div {
                label for="acct" { "Their handle " span.hint { "(for example bob@space.example)" } }
                input #acct name="acct" type="text" value=(value) required autocomplete="off";
            }
            div { button type="submit" { "Follow" } }
        }
    }
}

/// `GET /follow`
pub async fn follow_page(viewer: Viewer) -> WebResult {
    viewer.require()?;
    let frame = viewer.frame();
    Ok(page(&frame, "Follow", follow_form(&frame, "", None)))
}

/// `POST /follow {acct}`: finds the account (WebFinger for remote ones) and follows it.
pub async fn follow_by_handle(ctx: web::Data<AppContext>, viewer: Viewer, p: Params) -> WebResult {
    let me = viewer.require()?;
    viewer.check(&p)?;
    let acct = p.str("acct").unwrap_or_default();
    let result = async {
        let target = accounts::lookup(&ctx, acct.trim(), true).await?;
        follows::follow(&ctx, &me.member.account, &target.id, None, None).await?;
        Ok::<_, interspace_app::AppError>(target)
    }
    .await;
    match result {
        Ok(target) => Ok(redirect(&format!("/accounts/{}?done=followed", target.id))),
        Err(e) => {
            let e = WebError::from(e);
            let m = match &e {
                WebError::App(interspace_app::AppError::NotFound(_)) => {
                    format!("No account {} was found.", acct.trim())
                }
                _ => match e.form_message() {
                    Some(m) => m,
                    None => return Err(e),
                },
            };
            let frame = viewer.frame();
            Ok(page_with(
                actix_web::http::StatusCode::UNPROCESSABLE_ENTITY,
                &frame,
                "Follow",
                follow_form(&frame, &acct, Some(&m)),
            ))
        }
    }
}

/// `GET /accounts/{id}`: any account as this server knows it, with Follow and Report.
pub async fn account(
    ctx: web::Data<AppContext>,
    viewer: Viewer,
    id: web::Path<String>,
    q: web::Query<Done>,
) -> WebResult {
    let me = viewer.require()?;
    let a = accounts::get(&ctx, &id).await?;
    let rel = follows::relationship(&ctx, &me.member.account, &a.id).await?;
    let posts = timelines::account(
        &ctx,
        Some(&me.member.account),
        &a.id,
        false,
        false,
        &parts::latest(20),
    )
    .await?;
    let frame = viewer.frame();
    let own = a.id == me.member.account.id;
    let main = html! {
        (notice(q.done.as_deref()))
        header.card {
            (parts::avatar(&a))
            h1 { (display_name(&a)) }
            p.muted { (handle(&a)) }
            div { (crate::layout::safe_html(&a.note)) }
            @if !own {
                p {
                    @if rel.following || rel.requested {
                        (button_form(&frame, &format!("/accounts/{}/unfollow", a.id), if rel.requested { "Cancel follow request" } else { "Unfollow" }, "secondary"))
                        @if rel.requested { " " span.muted { "Waiting for their answer." } }
                    } @else {
                        (button_form(&frame, &format!("/accounts/{}/follow", a.id), "Follow", ""))
                    }
                    " " a href={ "/report?account_id=" (a.id) } { "Report" }
                }
            }
            @if let Some(url) = a.url.as_deref().filter(|_| !a.is_local()) { p { a href=(url) { "Their page on their server" } } }
        }
        section aria-labelledby="posts" {
            h2 #posts { "Posts" }
            (parts::statuses(&frame, &posts, "No posts known here yet."))
        }
    };
    Ok(page(&frame, display_name(&a), main))
}

/// `POST /accounts/{id}/follow` and `/unfollow`
pub async fn follow_account(
    ctx: web::Data<AppContext>,
    viewer: Viewer,
    path: web::Path<(String, String)>,
    p: Params,
) -> WebResult {
    let me = viewer.require()?;
    viewer.check(&p)?;
    let (id, action) = path.into_inner();
    match action.as_str() {
        "follow" => {
            follows::follow(&ctx, &me.member.account, &id, None, None).await?;
            Ok(redirect(&format!("/accounts/{id}?done=followed")))
        }
        "unfollow" => {
            follows::unfollow(&ctx, &me.member.account, &id).await?;
            Ok(redirect(&format!("/accounts/{id}?done=unfollowed")))
        }
        _ => Err(WebError::NotFound),
    }
}

/// `GET /settings`: authorised apps and signed-in browsers, each revocable.
pub async fn settings(
    ctx: web::Data<AppContext>,
    viewer: Viewer,
    q: web::Query<Done>,
) -> WebResult {
    settings_with(&ctx, &viewer, q.done.as_deref(), None, StatusCode::OK).await
}

/// The settings page, with what was done or the e-mail form's error.
pub async fn settings_with(
    ctx: &AppContext,
    viewer: &Viewer,
    done: Option<&str>,
    mail_error: Option<&str>,
    status: StatusCode,
) -> WebResult {
    let me = viewer.require()?;
    let apps = interspace_app::sessions::list_apps(ctx, me).await?;
    let browsers = interspace_app::sessions::list(ctx, me).await?;
    let chosen = interspace_app::mail::preferences(ctx, &me.member.user).await?;
    let frame = viewer.frame();
    let main = html! {
        h1 { "Settings" }
        (notice(done))
        p { a href="/settings/profile" { "Edit your profile" } }
        (password_form(&frame, None))
        (mail_settings(ctx, &frame, &me.member.user, &chosen, mail_error))
        section aria-labelledby="apps" {
            h2 #apps { "Authorised apps" }
            @if apps.is_empty() { p.muted { "No app has access to your account." } }
            @else {
                table {
                    thead { tr { th scope="col" { "App" } th scope="col" { "Access" } th scope="col" { "Last used" } th scope="col" { span.sr-only { "Action" } } } }
                    tbody {
                        @for (id, name, website, scopes, used) in &apps {
                            tr {
                                td { @if let Some(w) = website { a href=(w) { (name) } } @else { (name) } }
                                td { code { (scopes) } }
                                td { @if let Some(u) = used { (parts::time(*u)) } @else { "never" } }
                                td { (button_form(&frame, &format!("/settings/apps/{id}/revoke"), "Revoke", "danger")) }
                            }
                        }
                    }
                }
            }
        }
        section aria-labelledby="sessions" {
            h2 #sessions { "Signed-in browsers" }
            table {
                thead { tr { th scope="col" { "Browser" } th scope="col" { "Signed in" } th scope="col" { "Last seen" } th scope="col" { span.sr-only { "Action" } } } }
                tbody {
                    @for s in &browsers {
                        tr {
                            td { (if s.user_agent.is_empty() { "unknown" } else { &s.user_agent }) @if s.id == me.session.id { " " strong { "(this browser)" } } }
                            td { (parts::time(s.created_at)) }
                            td { (parts::time(s.last_seen_at)) }
                            td { (button_form(&frame, &format!("/settings/sessions/{}/revoke", s.id), "Sign out", "danger")) }
                        }
                    }
                }
            }
        }
    };
    Ok(page_with(status, &frame, "Settings", main))
}

fn password_form(frame: &Frame, error: Option<&str>) -> Markup {
    html! {
        section aria-labelledby="password" {
            h2 #password { "Change your password" }
            (alert(error))
            form.stack method="post" action="/settings/password" {
                (csrf_field(frame.csrf))
                div {
                    label for="current-password" { "Current password" }
                    input #current-password name="current_password" type="password" autocomplete="current-password" required;
                }
                div {
                    label for="new-password" { "New password " span.hint { "(at least 8 characters; your apps and other browsers are signed out)" } }
                    input #new-password name="password" type="password" autocomplete="new-password" minlength="8" required;
                }
                div { button type="submit" { "Change password" } }
            }
        }
    }
}

/// `POST /settings/password`
pub async fn change_password(ctx: web::Data<AppContext>, viewer: Viewer, p: Params) -> WebResult {
    let me = viewer.require()?;
    viewer.check(&p)?;
    let current = p.str("current_password").unwrap_or_default();
    let new = p.str("password").unwrap_or_default();
    match interspace_app::sessions::change_password(&ctx, me, &current, &new).await {
        Ok(()) => Ok(redirect("/settings?done=changed")),
        Err(e) => {
            let (status, m) = fixable(e)?;
            let frame = viewer.frame();
            let main = html! { h1 { "Settings" } (password_form(&frame, Some(&m))) };
            Ok(page_with(status, &frame, "Settings", main))
        }
    }
}

/// `POST /settings/apps/{id}/revoke` and `/settings/sessions/{id}/revoke`
pub async fn revoke(
    ctx: web::Data<AppContext>,
    viewer: Viewer,
    path: web::Path<(String, String)>,
    p: Params,
) -> WebResult {
    let me = viewer.require()?;
    viewer.check(&p)?;
    let (kind, id) = path.into_inner();
    match kind.as_str() {
        "apps" => interspace_app::sessions::revoke_app(&ctx, me, &id).await?,
        "sessions" => {
            interspace_app::sessions::revoke(&ctx, me, &id).await?;
            if id == me.session.id {
                return Ok(redirect("/login"));
            }
        }
        _ => return Err(WebError::NotFound),
    }
    Ok(redirect("/settings?done=revoked"))
}

#[derive(serde::Deserialize)]
pub struct ReportQuery {
    account_id: Option<String>,
    status_id: Option<String>,
}

fn report_form(
    frame: &Frame,
    target: &interspace_app::Account,
    status_id: Option<&str>,
    error: Option<&str>,
) -> Markup {
    html! {
        h1 { "Report " (handle(target)) }
        p { "Reports go to the operators of this space. Tell them what is wrong." }
        (alert(error))
        form.stack method="post" action="/report" {
            (csrf_field(frame.csrf))
            input type="hidden" name="account_id" value=(target.id);
            @if let Some(s) = status_id { input type="hidden" name="status_ids[]" value=(s); p.muted { "About one of their posts." } }
            div {
                label for="category" { "Reason" }
                select #category name="category" {
                    option value="spam" { "Spam" }
                    option value="violation" { "Breaks the rules of this space" }
                    option value="legal" { "Illegal content" }
                    option value="other" selected { "Something else" }
                }
            }
            div {
                label for="comment" { "What happened?" }
                textarea #comment name="comment" maxlength="1000" {}
            }
            @if !target.is_local() {
                div.check {
                    input #forward name="forward" type="checkbox" value="1";
                    " "
                    label for="forward" { "Also send an anonymous copy to their server's moderators" }
                }
            }
            div { button type="submit" { "Send report" } }
        }
    }
}

/// `GET /report?account_id=&status_id=`
pub async fn report_page(
    ctx: web::Data<AppContext>,
    viewer: Viewer,
    q: web::Query<ReportQuery>,
) -> WebResult {
    viewer.require()?;
    let target = accounts::get(&ctx, q.account_id.as_deref().unwrap_or_default()).await?;
    let frame = viewer.frame();
    Ok(page(
        &frame,
        "Report",
        report_form(&frame, &target, q.status_id.as_deref(), None),
    ))
}

/// `POST /report`
pub async fn report(ctx: web::Data<AppContext>, viewer: Viewer, p: Params) -> WebResult {
    let me = viewer.require()?;
    viewer.check(&p)?;
    let target_id = p.str("account_id").unwrap_or_default();
    let status_ids = p.list("status_ids");
    let result = reports::file(
        &ctx,
        &me.member.account,
        NewReport {
            target_account_id: target_id.clone(),
            status_ids: status_ids.clone(),
            comment: p.str("comment").unwrap_or_default(),
            category: p.str("category"),
            forward: p.bool("forward").ok().flatten().unwrap_or(false),
        },
    )
    .await;
    match result {
        Ok(_) => Ok(redirect("/home?done=reported")),
        Err(e) => {
            let (status, m) = fixable(e)?;
            let target = accounts::get(&ctx, &target_id).await?;
            let frame = viewer.frame();
            Ok(page_with(
                status,
                &frame,
                "Report",
                report_form(
                    &frame,
                    &target,
                    status_ids.first().map(String::as_str),
                    Some(&m),
                ),
            ))
        }
    }
}

/// The e-mail part of the settings page: the address (and changing it), and the categories.
fn mail_settings(
    ctx: &AppContext,
    frame: &Frame,
    user: &interspace_app::User,
    chosen: &[MailCategory],
    error: Option<&str>,
) -> Markup {
    html! {
        section aria-labelledby="mail" {
            h2 #mail { "E-mail" }
            (alert(error))
            form.stack method="post" action="/settings/email" {
                (csrf_field(frame.csrf))
                div {
                    label for="email" { "Your address" }
                    input #email name="email" type="email" value=(user.email) autocomplete="email" required;
                    @if interspace_app::mail::enabled(ctx) { p.hint { "A new address is used once you open the link we mail to it." } }
                }
                div { button type="submit" { "Change address" } }
            }
            @if interspace_app::mail::enabled(ctx) {
                form.stack method="post" action="/settings/mail" {
                    (csrf_field(frame.csrf))
                    fieldset {
                        legend { "Mail me about" }
                        @for c in MailCategory::CHOOSABLE {
                            div {
                                input type="checkbox" id={ "mail-" (c.as_str()) } name="categories[]" value=(c.as_str()) checked[chosen.contains(&c)];
                                " "
                                label for={ "mail-" (c.as_str()) } { (c.label()) }
                            }
                        }
                        p.hint { "Mails about your account (password resets, a new address) are always sent." }
                    }
                    div { button type="submit" { "Save e-mail choices" } }
                }
            } @else {
                p.muted { "This space sends no e-mail." }
            }
        }
    }
}

/// `POST /settings/mail {categories[]}`
pub async fn save_mail_preferences(
    ctx: web::Data<AppContext>,
    viewer: Viewer,
    p: Params,
) -> WebResult {
    let me = viewer.require()?;
    viewer.check(&p)?;
    let chosen: Vec<MailCategory> = p
        .list("categories")
        .iter()
        .filter_map(|c| MailCategory::parse(c).ok())
        .filter(|c| *c != MailCategory::Account)
        .collect();
    interspace_app::mail::set_preferences(&ctx, &me.member.user, &chosen).await?;
    Ok(redirect("/settings?done=mail#mail"))
}

/// `POST /settings/email {email}`
pub async fn change_email(ctx: web::Data<AppContext>, viewer: Viewer, p: Params) -> WebResult {
    let me = viewer.require()?;
    viewer.check(&p)?;
    match interspace_app::mail::request_email_change(
        &ctx,
        &me.member.user,
        &p.str("email").unwrap_or_default(),
    )
    .await
    {
        Ok(true) => Ok(redirect("/settings?done=email_sent#mail")),
        Ok(false) => Ok(redirect("/settings?done=email#mail")),
        Err(e) => {
            let (status, message) = fixable(e)?;
            settings_with(&ctx, &viewer, None, Some(&message), status).await
        }
    }
}
