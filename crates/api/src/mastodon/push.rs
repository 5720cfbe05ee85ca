//! `/api/v1/push/subscription`: Web Push for the app token that calls it.

use crate::extract::{bearer, Authed, Params};
use crate::ApiError;
use actix_web::{web, HttpRequest, HttpResponse};
use interspace_app::push::{self, NewSubscription, PushSubscription};
use interspace_app::AppContext;
use serde_json::{json, Map, Value};

/// Mastodon's `WebPushSubscription`.
async fn render(ctx: &AppContext, s: &PushSubscription) -> Result<Value, ApiError> {
    let alerts: Value = serde_json::from_str(&s.alerts).unwrap_or_else(|_| json!({}));
    Ok(json!({
        "id": s.id,
        "endpoint": s.endpoint,
        "standard": s.standard,
        "alerts": alerts,
        "policy": s.policy,
        "server_key": push::vapid(ctx).await?.public_key,
    }))
}

fn data(p: &Params) -> (Map<String, Value>, Option<String>) {
    let data = p.map.get("data");
    let alerts = data
        .and_then(|d| d.get("alerts"))
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let policy = data
        .and_then(|d| d.get("policy"))
        .and_then(Value::as_str)
        .map(String::from)
        .or_else(|| p.str("policy"));
    (alerts, policy)
}

/// `POST /api/v1/push/subscription`
pub async fn create(
    ctx: web::Data<AppContext>,
    req: HttpRequest,
    auth: Authed,
    p: Params,
) -> Result<HttpResponse, ApiError> {
    let sub = p.map.get("subscription");
    let text = |v: Option<&Value>| v.and_then(Value::as_str).unwrap_or_default().to_string();
    let keys = sub.and_then(|s| s.get("keys"));
    let standard = sub
        .and_then(|s| s.get("standard"))
        .and_then(crate::extract::flag)
        .unwrap_or(false);
    let (alerts, policy) = data(&p);
    let s = push::subscribe(
        &ctx,
        &auth.0,
        &bearer(&req).unwrap_or_default(),
        NewSubscription {
            endpoint: text(sub.and_then(|s| s.get("endpoint"))),
            p256dh: text(keys.and_then(|k| k.get("p256dh"))),
            auth: text(keys.and_then(|k| k.get("auth"))),
            standard,
            alerts,
            policy,
        },
    )
    .await?;
    Ok(HttpResponse::Ok().json(render(&ctx, &s).await?))
}

/// `GET /api/v1/push/subscription`
pub async fn get(ctx: web::Data<AppContext>, auth: Authed) -> Result<HttpResponse, ApiError> {
    let s = push::get(&ctx, &auth.0).await?;
    Ok(HttpResponse::Ok().json(render(&ctx, &s).await?))
}

/// `PUT /api/v1/push/subscription`
pub async fn update(
    ctx: web::Data<AppContext>,
    auth: Authed,
    p: Params,
) -> Result<HttpResponse, ApiError> {
    let (alerts, policy) = data(&p);
    let s = push::update(&ctx, &auth.0, &alerts, policy.as_deref()).await?;
    Ok(HttpResponse::Ok().json(render(&ctx, &s).await?))
}

/// `DELETE /api/v1/push/subscription`
pub async fn delete(ctx: web::Data<AppContext>, auth: Authed) -> Result<HttpResponse, ApiError> {
    push::unsubscribe(&ctx, &auth.0).await?;
    Ok(HttpResponse::Ok().json(json!({})))
}
