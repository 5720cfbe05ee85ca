//! iCalendar answers (`text/calendar`), the same from the Interspace API and the web pages.

use actix_web::HttpResponse;

/// An `.ics` body, shown inline under `{filename}.ics`.
pub fn calendar_response(body: String, filename: &str) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/calendar; charset=utf-8")
        .insert_header((
            "Content-Disposition",
            format!("inline; filename=\"{filename}.ics\""),
        ))
        .body(body)
}
