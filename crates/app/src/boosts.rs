//! A local account's boost, written inside another use-case's transaction: a member's reblog
//! (`statuses`), and the space re-sharing its members' posts, events and opportunities with its
//! followers (FEP-1b12, from `statuses`, `events` and `opportunities`).

use crate::notify::notify;
use crate::signals::{AppEvent, Events};
use crate::{AppContext, AppError, AppResult};
use interspace_core::delivery::OutboxKind;
use interspace_core::ids::new_id;
use interspace_core::notifications::NotificationKind;
use interspace_core::statuses::Visibility;
use interspace_db::accounts::Account;
use interspace_db::statuses::{self as db_statuses, Counter, Status};
use interspace_db::{now, DbConn};

/// How a boost goes out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Sent {
    /// As a plain `Announce` to every follower (and the author's server).
    Announce,
    /// The space's re-share of a post addressed to it (FEP-1b12): a plain `Announce` to the
    /// servers that read boosts, and the wrapped `Create` to the others (`RelayCreate`).
    Relay,
}

/// Writes a local account's boost of `original`, counts and notifies it, and queues its
/// Announce, in the caller's transaction.
pub(crate) async fn insert_boost(
    tx: &mut DbConn,
    events: &mut Events,
    ctx: &AppContext,
    account: &Account,
    original: &Status,
    visibility: Visibility,
    sent: Sent,
) -> AppResult<Status> {
    let boost_id = new_id();
    let actor = url::Url::parse(&account.uri).map_err(|e| AppError::Internal(e.to_string()))?;
    let uri = ctx
        .urls()
        .actor_sub(&actor, &format!("statuses/{boost_id}/activity"));
    let boost = row(boost_id, uri.to_string(), account, original, visibility);
    db_statuses::insert_status(tx, &boost, &[], &[]).await?;
    db_statuses::bump_count(tx, &original.id, Counter::Reblogs, 1).await?;
    notify(
        tx,
        events,
        &original.account_id,
        &account.id,
        NotificationKind::Reblog,
        Some(&original.id),
    )
    .await?;
    events.push(AppEvent::of_post(&boost, &[], false));
    let kind = match sent {
        Sent::Announce => OutboxKind::Announce,
        Sent::Relay => OutboxKind::RelayAnnounce,
    };
    crate::outbox::enqueue(tx, kind, &account.id, &boost.id, Some(&original.account_id)).await?;
    Ok(boost)
}

/// The space re-shares a public post addressed to it with its followers (FEP-1b12): its boost
/// (for timelines here, and the servers that read boosts) and the wrapped `Create` (for group
/// software). `create_id` is the id of the `Create` that brought a remote post (none for ours:
/// its id follows from the post's).
pub(crate) async fn relay(
    tx: &mut DbConn,
    events: &mut Events,
    ctx: &AppContext,
    space: &Account,
    post: &Status,
    create_id: Option<&str>,
) -> AppResult<()> {
    insert_boost(
        tx,
        events,
        ctx,
        space,
        post,
        Visibility::Public,
        Sent::Relay,
    )
    .await?;
    crate::outbox::enqueue_about(
        tx,
        OutboxKind::RelayCreate,
        &space.id,
        &post.id,
        None,
        create_id,
    )
    .await
}

/// A post the space re-shared was edited (`RelayUpdate`) or deleted (`RelayDelete`): the space
/// announces the change to the servers that read activities (FEP-1b12), and a deleted post's
/// boost is withdrawn (`Undo` of the `Announce`, for the servers that read boosts).
/// `activity_id`: the id of the author's `Update` or `Delete`, for a post from elsewhere.
pub(crate) async fn relay_change(
    tx: &mut DbConn,
    events: &mut Events,
    post: &Status,
    kind: OutboxKind,
    activity_id: Option<&str>,
) -> AppResult<()> {
    if post.reblog_of_id.is_some() {
        return Ok(());
    }
    let Some((_, space)) = interspace_db::spaces::find_local_space(tx).await? else {
        return Ok(());
    };
    let Some(boost) = db_statuses::find_reblog(tx, &space.id, &post.id).await? else {
        return Ok(());
    };
    crate::outbox::enqueue_about(tx, kind, &space.id, &post.id, None, activity_id).await?;
    if kind == OutboxKind::RelayDelete {
        db_statuses::mark_deleted(tx, &boost.id, interspace_db::now()).await?;
        events.push(AppEvent::Deleted {
            id: boost.id.clone(),
            account_id: space.id.clone(),
        });
        crate::outbox::enqueue(
            tx,
            OutboxKind::UndoAnnounce,
            &space.id,
            &boost.id,
            Some(&post.account_id),
        )
        .await?;
    }
    Ok(())
}

/// A boost's row: `account` re-shares `original` (`is_local` follows the account).
pub(crate) fn row(
    id: String,
    uri: String,
    account: &Account,
    original: &Status,
    visibility: Visibility,
) -> Status {
    Status {
        id,
        uri,
        url: None,
        account_id: account.id.clone(),
        in_reply_to_id: None,
        in_reply_to_account_id: None,
        reblog_of_id: Some(original.id.clone()),
        content: String::new(),
        source_text: String::new(),
        spoiler_text: String::new(),
        sensitive: false,
        visibility: visibility.as_str().to_string(),
        language: None,
        is_local: account.is_local(),
        replies_count: 0,
        reblogs_count: 0,
        favourites_count: 0,
        created_at: now(),
        edited_at: None,
        deleted_at: None,
    }
}
