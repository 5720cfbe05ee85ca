//! Visits between spaces and their days (partnerships are in `partnerships`).

use crate::schema::{spaces, visit_days, visits};
use crate::{run, DbConn, DbResult, OptionalExt};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use interspace_core::visits::VisitState;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset, Identifiable)]
#[diesel(table_name = visits, treat_none_as_null = true)]
pub struct Visit {
    pub id: String,
    pub uri: String,
    pub visitor_id: String,
    pub home_space_id: String,
    pub host_space_id: String,
    pub partnership_id: Option<String>,
    pub date_from: NaiveDate,
    pub date_to: NaiveDate,
    pub note: String,
    #[diesel(serialize_as = String, deserialize_as = String)]
    pub state: VisitState,
    pub reason: Option<String>,
    pub reason_code: Option<String>,
    pub cancelled_by: Option<String>,
    pub checked_in_at: Option<NaiveDateTime>,
    pub checked_out_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// Which visits a list shows.
#[derive(Debug, Clone, Default)]
pub struct VisitFilter {
    pub visitor_id: Option<String>,
    pub host_space_id: Option<String>,
    pub home_space_id: Option<String>,
    pub state: Option<VisitState>,
    /// Visits covering this day.
    pub day: Option<NaiveDate>,
    pub limit: i64,
}

/// Days that count against quotas and capacity.
const COUNTED: [&str; 4] = {
    let c = VisitState::COUNTED;
    [c[0].as_str(), c[1].as_str(), c[2].as_str(), c[3].as_str()]
};

/// Inserts a visit with one row per day; false if its `uri` is known already.
pub async fn insert_visit(conn: &mut DbConn, v: &Visit, days: &[NaiveDate]) -> DbResult<bool> {
    let n = run!(conn, |c| diesel::insert_into(visits::table)
        .values(v.clone())
        .on_conflict(visits::uri)
        .do_nothing()
        .execute(c)
        .await)?;
    if n == 0 {
        return Ok(false);
    }
    for day in days {
        run!(conn, |c| diesel::insert_into(visit_days::table)
            .values((
                visit_days::visit_id.eq(&v.id),
                visit_days::host_space_id.eq(&v.host_space_id),
                visit_days::visitor_id.eq(&v.visitor_id),
                visit_days::day.eq(day),
            ))
            .execute(c)
            .await)?;
    }
    Ok(true)
}

pub async fn save_visit(conn: &mut DbConn, v: &Visit) -> DbResult<()> {
    run!(conn, |c| diesel::update(visits::table.find(&v.id))
        .set(v.clone())
        .execute(c)
        .await)?;
    Ok(())
}

pub async fn find_visit(conn: &mut DbConn, id: &str) -> DbResult<Option<Visit>> {
    run!(conn, |c| visits::table
        .find(id)
        .select(Visit::as_select())
        .first(c)
        .await)
    .opt()
}

pub async fn find_visit_by_uri(conn: &mut DbConn, uri: &str) -> DbResult<Option<Visit>> {
    run!(conn, |c| visits::table
        .filter(visits::uri.eq(uri))
        .select(Visit::as_select())
        .first(c)
        .await)
    .opt()
}

pub async fn list_visits(conn: &mut DbConn, f: &VisitFilter) -> DbResult<Vec<Visit>> {
    run!(conn, |c| {
        let mut q = visits::table.into_boxed();
        if let Some(v) = &f.visitor_id {
            q = q.filter(visits::visitor_id.eq(v.clone()));
        }
        if let Some(h) = &f.host_space_id {
            q = q.filter(visits::host_space_id.eq(h.clone()));
        }
        if let Some(h) = &f.home_space_id {
            q = q.filter(visits::home_space_id.eq(h.clone()));
        }
        if let Some(s) = f.state {
            q = q.filter(visits::state.eq(s.as_str()));
        }
        if let Some(d) = f.day {
            q = q
                .filter(visits::date_from.le(d))
                .filter(visits::date_to.ge(d));
        }
        q.order((visits::date_from.asc(), visits::created_at.asc()))
            .limit(f.limit)
            .select(Visit::as_select())
            .load(c)
            .await
    })
    .map_err(Into::into)
}

/// Takes the host space's row lock for the rest of the transaction: decisions about its
/// visits are made one at a time (PostgreSQL row lock; SQLite holds its write lock already).
pub async fn lock_host(conn: &mut DbConn, host_space_id: &str) -> DbResult<()> {
    run!(conn, |c| diesel::update(spaces::table.find(host_space_id))
        .set(spaces::updated_at.eq(spaces::updated_at))
        .execute(c)
        .await)?;
    Ok(())
}

/// Visitors counted at a host on each of `days` (approved and later states).
pub async fn count_visitors_per_day(
    conn: &mut DbConn,
    host_space_id: &str,
    days: &[NaiveDate],
) -> DbResult<Vec<(NaiveDate, i64)>> {
    run!(conn, |c| visit_days::table
        .inner_join(visits::table)
        .filter(visit_days::host_space_id.eq(host_space_id))
        .filter(visit_days::day.eq_any(days))
        .filter(visits::state.eq_any(COUNTED))
        .group_by(visit_days::day)
        .select((visit_days::day, diesel::dsl::count_star()))
        .load(c)
        .await)
    .map_err(Into::into)
}

/// A visitor's counted days at a host between two dates (inclusive).
pub async fn list_counted_days(
    conn: &mut DbConn,
    host_space_id: &str,
    visitor_id: &str,
    from: NaiveDate,
    to: NaiveDate,
) -> DbResult<Vec<NaiveDate>> {
    run!(conn, |c| visit_days::table
        .inner_join(visits::table)
        .filter(visit_days::host_space_id.eq(host_space_id))
        .filter(visit_days::visitor_id.eq(visitor_id))
        .filter(visit_days::day.between(from, to))
        .filter(visits::state.eq_any(COUNTED))
        .select(visit_days::day)
        .load(c)
        .await)
    .map_err(Into::into)
}

/// Counted visit days of a month between two spaces, for the ledger: (visitor, days).
pub async fn ledger_days(
    conn: &mut DbConn,
    host_space_id: &str,
    home_space_id: &str,
    from: NaiveDate,
    to: NaiveDate,
) -> DbResult<Vec<(String, i64)>> {
    run!(conn, |c| visit_days::table
        .inner_join(visits::table)
        .filter(visit_days::host_space_id.eq(host_space_id))
        .filter(visits::home_space_id.eq(home_space_id))
        .filter(visit_days::day.between(from, to))
        .filter(visits::state.eq_any(COUNTED))
        .group_by(visit_days::visitor_id)
        .select((visit_days::visitor_id, diesel::dsl::count_star()))
        .load(c)
        .await)
    .map_err(Into::into)
}

/// Counted visits between two spaces with a day in `from..=to`.
pub async fn count_visits_in(
    conn: &mut DbConn,
    host_space_id: &str,
    home_space_id: &str,
    from: NaiveDate,
    to: NaiveDate,
) -> DbResult<i64> {
    let ids: Vec<String> = run!(conn, |c| visit_days::table
        .inner_join(visits::table)
        .filter(visit_days::host_space_id.eq(host_space_id))
        .filter(visits::home_space_id.eq(home_space_id))
        .filter(visit_days::day.between(from, to))
        .filter(visits::state.eq_any(COUNTED))
        .select(visit_days::visit_id)
        .distinct()
        .load(c)
        .await)?;
    Ok(i64::try_from(ids.len()).unwrap_or(i64::MAX))
}
