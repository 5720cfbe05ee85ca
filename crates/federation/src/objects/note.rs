//! Posts from the wire: a Note (or Article, Page, Question) read and checked as `app` stores
//! it.

use crate::protocol::values::{id_of, is_public, strings};
use crate::FederationError;
use interspace_app::remote::RemoteNote;
use interspace_app::Account;
use serde_json::Value;
use url::Url;

/// A Note from the wire, checked: its id on its author's host, attributed to the sender.
pub fn parse_note(actor: &Account, object: &Value) -> Result<RemoteNote, FederationError> {
    let uri = object.get("id").and_then(Value::as_str).ok_or_else(|| {
        FederationError::BadRequest("a Note needs an embedded object with an id".into())
    })?;
    let actor_url = Url::parse(&actor.uri)?;
    if !crate::objects::actor::same_origin(&Url::parse(uri)?, &actor_url) {
        return Err(FederationError::BadRequest(
            "the Note is not on its author's host".into(),
        ));
    }
    let attributed = strings(object.get("attributedTo"));
    if attributed.first().map(String::as_str) != Some(actor.uri.as_str()) {
        return Err(FederationError::BadRequest(
            "the Note is attributed to someone else".into(),
        ));
    }
    let to = strings(object.get("to"));
    let cc = strings(object.get("cc"));
    let followers = actor.followers_url.clone().unwrap_or_default();
    let visibility = if to.iter().any(|s| is_public(s)) {
        "public"
    } else if cc.iter().any(|s| is_public(s)) {
        "unlisted"
    } else if !followers.is_empty() && to.iter().chain(cc.iter()).any(|s| *s == followers) {
        "private"
    } else {
        "direct"
    };
    let tags: Vec<&Value> = match object.get("tag") {
        Some(Value::Array(a)) => a.iter().take(100).collect(),
        Some(v @ Value::Object(_)) => vec![v],
        _ => vec![],
    };
    let of_type = |t: &'static str| {
        tags.iter()
            .filter(move |x| x.get("type").and_then(Value::as_str) == Some(t))
    };
    let mut mentions: Vec<String> = of_type("Mention")
        .filter_map(|m| m.get("href").and_then(Value::as_str).map(String::from))
        .collect();
    // Direct messages name their recipients in `to`: count those as mentions too.
    mentions.extend(
        to.iter()
            .chain(cc.iter())
            .filter(|s| !is_public(s) && **s != followers)
            .cloned(),
    );
    mentions.sort();
    mentions.dedup();
    let hashtags = of_type("Hashtag")
        .filter_map(|h| h.get("name").and_then(Value::as_str).map(String::from))
        .collect();
    Ok(RemoteNote {
        uri: uri.to_string(),
        url: object
            .get("url")
            .and_then(crate::protocol::actor::first_href),
        content: with_title(object),
        summary: object
            .get("summary")
            .and_then(Value::as_str)
            .map(String::from)
            .filter(|s| !s.is_empty()),
        sensitive: object
            .get("sensitive")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        language: object
            .get("contentMap")
            .and_then(Value::as_object)
            .and_then(|m| m.keys().next().cloned()),
        published: object
            .get("published")
            .and_then(Value::as_str)
            .and_then(|p| chrono::DateTime::parse_from_rfc3339(p).ok())
            .map(|p| p.naive_utc()),
        in_reply_to: object.get("inReplyTo").and_then(id_of).map(String::from),
        visibility: visibility.to_string(),
        mentions,
        hashtags,
        audience: strings(object.get("audience")),
        activity_id: None,
    })
}

/// The HTML of a post: a `Page` or an `Article` (a Lemmy post, a blog entry) has its title in
/// `name`, shown first as Mastodon does; a `Note`'s `name` is not a title (a poll's vote).
fn with_title(object: &Value) -> String {
    let content = object
        .get("content")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let kind = object.get("type").and_then(Value::as_str);
    let title = object
        .get("name")
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|t| !t.is_empty() && matches!(kind, Some("Page" | "Article")));
    match title {
        Some(t) => format!(
            "<p><strong>{}</strong></p>{content}",
            interspace_core::html::escape(t)
        ),
        None => content.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_page_shows_its_title_and_a_note_its_content_alone() {
        let page = json!({"type": "Page", "name": "Desks <for> all", "content": "<p>Who?</p>"});
        assert_eq!(
            with_title(&page),
            "<p><strong>Desks &lt;for&gt; all</strong></p><p>Who?</p>"
        );
        // A Note's `name` is a poll's vote, not a title.
        let vote = json!({"type": "Note", "name": "Yes", "content": "<p>Hi</p>"});
        assert_eq!(with_title(&vote), "<p>Hi</p>");
        let untitled = json!({"type": "Article", "name": " ", "content": "<p>Body</p>"});
        assert_eq!(with_title(&untitled), "<p>Body</p>");
    }

    #[test]
    fn a_lemmy_post_names_its_community_as_audience() {
        use crate::objects::event::tests::{account, fixture};
        let create = fixture("from-lemmy/lemmy/activities/create_or_update/create_page.json");
        let author = account("http://ds9.lemmy.ml/u/lemmy_alpha", "lemmy_alpha", "Person");
        let note = parse_note(&author, &create["object"]).expect("a Page is a post");
        assert_eq!(note.audience, vec!["https://enterprise.lemmy.ml/c/main"]);
        assert_eq!(note.visibility, "public");
        assert!(note
            .mentions
            .contains(&"http://enterprise.lemmy.ml/c/main".to_string()));
        assert!(note
            .content
            .starts_with("<p><strong>test post</strong></p>"));
        assert_eq!(note.activity_id, None, "set by the inbox, not the object");
    }
}
