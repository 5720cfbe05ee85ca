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
        content: object
            .get("content")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string(),
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
    })
}
