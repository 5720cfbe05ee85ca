//! `/api/v1/notifications`.

use super::entities::Renderer;
use crate::extract::{Authed, Params};
use crate::paging::{page, paged_response};
use crate::ApiError;
use actix_web::{web, HttpRequest, HttpResponse};
use interspace_app::{notifications, AppContext};
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
