//! Interspace database layer: one schema and one set of queries for SQLite and PostgreSQL.
//!
//! Every query is written once inside [`run!`], which expands it for each backend; the pool
//! picks the backend from the database URL at run time.

pub mod accounts;
pub mod admin;
pub mod blocks;
pub mod domains;
pub mod events;
pub mod follows;
pub mod introspect;
pub mod invites;
pub mod mail;
pub mod markers;
pub mod media;
pub mod notifications;
pub mod oauth;
pub mod opportunities;
pub mod outbox;
pub mod partnerships;
mod pool;
pub mod push;
pub mod reports;
pub mod schema;
pub mod sessions;
pub mod spaces;
pub mod statuses;
pub mod transfer;
pub mod users;
pub mod visits;

pub use pool::{sqlite_path, AnyConn, Backend, DbConn, DbPool};

use thiserror::Error;

#[derive(Debug, Error)]
pub enum DbError {
    #[error("not found")]
    NotFound,
    /// A unique constraint refused the write; the string names what collided.
    #[error("already exists: {0}")]
    Conflict(String),
    /// The database cannot be reached or the pool gave no connection in time.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    #[error("invalid database URL: {0}")]
    InvalidUrl(String),
    #[error("migration failed: {0}")]
    Migration(String),
    /// Anything else the database said; the driver's error stays as the source.
    #[error("query failed")]
    Query(#[source] diesel::result::Error),
}

impl From<diesel::result::Error> for DbError {
    fn from(e: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind, Error};
        match e {
            Error::NotFound => DbError::NotFound,
            Error::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => {
                DbError::Conflict(info.constraint_name().unwrap_or(info.message()).to_string())
            }
            Error::DatabaseError(DatabaseErrorKind::ClosedConnection, info) => {
                DbError::Unavailable(info.message().to_string())
            }
            // SQLite's lock held past busy_timeout, PostgreSQL shutting down or out of
            // connections: passing trouble, 503 with Retry-After rather than 500.
            Error::DatabaseError(_, info) if is_passing(info.message()) => {
                DbError::Unavailable(info.message().to_string())
            }
            other => DbError::Query(other),
        }
    }
}

/// Whether a database error message says the database is busy or going away (a retry later
/// succeeds), by SQLite's and PostgreSQL's own wording.
fn is_passing(message: &str) -> bool {
    const PASSING: [&str; 11] = [
        "database is locked",
        "database table is locked",
        "database is busy",
        "terminating connection",
        "the database system is shutting down",
        "the database system is starting up",
        "the database system is not yet accepting connections",
        "too many clients already",
        // The connection itself went away (the server died or restarted): tokio-postgres's
        // words for an error without SQLSTATE.
        "connection closed",
        "error communicating with the server",
        "connection reset",
    ];
    let message = message.to_ascii_lowercase();
    PASSING.iter().any(|p| message.contains(p))
}

pub type DbResult<T> = Result<T, DbError>;

/// The current time as stored: UTC, microsecond precision (what PostgreSQL keeps).
pub fn now() -> chrono::NaiveDateTime {
    let now = chrono::Utc::now().naive_utc();
    use chrono::SubsecRound;
    now.trunc_subsecs(6)
}

/// Expands a query once per backend: `run!(conn, |c| query.get_result(c).await)`.
#[macro_export]
macro_rules! run {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn.any() {
            $crate::AnyConn::Sqlite($c) => $body,
            $crate::AnyConn::Pg($c) => $body,
        }
    };
}

/// One Mastodon page of `$table`'s rows matching `$filter`, by the rows' own `id` (what
/// `max_id`, `since_id` and `min_id` name): newest first; with `min_id`, the page just after
/// it, read oldest first and shown newest first. Gives `(row id, $column)` pairs.
macro_rules! page_by_id {
    ($conn:expr, $table:ident, $filter:expr, $column:expr, $page:expr) => {{
        let page: &$crate::statuses::Page = $page;
        $crate::run!($conn, |c| {
            let mut q = $table::table.into_boxed().filter($filter);
            if let Some(max) = &page.max_id {
                q = q.filter($table::id.lt(max.clone()));
            }
            if let Some(since) = &page.since_id {
                q = q.filter($table::id.gt(since.clone()));
            }
            if let Some(min) = &page.min_id {
                let mut rows: Vec<(String, String)> = q
                    .filter($table::id.gt(min.clone()))
                    .order($table::id.asc())
                    .limit(page.limit)
                    .select(($table::id, $column))
                    .load(c)
                    .await?;
                rows.reverse();
                Ok::<_, diesel::result::Error>(rows)
            } else {
                q.order($table::id.desc())
                    .limit(page.limit)
                    .select(($table::id, $column))
                    .load(c)
                    .await
            }
        })
    }};
}
pub(crate) use page_by_id;

/// The queries of a job queue (`mails`, `push_messages`): rows with `state` (`pending`, then
/// `sent` or `failed`), `attempts`, `next_attempt_at`, `claimed_until` (a sender holds the row
/// until then, so several processes share the queue), `last_error` and `updated_at`. Expands
/// to `list_due`, `claim`, `record_attempt` and `delete_finished_before` for `$row`.
macro_rules! job_queue {
    ($table:ident, $row:ty) => {
        /// Pending rows whose time has come and that no sender holds, oldest first.
        pub async fn list_due(
            conn: &mut $crate::DbConn,
            at: chrono::NaiveDateTime,
            limit: i64,
        ) -> $crate::DbResult<Vec<$row>> {
            Ok($crate::run!(conn, |c| $table::table
                .filter($table::state.eq("pending"))
                .filter($table::next_attempt_at.le(at))
                .filter(
                    $table::claimed_until
                        .is_null()
                        .or($table::claimed_until.lt(at))
                )
                .order(($table::next_attempt_at.asc(), $table::id.asc()))
                .limit(limit)
                .select(<$row>::as_select())
                .load(c)
                .await)?)
        }

        /// Takes a row for sending until `until`; false when another sender holds it or it is
        /// no longer pending.
        pub async fn claim(
            conn: &mut $crate::DbConn,
            id: &str,
            at: chrono::NaiveDateTime,
            until: chrono::NaiveDateTime,
        ) -> $crate::DbResult<bool> {
            let n = $crate::run!(conn, |c| diesel::update(
                $table::table
                    .filter($table::id.eq(id))
                    .filter($table::state.eq("pending"))
                    .filter(
                        $table::claimed_until
                            .is_null()
                            .or($table::claimed_until.lt(at))
                    )
            )
            .set($table::claimed_until.eq(Some(until)))
            .execute(c)
            .await)?;
            Ok(n == 1)
        }

        /// Records one attempt and releases the claim.
        pub async fn record_attempt(
            conn: &mut $crate::DbConn,
            id: &str,
            state: &str,
            attempts: i32,
            next_attempt_at: chrono::NaiveDateTime,
            error: Option<&str>,
            at: chrono::NaiveDateTime,
        ) -> $crate::DbResult<()> {
            $crate::run!(conn, |c| diesel::update($table::table.find(id))
                .set((
                    $table::state.eq(state),
                    $table::attempts.eq(attempts),
                    $table::next_attempt_at.eq(next_attempt_at),
                    $table::claimed_until.eq(None::<chrono::NaiveDateTime>),
                    $table::last_error.eq(error),
                    $table::updated_at.eq(at),
                ))
                .execute(c)
                .await)?;
            Ok(())
        }

        /// Forgets rows sent or given up before `before`.
        pub async fn delete_finished_before(
            conn: &mut $crate::DbConn,
            before: chrono::NaiveDateTime,
        ) -> $crate::DbResult<usize> {
            Ok($crate::run!(conn, |c| diesel::delete(
                $table::table
                    .filter($table::state.ne("pending"))
                    .filter($table::updated_at.lt(before))
            )
            .execute(c)
            .await)?)
        }
    };
}
pub(crate) use job_queue;

/// The accounts of `(row id, account id)` pairs, in their order, each with its row's id (an
/// account gone meanwhile is left out).
pub(crate) async fn with_accounts(
    conn: &mut DbConn,
    rows: Vec<(String, String)>,
) -> DbResult<Vec<(String, accounts::Account)>> {
    let ids: Vec<String> = rows.iter().map(|(_, a)| a.clone()).collect();
    let found = accounts::list_accounts_by_ids(conn, &ids).await?;
    Ok(rows
        .into_iter()
        .filter_map(|(row, id)| Some((row, found.iter().find(|a| a.id == id)?.clone())))
        .collect())
}

/// Converts `Option` results of `.optional()` queries and maps errors.
pub(crate) trait OptionalExt<T> {
    fn opt(self) -> DbResult<Option<T>>;
}

impl<T> OptionalExt<T> for Result<T, diesel::result::Error> {
    fn opt(self) -> DbResult<Option<T>> {
        match self {
            Ok(v) => Ok(Some(v)),
            Err(diesel::result::Error::NotFound) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use diesel::result::{DatabaseErrorInformation, DatabaseErrorKind, Error};

    struct Info(&'static str);

    impl DatabaseErrorInformation for Info {
        fn message(&self) -> &str {
            self.0
        }
        fn details(&self) -> Option<&str> {
            None
        }
        fn hint(&self) -> Option<&str> {
            None
        }
        fn table_name(&self) -> Option<&str> {
            None
        }
        fn column_name(&self) -> Option<&str> {
            None
        }
        fn constraint_name(&self) -> Option<&str> {
            None
        }
        fn statement_position(&self) -> Option<i32> {
            None
        }
    }

    fn db_error(message: &'static str) -> DbError {
        Error::DatabaseError(DatabaseErrorKind::Unknown, Box::new(Info(message))).into()
    }

    #[test]
    fn a_busy_or_departing_database_is_unavailable_not_a_failed_query() {
        for passing in [
            "database is locked",
            "FATAL: terminating connection due to administrator command",
            "the database system is shutting down",
            "sorry, too many clients already",
            "connection closed",
            "error communicating with the server: Connection reset by peer (os error 104)",
        ] {
            assert!(
                matches!(db_error(passing), DbError::Unavailable(_)),
                "{passing}"
            );
        }
        assert!(matches!(db_error("syntax error"), DbError::Query(_)));
    }
}
