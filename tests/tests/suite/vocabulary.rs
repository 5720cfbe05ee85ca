//! What we serve and send, read by a strict JSON-LD processor (PyLD, offline): every property
//! expands through our `@context`, no link is read as text, no value is `null`.

use interspace_tests::peer::FakePeer;
use interspace_tests::{http, wait_until, TestCluster, TestInstance};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::time::Duration;

use crate::clients::{run_python, venv};

const AP: &str = "application/activity+json";
const DEADLINE: Duration = Duration::from_secs(30);

async fn fetch(url: &str) -> Value {
    let res = http()
        .get(url)
        .header("Accept", AP)
        .send()
        .await
        .expect("get");
    assert_eq!(res.status(), 200, "{url}");
    res.json().await.expect("json")
}

fn in_hours(h: i64) -> String {
    (chrono::Utc::now() + chrono::Duration::hours(h)).to_rfc3339()
}

/// The activities the peer received, by a name that says what they carry.
fn received(peer: &FakePeer) -> BTreeMap<String, Value> {
    let mut out = BTreeMap::new();
    for r in peer.requests() {
        if r.method != "POST" {
            continue;
        }
        let Ok(activity) = serde_json::from_str::<Value>(&r.body) else {
            continue;
        };
        let object = match &activity["object"] {
            Value::Object(o) => o
                .get("type")
                .and_then(Value::as_str)
                .unwrap_or("object")
                .to_string(),
            _ => "link".to_string(),
        };
        let kind = activity["type"].as_str().unwrap_or("untyped");
        out.entry(format!("sent-{kind}-{object}").to_lowercase())
            .or_insert(activity);
    }
    out
}

/// Every object of type `Note` in `doc`, however deep.
fn notes_in<'a>(doc: &'a Value, out: &mut Vec<&'a Value>) {
    match doc {
        Value::Object(o) => {
            if o.get("type").and_then(Value::as_str) == Some("Note") {
                out.push(doc);
            }
            o.values().for_each(|v| notes_in(v, out));
        }
        Value::Array(items) => items.iter().for_each(|v| notes_in(v, out)),
        _ => {}
    }
}

/// Follows `object` on `a` as the peer's `name`.
async fn follow(peer: &FakePeer, name: &str, a: &TestInstance, object: &str, n: u32) {
    let actor = format!("{}/users/{name}", peer.base);
    let activity = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{}/follows/{n}", peer.base), "type": "Follow",
        "actor": actor, "object": object,
    });
    assert_eq!(peer.deliver(&actor, a, "/inbox", &activity).await, 202);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_we_serve_and_send_expands_as_we_mean_it() {
    let Some(venv) = venv() else { return };
    let cluster = TestCluster::spawn(1).await;
    let a = &cluster[0];
    let alice = a.user("alice").await;
    let peer = FakePeer::start().await;
    peer.add_person("mallory");
    follow(&peer, "mallory", a, &a.at("/users/alice"), 1).await;
    follow(&peer, "mallory", a, &a.at("/spaces/space"), 2).await;

    let (status, post) = a
        .post(
            &alice.token,
            "/api/v1/statuses",
            json!({"status": "Hello #coworking", "spoiler_text": "long"}),
        )
        .await;
    assert_eq!(status, 200, "{post}");
    let (status, event) = a
        .post(
            &alice.token,
            "/api/interspace/v1/events",
            json!({
                "title": "Rust meetup", "description": "Talks and **pizza**.",
                "starts_at": in_hours(48), "ends_at": in_hours(50), "timezone": "Europe/Paris",
                "capacity": 10, "external_url": "https://example.org/tickets",
                "place": {"kind": "address", "name": "The Hive", "street": "1 Main St",
                          "postal_code": "69001", "locality": "Lyon", "country": "FR"},
            }),
        )
        .await;
    assert_eq!(status, 200, "{event}");
    let (status, opportunity) = a
        .post(
            &alice.token,
            "/api/interspace/v1/opportunities",
            json!({
                "title": "Website for a bakery", "description": "A small **shop**.",
                "kind": "project", "skills": ["Rust"], "location": {"mode": "remote"},
                "budget": {"amount": "1500", "currency": "eur", "period": "fixed"},
                "team_size": 2,
            }),
        )
        .await;
    assert_eq!(status, 200, "{opportunity}");

    // What went out: the follows' Accepts, the post, the event, the opportunity, the space's
    // re-shares.
    let sent = wait_until("the peer to receive every kind", DEADLINE, || async {
        let got = received(&peer);
        let kinds = ["accept", "create-note", "create-event", "announce"];
        kinds
            .iter()
            .all(|k| {
                got.keys()
                    .any(|name| name.starts_with(&format!("sent-{k}")))
            })
            .then_some(got)
    })
    .await;

    // What is served: actors, objects, collections and their first pages.
    let mut docs: BTreeMap<String, Value> = sent;
    let mut urls: Vec<(String, String)> = vec![
        ("person".into(), a.at("/users/alice")),
        ("group".into(), a.at("/spaces/space")),
        (
            "note".into(),
            post["uri"].as_str().expect("uri").to_string(),
        ),
        (
            "event".into(),
            event["uri"].as_str().expect("uri").to_string(),
        ),
        (
            "opportunity".into(),
            opportunity["uri"].as_str().expect("uri").to_string(),
        ),
    ];
    for (who, actor) in [
        ("person", a.at("/users/alice")),
        ("group", a.at("/spaces/space")),
    ] {
        let doc = fetch(&actor).await;
        for key in ["outbox", "followers", "following", "featured", "members"] {
            if let Some(url) = doc[key].as_str() {
                urls.push((format!("{who}-{key}"), url.to_string()));
            }
        }
    }
    let mut i = 0;
    while i < urls.len() {
        let (name, url) = urls[i].clone();
        let doc = fetch(&url).await;
        if let Some(first) = doc["first"].as_str() {
            urls.push((format!("{name}-page"), first.to_string()));
        }
        docs.insert(name, doc);
        i += 1;
    }

    // Peers that read only `name`, `content` and `url` see a post: a Note never has a `name`
    // (snac and Mastodon take a named Note for a poll vote and hide it).
    for (name, doc) in &docs {
        let mut notes = vec![];
        notes_in(doc, &mut notes);
        for note in notes {
            assert!(
                note.get("name").is_none(),
                "{name}: a Note with a name: {note}"
            );
        }
    }

    // The same terms, read from where the instance serves them rather than inline.
    for name in ["person", "event", "opportunity"] {
        let mut doc = docs[name].clone();
        doc["@context"] = json!([
            "https://www.w3.org/ns/activitystreams",
            "https://w3id.org/security/v1",
            a.at("/ns/interspace/v1"),
        ]);
        docs.insert(format!("{name}-terms-by-url"), doc);
    }

    let dir = std::env::temp_dir().join(format!(
        "interspace-jsonld-{}-{}",
        std::process::id(),
        interspace_core::ids::new_id()
    ));
    std::fs::create_dir_all(&dir).expect("dir");
    for (name, doc) in &docs {
        std::fs::write(dir.join(format!("{name}.json")), doc.to_string()).expect("write");
    }
    let out = tokio::task::spawn_blocking({
        let env = vec![("BASE", a.url.clone()), ("DOCS", dir.display().to_string())];
        move || run_python(&venv, "jsonld_check.py", &env)
    })
    .await
    .expect("join");
    assert!(
        out.contains(&format!("{} documents expanded", docs.len())),
        "{out}"
    );
    let _ = std::fs::remove_dir_all(&dir);
    peer.stop().await;
    cluster.shutdown().await;
}
