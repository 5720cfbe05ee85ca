//! The frame every page shares: landmarks, navigation, one stylesheet, no scripts, and the
//! security headers (no framing, a strict Content-Security-Policy).

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, HttpResponseBuilder};
use interspace_app::sessions::SignedIn;
use interspace_core::roles::Role;
use maud::{html, Markup, PreEscaped, DOCTYPE};

/// The stylesheet, served at `/static/interspace.css`. Light and dark follow the system
/// setting; every colour pair passes WCAG AA contrast.
pub const STYLESHEET: &str = r#":root{color-scheme:light dark;--fg:#1b1b1b;--muted:#4a4f57;--bg:#fff;--card:#f5f6f8;--line:#c9ced6;--link:#1a4fa0;--accent:#1a4fa0;--on-accent:#fff;--danger:#a4262c;--ok:#1e6b34}
@media (prefers-color-scheme:dark){:root{--fg:#ececec;--muted:#b4bac4;--bg:#16181d;--card:#20242b;--line:#3b414b;--link:#8ab4f8;--accent:#8ab4f8;--on-accent:#0d1117;--danger:#ff9b9b;--ok:#7ddc93}}
*{box-sizing:border-box}
body{font:16px/1.55 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:var(--fg);background:var(--bg)}
a{color:var(--link)}
a:focus-visible,button:focus-visible,input:focus-visible,select:focus-visible,textarea:focus-visible{outline:3px solid var(--accent);outline-offset:2px}
.sr-only{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
.skip{position:absolute;left:-9999px}.skip:focus{left:1rem;top:1rem;background:var(--bg);padding:.5rem;z-index:1}
header.top{border-bottom:1px solid var(--line);background:var(--card)}
header.top .bar{max-width:60rem;margin:0 auto;padding:.5rem 1rem;display:flex;flex-wrap:wrap;gap:.5rem 1.25rem;align-items:center}
header.top .brand{font-weight:700;text-decoration:none;color:var(--fg);margin-right:auto}
nav ul{list-style:none;display:flex;flex-wrap:wrap;gap:.25rem 1rem;margin:0;padding:0;align-items:center}
main{max-width:60rem;margin:0 auto;padding:1rem}
footer.bottom{max-width:60rem;margin:2rem auto;padding:1rem;color:var(--muted);border-top:1px solid var(--line);font-size:.9rem}
h1{font-size:1.7rem;margin:.5rem 0 1rem}h2{font-size:1.25rem;margin:1.5rem 0 .5rem}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem}dl.facts dt{font-weight:600}dl.facts dd{margin:0}
.muted{color:var(--muted)}
.card{background:var(--card);border:1px solid var(--line);border-radius:.5rem;padding:.75rem 1rem;margin:.75rem 0}
.card header{display:flex;flex-wrap:wrap;gap:.25rem .75rem;align-items:baseline}
.card footer{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:center;font-size:.9rem;color:var(--muted)}
.card>h2{font-size:1.2rem;margin:.25rem 0 .5rem}.card>h3,.card header h3{font-size:1.05rem;margin:.5rem 0 .25rem}
.avatar{width:48px;height:48px;border-radius:.4rem;object-fit:cover;vertical-align:middle}
form.stack{display:grid;gap:.75rem;max-width:36rem}
form.inline{display:inline}
label{font-weight:600;display:block}.check label{display:inline}
.hint{font-weight:400;color:var(--muted);font-size:.9rem}
input[type=text],input[type=email],input[type=password],input[type=number],input[type=url],input[type=date],input:not([type]),select,textarea{width:100%;font:inherit;padding:.45rem .55rem;border:1px solid var(--muted);border-radius:.35rem;background:var(--bg);color:var(--fg)}
textarea{min-height:6rem}
button,.button{font:inherit;cursor:pointer;padding:.45rem .9rem;border-radius:.35rem;border:1px solid var(--accent);background:var(--accent);color:var(--on-accent);text-decoration:none;display:inline-block}
button.secondary{background:transparent;color:var(--link)}
button.danger{background:var(--danger);border-color:var(--danger);color:var(--bg)}
nav button{background:transparent;color:var(--link);border:0;padding:0;text-decoration:underline}
.notice{border-left:4px solid var(--ok);padding:.5rem 1rem;background:var(--card)}
.alert{border-left:4px solid var(--danger);padding:.5rem 1rem;background:var(--card)}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.4rem .5rem;border-bottom:1px solid var(--line);vertical-align:top}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(12rem,1fr));gap:1rem}
.stat{font-size:1.8rem;font-weight:700;display:block}
code{word-break:break-all}ol.plain{list-style:none;padding:0}
@media (max-width:40rem){dl.facts{grid-template-columns:1fr}table{font-size:.9rem}}
"#;

/// Who is looking, for the navigation and the forms of the frame.
pub struct Frame<'a> {
    pub me: Option<&'a SignedIn>,
    pub csrf: &'a str,
}

impl Frame<'_> {
    pub fn is_staff(&self) -> bool {
        self.me
            .is_some_and(|m| Role::parse(&m.member.user.role).is_ok_and(Role::is_staff))
    }
}

/// The hidden field every form carries.
pub fn csrf_field(csrf: &str) -> Markup {
    html! { input type="hidden" name="csrf" value=(csrf); }
}

fn nav(frame: &Frame) -> Markup {
    html! {
        nav aria-label="Main" {
            ul {
                @if let Some(me) = frame.me {
                    li { a href="/home" { "Home" } }
                    li { a href="/notifications" { "Notifications" } }
                    li { a href="/events" { "Events" } }
                    li { a href="/opportunities" { "Opportunities" } }
                    li { a href="/visits" { "Visits" } }
                    li { a href="/follow" { "Follow" } }
                    li { a href={ "/@" (me.member.account.username) } { "My profile" } }
                    li { a href="/settings" { "Settings" } }
                    @if frame.is_staff() { li { a href="/admin" { "Admin" } } }
                    li {
                        form.inline method="post" action="/logout" {
                            (csrf_field(frame.csrf))
                            button type="submit" { "Sign out" }
                        }
                    }
                } @else {
                    li { a href="/events" { "Events" } }
                    li { a href="/opportunities" { "Opportunities" } }
                    li { a href="/login" { "Sign in" } }
                    li { a href="/register" { "Sign up" } }
                }
            }
        }
    }
}

pub fn document(frame: &Frame, title: &str, main: Markup) -> String {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="referrer" content="same-origin";
                title { (title) " · Interspace" }
                link rel="stylesheet" href={ "/static/interspace.css?v=" (interspace_app::SOFTWARE_VERSION) };
            }
            body {
                a.skip href="#main" { "Skip to content" }
                header.top {
                    div.bar {
                        a.brand href="/" { "Interspace" }
                        (nav(frame))
                    }
                }
                main #main { (main) }
                footer.bottom {
                    p { "Interspace " (interspace_app::SOFTWARE_VERSION) ", free software under the AGPL-3.0-or-later. Federated with ActivityPub." }
                }
            }
        }
    }
    .into_string()
}

/// The security headers of every page; `form_targets` are other origins a form on the page
/// may lead to (the OAuth page redirects to the app).
pub fn secure(mut b: HttpResponseBuilder, form_targets: &str) -> HttpResponseBuilder {
    b.content_type("text/html; charset=utf-8")
        .insert_header((header::VARY, "Accept, Cookie"))
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .insert_header((header::X_FRAME_OPTIONS, "DENY"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::REFERRER_POLICY, "same-origin"))
        .insert_header((
            header::CONTENT_SECURITY_POLICY,
            format!(
                "default-src 'none'; style-src 'self'; img-src 'self' https: data:; form-action 'self'{form_targets}; frame-ancestors 'none'; base-uri 'none'"
            ),
        ));
    b
}

/// A whole page with status 200.
pub fn page(frame: &Frame, title: &str, main: Markup) -> HttpResponse {
    page_with(StatusCode::OK, frame, title, main)
}

pub fn page_with(status: StatusCode, frame: &Frame, title: &str, main: Markup) -> HttpResponse {
    secure(HttpResponse::build(status), "").body(document(frame, title, main))
}

/// An error page (no session details: it is rendered from the error alone).
pub fn error_page(status: StatusCode, message: &str) -> HttpResponse {
    let frame = Frame { me: None, csrf: "" };
    let title = status.canonical_reason().unwrap_or("Error");
    let main = html! {
        h1 { (title) }
        p.alert role="alert" { (message) }
        p { a href="/" { "Back to the home page" } }
    };
    page_with(status, &frame, title, main)
}

/// A success message after a form, chosen by code so a link cannot put words on the page.
pub fn notice(done: Option<&str>) -> Markup {
    let text = match done.unwrap_or_default() {
        "posted" => "Your post is published.",
        "followed" => "Followed. Their server confirms it shortly.",
        "unfollowed" => "Unfollowed.",
        "profile" => "Your profile is saved.",
        "space" => "The space settings are saved.",
        "invite" => "Invite created.",
        "member" => "The member is updated.",
        "blocked" => "The domain is blocked.",
        "unblocked" => "The domain is unblocked.",
        "reported" => "Thank you. The operators of this space will look at your report.",
        "resolved" => "The report is resolved.",
        "revoked" => "Access revoked.",
        "changed" => "Your password is changed. Your apps and other browsers are signed out.",
        "password" => "Your password is changed. Sign in with it now.",
        "mail" => "Your e-mail choices are saved.",
        "email_sent" => "A link to confirm the new address is on its way to it; the address changes once you open it.",
        "email" => "Your e-mail address is changed.",
        "registered" => "Welcome! Your account is ready.",
        "pending" => {
            "Thank you. An operator will review your sign-up; you can sign in once it is approved."
        }
        "silenced" => "The account is silenced.",
        "going" => "You are going. The event is in your calendar feed.",
        "asked" => "Your request is sent; the organizer decides.",
        "waitlisted" => "The event is full: you are on the waitlist and move up when a seat frees.",
        "requested" => "Your request is on its way to the organizer's server.",
        "left" => "You no longer take part.",
        "published" => "Your event is published.",
        "visit_requested" => "Your request is on its way to the host space, which answers shortly.",
        "visit_cancel_own" => "The visit is cancelled; the host space is told.",
        "visit_approve" => "The visit is approved; the visitor's space is told.",
        "visit_reject" => "The request is refused; the visitor's space is told.",
        "visit_cancel" => "The visit is cancelled; the visitor's space is told.",
        "visit_check_in" => "The visitor is checked in.",
        "visit_check_out" => "The visitor is checked out. Thank you!",
        "partnership_proposed" => "The proposal is on its way to the other space.",
        "partnership_accept" => "Accepted; the other space is told.",
        "partnership_reject" => "Turned down; the other space is told.",
        "partnership_end" => "The partnership is ended; requests still waiting are refused.",
        "opportunity_posted" => "Your opportunity is on the board.",
        "opportunity_closed" => "The opportunity is closed: it takes no more applications.",
        "opportunity_reopened" => "The opportunity is open again.",
        "applied" => "Your application is sent to the poster.",
        "applied_team" => {
            "Your application waits for your teammates: it is sent once every one of them agrees."
        }
        "application_withdraw" => "Your application is withdrawn.",
        "application_shortlist" => "The application is shortlisted.",
        "application_accept" => "The application is accepted; the applicant is told.",
        "application_decline" => "The application is declined; the applicant is told.",
        "invitation_accept" => "You are in the team; the applicant is told.",
        "invitation_decline" => "You declined the invitation; the applicant is told.",
        "directory_on" => "You are listed in the directory.",
        "directory_off" => "You are no longer listed in the directory.",
        _ => return html! {},
    };
    html! { p.notice role="status" { (text) } }
}

/// An error sentence next to a form.
pub fn alert(message: Option<&str>) -> Markup {
    html! {
        @if let Some(m) = message { p.alert role="alert" { (m) } }
    }
}

/// Stored HTML that was sanitised on the way in, sanitised again on the way out.
pub fn safe_html(stored: &str) -> PreEscaped<String> {
    PreEscaped(interspace_core::html::sanitize(stored))
}
