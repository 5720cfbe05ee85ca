//! Following: follow, unfollow, follow requests, relationships.

use crate::notify::notify;
use crate::signals::Events;
use crate::{AppContext, AppError, AppResult};
use interspace_core::delivery::OutboxKind;
use interspace_core::ids::new_id;
use interspace_core::notifications::NotificationKind;
use interspace_core::Origin;
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
    let options = FollowOptions {
        reblogs,
        notify: notify_posts,
    };
    ctx.write(async |tx, events| record_follow(tx, events, viewer, &target, None, options).await)
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
    ctx.write(async |tx, events| {
        let options = FollowOptions::default();
        record_follow(tx, events, follower, &target, Some(activity_id), options).await
    })
    .await
}

/// What a follower chose (`None`: keep what an earlier follow chose, or the default).
#[derive(Debug, Clone, Copy, Default)]
struct FollowOptions {
    reblogs: Option<bool>,
    notify: Option<bool>,
}

/// One follow, asked here (`activity_id` is `None`: the follower is a member of this instance)
/// or received (the id of the remote `Follow`), decided once for both: refused when either
/// blocks the other, accepted at once unless the target is remote (its server answers) or
/// locked (a request), repeated follows keep their row and update their options. What goes out
/// depends on who is remote: our `Follow` to a remote target, our `Accept` or `Reject` to a
/// remote follower.
async fn record_follow(
    tx: &mut interspace_db::DbConn,
    events: &mut Events,
    follower: &Account,
    target: &Account,
    activity_id: Option<&str>,
    options: FollowOptions,
) -> AppResult<()> {
    let origin = if activity_id.is_some() {
        Origin::Remote
    } else {
        Origin::Local
    };
    if interspace_db::blocks::blocked_either_way(tx, &follower.id, &target.id).await? {
        return match (origin, activity_id) {
            (Origin::Remote, Some(activity_id)) => {
                crate::outbox::enqueue(
                    tx,
                    OutboxKind::RejectFollow,
                    &target.id,
                    activity_id,
                    Some(&follower.id),
                )
                .await
            }
            _ => Err(AppError::Forbidden("You cannot follow this account".into())),
        };
    }
    let existing = db_follows::find_follow(tx, &follower.id, &target.id).await?;
    let ts = now();
    let accepted =
        existing.as_ref().is_some_and(|f| f.accepted) || (target.is_local() && !target.locked);
    let follow = db_follows::upsert_follow(
        tx,
        &Follow {
            id: existing.as_ref().map_or_else(new_id, |f| f.id.clone()),
            account_id: follower.id.clone(),
            target_account_id: target.id.clone(),
            uri: activity_id.map(str::to_string),
            accepted,
            show_reblogs: options
                .reblogs
                .unwrap_or(existing.as_ref().is_none_or(|f| f.show_reblogs)),
            notify: options
                .notify
                .unwrap_or(existing.as_ref().is_some_and(|f| f.notify)),
            created_at: existing.as_ref().map_or(ts, |f| f.created_at),
            updated_at: ts,
        },
    )
    .await?;
    if let Some(uri) = activity_id {
        db_follows::set_follow_uri(tx, &follow.id, uri).await?;
    }
    if existing.is_none() {
        let kind = if accepted {
            NotificationKind::Follow
        } else {
            NotificationKind::FollowRequest
        };
        notify(tx, events, &target.id, &follower.id, kind, None).await?;
    }
    let answer = match origin {
        Origin::Local if existing.is_none() && !target.is_local() => Some(OutboxKind::Follow),
        Origin::Remote if accepted => Some(OutboxKind::AcceptFollow),
        _ => None,
    };
    if let Some(kind) = answer {
        let (actor, other) = match origin {
            Origin::Local => (follower, target),
            Origin::Remote => (target, follower),
        };
        crate::outbox::enqueue(tx, kind, &actor.id, &follow.id, Some(&other.id)).await?;
    }
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

/// A page of pending requests to follow the viewer, each with the follow's id.
pub async fn follow_requests(
    ctx: &AppContext,
    viewer: &Account,
    page: &interspace_db::statuses::Page,
) -> AppResult<Vec<(String, Account)>> {
    let mut conn = ctx.db.get().await?;
    Ok(db_follows::requests_page(&mut conn, &viewer.id, page).await?)
}

/// How many requests to follow the viewer wait (counted up to 80, as the profile shows them).
pub async fn follow_requests_count(ctx: &AppContext, viewer: &Account) -> AppResult<usize> {
    let page = interspace_db::statuses::Page {
        limit: 80,
        ..Default::default()
    };
    Ok(follow_requests(ctx, viewer, &page).await?.len())
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
