//! Following: follow, unfollow, follow requests, relationships.

use crate::events::Events;
use crate::notifications::notify;
use crate::{AppContext, AppError, AppResult};
use interspace_core::ids::new_id;
use interspace_db::accounts::{self as db_accounts, Account};
use interspace_db::follows::{self as db_follows, Follow};
use interspace_db::now;

/// Relationship of the viewer to one account (Mastodon's `Relationship`).
#[derive(Debug, Clone, Default)]
pub struct Relationship {
    pub id: String,
    pub following: bool,
    pub showing_reblogs: bool,
    pub notifying: bool,
    pub followed_by: bool,
    pub requested: bool,
    pub requested_by: bool,
    pub blocking: bool,
    pub blocked_by: bool,
    pub muting: bool,
    pub muting_notifications: bool,
}

pub async fn relationships(
    ctx: &AppContext,
    viewer: &Account,
    ids: &[String],
) -> AppResult<Vec<Relationship>> {
    let mut conn = ctx.db.get().await?;
    let out_f = db_follows::list_follows_from(&mut conn, &viewer.id, ids).await?;
    let in_f = db_follows::list_follows_to(&mut conn, &viewer.id, ids).await?;
    let blocks = interspace_db::blocks::relations(&mut conn, &viewer.id, ids).await?;
    Ok(ids
        .iter()
        .map(|id| {
            let o = out_f.iter().find(|f| &f.target_account_id == id);
            let i = in_f.iter().find(|f| &f.account_id == id);
            Relationship {
                id: id.clone(),
                following: o.is_some_and(|f| f.accepted),
                showing_reblogs: o.is_some_and(|f| f.show_reblogs),
                notifying: o.is_some_and(|f| f.notify),
                requested: o.is_some_and(|f| !f.accepted),
                followed_by: i.is_some_and(|f| f.accepted),
                requested_by: i.is_some_and(|f| !f.accepted),
                blocking: blocks.iter().any(|b| &b.0 == id && b.1),
                blocked_by: blocks.iter().any(|b| &b.0 == id && b.2),
                muting: blocks.iter().any(|b| &b.0 == id && b.3),
                muting_notifications: blocks.iter().any(|b| &b.0 == id && b.4),
            }
        })
        .collect())
}

pub async fn relationship(ctx: &AppContext, viewer: &Account, id: &str) -> AppResult<Relationship> {
    relationships(ctx, viewer, &[id.to_string()])
        .await?
        .pop()
        .ok_or(AppError::NotFound("account"))
}

async fn target(ctx: &AppContext, id: &str) -> AppResult<Account> {
    let mut conn = ctx.db.get().await?;
    db_accounts::find_account_by_id(&mut conn, id)
        .await?
        .filter(|a| a.suspended_at.is_none() && a.actor_type != "Application")
        .ok_or(AppError::NotFound("account"))
}

/// Follows an account; a locked local account gets a follow request instead. Calling it again
/// updates the options (`reblogs`, `notify`).
pub async fn follow(
    ctx: &AppContext,
    viewer: &Account,
    id: &str,
    reblogs: Option<bool>,
    notify_posts: Option<bool>,
) -> AppResult<Relationship> {
    let target = target(ctx, id).await?;
    if target.id == viewer.id {
        return Err(AppError::Forbidden("You cannot follow yourself".into()));
    }
    let mut tx = ctx.db.begin().await?;
    let mut events = Events::default();
    if interspace_db::blocks::blocked_either_way(&mut tx, &viewer.id, &target.id).await? {
        return Err(AppError::Forbidden("You cannot follow this account".into()));
    }
    let existing = db_follows::find_follow(&mut tx, &viewer.id, &target.id).await?;
    let ts = now();
    // Remote follows wait for the remote server's Accept (federation issue); local ones are
    // accepted at once unless the account is locked.
    let accepted = existing
        .as_ref()
        .map_or(target.is_local() && !target.locked, |f| f.accepted);
    db_follows::upsert_follow(
        &mut tx,
        &Follow {
            id: existing.as_ref().map_or_else(new_id, |f| f.id.clone()),
            account_id: viewer.id.clone(),
            target_account_id: target.id.clone(),
            uri: None,
            accepted,
            show_reblogs: reblogs.unwrap_or(existing.as_ref().is_none_or(|f| f.show_reblogs)),
            notify: notify_posts.unwrap_or(existing.as_ref().is_some_and(|f| f.notify)),
            created_at: existing.as_ref().map_or(ts, |f| f.created_at),
            updated_at: ts,
        },
    )
    .await?;
    if existing.is_none() {
        let kind = if accepted { "follow" } else { "follow_request" };
        notify(&mut tx, &mut events, &target.id, &viewer.id, kind, None).await?;
    }
    tx.commit().await?;
    ctx.publish(events);
    relationship(ctx, viewer, &target.id).await
}

pub async fn unfollow(ctx: &AppContext, viewer: &Account, id: &str) -> AppResult<Relationship> {
    let target = target(ctx, id).await?;
    let mut conn = ctx.db.get().await?;
    db_follows::delete_follow(&mut conn, &viewer.id, &target.id).await?;
    drop(conn);
    relationship(ctx, viewer, &target.id).await
}

pub async fn follow_requests(
    ctx: &AppContext,
    viewer: &Account,
    limit: i64,
) -> AppResult<Vec<Account>> {
    let mut conn = ctx.db.get().await?;
    Ok(db_follows::list_follow_requests(&mut conn, &viewer.id, limit).await?)
}

/// Accepts or rejects a pending request from `id` to the viewer.
pub async fn answer_request(
    ctx: &AppContext,
    viewer: &Account,
    id: &str,
    accept: bool,
) -> AppResult<Relationship> {
    let mut tx = ctx.db.begin().await?;
    let mut events = Events::default();
    let pending = db_follows::find_follow(&mut tx, id, &viewer.id)
        .await?
        .filter(|f| !f.accepted)
        .ok_or(AppError::NotFound("follow request"))?;
    if accept {
        db_follows::accept_follow(&mut tx, id, &viewer.id, now()).await?;
        notify(
            &mut tx,
            &mut events,
            &viewer.id,
            &pending.account_id,
            "follow",
            None,
        )
        .await?;
    } else {
        db_follows::delete_follow(&mut tx, id, &viewer.id).await?;
    }
    tx.commit().await?;
    ctx.publish(events);
    relationship(ctx, viewer, id).await
}
