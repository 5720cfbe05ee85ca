//! `/api/v2/media`, `/api/v1/media/:id`, and the files at `/media/{name}`.

use super::entities;
use crate::extract::{Authed, Params};
use crate::ApiError;
use actix_web::{web, HttpResponse};
use interspace_app::media;
use interspace_app::{AppContext, AppError};

pub async fn upload(
    ctx: web::Data<AppContext>,
    auth: Authed,
    p: Params,
) -> Result<HttpResponse, ApiError> {
    auth.0.require("write:media")?;
    let file = p
        .upload("file")
        .await?
        .ok_or_else(|| AppError::Unprocessable("Validation failed: file is required".into()))?;
    let m = media::upload(
        &ctx,
        auth.0.account()?,
        file,
        p.str("description").as_deref(),
    )
    .await?;
    Ok(HttpResponse::Ok().json(entities::media(&ctx, &m)))
}

pub async fn get(
    ctx: web::Data<AppContext>,
    auth: Authed,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    auth.0.require("write:media")?;
    let m = media::get_own(&ctx, auth.0.account()?, &id).await?;
    Ok(HttpResponse::Ok().json(entities::media(&ctx, &m)))
}

pub async fn update(
    ctx: web::Data<AppContext>,
    auth: Authed,
    id: web::Path<String>,
    p: Params,
) -> Result<HttpResponse, ApiError> {
    auth.0.require("write:media")?;
    let m = media::describe(
        &ctx,
        auth.0.account()?,
        &id,
        p.string("description")?.as_deref(),
    )
    .await?;
    Ok(HttpResponse::Ok().json(entities::media(&ctx, &m)))
}

pub async fn file(
    ctx: web::Data<AppContext>,
    name: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let (bytes, content_type) = media::read_file(&ctx, &name).await?;
    Ok(HttpResponse::Ok()
        .content_type(content_type)
        .insert_header(("Cache-Control", "public, max-age=31536000, immutable"))
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .insert_header(("Content-Security-Policy", "default-src 'none'; sandbox"))
        .body(bytes))
}
