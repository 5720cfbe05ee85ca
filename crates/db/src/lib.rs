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
pub mod invites;
pub mod markers;
pub mod media;
pub mod notifications;
pub mod oauth;
pub mod opportunities;
pub mod outbox;
mod pool;
pub mod reports;
pub mod schema;
pub mod sessions;
pub mod spaces;
pub mod statuses;
pub mod users;
pub mod visits;

pub use pool::{AnyConn, Backend, DbConn, DbPool};

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
    #[error("query failed: {0}")]
    Query(diesel::result::Error),
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
            other => DbError::Query(other),
        }
    }
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
