//! Events on the wire: FEP-8a8e `Event` with Mobilizon's properties, written for Mobilizon,
//! Lemmy and Mastodon alike, and read from any of them.

use crate::protocol::values::{is_public, iso, strings, PUBLIC};
use crate::FederationError;
use interspace_app::events::{EventView, Place, RemoteEvent};
use interspace_app::Account;
use interspace_core::events::{self as rules, EventStatus};
use serde_json::{json, Value};
use url::Url;

/// schema.org's EventStatusType for ours.
fn schema_status(s: &str) -> &'static str {
    match s {
        "cancelled" => "https://schema.org/EventCancelled",
        "postponed" => "https://schema.org/EventPostponed",
        "moved_online" => "https://schema.org/EventMovedOnline",
        _ => "https://schema.org/EventScheduled",
    }
}

/// The class of the paragraph that opens an Event's `content` with when and where; a reader
/// of our own Events takes it off again, so the description round-trips.
const INFO_CLASS: &str = "event-info";

/// An Event's `content`: when (in the event's zone), where, its status and the seats left,
/// then the description. Servers that do not know Events (Mitra, snac) show `content` alone;
/// `summary` is not used, as they would fold it behind a content warning.
pub fn content_html(v: &EventView) -> String {
    let lines: Vec<String> = interspace_app::events::info_lines(&v.event, &v.place)
        .iter()
        .map(|l| interspace_core::html::escape(l))
        .collect();
    format!(
        "<p class=\"{INFO_CLASS}\">{}</p>{}",
        lines.join("<br>"),
        v.event.description
    )
}

/// The description in an Event's `content`: without the paragraph [`content_html`] opens it with.
fn description(content: &str) -> String {
    let opening = format!("<p class=\"{INFO_CLASS}\">");
    match content
        .strip_prefix(&opening)
        .and_then(|rest| rest.split_once("</p>"))
    {
        Some((_, description)) => description.trim_start().to_string(),
        None => content.to_string(),
    }
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
        "content": content_html(v),
        "mediaType": "text/html",
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
        "cancelReason": e.cancel_reason,
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
    // An online event may name its meeting room (our `location` then has a name and no
    // address); only a street address makes it happen at an address.
    let has_address = [
        "streetAddress",
        "postalCode",
        "addressLocality",
        "addressRegion",
        "addressCountry",
    ]
    .into_iter()
    .any(|k| field(k).is_some());
    Place {
        kind: if online && !has_address {
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
            description: text(object, "content")
                .map(|c| description(&c))
                .unwrap_or_default(),
            starts_at,
            ends_at: time(object, "endTime"),
            timezone: text(object, "timezone"),
            place: parse_place(object),
            category: text(object, "category"),
            capacity,
            join_mode: text(object, "joinMode"),
            external_url: text(object, "externalParticipationUrl")
                .and_then(|u| interspace_core::urls::http_url(&u)),
            waitlist: object.get("waitlist").and_then(Value::as_bool),
            status: parse_status(object),
            previous_starts_at: time(object, "previousStartDate"),
            participants_count: object.get("participantCount").and_then(Value::as_i64),
            waitlist_count: object.get("waitlistCount").and_then(Value::as_i64),
            cancel_reason: text(object, "cancelReason"),
            public: addressed.iter().any(|s| is_public(s)),
            published: time(object, "published"),
            uri,
        },
    ))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use chrono::NaiveDateTime;
    use interspace_app::events::Event;

    fn at(s: &str) -> NaiveDateTime {
        chrono::DateTime::parse_from_rfc3339(s)
            .expect("test time")
            .naive_utc()
    }

    pub(crate) fn account(uri: &str, username: &str, actor_type: &str) -> Account {
        let domain = Url::parse(uri)
            .expect("account uri")
            .host_str()
            .map(String::from);
        let ts = at("2026-01-01T00:00:00Z");
        Account {
            id: format!("acct-{username}"),
            username: username.into(),
            domain,
            actor_type: actor_type.into(),
            display_name: username.into(),
            note: String::new(),
            uri: uri.into(),
            url: Some(uri.into()),
            inbox_url: format!("{uri}/inbox"),
            shared_inbox_url: None,
            outbox_url: Some(format!("{uri}/outbox")),
            followers_url: Some(format!("{uri}/followers")),
            following_url: Some(format!("{uri}/following")),
            public_key_pem: String::new(),
            private_key_pem: None,
            locked: false,
            discoverable: true,
            fields: "[]".into(),
            skills: "[]".into(),
            home_space_uri: None,
            avatar_url: None,
            header_url: None,
            created_at: ts,
            updated_at: ts,
            fetched_at: None,
            suspended_at: None,
            deleted_at: None,
            bot: false,
            silenced_at: None,
        }
    }

    fn organizer() -> Account {
        let mut a = account("https://hive.example/users/ada", "ada", "Person");
        a.domain = None;
        a
    }

    /// A local event: restricted, 30 seats with 3 taken, postponed from a week earlier.
    fn local_event(place: &Place) -> Event {
        Event {
            id: "ev1".into(),
            uri: "https://hive.example/events/ev1".into(),
            url: Some("https://hive.example/events/ev1/page".into()),
            organizer_id: "acct-ada".into(),
            space_id: Some("space1".into()),
            status_id: None,
            title: "Rust meetup".into(),
            description: "<p>Talks and <strong>pizza</strong>.</p>".into(),
            source_text: "Talks and **pizza**.".into(),
            starts_at: at("2026-12-01T17:00:00Z"),
            ends_at: at("2026-12-01T19:00:00Z"),
            timezone: "Europe/Paris".into(),
            place: serde_json::to_string(place).expect("place json"),
            category: Some("MEETING".into()),
            capacity: Some(30),
            join_mode: "restricted".into(),
            external_url: None,
            waitlist: false,
            status: "postponed".into(),
            previous_starts_at: Some(at("2026-11-24T17:00:00Z")),
            cancel_reason: None,
            visibility: "public".into(),
            participants_count: 3,
            waitlist_count: 0,
            is_local: true,
            sequence: 2,
            created_at: at("2026-10-01T08:00:00Z"),
            updated_at: at("2026-10-02T08:00:00Z"),
            deleted_at: None,
        }
    }

    fn view(event: Event, place: Place) -> EventView {
        let seats_left = rules::seats_left(event.capacity, event.participants_count);
        EventView {
            event,
            organizer: organizer(),
            space: None,
            place,
            seats_left,
            mine: None,
        }
    }

    fn address() -> Place {
        Place {
            kind: "address".into(),
            name: Some("La Ruche".into()),
            room: None,
            street: Some("24 rue de l'Est".into()),
            postal_code: Some("75020".into()),
            locality: Some("Paris".into()),
            region: Some("Île-de-France".into()),
            country: Some("France".into()),
            url: None,
        }
    }

    fn online(name: Option<&str>) -> Place {
        Place {
            kind: "online".into(),
            name: name.map(String::from),
            url: Some("https://meet.example.org/rust-meetup".into()),
            ..Place::default()
        }
    }

    /// What goes on the wire: the JSON as text, read back.
    fn wire(v: &Value) -> Value {
        let text = serde_json::to_string(v).expect("serialise");
        serde_json::from_str(&text).expect("reparse")
    }

    pub(crate) fn fixture(relative: &str) -> Value {
        let path = format!(
            "{}/../../../shared/fixtures/fediverse/{relative}",
            env!("CARGO_MANIFEST_DIR")
        );
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
            panic!("{path}: {e}; the ../shared checkout next to the workspace is required")
        });
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    fn bad_request(r: Result<(Url, RemoteEvent), FederationError>, why: &str) {
        match r {
            Err(FederationError::BadRequest(m)) => assert!(m.contains(why), "{m}"),
            Err(other) => panic!("expected BadRequest({why}), got {other:?}"),
            Ok((_, e)) => panic!("expected BadRequest({why}), parsed {}", e.uri),
        }
    }

    #[test]
    fn our_event_round_trips() {
        let place = address();
        let v = view(local_event(&place), place.clone());
        let json = wire(&event_json(&v));

        assert_eq!(json["type"], "Event");
        assert_eq!(json["id"], "https://hive.example/events/ev1");
        assert_eq!(json["name"], "Rust meetup");
        assert_eq!(json["startTime"], "2026-12-01T17:00:00Z");
        assert_eq!(json["endTime"], "2026-12-01T19:00:00Z");
        assert_eq!(json["previousStartDate"], "2026-11-24T17:00:00Z");
        assert_eq!(json["timezone"], "Europe/Paris");
        assert_eq!(json["maximumAttendeeCapacity"], 30);
        assert_eq!(json["remainingAttendeeCapacity"], 27);
        assert_eq!(json["participantCount"], 3);
        assert_eq!(json["joinMode"], "restricted");
        assert_eq!(json["waitlist"], false);
        assert_eq!(json["eventStatus"], "https://schema.org/EventPostponed");
        assert_eq!(json["ical:status"], "TENTATIVE");
        assert_eq!(json["isOnline"], false);
        assert_eq!(json["attributedTo"], "https://hive.example/users/ada");
        assert_eq!(json["to"], json!([PUBLIC]));
        assert_eq!(
            json["cc"],
            json!(["https://hive.example/users/ada/followers"])
        );
        assert_eq!(json["location"]["type"], "Place");
        assert_eq!(json["location"]["name"], "La Ruche");
        assert_eq!(json["location"]["address"]["postalCode"], "75020");

        // `content` opens with when (in the event's zone), where, its status and the seats
        // left, for servers that show `content` alone; no `summary` (a content warning there).
        assert!(json.get("summary").is_none(), "{json}");
        let summary = json["content"].as_str().expect("content");
        assert!(
            summary.starts_with("<p class=\"event-info\">\u{1F4C5} Tue 1 Dec"),
            "{summary}"
        );
        assert!(
            summary.ends_with("<p>Talks and <strong>pizza</strong>.</p>"),
            "{summary}"
        );
        assert!(
            summary.contains("Tue 1 Dec 2026, 18:00\u{2013}20:00 (Europe/Paris)"),
            "{summary}"
        );
        assert!(
            summary.contains("La Ruche, 24 rue de l&#39;Est, 75020, Paris, France"),
            "{summary}"
        );
        assert!(summary.contains("Postponed"), "{summary}");
        assert!(summary.contains("27 seats left"), "{summary}");

        let (org, r) = parse_event(&v.organizer, &json).expect("our own event parses");
        assert_eq!(org.as_str(), "https://hive.example/users/ada");
        assert_eq!(r.uri, "https://hive.example/events/ev1");
        assert_eq!(
            r.url.as_deref(),
            Some("https://hive.example/events/ev1/page")
        );
        assert_eq!(r.title, "Rust meetup");
        assert_eq!(r.description, "<p>Talks and <strong>pizza</strong>.</p>");
        assert_eq!(r.starts_at, at("2026-12-01T17:00:00Z"));
        assert_eq!(r.ends_at, Some(at("2026-12-01T19:00:00Z")));
        assert_eq!(r.timezone.as_deref(), Some("Europe/Paris"));
        assert_eq!(r.place, place);
        assert_eq!(r.category.as_deref(), Some("MEETING"));
        assert_eq!(r.capacity, Some(30));
        assert_eq!(r.join_mode.as_deref(), Some("restricted"));
        assert_eq!(r.external_url, None);
        assert_eq!(r.waitlist, Some(false));
        assert_eq!(r.status, EventStatus::Postponed);
        assert_eq!(r.previous_starts_at, Some(at("2026-11-24T17:00:00Z")));
        assert_eq!(r.participants_count, Some(3));
        assert!(r.public);
        assert_eq!(r.published, Some(at("2026-10-01T08:00:00Z")));
    }

    #[test]
    fn unlimited_event_has_no_capacity_either_side() {
        let place = address();
        let mut e = local_event(&place);
        e.capacity = None;
        e.status = "scheduled".into();
        e.previous_starts_at = None;
        let v = view(e, place);
        let json = wire(&event_json(&v));
        assert_eq!(json["maximumAttendeeCapacity"], 0, "Mobilizon's unlimited");
        assert!(json["remainingAttendeeCapacity"].is_null());
        assert_eq!(json["eventStatus"], "https://schema.org/EventScheduled");
        assert_eq!(json["ical:status"], "CONFIRMED");
        assert!(!json["content"]
            .as_str()
            .expect("content")
            .contains("seats left"));
        let (_, r) = parse_event(&v.organizer, &json).expect("parses");
        assert_eq!(r.capacity, None);
        assert_eq!(r.status, EventStatus::Scheduled);
        assert_eq!(r.previous_starts_at, None);
    }

    #[test]
    fn online_event_round_trips_its_url() {
        for name in [None, Some("Jitsi room")] {
            let place = online(name);
            let v = view(local_event(&place), place.clone());
            let json = wire(&event_json(&v));
            assert_eq!(json["isOnline"], true, "{name:?}");
            assert_eq!(json["attachment"][0]["type"], "Link", "{name:?}");
            assert_eq!(
                json["attachment"][0]["href"], "https://meet.example.org/rust-meetup",
                "{name:?}"
            );
            let summary = json["content"].as_str().expect("content");
            if name.is_none() {
                assert!(
                    summary.contains("Online: https://meet.example.org/rust-meetup"),
                    "{summary}"
                );
            }
            let (_, r) = parse_event(&v.organizer, &json).expect("parses");
            assert_eq!(r.place.kind, "online", "{name:?}");
            assert_eq!(
                r.place.url.as_deref(),
                Some("https://meet.example.org/rust-meetup"),
                "{name:?}"
            );
            assert_eq!(r.place, place, "{name:?}");
        }
    }

    #[test]
    fn mobilizon_group_event_parses() {
        let json = fixture("from-lemmy/mobilizon/objects/event.json");
        let member = account(
            "https://rendezvous.nomagic.uk/@emorrp1",
            "emorrp1",
            "Person",
        );
        assert_eq!(json["actor"], member.uri.as_str());
        let (org, r) = parse_event(&member, &json).expect("Mobilizon's event parses");
        assert_eq!(
            org.as_str(),
            "https://rendezvous.nomagic.uk/@devon_caledonian_society",
            "the group organises, its member sends"
        );
        assert_eq!(
            r.uri,
            "https://rendezvous.nomagic.uk/events/b81c0531-a57c-497d-93ba-af0f8b255498"
        );
        assert_eq!(r.url.as_deref(), Some(r.uri.as_str()));
        assert_eq!(r.title, "Caledonian scottish dance class");
        assert!(r.description.contains("posh ceilidh"));
        assert_eq!(r.starts_at, at("2022-12-11T19:00:00Z"));
        assert_eq!(r.ends_at, Some(at("2022-12-11T21:00:00Z")));
        assert_eq!(r.timezone.as_deref(), Some("Europe/London"));
        assert_eq!(r.place.kind, "address");
        assert_eq!(r.place.name.as_deref(), Some("The Kenn Centre"));
        assert_eq!(r.place.street.as_deref(), Some("Devon Expressway"));
        assert_eq!(r.place.locality.as_deref(), Some("Teignbridge"));
        assert_eq!(r.place.region.as_deref(), Some("England"));
        assert_eq!(r.place.postal_code.as_deref(), Some("EX6 7TW"));
        assert_eq!(r.place.country.as_deref(), Some("United Kingdom"));
        assert_eq!(r.place.url, None, "a banner image is not a meeting link");
        assert_eq!(r.category.as_deref(), Some("SPORTS"));
        assert_eq!(r.capacity, None, "Mobilizon writes 0 for unlimited");
        assert_eq!(r.join_mode.as_deref(), Some("free"));
        assert_eq!(r.status, EventStatus::Scheduled);
        assert_eq!(r.participants_count, Some(0));
        assert_eq!(r.waitlist, None);
        assert!(r.public);
        assert_eq!(r.published, Some(at("2022-09-27T14:33:14Z")));

        // The same event also streamed online: it still happens at its address, with a link.
        let mut hybrid = json.clone();
        hybrid["isOnline"] = json!(true);
        hybrid["attachment"] = json!([{ "type": "Link", "href": "https://stream.example/kenn" }]);
        let (_, r) = parse_event(&member, &hybrid).expect("parses");
        assert_eq!(r.place.kind, "address");
        assert_eq!(r.place.name.as_deref(), Some("The Kenn Centre"));
        assert_eq!(r.place.url.as_deref(), Some("https://stream.example/kenn"));
    }

    #[test]
    fn gancio_event_parses() {
        let create = fixture("from-mobilizon/gancio-event-activity.json");
        let sender = account(
            "https://demo.gancio.org/federation/u/gancio",
            "gancio",
            "Person",
        );
        assert_eq!(create["actor"], sender.uri.as_str());
        let (org, r) = parse_event(&sender, &create["object"]).expect("Gancio's event parses");
        assert_eq!(org.as_str(), "https://demo.gancio.org/federation/u/gancio");
        assert_eq!(r.uri, "https://demo.gancio.org/federation/m/1");
        assert_eq!(
            r.url.as_deref(),
            Some("https://demo.gancio.org/event/demo-event")
        );
        assert_eq!(r.title, "Demo event");
        assert_eq!(r.starts_at, at("2021-07-14T15:30:57Z"), "converted to UTC");
        assert_eq!(r.ends_at, Some(at("2021-07-14T16:30:57Z")));
        assert_eq!(r.timezone, None);
        assert_eq!(r.place.kind, "address");
        assert_eq!(r.place.name.as_deref(), Some("Colosseo"));
        assert_eq!(r.capacity, None);
        assert_eq!(r.join_mode, None);
        assert_eq!(r.status, EventStatus::Scheduled);
        assert!(r.public);
    }

    #[test]
    fn mobilizon_online_restricted_cancelled_group_event_parses() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests-data/mobilizon-online-event.json"
        );
        let text = std::fs::read_to_string(path).expect("our fixture");
        let json: Value = serde_json::from_str(&text).expect("fixture json");
        let member = account("https://mobilizon.example/@camille", "camille", "Person");
        let (org, r) = parse_event(&member, &json).expect("parses");
        assert_eq!(org.as_str(), "https://mobilizon.example/@reading_circle");
        assert_eq!(r.title, "Remote reading circle");
        assert_eq!(r.starts_at, at("2026-11-20T17:30:00Z"));
        assert_eq!(r.ends_at, Some(at("2026-11-20T19:00:00Z")));
        assert_eq!(r.timezone.as_deref(), Some("Europe/Brussels"));
        assert_eq!(r.capacity, Some(20));
        assert_eq!(r.participants_count, Some(5));
        assert_eq!(r.join_mode.as_deref(), Some("restricted"));
        assert_eq!(r.status, EventStatus::Cancelled);
        assert_eq!(
            r.place,
            Place {
                kind: "online".into(),
                url: Some("https://meet.example.org/reading-circle".into()),
                ..Place::default()
            }
        );
        assert!(!r.public, "addressed only to the group's followers");
    }

    #[test]
    fn foreign_or_incomplete_events_are_refused() {
        let place = address();
        let v = view(local_event(&place), place);
        let good = wire(&event_json(&v));
        assert!(parse_event(&v.organizer, &good).is_ok());

        let mut other_id = good.clone();
        other_id["id"] = json!("https://elsewhere.example/events/ev1");
        bad_request(
            parse_event(&v.organizer, &other_id),
            "not on its sender's host",
        );

        let mut other_author = good.clone();
        other_author["attributedTo"] = json!("https://elsewhere.example/users/mallory");
        bad_request(
            parse_event(&v.organizer, &other_author),
            "attributed to another host",
        );

        let mut no_start = good.clone();
        no_start
            .as_object_mut()
            .expect("object")
            .remove("startTime");
        bad_request(parse_event(&v.organizer, &no_start), "needs a startTime");

        let mut bad_start = good;
        bad_start["startTime"] = json!("next Tuesday");
        bad_request(parse_event(&v.organizer, &bad_start), "needs a startTime");
    }
}
