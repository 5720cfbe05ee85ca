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
    /// The group it belongs to (`/api/v2/notifications`), for grouped kinds.
    pub group_key: Option<String>,
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

/// The key of the newest group of `account_id` whose key starts with `prefix-`.
pub async fn last_group_key(
    conn: &mut DbConn,
    account_id: &str,
    prefix: &str,
) -> DbResult<Option<String>> {
    let like = format!("{}-%", prefix.replace(['%', '_'], ""));
    let key: Option<Option<String>> = run!(conn, |c| notifications::table
        .filter(notifications::account_id.eq(account_id))
        .filter(notifications::group_key.like(like))
        .order(notifications::id.desc())
        .select(notifications::group_key)
        .first(c)
        .await)
    .opt()?;
    Ok(key.flatten())
}

/// Which notifications of a page of groups come first: the newest of each group (a group is
/// the stored key of a kind in `grouped`, else the notification alone), at most `page.limit`
/// groups, newest first; `types`/`exclude_types` filter by kind.
pub async fn group_heads(
    conn: &mut DbConn,
    account_id: &str,
    types: &[String],
    exclude_types: &[String],
    grouped: &[String],
    page: &crate::statuses::Page,
) -> DbResult<Vec<Notification>> {
    #[derive(QueryableByName)]
    struct Head {
        #[diesel(sql_type = diesel::sql_types::Text)]
        id: String,
    }
    let mut binds = Binds {
        pg: matches!(conn.any(), crate::AnyConn::Pg(_)),
        values: vec![],
    };
    // SQLite binds `?` in the order they appear in the text: the partition's come first.
    let grouped_in = if grouped.is_empty() {
        "FALSE".to_string()
    } else {
        format!("kind IN ({})", binds.list(grouped))
    };
    let mut filter = format!("account_id = {}", binds.add(account_id));
    if !types.is_empty() {
        filter += &format!(" AND kind IN ({})", binds.list(types));
    }
    if !exclude_types.is_empty() {
        filter += &format!(" AND kind NOT IN ({})", binds.list(exclude_types));
    }
    for (bound, op) in [
        (&page.max_id, "<"),
        (&page.since_id, ">"),
        (&page.min_id, ">"),
    ] {
        if let Some(id) = bound {
            filter += &format!(" AND id {op} {}", binds.add(id));
        }
    }
    let order = if page.min_id.is_some() { "ASC" } else { "DESC" };
    let query = format!(
        "SELECT id FROM (SELECT id, ROW_NUMBER() OVER (PARTITION BY CASE WHEN group_key IS NOT NULL \
         AND {grouped_in} THEN group_key ELSE id END ORDER BY id DESC) AS rn \
         FROM notifications WHERE {filter}) heads WHERE rn = 1 ORDER BY id {order} LIMIT {}",
        page.limit.max(0)
    );
    let heads: Vec<Head> = run!(conn, |c| {
        let mut q = diesel::sql_query(&query).into_boxed();
        for b in &binds.values {
            q = q.bind::<diesel::sql_types::Text, _>(b.clone());
        }
        q.load(c).await
    })?;
    let ids: Vec<String> = heads.into_iter().map(|h| h.id).collect();
    let mut rows: Vec<Notification> = run!(conn, |c| notifications::table
        .filter(notifications::id.eq_any(&ids))
        .select(Notification::as_select())
        .load(c)
        .await)?;
    rows.sort_by(|a, b| b.id.cmp(&a.id));
    Ok(rows)
}

/// Bound values of a query written by hand, with each backend's placeholders.
struct Binds {
    pg: bool,
    values: Vec<String>,
}

impl Binds {
    fn add(&mut self, v: &str) -> String {
        self.values.push(v.to_string());
        if self.pg {
            format!("${}", self.values.len())
        } else {
            "?".to_string()
        }
    }

    fn list(&mut self, vs: &[String]) -> String {
        vs.iter()
            .map(|v| self.add(v))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// The notifications of groups `keys` of `account_id`, newest first, with ids between the
/// bounds of `range` (inclusive) where given.
pub async fn group_members(
    conn: &mut DbConn,
    account_id: &str,
    keys: &[String],
    range: (Option<&str>, Option<&str>),
) -> DbResult<Vec<Notification>> {
    if keys.is_empty() {
        return Ok(vec![]);
    }
    Ok(run!(conn, |c| {
        let mut q = notifications::table
            .into_boxed()
            .filter(notifications::account_id.eq(account_id))
            .filter(notifications::group_key.eq_any(keys));
        if let Some(lo) = range.0 {
            q = q.filter(notifications::id.ge(lo.to_string()));
        }
        if let Some(hi) = range.1 {
            q = q.filter(notifications::id.le(hi.to_string()));
        }
        q.order(notifications::id.desc())
            .select(Notification::as_select())
            .load(c)
            .await
    })?)
}

/// Deletes a group's notifications; how many.
pub async fn delete_group(conn: &mut DbConn, account_id: &str, key: &str) -> DbResult<usize> {
    Ok(run!(conn, |c| diesel::delete(
        notifications::table
            .filter(notifications::account_id.eq(account_id))
            .filter(notifications::group_key.eq(key))
    )
    .execute(c)
    .await)?)
}
