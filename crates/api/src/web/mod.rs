//! Server-rendered pages. For now: the public profile pages that browsers get from the actor
//! URLs (content negotiation); the full web interface grows here.

pub(crate) mod layout;
mod profiles;

use actix_web::web;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/users/{name}", web::get().to(profiles::user))
        .route("/@{name}", web::get().to(profiles::user))
        .route("/@{name}/{id}", web::get().to(profiles::status))
        .route("/spaces/{handle}", web::get().to(profiles::space))
        .route("/", web::get().to(profiles::home));
}
