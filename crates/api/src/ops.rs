//! Health check and Prometheus metrics.

use actix_web::{web, HttpResponse};
use interspace_app::{instance, outbox, AppContext};

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
    let (pending, failed, events) = match outbox::depth(&ctx).await {
        Ok((p, f, e)) => (p as f64, f as f64, e as f64),
        Err(_) => (f64::NAN, f64::NAN, f64::NAN),
    };
    let (mails, mails_failed) = match interspace_app::mail::depth(&ctx).await {
        Ok((p, f)) => (p as f64, f as f64),
        Err(_) => (f64::NAN, f64::NAN),
    };
    let body = ctx.metrics.render(&[
        ("local_users", "Approved, active local users.", users),
        (
            "delivery_queue_depth",
            "Deliveries waiting to be sent or retried.",
            pending,
        ),
        (
            "deliveries_given_up",
            "Deliveries given up (refused, or retried too long).",
            failed,
        ),
        (
            "outbox_events_pending",
            "Changes not yet turned into deliveries.",
            events,
        ),
        (
            "mail_queue_depth",
            "Mails waiting to be sent or retried.",
            mails,
        ),
        (
            "mails_given_up",
            "Mails the SMTP server refused, or that were retried too long.",
            mails_failed,
        ),
    ]);
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(body)
}

/// A 1x1 grey PNG: the default avatar and header until people upload their own.
const PLACEHOLDER_PNG: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x00, 0x00, 0x00, 0x00, 0x3A, 0x7E, 0x9B,
    0x55, 0x00, 0x00, 0x00, 0x0A, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0x68, 0x00, 0x00, 0x00,
    0x82, 0x00, 0x81, 0xDD, 0x43, 0x6A, 0xF4, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE,
    0x42, 0x60, 0x82,
];

pub async fn static_file(name: web::Path<String>) -> HttpResponse {
    match name.as_str() {
        "avatar.png" | "header.png" | "favicon.png" => HttpResponse::Ok()
            .content_type("image/png")
            .insert_header(("Cache-Control", "public, max-age=86400"))
            .body(PLACEHOLDER_PNG),
        "interspace.css" => HttpResponse::Ok()
            .content_type("text/css; charset=utf-8")
            .insert_header(("Cache-Control", "public, max-age=86400"))
            .body(crate::layout::STYLESHEET),
        _ => HttpResponse::NotFound().finish(),
    }
}
