use interspace_core::ValidationError;
use interspace_db::DbError;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum AppError {
    #[error("{0}")]
    Validation(#[from] ValidationError),
    #[error("{0} not found")]
    NotFound(&'static str),
    /// It existed and was deleted (410 where the protocol says so).
    #[error("{0} is gone")]
    Gone(&'static str),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    Forbidden(String),
    /// Our own storage is down: callers answer 5xx so that peers retry.
    #[error("service unavailable: {0}")]
    Unavailable(String),
    /// A remote server failed, was refused by the outbound guard, or sent something unusable.
    /// The detail is for the log only: clients get [`REMOTE_FAILED`] with a 4xx (the request
    /// named a destination that cannot be used; our side is fine).
    #[error("remote: {0}")]
    Remote(String),
    #[error("internal error: {0}")]
    Internal(String),
    /// Our database failed in a way no caller can act on (a query error, a failed
    /// migration); the database's error stays as the source, logged once by the surface
    /// that answers 500.
    #[error("database error")]
    Database(#[source] DbError),
    /// 401: no or a bad token.
    #[error("{0}")]
    Unauthorized(String),
    /// 422 with a sentence: Mastodon's answer for well-formed but unacceptable requests.
    #[error("{0}")]
    Unprocessable(String),
    #[error("{0}")]
    RateLimited(String),
    /// A sign-in refused: wrong name or password, a disabled or unapproved login.
    #[error("{0}")]
    BadCredentials(String),
    /// A rule of the domain refused the request: the API's stable `error_code` (such as
    /// `capacity_reached` or `not_open`) and the reason.
    #[error("{1}")]
    Refused(&'static str, String),
}

impl From<DbError> for AppError {
    fn from(e: DbError) -> Self {
        match e {
            DbError::NotFound => AppError::NotFound("record"),
            DbError::Conflict(what) => AppError::Conflict(format!("already exists ({what})")),
            DbError::Unavailable(why) => AppError::Unavailable(why),
            other => AppError::Database(other),
        }
    }
}

/// What a client reads for [`AppError::Remote`]: never the upstream text.
pub const REMOTE_FAILED: &str =
    "The other server could not be reached, was refused, or did not answer usably";

impl AppError {
    /// The sentence a client may read. A remote failure's detail (an upstream answer, an
    /// address) is logged here, once, and replaced by [`REMOTE_FAILED`].
    pub fn client_message(&self) -> String {
        match self {
            AppError::Remote(detail) => {
                tracing::warn!(%detail, "remote request failed");
                REMOTE_FAILED.to_string()
            }
            // Our own trouble: the detail is logged where the answer is made, never sent.
            AppError::Unavailable(_) => "Service unavailable, try again soon".to_string(),
            AppError::Internal(_) | AppError::Database(_) => "Internal error".to_string(),
            other => other.to_string(),
        }
    }
}

pub type AppResult<T> = Result<T, AppError>;
