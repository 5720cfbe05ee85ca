//! Following: follow, unfollow, follow requests, relationships.

use crate::notify::notify;
use crate::signals::Events;
use crate::{AppContext, AppError, AppResult};
use interspace_core::delivery::OutboxKind;
use interspace_core::ids::new_id;
use interspace_core::notifications::NotificationKind;
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
    ctx.write(async |tx, events| {
        if interspace_db::blocks::blocked_either_way(tx, &viewer.id, &target.id).await? {
            return Err(AppError::Forbidden("You cannot follow this account".into()));
        }
        let existing = db_follows::find_follow(tx, &viewer.id, &target.id).await?;
        let ts = now();
        // Remote follows wait for the remote server's Accept; local ones are accepted at once
        // unless the account is locked.
        let accepted = existing
            .as_ref()
            .map_or(target.is_local() && !target.locked, |f| f.accepted);
        let follow_id = existing.as_ref().map_or_else(new_id, |f| f.id.clone());
        db_follows::upsert_follow(
            tx,
            &Follow {
                id: follow_id.clone(),
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
            let kind = if accepted {
                NotificationKind::Follow
            } else {
                NotificationKind::FollowRequest
            };
            notify(tx, events, &target.id, &viewer.id, kind, None).await?;
            if !target.is_local() {
                crate::outbox::enqueue(
                    tx,
                    OutboxKind::Follow,
                    &viewer.id,
                    &follow_id,
                    Some(&target.id),
                )
                .await?;
            }
        }
        Ok(())
    })
    .await?;
    relationship(ctx, viewer, &target.id).await
}

pub async fn unfollow(ctx: &AppContext, viewer: &Account, id: &str) -> AppResult<Relationship> {
    let target = target(ctx, id).await?;
    ctx.write(async |tx, _| {
        let existing = db_follows::find_follow(tx, &viewer.id, &target.id).await?;
        db_follows::delete_follow(tx, &viewer.id, &target.id).await?;
        if let (Some(f), false) = (existing, target.is_local()) {
            crate::outbox::enqueue(
                tx,
                OutboxKind::UndoFollow,
                &viewer.id,
                &f.id,
                Some(&target.id),
            )
            .await?;
        }
        Ok(())
    })
    .await?;
    relationship(ctx, viewer, &target.id).await
}

/// The id of the Follow activity for a follow made here.
pub fn follow_activity_id(ctx: &AppContext, follow_id: &str) -> String {
    ctx.urls()
        .path(&format!("/follows/{follow_id}"))
        .to_string()
}

pub async fn get_follow(ctx: &AppContext, id: &str) -> AppResult<Follow> {
    let mut conn = ctx.db.get().await?;
    db_follows::find_follow_by_id(&mut conn, id)
        .await?
        .ok_or(AppError::NotFound("follow"))
}

/// A remote account follows a local one (`Follow` received). Locked accounts get a request;
/// others accept at once, which is federated as `Accept`.
pub async fn receive_follow(
    ctx: &AppContext,
    follower: &Account,
    target_uri: &str,
    activity_id: &str,
) -> AppResult<()> {
    let target = crate::accounts::find_by_uri(ctx, target_uri)
        .await?
        .filter(|a| a.is_local() && a.suspended_at.is_none() && a.actor_type != "Application")
        .ok_or(AppError::NotFound("account"))?;
    let mut tx = ctx.db.begin().await?;
    let mut events = Events::default();
    if interspace_db::blocks::blocked_either_way(&mut tx, &follower.id, &target.id).await? {
        crate::outbox::enqueue(
            &mut tx,
            OutboxKind::RejectFollow,
            &target.id,
            activity_id,
            Some(&follower.id),
        )
        .await?;
        tx.commit().await?;
        return Ok(());
    }
    let existing = db_follows::find_follow(&mut tx, &follower.id, &target.id).await?;
    let ts = now();
    let accepted = existing.as_ref().is_some_and(|f| f.accepted) || !target.locked;
    let follow = db_follows::upsert_follow(
        &mut tx,
        &Follow {
            id: existing.as_ref().map_or_else(new_id, |f| f.id.clone()),
            account_id: follower.id.clone(),
            target_account_id: target.id.clone(),
            uri: Some(activity_id.to_string()),
            accepted,
            show_reblogs: true,
            notify: false,
            created_at: ts,
            updated_at: ts,
        },
    )
    .await?;
    db_follows::set_follow_uri(&mut tx, &follow.id, activity_id).await?;
    if existing.is_none() {
        let kind = if accepted {
            NotificationKind::Follow
        } else {
            NotificationKind::FollowRequest
        };
        notify(&mut tx, &mut events, &target.id, &follower.id, kind, None).await?;
    }
    if accepted {
        crate::outbox::enqueue(
            &mut tx,
            OutboxKind::AcceptFollow,
            &target.id,
            &follow.id,
            Some(&follower.id),
        )
        .await?;
    }
    tx.commit().await?;
    ctx.publish(events);
    Ok(())
}

/// The remote account accepted (or rejected) a follow made here.
pub async fn receive_answer(
    ctx: &AppContext,
    remote: &Account,
    follow_activity_id: Option<&str>,
    local_follower_uri: Option<&str>,
    accept: bool,
) -> AppResult<()> {
    ctx.write(async |tx, _| {
        // Our Follow ids are `/follows/{id}`; some servers only echo the actor and object.
        let mut follow = None;
        if let Some(id) = follow_activity_id
            .and_then(|a| a.rsplit_once("/follows/").map(|(_, id)| id.to_string()))
        {
            follow = db_follows::find_follow_by_id(tx, &id).await?;
        }
        if follow.is_none() {
            if let Some(uri) = local_follower_uri {
                if let Some(local) = interspace_db::accounts::find_account_by_uri(tx, uri).await? {
                    follow = db_follows::find_follow(tx, &local.id, &remote.id).await?;
                }
            }
        }
        let follow = follow
            .filter(|f| f.target_account_id == remote.id)
            .ok_or(AppError::NotFound("follow"))?;
        if accept {
            db_follows::accept_follow(tx, &follow.account_id, &remote.id, now()).await?;
        } else {
            db_follows::delete_follow(tx, &follow.account_id, &remote.id).await?;
        }
        Ok(())
    })
    .await
}

/// The remote account stopped following a local one (`Undo(Follow)`).
pub async fn receive_unfollow(
    ctx: &AppContext,
    follower: &Account,
    target_uri: &str,
) -> AppResult<()> {
    let Some(target) = crate::accounts::find_by_uri(ctx, target_uri)
        .await?
        .filter(|a| a.is_local())
    else {
        return Ok(());
    };
    let mut conn = ctx.db.get().await?;
    db_follows::delete_follow(&mut conn, &follower.id, &target.id).await?;
    Ok(())
}

/// Shared inboxes of an account's remote followers.
pub async fn remote_follower_inboxes(ctx: &AppContext, account_id: &str) -> AppResult<Vec<String>> {
    let mut conn = ctx.db.get().await?;
    Ok(db_follows::list_remote_follower_inboxes(&mut conn, account_id).await?)
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
    ctx.write(async |tx, events| {
        let pending = db_follows::find_follow(tx, id, &viewer.id)
            .await?
            .filter(|f| !f.accepted)
            .ok_or(AppError::NotFound("follow request"))?;
        let follower = interspace_db::accounts::get_account_by_id(tx, id).await?;
        if !follower.is_local() {
            if accept {
                crate::outbox::enqueue(
                    tx,
                    OutboxKind::AcceptFollow,
                    &viewer.id,
                    &pending.id,
                    Some(id),
                )
                .await?;
            } else if let Some(uri) = &pending.uri {
                crate::outbox::enqueue(tx, OutboxKind::RejectFollow, &viewer.id, uri, Some(id))
                    .await?;
            }
        }
        if accept {
            db_follows::accept_follow(tx, id, &viewer.id, now()).await?;
            notify(
                tx,
                events,
                &viewer.id,
                &pending.account_id,
                NotificationKind::Follow,
                None,
            )
            .await?;
        } else {
            db_follows::delete_follow(tx, id, &viewer.id).await?;
        }
        Ok(())
    })
    .await?;
    relationship(ctx, viewer, id).await
}

/// Where someone on another server (`acct`) follows `target_uri` from their own account.
pub async fn interaction_url(ctx: &AppContext, acct: &str, target_uri: &str) -> AppResult<String> {
    ctx.resolver()?.interaction_url(ctx, acct, target_uri).await
}
