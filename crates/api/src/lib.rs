//! Interspace's HTTP API: health and metrics, web pages, and (in later modules) the Mastodon
//! client API, OAuth and the Interspace API. Handlers are thin: parse, call one use-case in
//! `app`, render.

mod calendar;
mod error;
pub mod extract;
pub mod interspace;
pub(crate) mod layout;
pub mod limits;
pub mod mastodon;
pub mod metrics;
pub mod middleware;
mod ops;
pub mod paging;
#[cfg(test)]
mod proptests;
pub mod web;

pub use error::ApiError;

use actix_web::web as aw;

/// Routes of this crate. Register them after the federation routes: the HTML twins of
/// `/users/{name}` and `/spaces/{handle}` answer what the ActivityStreams guard let through.
pub fn configure(cfg: &mut aw::ServiceConfig) {
    cfg.route("/healthz", aw::get().to(ops::healthz))
        .route("/metrics", aw::get().to(ops::metrics))
        .route("/static/{file}", aw::get().to(ops::static_file))
        // Browsers and web clients ask for it on every origin they show.
        .route(
            "/favicon.ico",
            aw::get()
                .to(|| ops::static_file(actix_web::web::Path::from("favicon.png".to_string()))),
        );
    mastodon::configure(cfg);
    interspace::configure(cfg);
    web::configure(cfg);
}
