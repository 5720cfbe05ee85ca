//! Browser sign-in: cookie sessions (apart from OAuth tokens), the apps a member authorised,
//! and password reset links an operator hands out.

use crate::members::{self, Member};
use crate::oauth::{check_password, hash_secret};
use crate::{AppContext, AppError, AppResult};
use chrono::Duration;
use interspace_core::ids::{new_id, random_hex};
use interspace_db::now;
use interspace_db::sessions as db;
pub use interspace_db::sessions::{AuthorizedApp, WebSession};

/// How long an idle session lasts.
pub const IDLE_LIFETIME: Duration = Duration::days(30);
/// How long a reset link works.
pub const RESET_LIFETIME: Duration = Duration::days(2);
/// How long a reset link mailed to a member who forgot their password works.
pub const FORGOT_LIFETIME: Duration = Duration::hours(1);
const MIN_PASSWORD: usize = 8;

/// A signed-in browser.
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub session: WebSession,
    pub member: Member,
}

/// Checks the password (with the login rate limit) and opens a session; the token goes into
/// the cookie and only its hash is kept.
pub async fn sign_in(
    ctx: &AppContext,
    login: &str,
    password: &str,
    user_agent: &str,
    from: &str,
) -> AppResult<(String, SignedIn)> {
    let (user, account) = check_password(ctx, login, password, from).await?;
    open(ctx, Member { user, account }, user_agent).await
}

async fn open(ctx: &AppContext, member: Member, user_agent: &str) -> AppResult<(String, SignedIn)> {
    let token = random_hex(32);
    let ts = now();
    let session = WebSession {
        id: new_id(),
        token_hash: hash_secret(&token),
        user_id: member.user.id.clone(),
        csrf_token: random_hex(16),
        user_agent: user_agent.chars().take(200).collect(),
        created_at: ts,
        last_seen_at: ts,
    };
    let mut conn = ctx.db.get().await?;
    db::insert_session(&mut conn, &session).await?;
    Ok((token, SignedIn { session, member }))
}

/// The session behind a cookie, if it is live and its member may sign in.
pub async fn authenticate(ctx: &AppContext, token: &str) -> AppResult<Option<SignedIn>> {
    if token.is_empty() || token.len() > 100 {
        return Ok(None);
    }
    let mut conn = ctx.db.get().await?;
    let Some((session, user, account)) = db::find_session(&mut conn, &hash_secret(token)).await?
    else {
        return Ok(None);
    };
    let ts = now();
    if session.last_seen_at + IDLE_LIFETIME < ts
        || user.disabled
        || !user.approved
        || account.suspended_at.is_some()
    {
        return Ok(None);
    }
    // Written at most once a minute, so page views stay reads.
    if ts - session.last_seen_at > Duration::minutes(1) {
        db::touch_session(&mut conn, &session.id, ts).await?;
    }
    Ok(Some(SignedIn {
        session,
        member: Member { user, account },
    }))
}

pub async fn sign_out(ctx: &AppContext, me: &SignedIn) -> AppResult<()> {
    let mut conn = ctx.db.get().await?;
    db::delete_session(&mut conn, &me.member.user.id, &me.session.id).await?;
    Ok(())
}

pub async fn list(ctx: &AppContext, me: &SignedIn) -> AppResult<Vec<WebSession>> {
    let mut conn = ctx.db.get().await?;
    Ok(db::list_sessions(&mut conn, &me.member.user.id).await?)
}

/// Ends one of the member's own sessions (another browser, or this one).
pub async fn revoke(ctx: &AppContext, me: &SignedIn, id: &str) -> AppResult<()> {
    let mut conn = ctx.db.get().await?;
    if db::delete_session(&mut conn, &me.member.user.id, id).await? {
        Ok(())
    } else {
        Err(AppError::NotFound("session"))
    }
}

pub async fn list_apps(ctx: &AppContext, me: &SignedIn) -> AppResult<Vec<AuthorizedApp>> {
    let mut conn = ctx.db.get().await?;
    let mut apps = db::list_authorized_apps(&mut conn, &me.member.user.id).await?;
    // One line per app, with the most recent grant.
    let mut seen = std::collections::HashSet::new();
    apps.retain(|a| seen.insert(a.0.clone()));
    Ok(apps)
}

/// Revokes every token the member gave an app.
pub async fn revoke_app(ctx: &AppContext, me: &SignedIn, app_id: &str) -> AppResult<()> {
    let mut conn = ctx.db.get().await?;
    if db::revoke_app_tokens(&mut conn, &me.member.user.id, app_id, now()).await? == 0 {
        return Err(AppError::NotFound("authorized app"));
    }
    Ok(())
}

/// An operator makes a single-use link for a member to choose a new password; the token is
/// returned once and only its hash is kept.
pub async fn issue_reset(
    ctx: &AppContext,
    operator: &interspace_db::users::User,
    account_id: &str,
) -> AppResult<String> {
    members::require_operator(operator)?;
    let target = members::get_by_account(ctx, account_id).await?;
    let mut conn = ctx.db.get().await?;
    reset_link(
        ctx,
        &mut conn,
        &target.user.id,
        Some(&operator.id),
        RESET_LIFETIME,
    )
    .await
}

/// A single-use link for `user_id` to choose a new password, valid for `lifetime`; only the
/// token's hash is kept.
async fn reset_link(
    ctx: &AppContext,
    conn: &mut interspace_db::DbConn,
    user_id: &str,
    created_by: Option<&str>,
    lifetime: Duration,
) -> AppResult<String> {
    let token = random_hex(24);
    let ts = now();
    db::insert_reset(
        conn,
        &db::PasswordReset {
            id: new_id(),
            token_hash: hash_secret(&token),
            user_id: user_id.to_string(),
            created_by: created_by.map(String::from),
            expires_at: ts + lifetime,
            used_at: None,
            created_at: ts,
        },
    )
    .await?;
    Ok(ctx.urls().path(&format!("/reset/{token}")).to_string())
}

/// Someone who forgot their password gives their address: when a member in good standing has
/// it and this instance sends mail, a single-use link valid for [`FORGOT_LIFETIME`] is mailed
/// to it. The caller learns nothing either way (the page answers alike).
pub async fn forgot_password(ctx: &AppContext, email: &str) -> AppResult<()> {
    let Ok(email) = interspace_core::names::Email::parse(email) else {
        return Ok(());
    };
    if !crate::mail::enabled(ctx) {
        return Ok(());
    }
    ctx.write(async |tx, _| {
        let Some(user) = interspace_db::users::find_user_by_email(tx, email.as_str()).await? else {
            return Ok(());
        };
        if user.disabled || !user.approved {
            return Ok(());
        }
        let link = reset_link(ctx, tx, &user.id, None, FORGOT_LIFETIME).await?;
        let message = crate::mail::compose::password_reset(&link, FORGOT_LIFETIME.num_hours());
        crate::mail::to_user(
            ctx,
            tx,
            &user,
            interspace_core::mail::MailCategory::Account,
            &message,
            None,
        )
        .await
    })
    .await
}

/// The operator at the console resets a member's password: with `password`, it is set at once
/// (and every session and app token of the member ends); without, a single-use reset link is
/// returned (valid for the same time as an operator's link from the web).
pub async fn reset_from_console(
    ctx: &AppContext,
    username: &str,
    password: Option<&str>,
) -> AppResult<Option<String>> {
    let target = members::get(ctx, username).await?;
    if let Some(password) = password {
        validate_password(password)?;
        let hash = ctx.passwords.hash(password).await?;
        let ts = now();
        ctx.write(async |tx, _| {
            db::set_password(tx, &target.user.id, &hash, ts).await?;
            db::delete_user_sessions(tx, &target.user.id).await?;
            interspace_db::oauth::revoke_user_tokens(tx, &target.user.id, ts).await?;
            Ok(())
        })
        .await?;
        return Ok(None);
    }
    let mut conn = ctx.db.get().await?;
    reset_link(ctx, &mut conn, &target.user.id, None, RESET_LIFETIME)
        .await
        .map(Some)
}

/// Whether a reset link still works (the page shows the form only then).
pub async fn reset_is_live(ctx: &AppContext, token: &str) -> AppResult<bool> {
    let mut conn = ctx.db.get().await?;
    Ok(db::find_live_reset(&mut conn, &hash_secret(token), now())
        .await?
        .is_some())
}

pub fn validate_password(password: &str) -> AppResult<()> {
    if password.chars().count() < MIN_PASSWORD {
        return Err(interspace_core::ValidationError::new(
            "password",
            format!("must be at least {MIN_PASSWORD} characters long"),
        )
        .into());
    }
    Ok(())
}

/// Sets a new password through a reset link; every session and token of the member ends.
pub async fn reset_password(ctx: &AppContext, token: &str, password: &str) -> AppResult<()> {
    validate_password(password)?;
    let gone = || AppError::Gone("reset link");
    let reset = {
        let mut conn = ctx.db.get().await?;
        db::find_live_reset(&mut conn, &hash_secret(token), now())
            .await?
            .ok_or_else(gone)?
    };
    let hash = ctx.passwords.hash(password).await?;
    let ts = now();
    ctx.write(async |tx, _| {
        if !db::use_reset(tx, &reset.id, ts).await? {
            return Err(gone());
        }
        db::set_password(tx, &reset.user_id, &hash, ts).await?;
        db::delete_user_sessions(tx, &reset.user_id).await?;
        interspace_db::oauth::revoke_user_tokens(tx, &reset.user_id, ts).await?;
        Ok(())
    })
    .await
}

/// A signed-in member changes their password: the current one is checked (with the login rate
/// limit); the member's other sessions and every app token end, this session stays.
pub async fn change_password(
    ctx: &AppContext,
    me: &SignedIn,
    current: &str,
    new: &str,
) -> AppResult<()> {
    validate_password(new)?;
    // Counted per session: a stolen session cannot guess on, and nobody else is affected.
    let from = format!("session {}", me.session.id);
    let (user, _) = check_password(ctx, &me.member.account.username, current, &from)
        .await
        .map_err(|e| match e {
            AppError::BadCredentials(_) => interspace_core::ValidationError::new(
                "current_password",
                "is not your current password",
            )
            .into(),
            other => other,
        })?;
    let hash = ctx.passwords.hash(new).await?;
    let ts = now();
    ctx.write(async |tx, _| {
        db::set_password(tx, &user.id, &hash, ts).await?;
        for s in db::list_sessions(tx, &user.id).await? {
            if s.id != me.session.id {
                db::delete_session(tx, &user.id, &s.id).await?;
            }
        }
        interspace_db::oauth::revoke_user_tokens(tx, &user.id, ts).await?;
        Ok(())
    })
    .await
}
