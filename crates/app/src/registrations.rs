//! Self-registration (`POST /api/v1/accounts`) under the instance's registration mode, and the
//! operators' invite codes.

use crate::members::{self, Member, NewMember};
use crate::oauth::{self, Auth, IssuedToken};
use crate::{AppContext, AppError, AppResult};
use chrono::Duration;
use interspace_core::ids::{new_id, random_hex};
use interspace_core::roles::{RegistrationMode, Role};
use interspace_db::invites as db_invites;
pub use interspace_db::invites::Invite;
use interspace_db::now;

#[derive(Debug, Clone, Default)]
pub struct Registration {
    pub username: String,
    pub email: String,
    pub password: String,
    pub agreement: bool,
    pub locale: Option<String>,
    pub reason: Option<String>,
    pub invite_code: Option<String>,
}

pub async fn register(
    ctx: &AppContext,
    app_token: &Auth,
    r: Registration,
) -> AppResult<IssuedToken> {
    app_token.require("write:accounts")?;
    let member = register_member(ctx, r).await?;
    oauth::issue_for_user(ctx, app_token, &member.user.id).await
}

/// A new member under the registration mode (or an invite), for the API and the sign-up page;
/// without approval the member waits in the operators' list.
pub async fn register_member(ctx: &AppContext, r: Registration) -> AppResult<Member> {
    if !r.agreement {
        return Err(AppError::Unprocessable(
            "Validation failed: Agreement must be accepted".into(),
        ));
    }
    let invite = match r
        .invite_code
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
    {
        Some(code) => {
            let mut conn = ctx.db.get().await?;
            Some(
                db_invites::find_invite(&mut conn, code)
                    .await?
                    .ok_or_else(|| {
                        AppError::Unprocessable(
                            "Validation failed: the invite code is not valid".into(),
                        )
                    })?,
            )
        }
        None => None,
    };
    let approved = match (ctx.settings.registrations, &invite) {
        (_, Some(_)) | (RegistrationMode::Open, None) => true,
        (RegistrationMode::Approval, None) => false,
        (RegistrationMode::Closed, None) => {
            return Err(AppError::Forbidden(
                "Registrations are not open on this instance".into(),
            ))
        }
    };
    if let Some(inv) = &invite {
        let ts = now();
        if !usable(inv, ts) {
            return Err(AppError::Unprocessable(
                "Validation failed: the invite code has expired or is used up".into(),
            ));
        }
    }
    let reason = r.reason.map(|s| s.chars().take(1000).collect::<String>());
    let added = members::add_with(
        ctx,
        NewMember {
            username: r.username,
            email: r.email,
            password: Some(r.password),
            role: invite
                .as_ref()
                .and_then(|i| Role::parse(&i.role).ok())
                .unwrap_or(Role::Member),
            display_name: None,
            approved,
        },
        reason,
        r.locale.map(|l| l.chars().take(16).collect()),
    )
    .await
    .map_err(|e| match e {
        // Mastodon answers taken names and invalid fields with 422.
        AppError::Conflict(m) => AppError::Unprocessable(format!("Validation failed: {m}")),
        AppError::Validation(v) => AppError::Unprocessable(format!("Validation failed: {v}")),
        other => other,
    })?;
    if let Some(inv) = &invite {
        // Counted once the account exists, so a failed registration does not use it up.
        let mut conn = ctx.db.get().await?;
        db_invites::use_invite(&mut conn, &inv.id, now()).await?;
    }
    Ok(added.member)
}

/// What an operator asks of a new invite code.
#[derive(Debug, Clone)]
pub struct NewInvite<'a> {
    pub created_by: Option<&'a str>,
    /// At least 1 when given.
    pub max_uses: Option<i32>,
    pub expires_in_days: Option<i64>,
    /// The address the link is for: mailed to it when this instance sends mail.
    pub email: Option<&'a str>,
    /// What the member who signs up with it becomes.
    pub role: Role,
}

/// A new invite code; mailed to its address (when it has one and mail is on) in the same
/// transaction.
pub async fn create_invite(ctx: &AppContext, new: NewInvite<'_>) -> AppResult<Invite> {
    let email = new
        .email
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .map(interspace_core::names::Email::parse)
        .transpose()?;
    if new.max_uses.is_some_and(|m| m < 1) {
        return Err(AppError::Unprocessable(
            "max uses must be at least 1".into(),
        ));
    }
    let ts = now();
    let invite = Invite {
        id: new_id(),
        code: random_hex(8),
        created_by: new.created_by.map(String::from),
        max_uses: new.max_uses,
        uses: 0,
        expires_at: new.expires_in_days.map(|d| ts + Duration::days(d)),
        created_at: ts,
        email: email.as_ref().map(|e| e.as_str().to_string()),
        role: new.role.as_str().to_string(),
    };
    let link = invite_url(ctx, &invite);
    ctx.write(async |tx, _| {
        db_invites::insert_invite(tx, &invite).await?;
        if let Some(email) = &email {
            let space = crate::spaces::name_in(ctx, tx).await?;
            let message = crate::mail::compose::invitation(&link, &space, new.role);
            crate::mail::to_address(ctx, tx, email.as_str(), None, &message).await?;
        }
        Ok(())
    })
    .await?;
    Ok(invite)
}

/// Not expired and not used up at `ts` (the rule `db::invites::use_invite` applies in SQL).
fn usable(invite: &Invite, ts: chrono::NaiveDateTime) -> bool {
    invite.expires_at.is_none_or(|e| e > ts) && invite.max_uses.is_none_or(|m| invite.uses < m)
}

/// The link that opens the sign-up page with the code filled in.
pub fn invite_url(ctx: &AppContext, invite: &Invite) -> String {
    ctx.urls()
        .path(&format!("/invite/{}", invite.code))
        .to_string()
}

/// An invite that can still be used, for the sign-up page.
pub async fn find_usable_invite(ctx: &AppContext, code: &str) -> AppResult<Option<Invite>> {
    let mut conn = ctx.db.get().await?;
    let ts = now();
    Ok(db_invites::find_invite(&mut conn, code.trim())
        .await?
        .filter(|i| usable(i, ts)))
}

pub async fn list_invites(ctx: &AppContext) -> AppResult<Vec<Invite>> {
    let mut conn = ctx.db.get().await?;
    Ok(db_invites::list_invites(&mut conn).await?)
}
