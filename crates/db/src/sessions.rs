//! Browser sessions and operator-issued password reset links.

use crate::accounts::Account;
use crate::schema::{accounts, oauth_apps, oauth_tokens, password_resets, users, web_sessions};
use crate::users::User;
use crate::{run, DbConn, DbResult, OptionalExt};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = web_sessions)]
pub struct WebSession {
    pub id: String,
    pub token_hash: String,
    pub user_id: String,
    pub csrf_token: String,
    pub user_agent: String,
    pub created_at: NaiveDateTime,
    pub last_seen_at: NaiveDateTime,
}

pub async fn insert_session(conn: &mut DbConn, s: &WebSession) -> DbResult<()> {
    run!(conn, |c| diesel::insert_into(web_sessions::table)
        .values(s)
        .execute(c)
        .await)?;
    Ok(())
}

/// A session by its token hash, with its user and account.
pub async fn find_session(
    conn: &mut DbConn,
    token_hash: &str,
) -> DbResult<Option<(WebSession, User, Account)>> {
    run!(conn, |c| web_sessions::table
        .inner_join(users::table.inner_join(accounts::table))
        .filter(web_sessions::token_hash.eq(token_hash))
        .select((
            WebSession::as_select(),
            User::as_select(),
            Account::as_select()
        ))
        .first(c)
        .await)
    .opt()
}

pub async fn touch_session(conn: &mut DbConn, id: &str, at: NaiveDateTime) -> DbResult<()> {
    run!(conn, |c| diesel::update(web_sessions::table.find(id))
        .set(web_sessions::last_seen_at.eq(at))
        .execute(c)
        .await)?;
    Ok(())
}

pub async fn list_sessions(conn: &mut DbConn, user_id: &str) -> DbResult<Vec<WebSession>> {
    Ok(run!(conn, |c| web_sessions::table
        .filter(web_sessions::user_id.eq(user_id))
        .order(web_sessions::last_seen_at.desc())
        .select(WebSession::as_select())
        .load(c)
        .await)?)
}

/// Deletes one of a user's sessions; false when there was none.
pub async fn delete_session(conn: &mut DbConn, user_id: &str, id: &str) -> DbResult<bool> {
    let n = run!(conn, |c| diesel::delete(
        web_sessions::table
            .filter(web_sessions::id.eq(id))
            .filter(web_sessions::user_id.eq(user_id))
    )
    .execute(c)
    .await)?;
    Ok(n == 1)
}

pub async fn delete_user_sessions(conn: &mut DbConn, user_id: &str) -> DbResult<()> {
    run!(conn, |c| diesel::delete(
        web_sessions::table.filter(web_sessions::user_id.eq(user_id))
    )
    .execute(c)
    .await)?;
    Ok(())
}

pub async fn delete_sessions_seen_before(
    conn: &mut DbConn,
    before: NaiveDateTime,
) -> DbResult<usize> {
    Ok(run!(conn, |c| diesel::delete(
        web_sessions::table.filter(web_sessions::last_seen_at.lt(before))
    )
    .execute(c)
    .await)?)
}

/// An app a user has live tokens for: (app id, name, website, scopes granted, last used).
pub type AuthorizedApp = (
    String,
    String,
    Option<String>,
    String,
    Option<NaiveDateTime>,
);

pub async fn list_authorized_apps(
    conn: &mut DbConn,
    user_id: &str,
) -> DbResult<Vec<AuthorizedApp>> {
    Ok(run!(conn, |c| oauth_tokens::table
        .inner_join(oauth_apps::table.on(oauth_apps::id.nullable().eq(oauth_tokens::app_id)))
        .filter(oauth_tokens::user_id.eq(user_id))
        .filter(oauth_tokens::revoked_at.is_null())
        .order(oauth_tokens::created_at.desc())
        .select((
            oauth_apps::id,
            oauth_apps::name,
            oauth_apps::website,
            oauth_tokens::scopes,
            oauth_tokens::last_used_at
        ))
        .load(c)
        .await)?)
}

/// Revokes every live token a user gave an app; the number revoked.
pub async fn revoke_app_tokens(
    conn: &mut DbConn,
    user_id: &str,
    app_id: &str,
    at: NaiveDateTime,
) -> DbResult<usize> {
    Ok(run!(conn, |c| diesel::update(
        oauth_tokens::table
            .filter(oauth_tokens::user_id.eq(user_id))
            .filter(oauth_tokens::app_id.eq(app_id))
            .filter(oauth_tokens::revoked_at.is_null())
    )
    .set(oauth_tokens::revoked_at.eq(Some(at)))
    .execute(c)
    .await)?)
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = password_resets)]
pub struct PasswordReset {
    pub id: String,
    pub token_hash: String,
    pub user_id: String,
    pub created_by: Option<String>,
    pub expires_at: NaiveDateTime,
    pub used_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
}

pub async fn insert_reset(conn: &mut DbConn, r: &PasswordReset) -> DbResult<()> {
    run!(conn, |c| diesel::insert_into(password_resets::table)
        .values(r)
        .execute(c)
        .await)?;
    Ok(())
}

/// A reset link that is unused and unexpired at `now`.
pub async fn find_live_reset(
    conn: &mut DbConn,
    token_hash: &str,
    now: NaiveDateTime,
) -> DbResult<Option<PasswordReset>> {
    run!(conn, |c| password_resets::table
        .filter(password_resets::token_hash.eq(token_hash))
        .filter(password_resets::used_at.is_null())
        .filter(password_resets::expires_at.gt(now))
        .select(PasswordReset::as_select())
        .first(c)
        .await)
    .opt()
}

/// Marks a reset link used; false when it already was (two tabs racing).
pub async fn use_reset(conn: &mut DbConn, id: &str, at: NaiveDateTime) -> DbResult<bool> {
    let n = run!(conn, |c| diesel::update(
        password_resets::table
            .filter(password_resets::id.eq(id))
            .filter(password_resets::used_at.is_null())
    )
    .set(password_resets::used_at.eq(Some(at)))
    .execute(c)
    .await)?;
    Ok(n == 1)
}

/// Removes reset links that expired before `at`, used or not.
pub async fn delete_resets_expired_before(conn: &mut DbConn, at: NaiveDateTime) -> DbResult<usize> {
    Ok(run!(conn, |c| diesel::delete(
        password_resets::table.filter(password_resets::expires_at.lt(at))
    )
    .execute(c)
    .await)?)
}

pub async fn set_password(
    conn: &mut DbConn,
    user_id: &str,
    hash: &str,
    at: NaiveDateTime,
) -> DbResult<()> {
    run!(conn, |c| diesel::update(users::table.find(user_id))
        .set((users::password_hash.eq(hash), users::updated_at.eq(at)))
        .execute(c)
        .await)?;
    Ok(())
}
