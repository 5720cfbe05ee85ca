//! Middleware that counts requests by route pattern and status, times them, and writes the
//! access log: one line per request (target `access`) with the method, the route pattern,
//! the status and the duration. The pattern, never the path or the query: paths hold reset
//! and invitation codes, queries hold streaming tokens.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::web;
use interspace_app::AppContext;
use std::time::Instant;

/// Known methods only: a client can send any token as a method, and labels must stay few.
fn method_label(method: &str) -> &'static str {
    match method {
        "GET" => "GET",
        "HEAD" => "HEAD",
        "POST" => "POST",
        "PUT" => "PUT",
        "PATCH" => "PATCH",
        "DELETE" => "DELETE",
        "OPTIONS" => "OPTIONS",
        _ => "other",
    }
}

pub async fn track(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let start = Instant::now();
    let method = method_label(req.method().as_str());
    let ctx = req.app_data::<web::Data<AppContext>>().cloned();
    let res = next.call(req).await?;
    // The pattern, not the path, so that labels stay few; unmatched paths share one label.
    let route = res
        .request()
        .match_pattern()
        .unwrap_or_else(|| "unmatched".to_string());
    let (status, seconds) = (res.status().as_u16(), start.elapsed().as_secs_f64());
    tracing::info!(
        target: "access",
        method,
        route = route.as_str(),
        status,
        duration_ms = (seconds * 1000.0 * 10.0).round() / 10.0,
    );
    if let Some(ctx) = ctx {
        ctx.metrics.observe_request(method, &route, status, seconds);
    }
    Ok(res)
}

#[cfg(test)]
mod tests {
    #[test]
    fn method_labels_are_few() {
        assert_eq!(super::method_label("GET"), "GET");
        for odd in ["FOO", "get", "PROPFIND", "X".repeat(100).as_str()] {
            assert_eq!(super::method_label(odd), "other");
        }
    }
}
