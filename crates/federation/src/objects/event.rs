//! Events on the wire: FEP-8a8e `Event` with Mobilizon's properties, written for Mobilizon,
//! Lemmy and Mastodon alike, and read from any of them.

use crate::FederationError;
use interspace_app::events::{EventView, Place, RemoteEvent};
use interspace_app::Account;
use interspace_core::events::{self as rules, EventStatus};
use serde_json::{json, Value};
use url::Url;

pub const PUBLIC: &str = "https://www.w3.org/ns/activitystreams#Public";

/// The JSON-LD context of events: ActivityStreams, then Mobilizon's (`mz:`), schema.org's
/// and iCalendar's terms, then ours.
pub fn event_context() -> Value {
    json!([
        "https://www.w3.org/ns/activitystreams",
        {
            "sc": "http://schema.org#",
            "mz": "https://joinmobilizon.org/ns#",
            "ical": "http://www.w3.org/2002/12/cal/ical#",
            "is": crate::protocol::context::NS,
            "PostalAddress": "sc:PostalAddress",
            "address": { "@id": "sc:address", "@type": "sc:PostalAddress" },
            "streetAddress": "sc:streetAddress",
            "postalCode": "sc:postalCode",
            "addressLocality": "sc:addressLocality",
            "addressRegion": "sc:addressRegion",
            "addressCountry": "sc:addressCountry",
            "location": { "@id": "sc:location", "@type": "sc:Place" },
            "category": "sc:category",
            "maximumAttendeeCapacity": "sc:maximumAttendeeCapacity",
            "remainingAttendeeCapacity": "sc:remainingAttendeeCapacity",
            "eventStatus": { "@id": "sc:eventStatus", "@type": "@id" },
            "previousStartDate": "sc:previousStartDate",
            "timezone": { "@id": "mz:timezone", "@type": "sc:Text" },
            "isOnline": { "@id": "mz:isOnline", "@type": "sc:Boolean" },
            "joinMode": { "@id": "mz:joinMode", "@type": "mz:joinModeType" },
            "joinModeType": { "@id": "mz:joinModeType", "@type": "rdfs:Class" },
            "participantCount": { "@id": "mz:participantCount", "@type": "sc:Integer" },
            "participationMessage": { "@id": "mz:participationMessage", "@type": "sc:Text" },
            "externalParticipationUrl": { "@id": "mz:externalParticipationUrl", "@type": "sc:URL" },
            "anonymousParticipationEnabled": { "@id": "mz:anonymousParticipationEnabled", "@type": "sc:Boolean" },
            "waitlist": { "@id": "is:waitlist", "@type": "sc:Boolean" },
            "waitlistCount": { "@id": "is:waitlistCount", "@type": "sc:Integer" },
            "reasonCode": "is:reasonCode"
        }
    ])
}

fn iso(t: chrono::NaiveDateTime) -> String {
    t.and_utc()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// schema.org's EventStatusType for ours.
fn schema_status(s: &str) -> &'static str {
    match s {
        "cancelled" => "https://schema.org/EventCancelled",
        "postponed" => "https://schema.org/EventPostponed",
        "moved_online" => "https://schema.org/EventMovedOnline",
        _ => "https://schema.org/EventScheduled",
    }
}

/// The lines Mastodon shows for an Event (it reads `name` and `summary`, not `content`).
pub fn summary_text(v: &EventView) -> String {
    interspace_app::events::info_lines(&v.event, &v.place).join("\n")
}

/// Our Event object, addressed to the public and the organiser's followers.
pub fn event_json(v: &EventView) -> Value {
    let e = &v.event;
    let o: &Account = &v.organizer;
    let p = &v.place;
    let online = p.kind == "online";
    let location = (!online || p.name.is_some()).then(|| {
        json!({
            "type": "Place",
            "name": p.name.clone().or_else(|| p.room.clone()),
            "address": {
                "type": "PostalAddress",
                "streetAddress": p.street, "postalCode": p.postal_code,
                "addressLocality": p.locality, "addressRegion": p.region,
                "addressCountry": p.country,
            },
        })
    });
    let attachment: Vec<Value> = p
        .url
        .iter()
        .map(|u| json!({ "type": "Link", "name": "Website", "mediaType": "text/html", "href": u }))
        .collect();
    json!({
        "id": e.uri,
        "type": "Event",
        "url": e.url.clone().unwrap_or_else(|| e.uri.clone()),
        "name": e.title,
        "attributedTo": o.uri,
        "actor": o.uri,
        "to": [PUBLIC],
        "cc": [o.followers_url.clone().unwrap_or_default()],
        "content": e.description,
        "mediaType": "text/html",
        "summary": summary_text(v),
        "startTime": iso(e.starts_at),
        "endTime": iso(e.ends_at),
        "timezone": e.timezone,
        "location": location,
        "isOnline": online,
        "attachment": attachment,
        "category": e.category,
        "maximumAttendeeCapacity": e.capacity.unwrap_or(0),
        "remainingAttendeeCapacity": v.seats_left,
        "participantCount": e.participants_count,
        "waitlist": e.waitlist,
        "waitlistCount": e.waitlist_count,
        "joinMode": e.join_mode,
        "externalParticipationUrl": e.external_url,
        "anonymousParticipationEnabled": false,
        "ical:status": match e.status.as_str() { "cancelled" => "CANCELLED", "postponed" => "TENTATIVE", _ => "CONFIRMED" },
        "eventStatus": schema_status(&e.status),
        "previousStartDate": e.previous_starts_at.map(iso),
        "commentsEnabled": true,
        "draft": false,
        "published": iso(e.created_at),
        "updated": iso(e.updated_at),
    })
}

fn text(v: &Value, key: &str) -> Option<String> {
    v.get(key)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(String::from)
}

fn time(v: &Value, key: &str) -> Option<chrono::NaiveDateTime> {
    text(v, key)
        .and_then(|t| chrono::DateTime::parse_from_rfc3339(&t).ok())
        .map(|t| t.naive_utc())
}

fn strings(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(|x| match x {
                Value::String(s) => Some(s.clone()),
                other => other.get("id").and_then(Value::as_str).map(String::from),
            })
            .collect(),
        _ => vec![],
    }
}

fn is_public(s: &str) -> bool {
    matches!(s, PUBLIC | "as:Public" | "Public")
}

/// The status from `eventStatus` (schema.org) or else `ical:status` (Mobilizon).
fn parse_status(v: &Value) -> EventStatus {
    let schema = text(v, "eventStatus").unwrap_or_default();
    let ical = text(v, "ical:status").unwrap_or_default();
    if schema.ends_with("EventCancelled") || ical.eq_ignore_ascii_case("CANCELLED") {
        EventStatus::Cancelled
    } else if schema.ends_with("EventPostponed") {
        EventStatus::Postponed
    } else if schema.ends_with("EventMovedOnline") {
        EventStatus::MovedOnline
    } else {
        EventStatus::Scheduled
    }
}

fn parse_place(v: &Value) -> Place {
    let loc = v.get("location").filter(|l| l.is_object());
    let addr = loc.and_then(|l| l.get("address")).filter(|a| a.is_object());
    let field = |k: &str| addr.and_then(|a| text(a, k));
    let online_url = match v.get("attachment") {
        Some(Value::Array(items)) => items
            .iter()
            .filter(|a| a.get("type").and_then(Value::as_str) == Some("Link"))
            .find_map(|a| text(a, "href")),
        _ => None,
    }
    .filter(|u| Url::parse(u).is_ok_and(|u| matches!(u.scheme(), "http" | "https")));
    let online = v.get("isOnline").and_then(Value::as_bool).unwrap_or(false);
    Place {
        kind: if online && loc.is_none() {
            "online"
        } else {
            "address"
        }
        .into(),
        name: loc.and_then(|l| text(l, "name")),
        room: None,
        street: field("streetAddress"),
        postal_code: field("postalCode"),
        locality: field("addressLocality"),
        region: field("addressRegion"),
        country: field("addressCountry"),
        url: online_url.filter(|_| online),
    }
}

/// An Event from the wire, checked: its id on the sender's host, attributed to an actor of
/// that host (Mobilizon attributes a group's events to the group; the sender is a member).
/// Returns the organiser's id with it.
pub fn parse_event(
    sender: &Account,
    object: &Value,
) -> Result<(Url, RemoteEvent), FederationError> {
    let bad = |m: &str| FederationError::BadRequest(m.to_string());
    let uri = text(object, "id").ok_or_else(|| bad("an Event needs an id"))?;
    let sender_url = Url::parse(&sender.uri)?;
    let same = |u: &Url| crate::objects::actor::same_origin(u, &sender_url);
    if !same(&Url::parse(&uri)?) {
        return Err(bad("the Event is not on its sender's host"));
    }
    let organizer = strings(object.get("attributedTo"))
        .into_iter()
        .next()
        .map(|a| Url::parse(&a))
        .transpose()?
        .unwrap_or_else(|| sender_url.clone());
    if !same(&organizer) {
        return Err(bad("the Event is attributed to another host"));
    }
    let starts_at = time(object, "startTime").ok_or_else(|| bad("an Event needs a startTime"))?;
    let addressed: Vec<String> = strings(object.get("to"))
        .into_iter()
        .chain(strings(object.get("cc")))
        .collect();
    let capacity = object
        .get("maximumAttendeeCapacity")
        .and_then(Value::as_i64)
        .filter(|c| (1..=rules::MAX_CAPACITY).contains(c));
    Ok((
        organizer,
        RemoteEvent {
            url: object
                .get("url")
                .and_then(crate::protocol::actor::first_href),
            title: text(object, "name").unwrap_or_else(|| "Event".into()),
            description: text(object, "content").unwrap_or_default(),
            starts_at,
            ends_at: time(object, "endTime"),
            timezone: text(object, "timezone"),
            place: parse_place(object),
            category: text(object, "category"),
            capacity,
            join_mode: text(object, "joinMode"),
            external_url: text(object, "externalParticipationUrl"),
            waitlist: object.get("waitlist").and_then(Value::as_bool),
            status: parse_status(object),
            previous_starts_at: time(object, "previousStartDate"),
            participants_count: object.get("participantCount").and_then(Value::as_i64),
            public: addressed.iter().any(|s| is_public(s)),
            published: time(object, "published"),
            uri,
        },
    ))
}
