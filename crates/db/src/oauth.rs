//! OAuth 2 applications, authorization codes and tokens (secrets stored as SHA-256).

use crate::accounts::Account;
use crate::schema::{accounts, oauth_apps, oauth_codes, oauth_tokens, users};
use crate::users::User;
use crate::{run, DbConn, DbResult, OptionalExt};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = oauth_apps)]
pub struct OauthApp {
    pub id: String,
    pub name: String,
    pub website: Option<String>,
    /// Newline-separated.
    pub redirect_uris: String,
    /// Space-separated.
    pub scopes: String,
    pub client_id: String,
    pub client_secret_hash: String,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = oauth_codes)]
pub struct OauthCode {
    pub id: String,
    pub code_hash: String,
    pub app_id: String,
    pub user_id: String,
    pub redirect_uri: String,
    pub scopes: String,
    pub code_challenge: Option<String>,
    pub code_challenge_method: Option<String>,
    pub expires_at: NaiveDateTime,
    pub used_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = oauth_tokens)]
pub struct OauthToken {
    pub id: String,
    pub token_hash: String,
    pub refresh_token_hash: Option<String>,
    pub app_id: Option<String>,
    pub user_id: Option<String>,
    pub scopes: String,
    pub created_at: NaiveDateTime,
    pub last_used_at: Option<NaiveDateTime>,
    pub revoked_at: Option<NaiveDateTime>,
}

pub async fn insert_app(conn: &mut DbConn, app: &OauthApp) -> DbResult<()> {
    run!(conn, |c| diesel::insert_into(oauth_apps::table)
        .values(app)
        .execute(c)
        .await)?;
    Ok(())
}

pub async fn find_app_by_client_id(
    conn: &mut DbConn,
    client_id: &str,
) -> DbResult<Option<OauthApp>> {
    run!(conn, |c| oauth_apps::table
        .filter(oauth_apps::client_id.eq(client_id))
        .select(OauthApp::as_select())
        .first(c)
        .await)
    .opt()
}

pub async fn find_app_by_id(conn: &mut DbConn, id: &str) -> DbResult<Option<OauthApp>> {
    run!(conn, |c| oauth_apps::table
        .find(id)
        .select(OauthApp::as_select())
        .first(c)
        .await)
    .opt()
}

pub async fn insert_code(conn: &mut DbConn, code: &OauthCode) -> DbResult<()> {
    run!(conn, |c| diesel::insert_into(oauth_codes::table)
        .values(code)
        .execute(c)
        .await)?;
    Ok(())
}

pub async fn find_code_by_hash(conn: &mut DbConn, hash: &str) -> DbResult<Option<OauthCode>> {
    run!(conn, |c| oauth_codes::table
        .filter(oauth_codes::code_hash.eq(hash))
        .select(OauthCode::as_select())
        .first(c)
        .await)
    .opt()
}

/// Marks a code used; false when it was used already (codes are single-use).
pub async fn use_code(conn: &mut DbConn, id: &str, at: NaiveDateTime) -> DbResult<bool> {
    let n = run!(conn, |c| diesel::update(
        oauth_codes::table
            .filter(oauth_codes::id.eq(id))
            .filter(oauth_codes::used_at.is_null())
    )
    .set(oauth_codes::used_at.eq(Some(at)))
    .execute(c)
    .await)?;
    Ok(n == 1)
}

pub async fn insert_token(conn: &mut DbConn, token: &OauthToken) -> DbResult<()> {
    run!(conn, |c| diesel::insert_into(oauth_tokens::table)
        .values(token)
        .execute(c)
        .await)?;
    Ok(())
}

/// Records that a token was used at `at`.
pub async fn touch_token(conn: &mut DbConn, id: &str, at: NaiveDateTime) -> DbResult<()> {
    run!(conn, |c| diesel::update(oauth_tokens::table.find(id))
        .set(oauth_tokens::last_used_at.eq(Some(at)))
        .execute(c)
        .await)?;
    Ok(())
}

/// A live (not revoked) token with its user and account, when it has a user.
pub async fn find_live_token(
    conn: &mut DbConn,
    hash: &str,
) -> DbResult<Option<(OauthToken, Option<(User, Account)>)>> {
    let token: Option<OauthToken> = run!(conn, |c| oauth_tokens::table
        .filter(oauth_tokens::token_hash.eq(hash))
        .filter(oauth_tokens::revoked_at.is_null())
        .select(OauthToken::as_select())
        .first(c)
        .await)
    .opt()?;
    let Some(token) = token else { return Ok(None) };
    let owner = match &token.user_id {
        None => None,
        Some(user_id) => run!(conn, |c| users::table
            .inner_join(accounts::table)
            .filter(users::id.eq(user_id))
            .select((User::as_select(), Account::as_select()))
            .first(c)
            .await)
        .opt()?,
    };
    Ok(Some((token, owner)))
}

pub async fn find_token_by_refresh_hash(
    conn: &mut DbConn,
    hash: &str,
) -> DbResult<Option<OauthToken>> {
    run!(conn, |c| oauth_tokens::table
        .filter(oauth_tokens::refresh_token_hash.eq(hash))
        .filter(oauth_tokens::revoked_at.is_null())
        .select(OauthToken::as_select())
        .first(c)
        .await)
    .opt()
}

pub async fn find_token_by_hash(conn: &mut DbConn, hash: &str) -> DbResult<Option<OauthToken>> {
    run!(conn, |c| oauth_tokens::table
        .filter(oauth_tokens::token_hash.eq(hash))
        .select(OauthToken::as_select())
        .first(c)
        .await)
    .opt()
}

pub async fn revoke_token(conn: &mut DbConn, id: &str, at: NaiveDateTime) -> DbResult<()> {
    run!(conn, |c| diesel::update(oauth_tokens::table.find(id))
        .set(oauth_tokens::revoked_at.eq(Some(at)))
        .execute(c)
        .await)?;
    Ok(())
}

/// Revokes every token of a user (password change, suspension).
pub async fn revoke_user_tokens(
    conn: &mut DbConn,
    user_id: &str,
    at: NaiveDateTime,
) -> DbResult<()> {
    run!(conn, |c| diesel::update(
        oauth_tokens::table
            .filter(oauth_tokens::user_id.eq(user_id))
            .filter(oauth_tokens::revoked_at.is_null())
    )
    .set(oauth_tokens::revoked_at.eq(Some(at)))
    .execute(c)
    .await)?;
    Ok(())
}
