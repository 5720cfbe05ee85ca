//! Blocks and mutes.

use crate::accounts::Account;
use crate::schema::{blocks, mutes};
use crate::{run, DbConn, DbResult};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

/// Records a block (`uri`: the Block activity's id when it came from another server); returns
/// the new block's id, or None when it existed already.
pub async fn insert_block(
    conn: &mut DbConn,
    account_id: &str,
    target: &str,
    uri: Option<&str>,
    at: NaiveDateTime,
) -> DbResult<Option<String>> {
    let id = interspace_core::ids::new_id();
    let n = run!(conn, |c| diesel::insert_into(blocks::table)
        .values((
            blocks::id.eq(&id),
            blocks::account_id.eq(account_id),
            blocks::target_account_id.eq(target),
            blocks::uri.eq(uri),
            blocks::created_at.eq(at),
        ))
        .on_conflict_do_nothing()
        .execute(c)
        .await)?;
    Ok((n == 1).then_some(id))
}

/// Removes a block; returns the id it had, if there was one.
pub async fn delete_block(
    conn: &mut DbConn,
    account_id: &str,
    target: &str,
) -> DbResult<Option<String>> {
    let id: Option<String> = run!(conn, |c| blocks::table
        .filter(blocks::account_id.eq(account_id))
        .filter(blocks::target_account_id.eq(target))
        .select(blocks::id)
        .first(c)
        .await
        .optional())?;
    if let Some(id) = &id {
        run!(conn, |c| diesel::delete(blocks::table.find(id))
            .execute(c)
            .await)?;
    }
    Ok(id)
}

pub async fn upsert_mute(
    conn: &mut DbConn,
    account_id: &str,
    target: &str,
    hide_notifications: bool,
    at: NaiveDateTime,
) -> DbResult<()> {
    let id = interspace_core::ids::new_id();
    run!(conn, |c| diesel::insert_into(mutes::table)
        .values((
            mutes::id.eq(&id),
            mutes::account_id.eq(account_id),
            mutes::target_account_id.eq(target),
            mutes::hide_notifications.eq(hide_notifications),
            mutes::created_at.eq(at),
        ))
        .on_conflict((mutes::account_id, mutes::target_account_id))
        .do_update()
        .set(mutes::hide_notifications.eq(hide_notifications))
        .execute(c)
        .await)?;
    Ok(())
}

pub async fn delete_mute(conn: &mut DbConn, account_id: &str, target: &str) -> DbResult<bool> {
    let n = run!(conn, |c| diesel::delete(
        mutes::table
            .filter(mutes::account_id.eq(account_id))
            .filter(mutes::target_account_id.eq(target))
    )
    .execute(c)
    .await)?;
    Ok(n == 1)
}

/// (blocking, blocked_by, muting, muting_notifications) of `viewer` towards each of `ids`.
pub async fn relations(
    conn: &mut DbConn,
    viewer: &str,
    ids: &[String],
) -> DbResult<Vec<(String, bool, bool, bool, bool)>> {
    let out_blocks: Vec<String> = run!(conn, |c| blocks::table
        .filter(blocks::account_id.eq(viewer))
        .filter(blocks::target_account_id.eq_any(ids))
        .select(blocks::target_account_id)
        .load(c)
        .await)?;
    let in_blocks: Vec<String> = run!(conn, |c| blocks::table
        .filter(blocks::target_account_id.eq(viewer))
        .filter(blocks::account_id.eq_any(ids))
        .select(blocks::account_id)
        .load(c)
        .await)?;
    let out_mutes: Vec<(String, bool)> = run!(conn, |c| mutes::table
        .filter(mutes::account_id.eq(viewer))
        .filter(mutes::target_account_id.eq_any(ids))
        .select((mutes::target_account_id, mutes::hide_notifications))
        .load(c)
        .await)?;
    Ok(ids
        .iter()
        .map(|id| {
            let mute = out_mutes.iter().find(|(t, _)| t == id);
            (
                id.clone(),
                out_blocks.contains(id),
                in_blocks.contains(id),
                mute.is_some(),
                mute.is_some_and(|(_, n)| *n),
            )
        })
        .collect())
}

/// Whether either account blocks the other.
pub async fn blocked_either_way(conn: &mut DbConn, a: &str, b: &str) -> DbResult<bool> {
    let n: i64 = run!(conn, |c| blocks::table
        .filter(
            blocks::account_id
                .eq(a)
                .and(blocks::target_account_id.eq(b))
                .or(blocks::account_id
                    .eq(b)
                    .and(blocks::target_account_id.eq(a)))
        )
        .count()
        .get_result(c)
        .await)?;
    Ok(n > 0)
}

/// Whether `recipient` mutes notifications from `from`.
pub async fn mutes_notifications(conn: &mut DbConn, recipient: &str, from: &str) -> DbResult<bool> {
    let n: i64 = run!(conn, |c| mutes::table
        .filter(mutes::account_id.eq(recipient))
        .filter(mutes::target_account_id.eq(from))
        .filter(mutes::hide_notifications.eq(true))
        .count()
        .get_result(c)
        .await)?;
    Ok(n > 0)
}

/// A page of the accounts `account_id` blocks (each with the block's id).
pub async fn blocked_page(
    conn: &mut DbConn,
    account_id: &str,
    page: &crate::statuses::Page,
) -> DbResult<Vec<(String, Account)>> {
    let rows = crate::page_by_id!(
        conn,
        blocks,
        blocks::account_id.eq(account_id),
        blocks::target_account_id,
        page
    )?;
    crate::with_accounts(conn, rows).await
}

/// A page of the accounts `account_id` mutes (each with the mute's id).
pub async fn muted_page(
    conn: &mut DbConn,
    account_id: &str,
    page: &crate::statuses::Page,
) -> DbResult<Vec<(String, Account)>> {
    let rows = crate::page_by_id!(
        conn,
        mutes,
        mutes::account_id.eq(account_id),
        mutes::target_account_id,
        page
    )?;
    crate::with_accounts(conn, rows).await
}

/// (blocker, blocked) of a block by its Block activity's id.
pub async fn find_block_by_uri(conn: &mut DbConn, uri: &str) -> DbResult<Option<(String, String)>> {
    Ok(run!(conn, |c| blocks::table
        .filter(blocks::uri.eq(uri))
        .select((blocks::account_id, blocks::target_account_id))
        .first(c)
        .await
        .optional())?)
}
