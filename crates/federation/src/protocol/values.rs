//! Small readers and writers of ActivityStreams values that every object and activity shares.

use interspace_app::Account;
use serde_json::Value;

/// The public collection, as we write it.
pub const PUBLIC: &str = "https://www.w3.org/ns/activitystreams#Public";

/// An id given as a string or as an object with an `id`.
pub fn id_of(v: &Value) -> Option<&str> {
    match v {
        Value::String(s) => Some(s),
        Value::Object(o) => o.get("id").and_then(Value::as_str),
        _ => None,
    }
}

/// The ids of a property that holds one id or a list of them.
pub fn strings(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(|x| id_of(x).map(String::from))
            .collect(),
        _ => vec![],
    }
}

/// The public collection in any of the forms servers write it.
pub fn is_public(s: &str) -> bool {
    matches!(s, PUBLIC | "as:Public" | "Public")
}

/// A time as we write it: RFC 3339 UTC, whole seconds.
pub fn iso(t: chrono::NaiveDateTime) -> String {
    t.and_utc()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// Where to deliver to an account: its server's shared inbox, else its own.
pub fn shared_or_own(a: &Account) -> String {
    a.shared_inbox_url
        .clone()
        .unwrap_or_else(|| a.inbox_url.clone())
}
