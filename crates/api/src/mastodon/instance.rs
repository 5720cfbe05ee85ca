//! Instance information, custom emojis, preferences.

use super::entities::Renderer;
use crate::extract::Authed;
use crate::ApiError;
use actix_web::{web, HttpResponse};
use interspace_app::statuses::MAX_CHARS;
use interspace_app::{instance, AppContext, SOFTWARE_VERSION};
use interspace_core::roles::RegistrationMode;
use serde_json::{json, Value};

/// Mastodon.py parses the part before the first space as Mastodon's version: claim the API
/// level we implement, then say what we are.
pub fn version() -> String {
    format!("4.3.0 (compatible; Interspace {SOFTWARE_VERSION})")
}

fn statuses_config() -> Value {
    json!({ "max_characters": MAX_CHARS, "max_media_attachments": 4, "characters_reserved_per_url": 23 })
}

fn media_config() -> Value {
    json!({
        "supported_mime_types": ["image/jpeg", "image/png", "image/gif", "image/webp"],
        "image_size_limit": interspace_app::media::MAX_BYTES,
        "image_matrix_limit": interspace_core::images::MAX_PIXELS,
        "video_size_limit": 0,
        "video_frame_rate_limit": 0,
        "video_matrix_limit": 0,
    })
}

/// Polls do not exist here yet (a post with one is refused with 422): no option is allowed.
fn polls_config() -> Value {
    json!({ "max_options": 0, "max_characters_per_option": 0, "min_expiration": 0, "max_expiration": 0 })
}

async fn contact_json(ctx: &AppContext) -> Result<Value, ApiError> {
    Ok(match instance::contact(ctx).await? {
        Some(a) => json!(Renderer::new(ctx).account(&a).await?),
        None => Value::Null,
    })
}

pub async fn v1(ctx: web::Data<AppContext>) -> Result<HttpResponse, ApiError> {
    let stats = instance::stats(&ctx).await?;
    let u = ctx.urls();
    let mode = ctx.settings.registrations;
    Ok(HttpResponse::Ok().json(json!({
        "uri": u.domain(),
        "title": stats.space_name,
        "short_description": format!("{}, a coworking space on Interspace", stats.space_name),
        "description": format!("{}, a coworking space on Interspace", stats.space_name),
        "email": "",
        "version": version(),
        "urls": { "streaming_api": format!("{}://{}", if u.is_https() { "wss" } else { "ws" }, u.domain()) },
        "stats": { "user_count": stats.users_total, "status_count": stats.local_posts, "domain_count": 0 },
        "thumbnail": u.path("/static/header.png"),
        "languages": ["en"],
        "registrations": mode != RegistrationMode::Closed,
        "approval_required": mode == RegistrationMode::Approval,
        "invites_enabled": true,
        "configuration": {
            "accounts": { "max_featured_tags": 0 },
            "statuses": statuses_config(),
            "media_attachments": media_config(),
            "polls": polls_config(),
        },
        "contact_account": contact_json(&ctx).await?,
        "rules": [],
    })))
}

pub async fn v2(ctx: web::Data<AppContext>) -> Result<HttpResponse, ApiError> {
    let stats = instance::stats(&ctx).await?;
    let u = ctx.urls();
    let mode = ctx.settings.registrations;
    Ok(HttpResponse::Ok().json(json!({
        "domain": u.domain(),
        "title": stats.space_name,
        "version": version(),
        "source_url": "https://www.gnu.org/licenses/agpl-3.0.html",
        "description": format!("{}, a coworking space on Interspace", stats.space_name),
        "usage": { "users": { "active_month": stats.active_month } },
        "thumbnail": { "url": u.path("/static/header.png") },
        "icon": [],
        "languages": ["en"],
        "configuration": {
            "urls": { "streaming": format!("{}://{}", if u.is_https() { "wss" } else { "ws" }, u.domain()), "status": null },
            "vapid": { "public_key": interspace_app::push::vapid(&ctx).await?.public_key },
            "accounts": { "max_featured_tags": 0, "max_pinned_statuses": interspace_core::statuses::MAX_PINS },
            "statuses": statuses_config(),
            "media_attachments": media_config(),
            "polls": polls_config(),
            "translation": { "enabled": false },
        },
        "registrations": {
            "enabled": mode != RegistrationMode::Closed,
            "approval_required": mode == RegistrationMode::Approval,
            "message": null,
            "url": null,
        },
        "api_versions": { "mastodon": 2 },
        "contact": { "email": "", "account": contact_json(&ctx).await? },
        "rules": [],
    })))
}

pub async fn empty_list() -> HttpResponse {
    HttpResponse::Ok().json(json!([]))
}

pub async fn preferences(auth: Authed) -> Result<HttpResponse, ApiError> {
    auth.0.require("read:accounts")?;
    Ok(HttpResponse::Ok().json(json!({
        "posting:default:visibility": "public",
        "posting:default:sensitive": false,
        "posting:default:language": null,
        "reading:expand:media": "default",
        "reading:expand:spoilers": false,
    })))
}
