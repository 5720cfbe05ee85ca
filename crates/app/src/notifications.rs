//! Notifications as their recipient reads them (written by `notify`, in the same transaction
//! as what caused them).

use crate::statuses::{hydrate, StatusView};
use crate::{AppContext, AppError, AppResult};
use interspace_core::notifications::{client_group_key, GROUPABLE, GROUP_SAMPLE_ACCOUNTS};
use interspace_db::accounts::{self as db_accounts, Account};
use interspace_db::notifications::{self as db_notifications, Notification};
use interspace_db::statuses::{self as db_statuses, Page};
use interspace_db::DbConn;

#[derive(Debug, Clone)]
pub struct NotificationView {
    pub notification: Notification,
    pub account: Account,
    pub status: Option<StatusView>,
}

async fn hydrate_notifications(
    conn: &mut DbConn,
    rows: Vec<Notification>,
    viewer: &str,
) -> AppResult<Vec<NotificationView>> {
    let account_ids: Vec<String> = rows.iter().map(|n| n.from_account_id.clone()).collect();
    let accounts = db_accounts::list_accounts_by_ids(conn, &account_ids).await?;
    let status_ids: Vec<String> = rows.iter().filter_map(|n| n.status_id.clone()).collect();
    let statuses = db_statuses::list_statuses_by_ids(conn, &status_ids).await?;
    let views = hydrate(
        conn,
        statuses
            .into_iter()
            .filter(|s| s.deleted_at.is_none())
            .collect(),
        Some(viewer),
    )
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|n| {
            let account = accounts.iter().find(|a| a.id == n.from_account_id)?.clone();
            let status = match &n.status_id {
                Some(sid) => Some(views.iter().find(|v| &v.status.id == sid)?.clone()),
                None => None,
            };
            Some(NotificationView {
                notification: n,
                account,
                status,
            })
        })
        .collect())
}

pub async fn list(
    ctx: &AppContext,
    account: &Account,
    types: &[String],
    exclude_types: &[String],
    page: &Page,
) -> AppResult<Vec<NotificationView>> {
    let mut conn = ctx.db.get().await?;
    let rows =
        db_notifications::list_notifications(&mut conn, &account.id, types, exclude_types, page)
            .await?;
    hydrate_notifications(&mut conn, rows, &account.id).await
}

pub async fn get(ctx: &AppContext, account: &Account, id: &str) -> AppResult<NotificationView> {
    let mut conn = ctx.db.get().await?;
    let row = db_notifications::find_notification(&mut conn, &account.id, id)
        .await?
        .ok_or(AppError::NotFound("notification"))?;
    hydrate_notifications(&mut conn, vec![row], &account.id)
        .await?
        .pop()
        .ok_or(AppError::NotFound("notification"))
}

pub async fn dismiss(ctx: &AppContext, account: &Account, id: &str) -> AppResult<()> {
    let mut conn = ctx.db.get().await?;
    if !db_notifications::delete_notification(&mut conn, &account.id, id).await? {
        return Err(AppError::NotFound("notification"));
    }
    Ok(())
}

pub async fn clear(ctx: &AppContext, account: &Account) -> AppResult<()> {
    let mut conn = ctx.db.get().await?;
    db_notifications::clear_notifications(&mut conn, &account.id).await?;
    Ok(())
}

/// Which notifications a grouped listing reads (`/api/v2/notifications`).
#[derive(Debug, Clone, Default)]
pub struct GroupQuery {
    pub types: Vec<String>,
    pub exclude_types: Vec<String>,
    /// The kinds to group (Mastodon's default: favourite, reblog, follow); others stand alone.
    pub grouped_types: Vec<String>,
}

impl GroupQuery {
    /// `grouped_types[]` as given, or Mastodon's default when absent.
    pub fn grouped_or_default(grouped: Vec<String>) -> Vec<String> {
        if grouped.is_empty() {
            GROUPABLE.iter().map(|k| k.as_str().to_string()).collect()
        } else {
            grouped
        }
    }
}

/// A group of notifications as a page shows it: counted between the page's oldest and newest
/// notifications, with its newest notification (and so its post) and sample accounts.
#[derive(Debug, Clone)]
pub struct NotificationGroup {
    pub key: String,
    pub kind: String,
    pub count: usize,
    pub most_recent: NotificationView,
    pub page_min_id: String,
    pub page_max_id: String,
    pub latest_at: chrono::NaiveDateTime,
    /// Newest first, at most [`GROUP_SAMPLE_ACCOUNTS`], each once.
    pub sample_accounts: Vec<Account>,
}

/// One page of groups, newest first: at most `page.limit` groups.
pub async fn grouped(
    ctx: &AppContext,
    account: &Account,
    q: &GroupQuery,
    page: &Page,
) -> AppResult<Vec<NotificationGroup>> {
    let mut conn = ctx.db.get().await?;
    let heads = db_notifications::group_heads(
        &mut conn,
        &account.id,
        &q.types,
        &q.exclude_types,
        &q.grouped_types,
        page,
    )
    .await?;
    let (Some(newest), Some(oldest)) = (heads.first(), heads.last()) else {
        return Ok(vec![]);
    };
    // Groups are counted between the page's oldest and newest notifications; on the last
    // page (fewer groups than asked for), everything before (or, paging up, after) counts too.
    let mut range = (Some(oldest.id.clone()), Some(newest.id.clone()));
    if (heads.len() as i64) < page.limit {
        if page.min_id.is_some() {
            range.1 = None;
        } else {
            range.0 = None;
        }
    }
    let keys: Vec<String> = heads
        .iter()
        .filter(|n| q.grouped_types.contains(&n.kind))
        .filter_map(|n| n.group_key.clone())
        .collect();
    let members = db_notifications::group_members(
        &mut conn,
        &account.id,
        &keys,
        (range.0.as_deref(), range.1.as_deref()),
    )
    .await?;
    assemble(&mut conn, account, heads, members, &q.grouped_types).await
}

/// Builds groups from their newest notifications and their members (any order).
async fn assemble(
    conn: &mut DbConn,
    account: &Account,
    heads: Vec<Notification>,
    members: Vec<Notification>,
    grouped: &[String],
) -> AppResult<Vec<NotificationGroup>> {
    let mut by_key: std::collections::HashMap<String, Vec<Notification>> = Default::default();
    for m in members {
        if let Some(k) = &m.group_key {
            by_key.entry(k.clone()).or_default().push(m);
        }
    }
    let mut samples_wanted: Vec<String> = Vec::new();
    let mut shapes = Vec::with_capacity(heads.len());
    for head in &heads {
        let key = client_group_key(&head.id, &head.kind, head.group_key.as_deref(), grouped);
        let mut all = match head
            .group_key
            .as_ref()
            .filter(|_| !key.starts_with("ungrouped-"))
        {
            Some(k) => by_key.get(k).cloned().unwrap_or_default(),
            None => vec![],
        };
        if !all.iter().any(|m| m.id == head.id) {
            all.push(head.clone());
        }
        all.sort_by(|a, b| b.id.cmp(&a.id));
        let mut sample: Vec<String> = Vec::new();
        for m in &all {
            if sample.len() < GROUP_SAMPLE_ACCOUNTS && !sample.contains(&m.from_account_id) {
                sample.push(m.from_account_id.clone());
            }
        }
        samples_wanted.extend(sample.iter().cloned());
        shapes.push((key, all, sample));
    }
    let views = hydrate_notifications(conn, heads, &account.id).await?;
    let accounts = db_accounts::list_accounts_by_ids(conn, &samples_wanted).await?;
    let mut groups = Vec::with_capacity(shapes.len());
    for (key, all, sample) in shapes {
        let Some(head) = all.first() else { continue };
        // A head whose post or author is gone is left out, as in v1.
        let Some(view) = views.iter().find(|v| v.notification.id == head.id) else {
            continue;
        };
        groups.push(NotificationGroup {
            kind: head.kind.clone(),
            count: all.len(),
            page_min_id: all.last().map(|m| m.id.clone()).unwrap_or_default(),
            page_max_id: head.id.clone(),
            latest_at: head.created_at,
            most_recent: view.clone(),
            sample_accounts: sample
                .iter()
                .filter_map(|id| accounts.iter().find(|a| &a.id == id).cloned())
                .collect(),
            key,
        });
    }
    Ok(groups)
}

/// Every notification of a group (`ungrouped-ID`: that notification alone), newest first.
async fn members_of(
    conn: &mut DbConn,
    account: &Account,
    key: &str,
) -> AppResult<Vec<Notification>> {
    Ok(match key.strip_prefix("ungrouped-") {
        Some(id) => db_notifications::find_notification(conn, &account.id, id)
            .await?
            .into_iter()
            .collect(),
        None => {
            db_notifications::group_members(conn, &account.id, &[key.to_string()], (None, None))
                .await?
        }
    })
}

/// One group by its key (`ungrouped-ID` for a notification alone), all its notifications.
pub async fn group(ctx: &AppContext, account: &Account, key: &str) -> AppResult<NotificationGroup> {
    let mut conn = ctx.db.get().await?;
    let members = members_of(&mut conn, account, key).await?;
    let Some(head) = members.first().cloned() else {
        return Err(AppError::NotFound("notification group"));
    };
    let grouped = vec![head.kind.clone()];
    assemble(&mut conn, account, vec![head], members, &grouped)
        .await?
        .pop()
        .ok_or(AppError::NotFound("notification group"))
}

/// Every account of a group, newest first.
pub async fn group_accounts(
    ctx: &AppContext,
    account: &Account,
    key: &str,
) -> AppResult<Vec<Account>> {
    let mut conn = ctx.db.get().await?;
    let members = members_of(&mut conn, account, key).await?;
    if members.is_empty() {
        return Err(AppError::NotFound("notification group"));
    }
    let mut ids: Vec<String> = Vec::new();
    for m in members {
        if !ids.contains(&m.from_account_id) {
            ids.push(m.from_account_id);
        }
    }
    let accounts = db_accounts::list_accounts_by_ids(&mut conn, &ids).await?;
    Ok(ids
        .iter()
        .filter_map(|id| accounts.iter().find(|a| &a.id == id).cloned())
        .collect())
}

/// Dismisses every notification of a group.
pub async fn dismiss_group(ctx: &AppContext, account: &Account, key: &str) -> AppResult<()> {
    match key.strip_prefix("ungrouped-") {
        Some(id) => dismiss(ctx, account, id).await,
        None => {
            let mut conn = ctx.db.get().await?;
            if db_notifications::delete_group(&mut conn, &account.id, key).await? == 0 {
                return Err(AppError::NotFound("notification group"));
            }
            Ok(())
        }
    }
}

/// How many notifications (`grouped` empty) or groups came after the `notifications` marker,
/// counted up to `cap`.
pub async fn unread_count(
    ctx: &AppContext,
    account: &Account,
    q: &GroupQuery,
    cap: i64,
) -> AppResult<usize> {
    let mut conn = ctx.db.get().await?;
    let marker = interspace_db::markers::list_markers(
        &mut conn,
        &account.id,
        &["notifications".to_string()],
    )
    .await?
    .pop()
    .map(|m| m.last_read_id);
    let page = Page {
        since_id: marker,
        limit: cap,
        ..Page::default()
    };
    Ok(db_notifications::group_heads(
        &mut conn,
        &account.id,
        &q.types,
        &q.exclude_types,
        &q.grouped_types,
        &page,
    )
    .await?
    .len())
}
