//! Notifications as their recipient reads them (written by `notify`, in the same transaction
//! as what caused them).

use crate::statuses::{hydrate, StatusView};
use crate::{AppContext, AppError, AppResult};
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
