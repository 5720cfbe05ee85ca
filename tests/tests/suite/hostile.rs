//! Hostile input (docs/security.md): every entry point that takes a handle or URL from a user
//! or a peer, with every textual form of a private destination, is answered with a 4xx (or a
//! page that says so) and never reaches that destination.

use crate::web::Browser;
use futures::StreamExt;
use interspace_tests::peer::FakePeer;
use interspace_tests::TestInstance;
use serde_json::json;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// A listener on 127.0.0.2 that counts connections: the instance under test may reach
/// 127.0.0.1 (its peers) but not 127.0.0.2, so any connection here is a hole in the guard.
/// (Loopback only: a guard that failed would still send nothing off this machine.)
struct Trap {
    port: u16,
    hits: Arc<AtomicUsize>,
}

impl Trap {
    async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.2:0")
            .await
            .expect("bind 127.0.0.2");
        let port = listener.local_addr().expect("addr").port();
        let hits = Arc::new(AtomicUsize::new(0));
        let counter = hits.clone();
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                counter.fetch_add(1, Ordering::SeqCst);
                drop(socket);
            }
        });
        Self { port, hits }
    }

    /// `host:port` in every textual form of 127.0.0.2 that a URL parser accepts.
    fn hosts(&self) -> Vec<String> {
        [
            "127.0.0.2",
            "2130706434",
            "0x7f000002",
            "0x7f.0.0.2",
            "0177.0.0.2",
            "0177.0.0.02",
            "127.2",
            "127.0.2",
            "[::ffff:127.0.0.2]",
            "[::ffff:7f00:2]",
            "[0:0:0:0:0:ffff:7f00:2]",
        ]
        .iter()
        .map(|h| format!("{h}:{}", self.port))
        .collect()
    }

    fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }
}

/// An instance whose guard admits its loopback peers (127.0.0.1) but nothing else private.
async fn guarded_instance() -> TestInstance {
    TestInstance::spawn_configured(0, |c| {
        c.federation.allowed_private_networks = vec!["127.0.0.1/32".into()];
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_entry_point_reaches_a_private_destination_in_any_textual_form() {
    let trap = Trap::start().await;
    let a = guarded_instance().await;
    let alice = a.user("alice").await;
    let mut web = Browser::new(&a);
    web.sign_in("alice", "alice-password").await;
    let mut visitor = Browser::new(&a);
    let home = visitor.get("/").await;
    let space_uri = home
        .body
        .split("name=\"uri\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("the space's id in the remote follow form")
        .to_string();

    for host in trap.hosts() {
        let acct = format!("bob@{host}");
        let object = format!("http://{host}/objects/1");
        // Search with resolve: Mastodon's answer for what cannot be resolved is no result.
        let (status, body) = a
            .get(
                &alice.token,
                &format!("/api/v2/search?q={acct}&resolve=true&type=accounts"),
            )
            .await;
        assert_eq!(status, 200, "search {acct}: {body}");
        assert_eq!(body["accounts"], json!([]), "search {acct}");
        let (status, body) = a
            .get(
                &alice.token,
                &format!("/api/v2/search?q={}&resolve=true", urlencode(&object)),
            )
            .await;
        assert_eq!(status, 200, "search {object}: {body}");
        let (status, _) = a
            .get("", &format!("/api/v1/accounts/lookup?acct={acct}"))
            .await;
        assert_eq!(status, 404, "lookup {acct}");

        // Lookups of a space, an event and an opportunity (signed in: anonymous ones only
        // read what is known).
        for path in [
            format!("/api/interspace/v1/spaces/lookup?acct=space@{host}"),
            format!(
                "/api/interspace/v1/events/lookup?uri={}",
                urlencode(&object)
            ),
            format!(
                "/api/interspace/v1/opportunities/lookup?uri={}",
                urlencode(&object)
            ),
        ] {
            let (status, body) = a.get(&alice.token, &path).await;
            assert!((400..500).contains(&status), "{path}: {status} {body}");
            assert!(
                !body.to_string().contains("127.0.0.2"),
                "no upstream detail is echoed: {body}"
            );
        }

        // A mention in a post: the post is published, the mention stays text.
        let (status, body) = a
            .post(
                &alice.token,
                "/api/v1/statuses",
                json!({ "status": format!("hello @{acct}") }),
            )
            .await;
        assert_eq!(status, 200, "post mentioning {acct}: {body}");
        assert_eq!(body["mentions"], json!([]), "{body}");

        // The web follow-by-handle form says what went wrong, next to the field.
        web.get("/follow").await;
        let page = web.post("/follow", &[("acct", &acct)]).await;
        assert_eq!(page.status, 422, "follow {acct}: {}", page.body);
        assert!(page.body.contains("role=\"alert\""), "{}", page.body);

        // The anonymous remote follow form answers with a page that says so.
        let page = visitor
            .post("/remote-follow", &[("handle", &acct), ("uri", &space_uri)])
            .await;
        assert_eq!(page.status, 200, "remote follow {acct}: {}", page.body);
        assert!(page.body.contains("role=\"alert\""), "{}", page.body);
        assert!(!page.body.contains("127.0.0.2"), "{}", page.body);
    }
    assert_eq!(trap.hits(), 0, "a request reached the private destination");
    a.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn peers_cannot_point_the_instance_at_a_private_destination() {
    let trap = Trap::start().await;
    let a = guarded_instance().await;
    let alice = a.user("alice").await;
    let peer = FakePeer::start().await;
    let mallory = peer.add_person("mallory");
    let mallory_id = mallory["id"].as_str().expect("id").to_string();
    let mut n = 0;
    let mut next_id = || {
        n += 1;
        format!("{}/activities/{n}", peer.base)
    };

    for host in trap.hosts() {
        let object = format!("http://{host}/objects/1");
        // Objects named by an activity: announced, liked, replied to.
        for activity in [
            json!({ "type": "Announce", "actor": mallory_id, "object": object,
                    "to": ["https://www.w3.org/ns/activitystreams#Public"] }),
            json!({ "type": "Like", "actor": mallory_id, "object": object }),
            json!({ "type": "Create", "actor": mallory_id,
                    "to": ["https://www.w3.org/ns/activitystreams#Public"],
                    "object": { "type": "Note", "id": format!("{}/notes/{host}", peer.base),
                                "attributedTo": mallory_id, "content": "hi",
                                "inReplyTo": object,
                                "to": ["https://www.w3.org/ns/activitystreams#Public"] } }),
            json!({ "type": "Follow", "actor": mallory_id, "object": object }),
        ] {
            let mut activity = activity;
            activity["@context"] = json!("https://www.w3.org/ns/activitystreams");
            activity["id"] = json!(next_id());
            let status = peer.deliver(&mallory_id, &a, "/inbox", &activity).await;
            assert!(
                status < 500,
                "{} naming {object}: {status}",
                activity["type"]
            );
        }
        // A signature whose key lives at the private destination.
        let forged = format!("http://{host}/users/x");
        let activity = json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": format!("{forged}/activities/1"),
            "type": "Follow", "actor": forged, "object": format!("{}/users/alice", a.url),
        });
        let status = peer.deliver(&forged, &a, "/inbox", &activity).await;
        assert!((400..500).contains(&status), "key at {host}: {status}");
    }

    // An actor document that redirects to the private destination is not followed there.
    peer.redirect(
        "/users/hopper",
        &format!("http://127.0.0.2:{}/users/hopper", trap.port),
    );
    let (status, body) = a
        .get(
            &alice.token,
            &format!(
                "/api/v2/search?q={}&resolve=true",
                urlencode(&format!("{}/users/hopper", peer.base))
            ),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["accounts"], json!([]), "{body}");

    // An actor whose inbox is a private address is refused as a whole (its inbox is not on
    // its host), so no delivery is ever queued for that inbox.
    let mut sneaky = mallory.clone();
    let sneaky_id = format!("{}/users/sneaky", peer.base);
    sneaky["id"] = json!(sneaky_id);
    sneaky["preferredUsername"] = json!("sneaky");
    sneaky["inbox"] = json!(format!("http://2130706434:{}/inbox", trap.port));
    sneaky["endpoints"] = json!({});
    sneaky["publicKey"]["id"] = json!(format!("{sneaky_id}#main-key"));
    sneaky["publicKey"]["owner"] = json!(sneaky_id);
    peer.put("/users/sneaky", "application/activity+json", &sneaky);
    let follow = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": next_id(), "type": "Follow", "actor": sneaky_id,
        "object": format!("{}/users/alice", a.url),
    });
    assert_eq!(peer.deliver(&sneaky_id, &a, "/inbox", &follow).await, 401);
    let (pending, _, events) = interspace_app::outbox::depth(&a.ctx).await.expect("depth");
    assert_eq!((pending, events), (0, 0));

    assert_eq!(trap.hits(), 0, "a request reached the private destination");
    peer.stop().await;
    a.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_resolver_drops_names_that_resolve_to_private_addresses() {
    // `localhost` resolves to 127.0.0.1 and ::1; an instance that allows neither cannot
    // reach a peer by that name (every other test allows loopback for its peers).
    let peer = FakePeer::start().await;
    peer.add_person("bob");
    let a = TestInstance::spawn_configured(0, |c| {
        c.federation.allowed_private_networks = vec![];
    })
    .await;
    let alice = a.user("alice").await;
    let (status, body) = a
        .get(
            &alice.token,
            &format!("/api/v2/search?q=bob@{}&resolve=true", peer.domain),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["accounts"], json!([]), "{body}");
    assert!(peer.requests().is_empty(), "{:?}", peer.requests());
    peer.stop().await;
    a.stop().await;
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// An instance with its rate limits on, behind a "proxy" on 127.0.0.1 whose
/// `X-Forwarded-For` names the client: each test client gets its own address.
async fn limited_instance() -> TestInstance {
    TestInstance::spawn_configured(0, |c| {
        c.rate_limits.enabled = true;
        c.server.trusted_proxies = vec!["127.0.0.1/32".into()];
    })
    .await
}

async fn token_attempt(
    a: &TestInstance,
    from: &str,
    client: &(String, String),
    password: &str,
) -> u16 {
    interspace_tests::http()
        .post(a.at("/oauth/token"))
        .header("X-Forwarded-For", from)
        .form(&[
            ("grant_type", "password"),
            ("client_id", client.0.as_str()),
            ("client_secret", client.1.as_str()),
            ("username", "alice"),
            ("password", password),
            ("scope", "read"),
        ])
        .send()
        .await
        .expect("token")
        .status()
        .as_u16()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_logins_are_limited_per_address_without_locking_the_owner_out() {
    let a = limited_instance().await;
    a.user("alice").await;
    let client = a.register_app("read", "urn:ietf:wg:oauth:2.0:oob").await;
    // 64 wrong passwords at once from one address: the count is taken before the check
    // runs, so no more than 10 reach the password check; the rest are 429 at once.
    let attempts = (0..64).map(|_| token_attempt(&a, "198.51.100.1", &client, "wrong"));
    let statuses = futures::future::join_all(attempts).await;
    let checked = statuses.iter().filter(|s| **s == 400).count();
    let limited = statuses.iter().filter(|s| **s == 429).count();
    assert_eq!(checked, 10, "{statuses:?}");
    assert_eq!(limited, 54, "{statuses:?}");
    // Even the right password is refused from that address now...
    assert_eq!(
        token_attempt(&a, "198.51.100.1", &client, "alice-password").await,
        429
    );
    // ...but the owner signs in from anywhere else, and the web sign-in shares no count.
    assert_eq!(
        token_attempt(&a, "198.51.100.2", &client, "alice-password").await,
        200
    );
    // A client cannot pick its address: the header is believed only from the proxy, and
    // the proxy's own address is never the client's.
    assert_eq!(
        token_attempt(&a, "198.51.100.9, 198.51.100.1", &client, "alice-password").await,
        429
    );
    a.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_ups_anonymous_api_and_streams_are_limited_per_address() {
    let a = limited_instance().await;
    let post_account = |from: &'static str| {
        interspace_tests::http()
            .post(a.at("/api/v1/accounts"))
            .header("X-Forwarded-For", from)
            .form(&[
                ("username", "x"),
                ("email", "x@example.org"),
                ("password", "p"),
            ])
            .send()
    };
    for _ in 0..5 {
        let res = post_account("198.51.100.3").await.expect("post");
        assert_ne!(res.status().as_u16(), 429);
    }
    let res = post_account("198.51.100.3").await.expect("post");
    assert_eq!(res.status().as_u16(), 429);
    let wait: u64 = res.headers()["retry-after"]
        .to_str()
        .expect("ascii")
        .parse()
        .expect("seconds");
    assert!((1..=360).contains(&wait), "{wait}");
    let body: serde_json::Value = res.json().await.expect("Mastodon error JSON");
    assert_eq!(body["error"], "Too many requests");
    assert_ne!(
        post_account("198.51.100.4")
            .await
            .expect("post")
            .status()
            .as_u16(),
        429
    );

    // Anonymous API calls: 300 at once, then one a second.
    let client = interspace_tests::http();
    let started = std::time::Instant::now();
    let statuses: Vec<u16> = futures::stream::iter(0..400)
        .map(|_| {
            let req = client
                .get(a.at("/api/v1/streaming/health"))
                .header("X-Forwarded-For", "198.51.100.5")
                .send();
            async move { req.await.expect("answered").status().as_u16() }
        })
        .buffer_unordered(16)
        .collect()
        .await;
    let replenished = started.elapsed().as_secs() as usize + 1;
    let limited = statuses.iter().filter(|s| **s == 429).count();
    assert!(
        limited >= 100 - replenished.min(99) && statuses.iter().all(|s| *s == 200 || *s == 429),
        "{limited} limited of 400 in {replenished} s"
    );

    // Streams without a token: four per address at once (a place comes back when the server
    // notices the client gone: limits::tests has the accounting).
    let stream = |from: &'static str| {
        interspace_tests::http()
            .get(a.at("/api/v1/streaming/public"))
            .header("X-Forwarded-For", from)
            .send()
    };
    let mut open = Vec::new();
    for _ in 0..4 {
        let res = stream("198.51.100.6").await.expect("stream");
        assert_eq!(res.status().as_u16(), 200);
        open.push(res);
    }
    assert_eq!(
        stream("198.51.100.6")
            .await
            .expect("stream")
            .status()
            .as_u16(),
        429
    );
    assert_eq!(
        stream("198.51.100.7")
            .await
            .expect("stream")
            .status()
            .as_u16(),
        200
    );
    drop(open);
    a.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn anonymous_lookups_store_nothing() {
    let cluster = interspace_tests::TestCluster::spawn(2).await;
    let (a, b) = (&cluster[0], &cluster[1]);
    let alice = a.user("alice").await;
    let path = format!("/api/interspace/v1/spaces/lookup?acct=space@{}", b.domain);
    let space_b = format!("{}/spaces/space", b.url);
    let known = || async {
        interspace_app::accounts::find_by_uri(&a.ctx, &space_b)
            .await
            .expect("find")
            .is_some()
    };
    let (status, body) = a.get("", &path).await;
    assert_eq!(status, 404, "{body}");
    assert!(
        !known().await,
        "nothing fetched or stored for an anonymous caller"
    );
    let (status, body) = a.get(&alice.token, &path).await;
    assert_eq!(status, 200, "{body}");
    assert!(known().await);
    // Known now, so anyone may read it.
    let (status, _) = a.get("", &path).await;
    assert_eq!(status, 200);
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn links_from_peers_are_http_only() {
    let a = TestInstance::spawn(0).await;
    let alice = a.user("alice").await;
    let peer = FakePeer::start().await;
    let mut eve = peer.add_person("eve");
    eve["url"] = json!("javascript:alert(document.cookie)");
    eve["icon"] = json!({ "type": "Image", "url": "data:image/svg+xml,<svg onload=alert(1)>" });
    eve["image"] = json!([{ "type": "Image", "url": "vbscript:x" }, "https://e.example/h.png"]);
    peer.put("/users/eve", "application/activity+json", &eve);
    let eve_id = eve["id"].as_str().expect("id").to_string();
    let note = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{}/creates/1", peer.base), "type": "Create", "actor": eve_id,
        "to": ["https://www.w3.org/ns/activitystreams#Public"],
        "object": {
            "id": format!("{}/notes/1", peer.base), "type": "Note", "attributedTo": eve_id,
            "content": "<p>hi @alice</p>", "url": "javascript:alert(1)",
            "to": ["https://www.w3.org/ns/activitystreams#Public"],
            "tag": [{ "type": "Mention", "href": a.at("/users/alice") }],
        },
    });
    assert_eq!(peer.deliver(&eve_id, &a, "/inbox", &note).await, 202);
    let (_, found) = a
        .get(
            &alice.token,
            &format!("/api/v2/search?q=eve@{}&resolve=true", peer.domain),
        )
        .await;
    let account = &found["accounts"][0];
    assert_eq!(account["acct"], format!("eve@{}", peer.domain), "{found}");
    let (_, notes) = a.get(&alice.token, "/api/v1/notifications").await;
    assert!(notes.as_array().is_some_and(|n| !n.is_empty()), "{notes}");
    for shown in [account.to_string(), notes.to_string()] {
        for scheme in ["javascript:", "data:image", "vbscript:"] {
            assert!(!shown.contains(scheme), "{scheme} in {shown}");
        }
    }
    assert_eq!(account["header"], "https://e.example/h.png");
    // The app website a client registers is a link too.
    let (status, app) = a
        .post(
            "",
            "/api/v1/apps",
            json!({ "client_name": "x", "redirect_uris": "urn:ietf:wg:oauth:2.0:oob",
                    "website": "javascript:alert(1)" }),
        )
        .await;
    assert_eq!(status, 200, "{app}");
    assert!(app["website"].is_null(), "{app}");
    peer.stop().await;
    a.stop().await;
}

/// A raw request on its own connection (to send what no well-behaved client would); returns
/// the status line's code.
async fn raw(a: &TestInstance, head: &str, body: &[u8]) -> u16 {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = a.domain.replace("localhost", "127.0.0.1");
    let mut s = tokio::net::TcpStream::connect(addr).await.expect("connect");
    s.write_all(head.as_bytes()).await.expect("head");
    s.write_all(body).await.expect("body");
    let mut answer = vec![0u8; 64];
    let n = tokio::time::timeout(std::time::Duration::from_secs(20), s.read(&mut answer))
        .await
        .expect("an answer in time")
        .expect("read");
    let line = String::from_utf8_lossy(&answer[..n]).to_string();
    line.split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or_else(|| panic!("no status in {line:?}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bodies_and_forms_are_bounded_and_malformed_ones_refused() {
    let a = TestInstance::spawn(0).await;
    let alice = a.user("alice").await;
    let multipart = |boundary: &str, body: Vec<u8>, path: &str| {
        interspace_tests::http()
            .post(a.at(path))
            .bearer_auth(&alice.token)
            .header(
                "Content-Type",
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(body)
            .send()
    };
    let part = |name: &str, value: &str| {
        format!("--XyZ\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
    };
    // A well-formed multipart post works, as clients send it.
    let body = format!("{}--XyZ--\r\n", part("status", "hello from a form"));
    let res = multipart("XyZ", body.into_bytes(), "/api/v1/statuses")
        .await
        .expect("post");
    assert_eq!(res.status().as_u16(), 200);
    // Malformed ones: a 400 that says why, never a 500.
    let cases: Vec<(&str, &str, Vec<u8>)> = vec![
        ("no boundary", "", b"--XyZ\r\n\r\nx\r\n--XyZ--\r\n".to_vec()),
        (
            "a part without a name",
            "XyZ",
            b"--XyZ\r\nContent-Disposition: form-data\r\n\r\nx\r\n--XyZ--\r\n".to_vec(),
        ),
        (
            "an empty part",
            "XyZ",
            b"--XyZ\r\n\r\n\r\n--XyZ--\r\n".to_vec(),
        ),
        (
            "a truncated body",
            "XyZ",
            b"--XyZ\r\nContent-Disposition: form-data; name=\"status\"\r\n\r\nhal".to_vec(),
        ),
        (
            "a huge name",
            "XyZ",
            format!("{}--XyZ--\r\n", part(&"n".repeat(5000), "x")).into_bytes(),
        ),
        (
            "too many parts",
            "XyZ",
            format!("{}--XyZ--\r\n", part("status", "x").repeat(100)).into_bytes(),
        ),
    ];
    for (what, boundary, body) in cases {
        let res = interspace_tests::http()
            .post(a.at("/api/v1/statuses"))
            .bearer_auth(&alice.token)
            .header(
                "Content-Type",
                if boundary.is_empty() {
                    "multipart/form-data".to_string()
                } else {
                    format!("multipart/form-data; boundary={boundary}")
                },
            )
            .body(body)
            .send()
            .await
            .expect("post");
        let status = res.status().as_u16();
        let text = res.text().await.unwrap_or_default();
        assert_eq!(status, 400, "{what}: {text}");
        assert!(
            text.contains("\"error\""),
            "{what}: the Mastodon error JSON: {text}"
        );
    }
    // 2 MiB: too much for a post, fine for an upload route (which then judges the file).
    let big = format!(
        "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.bin\"\r\n\r\n{}\r\n--XyZ--\r\n",
        "x".repeat(2 * 1024 * 1024)
    )
    .into_bytes();
    let res = multipart("XyZ", big.clone(), "/api/v1/statuses")
        .await
        .expect("post");
    assert_eq!(res.status().as_u16(), 413);
    let res = multipart("XyZ", big, "/api/v2/media").await.expect("post");
    assert_eq!(
        res.status().as_u16(),
        422,
        "not an image: refused by what it is"
    );
    // A body declared too long is refused before it is sent.
    let head = format!(
        "POST /api/v1/statuses HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {}\r\nContent-Type: application/json\r\nContent-Length: 50000000\r\n\r\n",
        a.domain, alice.token
    );
    assert_eq!(raw(&a, &head, b"").await, 413);
    let head = format!(
        "POST /login HTTP/1.1\r\nHost: {}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 20000000\r\n\r\n",
        a.domain
    );
    assert_eq!(raw(&a, &head, b"").await, 413);
    // Nothing spooled is left behind.
    let incoming = a.ctx.settings.media_dir.join(".incoming");
    let left = std::fs::read_dir(&incoming).map(|d| d.count()).unwrap_or(0);
    assert_eq!(left, 0, "spooled uploads are removed");
    a.stop().await;
}

/// What one activity may hold (`protocol::limits`): past a bound it is refused with 400 and
/// nothing in it is stored; at the bound it is accepted. An Announce costs a bounded number of
/// fetches whatever the object names, and served collection pages are bounded.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_one_activity_may_hold_is_bounded() {
    use interspace_federation::protocol::limits;
    let a = TestInstance::spawn(0).await;
    let alice = a.user("alice").await;
    let peer = FakePeer::start().await;
    let mallory = peer.add_person("mallory");
    let mallory_id = mallory["id"].as_str().expect("id").to_string();
    let public = "https://www.w3.org/ns/activitystreams#Public";
    let addressees = |n: usize| -> Vec<String> {
        (0..n)
            .map(|i| format!("{}/users/x{i}", peer.base))
            .collect()
    };
    let hashtags = |n: usize| -> Vec<serde_json::Value> {
        (0..n)
            .map(|i| json!({ "type": "Hashtag", "name": format!("#t{i}"), "href": format!("{}/tags/t{i}", peer.base) }))
            .collect()
    };
    let images = |n: usize| -> Vec<serde_json::Value> {
        (0..n)
            .map(|i| json!({ "type": "Document", "mediaType": "image/png", "url": format!("{}/m/{i}.png", peer.base) }))
            .collect()
    };
    let mut n = 0;
    let mut create = |field: &str, value: serde_json::Value| {
        n += 1;
        let mut note = json!({
            "id": format!("{}/notes/{n}", peer.base), "type": "Note",
            "attributedTo": mallory_id, "content": format!("note {n}"), "to": [public],
        });
        note[field] = value;
        json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": format!("{}/creates/{n}", peer.base), "type": "Create",
            "actor": mallory_id, "to": [public], "object": note,
        })
    };
    let long = |n: usize| json!("x".repeat(n));
    let mut cases = vec![
        (
            "cc",
            // `to` holds the public collection: the bound counts it.
            json!(addressees(limits::MAX_ADDRESSEES - 1)),
            json!(addressees(limits::MAX_ADDRESSEES)),
        ),
        (
            "tag",
            json!(hashtags(limits::MAX_TAGS)),
            json!(hashtags(limits::MAX_TAGS + 1)),
        ),
        (
            "attachment",
            json!(images(limits::MAX_ATTACHMENTS)),
            json!(images(limits::MAX_ATTACHMENTS + 1)),
        ),
        (
            "summary",
            long(limits::MAX_SUMMARY),
            long(limits::MAX_SUMMARY + 1),
        ),
    ];
    cases.push((
        "content",
        long(limits::MAX_CONTENT),
        long(limits::MAX_CONTENT + 1),
    ));
    let stored = || async {
        let (_, tl) = a
            .get(
                &alice.token,
                "/api/v1/timelines/public?remote=true&limit=40",
            )
            .await;
        tl.as_array().map(Vec::len).unwrap_or(0)
    };
    for (field, at, past) in cases {
        let before = stored().await;
        let refused = create(field, past);
        assert_eq!(
            peer.deliver(&mallory_id, &a, "/inbox", &refused).await,
            400,
            "{field} past its bound"
        );
        assert_eq!(
            stored().await,
            before,
            "nothing of a refused activity is stored"
        );
        let accepted = create(field, at);
        assert_eq!(
            peer.deliver(&mallory_id, &a, "/inbox", &accepted).await,
            202,
            "{field} at its bound"
        );
        assert_eq!(stored().await, before + 1, "{field} at its bound is stored");
    }

    // An Announce fetches its object and that object's author, and nothing it names further
    // (replies, mentions, attachments are not followed); a fetched object past a bound is not
    // stored.
    let chain: Vec<String> = (0..50)
        .map(|i| format!("{}/notes/chain{i}", peer.base))
        .collect();
    for (i, uri) in chain.iter().enumerate() {
        peer.put(
            &uri[peer.base.len()..],
            "application/activity+json",
            &json!({
                "@context": "https://www.w3.org/ns/activitystreams",
                "id": uri, "type": "Note", "attributedTo": mallory_id, "to": [public],
                "content": "link in a chain", "inReplyTo": chain.get(i + 1),
                "tag": addressees(100).iter().map(|h| json!({"type": "Mention", "href": h})).collect::<Vec<_>>(),
            }),
        );
    }
    let fetched_before = peer.requests().len();
    let announce = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{}/announces/1", peer.base), "type": "Announce", "actor": mallory_id,
        "to": [public], "object": chain[0],
    });
    assert_eq!(
        peer.deliver(&mallory_id, &a, "/inbox", &announce).await,
        202
    );
    let fetches = peer.requests().len() - fetched_before;
    assert!(
        (1..=2).contains(&fetches),
        "an Announce cost {fetches} fetches"
    );
    let bloated = format!("{}/notes/bloated", peer.base);
    peer.put(
        "/notes/bloated",
        "application/activity+json",
        &json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": bloated, "type": "Note", "attributedTo": mallory_id, "to": [public],
            "content": "x".repeat(limits::MAX_CONTENT + 1),
        }),
    );
    let before = stored().await;
    let announce = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{}/announces/2", peer.base), "type": "Announce", "actor": mallory_id,
        "to": [public], "object": bloated,
    });
    // Acknowledged (what the origin served is final, a retry would fetch the same), unstored.
    assert_eq!(
        peer.deliver(&mallory_id, &a, "/inbox", &announce).await,
        202
    );
    assert_eq!(stored().await, before);

    // Collection pages we serve: a number from 1 to 100,000, at most one page of items.
    for page in ["0", "-1", "100001", "99999999999999999999", "x"] {
        let res = interspace_tests::http()
            .get(a.at(&format!("/users/alice/followers?page={page}")))
            .header("Accept", "application/activity+json")
            .send()
            .await
            .expect("page");
        assert_eq!(res.status(), 400, "page={page}");
    }
    peer.stop().await;
    a.stop().await;
}
