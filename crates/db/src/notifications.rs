//! Notifications of local accounts.

use crate::schema::notifications;
use crate::{run, DbConn, DbResult, OptionalExt};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = notifications)]
pub struct Notification {
    pub id: String,
    pub account_id: String,
    pub from_account_id: String,
    pub kind: String,
    pub status_id: Option<String>,
    pub created_at: NaiveDateTime,
}

pub async fn insert_notification(conn: &mut DbConn, n: &Notification) -> DbResult<()> {
    run!(conn, |c| diesel::insert_into(notifications::table)
        .values(n)
        .execute(c)
        .await)?;
    Ok(())
}

/// One page, newest first; `types` and `exclude_types` filter by kind.
pub async fn list_notifications(
    conn: &mut DbConn,
    account_id: &str,
    types: &[String],
    exclude_types: &[String],
    page: &crate::statuses::Page,
) -> DbResult<Vec<Notification>> {
    Ok(run!(conn, |c| {
        let mut q = notifications::table
            .into_boxed()
            .filter(notifications::account_id.eq(account_id));
        if !types.is_empty() {
            q = q.filter(notifications::kind.eq_any(types));
        }
        if !exclude_types.is_empty() {
            q = q.filter(notifications::kind.ne_all(exclude_types));
        }
        if let Some(m) = &page.max_id {
            q = q.filter(notifications::id.lt(m.clone()));
        }
        if let Some(s) = &page.since_id {
            q = q.filter(notifications::id.gt(s.clone()));
        }
        if let Some(m) = &page.min_id {
            q = q.filter(notifications::id.gt(m.clone()));
            let mut rows: Vec<Notification> = q
                .order(notifications::id.asc())
                .limit(page.limit)
                .select(Notification::as_select())
                .load(c)
                .await?;
            rows.reverse();
            Ok::<_, diesel::result::Error>(rows)
        } else {
            q.order(notifications::id.desc())
                .limit(page.limit)
                .select(Notification::as_select())
                .load(c)
                .await
        }
    })?)
}

pub async fn find_notification(
    conn: &mut DbConn,
    account_id: &str,
    id: &str,
) -> DbResult<Option<Notification>> {
    run!(conn, |c| notifications::table
        .filter(notifications::account_id.eq(account_id))
        .filter(notifications::id.eq(id))
        .select(Notification::as_select())
        .first(c)
        .await)
    .opt()
}

pub async fn delete_notification(conn: &mut DbConn, account_id: &str, id: &str) -> DbResult<bool> {
    let n = run!(conn, |c| diesel::delete(
        notifications::table
            .filter(notifications::account_id.eq(account_id))
            .filter(notifications::id.eq(id))
    )
    .execute(c)
    .await)?;
    Ok(n == 1)
}

pub async fn clear_notifications(conn: &mut DbConn, account_id: &str) -> DbResult<()> {
    run!(conn, |c| diesel::delete(
        notifications::table.filter(notifications::account_id.eq(account_id))
    )
    .execute(c)
    .await)?;
    Ok(())
}
