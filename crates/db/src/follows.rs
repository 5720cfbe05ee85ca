//! Follow relations (local and remote, both directions).

use crate::accounts::Account;
use crate::schema::{accounts, follows};
use crate::{run, DbConn, DbResult};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

/// How many accepted followers an account has.
pub async fn count_followers(conn: &mut DbConn, account_id: &str) -> DbResult<i64> {
    let n = run!(conn, |c| follows::table
        .filter(follows::target_account_id.eq(account_id))
        .filter(follows::accepted.eq(true))
        .count()
        .get_result(c)
        .await)?;
    Ok(n)
}

/// Accepted followers of each of `ids`, in one query (ids without any are absent).
pub async fn count_followers_of(conn: &mut DbConn, ids: &[String]) -> DbResult<Vec<(String, i64)>> {
    Ok(run!(conn, |c| follows::table
        .filter(follows::target_account_id.eq_any(ids))
        .filter(follows::accepted.eq(true))
        .group_by(follows::target_account_id)
        .select((follows::target_account_id, diesel::dsl::count_star()))
        .load::<(String, i64)>(c)
        .await)?)
}

/// Accepted follows of each of `ids`, in one query (ids without any are absent).
pub async fn count_following_of(conn: &mut DbConn, ids: &[String]) -> DbResult<Vec<(String, i64)>> {
    Ok(run!(conn, |c| follows::table
        .filter(follows::account_id.eq_any(ids))
        .filter(follows::accepted.eq(true))
        .group_by(follows::account_id)
        .select((follows::account_id, diesel::dsl::count_star()))
        .load::<(String, i64)>(c)
        .await)?)
}

/// How many accounts an account follows (accepted).
pub async fn count_following(conn: &mut DbConn, account_id: &str) -> DbResult<i64> {
    let n = run!(conn, |c| follows::table
        .filter(follows::account_id.eq(account_id))
        .filter(follows::accepted.eq(true))
        .count()
        .get_result(c)
        .await)?;
    Ok(n)
}

/// One page of accepted followers, newest follow first.
pub async fn list_followers(
    conn: &mut DbConn,
    account_id: &str,
    offset: i64,
    limit: i64,
) -> DbResult<Vec<Account>> {
    let rows = run!(conn, |c| follows::table
        .inner_join(accounts::table.on(accounts::id.eq(follows::account_id)))
        .filter(follows::target_account_id.eq(account_id))
        .filter(follows::accepted.eq(true))
        .order(follows::id.desc())
        .offset(offset)
        .limit(limit)
        .select(Account::as_select())
        .load(c)
        .await)?;
    Ok(rows)
}

/// Which side of a follow a list is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// Those who follow the account.
    Followers,
    /// Those the account follows.
    Following,
}

/// A Mastodon page of accepted followers or followees, newest follow first, each with the
/// follow's id (what `max_id`, `since_id` and `min_id` name).
pub async fn page_of(
    conn: &mut DbConn,
    account_id: &str,
    side: Side,
    page: &crate::statuses::Page,
) -> DbResult<Vec<(String, Account)>> {
    let rows = match side {
        Side::Followers => crate::page_by_id!(
            conn,
            follows,
            follows::accepted
                .eq(true)
                .and(follows::target_account_id.eq(account_id)),
            follows::account_id,
            page
        )?,
        Side::Following => crate::page_by_id!(
            conn,
            follows,
            follows::accepted
                .eq(true)
                .and(follows::account_id.eq(account_id)),
            follows::target_account_id,
            page
        )?,
    };
    crate::with_accounts(conn, rows).await
}

/// One page of accepted followees, newest follow first.
pub async fn list_following(
    conn: &mut DbConn,
    account_id: &str,
    offset: i64,
    limit: i64,
) -> DbResult<Vec<Account>> {
    let rows = run!(conn, |c| follows::table
        .inner_join(accounts::table.on(accounts::id.eq(follows::target_account_id)))
        .filter(follows::account_id.eq(account_id))
        .filter(follows::accepted.eq(true))
        .order(follows::id.desc())
        .offset(offset)
        .limit(limit)
        .select(Account::as_select())
        .load(c)
        .await)?;
    Ok(rows)
}

use crate::OptionalExt;
use chrono::NaiveDateTime;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = follows)]
pub struct Follow {
    pub id: String,
    pub account_id: String,
    pub target_account_id: String,
    pub uri: Option<String>,
    pub accepted: bool,
    pub show_reblogs: bool,
    pub notify: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

pub async fn find_follow(
    conn: &mut DbConn,
    account_id: &str,
    target: &str,
) -> DbResult<Option<Follow>> {
    run!(conn, |c| follows::table
        .filter(follows::account_id.eq(account_id))
        .filter(follows::target_account_id.eq(target))
        .select(Follow::as_select())
        .first(c)
        .await)
    .opt()
}

/// Inserts a follow, or updates its options when it exists; returns the stored row.
pub async fn upsert_follow(conn: &mut DbConn, follow: &Follow) -> DbResult<Follow> {
    Ok(run!(conn, |c| diesel::insert_into(follows::table)
        .values(follow)
        .on_conflict((follows::account_id, follows::target_account_id))
        .do_update()
        .set((
            follows::show_reblogs.eq(follow.show_reblogs),
            follows::notify.eq(follow.notify),
            follows::updated_at.eq(follow.updated_at),
        ))
        .returning(Follow::as_returning())
        .get_result(c)
        .await)?)
}

pub async fn delete_follow(conn: &mut DbConn, account_id: &str, target: &str) -> DbResult<bool> {
    let n = run!(conn, |c| diesel::delete(
        follows::table
            .filter(follows::account_id.eq(account_id))
            .filter(follows::target_account_id.eq(target))
    )
    .execute(c)
    .await)?;
    Ok(n == 1)
}

pub async fn accept_follow(
    conn: &mut DbConn,
    account_id: &str,
    target: &str,
    at: NaiveDateTime,
) -> DbResult<bool> {
    let n = run!(conn, |c| diesel::update(
        follows::table
            .filter(follows::account_id.eq(account_id))
            .filter(follows::target_account_id.eq(target))
    )
    .set((follows::accepted.eq(true), follows::updated_at.eq(at)))
    .execute(c)
    .await)?;
    Ok(n == 1)
}

/// Follows from `account_id` to any of `targets`.
pub async fn list_follows_from(
    conn: &mut DbConn,
    account_id: &str,
    targets: &[String],
) -> DbResult<Vec<Follow>> {
    Ok(run!(conn, |c| follows::table
        .filter(follows::account_id.eq(account_id))
        .filter(follows::target_account_id.eq_any(targets))
        .select(Follow::as_select())
        .load(c)
        .await)?)
}

/// Follows from any of `sources` to `target`.
pub async fn list_follows_to(
    conn: &mut DbConn,
    target: &str,
    sources: &[String],
) -> DbResult<Vec<Follow>> {
    Ok(run!(conn, |c| follows::table
        .filter(follows::target_account_id.eq(target))
        .filter(follows::account_id.eq_any(sources))
        .select(Follow::as_select())
        .load(c)
        .await)?)
}

/// A page of pending follow requests to an account (each with the follow's id).
pub async fn requests_page(
    conn: &mut DbConn,
    target: &str,
    page: &crate::statuses::Page,
) -> DbResult<Vec<(String, Account)>> {
    let rows = crate::page_by_id!(
        conn,
        follows,
        follows::accepted
            .eq(false)
            .and(follows::target_account_id.eq(target)),
        follows::account_id,
        page
    )?;
    crate::with_accounts(conn, rows).await
}

/// Accepted followers who asked to be notified of the account's posts.
pub async fn list_notify_followers(conn: &mut DbConn, account_id: &str) -> DbResult<Vec<String>> {
    Ok(run!(conn, |c| follows::table
        .filter(follows::target_account_id.eq(account_id))
        .filter(follows::accepted.eq(true))
        .filter(follows::notify.eq(true))
        .select(follows::account_id)
        .load(c)
        .await)?)
}

pub async fn find_follow_by_id(conn: &mut DbConn, id: &str) -> DbResult<Option<Follow>> {
    run!(conn, |c| follows::table
        .find(id)
        .select(Follow::as_select())
        .first(c)
        .await)
    .opt()
}

/// Accepted followers on other instances: their shared inboxes (or inboxes), once each.
pub async fn list_remote_follower_inboxes(
    conn: &mut DbConn,
    account_id: &str,
) -> DbResult<Vec<String>> {
    let rows: Vec<(String, Option<String>)> = run!(conn, |c| follows::table
        .inner_join(accounts::table.on(accounts::id.eq(follows::account_id)))
        .filter(follows::target_account_id.eq(account_id))
        .filter(follows::accepted.eq(true))
        .filter(accounts::domain.is_not_null())
        .select((accounts::inbox_url, accounts::shared_inbox_url))
        .load(c)
        .await)?;
    let mut out: Vec<String> = rows
        .into_iter()
        .map(|(inbox, shared)| shared.unwrap_or(inbox))
        .collect();
    out.sort();
    out.dedup();
    Ok(out)
}

pub async fn set_follow_uri(conn: &mut DbConn, id: &str, uri: &str) -> DbResult<()> {
    run!(conn, |c| diesel::update(follows::table.find(id))
        .set(follows::uri.eq(uri))
        .execute(c)
        .await)?;
    Ok(())
}

/// Ends every follow (either way, requests too) with accounts of these domains.
pub async fn delete_with_domains(conn: &mut DbConn, domains: &[String]) -> DbResult<usize> {
    if domains.is_empty() {
        return Ok(0);
    }
    let ids: Vec<String> = run!(conn, |c| accounts::table
        .filter(accounts::domain.eq_any(domains))
        .select(accounts::id)
        .load(c)
        .await)?;
    if ids.is_empty() {
        return Ok(0);
    }
    Ok(run!(conn, |c| diesel::delete(
        follows::table.filter(
            follows::account_id
                .eq_any(&ids)
                .or(follows::target_account_id.eq_any(&ids))
        )
    )
    .execute(c)
    .await)?)
}

/// The remote accounts an account follows or is followed by (requests too): everyone who should
/// hear that it is gone.
pub async fn list_remote_contacts(conn: &mut DbConn, account_id: &str) -> DbResult<Vec<String>> {
    let mut followers: Vec<String> = run!(conn, |c| follows::table
        .inner_join(accounts::table.on(accounts::id.eq(follows::account_id)))
        .filter(follows::target_account_id.eq(account_id))
        .filter(accounts::domain.is_not_null())
        .select(accounts::id)
        .load(c)
        .await)?;
    let followed: Vec<String> = run!(conn, |c| follows::table
        .inner_join(accounts::table.on(accounts::id.eq(follows::target_account_id)))
        .filter(follows::account_id.eq(account_id))
        .filter(accounts::domain.is_not_null())
        .select(accounts::id)
        .load(c)
        .await)?;
    followers.extend(followed);
    followers.sort();
    followers.dedup();
    Ok(followers)
}

/// Ends every follow of an account, both ways.
pub async fn delete_all_of(conn: &mut DbConn, account_id: &str) -> DbResult<usize> {
    Ok(run!(conn, |c| diesel::delete(
        follows::table.filter(
            follows::account_id
                .eq(account_id)
                .or(follows::target_account_id.eq(account_id))
        )
    )
    .execute(c)
    .await)?)
}

pub async fn find_follow_by_uri(conn: &mut DbConn, uri: &str) -> DbResult<Option<Follow>> {
    Ok(run!(conn, |c| follows::table
        .filter(follows::uri.eq(uri))
        .select(Follow::as_select())
        .first(c)
        .await
        .optional())?)
}
