//! Actors on the wire: `Person` (members), `Group` (spaces), `Application` (the instance), and
//! whatever other servers send (`Service`, `Organization`, Lemmy's and Mobilizon's groups).

use activitypub_federation::protocol::public_key::PublicKey;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use url::Url;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Endpoints {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shared_inbox: Option<Url>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Actor {
    #[serde(rename = "type")]
    pub kind: String,
    pub id: Url,
    pub preferred_username: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// A string, a Link object or an array of them: servers differ.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<Value>,
    pub inbox: Url,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outbox: Option<Url>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub followers: Option<Url>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub following: Option<Url>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoints: Option<Endpoints>,
    pub public_key: PublicKey,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manually_approves_followers: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discoverable: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub icon: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<Value>,
    /// Profile fields (`PropertyValue`) and whatever else servers attach.
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "one_or_many"
    )]
    pub attachment: Vec<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<Value>,
    /// A space's moderators collection (one link, as Lemmy and FEP-1b12 groups have it).
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "one_or_many",
        serialize_with = "one_as_itself"
    )]
    pub attributed_to: Vec<Value>,
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "one_or_many"
    )]
    pub skills: Vec<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub home_space: Option<Url>,
    /// A person's pinned posts (Mastodon's `featured`), an OrderedCollection of Notes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub featured: Option<Url>,
    /// A space's moderators collection again, under the name group software reads
    /// (Lemmy's `moderators`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub moderators: Option<Url>,
    /// Whether only moderators may post in the group (Lemmy's); false for a space.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub posting_restricted_to_mods: Option<bool>,
    /// A space's members (an OrderedCollection of Person ids).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub members: Option<Url>,
    /// A space's upcoming public events (an OrderedCollection of Event ids).
    #[serde(
        default,
        rename = "upcomingEvents",
        skip_serializing_if = "Option::is_none"
    )]
    pub upcoming_events: Option<Url>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visit_policy: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
}

/// Accepts a single value or an array (ActivityStreams allows both), and null.
pub fn one_or_many<'de, D>(de: D) -> Result<Vec<Value>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    Ok(match Option::<Value>::deserialize(de)? {
        None | Some(Value::Null) => vec![],
        Some(Value::Array(items)) => items,
        Some(one) => vec![one],
    })
}

/// Writes a one-element list as its element (`"x"`, not `["x"]`), longer lists as arrays.
fn one_as_itself<S: serde::Serializer>(items: &[Value], ser: S) -> Result<S::Ok, S::Error> {
    use serde::Serialize;
    match items {
        [one] => one.serialize(ser),
        many => many.serialize(ser),
    }
}

/// The first http(s) link in a `url`, `icon` or `image` value (a string, a Link or Image
/// object, or a list of them). Any other scheme is dropped: peers' links are data, not trust.
pub fn first_href(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => interspace_core::urls::http_url(s),
        Value::Object(o) => o.get("href").or_else(|| o.get("url")).and_then(first_href),
        Value::Array(items) => items.iter().find_map(first_href),
        _ => None,
    }
}

/// `PropertyValue` attachments as (name, value) pairs.
pub fn property_values(attachments: &[Value]) -> Vec<(String, String)> {
    attachments
        .iter()
        .filter(|a| a.get("type").and_then(Value::as_str) == Some("PropertyValue"))
        .filter_map(|a| {
            Some((
                a.get("name")?.as_str()?.to_string(),
                a.get("value")?.as_str()?.to_string(),
            ))
        })
        .collect()
}

pub fn property_value(name: &str, value: &str) -> Value {
    serde_json::json!({ "type": "PropertyValue", "name": name, "value": value })
}
