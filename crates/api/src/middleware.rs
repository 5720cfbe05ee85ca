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

/// Whether browsers on other origins may call `path` (web clients such as Elk and Phanpy), as
/// Mastodon answers them: the APIs, the token endpoints, discovery. Never the HTML pages or the
/// OAuth authorization form, which only our own origin uses.
pub fn cross_origin(path: &str) -> bool {
    path.starts_with("/api/")
        || path == "/oauth/token"
        || path == "/oauth/revoke"
        || path.starts_with("/.well-known/")
        || path.starts_with("/nodeinfo/")
}

/// The methods web clients use on those paths.
const CORS_METHODS: &str = "GET, POST, PUT, PATCH, DELETE, OPTIONS";
/// What a web client may read of our answers besides the simple headers: the paging links and
/// the rate limits.
const CORS_EXPOSED: &str = "Link, X-RateLimit-Reset, X-RateLimit-Limit, X-RateLimit-Remaining, X-Request-Id, Idempotency-Key";
/// The request headers a preflight is granted when it names none.
const CORS_HEADERS: &str = "Authorization, Content-Type, Idempotency-Key, Accept";

/// CORS for [`cross_origin`] paths: a preflight (`OPTIONS` with
/// `Access-Control-Request-Method`) is answered here with the methods and the request headers
/// it asked for; every other answer, errors included, carries `Access-Control-Allow-Origin: *`
/// and the headers a client may read. No credentials: tokens travel in `Authorization`.
pub async fn cors(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<actix_web::body::BoxBody>, actix_web::Error> {
    use actix_web::http::header;
    if !cross_origin(req.path()) {
        return Ok(next.call(req).await?.map_into_boxed_body());
    }
    let preflight = req.method() == actix_web::http::Method::OPTIONS
        && req
            .headers()
            .contains_key(header::ACCESS_CONTROL_REQUEST_METHOD);
    if preflight {
        let asked = req
            .headers()
            .get(header::ACCESS_CONTROL_REQUEST_HEADERS)
            .and_then(|v| v.to_str().ok())
            .filter(|v| !v.trim().is_empty())
            .unwrap_or(CORS_HEADERS)
            .to_string();
        let answer = actix_web::HttpResponse::Ok()
            .insert_header((header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"))
            .insert_header((header::ACCESS_CONTROL_ALLOW_METHODS, CORS_METHODS))
            .insert_header((header::ACCESS_CONTROL_ALLOW_HEADERS, asked))
            .insert_header((header::ACCESS_CONTROL_MAX_AGE, "7200"))
            .finish();
        return Ok(req.into_response(answer));
    }
    let mut res = next.call(req).await?.map_into_boxed_body();
    let headers = res.headers_mut();
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    headers.insert(
        header::ACCESS_CONTROL_EXPOSE_HEADERS,
        HeaderValue::from_static(CORS_EXPOSED),
    );
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apis_and_discovery_are_cross_origin_and_pages_are_not() {
        for p in [
            "/api/v1/instance",
            "/api/v2/notifications",
            "/oauth/token",
            "/oauth/revoke",
            "/.well-known/webfinger",
            "/nodeinfo/2.0",
        ] {
            assert!(cross_origin(p), "{p}");
        }
        for p in [
            "/oauth/authorize",
            "/",
            "/@alice",
            "/login",
            "/spaces/space",
            "/apix",
        ] {
            assert!(!cross_origin(p), "{p}");
        }
    }
}
