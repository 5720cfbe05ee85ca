//! Timelines: home, public, hashtag, an account's posts.

use crate::statuses::{hydrate, StatusView};
use crate::{AppContext, AppError, AppResult};
use interspace_db::accounts::Account;
use interspace_db::statuses::{self as db_statuses, Page};

pub async fn home(ctx: &AppContext, viewer: &Account, page: &Page) -> AppResult<Vec<StatusView>> {
    let mut conn = ctx.db.get().await?;
    let rows = db_statuses::home_timeline(&mut conn, &viewer.id, page).await?;
    hydrate(&mut conn, rows, Some(&viewer.id)).await
}

pub async fn public(
    ctx: &AppContext,
    viewer: Option<&Account>,
    local: Option<bool>,
    page: &Page,
) -> AppResult<Vec<StatusView>> {
    let mut conn = ctx.db.get().await?;
    let rows =
        db_statuses::public_timeline(&mut conn, viewer.map(|a| a.id.as_str()), local, page).await?;
    hydrate(&mut conn, rows, viewer.map(|a| a.id.as_str())).await
}

pub async fn tag(
    ctx: &AppContext,
    viewer: Option<&Account>,
    tag: &str,
    local: Option<bool>,
    page: &Page,
) -> AppResult<Vec<StatusView>> {
    let mut conn = ctx.db.get().await?;
    let rows = db_statuses::tag_timeline(
        &mut conn,
        viewer.map(|a| a.id.as_str()),
        &tag.to_lowercase(),
        local,
        page,
    )
    .await?;
    hydrate(&mut conn, rows, viewer.map(|a| a.id.as_str())).await
}

pub async fn account(
    ctx: &AppContext,
    viewer: Option<&Account>,
    account_id: &str,
    exclude_replies: bool,
    exclude_reblogs: bool,
    page: &Page,
) -> AppResult<Vec<StatusView>> {
    let mut conn = ctx.db.get().await?;
    let viewer_id = viewer.map(|a| a.id.as_str());
    let rows = db_statuses::account_statuses(
        &mut conn,
        account_id,
        viewer_id,
        exclude_replies,
        exclude_reblogs,
        page,
    )
    .await?;
    hydrate(&mut conn, rows, viewer_id).await
}

/// Hashtags in use starting with `q` (a leading `#` is ignored).
pub async fn search_tags(ctx: &AppContext, q: &str, limit: i64) -> AppResult<Vec<String>> {
    let tag = q.trim().trim_start_matches('#').to_lowercase();
    if tag.is_empty() || !tag.chars().all(|c| c.is_alphanumeric() || c == '_') {
        return Ok(vec![]);
    }
    let mut conn = ctx.db.get().await?;
    Ok(db_statuses::search_tags(&mut conn, &tag, limit).await?)
}

/// The viewer's bookmarks or favourites, newest first, with the mark ids for paging.
pub async fn marked(
    ctx: &AppContext,
    viewer: &Account,
    favourites: bool,
    page: &Page,
) -> AppResult<(Vec<StatusView>, Vec<String>)> {
    let mut conn = ctx.db.get().await?;
    let rows = db_statuses::list_marked(&mut conn, &viewer.id, favourites, page).await?;
    let marks: Vec<String> = rows.iter().map(|(m, _)| m.clone()).collect();
    let views = hydrate(
        &mut conn,
        rows.into_iter().map(|(_, s)| s).collect(),
        Some(&viewer.id),
    )
    .await?;
    Ok((views, marks))
}

/// Posts the viewer may see whose text contains `q` (at least 2 characters).
pub async fn search_statuses(
    ctx: &AppContext,
    viewer: &Account,
    q: &str,
    limit: i64,
    resolve: bool,
) -> AppResult<Vec<StatusView>> {
    let q = q.trim();
    if q.chars().count() < 2 {
        return Ok(vec![]);
    }
    if q.starts_with("https://") || q.starts_with("http://") {
        return status_by_url(ctx, viewer, q, resolve).await;
    }
    let mut conn = ctx.db.get().await?;
    let rows = db_statuses::search_statuses(&mut conn, &viewer.id, q, limit).await?;
    hydrate(&mut conn, rows, Some(&viewer.id)).await
}

/// A post by its ActivityPub id, as Mastodon clients find one from its link: the local copy,
/// else (with `resolve`) fetched from its origin. Only what `viewer` may see.
async fn status_by_url(
    ctx: &AppContext,
    viewer: &Account,
    url: &str,
    resolve: bool,
) -> AppResult<Vec<StatusView>> {
    let known = {
        let mut conn = ctx.db.get().await?;
        db_statuses::find_status_by_uri(&mut conn, url).await?
    };
    let found = match known {
        Some(s) => Some(s),
        None if resolve => {
            let parsed = url::Url::parse(url).map_err(|_| AppError::NotFound("status"))?;
            if let Err(e) = ctx.resolver()?.resolve_object(ctx, &parsed).await {
                tracing::info!(error = %e, url, "cannot resolve a post");
                return Ok(vec![]);
            }
            let mut conn = ctx.db.get().await?;
            db_statuses::find_status_by_uri(&mut conn, url).await?
        }
        None => None,
    };
    let Some(s) = found else {
        return Ok(vec![]);
    };
    match crate::statuses::get(ctx, &s.id, Some(&viewer.id)).await {
        Ok(v) => Ok(vec![v]),
        Err(AppError::NotFound(_)) => Ok(vec![]),
        Err(e) => Err(e),
    }
}
