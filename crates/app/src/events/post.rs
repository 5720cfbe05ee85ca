//! The post that carries a public event into Mastodon timelines (see `crate::companion`).

use super::*;

/// When, where, whether it still happens, seats left: what Mastodon users read of an event.
pub fn info_lines(e: &Event, place: &Place) -> Vec<String> {
    let mut lines = vec![format!(
        "\u{1F4C5} {}",
        rules::when_text(e.starts_at, e.ends_at, &e.timezone)
    )];
    let place_line = place.one_line();
    if !place_line.is_empty() {
        lines.push(format!("\u{1F4CD} {place_line}"));
    }
    match e.status.as_str() {
        "cancelled" => lines.push(match &e.cancel_reason {
            Some(r) => format!("\u{274C} Cancelled: {r}"),
            None => "\u{274C} Cancelled".into(),
        }),
        "postponed" => lines.push("Postponed".into()),
        "moved_online" => lines.push("Moved online".into()),
        _ => {}
    }
    if let Some(left) = rules::seats_left(e.capacity, e.participants_count) {
        lines.push(format!(
            "\u{1F39F} {left} seat{} left",
            if left == 1 { "" } else { "s" }
        ));
    }
    lines
}

/// The post of an event: title, [`info_lines`], description, link.
pub fn post_html(e: &Event, place: &Place, link: &str) -> String {
    let lines = info_lines(e, place);
    let lines: Vec<String> = lines.iter().map(|l| escape(l)).collect();
    sanitize(&format!(
        "<p><strong>{}</strong></p><p>{}</p>{}<p><a href=\"{link}\">{link}</a></p>",
        escape(&e.title),
        lines.join("<br>"),
        e.description,
        link = escape(link),
    ))
}

/// Creates or refreshes the post that carries a public event into timelines; a non-public
/// or deleted event has none.
pub(super) async fn sync_post(
    tx: &mut DbConn,
    events: &mut Events,
    e: &mut Event,
    organizer: &Account,
) -> AppResult<()> {
    let link = e.url.clone().unwrap_or_else(|| e.uri.clone());
    let companion = crate::companion::Companion {
        content: post_html(e, &place_of(e), &link),
        uri: &e.uri,
        url: &link,
        author: organizer,
        tags: &[],
        is_local: e.is_local,
        created_at: e.created_at,
        wanted: e.visibility == EventVisibility::Public.as_str() && e.deleted_at.is_none(),
    };
    crate::companion::sync(tx, events, &mut e.status_id, companion).await
}
