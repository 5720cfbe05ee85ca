//! Reports about accounts and posts, for the operators.

use crate::schema::reports;
use crate::{run, DbConn, DbResult, OptionalExt};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = reports)]
pub struct Report {
    pub id: String,
    /// Who reported: a local member, or the remote actor that sent a Flag.
    pub account_id: String,
    pub target_account_id: String,
    /// Space-separated status ids.
    pub status_ids: String,
    pub comment: String,
    pub category: String,
    pub forwarded: bool,
    /// The Flag's id, received or sent.
    pub uri: Option<String>,
    pub action_taken_at: Option<NaiveDateTime>,
    pub action_taken_by: Option<String>,
    pub resolution: Option<String>,
    pub created_at: NaiveDateTime,
}

pub async fn insert_report(conn: &mut DbConn, r: &Report) -> DbResult<bool> {
    let n = run!(conn, |c| diesel::insert_into(reports::table)
        .values(r)
        .on_conflict_do_nothing()
        .execute(c)
        .await)?;
    Ok(n == 1)
}

pub async fn find_report(conn: &mut DbConn, id: &str) -> DbResult<Option<Report>> {
    run!(conn, |c| reports::table
        .find(id)
        .select(Report::as_select())
        .first(c)
        .await)
    .opt()
}

/// Open reports first, newest first within each group.
pub async fn list_reports(conn: &mut DbConn, open_only: bool, limit: i64) -> DbResult<Vec<Report>> {
    Ok(run!(conn, |c| {
        let mut q = reports::table
            .select(Report::as_select())
            .order((reports::action_taken_at.is_not_null(), reports::id.desc()))
            .limit(limit)
            .into_boxed();
        if open_only {
            q = q.filter(reports::action_taken_at.is_null());
        }
        q.load(c).await
    })?)
}

pub async fn count_open_reports(conn: &mut DbConn) -> DbResult<i64> {
    Ok(run!(conn, |c| reports::table
        .filter(reports::action_taken_at.is_null())
        .count()
        .get_result(c)
        .await)?)
}

pub async fn resolve_report(
    conn: &mut DbConn,
    id: &str,
    by: &str,
    resolution: &str,
    at: NaiveDateTime,
) -> DbResult<bool> {
    let n = run!(conn, |c| diesel::update(
        reports::table
            .filter(reports::id.eq(id))
            .filter(reports::action_taken_at.is_null())
    )
    .set((
        reports::action_taken_at.eq(Some(at)),
        reports::action_taken_by.eq(Some(by)),
        reports::resolution.eq(Some(resolution)),
    ))
    .execute(c)
    .await)?;
    Ok(n == 1)
}

pub async fn set_forwarded(conn: &mut DbConn, id: &str, uri: &str) -> DbResult<()> {
    run!(conn, |c| diesel::update(reports::table.find(id))
        .set((reports::forwarded.eq(true), reports::uri.eq(Some(uri))))
        .execute(c)
        .await)?;
    Ok(())
}
