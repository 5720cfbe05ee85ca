//! Other servers: operator blocks and delivery health.

use crate::schema::domains;
use crate::{run, DbConn, DbResult};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = domains)]
pub struct Domain {
    /// Lowercase host, with `:port` when the server runs on one.
    pub domain: String,
    pub blocked_at: Option<NaiveDateTime>,
    pub block_reason: Option<String>,
    /// Failed attempts since the last success.
    pub failures: i32,
    pub unavailable_at: Option<NaiveDateTime>,
    pub last_success_at: Option<NaiveDateTime>,
    pub last_failure_at: Option<NaiveDateTime>,
    /// NodeInfo's `software.name`, lowercase (none when it did not say or could not be read).
    pub software: Option<String>,
    pub software_version: Option<String>,
    /// When NodeInfo was last asked (answered or not).
    pub software_checked_at: Option<NaiveDateTime>,
}

fn blank(domain: &str) -> Domain {
    Domain {
        domain: domain.to_string(),
        blocked_at: None,
        block_reason: None,
        failures: 0,
        unavailable_at: None,
        last_success_at: None,
        last_failure_at: None,
        software: None,
        software_version: None,
        software_checked_at: None,
    }
}

async fn ensure(conn: &mut DbConn, domain: &str) -> DbResult<()> {
    let row = blank(domain);
    run!(conn, |c| diesel::insert_into(domains::table)
        .values(&row)
        .on_conflict_do_nothing()
        .execute(c)
        .await)?;
    Ok(())
}

pub async fn find(conn: &mut DbConn, domain: &str) -> DbResult<Option<Domain>> {
    Ok(run!(conn, |c| domains::table
        .find(domain)
        .select(Domain::as_select())
        .first(c)
        .await
        .optional())?)
}

pub async fn list_all(conn: &mut DbConn) -> DbResult<Vec<Domain>> {
    Ok(run!(conn, |c| domains::table
        .order(domains::domain.asc())
        .select(Domain::as_select())
        .load(c)
        .await)?)
}

/// Domains that are blocked or unavailable (the short list every delivery round checks).
pub async fn list_restricted(conn: &mut DbConn) -> DbResult<Vec<Domain>> {
    Ok(run!(conn, |c| domains::table
        .filter(
            domains::blocked_at
                .is_not_null()
                .or(domains::unavailable_at.is_not_null())
        )
        .order(domains::domain.asc())
        .select(Domain::as_select())
        .load(c)
        .await)?)
}

pub async fn list_blocked(conn: &mut DbConn) -> DbResult<Vec<Domain>> {
    Ok(run!(conn, |c| domains::table
        .filter(domains::blocked_at.is_not_null())
        .order(domains::domain.asc())
        .select(Domain::as_select())
        .load(c)
        .await)?)
}

pub async fn set_blocked(
    conn: &mut DbConn,
    domain: &str,
    at: Option<NaiveDateTime>,
    reason: Option<&str>,
) -> DbResult<()> {
    ensure(conn, domain).await?;
    run!(conn, |c| diesel::update(domains::table.find(domain))
        .set((domains::blocked_at.eq(at), domains::block_reason.eq(reason)))
        .execute(c)
        .await)?;
    Ok(())
}

/// Counts a failed attempt; returns the failures since the last success.
pub async fn record_failure(conn: &mut DbConn, domain: &str, now: NaiveDateTime) -> DbResult<i32> {
    ensure(conn, domain).await?;
    run!(conn, |c| diesel::update(domains::table.find(domain))
        .set((
            domains::failures.eq(domains::failures + 1),
            domains::last_failure_at.eq(Some(now)),
        ))
        .execute(c)
        .await)?;
    Ok(run!(conn, |c| domains::table
        .find(domain)
        .select(domains::failures)
        .first(c)
        .await)?)
}

pub async fn mark_unavailable(conn: &mut DbConn, domain: &str, now: NaiveDateTime) -> DbResult<()> {
    ensure(conn, domain).await?;
    run!(conn, |c| diesel::update(domains::table.find(domain))
        .set(domains::unavailable_at.eq(Some(now)))
        .execute(c)
        .await)?;
    Ok(())
}

/// The domain answered: it is available again. Returns whether it had been marked unavailable.
pub async fn record_success(conn: &mut DbConn, domain: &str, now: NaiveDateTime) -> DbResult<bool> {
    let was = run!(conn, |c| domains::table
        .find(domain)
        .select((domains::failures, domains::unavailable_at))
        .first::<(i32, Option<NaiveDateTime>)>(c)
        .await
        .optional())?;
    let Some((failures, unavailable)) = was else {
        return Ok(false);
    };
    if failures == 0 && unavailable.is_none() {
        return Ok(false);
    }
    run!(conn, |c| diesel::update(domains::table.find(domain))
        .set((
            domains::failures.eq(0),
            domains::unavailable_at.eq(None::<NaiveDateTime>),
            domains::last_success_at.eq(Some(now)),
        ))
        .execute(c)
        .await)?;
    Ok(unavailable.is_some())
}

/// The domains among `names` that we know, with what we learned of their software.
pub async fn find_many(conn: &mut DbConn, names: &[String]) -> DbResult<Vec<Domain>> {
    if names.is_empty() {
        return Ok(vec![]);
    }
    Ok(run!(conn, |c| domains::table
        .filter(domains::domain.eq_any(names))
        .select(Domain::as_select())
        .load(c)
        .await)?)
}

/// Records what a domain's NodeInfo said (`None`: nothing readable), asked at `now`.
pub async fn set_software(
    conn: &mut DbConn,
    domain: &str,
    software: Option<(&str, Option<&str>)>,
    now: NaiveDateTime,
) -> DbResult<()> {
    ensure(conn, domain).await?;
    run!(conn, |c| diesel::update(domains::table.find(domain))
        .set((
            domains::software.eq(software.map(|(name, _)| name)),
            domains::software_version.eq(software.and_then(|(_, version)| version)),
            domains::software_checked_at.eq(Some(now)),
        ))
        .execute(c)
        .await)?;
    Ok(())
}
