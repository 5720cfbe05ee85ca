//! The Interspace API (`/api/interspace/v1`): the coworking features (contract in
//! `shared/API.md`, documented in `docs/api/interspace.md`). Errors here are
//! `{"error", "error_code", "details"}`.

mod error;
pub mod events;
mod input;
mod members;
pub mod opportunities;
mod render;
mod spaces;
mod visits;

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
            .route("/events", web::get().to(events::list))
            .route("/events", web::post().to(events::create))
            .route("/events/lookup", web::get().to(events::lookup))
            .route("/events/{id}", web::get().to(events::get))
            .route("/events/{id}", web::patch().to(events::update))
            .route("/events/{id}", web::delete().to(events::delete))
            .route("/events/{id}/cancel", web::post().to(events::cancel))
            .route("/events/{id}/join", web::post().to(events::join))
            .route("/events/{id}/leave", web::post().to(events::leave))
            .route("/events/{id}/ics", web::get().to(events::ics))
            .route(
                "/events/{id}/participants",
                web::get().to(events::participants),
            )
            .route(
                "/events/{id}/participants/{participation_id}/{action}",
                web::post().to(events::decide),
            )
            .route("/partnerships", web::get().to(visits::partnerships_list))
            .route("/partnerships", web::post().to(visits::propose))
            .route("/partnerships/{id}", web::get().to(visits::partnership))
            .route("/partnerships/{id}/ledger", web::get().to(visits::ledger))
            .route(
                "/partnerships/{id}/{action}",
                web::post().to(visits::partnership_act),
            )
            .route("/visits", web::get().to(visits::visits_list))
            .route("/visits", web::post().to(visits::request))
            .route("/visits/{id}", web::get().to(visits::visit))
            .route("/visits/{id}/{action}", web::post().to(visits::visit_act))
            .route("/front_desk", web::get().to(visits::front_desk))
            .route("/opportunities", web::get().to(opportunities::list))
            .route("/opportunities", web::post().to(opportunities::create))
            .route(
                "/opportunities/lookup",
                web::get().to(opportunities::lookup),
            )
            .route("/opportunities/{id}", web::get().to(opportunities::get))
            .route(
                "/opportunities/{id}",
                web::patch().to(opportunities::update),
            )
            .route(
                "/opportunities/{id}",
                web::delete().to(opportunities::delete),
            )
            .route(
                "/opportunities/{id}/applications",
                web::get().to(opportunities::applications_for),
            )
            .route(
                "/opportunities/{id}/applications",
                web::post().to(opportunities::apply),
            )
            .route(
                "/opportunities/{id}/{action:close|reopen|review}",
                web::post().to(opportunities::set_status),
            )
            .route(
                "/applications",
                web::get().to(opportunities::my_applications),
            )
            .route(
                "/applications/{id}",
                web::get().to(opportunities::application),
            )
            .route(
                "/applications/{id}/{action}",
                web::post().to(opportunities::application_act),
            )
            .route(
                "/team_invitations",
                web::get().to(opportunities::invitations),
            )
            .route(
                "/team_invitations/{id}/{action}",
                web::post().to(opportunities::invitation_act),
            )
            .route(
                "/skills/followed",
                web::get().to(opportunities::followed_skills),
            )
            .route(
                "/skills/{name}/follow",
                web::post().to(opportunities::follow_skill),
            )
            .route(
                "/skills/{name}/follow",
                web::delete().to(opportunities::follow_skill),
            )
            .route("/directory", web::get().to(opportunities::directory))
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
