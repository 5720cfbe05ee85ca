//! Actor documents and their collections (`OrderedCollection`, paged).

use super::auth::authorize_fetch;
use super::ACTIVITY_JSON;
use crate::objects::actor::local_actor_json;
use crate::{Data, FederationError};
use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use interspace_app::actors::{self, CollectionKind};
use interspace_core::urls::LocalActor;
use serde::Deserialize;
use serde_json::{json, Value};

/// Serves an ActivityStreams document with `@context` first (people read these too).
pub fn activity_response(body: Value) -> HttpResponse {
    let body = crate::protocol::context::document(body);
    HttpResponse::Ok()
        .content_type(ACTIVITY_JSON)
        .insert_header((header::VARY, "Accept"))
        .body(body.to_string())
}

async fn actor(
    data: &Data,
    req: &HttpRequest,
    which: LocalActor,
) -> Result<HttpResponse, FederationError> {
    // The instance actor stays fetchable: others need its key to check our signed fetches.
    if which != LocalActor::Instance {
        authorize_fetch(data, req).await?;
    }
    let view = actors::get_local(data.app_data(), &which).await?;
    let json = serde_json::to_value(local_actor_json(&view)?)?;
    Ok(activity_response(json))
}

pub async fn user(
    data: Data,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, FederationError> {
    actor(&data, &req, LocalActor::User(path.into_inner())).await
}

pub async fn space(
    data: Data,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, FederationError> {
    actor(&data, &req, LocalActor::Space(path.into_inner())).await
}

/// A local post as a Note (`/users/{name}/statuses/{id}`): public and unlisted ones to anyone
/// (signed when authorized fetch is on), followers-only and direct ones to a signed GET by an
/// actor they are addressed to (404 to everyone else).
pub async fn note(
    data: Data,
    req: HttpRequest,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, FederationError> {
    let reader = super::auth::reader(&data, &req).await?;
    let (name, id) = path.into_inner();
    let json = crate::outbound::note_document(data.app_data(), &name, &id, reader.as_ref()).await?;
    Ok(activity_response(json))
}

/// `/spaces/{handle}/events`: the space's upcoming public events (its `upcomingEvents`), the
/// next 80 by start.
pub async fn space_events(
    data: Data,
    req: HttpRequest,
    handle: web::Path<String>,
) -> Result<HttpResponse, FederationError> {
    authorize_fetch(&data, &req).await?;
    let ctx = data.app_data();
    let space = interspace_app::spaces::show(ctx).await?;
    if !space.account.username.eq_ignore_ascii_case(&handle) {
        return Err(FederationError::NotFound);
    }
    let list = interspace_app::events::list(
        ctx,
        None,
        interspace_app::events::EventFilter {
            upcoming: true,
            space_id: Some(space.space.id.clone()),
            local: Some(true),
            limit: 80,
            ..Default::default()
        },
    )
    .await?;
    let items: Vec<&str> = list.iter().map(|v| v.event.uri.as_str()).collect();
    Ok(activity_response(json!({
            "id": format!("{}/events", space.account.uri),
            "type": "OrderedCollection",
            "totalItems": items.len(),
            "orderedItems": items,
    })))
}

/// A local public event as an FEP-8a8e `Event` (410 once deleted).
pub async fn event(
    data: Data,
    req: HttpRequest,
    id: web::Path<String>,
) -> Result<HttpResponse, FederationError> {
    authorize_fetch(&data, &req).await?;
    let (view, _) = interspace_app::events::for_delivery(data.app_data(), &id)
        .await
        .map_err(|_| FederationError::NotFound)?;
    if !view.event.is_local || view.event.visibility != "public" {
        return Err(FederationError::NotFound);
    }
    if view.event.deleted_at.is_some() {
        return Err(interspace_app::AppError::Gone("event").into());
    }
    Ok(activity_response(crate::objects::event::event_json(&view)))
}

/// A local public opportunity as its Note with the FEP-0837 Proposal (410 once deleted).
pub async fn opportunity(
    data: Data,
    req: HttpRequest,
    id: web::Path<String>,
) -> Result<HttpResponse, FederationError> {
    authorize_fetch(&data, &req).await?;
    let ctx = data.app_data();
    let (view, partners) = interspace_app::opportunities::for_delivery(ctx, &id)
        .await
        .map_err(|_| FederationError::NotFound)?;
    if !view.opportunity.is_local || view.opportunity.visibility != "public" {
        return Err(FederationError::NotFound);
    }
    if view.opportunity.deleted_at.is_some() {
        return Err(interspace_app::AppError::Gone("opportunity").into());
    }
    Ok(activity_response(crate::objects::opportunity::note_json(
        ctx, &view, &partners,
    )))
}

/// Our JSON-LD terms, versioned (`protocol::context::TERMS_PATH`), readable from any origin.
pub async fn terms() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/ld+json; charset=utf-8")
        .insert_header((header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"))
        .insert_header((header::CACHE_CONTROL, "public, max-age=86400"))
        .body(json!({ "@context": crate::protocol::context::terms() }).to_string())
}

pub async fn instance(data: Data, req: HttpRequest) -> Result<HttpResponse, FederationError> {
    actor(&data, &req, LocalActor::Instance).await
}

#[derive(Deserialize)]
pub struct PageQuery {
    page: Option<String>,
}

fn collection_kind(name: &str) -> Result<CollectionKind, FederationError> {
    match name {
        "followers" => Ok(CollectionKind::Followers),
        "following" => Ok(CollectionKind::Following),
        "outbox" => Ok(CollectionKind::Outbox),
        "members" => Ok(CollectionKind::Members),
        "moderators" => Ok(CollectionKind::Moderators),
        _ => Err(FederationError::NotFound),
    }
}

async fn collection(
    data: &Data,
    req: &HttpRequest,
    which: LocalActor,
    name: &str,
    query: &PageQuery,
) -> Result<HttpResponse, FederationError> {
    authorize_fetch(data, req).await?;
    let kind = collection_kind(name)?;
    let page = match query.page.as_deref() {
        None => None,
        // Mastodon pages with `page=true` for the first page.
        Some("true") => Some(1),
        Some(p) => Some(
            p.parse::<i64>()
                .ok()
                .filter(|p| (1..=100_000).contains(p))
                .ok_or_else(|| {
                    FederationError::BadRequest("page must be a number from 1".into())
                })?,
        ),
    };
    let ctx = data.app_data();
    let view = actors::get_local(ctx, &which).await?;
    let account = view.account();
    let id = ctx.urls().actor_sub(&url::Url::parse(&account.uri)?, name);
    // A group's staff is short: listed whole, as Lemmy reads its moderators. A group's outbox
    // also holds its first page's activities inline: Lemmy loads a community's recent posts
    // from the collection itself. Both read the first page, once.
    let whole = kind == CollectionKind::Moderators;
    let inline_outbox =
        page.is_none() && kind == CollectionKind::Outbox && account.actor_type == "Group";
    let read = if whole || inline_outbox {
        Some(1)
    } else {
        page
    };
    let result = actors::collection(ctx, account, kind, read).await?;
    let page_url = |n: i64| format!("{id}?page={n}");
    let body = match result.page {
        // The owner shows how many, not who.
        _ if result.hidden => json!({
            "id": id,
            "type": "OrderedCollection",
            "totalItems": result.total,
        }),
        _ if whole => json!({
            "id": id,
            "type": "OrderedCollection",
            "totalItems": result.total,
            "orderedItems": result.items,
        }),
        _ if inline_outbox => json!({
            "id": id,
            "type": "OrderedCollection",
            "totalItems": result.total,
            "first": page_url(1),
            "orderedItems": outbox_items(ctx, &result.items).await?,
        }),
        None => json!({
            "id": id,
            "type": "OrderedCollection",
            "totalItems": result.total,
            "first": page_url(1),
        }),
        Some(n) => {
            // The outbox holds whole activities (Lemmy reads a community's recent posts from
            // its first page); the other collections, actor ids.
            let items: Vec<Value> = if kind == CollectionKind::Outbox {
                outbox_items(ctx, &result.items).await?
            } else {
                result.items.iter().map(|i| json!(i)).collect()
            };
            let mut page = json!({
                "id": page_url(n),
                "type": "OrderedCollectionPage",
                "partOf": id,
                "totalItems": result.total,
                "orderedItems": items,
            });
            if result.has_next {
                page["next"] = json!(page_url(n + 1));
            }
            if n > 1 {
                page["prev"] = json!(page_url(n - 1));
            }
            page
        }
    };
    Ok(activity_response(body))
}

/// The activities of an outbox page, from its status ids.
async fn outbox_items(
    ctx: &interspace_app::AppContext,
    status_ids: &[String],
) -> Result<Vec<Value>, FederationError> {
    let mut activities = Vec::with_capacity(status_ids.len());
    for status_id in status_ids {
        if let Some(a) = crate::outbound::outbox_item(ctx, status_id).await? {
            activities.push(a);
        }
    }
    Ok(activities)
}

/// `/users/{name}/collections/featured`: the member's pinned public posts, as Notes (Mastodon
/// reads them whole from the collection).
pub async fn featured(
    data: Data,
    req: HttpRequest,
    name: web::Path<String>,
) -> Result<HttpResponse, FederationError> {
    authorize_fetch(&data, &req).await?;
    let ctx = data.app_data();
    let view = actors::get_local(ctx, &LocalActor::User(name.into_inner())).await?;
    let account = view.account();
    let notes = crate::outbound::featured(ctx, &account.id).await?;
    Ok(activity_response(json!({
        "id": crate::objects::actor::featured_url(&account.uri),
        "type": "OrderedCollection",
        "totalItems": notes.len(),
        "orderedItems": notes,
    })))
}

pub async fn user_collection(
    data: Data,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, FederationError> {
    let (name, coll) = path.into_inner();
    collection(&data, &req, LocalActor::User(name), &coll, &query).await
}

pub async fn space_collection(
    data: Data,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, FederationError> {
    let (handle, coll) = path.into_inner();
    collection(&data, &req, LocalActor::Space(handle), &coll, &query).await
}

pub async fn instance_collection(
    data: Data,
    req: HttpRequest,
    path: web::Path<String>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, FederationError> {
    collection(
        &data,
        &req,
        LocalActor::Instance,
        &path.into_inner(),
        &query,
    )
    .await
}
