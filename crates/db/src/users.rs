//! Local people who can sign in, with their role.

use crate::accounts::Account;
use crate::schema::{accounts, users};
use crate::{run, DbConn, DbResult, OptionalExt};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

#[derive(Debug, Clone, Queryable, Selectable, Identifiable, Insertable)]
#[diesel(table_name = users)]
pub struct User {
    pub id: String,
    pub account_id: String,
    pub email: String,
    pub password_hash: String,
    pub role: String,
    pub approved: bool,
    pub disabled: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub reason: Option<String>,
    pub locale: Option<String>,
    pub default_privacy: String,
    pub default_sensitive: bool,
    pub default_language: Option<String>,
}

/// Changes to a user's posting defaults; `None` keeps a value.
#[derive(Debug, Clone, Default, AsChangeset)]
#[diesel(table_name = users)]
pub struct UserPreferenceChanges {
    pub default_privacy: Option<String>,
    pub default_sensitive: Option<bool>,
    pub default_language: Option<Option<String>>,
    pub hide_collections: Option<bool>,
}

pub async fn update_user_preferences(
    conn: &mut DbConn,
    id: &str,
    changes: &UserPreferenceChanges,
) -> DbResult<()> {
    if changes.default_privacy.is_none()
        && changes.default_sensitive.is_none()
        && changes.default_language.is_none()
        && changes.hide_collections.is_none()
    {
        return Ok(());
    }
    run!(conn, |c| diesel::update(users::table.find(id))
        .set(changes)
        .execute(c)
        .await)?;
    Ok(())
}

pub async fn insert_user(conn: &mut DbConn, user: &User) -> DbResult<User> {
    let user = run!(conn, |c| diesel::insert_into(users::table)
        .values(user)
        .returning(User::as_returning())
        .get_result(c)
        .await)?;
    Ok(user)
}

pub async fn find_user_by_id(conn: &mut DbConn, id: &str) -> DbResult<Option<User>> {
    run!(conn, |c| users::table
        .find(id)
        .select(User::as_select())
        .first(c)
        .await)
    .opt()
}

pub async fn find_user_by_email(conn: &mut DbConn, email: &str) -> DbResult<Option<User>> {
    run!(conn, |c| users::table
        .filter(users::email.eq(email))
        .select(User::as_select())
        .first(c)
        .await)
    .opt()
}

/// A user and their account by username.
pub async fn find_user_by_username(
    conn: &mut DbConn,
    username: &str,
) -> DbResult<Option<(User, Account)>> {
    run!(conn, |c| users::table
        .inner_join(accounts::table)
        .filter(accounts::domain.is_null())
        .filter(accounts::username.eq(username))
        .select((User::as_select(), Account::as_select()))
        .first(c)
        .await)
    .opt()
}

/// Every user with their account, by creation order.
pub async fn list_users(conn: &mut DbConn) -> DbResult<Vec<(User, Account)>> {
    let rows = run!(conn, |c| users::table
        .inner_join(accounts::table)
        .select((User::as_select(), Account::as_select()))
        .order(users::id.asc())
        .load(c)
        .await)?;
    Ok(rows)
}

/// Accounts of users whose role is one of `roles` (e.g. the space's staff).
pub async fn list_accounts_with_roles(conn: &mut DbConn, roles: &[&str]) -> DbResult<Vec<Account>> {
    let rows = run!(conn, |c| users::table
        .inner_join(accounts::table)
        .filter(users::role.eq_any(roles))
        .filter(users::disabled.eq(false))
        .select(Account::as_select())
        .order(users::id.asc())
        .load(c)
        .await)?;
    Ok(rows)
}

/// Active users: approved and not disabled.
pub async fn count_active_users(conn: &mut DbConn) -> DbResult<i64> {
    let n = run!(conn, |c| users::table
        .filter(users::approved.eq(true))
        .filter(users::disabled.eq(false))
        .count()
        .get_result(c)
        .await)?;
    Ok(n)
}

/// How many members in good standing chose to be listed.
pub async fn count_listed_users(conn: &mut DbConn) -> DbResult<i64> {
    let n = run!(conn, |c| users::table
        .filter(users::approved.eq(true))
        .filter(users::disabled.eq(false))
        .filter(users::directory_opt_in.eq(true))
        .count()
        .get_result(c)
        .await)?;
    Ok(n)
}

/// Role, approval and suspension of a user; `None` keeps a value.
#[derive(Debug, Clone, Default, AsChangeset)]
#[diesel(table_name = users)]
pub struct UserStateChanges {
    pub role: Option<String>,
    pub approved: Option<bool>,
    pub disabled: Option<bool>,
    pub updated_at: Option<NaiveDateTime>,
}

pub async fn update_user_state(
    conn: &mut DbConn,
    id: &str,
    changes: &UserStateChanges,
) -> DbResult<User> {
    let mut changes = changes.clone();
    changes.updated_at = Some(crate::now());
    Ok(run!(conn, |c| diesel::update(users::table.find(id))
        .set(&changes)
        .returning(User::as_returning())
        .get_result(c)
        .await)?)
}

pub async fn find_user_by_account_id(
    conn: &mut DbConn,
    account_id: &str,
) -> DbResult<Option<(User, Account)>> {
    run!(conn, |c| users::table
        .inner_join(accounts::table)
        .filter(users::account_id.eq(account_id))
        .select((User::as_select(), Account::as_select()))
        .first(c)
        .await)
    .opt()
}

pub async fn delete_user(conn: &mut DbConn, id: &str) -> DbResult<()> {
    run!(conn, |c| diesel::delete(users::table.find(id))
        .execute(c)
        .await)?;
    Ok(())
}

/// One page of the accounts of active users, oldest first.
/// Members in good standing who chose to be listed in the directory (and the space's
/// `members` collection), oldest first.
pub async fn list_listed_accounts(
    conn: &mut DbConn,
    offset: i64,
    limit: i64,
) -> DbResult<Vec<Account>> {
    Ok(run!(conn, |c| users::table
        .inner_join(accounts::table)
        .filter(users::approved.eq(true))
        .filter(users::disabled.eq(false))
        .filter(users::directory_opt_in.eq(true))
        .order(users::id.asc())
        .offset(offset)
        .limit(limit)
        .select(Account::as_select())
        .load(c)
        .await)?)
}

/// Whether the account's owner hides their followers and follows (Mastodon's
/// `hide_collections`); false for accounts that are not local users.
pub async fn hides_collections(conn: &mut DbConn, account_id: &str) -> DbResult<bool> {
    Ok(run!(conn, |c| users::table
        .filter(users::account_id.eq(account_id))
        .select(users::hide_collections)
        .first::<bool>(c)
        .await
        .optional())?
    .unwrap_or(false))
}

pub async fn set_hide_collections(conn: &mut DbConn, account_id: &str, on: bool) -> DbResult<()> {
    run!(conn, |c| diesel::update(
        users::table.filter(users::account_id.eq(account_id))
    )
    .set(users::hide_collections.eq(on))
    .execute(c)
    .await)?;
    Ok(())
}

/// Which of `account_ids` hide their followers and follows.
pub async fn hiding_collections_among(
    conn: &mut DbConn,
    account_ids: &[String],
) -> DbResult<Vec<String>> {
    Ok(run!(conn, |c| users::table
        .filter(users::account_id.eq_any(account_ids))
        .filter(users::hide_collections.eq(true))
        .select(users::account_id)
        .load(c)
        .await)?)
}

/// How many members in good standing used an app token or a web session since `since`.
pub async fn count_users_seen_since(conn: &mut DbConn, since: NaiveDateTime) -> DbResult<i64> {
    use crate::schema::{oauth_tokens, web_sessions};
    let by_token: Vec<Option<String>> = run!(conn, |c| oauth_tokens::table
        .filter(oauth_tokens::last_used_at.ge(since))
        .select(oauth_tokens::user_id)
        .distinct()
        .load(c)
        .await)?;
    let by_session: Vec<String> = run!(conn, |c| web_sessions::table
        .filter(web_sessions::last_seen_at.ge(since))
        .select(web_sessions::user_id)
        .distinct()
        .load(c)
        .await)?;
    let seen: std::collections::BTreeSet<String> =
        by_token.into_iter().flatten().chain(by_session).collect();
    let seen: Vec<String> = seen.into_iter().collect();
    let n = run!(conn, |c| users::table
        .filter(users::id.eq_any(&seen))
        .filter(users::approved.eq(true))
        .filter(users::disabled.eq(false))
        .count()
        .get_result(c)
        .await)?;
    Ok(n)
}

pub async fn set_email(
    conn: &mut DbConn,
    id: &str,
    email: &str,
    at: NaiveDateTime,
) -> DbResult<()> {
    run!(conn, |c| diesel::update(users::table.find(id))
        .set((users::email.eq(email), users::updated_at.eq(at)))
        .execute(c)
        .await)?;
    Ok(())
}
