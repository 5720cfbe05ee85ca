//! Blocking and muting accounts.

use crate::follows::{relationship, Relationship};
use crate::{outbox, AppContext, AppError, AppResult};
use interspace_core::delivery::OutboxKind;
use interspace_db::accounts::{self as db_accounts, Account};
use interspace_db::blocks as db_blocks;
use interspace_db::follows as db_follows;
use interspace_db::now;

async fn other(ctx: &AppContext, viewer: &Account, id: &str) -> AppResult<Account> {
    let mut conn = ctx.db.get().await?;
    let target = db_accounts::find_account_by_id(&mut conn, id)
        .await?
        .filter(|a| a.actor_type != "Application")
        .ok_or(AppError::NotFound("account"))?;
    if target.id == viewer.id {
        return Err(AppError::Forbidden("You cannot do this to yourself".into()));
    }
    Ok(target)
}

/// Blocks an account: follows between the two end, and neither sees the other's posts. A
/// remote account's server is told with a Block.
pub async fn block(ctx: &AppContext, viewer: &Account, id: &str) -> AppResult<Relationship> {
    let target = other(ctx, viewer, id).await?;
    ctx.write(async |tx, _| {
        let created = db_blocks::insert_block(tx, &viewer.id, &target.id, None, now()).await?;
        db_follows::delete_follow(tx, &viewer.id, &target.id).await?;
        db_follows::delete_follow(tx, &target.id, &viewer.id).await?;
        if let (Some(block_id), false) = (&created, target.is_local()) {
            outbox::enqueue(
                tx,
                OutboxKind::Block,
                &viewer.id,
                block_id,
                Some(&target.id),
            )
            .await?;
        }
        Ok(())
    })
    .await?;
    relationship(ctx, viewer, &target.id).await
}

pub async fn unblock(ctx: &AppContext, viewer: &Account, id: &str) -> AppResult<Relationship> {
    let target = other(ctx, viewer, id).await?;
    ctx.write(async |tx, _| {
        let removed = db_blocks::delete_block(tx, &viewer.id, &target.id).await?;
        if let (Some(block_id), false) = (&removed, target.is_local()) {
            outbox::enqueue(
                tx,
                OutboxKind::UndoBlock,
                &viewer.id,
                block_id,
                Some(&target.id),
            )
            .await?;
        }
        Ok(())
    })
    .await?;
    relationship(ctx, viewer, &target.id).await
}

/// A remote account blocked one of ours (`undo`: lifted the block). Follows between them end;
/// the blocked member is not told.
pub async fn receive_block(
    ctx: &AppContext,
    actor: &Account,
    target_uri: &str,
    activity_id: &str,
    undo: bool,
) -> AppResult<()> {
    let Some(target) = crate::accounts::find_by_uri(ctx, target_uri)
        .await?
        .filter(Account::is_local)
    else {
        return Ok(());
    };
    ctx.write(async |tx, _| {
        if undo {
            db_blocks::delete_block(tx, &actor.id, &target.id).await?;
        } else {
            db_blocks::insert_block(tx, &actor.id, &target.id, Some(activity_id), now()).await?;
            db_follows::delete_follow(tx, &actor.id, &target.id).await?;
            db_follows::delete_follow(tx, &target.id, &actor.id).await?;
        }
        Ok(())
    })
    .await
}

/// Mutes an account: its posts leave the viewer's timelines, and its notifications too unless
/// `notifications` is false.
pub async fn mute(
    ctx: &AppContext,
    viewer: &Account,
    id: &str,
    notifications: bool,
) -> AppResult<Relationship> {
    let target = other(ctx, viewer, id).await?;
    let mut conn = ctx.db.get().await?;
    db_blocks::upsert_mute(&mut conn, &viewer.id, &target.id, notifications, now()).await?;
    drop(conn);
    relationship(ctx, viewer, &target.id).await
}

pub async fn unmute(ctx: &AppContext, viewer: &Account, id: &str) -> AppResult<Relationship> {
    let target = other(ctx, viewer, id).await?;
    let mut conn = ctx.db.get().await?;
    db_blocks::delete_mute(&mut conn, &viewer.id, &target.id).await?;
    drop(conn);
    relationship(ctx, viewer, &target.id).await
}

/// A page of the accounts the viewer blocks, each with the block's id (the paging key).
pub async fn blocked(
    ctx: &AppContext,
    viewer: &Account,
    page: &interspace_db::statuses::Page,
) -> AppResult<Vec<(String, Account)>> {
    let mut conn = ctx.db.get().await?;
    Ok(db_blocks::blocked_page(&mut conn, &viewer.id, page).await?)
}

/// A page of the accounts the viewer mutes, each with the mute's id.
pub async fn muted(
    ctx: &AppContext,
    viewer: &Account,
    page: &interspace_db::statuses::Page,
) -> AppResult<Vec<(String, Account)>> {
    let mut conn = ctx.db.get().await?;
    Ok(db_blocks::muted_page(&mut conn, &viewer.id, page).await?)
}
