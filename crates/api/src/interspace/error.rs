use crate::ApiError;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use interspace_app::AppError;
use serde_json::{json, Map, Value};

/// An error of the Interspace API, with its stable `error_code`.
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct InterspaceError(#[from] pub ApiError);

impl From<AppError> for InterspaceError {
    fn from(e: AppError) -> Self {
        InterspaceError(ApiError::App(e))
    }
}

impl From<interspace_core::ValidationError> for InterspaceError {
    fn from(e: interspace_core::ValidationError) -> Self {
        AppError::Validation(e).into()
    }
}

impl InterspaceError {
    fn code(&self) -> &'static str {
        match &self.0 {
            ApiError::BadRequest(_) | ApiError::OAuth(..) => "bad_request",
            ApiError::NotFound => "not_found",
            ApiError::PayloadTooLarge => "too_large",
            ApiError::App(e) => match e {
                AppError::Validation(_) | AppError::Unprocessable(_) => "validation_failed",
                AppError::NotFound(_) | AppError::Gone(_) => "not_found",
                AppError::Forbidden(_) => "forbidden",
                AppError::Unauthorized(_) => "unauthorized",
                AppError::Conflict(_) => "conflict",
                AppError::RateLimited(_) => "rate_limited",
                AppError::Refused(code, _) => code,
                AppError::Unavailable(_) => "unavailable",
                AppError::Remote(_) => "remote_failed",
                AppError::Internal(_) | AppError::Database(_) => "internal",
                AppError::BadCredentials(_) => "bad_request",
            },
        }
    }
}

impl ResponseError for InterspaceError {
    fn status_code(&self) -> StatusCode {
        self.0.status_code()
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        let mut details = Map::new();
        if let ApiError::App(AppError::Validation(v)) = &self.0 {
            details.insert(v.field.to_string(), Value::String(v.reason.clone()));
        }
        let message = if status.is_server_error() {
            tracing::error!(error = %interspace_core::error_chain(&self.0), "interspace API request failed");
            "The server could not complete the request".to_string()
        } else {
            match &self.0 {
                ApiError::App(e) => e.client_message(),
                other => other.to_string(),
            }
        };
        HttpResponse::build(status).json(json!({
            "error": message,
            "error_code": self.code(),
            "details": details,
        }))
    }
}

pub async fn not_found() -> Result<HttpResponse, InterspaceError> {
    Err(InterspaceError(ApiError::NotFound))
}
