//! Mastodon paging: `max_id`, `since_id`, `min_id`, `limit`, and the `Link` header.

use crate::extract::Params;
use crate::ApiError;
use actix_web::{HttpRequest, HttpResponse};
use interspace_app::AppError;
use interspace_app::Page;

/// Reads paging parameters; `limit` defaults to `default` and is capped at `max`.
pub fn page(p: &Params, default: i64, max: i64) -> Result<Page, ApiError> {
    let limit = match p.str("limit") {
        None => default,
        Some(l) => l
            .trim()
            .parse::<i64>()
            .map_err(|_| {
                AppError::Unprocessable("Validation failed: limit must be a number".into())
            })?
            .clamp(1, max),
    };
    let id = |k: &str| {
        p.str(k)
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
    };
    Ok(Page {
        max_id: id("max_id"),
        since_id: id("since_id"),
        min_id: id("min_id"),
        limit,
    })
}

/// A JSON list with `Link: <...max_id=last>; rel="next", <...min_id=first>; rel="prev"`.
pub fn paged_response(
    req: &HttpRequest,
    base: &url::Url,
    items: impl serde::Serialize,
    ids: &[String],
) -> HttpResponse {
    let mut res = HttpResponse::Ok();
    if let (Some(first), Some(last)) = (ids.first(), ids.last()) {
        let link = |key: &str, id: &str| {
            let mut url = base.join(req.path()).unwrap_or_else(|_| base.clone());
            {
                let mut q = url.query_pairs_mut();
                for (k, v) in url::form_urlencoded::parse(req.query_string().as_bytes()) {
                    if !matches!(k.as_ref(), "max_id" | "since_id" | "min_id") {
                        q.append_pair(&k, &v);
                    }
                }
                q.append_pair(key, id);
            }
            url.to_string()
        };
        res.insert_header((
            "Link",
            format!(
                "<{}>; rel=\"next\", <{}>; rel=\"prev\"",
                link("max_id", last),
                link("min_id", first)
            ),
        ));
    }
    res.json(items)
}
