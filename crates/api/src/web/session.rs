//! Sign-in state of a browser, CSRF protection and the error type of the web pages.
//!
//! A session cookie (`HttpOnly`, `SameSite=Lax`, `Secure` on https) carries a random token whose
//! hash is the session row; the session's own secret is the CSRF token of its forms. Forms shown
//! to signed-out browsers (sign in, sign up, reset) use a double-submit cookie instead
//! (`SameSite=Strict`, `HttpOnly`): the form field must equal the cookie.

use crate::extract::{context, Params};
use crate::layout::{error_page, Frame};
use actix_web::cookie::{time::Duration as CookieDuration, Cookie, SameSite};
use actix_web::dev::Payload;
use actix_web::http::{header, StatusCode};
use actix_web::{FromRequest, HttpRequest, HttpResponse, ResponseError};
use futures::future::LocalBoxFuture;
use interspace_app::oauth::constant_time_eq;
use interspace_app::sessions::{self, SignedIn};
use interspace_app::AppError;
use interspace_core::ids::random_hex;

pub const SESSION_COOKIE: &str = "interspace_session";
const ANON_CSRF_COOKIE: &str = "interspace_csrf";

/// Errors of the web pages, shown as an HTML page with the status.
#[derive(Debug, thiserror::Error)]
pub enum WebError {
    #[error(transparent)]
    App(#[from] AppError),
    #[error("{0}")]
    BadRequest(String),
    #[error("This page does not exist")]
    NotFound,
    /// Not signed in: go to the sign-in page and come back.
    #[error("Please sign in")]
    SignIn(String),
    #[error("The form expired; go back, reload the page and try again")]
    Csrf,
}

impl From<crate::ApiError> for WebError {
    fn from(e: crate::ApiError) -> Self {
        match e {
            crate::ApiError::App(a) => Self::App(a),
            crate::ApiError::NotFound => Self::NotFound,
            other => Self::BadRequest(other.to_string()),
        }
    }
}

impl WebError {
    /// The sentence to show next to a form, for errors the person can fix.
    pub fn form_message(&self) -> Option<String> {
        match self.status_code() {
            s if s.is_client_error() && !matches!(self, Self::SignIn(_) | Self::NotFound) => {
                Some(match self {
                    Self::App(e) => e.client_message(),
                    other => other.to_string(),
                })
            }
            _ => None,
        }
    }
}

impl ResponseError for WebError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::App(e) => crate::error::app_status(e),
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::SignIn(_) => StatusCode::SEE_OTHER,
            Self::Csrf => StatusCode::FORBIDDEN,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let Self::SignIn(next) = self {
            let query = url::form_urlencoded::Serializer::new(String::new())
                .append_pair("next", next)
                .finish();
            return redirect(&format!("/login?{query}"));
        }
        let status = self.status_code();
        let message = if status.is_server_error() {
            tracing::error!(error = %interspace_core::error_chain(self), "page failed");
            match self {
                Self::App(AppError::Unavailable(_)) => {
                    "The service is unavailable; try again soon".to_string()
                }
                _ => "Something went wrong on our side".to_string(),
            }
        } else {
            match self {
                Self::App(e) => e.client_message(),
                other => other.to_string(),
            }
        };
        error_page(status, &message)
    }
}

pub type WebResult = Result<HttpResponse, WebError>;

/// An error the person can fix by changing the form: its status and sentence, to show the form
/// again; any other error is passed on.
pub fn fixable(e: impl Into<WebError>) -> Result<(StatusCode, String), WebError> {
    let e = e.into();
    match e.form_message() {
        Some(m) => Ok((e.status_code(), m)),
        None => Err(e),
    }
}

/// The query of a page a form redirected to: `?done=posted` shows what was done.
#[derive(serde::Deserialize)]
pub struct Done {
    pub done: Option<String>,
}

/// 303 to a local path (after a form, so reload does not post again).
pub fn redirect(to: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, to.to_string()))
        .finish()
}

/// A local path to return to after signing in (never another site): it starts with one `/`,
/// and has no backslash, whitespace or control character (browsers drop a tab or newline, so
/// `/\t/evil.example` would become `//evil.example`).
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && !n
                    .chars()
                    .any(|c| c == '\\' || c.is_whitespace() || c.is_control()) =>
        {
            n.to_string()
        }
        _ => "/home".to_string(),
    }
}

/// The browser's session, if it is signed in.
pub struct Viewer {
    pub signed_in: Option<SignedIn>,
    /// The secret forms must echo: the session's, or the signed-out double-submit cookie's.
    pub csrf: String,
    /// Set when the signed-out CSRF cookie must be (re)issued with the response.
    new_anon_csrf: bool,
    pub path: String,
    pub https: bool,
}

impl Viewer {
    pub fn frame(&self) -> Frame<'_> {
        Frame {
            me: self.signed_in.as_ref(),
            csrf: &self.csrf,
        }
    }

    /// The signed-in member, or a redirect to the sign-in page.
    pub fn require(&self) -> Result<&SignedIn, WebError> {
        self.signed_in
            .as_ref()
            .ok_or_else(|| WebError::SignIn(self.path.clone()))
    }

    /// Checks the `csrf` field of a form.
    pub fn check(&self, p: &Params) -> Result<(), WebError> {
        let sent = p.str("csrf").unwrap_or_default();
        if self.new_anon_csrf || sent.is_empty() || !constant_time_eq(&sent, &self.csrf) {
            return Err(WebError::Csrf);
        }
        Ok(())
    }

    /// Adds the signed-out CSRF cookie to a page that shows a form, when the browser lacks it.
    pub fn finish(&self, mut res: HttpResponse) -> HttpResponse {
        if self.new_anon_csrf && self.signed_in.is_none() {
            let cookie = Cookie::build(ANON_CSRF_COOKIE, self.csrf.clone())
                .path("/")
                .http_only(true)
                .secure(self.https)
                .same_site(SameSite::Strict)
                .finish();
            if let Err(e) = res.add_cookie(&cookie) {
                tracing::warn!(error = %e, "cannot set the CSRF cookie");
            }
        }
        res
    }
}

impl FromRequest for Viewer {
    type Error = WebError;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let ctx = context(&req)?;
            let signed_in = match req.cookie(SESSION_COOKIE) {
                Some(c) => sessions::authenticate(&ctx, c.value()).await?,
                None => None,
            };
            let path = match req.uri().path_and_query() {
                Some(pq) => pq.as_str().to_string(),
                None => "/".to_string(),
            };
            let https = ctx.urls().is_https();
            Ok(match signed_in {
                Some(s) => Viewer {
                    csrf: s.session.csrf_token.clone(),
                    signed_in: Some(s),
                    new_anon_csrf: false,
                    path,
                    https,
                },
                None => {
                    let existing = req
                        .cookie(ANON_CSRF_COOKIE)
                        .map(|c| c.value().to_string())
                        .filter(|v| v.len() == 32 && v.bytes().all(|b| b.is_ascii_hexdigit()));
                    Viewer {
                        new_anon_csrf: existing.is_none(),
                        csrf: existing.unwrap_or_else(|| random_hex(16)),
                        signed_in: None,
                        path,
                        https,
                    }
                }
            })
        })
    }
}

/// The session cookie for a new sign-in, kept as long as an idle session lives.
pub fn session_cookie(https: bool, token: &str) -> Cookie<'static> {
    Cookie::build(SESSION_COOKIE, token.to_string())
        .path("/")
        .http_only(true)
        .secure(https)
        .same_site(SameSite::Lax)
        .max_age(CookieDuration::seconds(
            sessions::IDLE_LIFETIME.num_seconds(),
        ))
        .finish()
}

pub fn clear_session_cookie(https: bool) -> Cookie<'static> {
    let mut c = session_cookie(https, "");
    c.make_removal();
    c
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_is_a_local_path_only() {
        for ok in ["/home", "/events/1?x=%2F%2F", "/@alice"] {
            assert_eq!(safe_next(Some(ok)), ok);
        }
        for bad in [
            "//evil.example",
            "/\\evil.example",
            "\\\\evil.example",
            "/\t/evil.example",
            "/\n/evil.example",
            "/\r/evil.example",
            "/ /evil.example",
            "https://evil.example",
            "javascript:alert(1)",
            "evil.example",
            "/\u{7f}x",
            "",
        ] {
            assert_eq!(safe_next(Some(bad)), "/home", "{bad:?}");
        }
        assert_eq!(safe_next(None), "/home");
    }
}
