//! The JSON-LD `@context` we send, with the Interspace namespace defined once.

use serde_json::{json, Value};

/// The ActivityStreams context.
pub const AS_CONTEXT: &str = "https://www.w3.org/ns/activitystreams";

/// The Interspace extension namespace (prefix `is:`), see docs/FEDERATION.md.
pub const NS: &str = "https://w3id.org/interspace/ns#";

pub fn actor_context() -> Value {
    json!([
        "https://www.w3.org/ns/activitystreams",
        "https://w3id.org/security/v1",
        {
            "manuallyApprovesFollowers": "as:manuallyApprovesFollowers",
            "toot": "http://joinmastodon.org/ns#",
            "discoverable": "toot:discoverable",
            "schema": "http://schema.org/",
            "PropertyValue": "schema:PropertyValue",
            "value": "schema:value",
            "PostalAddress": "schema:PostalAddress",
            "address": "schema:address",
            "streetAddress": "schema:streetAddress",
            "postalCode": "schema:postalCode",
            "addressLocality": "schema:addressLocality",
            "addressRegion": "schema:addressRegion",
            "addressCountry": "schema:addressCountry",
            "is": NS,
            "skills": "is:skills",
            "homeSpace": { "@id": "is:homeSpace", "@type": "@id" },
            "members": { "@id": "is:members", "@type": "@id" },
            "upcomingEvents": { "@id": "is:upcomingEvents", "@type": "@id" },
            "visitPolicy": "is:visitPolicy",
            "timezone": "is:timezone"
        }
    ])
}

pub fn collection_context() -> Value {
    json!("https://www.w3.org/ns/activitystreams")
}
