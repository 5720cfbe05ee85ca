use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use interspace_app::oauth::{OAuthCode, OAuthError};
use interspace_app::AppError;
use thiserror::Error;

/// Errors of the HTTP layer, rendered as Mastodon's error JSON (`{"error": "..."}`); OAuth
/// errors carry their RFC 6749 code in `error` and the sentence in `error_description`.
#[derive(Debug, Error)]
pub enum ApiError {
    #[error(transparent)]
    App(#[from] AppError),
    /// A refusal of the OAuth endpoints, with its RFC 6749 code.
    #[error("{1}")]
    OAuth(OAuthCode, String),
    #[error("{0}")]
    BadRequest(String),
    #[error("Record not found")]
    NotFound,
    #[error("The request body is too large")]
    PayloadTooLarge,
}

impl From<OAuthError> for ApiError {
    fn from(e: OAuthError) -> Self {
        match e {
            OAuthError::Refused(code, message) => ApiError::OAuth(code, message),
            OAuthError::App(e) => ApiError::App(e),
        }
    }
}

/// The HTTP status of a use-case error (API and pages alike).
pub(crate) fn app_status(e: &AppError) -> StatusCode {
    match e {
        AppError::NotFound(_) | AppError::Gone(_) => StatusCode::NOT_FOUND,
        AppError::Validation(_) | AppError::Unprocessable(_) | AppError::Refused(..) => {
            StatusCode::UNPROCESSABLE_ENTITY
        }
        AppError::Conflict(_) => StatusCode::CONFLICT,
        AppError::Forbidden(_) => StatusCode::FORBIDDEN,
        AppError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
        AppError::RateLimited(_) => StatusCode::TOO_MANY_REQUESTS,
        AppError::BadCredentials(_) => StatusCode::BAD_REQUEST,
        AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
        // The request named a destination that cannot be used: the client's to change.
        AppError::Remote(_) => StatusCode::UNPROCESSABLE_ENTITY,
        AppError::Internal(_) | AppError::Database(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::OAuth(OAuthCode::InvalidClient, _) => StatusCode::UNAUTHORIZED,
            Self::OAuth(..) => StatusCode::BAD_REQUEST,
            Self::App(e) => app_status(e),
        }
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        let message = if status.is_server_error() {
            tracing::error!(error = %interspace_core::error_chain(self), "request failed");
            match self {
                Self::App(AppError::Unavailable(_)) => "Service unavailable".to_string(),
                _ => "Internal server error".to_string(),
            }
        } else {
            match self {
                Self::App(e) => e.client_message(),
                other => other.to_string(),
            }
        };
        let body = match self {
            Self::OAuth(code, _) => {
                serde_json::json!({ "error": code.as_str(), "error_description": message })
            }
            _ => serde_json::json!({ "error": message }),
        };
        HttpResponse::build(status).json(body)
    }
}
