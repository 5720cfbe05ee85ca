//! Actors: local members, the local space and instance actor, and remote actors.

use crate::schema::accounts;
use crate::{now, run, DbConn, DbResult, OptionalExt};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = accounts)]
pub struct Account {
    pub id: String,
    pub username: String,
    pub domain: Option<String>,
    pub actor_type: String,
    pub display_name: String,
    pub note: String,
    pub uri: String,
    pub url: Option<String>,
    pub inbox_url: String,
    pub shared_inbox_url: Option<String>,
    pub outbox_url: Option<String>,
    pub followers_url: Option<String>,
    pub following_url: Option<String>,
    pub public_key_pem: String,
    pub private_key_pem: Option<String>,
    pub locked: bool,
    pub discoverable: bool,
    /// JSON array of `{"name","value"}` profile fields.
    pub fields: String,
    /// JSON array of skill tags.
    pub skills: String,
    pub home_space_uri: Option<String>,
    pub avatar_url: Option<String>,
    pub header_url: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub fetched_at: Option<NaiveDateTime>,
    pub suspended_at: Option<NaiveDateTime>,
    pub deleted_at: Option<NaiveDateTime>,
    pub bot: bool,
    pub silenced_at: Option<NaiveDateTime>,
}

impl Account {
    /// The name people see: the display name, or the username when there is none.
    pub fn shown_name(&self) -> &str {
        if self.display_name.trim().is_empty() {
            &self.username
        } else {
            &self.display_name
        }
    }

    pub fn is_local(&self) -> bool {
        self.domain.is_none()
    }
}

#[derive(Debug, Clone, Insertable, AsChangeset)]
#[diesel(table_name = accounts)]
pub struct NewAccount {
    pub id: String,
    pub username: String,
    pub domain: Option<String>,
    pub actor_type: String,
    pub display_name: String,
    pub note: String,
    pub uri: String,
    pub url: Option<String>,
    pub inbox_url: String,
    pub shared_inbox_url: Option<String>,
    pub outbox_url: Option<String>,
    pub followers_url: Option<String>,
    pub following_url: Option<String>,
    pub public_key_pem: String,
    pub private_key_pem: Option<String>,
    pub locked: bool,
    pub discoverable: bool,
    pub fields: String,
    pub skills: String,
    pub home_space_uri: Option<String>,
    pub avatar_url: Option<String>,
    pub header_url: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub fetched_at: Option<NaiveDateTime>,
    pub bot: bool,
}

/// Profile changes of a local account; `None` leaves a column as it is.
#[derive(Debug, Clone, Default, AsChangeset)]
#[diesel(table_name = accounts)]
pub struct AccountProfileChanges {
    pub display_name: Option<String>,
    pub note: Option<String>,
    pub fields: Option<String>,
    pub locked: Option<bool>,
    pub discoverable: Option<bool>,
    pub bot: Option<bool>,
    pub avatar_url: Option<Option<String>>,
    pub header_url: Option<Option<String>>,
    pub skills: Option<String>,
    pub updated_at: Option<NaiveDateTime>,
}

pub async fn insert_account(conn: &mut DbConn, new: &NewAccount) -> DbResult<Account> {
    let account = run!(conn, |c| diesel::insert_into(accounts::table)
        .values(new)
        .returning(Account::as_returning())
        .get_result(c)
        .await)?;
    Ok(account)
}

/// Inserts a remote actor or refreshes the stored copy with the same `uri`.
pub async fn upsert_remote_account(conn: &mut DbConn, new: &NewAccount) -> DbResult<Account> {
    let account = run!(conn, |c| diesel::insert_into(accounts::table)
        .values(new)
        .on_conflict(accounts::uri)
        .do_update()
        .set((
            accounts::username.eq(&new.username),
            accounts::domain.eq(&new.domain),
            accounts::actor_type.eq(&new.actor_type),
            accounts::display_name.eq(&new.display_name),
            accounts::note.eq(&new.note),
            accounts::url.eq(&new.url),
            accounts::inbox_url.eq(&new.inbox_url),
            accounts::shared_inbox_url.eq(&new.shared_inbox_url),
            accounts::outbox_url.eq(&new.outbox_url),
            accounts::followers_url.eq(&new.followers_url),
            accounts::following_url.eq(&new.following_url),
            accounts::public_key_pem.eq(&new.public_key_pem),
            accounts::locked.eq(new.locked),
            accounts::discoverable.eq(new.discoverable),
            accounts::fields.eq(&new.fields),
            accounts::skills.eq(&new.skills),
            accounts::home_space_uri.eq(&new.home_space_uri),
            accounts::avatar_url.eq(&new.avatar_url),
            accounts::header_url.eq(&new.header_url),
            accounts::updated_at.eq(new.updated_at),
            accounts::fetched_at.eq(new.fetched_at),
            accounts::bot.eq(new.bot),
        ))
        .returning(Account::as_returning())
        .get_result(c)
        .await)?;
    Ok(account)
}

pub async fn find_account_by_id(conn: &mut DbConn, id: &str) -> DbResult<Option<Account>> {
    run!(conn, |c| accounts::table
        .find(id)
        .select(Account::as_select())
        .first(c)
        .await)
    .opt()
}

pub async fn get_account_by_id(conn: &mut DbConn, id: &str) -> DbResult<Account> {
    find_account_by_id(conn, id)
        .await?
        .ok_or(crate::DbError::NotFound)
}

pub async fn find_account_by_uri(conn: &mut DbConn, uri: &str) -> DbResult<Option<Account>> {
    run!(conn, |c| accounts::table
        .filter(accounts::uri.eq(uri))
        .select(Account::as_select())
        .first(c)
        .await)
    .opt()
}

/// A local account by username (members, the space handle and the instance actor alike).
pub async fn find_local_account_by_username(
    conn: &mut DbConn,
    username: &str,
) -> DbResult<Option<Account>> {
    run!(conn, |c| accounts::table
        .filter(accounts::domain.is_null())
        .filter(accounts::username.eq(username))
        .select(Account::as_select())
        .first(c)
        .await)
    .opt()
}

/// A remote account by `username@domain`; the domain comparison ignores case.
pub async fn find_remote_account_by_acct(
    conn: &mut DbConn,
    username: &str,
    domain: &str,
) -> DbResult<Option<Account>> {
    let domain = domain.to_lowercase();
    run!(conn, |c| accounts::table
        .filter(accounts::domain.eq(&domain))
        .filter(accounts::username.eq(username))
        .select(Account::as_select())
        .order(accounts::updated_at.desc())
        .first(c)
        .await)
    .opt()
}

pub async fn update_account_profile(
    conn: &mut DbConn,
    id: &str,
    changes: &AccountProfileChanges,
) -> DbResult<Account> {
    let mut changes = changes.clone();
    changes.updated_at = Some(now());
    let account = run!(conn, |c| diesel::update(accounts::table.find(id))
        .set(&changes)
        .returning(Account::as_returning())
        .get_result(c)
        .await)?;
    Ok(account)
}

pub async fn list_accounts_by_ids(conn: &mut DbConn, ids: &[String]) -> DbResult<Vec<Account>> {
    if ids.is_empty() {
        return Ok(vec![]);
    }
    Ok(run!(conn, |c| accounts::table
        .filter(accounts::id.eq_any(ids))
        .select(Account::as_select())
        .load(c)
        .await)?)
}

/// Accounts whose username or display name starts with `prefix` (case-insensitive for ASCII),
/// local ones first.
pub async fn search_accounts(
    conn: &mut DbConn,
    prefix: &str,
    limit: i64,
) -> DbResult<Vec<Account>> {
    let pattern = format!(
        "{}%",
        prefix
            .to_lowercase()
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_")
    );
    Ok(run!(conn, |c| accounts::table
        .filter(accounts::suspended_at.is_null())
        .filter(accounts::actor_type.ne("Application"))
        .filter(
            diesel::dsl::sql::<diesel::sql_types::Bool>("(lower(username) LIKE ")
                .bind::<diesel::sql_types::Text, _>(&pattern)
                .sql(" ESCAPE '\\' OR lower(display_name) LIKE ")
                .bind::<diesel::sql_types::Text, _>(&pattern)
                .sql(" ESCAPE '\\')")
        )
        .order((accounts::domain.is_not_null(), accounts::username.asc()))
        .limit(limit)
        .select(Account::as_select())
        .load(c)
        .await)?)
}

pub async fn set_suspended(conn: &mut DbConn, id: &str, at: Option<NaiveDateTime>) -> DbResult<()> {
    run!(conn, |c| diesel::update(accounts::table.find(id))
        .set(accounts::suspended_at.eq(at))
        .execute(c)
        .await)?;
    Ok(())
}

pub async fn set_silenced(conn: &mut DbConn, id: &str, at: Option<NaiveDateTime>) -> DbResult<()> {
    run!(conn, |c| diesel::update(accounts::table.find(id))
        .set(accounts::silenced_at.eq(at))
        .execute(c)
        .await)?;
    Ok(())
}

/// An account by its profile URL (some servers mention by `url`, not by id).
pub async fn find_account_by_url(conn: &mut DbConn, url: &str) -> DbResult<Option<Account>> {
    run!(conn, |c| accounts::table
        .filter(accounts::url.eq(url))
        .select(Account::as_select())
        .first(c)
        .await)
    .opt()
}

/// Tombstones a local or remote account: hidden everywhere, its profile emptied, its row kept so
/// that its id answers 410 and its name is never given to someone else.
pub async fn mark_deleted(conn: &mut DbConn, id: &str, at: NaiveDateTime) -> DbResult<()> {
    run!(conn, |c| diesel::update(accounts::table.find(id))
        .set((
            accounts::deleted_at.eq(Some(at)),
            accounts::suspended_at.eq(Some(at)),
            accounts::display_name.eq(""),
            accounts::note.eq(""),
            accounts::fields.eq("[]"),
            accounts::skills.eq("[]"),
            accounts::avatar_url.eq(None::<String>),
            accounts::header_url.eq(None::<String>),
            accounts::updated_at.eq(at),
        ))
        .execute(c)
        .await)?;
    Ok(())
}

/// The domains of the remote accounts we know.
/// Known remote accounts per domain.
pub async fn count_remote_by_domain(conn: &mut DbConn) -> DbResult<Vec<(Option<String>, i64)>> {
    Ok(run!(conn, |c| accounts::table
        .filter(accounts::domain.is_not_null())
        .group_by(accounts::domain)
        .select((accounts::domain, diesel::dsl::count_star()))
        .load(c)
        .await)?)
}

pub async fn list_remote_domains(conn: &mut DbConn) -> DbResult<Vec<String>> {
    let rows: Vec<Option<String>> = run!(conn, |c| accounts::table
        .filter(accounts::domain.is_not_null())
        .select(accounts::domain)
        .distinct()
        .load(c)
        .await)?;
    Ok(rows.into_iter().flatten().collect())
}

/// Whether an account shows `url` as its avatar or header.
pub async fn shows_image(conn: &mut DbConn, url: &str) -> DbResult<bool> {
    let n: i64 = run!(conn, |c| accounts::table
        .filter(
            accounts::avatar_url
                .eq(url)
                .or(accounts::header_url.eq(url))
        )
        .count()
        .get_result(c)
        .await)?;
    Ok(n > 0)
}
