//! Federation routes: actors and their collections, WebFinger, host-meta, NodeInfo.

mod actors;
mod auth;
pub(crate) mod inbox;
mod nodeinfo;
mod webfinger;

use actix_web::guard::{Guard, GuardContext};
use actix_web::http::header;
use actix_web::web;
use interspace_core::accept::wants_activity_json;

/// Matches requests whose `Accept` prefers ActivityStreams JSON; the HTML twin of the route is
/// registered after this one (by the api crate) and serves everyone else.
pub struct ActivityJsonGuard;

impl Guard for ActivityJsonGuard {
    fn check(&self, ctx: &GuardContext<'_>) -> bool {
        ctx.head()
            .headers()
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(wants_activity_json)
    }
}

/// The content type of every ActivityStreams document we serve.
pub const ACTIVITY_JSON: &str = "application/activity+json; charset=utf-8";

pub fn configure(cfg: &mut web::ServiceConfig) {
    let limit = web::PayloadConfig::new(inbox::MAX_BODY);
    for path in [
        "/inbox",
        "/users/{name}/inbox",
        "/spaces/{handle}/inbox",
        "/actor/inbox",
    ] {
        cfg.service(
            web::resource(path)
                .app_data(limit.clone())
                .route(web::post().to(inbox::post)),
        );
    }
    cfg.route(
        "/.well-known/webfinger",
        web::get().to(webfinger::webfinger),
    )
    .route(
        "/.well-known/host-meta",
        web::get().to(webfinger::host_meta),
    )
    .route("/.well-known/nodeinfo", web::get().to(nodeinfo::discovery))
    .route("/nodeinfo/{version}", web::get().to(nodeinfo::nodeinfo))
    .service(
        web::resource("/users/{name}")
            .guard(ActivityJsonGuard)
            .route(web::get().to(actors::user)),
    )
    .service(
        web::resource("/spaces/{handle}")
            .guard(ActivityJsonGuard)
            .route(web::get().to(actors::space)),
    )
    .service(
        web::resource("/users/{name}/statuses/{id}")
            .guard(ActivityJsonGuard)
            .route(web::get().to(actors::note)),
    )
    .service(
        web::resource("/spaces/{handle}/events")
            .guard(ActivityJsonGuard)
            .route(web::get().to(actors::space_events)),
    )
    .service(
        web::resource("/events/{id}")
            .guard(ActivityJsonGuard)
            .route(web::get().to(actors::event)),
    )
    .service(
        web::resource("/opportunities/{id}")
            .guard(ActivityJsonGuard)
            .route(web::get().to(actors::opportunity)),
    )
    .route("/actor", web::get().to(actors::instance))
    .route(
        crate::protocol::context::TERMS_PATH,
        web::get().to(actors::terms),
    )
    .route(
        "/users/{name}/collections/featured",
        web::get().to(actors::featured),
    )
    .route(
        "/users/{name}/{collection}",
        web::get().to(actors::user_collection),
    )
    // Only the collections: the space's event page and calendar live beside them.
    .route(
        "/spaces/{handle}/{collection:followers|following|outbox|members|moderators}",
        web::get().to(actors::space_collection),
    )
    .route(
        "/actor/{collection}",
        web::get().to(actors::instance_collection),
    );
}
