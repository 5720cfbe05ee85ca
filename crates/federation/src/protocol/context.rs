//! The JSON-LD `@context` of everything we serve and send: ActivityStreams, the security
//! vocabulary of actor keys, and one map of every other term we use, defined once. A strict
//! JSON-LD peer expands each of our properties to the IRI we mean (the suite checks it with
//! PyLD: `vocabulary::what_we_serve_and_send_expands_as_we_mean_it`).
//!
//! The map is inlined in each document, so no peer has to fetch anything but the two W3C
//! contexts it already knows; the same map is served, versioned, at [`TERMS_PATH`] for those
//! who want to read or cache it. A term's meaning never changes within a version: a new
//! meaning is a new term, or a new version.

use serde_json::{json, Map, Value};

/// The ActivityStreams context.
pub const AS_CONTEXT: &str = "https://www.w3.org/ns/activitystreams";

/// The security vocabulary (actor keys), as Mastodon and its peers expect to see it named.
pub const SECURITY_CONTEXT: &str = "https://w3id.org/security/v1";

/// The Interspace extension namespace (prefix `is:`), see docs/FEDERATION.md.
pub const NS: &str = "https://w3id.org/interspace/ns#";

/// Where the instance serves [`terms`] (`{"@context": ...}`, `application/ld+json`).
pub const TERMS_PATH: &str = "/ns/interspace/v1";

/// Every term beyond ActivityStreams and security v1: Mastodon's, Mobilizon's and PeerTube's
/// for posts and events (with their own IRIs, so their software and ours read the same
/// thing), schema.org's, Valueflows' and the units ontology's (FEP-0837) for opportunities,
/// then ours.
pub fn terms() -> Value {
    let groups = [
        json!({
        "schema": "http://schema.org#",
        "toot": "http://joinmastodon.org/ns#",
        "mz": "https://joinmobilizon.org/ns#",
        "pt": "https://joinpeertube.org/ns#",
        "ical": "http://www.w3.org/2002/12/cal/ical#",
        "vf": "https://w3id.org/valueflows/ont/vf#",
        "om2": "http://www.ontology-of-units-of-measure.org/resource/om-2/",
        "lemmy": "https://join-lemmy.org/ns#",
        "is": NS,
        }),
        json!({
        // ActivityStreams terms the W3C context leaves out, as Mastodon defines them.
        "manuallyApprovesFollowers": "as:manuallyApprovesFollowers",
        "sensitive": "as:sensitive",
        "Hashtag": "as:Hashtag",
        "discoverable": "toot:discoverable",
        "featured": { "@id": "toot:featured", "@type": "@id" },

        // Keys as FEP-521a publishes them (the terms of the W3C Multikey context).
        "assertionMethod": { "@id": "sec:assertionMethod", "@type": "@id", "@container": "@set" },
        "Multikey": "sec:Multikey",
        "controller": { "@id": "sec:controller", "@type": "@id" },
        "publicKeyMultibase": { "@id": "sec:publicKeyMultibase", "@type": "sec:multibase" },

        // Groups as Lemmy defines them (FEP-1b12).
        "moderators": { "@id": "lemmy:moderators", "@type": "@id" },
        "postingRestrictedToMods": "lemmy:postingRestrictedToMods",

        // Profile fields and addresses.
        "PropertyValue": "schema:PropertyValue",
        "value": "schema:value",
        "PostalAddress": "schema:PostalAddress",
        "address": "schema:address",
        "streetAddress": "schema:streetAddress",
        "postalCode": "schema:postalCode",
        "addressLocality": "schema:addressLocality",
        "addressRegion": "schema:addressRegion",
        "addressCountry": "schema:addressCountry",
        }),
        json!({
        // Events (FEP-8a8e, with Mobilizon's properties; `location` is ActivityStreams').
        "category": "schema:category",
        "startDate": "schema:startDate",
        "endDate": "schema:endDate",
        "maximumAttendeeCapacity": "schema:maximumAttendeeCapacity",
        "remainingAttendeeCapacity": "schema:remainingAttendeeCapacity",
        "eventStatus": { "@id": "schema:eventStatus", "@type": "@id" },
        "previousStartDate": "schema:previousStartDate",
        "timezone": { "@id": "mz:timezone", "@type": "schema:Text" },
        "isOnline": { "@id": "mz:isOnline", "@type": "schema:Boolean" },
        "joinMode": { "@id": "mz:joinMode", "@type": "mz:joinModeType" },
        "joinModeType": { "@id": "mz:joinModeType", "@type": "rdfs:Class" },
        "participantCount": { "@id": "mz:participantCount", "@type": "schema:Integer" },
        "participationMessage": { "@id": "mz:participationMessage", "@type": "schema:Text" },
        "externalParticipationUrl": { "@id": "mz:externalParticipationUrl", "@type": "schema:URL" },
        "anonymousParticipationEnabled": { "@id": "mz:anonymousParticipationEnabled", "@type": "schema:Boolean" },
        "draft": { "@id": "mz:draft", "@type": "schema:Boolean" },
        "commentsEnabled": { "@id": "pt:commentsEnabled", "@type": "schema:Boolean" },
        "waitlist": { "@id": "is:waitlist", "@type": "schema:Boolean" },
        "waitlistCount": { "@id": "is:waitlistCount", "@type": "schema:Integer" },
        "cancelReason": "is:cancelReason",
        "reasonCode": "is:reasonCode",
        }),
        json!({
        // Opportunities (FEP-0837 Proposal and Intents, then ours).
        "Proposal": "vf:Proposal",
        "Intent": "vf:Intent",
        "Agreement": "vf:Agreement",
        "Commitment": "vf:Commitment",
        "action": "vf:action",
        "purpose": "vf:purpose",
        "unitBased": "vf:unitBased",
        "publishes": "vf:publishes",
        "reciprocal": "vf:reciprocal",
        "stipulates": "vf:stipulates",
        "satisfies": "vf:satisfies",
        "resourceConformsTo": { "@id": "vf:resourceConformsTo", "@type": "@id" },
        "resourceQuantity": "vf:resourceQuantity",
        "hasUnit": "om2:hasUnit",
        "hasNumericalValue": "om2:hasNumericalValue",
        "opportunityKind": "is:opportunityKind",
        "skills": "is:skills",
        "workMode": "is:workMode",
        "budgetPeriod": "is:budgetPeriod",
        "deadline": "is:deadline",
        "teamSize": "is:teamSize",
        "status": "is:status",
        "visibility": "is:visibility",
        "applicationsCount": "is:applicationsCount",
        "proposedBudget": "is:proposedBudget",
        "links": "is:links",
        "team": { "@id": "is:team", "@type": "@id" },
        "opportunity": { "@id": "is:opportunity", "@type": "@id" },
        "state": "is:state",
        }),
        json!({
        // Spaces, their visit policy, partnerships and visits.
        "homeSpace": { "@id": "is:homeSpace", "@type": "@id" },
        "hostSpace": { "@id": "is:hostSpace", "@type": "@id" },
        "members": { "@id": "is:members", "@type": "@id" },
        "upcomingEvents": { "@id": "is:upcomingEvents", "@type": "@id" },
        "Partnership": "is:Partnership",
        "Visit": "is:Visit",
        "terms": "is:terms",
        "visitPolicy": "is:visitPolicy",
        "mode": "is:mode",
        "approval": "is:approval",
        "advance_notice_hours": "is:advanceNoticeHours",
        "days_open": "is:daysOpen",
        "max_visitors_per_day": "is:maxVisitorsPerDay",
        "free_days_per_member_per_month": "is:freeDaysPerMemberPerMonth",
        "day_price": "is:dayPrice",
        "amount": "is:amount",
        "currency": "is:currency",
        "checkedInAt": "is:checkedInAt",
        "checkedOutAt": "is:checkedOutAt"
        }),
    ];
    let mut map = Map::new();
    for group in groups {
        if let Value::Object(terms) = group {
            map.extend(terms);
        }
    }
    Value::Object(map)
}

/// The `@context` of every document we serve and send.
pub fn context() -> Value {
    json!([AS_CONTEXT, SECURITY_CONTEXT, terms()])
}

/// A document as it goes on the wire: [`context`] once at the top (none inside, where the
/// top one already holds), and no `null` anywhere (JSON-LD reads it as absent, so we omit the
/// property, which peers that do not read JSON-LD also prefer).
pub fn document(mut body: Value) -> Value {
    strip(&mut body);
    if let Value::Object(fields) = body {
        let mut map = Map::new();
        map.insert("@context".into(), context());
        map.extend(fields);
        Value::Object(map)
    } else {
        body
    }
}

fn strip(v: &mut Value) {
    match v {
        Value::Object(m) => {
            m.retain(|k, v| !v.is_null() && k != "@context");
            m.values_mut().for_each(strip);
        }
        Value::Array(items) => {
            items.retain(|v| !v.is_null());
            items.iter_mut().for_each(strip);
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_document_has_one_context_and_no_null() {
        let doc = document(json!({
            "type": "Create", "summary": null, "to": ["a", null],
            "object": {"@context": "x", "type": "Note", "inReplyTo": null},
        }));
        assert_eq!(doc["@context"], context());
        assert_eq!(
            doc,
            json!({
                "@context": context(), "type": "Create", "to": ["a"],
                "object": {"type": "Note"},
            })
        );
    }

    #[test]
    fn every_term_is_defined_once_and_prefixes_are_known() {
        let terms = terms();
        let map = terms.as_object().expect("a map");
        let prefixes = [
            "schema", "toot", "mz", "pt", "vf", "om2", "lemmy", "is", "as", "sec", "rdfs",
        ];
        for (term, def) in map {
            let iri = def
                .as_str()
                .or_else(|| def["@id"].as_str())
                .unwrap_or_else(|| panic!("{term} has no IRI"));
            let prefix = iri.split_once(':').map(|(p, _)| p).unwrap_or_default();
            assert!(
                prefixes.contains(&prefix) || iri.starts_with("http"),
                "{term} -> {iri}"
            );
        }
    }
}
