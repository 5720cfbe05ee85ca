//! `/api/v1/timelines`.

use super::entities::Renderer;
use crate::extract::{Authed, MaybeAuthed, Params};
use crate::paging::{page, paged_response};
use crate::ApiError;
use actix_web::{web, HttpRequest, HttpResponse};
use interspace_app::statuses::StatusView;
use interspace_app::{timelines, AppContext};

async fn respond(
    ctx: &AppContext,
    req: &HttpRequest,
    list: Vec<StatusView>,
) -> Result<HttpResponse, ApiError> {
    let ids: Vec<String> = list.iter().map(|s| s.status.id.clone()).collect();
    let json = Renderer::new(ctx).statuses(&list).await?;
    Ok(paged_response(req, ctx.urls().base(), json, &ids))
}

pub async fn home(
    ctx: web::Data<AppContext>,
    req: HttpRequest,
    auth: Authed,
    p: Params,
) -> Result<HttpResponse, ApiError> {
    auth.0.require("read:statuses")?;
    let list = timelines::home(&ctx, auth.0.account()?, &page(&p, 20, 40)?).await?;
    respond(&ctx, &req, list).await
}

fn locality(p: &Params) -> Result<Option<bool>, ApiError> {
    Ok(
        match (
            p.bool("local")?.unwrap_or(false),
            p.bool("remote")?.unwrap_or(false),
        ) {
            (true, false) => Some(true),
            (false, true) => Some(false),
            _ => None,
        },
    )
}

pub async fn public(
    ctx: web::Data<AppContext>,
    req: HttpRequest,
    auth: MaybeAuthed,
    p: Params,
) -> Result<HttpResponse, ApiError> {
    let viewer = auth.0.as_ref().and_then(|a| a.account().ok());
    let list = timelines::public(&ctx, viewer, locality(&p)?, &page(&p, 20, 40)?).await?;
    respond(&ctx, &req, list).await
}

pub async fn tag(
    ctx: web::Data<AppContext>,
    req: HttpRequest,
    auth: MaybeAuthed,
    tag: web::Path<String>,
    p: Params,
) -> Result<HttpResponse, ApiError> {
    let viewer = auth.0.as_ref().and_then(|a| a.account().ok());
    let list = timelines::tag(&ctx, viewer, &tag, locality(&p)?, &page(&p, 20, 40)?).await?;
    respond(&ctx, &req, list).await
}

/// `GET /api/v1/bookmarks`, `GET /api/v1/favourites`
pub async fn marked(
    ctx: web::Data<AppContext>,
    req: HttpRequest,
    auth: Authed,
    p: Params,
) -> Result<HttpResponse, ApiError> {
    let favourites = req.path().ends_with("/favourites");
    auth.0.require(if favourites {
        "read:favourites"
    } else {
        "read:bookmarks"
    })?;
    let (list, marks) =
        timelines::marked(&ctx, auth.0.account()?, favourites, &page(&p, 20, 40)?).await?;
    let json = Renderer::new(&ctx).statuses(&list).await?;
    Ok(paged_response(&req, ctx.urls().base(), json, &marks))
}
