//! Events across instances: publishing, RSVPs with answers, waitlists, approvals, updates and
//! cancellation, bad input, iCalendar, reminders.

use interspace_tests::{http, TestCluster, TestInstance};
use serde_json::{json, Value};

/// An RFC 3339 time `hours` from now (UTC, whole seconds).
fn in_hours(hours: i64) -> String {
    (chrono::Utc::now() + chrono::Duration::hours(hours))
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

const EVENTS: &str = "/api/interspace/v1/events";

async fn create(i: &TestInstance, token: &str, body: Value) -> Value {
    let (status, event) = i.post(token, EVENTS, body).await;
    assert_eq!(status, 200, "create: {event}");
    event
}

/// The local copy of an event on `i`, by its ActivityPub id.
async fn lookup(i: &TestInstance, token: &str, uri: &str) -> Value {
    let (status, event) = i
        .get(token, &format!("{EVENTS}/lookup?uri={}", urlencoding(uri)))
        .await;
    assert_eq!(status, 200, "lookup {uri}: {event}");
    event
}

fn urlencoding(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

async fn notification_types(i: &TestInstance, token: &str) -> Vec<String> {
    let (_, notes) = i.get(token, "/api/v1/notifications").await;
    notes
        .as_array()
        .map(|n| {
            n.iter()
                .filter_map(|x| x["type"].as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

async fn home_has(i: &TestInstance, token: &str, needle: &str) -> bool {
    let (_, home) = i.get(token, "/api/v1/timelines/home").await;
    home.as_array().is_some_and(|posts| {
        posts.iter().any(|p| {
            let content = p["reblog"]["content"]
                .as_str()
                .or(p["content"].as_str())
                .unwrap_or_default();
            content.contains(needle)
        })
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_reach_followers_and_rsvps_cross_three_instances() {
    let cluster = TestCluster::spawn(3).await;
    let (a, b, c) = (&cluster[0], &cluster[1], &cluster[2]);
    let alice = a.user("alice").await;
    let bob = b.user("bob").await;
    let carol = c.user("carol").await;
    // Bob follows the organiser; Carol only follows A's space, which re-shares.
    b.follow(&bob.token, &format!("alice@{}", a.domain)).await;
    c.follow(&carol.token, &format!("space@{}", a.domain)).await;
    cluster.settle().await;

    let event = create(
        a,
        &alice.token,
        json!({
            "title": "Rust meetup", "description": "Talks and **pizza**.",
            "starts_at": in_hours(48), "ends_at": in_hours(50), "timezone": "Europe/Paris",
            "capacity": 1, "place": {"kind": "space", "room": "Loft"},
        }),
    )
    .await;
    assert_eq!(event["seats_left"], 1);
    assert_eq!(event["join_mode"], "free");
    assert_eq!(event["waitlist"], true);
    assert!(
        event["description"]
            .as_str()
            .unwrap_or_default()
            .contains("<strong>pizza</strong>"),
        "Markdown in, HTML out: {event}"
    );
    let uri = event["uri"].as_str().expect("uri").to_string();
    let id = event["id"].as_str().expect("id").to_string();
    cluster.settle().await;

    // B got it from alice, C through the space's Announce: both store it and show its post.
    for (i, token) in [(b, &bob.token), (c, &carol.token)] {
        let copy = lookup(i, token, &uri).await;
        assert_eq!(copy["title"], "Rust meetup");
        assert_eq!(copy["local"], false);
        assert_eq!(copy["timezone"], "Europe/Paris");
        assert_eq!(copy["capacity"], 1);
        assert!(
            home_has(i, token, "Rust meetup").await,
            "the event is in the home timeline on {}",
            i.domain
        );
        let (_, listed) = i.get(token, &format!("{EVENTS}?local=false")).await;
        assert_eq!(listed.as_array().map(Vec::len), Some(1), "{listed}");
    }

    // Bob joins from B: requested, then A accepts; the count updates on A.
    let bob_copy = lookup(b, &bob.token, &uri).await;
    let bob_event = bob_copy["id"].as_str().expect("id").to_string();
    let (status, part) = b
        .post(&bob.token, &format!("{EVENTS}/{bob_event}/join"), json!({}))
        .await;
    assert_eq!(status, 200, "{part}");
    assert_eq!(part["state"], "requested");
    cluster.settle().await;
    let (_, mine) = b.get(&bob.token, &format!("{EVENTS}/{bob_event}")).await;
    assert_eq!(mine["my_participation"]["state"], "accepted", "{mine}");
    let (_, at_a) = a.get(&alice.token, &format!("{EVENTS}/{id}")).await;
    assert_eq!(at_a["participants_count"], 1);
    assert_eq!(at_a["seats_left"], 0);
    assert!(notification_types(a, &alice.token)
        .await
        .contains(&"pleroma:participation_request".to_string()));
    // The seat count travels back as an Update.
    let (_, on_b) = b.get(&bob.token, &format!("{EVENTS}/{bob_event}")).await;
    assert_eq!(on_b["participants_count"], 1, "{on_b}");

    // Carol, on C, finds it full: waitlisted.
    let carol_event = lookup(c, &carol.token, &uri).await["id"]
        .as_str()
        .expect("id")
        .to_string();
    c.post(
        &carol.token,
        &format!("{EVENTS}/{carol_event}/join"),
        json!({"message": "Count me in"}),
    )
    .await;
    cluster.settle().await;
    let (_, on_c) = c
        .get(&carol.token, &format!("{EVENTS}/{carol_event}"))
        .await;
    assert_eq!(on_c["my_participation"]["state"], "waitlisted", "{on_c}");
    let (_, waiting) = a
        .get(
            &alice.token,
            &format!("{EVENTS}/{id}/participants?state=waitlisted"),
        )
        .await;
    assert_eq!(waiting[0]["message"], "Count me in");

    // Bob leaves: Carol, on another instance, takes the seat and hears of it.
    let (status, _) = b
        .post(
            &bob.token,
            &format!("{EVENTS}/{bob_event}/leave"),
            json!({}),
        )
        .await;
    assert_eq!(status, 200);
    cluster.settle().await;
    let (_, on_c) = c
        .get(&carol.token, &format!("{EVENTS}/{carol_event}"))
        .await;
    assert_eq!(on_c["my_participation"]["state"], "accepted", "{on_c}");
    assert!(notification_types(c, &carol.token)
        .await
        .contains(&"pleroma:participation_accepted".to_string()));
    let (_, going) = a.get("", &format!("{EVENTS}/{id}/participants")).await;
    assert_eq!(going.as_array().map(Vec::len), Some(1), "{going}");
    assert_eq!(going[0]["account"]["acct"], format!("carol@{}", c.domain));
    assert!(
        going[0]["message"].is_null(),
        "a join request's message is for its author and the organiser: {going}"
    );

    // An update changes what B and C show, and participants are told.
    let (status, updated) = a
        .patch(
            &alice.token,
            &format!("{EVENTS}/{id}"),
            json!({"title": "Rust meetup (bigger room)", "capacity": 30}),
        )
        .await;
    assert_eq!(status, 200, "{updated}");
    cluster.settle().await;
    for (i, token, local_id) in [(b, &bob.token, &bob_event), (c, &carol.token, &carol_event)] {
        let (_, e) = i.get(token, &format!("{EVENTS}/{local_id}")).await;
        assert_eq!(e["title"], "Rust meetup (bigger room)");
        assert_eq!(e["capacity"], 30);
    }
    assert!(notification_types(c, &carol.token)
        .await
        .contains(&"pleroma:event_update".to_string()));

    // Cancelling reaches everyone; a join of a cancelled event is refused and changes nothing.
    let (status, _) = a
        .post(
            &alice.token,
            &format!("{EVENTS}/{id}/cancel"),
            json!({"reason": "speaker ill"}),
        )
        .await;
    assert_eq!(status, 200);
    cluster.settle().await;
    for (i, token, local_id) in [(b, &bob.token, &bob_event), (c, &carol.token, &carol_event)] {
        let (_, e) = i.get(token, &format!("{EVENTS}/{local_id}")).await;
        assert_eq!(e["status"], "cancelled", "{e}");
        assert_eq!(e["cancel_reason"], "speaker ill");
    }
    let updates = notification_types(c, &carol.token)
        .await
        .iter()
        .filter(|t| *t == "pleroma:event_update")
        .count();
    assert_eq!(updates, 2, "told of the update and of the cancellation");
    let (status, refused) = b
        .post(&bob.token, &format!("{EVENTS}/{bob_event}/join"), json!({}))
        .await;
    assert_eq!(status, 422, "{refused}");
    assert_eq!(refused["error_code"], "not_open");
    let (_, mine) = b.get(&bob.token, &format!("{EVENTS}/{bob_event}")).await;
    assert_eq!(mine["my_participation"]["state"], "left");
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restricted_events_are_approved_or_rejected_across_instances() {
    let cluster = TestCluster::spawn(2).await;
    let (a, b) = (&cluster[0], &cluster[1]);
    let alice = a.user("alice").await;
    let bob = b.user("bob").await;
    let dan = b.user("dan").await;
    let event = create(
        a,
        &alice.token,
        json!({
            "title": "Founders' dinner", "starts_at": in_hours(24), "ends_at": in_hours(27),
            "join_mode": "restricted", "capacity": 10,
            "place": {"kind": "address", "name": "Chez Lu", "street": "3 rue Haute", "locality": "Lyon"},
        }),
    )
    .await;
    let (uri, id) = (
        event["uri"].as_str().expect("uri"),
        event["id"].as_str().expect("id"),
    );
    // Nobody on B follows alice: the lookup fetches the event from A.
    let on_b = lookup(b, &bob.token, uri).await;
    assert_eq!(on_b["join_mode"], "restricted");
    assert_eq!(on_b["place"]["locality"], "Lyon");
    let remote_id = on_b["id"].as_str().expect("id").to_string();
    for (who, msg) in [(&bob, "I run a bakery"), (&dan, "hello")] {
        let (status, part) = b
            .post(
                &who.token,
                &format!("{EVENTS}/{remote_id}/join"),
                json!({"message": msg}),
            )
            .await;
        assert_eq!((status, part["state"].as_str()), (200, Some("requested")));
    }
    cluster.settle().await;
    let (_, pending) = a
        .get(
            &alice.token,
            &format!("{EVENTS}/{id}/participants?state=pending"),
        )
        .await;
    let pending = pending.as_array().expect("list").clone();
    assert_eq!(pending.len(), 2, "both wait for the organizer");
    let find = |name: &str| {
        pending
            .iter()
            .find(|p| p["account"]["username"] == name)
            .and_then(|p| p["id"].as_str())
            .expect("participation")
            .to_string()
    };
    // Others see no pending requests.
    let (_, public_list) = a.get("", &format!("{EVENTS}/{id}/participants")).await;
    assert_eq!(public_list, json!([]));

    let (status, approved) = a
        .post(
            &alice.token,
            &format!("{EVENTS}/{id}/participants/{}/approve", find("bob")),
            json!({}),
        )
        .await;
    assert_eq!(
        (status, approved["state"].as_str()),
        (200, Some("accepted"))
    );
    let (status, rejected) = a
        .post(
            &alice.token,
            &format!("{EVENTS}/{id}/participants/{}/reject", find("dan")),
            json!({"reason": "members of the guild only"}),
        )
        .await;
    assert_eq!(
        (status, rejected["state"].as_str()),
        (200, Some("rejected"))
    );
    // Only the organizer decides.
    let (status, _) = a
        .post(
            &a.user("mallory").await.token,
            &format!("{EVENTS}/{id}/participants/{}/approve", find("dan")),
            json!({}),
        )
        .await;
    assert_eq!(status, 403);
    cluster.settle().await;
    let (_, bob_view) = b.get(&bob.token, &format!("{EVENTS}/{remote_id}")).await;
    assert_eq!(bob_view["my_participation"]["state"], "accepted");
    let (_, dan_view) = b.get(&dan.token, &format!("{EVENTS}/{remote_id}")).await;
    assert_eq!(dan_view["my_participation"]["state"], "rejected");
    assert_eq!(
        dan_view["my_participation"]["reason"],
        "members of the guild only"
    );
    assert_eq!(dan_view["my_participation"]["reason_code"], "rejected");
    assert!(notification_types(b, &dan.token)
        .await
        .contains(&"interspace:participation_update".to_string()));
    // The organizer's no is final: asking again is refused at home, and nothing is sent.
    let (status, again) = b
        .post(&dan.token, &format!("{EVENTS}/{remote_id}/join"), json!({}))
        .await;
    assert_eq!(
        (status, again["error_code"].as_str()),
        (422, Some("not_open")),
        "{again}"
    );
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_event_input_gets_a_clear_error_and_changes_nothing() {
    let cluster = TestCluster::spawn(1).await;
    let a = &cluster[0];
    let alice = a.user("alice").await;
    let base = json!({"title": "Open day", "starts_at": in_hours(5), "ends_at": in_hours(6)});
    let with = |patch: Value| {
        let mut body = base.clone();
        if let (Some(b), Some(p)) = (body.as_object_mut(), patch.as_object()) {
            b.extend(p.clone());
        }
        body
    };
    for (patch, field) in [
        (json!({"ends_at": in_hours(4)}), "ends_at"),
        (json!({"capacity": 0}), "capacity"),
        (json!({"capacity": -5}), "capacity"),
        (json!({"timezone": "Mars/Olympus_Mons"}), "timezone"),
        (
            json!({"starts_at": in_hours(-3), "ends_at": in_hours(-2)}),
            "starts_at",
        ),
        (json!({"join_mode": "lottery"}), "join_mode"),
        (json!({"join_mode": "external"}), "external_url"),
        (
            json!({"place": {"kind": "online", "url": "ftp://x"}}),
            "place.url",
        ),
        (json!({"title": ""}), "title"),
    ] {
        let (status, err) = a.post(&alice.token, EVENTS, with(patch.clone())).await;
        assert_eq!(status, 422, "{patch} -> {err}");
        assert_eq!(err["error_code"], "validation_failed", "{err}");
        assert!(
            err["details"][field].is_string(),
            "{patch} names {field}: {err}"
        );
    }
    let (status, list) = a.get(&alice.token, EVENTS).await;
    assert_eq!((status, list), (200, json!([])), "nothing was created");

    // A full event without a waitlist refuses; an update with bad input changes nothing.
    let event = create(
        a,
        &alice.token,
        with(json!({"capacity": 1, "waitlist": false})),
    )
    .await;
    let id = event["id"].as_str().expect("id");
    let bob = a.user("bob").await;
    let cleo = a.user("cleo").await;
    let (_, part) = a
        .post(&bob.token, &format!("{EVENTS}/{id}/join"), json!({}))
        .await;
    assert_eq!(part["state"], "accepted");
    let (status, full) = a
        .post(&cleo.token, &format!("{EVENTS}/{id}/join"), json!({}))
        .await;
    assert_eq!(
        (status, full["error_code"].as_str()),
        (422, Some("capacity_reached"))
    );
    let (status, _) = a
        .patch(
            &alice.token,
            &format!("{EVENTS}/{id}"),
            json!({"ends_at": in_hours(1)}),
        )
        .await;
    assert_eq!(status, 422);
    let (status, _) = a
        .patch(
            &bob.token,
            &format!("{EVENTS}/{id}"),
            json!({"title": "mine"}),
        )
        .await;
    assert_eq!(status, 403, "only the organizer edits");
    let (status, err) = a
        .patch(
            &alice.token,
            &format!("{EVENTS}/{id}"),
            json!({"visibility": "space"}),
        )
        .await;
    assert_eq!(status, 422);
    assert!(err["details"]["visibility"].is_string(), "{err}");
    let (_, after) = a.get(&alice.token, &format!("{EVENTS}/{id}")).await;
    assert_eq!(after["ends_at"], event["ends_at"]);
    assert_eq!(after["title"], "Open day");
    assert_eq!(after["participants_count"], 1);
    let (status, _) = a.get("", &format!("{EVENTS}/nope")).await;
    assert_eq!(status, 404);
    cluster.shutdown().await;
}

/// A Mobilizon-shaped event that is already over arrives from a peer: it is stored and shown,
/// and joining it is refused before anything is sent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mobilizon_events_are_stored_and_past_ones_refuse_joins() {
    let cluster = TestCluster::spawn(1).await;
    let a = &cluster[0];
    let alice = a.user("alice").await;
    let peer = interspace_tests::peer::FakePeer::start().await;
    let actor = peer.add_person("organizer");
    let actor_id = actor["id"].as_str().expect("id").to_string();
    let event_id = format!("{actor_id}/events/1");
    let event = json!({
        "id": event_id, "type": "Event", "name": "Repair café",
        "attributedTo": actor_id, "actor": actor_id,
        "to": ["https://www.w3.org/ns/activitystreams#Public"],
        "content": "<p>Bring broken things</p><script>alert(1)</script>",
        "startTime": "2024-03-02T10:00:00+01:00", "endTime": "2024-03-02T13:00:00+01:00",
        "timezone": "Europe/Brussels", "joinMode": "free", "maximumAttendeeCapacity": 0,
        "participantCount": 4, "ical:status": "CONFIRMED", "category": "WORKSHOP",
        "location": {"type": "Place", "name": "Maison du quartier",
            "address": {"type": "PostalAddress", "addressLocality": "Liège", "addressCountry": "Belgium"}},
    });
    let status = peer
        .deliver(
            &actor_id,
            a,
            "/inbox",
            &json!({
                "@context": "https://www.w3.org/ns/activitystreams",
                "id": format!("{event_id}/create"), "type": "Create", "actor": actor_id,
                "to": ["https://www.w3.org/ns/activitystreams#Public"], "object": event,
            }),
        )
        .await;
    assert_eq!(status, 202);
    let (_, past) = a.get(&alice.token, &format!("{EVENTS}?when=past")).await;
    let stored = &past[0];
    assert_eq!(stored["title"], "Repair café", "{past}");
    assert_eq!(stored["starts_at"], "2024-03-02T09:00:00.000Z");
    assert_eq!(stored["capacity"], Value::Null, "0 means unlimited");
    assert_eq!(stored["participants_count"], 4);
    assert_eq!(stored["place"]["locality"], "Liège");
    assert!(!stored["description"]
        .as_str()
        .unwrap_or_default()
        .contains("script"));
    let id = stored["id"].as_str().expect("id");
    let (status, err) = a
        .post(&alice.token, &format!("{EVENTS}/{id}/join"), json!({}))
        .await;
    assert_eq!(
        (status, err["error_code"].as_str()),
        (422, Some("not_open"))
    );
    assert!(
        !peer.requests().iter().any(|r| r.method == "POST"),
        "no Join went out"
    );
    peer.stop().await;
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn participants_are_reminded_once_before_the_start() {
    let cluster = TestCluster::spawn(1).await;
    let a = &cluster[0];
    let alice = a.user("alice").await;
    let bob = a.user("bob").await;
    let soon = create(
        a,
        &alice.token,
        json!({"title": "Stand-up", "starts_at": (chrono::Utc::now() + chrono::Duration::minutes(30)).to_rfc3339(), "ends_at": in_hours(1)}),
    )
    .await;
    let later = create(
        a,
        &alice.token,
        json!({"title": "Retro", "starts_at": in_hours(30), "ends_at": in_hours(31)}),
    )
    .await;
    for e in [&soon, &later] {
        a.post(
            &bob.token,
            &format!("{EVENTS}/{}/join", e["id"].as_str().expect("id")),
            json!({}),
        )
        .await;
    }
    // The server's minute job calls this use-case; the test calls it directly.
    let reminded = interspace_app::events::remind(&a.ctx)
        .await
        .expect("remind");
    assert_eq!(reminded, 1, "only the event starting within the hour");
    assert_eq!(
        interspace_app::events::remind(&a.ctx)
            .await
            .expect("remind"),
        0,
        "once"
    );
    let types = notification_types(a, &bob.token).await;
    assert_eq!(
        types
            .iter()
            .filter(|t| *t == "pleroma:event_reminder")
            .count(),
        1
    );
    cluster.shutdown().await;
}

/// The event's id answers ActivityPub clients with the Event and browsers with its page.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_are_served_as_activitypub_and_as_pages() {
    let cluster = TestCluster::spawn(1).await;
    let a = &cluster[0];
    let alice = a.user("alice").await;
    let event = create(
        a,
        &alice.token,
        json!({"title": "Demo <night>", "starts_at": in_hours(3), "ends_at": in_hours(5), "capacity": 12}),
    )
    .await;
    let uri = event["uri"].as_str().expect("uri");
    let ap: Value = http()
        .get(uri)
        .header("Accept", "application/activity+json")
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    assert_eq!(ap["type"], "Event");
    assert_eq!(ap["id"], uri);
    assert_eq!(ap["maximumAttendeeCapacity"], 12);
    assert_eq!(ap["remainingAttendeeCapacity"], 12);
    assert!(
        ap["content"]
            .as_str()
            .unwrap_or_default()
            .contains("12 seats left"),
        "{ap}"
    );
    assert!(ap.get("summary").is_none(), "no content warning: {ap}");
    let page = http().get(uri).send().await.expect("page");
    assert_eq!(page.status(), 200);
    let html = page.text().await.expect("html");
    assert!(html.contains("Demo &lt;night&gt;"), "escaped title");
    assert!(html.contains("Join with your fediverse account"));
    let listing = http()
        .get(a.at("/spaces/space/events"))
        .send()
        .await
        .expect("list")
        .text()
        .await
        .expect("html");
    assert!(listing.contains("Demo &lt;night&gt;"));
    // The space lists it among its upcoming events.
    let ap_get = |url: String| async move {
        http()
            .get(url)
            .header("Accept", "application/activity+json")
            .send()
            .await
            .expect("get")
            .json::<Value>()
            .await
            .expect("json")
    };
    let space = ap_get(a.at("/spaces/space")).await;
    let upcoming = space["upcomingEvents"].as_str().expect("upcomingEvents");
    let collection = ap_get(upcoming.to_string()).await;
    assert_eq!(collection["orderedItems"], json!([uri]), "{collection}");
    // The event's post shows in Mastodon clients and follows the event: not edited by hand.
    let (_, posts) = a
        .get(
            &alice.token,
            &format!("/api/v1/accounts/{}/statuses", alice.id),
        )
        .await;
    assert_eq!(posts[0]["uri"], uri, "{posts}");
    assert_eq!(posts[0]["url"], uri);
    let post = posts[0]["id"].as_str().expect("post id");
    let res = http()
        .delete(a.at(&format!("/api/v1/statuses/{post}")))
        .bearer_auth(&alice.token)
        .send()
        .await
        .expect("delete post");
    assert_eq!(res.status(), 422);
    // Deleting the event leaves a tombstone, and its post goes with it.
    let res = http()
        .delete(a.at(&format!("{EVENTS}/{}", event["id"].as_str().expect("id"))))
        .bearer_auth(&alice.token)
        .send()
        .await
        .expect("delete");
    assert_eq!(res.status(), 200);
    let gone = http()
        .get(uri)
        .header("Accept", "application/activity+json")
        .send()
        .await
        .expect("get");
    assert_eq!(gone.status(), 410);
    let (status, _) = a
        .get(&alice.token, &format!("/api/v1/statuses/{post}"))
        .await;
    assert_eq!(status, 404);
    cluster.shutdown().await;
}

/// Many joins at once, local and from two other instances, for the last seats: exactly the
/// capacity is accepted, everyone else waits, and each instance shows the same answer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_joins_never_exceed_capacity() {
    let cluster = TestCluster::spawn(3).await;
    let (a, b, c) = (&cluster[0], &cluster[1], &cluster[2]);
    let alice = a.user("alice").await;
    let event = create(
        a,
        &alice.token,
        json!({"title": "Hackathon", "starts_at": in_hours(10), "ends_at": in_hours(20), "capacity": 2}),
    )
    .await;
    let (id, uri) = (
        event["id"].as_str().expect("id").to_string(),
        event["uri"].as_str().expect("uri").to_string(),
    );
    // (instance, token, local event id) for each would-be participant.
    let mut people = Vec::new();
    for n in 0..3 {
        people.push((a, a.user(&format!("local{n}")).await.token, id.clone()));
    }
    for (i, inst) in [b, c].into_iter().enumerate() {
        for n in 0..2 {
            let user = inst.user(&format!("remote{i}x{n}")).await;
            let local = lookup(inst, &user.token, &uri).await["id"]
                .as_str()
                .expect("id")
                .to_string();
            people.push((inst, user.token, local));
        }
    }
    let mut joins = tokio::task::JoinSet::new();
    for (inst, token, local) in &people {
        let url = inst.at(&format!("{EVENTS}/{local}/join"));
        let token = token.clone();
        joins.spawn(async move {
            http()
                .post(url)
                .bearer_auth(token)
                .json(&json!({}))
                .send()
                .await
                .expect("join")
                .status()
                .as_u16()
        });
    }
    while let Some(status) = joins.join_next().await {
        assert_eq!(status.expect("task"), 200);
    }
    cluster.settle().await;
    let (_, at_a) = a.get(&alice.token, &format!("{EVENTS}/{id}")).await;
    assert_eq!(at_a["participants_count"], 2, "{at_a}");
    assert_eq!(at_a["waitlist_count"], 5);
    let mut accepted = 0;
    for (inst, token, local) in &people {
        let (_, e) = inst.get(token, &format!("{EVENTS}/{local}")).await;
        match e["my_participation"]["state"].as_str() {
            Some("accepted") => accepted += 1,
            Some("waitlisted") => {}
            other => panic!("every join is answered: {other:?} on {}", inst.domain),
        }
    }
    assert_eq!(accepted, 2);
    cluster.shutdown().await;
}

/// A server that keeps asking after the organiser said no (even without a reason) gets the
/// same Reject every time; the participant never becomes pending again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_organisers_no_is_final_for_any_server() {
    let cluster = TestCluster::spawn(1).await;
    let a = &cluster[0];
    let alice = a.user("alice").await;
    let event = create(
        a,
        &alice.token,
        json!({"title": "Board meeting", "starts_at": in_hours(8), "ends_at": in_hours(9), "join_mode": "restricted"}),
    )
    .await;
    let (id, uri) = (
        event["id"].as_str().expect("id"),
        event["uri"].as_str().expect("uri"),
    );
    let peer = interspace_tests::peer::FakePeer::start().await;
    let actor = peer.add_person("pushy");
    let actor_id = actor["id"].as_str().expect("id").to_string();
    let join = |n: u32| {
        json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": format!("{actor_id}/joins/{n}"), "type": "Join", "actor": actor_id, "object": uri,
        })
    };
    assert_eq!(peer.deliver(&actor_id, a, "/inbox", &join(1)).await, 202);
    let (_, pending) = a
        .get(
            &alice.token,
            &format!("{EVENTS}/{id}/participants?state=pending"),
        )
        .await;
    let participation = pending[0]["id"].as_str().expect("pending").to_string();
    let (status, _) = a
        .post(
            &alice.token,
            &format!("{EVENTS}/{id}/participants/{participation}/reject"),
            json!({}),
        )
        .await;
    assert_eq!(status, 200);
    for n in 2..4 {
        assert_eq!(peer.deliver(&actor_id, a, "/inbox", &join(n)).await, 202);
        let (_, rejected) = a
            .get(
                &alice.token,
                &format!("{EVENTS}/{id}/participants?state=rejected"),
            )
            .await;
        assert_eq!(
            rejected[0]["reason_code"], "rejected",
            "after Join {n}: {rejected}"
        );
        let (_, pending) = a
            .get(
                &alice.token,
                &format!("{EVENTS}/{id}/participants?state=pending"),
            )
            .await;
        assert_eq!(pending, json!([]), "after Join {n}");
    }
    cluster.settle().await;
    let rejects = peer
        .requests()
        .iter()
        .filter(|r| r.method == "POST")
        .count();
    assert_eq!(rejects, 3, "one Reject per Join after the organizer's no");
    peer.stop().await;
    cluster.shutdown().await;
}
