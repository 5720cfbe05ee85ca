//! Property tests over what peers send: activities and objects of every shape, and signature
//! headers. Nothing may panic; what is accepted must satisfy the origin rules. `PROPTEST_CASES`
//! sets how many cases each runs (256 by default, as in CI; set it to 100000 for a long run).

use crate::objects::actor::{remote_actor, verify_actor};
use crate::objects::event::{parse_event, tests::account};
use crate::objects::opportunity;
use crate::protocol::actor::Actor;
use crate::signatures::{self, SignedRequest};
use proptest::prelude::*;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use url::Url;

const SENDER: &str = "https://hive.example/users/ada";

/// Strings a peer might put anywhere: ids on our sender's host or another, odd schemes,
/// dates, numbers as text, and anything at all.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(SENDER.to_string()),
        Just("https://hive.example/events/1".to_string()),
        Just("https://other.example/events/1".to_string()),
        Just("javascript:alert(1)".to_string()),
        Just("2026-12-07T10:00:00Z".to_string()),
        Just("Europe/Paris".to_string()),
        Just("https://www.w3.org/ns/activitystreams#Public".to_string()),
        "[a-zA-Z0-9:/._#-]{0,30}",
        any::<String>(),
    ]
}

/// Any JSON, a few levels deep, with the keys activities and objects use.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>().prop_map(|n| json!(n)),
        text().prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec((key(), inner), 0..8)
                .prop_map(|kv| Value::Object(kv.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("id"),
        Just("type"),
        Just("actor"),
        Just("object"),
        Just("attributedTo"),
        Just("to"),
        Just("cc"),
        Just("name"),
        Just("content"),
        Just("startTime"),
        Just("endTime"),
        Just("location"),
        Just("url"),
        Just("href"),
        Just("tag"),
        Just("joinMode"),
        Just("maximumAttendeeCapacity"),
        Just("timezone"),
        Just("externalParticipationUrl"),
        Just("purpose"),
        Just("resourceConformsTo"),
        Just("budget"),
        Just("inReplyTo"),
        Just("address"),
        Just("publicKey"),
        Just("inbox"),
        Just("preferredUsername"),
        Just("icon"),
        Just("attachment"),
    ]
    .prop_map(String::from)
}

/// An object of one of the types we read, with random properties around it.
fn object() -> impl Strategy<Value = Value> {
    (
        prop_oneof![
            Just("Event"),
            Just("Note"),
            Just("Page"),
            Just("Person"),
            Just("Group"),
            Just("Agreement")
        ],
        text(),
        prop::collection::vec((key(), json_value()), 0..12),
    )
        .prop_map(|(kind, id, extra)| {
            let mut o: Map<String, Value> = extra.into_iter().collect();
            o.insert("type".into(), json!(kind));
            o.entry("id").or_insert(json!(id));
            Value::Object(o)
        })
}

proptest! {
    #[test]
    fn objects_of_any_shape_never_panic(object in object()) {
        let sender = account(SENDER, "ada", "Person");
        if let Ok((organizer, event)) = parse_event(&sender, &object) {
            // Accepted: on the sender's origin, with links that are http(s) only.
            let sender_url = Url::parse(SENDER).expect("url");
            prop_assert!(crate::objects::actor::same_origin(&Url::parse(&event.uri).expect("uri"), &sender_url));
            prop_assert!(crate::objects::actor::same_origin(&organizer, &sender_url));
            for link in [&event.url, &event.external_url].into_iter().flatten() {
                prop_assert!(link.starts_with("http://") || link.starts_with("https://"), "{link}");
            }
        }
        let _ = opportunity::parse(&object, "https://here.example");
        let _ = opportunity::parse_agreement(&object);
        if let Ok(actor) = serde_json::from_value::<Actor>(object.clone()) {
            let fetched_from = Url::parse(SENDER).expect("url");
            if verify_actor(&actor, &fetched_from).is_ok() {
                let remote = remote_actor(actor);
                for link in [&remote.url, &remote.avatar, &remote.header].into_iter().flatten() {
                    prop_assert!(link.starts_with("http://") || link.starts_with("https://"), "{link}");
                }
            }
        }
    }

    #[test]
    fn signature_headers_of_any_shape_never_panic(
        signature in prop_oneof![
            any::<String>(),
            "(keyId|algorithm|headers|signature|created)=\"[^\"]{0,40}\"(,[a-zA-Z]{0,8}=\"?[^,]{0,30}\"?){0,5}",
        ],
        date in prop_oneof![any::<String>(), Just(signatures_date())],
        digest in prop_oneof![any::<String>(), "(SHA|sha)-256=[A-Za-z0-9+/=]{0,50}"],
        host in "[a-z.:0-9]{0,20}",
        path in "/[ -~]{0,30}",
        body in prop::collection::vec(any::<u8>(), 0..200),
    ) {
        let _ = signatures::parse(&signature);
        let headers: BTreeMap<String, String> = [
            ("signature", signature),
            ("date", date),
            ("digest", digest),
            ("host", host),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        let now = chrono::Utc::now();
        let _ = SignedRequest::parse_post(&headers, &path, &body, now);
        let _ = SignedRequest::parse_get(&headers, &path, now);
        // The same text as RFC 9421's fields: refused or read, never a panic.
        let mut rfc9421 = headers.clone();
        rfc9421.insert("signature-input".into(), headers["signature"].clone());
        rfc9421.insert("content-digest".into(), headers["digest"].clone());
        if let Ok(uri) = url::Url::parse("https://hive.example/inbox") {
            let _ = SignedRequest::of_request(&rfc9421, "POST", &uri, Some(&body), now);
            let _ = SignedRequest::of_request(&rfc9421, "GET", &uri, None, now);
        }
    }
}

fn signatures_date() -> String {
    chrono::Utc::now().to_rfc2822()
}
