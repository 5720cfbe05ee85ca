//! The web interface: server-rendered pages (maud templates, checked at compile time), one
//! stylesheet, no scripts; every form works without JavaScript and carries a CSRF token.
//! Browsers get the public pages from the same URLs as ActivityPub clients (content
//! negotiation: the federation routes answer ActivityStreams requests first).

mod admin;
mod applications;
mod auth;
mod events;
mod mail;
mod member;
mod opportunities;
mod parts;
mod public;
pub(crate) mod session;
mod visits;

use actix_web::web;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(public::home))
        .route("/users/{name}", web::get().to(public::user))
        .route("/@{name}", web::get().to(public::user))
        .route("/@{name}/{id}", web::get().to(public::status))
        .route("/spaces/{handle}", web::get().to(public::space))
        .route(
            "/spaces/{handle}/events",
            web::get().to(events::space_events),
        )
        .route(
            "/spaces/{handle}/events.ics",
            web::get().to(events::space_ics),
        )
        .route("/calendar/{token}.ics", web::get().to(events::member_ics))
        .route("/events", web::get().to(events::list))
        .route("/events", web::post().to(events::create))
        .route("/events/{id}", web::get().to(events::event))
        .route("/events/{id}/ics", web::get().to(events::ics))
        .route("/events/{id}/{action}", web::post().to(events::act))
        // opportunities, applications and the directory
        .route("/opportunities", web::get().to(opportunities::board))
        .route("/opportunities", web::post().to(opportunities::create))
        .route(
            "/opportunities/{id}",
            web::get().to(opportunities::opportunity),
        )
        .route(
            "/opportunities/{id}/applications",
            web::get().to(applications::review),
        )
        .route(
            "/opportunities/{id}/{action}",
            web::post().to(opportunities::act),
        )
        .route("/applications", web::get().to(applications::mine))
        .route(
            "/applications/{id}/{action}",
            web::post().to(applications::act),
        )
        .route(
            "/team_invitations/{id}/{action}",
            web::post().to(applications::answer),
        )
        .route("/directory", web::get().to(applications::directory))
        .route("/directory/opt-in", web::post().to(applications::opt_in))
        .route("/remote-follow", web::post().to(public::remote_follow))
        .route(
            "/authorize_interaction",
            web::get().to(public::authorize_interaction),
        )
        // signing in and up
        .route("/login", web::get().to(auth::login_page))
        .route("/login", web::post().to(auth::login))
        .route("/logout", web::post().to(auth::logout))
        .route("/register", web::get().to(auth::register_page))
        .route("/register", web::post().to(auth::register))
        .route("/invite/{code}", web::get().to(auth::invite_page))
        .route("/reset/{token}", web::get().to(auth::reset_page))
        .route("/password/forgot", web::get().to(mail::forgot_page))
        .route("/password/forgot", web::post().to(mail::forgot))
        .route(
            "/mail/unsubscribe/{token}/{category}",
            web::get().to(mail::unsubscribe_page),
        )
        .route(
            "/mail/unsubscribe/{token}/{category}",
            web::post().to(mail::unsubscribe),
        )
        .route("/mail/confirm/{token}", web::get().to(mail::confirm))
        .route(
            "/settings/mail",
            web::post().to(member::save_mail_preferences),
        )
        .route("/settings/email", web::post().to(member::change_email))
        .route("/reset/{token}", web::post().to(auth::reset))
        // members
        .route("/home", web::get().to(member::home))
        .route("/statuses", web::post().to(member::post))
        .route("/notifications", web::get().to(member::notifications_page))
        .route("/follow", web::get().to(member::follow_page))
        .route("/follow", web::post().to(member::follow_by_handle))
        .route("/accounts/{id}", web::get().to(member::account))
        .route(
            "/accounts/{id}/{action}",
            web::post().to(member::follow_account),
        )
        .route("/settings", web::get().to(member::settings))
        .route("/settings/profile", web::get().to(member::profile_page))
        .route("/settings/profile", web::post().to(member::profile))
        .route(
            "/settings/password",
            web::post().to(member::change_password),
        )
        .route(
            "/settings/{kind}/{id}/revoke",
            web::post().to(member::revoke),
        )
        .route("/report", web::get().to(member::report_page))
        .route("/report", web::post().to(member::report))
        // visits between partner spaces
        .route("/visits", web::get().to(visits::mine))
        .route("/visits", web::post().to(visits::request))
        .route("/visits/{id}/cancel", web::post().to(visits::cancel))
        .route("/admin/visits", web::get().to(visits::desk))
        .route(
            "/admin/visits/{id}/{action}",
            web::post().to(visits::host_act),
        )
        .route(
            "/admin/partnerships",
            web::get().to(visits::partnerships_list),
        )
        .route("/admin/partnerships", web::post().to(visits::propose))
        .route(
            "/admin/partnerships/{id}/{action}",
            web::post().to(visits::partnership_act),
        )
        // operators
        .route("/admin", web::get().to(admin::dashboard))
        .route("/admin/members", web::get().to(admin::members_list))
        .route("/admin/members/{id}", web::post().to(admin::member_action))
        .route("/admin/invites", web::post().to(admin::create_invite))
        .route("/admin/space", web::get().to(admin::space_page))
        .route("/admin/space", web::post().to(admin::space))
        .route("/admin/federation", web::get().to(admin::federation))
        .route("/admin/domains", web::post().to(admin::domain_block))
        .route(
            "/admin/domains/unblock",
            web::post().to(admin::domain_unblock),
        )
        .route("/admin/reports", web::get().to(admin::reports_list))
        .route("/admin/reports/{id}", web::get().to(admin::report))
        .route("/admin/reports/{id}", web::post().to(admin::resolve_report));
}
