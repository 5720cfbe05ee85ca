use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use interspace_app::AppError;
use interspace_core::error_chain;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum FederationError {
    #[error(transparent)]
    App(#[from] AppError),
    #[error("{0}")]
    Protocol(#[from] activitypub_federation::error::Error),
    #[error("bad request: {0}")]
    BadRequest(String),
    #[error("not found")]
    NotFound,
    #[error("federation setup: {0}")]
    Config(String),
    #[error("invalid object: {0}")]
    Invalid(String),
    #[error("unauthorized: {0}")]
    Unauthorized(String),
}

impl From<serde_json::Error> for FederationError {
    fn from(e: serde_json::Error) -> Self {
        FederationError::Invalid(e.to_string())
    }
}

impl From<url::ParseError> for FederationError {
    fn from(e: url::ParseError) -> Self {
        FederationError::Invalid(e.to_string())
    }
}

impl ResponseError for FederationError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::App(AppError::NotFound(_)) | Self::NotFound => StatusCode::NOT_FOUND,
            Self::App(AppError::Gone(_)) => StatusCode::GONE,
            Self::App(AppError::Validation(_)) | Self::BadRequest(_) | Self::Invalid(_) => {
                StatusCode::BAD_REQUEST
            }
            Self::App(AppError::Forbidden(_)) => StatusCode::FORBIDDEN,
            Self::App(AppError::Conflict(_)) => StatusCode::CONFLICT,
            // Our own storage is down: peers should retry.
            Self::App(AppError::Unavailable(_)) => StatusCode::SERVICE_UNAVAILABLE,
            // An actor or object the activity names cannot be fetched: the sender's problem.
            Self::App(AppError::Remote(_)) => StatusCode::BAD_REQUEST,
            Self::Protocol(activitypub_federation::error::Error::NotFound) => StatusCode::NOT_FOUND,
            Self::Protocol(_) => StatusCode::BAD_REQUEST,
            Self::App(AppError::Internal(_) | AppError::Database(_)) | Self::Config(_) => {
                StatusCode::INTERNAL_SERVER_ERROR
            }
            Self::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Self::App(AppError::Unauthorized(_)) => StatusCode::UNAUTHORIZED,
            Self::App(AppError::RateLimited(_)) => StatusCode::TOO_MANY_REQUESTS,
            Self::App(AppError::Unprocessable(_)) | Self::App(AppError::Refused(..)) => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            Self::App(AppError::BadCredentials(_)) => StatusCode::BAD_REQUEST,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        if status.is_server_error() {
            tracing::error!(error = %error_chain(self), "federation request failed");
        }
        let message = match (status, self) {
            (StatusCode::INTERNAL_SERVER_ERROR, _) => "internal error".to_string(),
            (_, Self::App(e)) => e.client_message(),
            _ => self.to_string(),
        };
        let mut response = HttpResponse::build(status);
        if status == StatusCode::UNAUTHORIZED {
            // What a signer should send us: RFC 9421 (draft-cavage is read as well).
            response.insert_header((
                "Accept-Signature",
                crate::signatures::rfc9421::ACCEPT_SIGNATURE,
            ));
        }
        response.json(serde_json::json!({ "error": message }))
    }
}
