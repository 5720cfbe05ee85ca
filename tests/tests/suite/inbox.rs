//! The inbox against a hostile peer: every signature rule, replays, size and shape limits.

use interspace_tests::peer::FakePeer;
use interspace_tests::signatures::{http_date, sign};
use interspace_tests::{http, TestCluster};
use serde_json::{json, Value};

const COVERED: &str = "(request-target) host date digest";

struct Post<'a> {
    body: Vec<u8>,
    key_id: String,
    key: &'a str,
    date: String,
    covered: &'a str,
    tamper_body: Option<Vec<u8>>,
}

async fn send(a: &interspace_tests::TestInstance, path: &str, p: Post<'_>, signed: bool) -> u16 {
    let mut req = http()
        .post(a.at(path))
        .header("Content-Type", "application/activity+json");
    if signed {
        for (k, v) in sign(
            &p.key_id, p.key, &a.domain, path, &p.body, &p.date, p.covered,
        ) {
            req = req.header(k, v);
        }
    }
    req.body(p.tamper_body.unwrap_or(p.body))
        .send()
        .await
        .expect("post")
        .status()
        .as_u16()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_inbox_refuses_what_it_cannot_trust() {
    let cluster = TestCluster::spawn(1).await;
    let a = &cluster[0];
    let alice = a.user("alice").await;
    let peer = FakePeer::start().await;
    let mallory = peer.add_person("mallory");
    let mallory_id = mallory["id"].as_str().expect("id").to_string();
    let key_id = format!("{mallory_id}#main-key");
    let follow = |n: u32| {
        json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": format!("{}/follows/{n}", peer.base), "type": "Follow",
            "actor": mallory_id, "object": a.at("/users/alice"),
        })
        .to_string()
        .into_bytes()
    };
    let post = |body: Vec<u8>| Post {
        body,
        key_id: key_id.clone(),
        key: &peer.private_key_pem,
        date: http_date(0),
        covered: COVERED,
        tamper_body: None,
    };
    let followers = || async {
        a.get(
            &alice.token,
            &format!("/api/v1/accounts/{}/followers", alice.id),
        )
        .await
        .1
        .as_array()
        .map(Vec::len)
        .unwrap_or(0)
    };

    assert_eq!(
        send(a, "/inbox", post(follow(1)), false).await,
        401,
        "unsigned"
    );
    let mut p = post(follow(2));
    p.date = http_date(-2 * 3600);
    assert_eq!(send(a, "/inbox", p, true).await, 401, "Date two hours old");
    let mut p = post(follow(3));
    p.covered = "date";
    assert_eq!(
        send(a, "/inbox", p, true).await,
        401,
        "signature not covering (request-target), host, digest"
    );
    let mut p = post(follow(4));
    p.tamper_body = Some(follow(5));
    assert_eq!(
        send(a, "/inbox", p, true).await,
        401,
        "body changed after signing (Digest)"
    );
    let other = openssl::pkey::PKey::from_rsa(openssl::rsa::Rsa::generate(2048).expect("rsa"))
        .expect("key");
    let other_pem =
        String::from_utf8(other.private_key_to_pem_pkcs8().expect("pem")).expect("utf8");
    let mut p = post(follow(6));
    p.key = &other_pem;
    assert_eq!(
        send(a, "/inbox", p, true).await,
        401,
        "signed with another key"
    );
    let mut p = post(follow(7));
    p.key_id = format!("{}/users/mallory#main-key", a.url);
    assert_eq!(
        send(a, "/inbox", p, true).await,
        401,
        "keyId on another host than the actor"
    );
    let forged = json!({"id": format!("{}/x", a.url), "type": "Follow", "actor": mallory_id, "object": a.at("/users/alice")}).to_string().into_bytes();
    assert_eq!(
        send(a, "/inbox", post(forged), true).await,
        400,
        "activity id on another host than its actor"
    );
    assert_eq!(followers().await, 0, "nothing got through");

    // A well-signed Follow works, to the shared inbox and to the actor's.
    assert_eq!(send(a, "/inbox", post(follow(8)), true).await, 202);
    assert_eq!(followers().await, 1);
    // Replaying it is a no-op; an Undo by someone else is refused.
    assert_eq!(
        send(a, "/users/alice/inbox", post(follow(8)), true).await,
        202
    );
    assert_eq!(followers().await, 1);
    let undo_by_other = json!({
        "id": format!("{}/undo/1", peer.base), "type": "Undo", "actor": mallory_id,
        "object": {"id": "x", "type": "Follow", "actor": a.at("/users/alice"), "object": a.at("/users/alice")},
    });
    assert_eq!(
        send(
            a,
            "/inbox",
            post(undo_by_other.to_string().into_bytes()),
            true
        )
        .await,
        400
    );
    assert_eq!(followers().await, 1);

    // Shape and size.
    let mut deep = json!("x");
    for _ in 0..64 {
        deep = json!([deep]);
    }
    let nested = json!({"id": format!("{}/deep", peer.base), "type": "Create", "actor": mallory_id, "object": deep});
    assert_eq!(
        send(a, "/inbox", post(nested.to_string().into_bytes()), true).await,
        400
    );
    let big = json!({"id": format!("{}/big", peer.base), "type": "Create", "actor": mallory_id, "object": {"content": "x".repeat(1_100_000)}});
    assert_eq!(
        send(a, "/inbox", post(big.to_string().into_bytes()), true).await,
        413
    );
    assert_eq!(
        send(a, "/inbox", post(b"not json".to_vec()), true).await,
        400
    );
    let body: Value = http()
        .post(a.at("/inbox"))
        .body("{}")
        .send()
        .await
        .expect("post")
        .json()
        .await
        .expect("error json");
    assert!(body["error"].is_string());
    peer.stop().await;
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_inbox_applies_origin_rules_and_sanitises() {
    let cluster = TestCluster::spawn(1).await;
    let a = &cluster[0];
    let alice = a.user("alice").await;
    let peer = FakePeer::start().await;
    let mallory_id = peer.add_person("mallory")["id"]
        .as_str()
        .expect("id")
        .to_string();
    let key_id = format!("{mallory_id}#main-key");
    let post = |body: Value| Post {
        body: body.to_string().into_bytes(),
        key_id: key_id.clone(),
        key: &peer.private_key_pem,
        date: http_date(0),
        covered: COVERED,
        tamper_body: None,
    };
    let public = "https://www.w3.org/ns/activitystreams#Public";
    let create = |n: u32, note_id: String, author: &str, content: &str| {
        json!({
            "id": format!("{}/creates/{n}", peer.base), "type": "Create", "actor": mallory_id,
            "to": [public],
            "object": {"id": note_id, "type": "Note", "attributedTo": author, "to": [public],
                       "content": content},
        })
    };
    let federated = || async {
        let (_, list) = a.get("", "/api/v1/timelines/public?remote=true").await;
        list.as_array()
            .map(|l| {
                l.iter()
                    .map(|s| s["content"].as_str().unwrap_or_default().to_string())
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default()
    };

    // A Note on another host than its author, or attributed to someone else: refused.
    let elsewhere = create(1, a.at("/users/alice/statuses/forged"), &mallory_id, "x");
    assert_eq!(send(a, "/inbox", post(elsewhere), true).await, 400);
    let misattributed = create(
        2,
        format!("{}/notes/2", peer.base),
        &a.at("/users/alice"),
        "in alice's name",
    );
    assert_eq!(send(a, "/inbox", post(misattributed), true).await, 400);
    // HTML is sanitised on the way in.
    let hostile = create(
        3,
        format!("{}/notes/3", peer.base),
        &mallory_id,
        "<p onclick=\"x()\">hi<script>alert(1)</script><img src=x></p>",
    );
    assert_eq!(send(a, "/inbox", post(hostile), true).await, 202);
    assert_eq!(federated().await, vec!["<p>hi</p>"]);
    // An Announce's embedded copy is never trusted: the post is fetched from its id, and one
    // that cannot be fetched is not stored.
    let announce = json!({
        "id": format!("{}/announces/1", peer.base), "type": "Announce", "actor": mallory_id,
        "to": [public],
        "object": {"id": format!("{}/notes/404", peer.base), "type": "Note",
                   "attributedTo": mallory_id, "content": "forged copy"},
    });
    assert_eq!(send(a, "/inbox", post(announce), true).await, 202);
    assert_eq!(
        federated().await,
        vec!["<p>hi</p>"],
        "nothing forged stored"
    );
    // A compressed body is not inflated: refused, never a 500.
    let res = http()
        .post(a.at("/inbox"))
        .header("Content-Type", "application/activity+json")
        .header("Content-Encoding", "gzip")
        .body(vec![
            0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03,
        ])
        .send()
        .await
        .expect("post");
    assert!(res.status().is_client_error(), "{}", res.status());
    let _ = alice;

    // Our own database down: 503, so that the peer retries later.
    a.ctx.db.close();
    let follow = json!({
        "id": format!("{}/follows/db-down", peer.base), "type": "Follow",
        "actor": mallory_id, "object": a.at("/users/alice"),
    });
    assert_eq!(send(a, "/inbox", post(follow), true).await, 503);
    peer.stop().await;
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_received_is_lost_or_processed_twice() {
    let cluster = TestCluster::spawn(1).await;
    let a = &cluster[0];
    let alice = a.user("alice").await;
    let peer = FakePeer::start().await;
    let mallory = peer.add_person("mallory");
    let mallory_id = mallory["id"].as_str().expect("id").to_string();
    let public = "https://www.w3.org/ns/activitystreams#Public";
    let note = |n: u32| {
        json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": format!("{}/notes/{n}", peer.base), "type": "Note",
            "attributedTo": mallory_id, "content": format!("<p>note {n} @alice</p>"),
            "to": [public], "cc": [a.at("/users/alice")],
            "tag": [{ "type": "Mention", "href": a.at("/users/alice") }],
        })
    };
    let activity = |kind: &str, id: String, object: Value| {
        json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": id, "type": kind, "actor": mallory_id, "object": object,
            "to": [public], "cc": [a.at("/users/alice")],
        })
    };
    let stored = |uri: String| async move {
        let mut conn = a.ctx.db.get().await.expect("conn");
        interspace_db::statuses::find_status_by_uri(&mut conn, &uri)
            .await
            .expect("find")
            .filter(|s| s.deleted_at.is_none())
            .is_some()
    };

    // A failure leaves the activity unseen: the sender's retry is processed. Here the boosted
    // post's server is down (503 to the sender, which retries), then back.
    let origin = FakePeer::start().await;
    let port: u16 = origin
        .domain
        .rsplit_once(':')
        .expect("port")
        .1
        .parse()
        .expect("port");
    origin.stop().await;
    let note_1 = format!("http://localhost:{port}/notes/1");
    let announce = activity(
        "Announce",
        format!("{}/announces/1", peer.base),
        json!(note_1),
    );
    assert_eq!(peer.deliver(&mallory_id, a, "/inbox", &announce).await, 503);
    assert!(!stored(note_1.clone()).await);
    let origin = FakePeer::start_on(port).await;
    let nina = origin.add_person("nina");
    let mut boosted = note(1);
    boosted["id"] = json!(note_1);
    boosted["attributedTo"] = nina["id"].clone();
    origin.put("/notes/1", "application/activity+json", &boosted);
    assert_eq!(peer.deliver(&mallory_id, a, "/inbox", &announce).await, 202);
    assert!(stored(note_1.clone()).await, "the retry was processed");
    origin.stop().await;

    // Copies of one activity at once: processed once (the others are told to come back, or
    // find it done), so alice is notified once.
    let create = activity("Create", format!("{}/creates/2", peer.base), note(2));
    let answers =
        futures::future::join_all((0..8).map(|_| peer.deliver(&mallory_id, a, "/inbox", &create)))
            .await;
    assert!(
        answers.iter().all(|s| *s == 202 || *s == 503) && answers.contains(&202),
        "{answers:?}"
    );
    assert!(stored(format!("{}/notes/2", peer.base)).await);
    let (_, notes) = a
        .get(&alice.token, "/api/v1/notifications?types[]=mention")
        .await;
    let about_2 = notes
        .as_array()
        .expect("list")
        .iter()
        .filter(|n| n["status"]["uri"] == format!("{}/notes/2", peer.base))
        .count();
    assert_eq!(about_2, 1, "{notes}");

    // A Delete that overtakes its Create leaves a tombstone: the late Create stores nothing.
    let note_3 = format!("{}/notes/3", peer.base);
    let delete = activity(
        "Delete",
        format!("{}/deletes/3", peer.base),
        json!({ "id": note_3, "type": "Tombstone" }),
    );
    assert_eq!(peer.deliver(&mallory_id, a, "/inbox", &delete).await, 202);
    let create = activity("Create", format!("{}/creates/3", peer.base), note(3));
    assert_eq!(peer.deliver(&mallory_id, a, "/inbox", &create).await, 202);
    assert!(
        !stored(note_3).await,
        "the tombstone refused the late Create"
    );
    peer.stop().await;
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signatures_name_us_digests_match_exactly_and_key_refetches_are_bounded() {
    let cluster = TestCluster::spawn(1).await;
    let a = &cluster[0];
    a.user("alice").await;
    let peer = FakePeer::start().await;
    let mallory = peer.add_person("mallory");
    let mallory_id = mallory["id"].as_str().expect("id").to_string();
    let key_id = format!("{mallory_id}#main-key");
    let follow = |n: u32| {
        json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": format!("{}/follows/{n}", peer.base), "type": "Follow",
            "actor": mallory_id, "object": a.at("/users/alice"),
        })
        .to_string()
        .into_bytes()
    };
    let deliver = |body: Vec<u8>, host: &str, digest: Option<String>, key: &str| {
        let digest = digest.unwrap_or_else(|| {
            format!(
                "SHA-256={}",
                openssl::base64::encode_block(&openssl::sha::sha256(&body))
            )
        });
        let mut req = http()
            .post(a.at("/inbox"))
            .header("Content-Type", "application/activity+json")
            .header("Host", host);
        for (k, v) in interspace_tests::signatures::sign_with_digest(
            &key_id,
            key,
            host,
            "/inbox",
            &digest,
            &http_date(0),
            COVERED,
        ) {
            req = req.header(k, v);
        }
        async move { req.body(body).send().await.expect("post").status().as_u16() }
    };
    // A request signed for another server, replayed here: refused.
    let key = peer.private_key_pem.clone();
    assert_eq!(deliver(follow(1), "other.example", None, &key).await, 401);
    // The digest's value compares exactly (base64 is case-sensitive); its name does not.
    let body = follow(2);
    let value = openssl::base64::encode_block(&openssl::sha::sha256(&body));
    let flipped: String = value
        .chars()
        .map(|c| {
            if c.is_ascii_uppercase() {
                c.to_ascii_lowercase()
            } else {
                c.to_ascii_uppercase()
            }
        })
        .collect();
    assert_eq!(
        deliver(
            body.clone(),
            &a.domain,
            Some(format!("SHA-256={flipped}")),
            &key
        )
        .await,
        401
    );
    assert_eq!(
        deliver(body, &a.domain, Some(format!("sha-256={value}")), &key).await,
        202
    );
    // A key that does not verify makes the instance fetch the actor again, once a minute
    // at most, however many bad signatures arrive.
    let other = openssl::pkey::PKey::from_rsa(openssl::rsa::Rsa::generate(2048).expect("rsa"))
        .expect("key");
    let other = String::from_utf8(other.private_key_to_pem_pkcs8().expect("pem")).expect("utf8");
    let fetches = || {
        peer.requests()
            .iter()
            .filter(|r| r.method == "GET" && r.path_and_query == "/users/mallory")
            .count()
    };
    let before = fetches();
    for n in 3..8 {
        assert_eq!(deliver(follow(n), &a.domain, None, &other).await, 401);
    }
    assert_eq!(fetches(), before + 1, "one refetch for five bad signatures");
    peer.stop().await;
    cluster.shutdown().await;
}
