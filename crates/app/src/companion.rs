//! What events and opportunities share as things people post: their title and Markdown
//! description, and the post that carries them into Mastodon timelines, which has the
//! object's own `uri`, is rewritten when the object changes, and goes when the object is no
//! longer public.

use crate::signals::{AppEvent, Events};
use crate::{AppContext, AppError, AppResult};
use chrono::NaiveDateTime;
use interspace_core::html::to_text;
use interspace_core::ids::new_id;
use interspace_core::ValidationError;
use interspace_db::accounts::Account;
use interspace_db::statuses::{self as db_statuses, Status};
use interspace_db::{now, DbConn};

const MAX_TITLE: usize = 200;
const MAX_DESCRIPTION: usize = 20_000;

/// A title: trimmed, 1 to 200 characters.
pub fn title(raw: &str) -> AppResult<String> {
    let t = raw.trim();
    if t.is_empty() || t.chars().count() > MAX_TITLE {
        return Err(AppError::Validation(ValidationError::new(
            "title",
            format!("is required, at most {MAX_TITLE} characters"),
        )));
    }
    Ok(t.to_string())
}

/// A description's HTML from its Markdown (at most 20,000 characters), hashtags linked to
/// this instance's tag pages.
pub fn description(ctx: &AppContext, markdown: &str) -> AppResult<String> {
    if markdown.chars().count() > MAX_DESCRIPTION {
        return Err(AppError::Validation(ValidationError::new(
            "description",
            format!("at most {MAX_DESCRIPTION} characters"),
        )));
    }
    Ok(interspace_core::text::render_markdown(
        markdown,
        &Default::default(),
        &|t| ctx.urls().path(&format!("/tags/{t}")).to_string(),
    ))
}

/// What the post of an object shows.
pub struct Companion<'a> {
    pub uri: &'a str,
    pub url: &'a str,
    pub author: &'a Account,
    /// Sanitised HTML.
    pub content: String,
    /// Hashtags it is listed under.
    pub tags: &'a [String],
    pub is_local: bool,
    pub created_at: NaiveDateTime,
    /// Whether the object should have a post (public and not deleted).
    pub wanted: bool,
}

/// Creates, rewrites or deletes the post; `status_id` is the object's link to it.
pub async fn sync(
    tx: &mut DbConn,
    events: &mut Events,
    status_id: &mut Option<String>,
    c: Companion<'_>,
) -> AppResult<()> {
    let ts = now();
    let existing = match status_id.as_deref() {
        Some(id) => db_statuses::find_status(tx, id).await?,
        None => None,
    };
    match (existing, c.wanted) {
        (Some(post), true) => {
            if post.content != c.content {
                db_statuses::edit_status(
                    tx,
                    &post,
                    &c.content,
                    &to_text(&c.content),
                    "",
                    false,
                    None,
                    &[],
                    c.tags,
                    ts,
                )
                .await?;
                events.push(AppEvent::of_post(&post, c.tags, true));
            }
        }
        (Some(post), false) => {
            db_statuses::mark_deleted(tx, &post.id, ts).await?;
            events.push(AppEvent::Deleted {
                id: post.id.clone(),
                account_id: post.account_id.clone(),
            });
            *status_id = None;
        }
        (None, true) => {
            let post = Status {
                id: new_id(),
                uri: c.uri.to_string(),
                url: Some(c.url.to_string()),
                account_id: c.author.id.clone(),
                in_reply_to_id: None,
                in_reply_to_account_id: None,
                reblog_of_id: None,
                content: c.content,
                source_text: String::new(),
                spoiler_text: String::new(),
                sensitive: false,
                visibility: "public".into(),
                language: None,
                is_local: c.is_local,
                replies_count: 0,
                reblogs_count: 0,
                favourites_count: 0,
                created_at: if c.is_local { ts } else { c.created_at.min(ts) },
                edited_at: None,
                deleted_at: None,
            };
            if db_statuses::insert_remote_status(tx, &post, &[], c.tags).await? {
                events.push(AppEvent::of_post(&post, c.tags, false));
                *status_id = Some(post.id);
            } else if let Some(p) = db_statuses::find_status_by_uri(tx, c.uri).await? {
                *status_id = Some(p.id);
            }
        }
        (None, false) => {}
    }
    Ok(())
}
