//! The Mastodon client API and the OAuth 2 server.

mod accounts;
pub mod entities;
mod instance;
mod markers;
mod media;
mod notifications;
pub(crate) mod oauth;
mod push;
mod reports;
mod search;
mod statuses;
mod streaming;
mod timelines;

use actix_web::web;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/api/v1/apps", web::post().to(oauth::create_app))
        .route(
            "/api/v1/apps/verify_credentials",
            web::get().to(oauth::verify_app),
        )
        .route("/oauth/token", web::post().to(oauth::token))
        .route("/oauth/revoke", web::post().to(oauth::revoke))
        .route("/oauth/authorize", web::get().to(oauth::authorize_form))
        .route("/oauth/authorize", web::post().to(oauth::authorize_submit))
        .route(
            "/.well-known/oauth-authorization-server",
            web::get().to(oauth::metadata),
        )
        .route("/api/v1/instance", web::get().to(instance::v1))
        .route("/api/v2/instance", web::get().to(instance::v2))
        .route("/api/v1/custom_emojis", web::get().to(instance::empty_list))
        .route(
            "/api/v1/instance/rules",
            web::get().to(instance::empty_list),
        )
        .route("/api/v1/preferences", web::get().to(instance::preferences))
        .route("/api/v1/accounts", web::post().to(accounts::register))
        .route(
            "/api/v1/accounts/verify_credentials",
            web::get().to(accounts::verify_credentials),
        )
        .route(
            "/api/v1/accounts/relationships",
            web::get().to(accounts::relationships),
        )
        .route("/api/v1/accounts/lookup", web::get().to(accounts::lookup))
        .route("/api/v1/accounts/search", web::get().to(accounts::search))
        .route("/api/v1/accounts/{id}", web::get().to(accounts::get))
        .route(
            "/api/v1/accounts/{id}/statuses",
            web::get().to(accounts::statuses),
        )
        .route(
            "/api/v1/accounts/{id}/{list:followers|following}",
            web::get().to(accounts::follow_list),
        )
        .route(
            "/api/v1/accounts/{id}/follow",
            web::post().to(accounts::follow),
        )
        .route(
            "/api/v1/accounts/{id}/unfollow",
            web::post().to(accounts::unfollow),
        )
        .route(
            "/api/v1/follow_requests",
            web::get().to(accounts::follow_requests),
        )
        .route(
            "/api/v1/follow_requests/{id}/{action}",
            web::post().to(accounts::answer_request),
        )
        .route("/api/v1/statuses", web::post().to(statuses::create))
        .route("/api/v1/statuses/{id}", web::get().to(statuses::get))
        .route("/api/v1/statuses/{id}", web::delete().to(statuses::delete))
        .route(
            "/api/v1/statuses/{id}/context",
            web::get().to(statuses::context),
        )
        .route(
            "/api/v1/statuses/{id}/{which}",
            web::get().to(statuses::interactions),
        )
        .route(
            "/api/v1/statuses/{id}/{action}",
            web::post().to(statuses::action),
        )
        .route("/api/v1/timelines/home", web::get().to(timelines::home))
        .route("/api/v1/timelines/public", web::get().to(timelines::public))
        .route("/api/v1/timelines/tag/{tag}", web::get().to(timelines::tag))
        .route("/api/v1/notifications", web::get().to(notifications::list))
        .route(
            "/api/v1/notifications/clear",
            web::post().to(notifications::clear),
        )
        .route(
            "/api/v1/notifications/unread_count",
            web::get().to(notifications::unread_count),
        )
        .route(
            "/api/v1/notifications/requests",
            web::get().to(notifications::requests),
        )
        .route(
            "/api/v1/notifications/requests/merged",
            web::get().to(notifications::requests_merged),
        )
        .route(
            "/api/v1/notifications/requests/{action:accept|dismiss}",
            web::post().to(notifications::answer_requests),
        )
        .route(
            "/api/v1/notifications/requests/{id}",
            web::get().to(notifications::request),
        )
        .route(
            "/api/v1/notifications/requests/{id}/{action:accept|dismiss}",
            web::post().to(notifications::answer_request),
        )
        .route(
            "/api/v2/notifications",
            web::get().to(notifications::list_grouped),
        )
        .route(
            "/api/v2/notifications/unread_count",
            web::get().to(notifications::unread_count),
        )
        .route(
            "/api/v2/notifications/policy",
            web::get().to(notifications::policy),
        )
        .route(
            "/api/v2/notifications/policy",
            web::patch().to(notifications::update_policy),
        )
        .route(
            "/api/v2/notifications/{group_key}",
            web::get().to(notifications::get_group),
        )
        .route(
            "/api/v2/notifications/{group_key}/accounts",
            web::get().to(notifications::group_accounts),
        )
        .route(
            "/api/v2/notifications/{group_key}/dismiss",
            web::post().to(notifications::dismiss_group),
        )
        .route(
            "/api/v1/notifications/{id}",
            web::get().to(notifications::get),
        )
        .route(
            "/api/v1/notifications/{id}/dismiss",
            web::post().to(notifications::dismiss),
        )
        .route("/api/v2/search", web::get().to(search::v2))
        .route("/api/v1/media", web::post().to(media::upload))
        .route("/api/v2/media", web::post().to(media::upload))
        .route("/api/v1/media/{id}", web::get().to(media::get))
        .route("/api/v1/media/{id}", web::put().to(media::update))
        .route("/media/{name}", web::get().to(media::file))
        .route(
            "/api/v1/accounts/{id}/{action}",
            web::post().to(accounts::moderate),
        )
        .route("/api/v1/blocks", web::get().to(accounts::blocked_or_muted))
        .route("/api/v1/bookmarks", web::get().to(timelines::marked))
        .route("/api/v1/streaming", web::get().to(streaming::websocket))
        .route("/api/v1/streaming/health", web::get().to(streaming::health))
        .route(
            "/api/v1/streaming/{stream:.+}",
            web::get().to(streaming::sse),
        )
        .route("/api/v1/markers", web::get().to(markers::get))
        .route("/api/v1/push/subscription", web::get().to(push::get))
        .route("/api/v1/push/subscription", web::post().to(push::create))
        .route("/api/v1/push/subscription", web::put().to(push::update))
        .route("/api/v1/push/subscription", web::delete().to(push::delete))
        .route("/api/v1/statuses/{id}", web::put().to(statuses::edit))
        .route("/api/v1/markers", web::post().to(markers::save))
        .route("/api/v1/favourites", web::get().to(timelines::marked))
        .route("/api/v1/mutes", web::get().to(accounts::blocked_or_muted))
        .route("/api/v1/reports", web::post().to(reports::create))
        .route(
            "/api/v1/accounts/update_credentials",
            web::patch().to(accounts::update_credentials),
        );
}
