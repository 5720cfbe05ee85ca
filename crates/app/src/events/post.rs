//! The post that carries a public event into Mastodon timelines: same `uri` as the event,
//! rewritten when the event changes, gone when it is deleted.

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
    let content = post_html(e, &place_of(e), &link);
    let ts = now();
    let wanted = e.visibility == EventVisibility::Public.as_str() && e.deleted_at.is_none();
    let existing = match &e.status_id {
        Some(id) => db_statuses::find_status(tx, id).await?,
        None => None,
    };
    match (existing, wanted) {
        (Some(post), true) => {
            if post.content != content {
                db_statuses::edit_status(
                    tx,
                    &post,
                    &content,
                    &to_text(&content),
                    "",
                    false,
                    None,
                    &[],
                    &[],
                    ts,
                )
                .await?;
                events.push(AppEvent::Status {
                    id: post.id.clone(),
                    account_id: post.account_id.clone(),
                    visibility: post.visibility.clone(),
                    is_local: post.is_local,
                    tags: vec![],
                    edited: true,
                });
            }
        }
        (Some(post), false) => {
            db_statuses::mark_deleted(tx, &post.id, ts).await?;
            events.push(AppEvent::Deleted {
                id: post.id.clone(),
                account_id: post.account_id.clone(),
            });
            e.status_id = None;
        }
        (None, true) => {
            let post = Status {
                id: new_id(),
                uri: e.uri.clone(),
                url: Some(link),
                account_id: organizer.id.clone(),
                in_reply_to_id: None,
                in_reply_to_account_id: None,
                reblog_of_id: None,
                content,
                source_text: String::new(),
                spoiler_text: String::new(),
                sensitive: false,
                visibility: "public".into(),
                language: None,
                is_local: e.is_local,
                replies_count: 0,
                reblogs_count: 0,
                favourites_count: 0,
                created_at: if e.is_local { ts } else { e.created_at.min(ts) },
                edited_at: None,
                deleted_at: None,
            };
            if db_statuses::insert_remote_status(tx, &post, &[], &[]).await? {
                events.push(AppEvent::Status {
                    id: post.id.clone(),
                    account_id: post.account_id.clone(),
                    visibility: post.visibility.clone(),
                    is_local: post.is_local,
                    tags: vec![],
                    edited: false,
                });
                e.status_id = Some(post.id);
            } else if let Some(p) = db_statuses::find_status_by_uri(tx, &e.uri).await? {
                e.status_id = Some(p.id);
            }
        }
        (None, false) => {}
    }
    Ok(())
}
