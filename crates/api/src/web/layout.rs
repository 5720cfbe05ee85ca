//! The page frame shared by every page: landmarks, one stylesheet, no scripts.

use actix_web::http::header;
use actix_web::HttpResponse;
use interspace_core::html::escape;

const STYLE: &str = "body{font:16px/1.5 system-ui,sans-serif;max-width:42rem;margin:0 auto;padding:1rem;color:#1b1b1b;background:#fff}\
a{color:#1a4fa0}dl{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem}dt{font-weight:600}\
@media (prefers-color-scheme:dark){body{color:#eee;background:#16181d}a{color:#8ab4f8}}";

/// A whole HTML page. `title` is plain text, `main` is already-safe HTML.
pub fn page(title: &str, main: &str) -> HttpResponse {
    let body = format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<title>{title}</title><style>{STYLE}</style></head>\
<body><header><p><a href=\"/\">Interspace</a></p></header><main>{main}</main></body></html>\n",
        title = escape(title),
    );
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((header::VARY, "Accept"))
        .insert_header((header::X_FRAME_OPTIONS, "DENY"))
        .insert_header((
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' https: data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ))
        .body(body)
}
