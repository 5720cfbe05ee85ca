//! `/api/v1/statuses`.

use super::entities::{self, datetime, Renderer};
use crate::extract::{Authed, MaybeAuthed, Params};
use crate::ApiError;
use actix_web::{web, HttpRequest, HttpResponse};
use interspace_app::statuses::{self, NewStatus};
use interspace_app::{AppContext, AppError};
use serde_json::json;

pub async fn create(
    ctx: web::Data<AppContext>,
    req: HttpRequest,
    auth: Authed,
    p: Params,
) -> Result<HttpResponse, ApiError> {
    auth.0.require("write:statuses")?;
    let author = auth.0.user()?;
    // Nothing is accepted and dropped: what does not exist here yet is refused.
    // (`"poll": null`, as some apps send it, is no poll.)
    if p.map
        .iter()
        .any(|(k, v)| (k == "poll" || k.starts_with("poll[")) && !v.is_null())
    {
        return Err(AppError::Unprocessable(
            "Validation failed: polls are not supported on this server".into(),
        )
        .into());
    }
    if p.str("scheduled_at").is_some_and(|s| !s.trim().is_empty()) {
        return Err(AppError::Unprocessable(
            "Validation failed: scheduled posts are not supported on this server".into(),
        )
        .into());
    }
    let new = NewStatus {
        text: p.string("status")?.unwrap_or_default(),
        visibility: p.string("visibility")?,
        in_reply_to_id: p.string("in_reply_to_id")?,
        spoiler_text: p.string("spoiler_text")?,
        sensitive: p.bool("sensitive")?,
        language: p.string("language")?,
        media_ids: p.list("media_ids"),
        content_type: p.string("content_type")?,
        idempotency_key: req
            .headers()
            .get("Idempotency-Key")
            .and_then(|v| v.to_str().ok())
            .map(String::from),
    };
    let view = statuses::create(&ctx, author, new).await?;
    Ok(HttpResponse::Ok().json(Renderer::new(&ctx).status(&view).await?))
}

fn viewer_id(auth: &MaybeAuthed) -> Option<String> {
    auth.0
        .as_ref()
        .and_then(|a| a.account().ok())
        .map(|a| a.id.clone())
}

pub async fn get(
    ctx: web::Data<AppContext>,
    auth: MaybeAuthed,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let view = statuses::get(&ctx, &id, viewer_id(&auth).as_deref()).await?;
    Ok(HttpResponse::Ok().json(Renderer::new(&ctx).status(&view).await?))
}

pub async fn delete(
    ctx: web::Data<AppContext>,
    auth: Authed,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    auth.0.require("write:statuses")?;
    let view = statuses::delete(&ctx, auth.0.account()?, &id).await?;
    // Deleted, the post comes back with its source, for "delete and redraft".
    let mut status = Renderer::new(&ctx).status(&view).await?;
    status.text = Some(view.status.source_text.clone());
    Ok(HttpResponse::Ok().json(status))
}

pub async fn context(
    ctx: web::Data<AppContext>,
    auth: MaybeAuthed,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let (ancestors, descendants) =
        statuses::context(&ctx, &id, viewer_id(&auth).as_deref()).await?;
    let mut r = Renderer::new(&ctx);
    Ok(HttpResponse::Ok().json(json!({
        "ancestors": r.statuses(&ancestors).await?,
        "descendants": r.statuses(&descendants).await?,
    })))
}

/// `POST /api/v1/statuses/:id/{favourite,unfavourite,reblog,unreblog,bookmark,unbookmark,pin,unpin}`
pub async fn action(
    ctx: web::Data<AppContext>,
    auth: Authed,
    path: web::Path<(String, String)>,
    p: Params,
) -> Result<HttpResponse, ApiError> {
    let (id, action) = path.into_inner();
    let scope = match action.as_str() {
        "favourite" | "unfavourite" => "write:favourites",
        "reblog" | "unreblog" => "write:statuses",
        "bookmark" | "unbookmark" => "write:bookmarks",
        "pin" | "unpin" => "write:accounts",
        _ => return Err(ApiError::NotFound),
    };
    auth.0.require(scope)?;
    let account = auth.0.account()?;
    let view = match action.as_str() {
        "favourite" => statuses::favourite(&ctx, account, &id).await?,
        "unfavourite" => statuses::unfavourite(&ctx, account, &id).await?,
        "reblog" => {
            statuses::reblog(&ctx, account, &id, p.string("visibility")?.as_deref()).await?
        }
        "unreblog" => statuses::unreblog(&ctx, account, &id).await?,
        "bookmark" => statuses::bookmark(&ctx, account, &id, true).await?,
        "unbookmark" => statuses::bookmark(&ctx, account, &id, false).await?,
        "pin" => statuses::pin(&ctx, account, &id, true).await?,
        _ => statuses::pin(&ctx, account, &id, false).await?,
    };
    Ok(HttpResponse::Ok().json(Renderer::new(&ctx).status(&view).await?))
}

/// `GET /api/v1/statuses/:id/{favourited_by,reblogged_by}`
pub async fn interactions(
    ctx: web::Data<AppContext>,
    req: HttpRequest,
    auth: MaybeAuthed,
    path: web::Path<(String, String)>,
    p: Params,
) -> Result<HttpResponse, ApiError> {
    let (id, which) = path.into_inner();
    match which.as_str() {
        "history" => return history(&ctx, &auth, &id).await,
        "source" => return source(&ctx, &auth, &id).await,
        _ => {}
    }
    let favourites = match which.as_str() {
        "favourited_by" => true,
        "reblogged_by" => false,
        _ => return Err(ApiError::NotFound),
    };
    let page = crate::paging::page(&p, 40, 80)?;
    let list =
        statuses::interacted_by(&ctx, &id, viewer_id(&auth).as_deref(), favourites, &page).await?;
    super::accounts::paged_accounts(&ctx, &req, list).await
}

pub async fn edit(
    ctx: web::Data<AppContext>,
    auth: Authed,
    id: web::Path<String>,
    p: Params,
) -> Result<HttpResponse, ApiError> {
    auth.0.require("write:statuses")?;
    let view = statuses::edit(
        &ctx,
        auth.0.account()?,
        &id,
        statuses::StatusEdit {
            text: p.string("status")?.unwrap_or_default(),
            content_type: p.string("content_type")?,
            spoiler_text: p.string("spoiler_text")?,
            sensitive: p.bool("sensitive")?,
            language: p.string("language")?,
        },
    )
    .await?;
    Ok(HttpResponse::Ok().json(Renderer::new(&ctx).status(&view).await?))
}

/// `GET /api/v1/statuses/:id/history`: every version, oldest first.
async fn history(ctx: &AppContext, auth: &MaybeAuthed, id: &str) -> Result<HttpResponse, ApiError> {
    let (view, edits) = statuses::history(ctx, id, viewer_id(auth).as_deref()).await?;
    let mut r = Renderer::new(ctx);
    let account = r.account(&view.account).await?;
    let mut versions: Vec<serde_json::Value> = edits
        .iter()
        .map(|e| {
            json!({
                "content": e.content,
                "spoiler_text": e.spoiler_text,
                "sensitive": e.sensitive,
                "created_at": datetime(e.created_at),
                "account": account,
                "poll": null,
                "media_attachments": [],
                "emojis": [],
            })
        })
        .collect();
    let s = &view.status;
    versions.push(json!({
        "content": s.content,
        "spoiler_text": s.spoiler_text,
        "sensitive": s.sensitive,
        "created_at": datetime(s.edited_at.unwrap_or(s.created_at)),
        "account": account,
        "poll": null,
        "media_attachments": view.media.iter().map(|m| entities::media(ctx, m)).collect::<Vec<_>>(),
        "emojis": [],
    }));
    Ok(HttpResponse::Ok().json(versions))
}

/// `GET /api/v1/statuses/:id/source`: the text as written, for editing (author only).
async fn source(ctx: &AppContext, auth: &MaybeAuthed, id: &str) -> Result<HttpResponse, ApiError> {
    let me = auth
        .0
        .as_ref()
        .ok_or_else(|| {
            interspace_app::AppError::Unauthorized("The access token is invalid".into())
        })?
        .account()?;
    let view = statuses::get(ctx, id, Some(&me.id)).await?;
    if view.account.id != me.id {
        return Err(ApiError::NotFound);
    }
    Ok(HttpResponse::Ok().json(json!({
        "id": view.status.id,
        "text": view.status.source_text,
        "spoiler_text": view.status.spoiler_text,
    })))
}
