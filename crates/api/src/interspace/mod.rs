//! The Interspace API (`/api/interspace/v1`): the coworking features (contract in
//! `shared/API.md`, documented in `docs/api/interspace.md`). Errors here are
//! `{"error", "error_code", "details"}`.

mod error;
mod members;
mod spaces;

pub use error::InterspaceError;

use actix_web::web;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/api/interspace/v1")
            .route("/spaces", web::get().to(spaces::list))
            .route("/spaces/lookup", web::get().to(spaces::lookup))
            .route("/spaces/{id}", web::get().to(spaces::get))
            .route("/spaces/{id}", web::patch().to(spaces::update))
            .route("/spaces/{id}/members", web::get().to(members::of_space))
            .route("/me", web::get().to(members::me))
            .route("/me", web::patch().to(members::update_me))
            .route("/members", web::get().to(members::list))
            .route("/members/{id}", web::patch().to(members::update))
            .route("/members/{id}/{action}", web::post().to(members::act))
            .route("/invites", web::get().to(members::invites))
            .route("/invites", web::post().to(members::create_invite))
            .default_service(web::to(error::not_found)),
    );
}
