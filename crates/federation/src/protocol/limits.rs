//! What one activity from a peer may hold. A document past any of these bounds is refused
//! as a whole (400 with the reason) before anything in it is looked up or stored: nothing is
//! silently cut, so what we keep is what the author wrote.

use serde_json::Value;

/// Deepest JSON nesting.
pub const MAX_DEPTH: usize = 32;
/// Addressees of one object: `to`, `cc`, `bto`, `bcc` and `audience` together.
pub const MAX_ADDRESSEES: usize = 1_000;
/// Entries of `tag` (mentions, hashtags, emoji).
pub const MAX_TAGS: usize = 200;
/// Entries of `attachment`.
pub const MAX_ATTACHMENTS: usize = 64;
/// Characters of `content` (and of each language of `contentMap`).
pub const MAX_CONTENT: usize = 100_000;
/// Characters of `summary` and `name` (and their maps).
pub const MAX_SUMMARY: usize = 10_000;

const ADDRESSING: [&str; 5] = ["to", "cc", "bto", "bcc", "audience"];

fn depth(v: &Value) -> usize {
    match v {
        Value::Array(a) => 1 + a.iter().map(depth).max().unwrap_or(0),
        Value::Object(o) => 1 + o.values().map(depth).max().unwrap_or(0),
        _ => 0,
    }
}

/// How many entries a property holds: an array's length, one for anything else present.
fn count(v: Option<&Value>) -> usize {
    match v {
        None | Some(Value::Null) => 0,
        Some(Value::Array(a)) => a.len(),
        Some(_) => 1,
    }
}

/// The longest text a property holds, in characters: a string, or each value of its map.
fn longest(object: &Value, key: &str) -> usize {
    let plain = object
        .get(key)
        .and_then(Value::as_str)
        .map(|s| s.chars().count());
    let mapped = object
        .get(format!("{key}Map"))
        .and_then(Value::as_object)
        .into_iter()
        .flat_map(|m| m.values())
        .filter_map(Value::as_str)
        .map(|s| s.chars().count());
    plain.into_iter().chain(mapped).max().unwrap_or(0)
}

/// The first bound `object` goes past, as a reason for the sender.
fn over(object: &Value) -> Option<String> {
    let addressees: usize = ADDRESSING.iter().map(|k| count(object.get(*k))).sum();
    if addressees > MAX_ADDRESSEES {
        return Some(format!("has more than {MAX_ADDRESSEES} addressees"));
    }
    if count(object.get("tag")) > MAX_TAGS {
        return Some(format!("has more than {MAX_TAGS} tags"));
    }
    if count(object.get("attachment")) > MAX_ATTACHMENTS {
        return Some(format!("has more than {MAX_ATTACHMENTS} attachments"));
    }
    if longest(object, "content") > MAX_CONTENT {
        return Some(format!("has content longer than {MAX_CONTENT} characters"));
    }
    if ["summary", "name"]
        .iter()
        .any(|k| longest(object, k) > MAX_SUMMARY)
    {
        return Some(format!(
            "has a summary or name longer than {MAX_SUMMARY} characters"
        ));
    }
    None
}

/// Checks an activity (or a fetched object) and the object it carries against every bound.
pub fn check(document: &Value) -> Result<(), String> {
    if depth(document) > MAX_DEPTH {
        return Err("is nested too deeply".into());
    }
    let embedded = document.get("object").filter(|o| o.is_object());
    match over(document).or_else(|| embedded.and_then(over)) {
        Some(reason) => Err(reason),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn each_bound_is_refused_one_past_it_and_accepted_at_it() {
        let note = |k: &str, v: Value| {
            let mut object = json!({ "type": "Note" });
            object[k] = v;
            json!({ "type": "Create", "object": object })
        };
        let many =
            |n: usize| Value::Array((0..n).map(|i| json!(format!("https://x/{i}"))).collect());
        let text = |n: usize| json!("é".repeat(n));
        for (key, at, value) in [
            ("to", MAX_ADDRESSEES, &many as &dyn Fn(usize) -> Value),
            ("tag", MAX_TAGS, &many),
            ("attachment", MAX_ATTACHMENTS, &many),
            ("content", MAX_CONTENT, &text),
            ("summary", MAX_SUMMARY, &text),
            ("name", MAX_SUMMARY, &text),
        ] {
            assert!(check(&note(key, value(at))).is_ok(), "{key} at its bound");
            assert!(
                check(&note(key, value(at + 1))).is_err(),
                "{key} past its bound"
            );
        }
        // Addressees add up across properties, and maps count per language.
        let split = json!({ "to": many(600), "cc": many(401) });
        assert!(check(&split).is_err());
        let map =
            json!({ "object": { "contentMap": { "en": "a", "fr": "b".repeat(MAX_CONTENT + 1) } } });
        assert!(check(&map).is_err());
        let mut deep = json!("x");
        for _ in 0..MAX_DEPTH {
            deep = json!([deep]);
        }
        assert!(check(&deep).is_ok());
        assert!(check(&json!([deep])).is_err());
    }
}
