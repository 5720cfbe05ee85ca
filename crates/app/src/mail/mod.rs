//! E-mail: messages queued in the same transaction as what they tell (so none is lost and none
//! is sent for a change that rolled back), each member's choice of categories, one-click
//! unsubscription (RFC 8058), and confirmation of a new address. The SMTP side lives in the
//! server crate; it drains the queue through [`due`], [`claim`] and [`record`].

pub mod compose;

use crate::oauth::hash_secret;
use crate::{AppContext, AppError, AppResult};
use chrono::Duration;
use interspace_core::ids::{new_id, random_hex};
use interspace_core::mail::{MailCategory, Message};
use interspace_core::names::Email;
pub use interspace_db::mail::Mail;
use interspace_db::mail::{self as db, EmailChange, MailSettings as StoredSettings};
use interspace_db::users::User;
use interspace_db::{now, DbConn};

/// How this instance sends mail (none configured: nothing is queued).
#[derive(Debug, Clone)]
pub struct MailSettings {
    /// The wait before the first retry; each next one doubles, up to 12 hours.
    pub retry_base: std::time::Duration,
    /// Attempts before a mail is given up.
    pub max_attempts: i32,
}

/// A file sent with a message (an `.ics` of the day).
#[derive(Debug, Clone)]
pub struct Attachment {
    pub name: String,
    pub content_type: String,
    pub body: String,
}

/// How long a confirmation link of a new address works.
pub const EMAIL_CHANGE_LIFETIME: Duration = Duration::hours(24);

/// Queues `message` for the member of `account_id` (nothing for remote accounts, members who
/// turned the category off, or when this instance sends no mail). In the caller's transaction.
pub async fn to_account(
    ctx: &AppContext,
    conn: &mut DbConn,
    account_id: &str,
    category: MailCategory,
    message: &Message,
    attachment: Option<&Attachment>,
) -> AppResult<()> {
    if !enabled(ctx) {
        return Ok(());
    }
    let Some((user, _)) = interspace_db::users::find_user_by_account_id(conn, account_id).await?
    else {
        return Ok(());
    };
    to_user(ctx, conn, &user, category, message, attachment).await
}

/// [`to_account`] for a member already at hand; mails to a suspended member wait for nobody.
pub async fn to_user(
    ctx: &AppContext,
    conn: &mut DbConn,
    user: &User,
    category: MailCategory,
    message: &Message,
    attachment: Option<&Attachment>,
) -> AppResult<()> {
    if !enabled(ctx) || user.disabled {
        return Ok(());
    }
    let settings = settings_of(conn, &user.id).await?;
    let unsubscribe = if category == MailCategory::Account {
        None
    } else if MailCategory::chosen(Some(&settings.categories)).contains(&category) {
        Some(unsubscribe_url(ctx, &settings.token, category))
    } else {
        return Ok(());
    };
    insert(
        ctx,
        conn,
        &user.email,
        Some(&user.id),
        category,
        message,
        attachment,
        unsubscribe,
    )
    .await
}

/// Queues an account mail to an address that is no member's yet (an invitation, a new
/// address to confirm).
pub async fn to_address(
    ctx: &AppContext,
    conn: &mut DbConn,
    address: &str,
    user_id: Option<&str>,
    message: &Message,
) -> AppResult<()> {
    if !enabled(ctx) {
        return Ok(());
    }
    let address = Email::parse(address)?;
    insert(
        ctx,
        conn,
        address.as_str(),
        user_id,
        MailCategory::Account,
        message,
        None,
        None,
    )
    .await
}

#[allow(clippy::too_many_arguments)]
async fn insert(
    ctx: &AppContext,
    conn: &mut DbConn,
    recipient: &str,
    user_id: Option<&str>,
    category: MailCategory,
    message: &Message,
    attachment: Option<&Attachment>,
    unsubscribe: Option<String>,
) -> AppResult<()> {
    let instance = crate::spaces::name_in(ctx, conn).await?;
    let mut footer = vec![format!("{}", ctx.urls().path("/"))];
    if let Some(url) = &unsubscribe {
        footer.push(format!(
            "You receive this because of your e-mail settings. Stop these mails: {url}"
        ));
    }
    let ts = now();
    db::insert_mail(
        conn,
        &Mail {
            id: new_id(),
            category: category.as_str().to_string(),
            user_id: user_id.map(String::from),
            recipient: recipient.to_string(),
            subject: format!("{}: {}", instance, message.subject),
            text_body: message.text(&instance, &footer),
            html_body: message.html(&instance, &footer),
            attachment_name: attachment.map(|a| a.name.clone()),
            attachment_type: attachment.map(|a| a.content_type.clone()),
            attachment_body: attachment.map(|a| a.body.clone()),
            unsubscribe_url: unsubscribe,
            state: "pending".into(),
            attempts: 0,
            next_attempt_at: ts,
            claimed_until: None,
            last_error: None,
            created_at: ts,
            updated_at: ts,
        },
    )
    .await?;
    ctx.metrics.increment("mails_queued_total", 1);
    Ok(())
}

/// A member's stored settings, made with the defaults the first time.
async fn settings_of(conn: &mut DbConn, user_id: &str) -> AppResult<StoredSettings> {
    if let Some(s) = db::find_settings(conn, user_id).await? {
        return Ok(s);
    }
    db::insert_settings(
        conn,
        &StoredSettings {
            user_id: user_id.to_string(),
            token: random_hex(24),
            categories: MailCategory::store(&MailCategory::chosen(None)),
            digest_at: None,
            updated_at: now(),
        },
    )
    .await?;
    db::find_settings(conn, user_id)
        .await?
        .ok_or(AppError::NotFound("mail settings"))
}

fn unsubscribe_url(ctx: &AppContext, token: &str, category: MailCategory) -> String {
    ctx.urls()
        .path(&format!("/mail/unsubscribe/{token}/{}", category.as_str()))
        .to_string()
}

/// How often a member who chose the digest gets one, and what it looks back on.
pub const DIGEST_EVERY: Duration = Duration::days(7);
/// At most this many events, and as many opportunities, in one digest.
const DIGEST_ITEMS: i64 = 20;

/// Queues the weekly digest of every member who chose it and had none for a week: the public
/// events still to come and the open opportunities new since, of the spaces they follow and
/// of this one. Nothing new, no mail (the week still counts). Returns how many were queued.
pub async fn digest(ctx: &AppContext) -> AppResult<usize> {
    if !enabled(ctx) {
        return Ok(0);
    }
    let ts = now();
    let due = {
        let mut conn = ctx.db.get().await?;
        db::list_digest_due(&mut conn, ts - DIGEST_EVERY, 500).await?
    };
    let mut sent = 0;
    for settings in due {
        sent += ctx
            .write(async |tx, _| {
                let Some(user) =
                    interspace_db::users::find_user_by_id(tx, &settings.user_id).await?
                else {
                    return Ok(0);
                };
                let since = settings.digest_at.unwrap_or(ts - DIGEST_EVERY);
                let (events, opportunities) =
                    db::digest_contents(tx, &user.account_id, since, ts, DIGEST_ITEMS).await?;
                db::set_digest_at(tx, &user.id, ts).await?;
                if events.is_empty() && opportunities.is_empty() {
                    return Ok(0);
                }
                let message = compose::digest(ctx, &events, &opportunities);
                to_user(ctx, tx, &user, MailCategory::Digest, &message, None).await?;
                Ok(1)
            })
            .await?;
    }
    Ok(sent)
}

/// Whether this instance sends mail at all.
pub fn enabled(ctx: &AppContext) -> bool {
    ctx.settings.mail.is_some()
}

/// The categories a member receives.
pub async fn preferences(ctx: &AppContext, user: &User) -> AppResult<Vec<MailCategory>> {
    let mut conn = ctx.db.get().await?;
    let stored = db::find_settings(&mut conn, &user.id).await?;
    Ok(MailCategory::chosen(
        stored.as_ref().map(|s| s.categories.as_str()),
    ))
}

pub async fn set_preferences(
    ctx: &AppContext,
    user: &User,
    chosen: &[MailCategory],
) -> AppResult<()> {
    ctx.write(async |tx, _| {
        settings_of(tx, &user.id).await?;
        db::set_categories(tx, &user.id, &MailCategory::store(chosen), now()).await?;
        Ok(())
    })
    .await
}

/// Whose settings and which category an unsubscribe link names (`None`: not a live link;
/// account mails have none).
async fn link_target(
    conn: &mut DbConn,
    token: &str,
    category: &str,
) -> AppResult<Option<(StoredSettings, MailCategory)>> {
    let Some(category) = MailCategory::parse(category)
        .ok()
        .filter(|c| *c != MailCategory::Account)
    else {
        return Ok(None);
    };
    Ok(db::find_settings_by_token(conn, token)
        .await?
        .map(|s| (s, category)))
}

/// The category an unsubscribe link would turn off. `None`: not a live link.
pub async fn unsubscribe_target(
    ctx: &AppContext,
    token: &str,
    category: &str,
) -> AppResult<Option<MailCategory>> {
    let mut conn = ctx.db.get().await?;
    Ok(link_target(&mut conn, token, category)
        .await?
        .map(|(_, c)| c))
}

/// One-click unsubscription: the link's category is turned off for its member (again is fine).
pub async fn unsubscribe(ctx: &AppContext, token: &str, category: &str) -> AppResult<MailCategory> {
    ctx.write(async |tx, _| {
        let (settings, category) = link_target(tx, token, category)
            .await?
            .ok_or(AppError::NotFound("unsubscribe link"))?;
        let mut chosen = MailCategory::chosen(Some(&settings.categories));
        chosen.retain(|c| *c != category);
        db::set_categories(tx, &settings.user_id, &MailCategory::store(&chosen), now()).await?;
        Ok(category)
    })
    .await
}

/// A member asks to change their address: a link to confirm goes to the new one (the address
/// changes only when it is opened). Without mail, the address changes at once.
pub async fn request_email_change(ctx: &AppContext, user: &User, new: &str) -> AppResult<bool> {
    let email = Email::parse(new)?;
    if email.as_str() == user.email {
        return Ok(false);
    }
    ctx.write(async |tx, _| {
        if interspace_db::users::find_user_by_email(tx, email.as_str())
            .await?
            .is_some()
        {
            return Err(AppError::Validation(interspace_core::ValidationError::new(
                "email",
                "is already registered",
            )));
        }
        if !enabled(ctx) {
            interspace_db::users::set_email(tx, &user.id, email.as_str(), now()).await?;
            return Ok(false);
        }
        let token = random_hex(24);
        let ts = now();
        db::insert_email_change(
            tx,
            &EmailChange {
                id: new_id(),
                user_id: user.id.clone(),
                email: email.as_str().to_string(),
                token_hash: hash_secret(&token),
                expires_at: ts + EMAIL_CHANGE_LIFETIME,
                created_at: ts,
            },
        )
        .await?;
        let link = ctx
            .urls()
            .path(&format!("/mail/confirm/{token}"))
            .to_string();
        to_address(
            ctx,
            tx,
            email.as_str(),
            Some(&user.id),
            &compose::confirm_address(&link),
        )
        .await?;
        Ok(true)
    })
    .await
}

/// Opens a confirmation link: the new address is the member's from now on.
pub async fn confirm_email_change(ctx: &AppContext, token: &str) -> AppResult<String> {
    ctx.write(async |tx, _| {
        let change = db::confirm_email_change(tx, &hash_secret(token), now())
            .await
            .map_err(|e| match AppError::from(e) {
                // Someone registered the address meanwhile.
                AppError::Conflict(_) => AppError::Validation(
                    interspace_core::ValidationError::new("email", "is already registered"),
                ),
                other => other,
            })?
            .ok_or(AppError::Gone("confirmation link"))?;
        Ok(change.email)
    })
    .await
}

/// Mails whose time has come, for the sender.
pub async fn due(ctx: &AppContext, limit: i64) -> AppResult<Vec<Mail>> {
    let mut conn = ctx.db.get().await?;
    Ok(db::list_due(&mut conn, now(), limit).await?)
}

/// Takes a mail for sending; false when another sender has it.
pub async fn claim(ctx: &AppContext, mail: &Mail) -> AppResult<bool> {
    let mut conn = ctx.db.get().await?;
    let ts = now();
    Ok(db::claim(&mut conn, &mail.id, ts, ts + crate::outbox::CLAIM_LIFETIME).await?)
}

/// The outcome of one attempt to hand a mail to the SMTP server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Sent,
    /// The server is away or said "try later" (4xx).
    Retry(String),
    /// The server refused it for good (5xx): retrying cannot help.
    Refused(String),
}

pub async fn record(ctx: &AppContext, mail: &Mail, outcome: Outcome) -> AppResult<()> {
    let Some(settings) = &ctx.settings.mail else {
        return Ok(());
    };
    let attempts = mail.attempts + 1;
    let result = match &outcome {
        Outcome::Sent => Ok(()),
        Outcome::Retry(e) => Err((e.as_str(), true)),
        Outcome::Refused(e) => Err((e.as_str(), false)),
    };
    let (state, next, error) =
        crate::outbox::after_attempt(result, attempts, settings.max_attempts, settings.retry_base);
    let mut conn = ctx.db.get().await?;
    db::record_attempt(&mut conn, &mail.id, state, attempts, next, error, now()).await?;
    ctx.metrics.increment(
        match state {
            "sent" => "mails_sent_total",
            "failed" => "mails_failed_total",
            _ => "mails_retried_total",
        },
        1,
    );
    Ok(())
}

/// (pending, failed) mails.
pub async fn depth(ctx: &AppContext) -> AppResult<(i64, i64)> {
    let mut conn = ctx.db.get().await?;
    Ok(db::queue_depth(&mut conn).await?)
}
