//! Health check and Prometheus metrics.

use actix_web::{web, HttpResponse};
use interspace_app::{instance, AppContext};

/// 200 once migrations and first-run setup are done and the database answers; 503 otherwise.
pub async fn healthz(ctx: web::Data<AppContext>) -> HttpResponse {
    if instance::healthy(&ctx).await {
        HttpResponse::Ok().content_type("text/plain").body("ok\n")
    } else {
        HttpResponse::ServiceUnavailable()
            .content_type("text/plain")
            .body("unavailable\n")
    }
}

pub async fn metrics(ctx: web::Data<AppContext>) -> HttpResponse {
    let users = match instance::stats(&ctx).await {
        Ok(s) => s.users_total as f64,
        Err(_) => f64::NAN,
    };
    let body = ctx
        .metrics
        .render(&[("local_users", "Approved, active local users.", users)]);
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(body)
}
