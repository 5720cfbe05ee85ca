use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use interspace_app::AppError;
use thiserror::Error;

/// Errors of the HTTP layer, rendered as Mastodon's error JSON (`{"error": "..."}`).
#[derive(Debug, Error)]
pub enum ApiError {
    #[error(transparent)]
    App(#[from] AppError),
    #[error("{0}")]
    BadRequest(String),
    #[error("Record not found")]
    NotFound,
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::NotFound | Self::App(AppError::NotFound(_)) => StatusCode::NOT_FOUND,
            Self::App(AppError::Validation(_)) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::App(AppError::Conflict(_)) => StatusCode::CONFLICT,
            Self::App(AppError::Forbidden(_)) => StatusCode::FORBIDDEN,
            Self::App(AppError::Unavailable(_)) => StatusCode::SERVICE_UNAVAILABLE,
            Self::App(AppError::Remote(_)) => StatusCode::BAD_GATEWAY,
            Self::App(AppError::Internal(_)) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        let message = if status.is_server_error() {
            tracing::error!(error = %self, "request failed");
            match self {
                Self::App(AppError::Unavailable(_)) => "Service unavailable".to_string(),
                Self::App(AppError::Remote(_)) => self.to_string(),
                _ => "Internal server error".to_string(),
            }
        } else {
            self.to_string()
        };
        HttpResponse::build(status).json(serde_json::json!({ "error": message }))
    }
}
