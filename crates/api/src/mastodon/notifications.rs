//! `/api/v1/notifications`.

use super::entities::Renderer;
use crate::extract::{Authed, Params};
use crate::paging::{page, paged_response};
use crate::ApiError;
use actix_web::{web, HttpRequest, HttpResponse};
use interspace_app::notifications::{self, GroupQuery};
use interspace_app::AppContext;
use serde_json::json;

pub async fn list(
    ctx: web::Data<AppContext>,
    req: HttpRequest,
    auth: Authed,
    p: Params,
) -> Result<HttpResponse, ApiError> {
    auth.0.require("read:notifications")?;
    let list = notifications::list(
        &ctx,
        auth.0.account()?,
        &p.list("types"),
        &p.list("exclude_types"),
        &page(&p, 40, 80)?,
    )
    .await?;
    let ids: Vec<String> = list.iter().map(|n| n.notification.id.clone()).collect();
    let json = Renderer::new(&ctx).notifications(&list).await?;
    Ok(paged_response(&req, ctx.urls().base(), json, &ids))
}

pub async fn get(
    ctx: web::Data<AppContext>,
    auth: Authed,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    auth.0.require("read:notifications")?;
    let n = notifications::get(&ctx, auth.0.account()?, &id).await?;
    Ok(HttpResponse::Ok().json(Renderer::new(&ctx).notification(&n).await?))
}

pub async fn dismiss(
    ctx: web::Data<AppContext>,
    auth: Authed,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    auth.0.require("write:notifications")?;
    notifications::dismiss(&ctx, auth.0.account()?, &id).await?;
    Ok(HttpResponse::Ok().json(json!({})))
}

pub async fn clear(ctx: web::Data<AppContext>, auth: Authed) -> Result<HttpResponse, ApiError> {
    auth.0.require("write:notifications")?;
    notifications::clear(&ctx, auth.0.account()?).await?;
    Ok(HttpResponse::Ok().json(json!({})))
}

/// `types[]`, `exclude_types[]` and `grouped_types[]` of a grouped listing.
fn group_query(p: &Params) -> GroupQuery {
    GroupQuery {
        types: p.list("types"),
        exclude_types: p.list("exclude_types"),
        grouped_types: GroupQuery::grouped_or_default(p.list("grouped_types")),
    }
}

/// `GET /api/v2/notifications`: Mastodon 4.3's groups. Pages count groups; `Link` pages by
/// the groups' newest notifications. `expand_accounts=partial_avatars` is accepted and gives
/// full accounts (which it allows).
pub async fn list_grouped(
    ctx: web::Data<AppContext>,
    req: HttpRequest,
    auth: Authed,
    p: Params,
) -> Result<HttpResponse, ApiError> {
    auth.0.require("read:notifications")?;
    let groups = notifications::grouped(
        &ctx,
        auth.0.account()?,
        &group_query(&p),
        &page(&p, 40, 80)?,
    )
    .await?;
    let ids: Vec<String> = groups
        .iter()
        .map(|g| g.most_recent.notification.id.clone())
        .collect();
    let json = Renderer::new(&ctx).notification_groups(&groups).await?;
    Ok(paged_response(&req, ctx.urls().base(), json, &ids))
}

pub async fn get_group(
    ctx: web::Data<AppContext>,
    auth: Authed,
    key: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    auth.0.require("read:notifications")?;
    let group = notifications::group(&ctx, auth.0.account()?, &key).await?;
    let json = Renderer::new(&ctx)
        .notification_groups(std::slice::from_ref(&group))
        .await?;
    Ok(HttpResponse::Ok().json(json))
}

pub async fn group_accounts(
    ctx: web::Data<AppContext>,
    auth: Authed,
    key: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    auth.0.require("read:notifications")?;
    let accounts = notifications::group_accounts(&ctx, auth.0.account()?, &key).await?;
    Ok(HttpResponse::Ok().json(Renderer::new(&ctx).accounts(&accounts).await?))
}

pub async fn dismiss_group(
    ctx: web::Data<AppContext>,
    auth: Authed,
    key: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    auth.0.require("write:notifications")?;
    notifications::dismiss_group(&ctx, auth.0.account()?, &key).await?;
    Ok(HttpResponse::Ok().json(json!({})))
}

/// `GET /api/v1/notifications/unread_count` (notifications) and `/api/v2/...` (groups) past
/// the `notifications` marker: `limit` defaults to 100, at most 1000.
pub async fn unread_count(
    ctx: web::Data<AppContext>,
    req: HttpRequest,
    auth: Authed,
    p: Params,
) -> Result<HttpResponse, ApiError> {
    auth.0.require("read:notifications")?;
    let mut q = group_query(&p);
    if req.path().starts_with("/api/v1/") {
        q.grouped_types.clear();
    }
    let cap = page(&p, 100, 1000)?.limit;
    let count = notifications::unread_count(&ctx, auth.0.account()?, &q, cap).await?;
    Ok(HttpResponse::Ok().json(json!({ "count": count })))
}

/// Interspace filters no notification: every policy is `accept`, nothing is ever pending.
fn policy_json() -> serde_json::Value {
    json!({
        "for_not_following": "accept",
        "for_not_followers": "accept",
        "for_new_accounts": "accept",
        "for_private_mentions": "accept",
        "for_limited_accounts": "accept",
        "summary": { "pending_requests_count": 0, "pending_notifications_count": 0 },
    })
}

pub async fn policy(auth: Authed) -> Result<HttpResponse, ApiError> {
    auth.0.require("read:notifications")?;
    Ok(HttpResponse::Ok().json(policy_json()))
}

/// Only `accept` can be set: a policy that filtered or dropped would be accepted and ignored.
pub async fn update_policy(auth: Authed, p: Params) -> Result<HttpResponse, ApiError> {
    auth.0.require("write:notifications")?;
    for key in [
        "for_not_following",
        "for_not_followers",
        "for_new_accounts",
        "for_private_mentions",
        "for_limited_accounts",
    ] {
        if let Some(v) = p.str(key).filter(|v| v != "accept") {
            return Err(interspace_app::AppError::Unprocessable(format!(
                "Validation failed: {key} '{v}' is not supported here; notifications are never filtered"
            ))
            .into());
        }
    }
    Ok(HttpResponse::Ok().json(policy_json()))
}

/// Notification requests: none, since nothing is filtered.
pub async fn requests(auth: Authed) -> Result<HttpResponse, ApiError> {
    auth.0.require("read:notifications")?;
    Ok(HttpResponse::Ok().json(json!([])))
}

pub async fn request(auth: Authed) -> Result<HttpResponse, ApiError> {
    auth.0.require("read:notifications")?;
    Err(interspace_app::AppError::NotFound("notification request").into())
}

pub async fn answer_request(auth: Authed) -> Result<HttpResponse, ApiError> {
    auth.0.require("write:notifications")?;
    Err(interspace_app::AppError::NotFound("notification request").into())
}

pub async fn answer_requests(auth: Authed) -> Result<HttpResponse, ApiError> {
    auth.0.require("write:notifications")?;
    Ok(HttpResponse::Ok().json(json!({})))
}

pub async fn requests_merged(auth: Authed) -> Result<HttpResponse, ApiError> {
    auth.0.require("read:notifications")?;
    Ok(HttpResponse::Ok().json(json!({ "merged": true })))
}
