//! `/api/v1/accounts`, follow requests.

use super::entities::{relationship, Renderer};
use crate::extract::{Authed, MaybeAuthed, Params};
use crate::paging::{page, paged_response};
use crate::ApiError;
use actix_web::{web, HttpRequest, HttpResponse};
use interspace_app::{accounts, follows, timelines, AppContext};
use serde_json::Value;

pub async fn verify_credentials(
    ctx: web::Data<AppContext>,
    auth: Authed,
) -> Result<HttpResponse, ApiError> {
    auth.0.require("read:accounts")?;
    let (user, account) = auth.0.user()?;
    let requests = follows::follow_requests_count(&ctx, account).await?;
    Ok(HttpResponse::Ok().json(
        Renderer::new(&ctx)
            .credential_account(user, account, requests)
            .await?,
    ))
}

pub async fn get(
    ctx: web::Data<AppContext>,
    _auth: MaybeAuthed,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let account = accounts::get(&ctx, &id).await?;
    Ok(HttpResponse::Ok().json(Renderer::new(&ctx).account(&account).await?))
}

pub async fn lookup(
    ctx: web::Data<AppContext>,
    _auth: MaybeAuthed,
    p: Params,
) -> Result<HttpResponse, ApiError> {
    let acct = p
        .str("acct")
        .ok_or_else(|| ApiError::BadRequest("acct is required".into()))?;
    let account = accounts::lookup(&ctx, &acct, false).await?;
    Ok(HttpResponse::Ok().json(Renderer::new(&ctx).account(&account).await?))
}

pub async fn statuses(
    ctx: web::Data<AppContext>,
    req: HttpRequest,
    auth: MaybeAuthed,
    id: web::Path<String>,
    p: Params,
) -> Result<HttpResponse, ApiError> {
    let account = accounts::get(&ctx, &id).await?;
    let viewer = auth.0.as_ref().and_then(|a| a.account().ok());
    let pg = page(&p, 20, 40)?;
    let list = timelines::account(
        &ctx,
        viewer,
        &account.id,
        p.bool("exclude_replies")?.unwrap_or(false),
        p.bool("exclude_reblogs")?.unwrap_or(false),
        &pg,
    )
    .await?;
    // The pinned tab: pinned posts, no paging (there are at most five).
    let list = if p.bool("pinned")?.unwrap_or(false) {
        let viewer_id = viewer.map(|v| v.id.as_str());
        interspace_app::statuses::pinned(&ctx, &account.id, viewer_id).await?
    } else {
        list
    };
    let ids: Vec<String> = list.iter().map(|s| s.status.id.clone()).collect();
    let json = Renderer::new(&ctx).statuses(&list).await?;
    Ok(paged_response(&req, ctx.urls().base(), json, &ids))
}

pub async fn follow(
    ctx: web::Data<AppContext>,
    auth: Authed,
    id: web::Path<String>,
    p: Params,
) -> Result<HttpResponse, ApiError> {
    auth.0.require("write:follows")?;
    let r = follows::follow(
        &ctx,
        auth.0.account()?,
        &id,
        p.bool("reblogs")?,
        p.bool("notify")?,
    )
    .await?;
    Ok(HttpResponse::Ok().json(relationship(&r)))
}

pub async fn unfollow(
    ctx: web::Data<AppContext>,
    auth: Authed,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    auth.0.require("write:follows")?;
    let r = follows::unfollow(&ctx, auth.0.account()?, &id).await?;
    Ok(HttpResponse::Ok().json(relationship(&r)))
}

pub async fn relationships(
    ctx: web::Data<AppContext>,
    auth: Authed,
    p: Params,
) -> Result<HttpResponse, ApiError> {
    auth.0.require("read:follows")?;
    let ids: Vec<String> = p.list("id").into_iter().take(80).collect();
    let list = follows::relationships(&ctx, auth.0.account()?, &ids).await?;
    Ok(HttpResponse::Ok().json(list.iter().map(relationship).collect::<Vec<_>>()))
}

/// `GET /api/v1/accounts/:id/followers` and `.../following`: empty to others when the owner
/// hides them (Mastodon's `hide_collections`).
pub async fn follow_list(
    ctx: web::Data<AppContext>,
    req: HttpRequest,
    auth: MaybeAuthed,
    path: web::Path<(String, String)>,
    p: Params,
) -> Result<HttpResponse, ApiError> {
    let (id, which) = path.into_inner();
    let account = accounts::get(&ctx, &id).await?;
    let pg = page(&p, 40, 80)?;
    let viewer = auth.0.as_ref().and_then(|a| a.account().ok());
    if viewer.is_none_or(|v| v.id != account.id)
        && accounts::hides_collections(&ctx, &account.id).await?
    {
        return Ok(HttpResponse::Ok().json(Vec::<Value>::new()));
    }
    let side = match which.as_str() {
        "followers" => accounts::FollowSide::Followers,
        "following" => accounts::FollowSide::Following,
        _ => return Err(ApiError::NotFound),
    };
    let rows = accounts::follow_page(&ctx, &account, side, &pg).await?;
    paged_accounts(&ctx, &req, rows).await
}

pub async fn search(
    ctx: web::Data<AppContext>,
    auth: Authed,
    p: Params,
) -> Result<HttpResponse, ApiError> {
    auth.0.require("read:accounts")?;
    let q = p.str("q").unwrap_or_default();
    let limit = page(&p, 40, 80)?.limit;
    let list = accounts::search(&ctx, &q, p.bool("resolve")?.unwrap_or(false), limit).await?;
    Ok(HttpResponse::Ok().json(Renderer::new(&ctx).accounts(&list).await?))
}

pub async fn follow_requests(
    ctx: web::Data<AppContext>,
    req: HttpRequest,
    auth: Authed,
    p: Params,
) -> Result<HttpResponse, ApiError> {
    auth.0.require("read:follows")?;
    let list = follows::follow_requests(&ctx, auth.0.account()?, &page(&p, 40, 80)?).await?;
    paged_accounts(&ctx, &req, list).await
}

/// A page of accounts with the `Link` header of the rows (follows, blocks, favourites, ...)
/// that list them.
pub(super) async fn paged_accounts(
    ctx: &AppContext,
    req: &HttpRequest,
    list: Vec<(String, interspace_app::Account)>,
) -> Result<HttpResponse, ApiError> {
    let (ids, accounts): (Vec<String>, Vec<_>) = list.into_iter().unzip();
    let json = Renderer::new(ctx).accounts(&accounts).await?;
    Ok(paged_response(req, ctx.urls().base(), json, &ids))
}

pub async fn answer_request(
    ctx: web::Data<AppContext>,
    auth: Authed,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    auth.0.require("write:follows")?;
    let (id, action) = path.into_inner();
    let accept = match action.as_str() {
        "authorize" => true,
        "reject" => false,
        _ => return Err(ApiError::NotFound),
    };
    let r = follows::answer_request(&ctx, auth.0.account()?, &id, accept).await?;
    Ok(HttpResponse::Ok().json(relationship(&r)))
}

/// `POST /api/v1/accounts`: registration with an app token.
pub async fn register(
    ctx: web::Data<AppContext>,
    auth: Authed,
    p: Params,
) -> Result<HttpResponse, ApiError> {
    let issued = interspace_app::registrations::register(
        &ctx,
        &auth.0,
        interspace_app::registrations::Registration {
            username: p.string("username")?.unwrap_or_default(),
            email: p.string("email")?.unwrap_or_default(),
            password: p.string("password")?.unwrap_or_default(),
            agreement: p.bool("agreement")?.unwrap_or(false),
            locale: p.string("locale")?,
            reason: p.string("reason")?,
            invite_code: p.string("invite_code")?,
        },
    )
    .await?;
    let mut body = serde_json::json!({
        "access_token": issued.access_token,
        "token_type": "Bearer",
        "scope": issued.scope,
        "created_at": issued.created_at,
    });
    if let Some(r) = issued.refresh_token {
        body["refresh_token"] = serde_json::json!(r);
    }
    Ok(HttpResponse::Ok().json(body))
}

/// `PATCH /api/v1/accounts/update_credentials`
pub async fn update_credentials(
    ctx: web::Data<AppContext>,
    auth: Authed,
    p: Params,
) -> Result<HttpResponse, ApiError> {
    auth.0.require("write:accounts")?;
    let me = auth.0.user()?;

    // `fields_attributes` arrives as an object keyed by index (forms) or as a list (JSON).
    let fields = match p.map.get("fields_attributes") {
        Some(Value::Object(map)) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_by_key(|(k, _)| k.parse::<usize>().unwrap_or(usize::MAX));
            Some(entries.iter().map(|(_, v)| field_pair(v)).collect())
        }
        Some(Value::Array(list)) => Some(list.iter().map(field_pair).collect()),
        _ => None,
    };
    let source = |key: &str| -> Option<String> {
        p.str(&format!("source[{key}]")).or_else(|| {
            p.map
                .get("source")
                .and_then(|s| s.get(key))
                .and_then(|v| v.as_str().map(String::from))
        })
    };
    let sensitive = match source("sensitive") {
        Some(s) => Some(matches!(s.as_str(), "1" | "true" | "on")),
        None => p
            .map
            .get("source")
            .and_then(|s| s.get("sensitive"))
            .and_then(Value::as_bool),
    };
    let update = interspace_app::accounts::ProfileUpdate {
        display_name: p.string("display_name")?,
        note: p.string("note")?,
        locked: p.bool("locked")?,
        bot: p.bool("bot")?,
        discoverable: p.bool("discoverable")?,
        fields,
        avatar: p.upload("avatar").await?,
        header: p.upload("header").await?,
        skills: None,
        privacy: source("privacy"),
        sensitive,
        language: source("language"),
        hide_collections: p.bool("hide_collections")?,
    };
    let (user, account) = interspace_app::accounts::update_profile(&ctx, me, update).await?;
    let requests = follows::follow_requests_count(&ctx, &account).await?;
    Ok(HttpResponse::Ok().json(
        Renderer::new(&ctx)
            .credential_account(&user, &account, requests)
            .await?,
    ))
}

fn field_pair(v: &Value) -> (String, String) {
    let get = |k: &str| v.get(k).and_then(Value::as_str).unwrap_or("").to_string();
    (get("name"), get("value"))
}

/// `POST /api/v1/accounts/:id/{block,unblock,mute,unmute}`
pub async fn moderate(
    ctx: web::Data<AppContext>,
    auth: Authed,
    path: web::Path<(String, String)>,
    p: Params,
) -> Result<HttpResponse, ApiError> {
    let (id, action) = path.into_inner();
    let scope = match action.as_str() {
        "block" | "unblock" => "write:blocks",
        "mute" | "unmute" => "write:mutes",
        _ => return Err(ApiError::NotFound),
    };
    auth.0.require(scope)?;
    let me = auth.0.account()?;
    let r = match action.as_str() {
        "block" => interspace_app::blocks::block(&ctx, me, &id).await?,
        "unblock" => interspace_app::blocks::unblock(&ctx, me, &id).await?,
        "mute" => {
            interspace_app::blocks::mute(&ctx, me, &id, p.bool("notifications")?.unwrap_or(true))
                .await?
        }
        _ => interspace_app::blocks::unmute(&ctx, me, &id).await?,
    };
    Ok(HttpResponse::Ok().json(relationship(&r)))
}

/// `GET /api/v1/blocks`, `GET /api/v1/mutes`
pub async fn blocked_or_muted(
    ctx: web::Data<AppContext>,
    req: HttpRequest,
    auth: Authed,
    p: Params,
) -> Result<HttpResponse, ApiError> {
    let me = auth.0.account()?;
    let page = page(&p, 40, 80)?;
    let list = if req.path().ends_with("/blocks") {
        auth.0.require("read:blocks")?;
        interspace_app::blocks::blocked(&ctx, me, &page).await?
    } else {
        auth.0.require("read:mutes")?;
        interspace_app::blocks::muted(&ctx, me, &page).await?
    };
    paged_accounts(&ctx, &req, list).await
}
