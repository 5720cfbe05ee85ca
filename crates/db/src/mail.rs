//! The mail queue, each member's choice of categories, and confirmations of new addresses.

use crate::events::Event;
use crate::opportunities::Opportunity;
use crate::schema::{email_changes, events, follows, mail_settings, mails, opportunities, spaces};
use crate::{run, DbConn, DbResult, OptionalExt};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

/// One message, rendered when queued.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = mails)]
pub struct Mail {
    pub id: String,
    pub category: String,
    /// The member it is for (none for an invitation to someone not yet a member).
    pub user_id: Option<String>,
    pub recipient: String,
    pub subject: String,
    pub text_body: String,
    pub html_body: String,
    pub attachment_name: Option<String>,
    pub attachment_type: Option<String>,
    pub attachment_body: Option<String>,
    /// The one-click unsubscribe link of its category (`List-Unsubscribe`).
    pub unsubscribe_url: Option<String>,
    /// `pending`, `sent` or `failed` (given up).
    pub state: String,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    /// Taken by a sender until then; another process leaves it alone meanwhile.
    pub claimed_until: Option<NaiveDateTime>,
    pub last_error: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

pub async fn insert_mail(conn: &mut DbConn, m: &Mail) -> DbResult<()> {
    run!(conn, |c| diesel::insert_into(mails::table)
        .values(m)
        .execute(c)
        .await)?;
    Ok(())
}

crate::job_queue!(mails, Mail);

/// (pending, failed) mails.
pub async fn queue_depth(conn: &mut DbConn) -> DbResult<(i64, i64)> {
    let rows: Vec<(String, i64)> = run!(conn, |c| mails::table
        .filter(mails::state.ne("sent"))
        .group_by(mails::state)
        .select((mails::state, diesel::dsl::count_star()))
        .load(c)
        .await)?;
    let of = |s: &str| rows.iter().find(|(k, _)| k == s).map_or(0, |(_, n)| *n);
    Ok((of("pending"), of("failed")))
}

/// A member's stored choice of categories and unsubscribe token.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = mail_settings)]
pub struct MailSettings {
    pub user_id: String,
    pub token: String,
    /// The categories they receive, space-separated.
    pub categories: String,
    /// When their last weekly digest was made.
    pub digest_at: Option<NaiveDateTime>,
    pub updated_at: NaiveDateTime,
}

pub async fn find_settings(conn: &mut DbConn, user_id: &str) -> DbResult<Option<MailSettings>> {
    run!(conn, |c| mail_settings::table
        .find(user_id)
        .select(MailSettings::as_select())
        .first(c)
        .await)
    .opt()
}

pub async fn find_settings_by_token(
    conn: &mut DbConn,
    token: &str,
) -> DbResult<Option<MailSettings>> {
    run!(conn, |c| mail_settings::table
        .filter(mail_settings::token.eq(token))
        .select(MailSettings::as_select())
        .first(c)
        .await)
    .opt()
}

/// Inserts the row, or keeps the one already there (two first mails at once agree on it).
pub async fn insert_settings(conn: &mut DbConn, s: &MailSettings) -> DbResult<()> {
    run!(conn, |c| diesel::insert_into(mail_settings::table)
        .values(s)
        .on_conflict(mail_settings::user_id)
        .do_nothing()
        .execute(c)
        .await)?;
    Ok(())
}

pub async fn set_categories(
    conn: &mut DbConn,
    user_id: &str,
    categories: &str,
    at: NaiveDateTime,
) -> DbResult<()> {
    run!(conn, |c| diesel::update(mail_settings::table.find(user_id))
        .set((
            mail_settings::categories.eq(categories),
            mail_settings::updated_at.eq(at),
        ))
        .execute(c)
        .await)?;
    Ok(())
}

/// A new address waiting for its owner to confirm it.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = email_changes)]
pub struct EmailChange {
    pub id: String,
    pub user_id: String,
    pub email: String,
    pub token_hash: String,
    pub expires_at: NaiveDateTime,
    pub created_at: NaiveDateTime,
}

/// Replaces any earlier pending change of the member's address.
pub async fn insert_email_change(conn: &mut DbConn, e: &EmailChange) -> DbResult<()> {
    run!(conn, |c| {
        diesel::delete(email_changes::table.filter(email_changes::user_id.eq(&e.user_id)))
            .execute(c)
            .await?;
        diesel::insert_into(email_changes::table)
            .values(e)
            .execute(c)
            .await
    })?;
    Ok(())
}

/// Applies a live change: the member's address becomes the new one and the change is used up.
/// `None` when the token is unknown or expired.
pub async fn confirm_email_change(
    conn: &mut DbConn,
    token_hash: &str,
    at: NaiveDateTime,
) -> DbResult<Option<EmailChange>> {
    let Some(change) = run!(conn, |c| email_changes::table
        .filter(email_changes::token_hash.eq(token_hash))
        .filter(email_changes::expires_at.gt(at))
        .select(EmailChange::as_select())
        .first(c)
        .await)
    .opt()?
    else {
        return Ok(None);
    };
    crate::users::set_email(conn, &change.user_id, &change.email, at).await?;
    run!(conn, |c| diesel::delete(
        email_changes::table.find(&change.id)
    )
    .execute(c)
    .await)?;
    Ok(Some(change))
}

/// Members who chose the weekly digest and had none since `before`.
pub async fn list_digest_due(
    conn: &mut DbConn,
    before: NaiveDateTime,
    limit: i64,
) -> DbResult<Vec<MailSettings>> {
    Ok(run!(conn, |c| mail_settings::table
        .filter(mail_settings::categories.like("%digest%"))
        .filter(
            mail_settings::digest_at
                .is_null()
                .or(mail_settings::digest_at.lt(before))
        )
        .order(mail_settings::user_id.asc())
        .limit(limit)
        .select(MailSettings::as_select())
        .load(c)
        .await)?)
}

pub async fn set_digest_at(conn: &mut DbConn, user_id: &str, at: NaiveDateTime) -> DbResult<()> {
    run!(conn, |c| diesel::update(mail_settings::table.find(user_id))
        .set(mail_settings::digest_at.eq(Some(at)))
        .execute(c)
        .await)?;
    Ok(())
}

/// Public events still to come and open opportunities, new since `since`, of the spaces
/// `account_id` follows and of this instance's own space: what a weekly digest lists.
pub async fn digest_contents(
    conn: &mut DbConn,
    account_id: &str,
    since: NaiveDateTime,
    at: NaiveDateTime,
    limit: i64,
) -> DbResult<(Vec<Event>, Vec<Opportunity>)> {
    let followed: Vec<String> = run!(conn, |c| follows::table
        .filter(follows::account_id.eq(account_id))
        .filter(follows::accepted.eq(true))
        .select(follows::target_account_id)
        .load(c)
        .await)?;
    let space_ids: Vec<String> = run!(conn, |c| spaces::table
        .filter(
            spaces::is_local
                .eq(true)
                .or(spaces::account_id.eq_any(&followed))
        )
        .select(spaces::id)
        .load(c)
        .await)?;
    let found_events: Vec<Event> = run!(conn, |c| events::table
        .filter(events::space_id.eq_any(&space_ids))
        .filter(events::created_at.ge(since))
        .filter(events::ends_at.gt(at))
        .filter(events::deleted_at.is_null())
        .filter(events::visibility.eq("public"))
        .order((events::starts_at.asc(), events::id.asc()))
        .limit(limit)
        .select(Event::as_select())
        .load(c)
        .await)?;
    let found_opportunities: Vec<Opportunity> = run!(conn, |c| opportunities::table
        .filter(opportunities::space_id.eq_any(&space_ids))
        .filter(opportunities::created_at.ge(since))
        .filter(opportunities::deleted_at.is_null())
        .filter(opportunities::status.eq("open"))
        .filter(opportunities::visibility.eq("public"))
        .order((opportunities::created_at.desc(), opportunities::id.asc()))
        .limit(limit)
        .select(Opportunity::as_select())
        .load(c)
        .await)?;
    Ok((found_events, found_opportunities))
}
