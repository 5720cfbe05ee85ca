//! Middleware that every route shares.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderValue, RETRY_AFTER};
use actix_web::http::StatusCode;
use actix_web::middleware::Next;

/// Seconds a client should wait after a 503 (the database is locked or down, or password work
/// is saturated): short, since both pass quickly.
pub const RETRY_AFTER_SECONDS: u32 = 2;

/// Every 503, from any surface (API, pages, inbox), says when to come back.
pub async fn retry_after(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let mut res = next.call(req).await?;
    if res.status() == StatusCode::SERVICE_UNAVAILABLE && !res.headers().contains_key(RETRY_AFTER) {
        res.headers_mut()
            .insert(RETRY_AFTER, HeaderValue::from(RETRY_AFTER_SECONDS));
    }
    Ok(res)
}
