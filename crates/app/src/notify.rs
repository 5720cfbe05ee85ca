//! Writing notifications, in the same transaction as what caused them: what every use-case
//! that tells someone something calls (reading them back is `notifications`).

use crate::signals::{AppEvent, Events};
use crate::AppResult;
use interspace_core::ids::new_id;
use interspace_core::notifications::{group_key, group_prefix, NotificationKind};
use interspace_db::accounts as db_accounts;
use interspace_db::follows::list_notify_followers as follows_with_notify;
use interspace_db::notifications::{self as db_notifications, Notification};
use interspace_db::{now, DbConn};

/// Notifies a local account (never oneself; remote accounts are notified by their servers).
pub async fn notify(
    conn: &mut DbConn,
    events: &mut Events,
    to: &str,
    from: &str,
    kind: NotificationKind,
    status_id: Option<&str>,
) -> AppResult<()> {
    if to == from {
        return Ok(());
    }
    let Some(recipient) = db_accounts::find_account_by_id(conn, to).await? else {
        return Ok(());
    };
    if !recipient.is_local() {
        return Ok(());
    }
    // Nothing from blocked accounts, nor from muted ones unless their notifications stay on.
    if interspace_db::blocks::blocked_either_way(conn, to, from).await?
        || interspace_db::blocks::mutes_notifications(conn, to, from).await?
    {
        return Ok(());
    }
    // A silenced account reaches only the people who follow it.
    if let Some(sender) = db_accounts::find_account_by_id(conn, from).await? {
        if sender.silenced_at.is_some()
            && !interspace_db::follows::find_follow(conn, to, from)
                .await?
                .is_some_and(|f| f.accepted)
        {
            return Ok(());
        }
    }
    let id = new_id();
    let created_at = now();
    let group_key = match group_prefix(kind, status_id) {
        Some(prefix) => {
            let last = db_notifications::last_group_key(conn, to, &prefix).await?;
            Some(group_key(
                &prefix,
                created_at.and_utc().timestamp(),
                last.as_deref(),
            ))
        }
        None => None,
    };
    let notification = Notification {
        id: id.clone(),
        account_id: to.to_string(),
        from_account_id: from.to_string(),
        kind: kind.as_str().to_string(),
        status_id: status_id.map(String::from),
        created_at,
        group_key,
    };
    db_notifications::insert_notification(conn, &notification).await?;
    crate::push::enqueue(conn, &notification).await?;
    events.push(AppEvent::Notification {
        account_id: to.to_string(),
        id,
    });
    Ok(())
}

/// `status` notifications for followers who asked to be notified of an account's posts.
pub async fn notify_subscribers(
    conn: &mut DbConn,
    events: &mut Events,
    author: &str,
    status_id: &str,
    already: &[String],
) -> AppResult<()> {
    for follower in follows_with_notify(conn, author).await? {
        if !already.contains(&follower) {
            notify(
                conn,
                events,
                &follower,
                author,
                NotificationKind::Status,
                Some(status_id),
            )
            .await?;
        }
    }
    Ok(())
}
