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
