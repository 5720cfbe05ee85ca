//! `/api/v2/search`: accounts (with WebFinger resolution), statuses by URL, hashtags.

use super::entities::Renderer;
use crate::extract::{MaybeAuthed, Params};
use crate::paging::page;
use crate::ApiError;
use actix_web::{web, HttpResponse};
use interspace_app::{accounts, timelines, AppContext};
use serde_json::json;

pub async fn v2(
    ctx: web::Data<AppContext>,
    auth: MaybeAuthed,
    p: Params,
) -> Result<HttpResponse, ApiError> {
    if let Some(a) = &auth.0 {
        a.require("read:search")?;
    }
    let q = p.str("q").unwrap_or_default();
    let kind = p.str("type").unwrap_or_default();
    let limit = page(&p, 20, 40)?.limit;
    // Resolving needs a signed-in user (as in Mastodon), and a handle is always looked up
    // through WebFinger, whatever `type` asks for.
    let resolve = auth.0.is_some() && p.bool("resolve")?.unwrap_or(false);
    let looks_like_handle = q.trim().trim_start_matches('@').contains('@');
    let mut r = Renderer::new(&ctx);
    let wants_accounts = (kind.is_empty() || kind == "accounts") && !q.trim().starts_with('#');
    let accounts_json = if wants_accounts || looks_like_handle {
        let list = accounts::search(&ctx, &q, resolve, limit).await?;
        json!(r.accounts(&list).await?)
    } else {
        json!([])
    };
    let hashtags = if kind.is_empty() || kind == "hashtags" {
        let names = timelines::search_tags(&ctx, &q, limit).await?;
        json!(names
            .iter()
            .map(|t| json!({ "name": t, "url": ctx.urls().path(&format!("/tags/{t}")), "history": [], "following": false }))
            .collect::<Vec<_>>())
    } else {
        json!([])
    };
    // Post search needs a signed-in viewer: it shows only what they may see.
    let viewer = auth.0.as_ref().and_then(|a| a.account().ok());
    let statuses_json = match viewer {
        // A `#tag` query asks for hashtags, as a handle asks for accounts.
        Some(me)
            if (kind.is_empty() || kind == "statuses")
                && !looks_like_handle
                && !q.trim().starts_with('#') =>
        {
            let list = timelines::search_statuses(&ctx, me, &q, limit, resolve).await?;
            json!(r.statuses(&list).await?)
        }
        _ => json!([]),
    };
    Ok(HttpResponse::Ok().json(
        json!({ "accounts": accounts_json, "statuses": statuses_json, "hashtags": hashtags }),
    ))
}
