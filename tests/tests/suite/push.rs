//! Web Push: a client subscribes with its own keys, a push service on loopback receives the
//! encrypted push, and the test decrypts it (RFC 8291) to Mastodon's payload; the VAPID header
//! names the instance's key (RFC 8292); a 410 from the push service ends the subscription.

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use interspace_tests::{wait_until, TestCluster};
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Clone, Debug)]
struct Received {
    path: String,
    authorization: String,
    encoding: String,
    ttl: String,
    body: Vec<u8>,
}

/// A push service on loopback: 201 for `/ok/*`, 410 for `/gone/*`.
async fn push_service() -> (
    String,
    Arc<Mutex<Vec<Received>>>,
    actix_web::dev::ServerHandle,
) {
    let got: Arc<Mutex<Vec<Received>>> = Arc::default();
    let store = got.clone();
    let server = HttpServer::new(move || {
        let store = store.clone();
        App::new().default_service(web::to(move |req: HttpRequest, body: web::Bytes| {
            let store = store.clone();
            async move {
                let header = |n: &str| {
                    req.headers()
                        .get(n)
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or_default()
                        .to_string()
                };
                store.lock().expect("lock").push(Received {
                    path: req.path().to_string(),
                    authorization: header("authorization"),
                    encoding: header("content-encoding"),
                    ttl: header("ttl"),
                    body: body.to_vec(),
                });
                if req.path().starts_with("/gone/") {
                    HttpResponse::Gone().finish()
                } else {
                    HttpResponse::Created().finish()
                }
            }
        }))
    })
    .workers(1)
    .bind("127.0.0.1:0")
    .expect("bind");
    let addr = server.addrs()[0];
    let server = server.run();
    let handle = server.handle();
    tokio::spawn(server);
    (format!("http://{addr}"), got, handle)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pushes_are_encrypted_for_the_subscriber_and_stop_when_it_is_gone() {
    let cluster = TestCluster::spawn(1).await;
    let a = &cluster[0];
    let alice = a.user("alice").await;
    let bob = a.user("bob").await;
    let (service, got, handle) = push_service().await;

    // The instance's VAPID key, as apps read it.
    let (_, instance) = a.get("", "/api/v2/instance").await;
    let server_key = instance["configuration"]["vapid"]["public_key"]
        .as_str()
        .expect("vapid key")
        .to_string();
    let raw = URL_SAFE_NO_PAD.decode(&server_key).expect("base64url");
    assert_eq!((raw.len(), raw[0]), (65, 4), "an uncompressed P-256 point");

    // Alice's app subscribes with its own keys (standard base64 with padding is accepted too).
    let (keys, auth) = ece::generate_keypair_and_auth_secret().expect("keys");
    let p256dh = base64::engine::general_purpose::STANDARD.encode(keys.pub_as_raw().expect("raw"));
    let (status, bad) = a
        .post(
            &alice.token,
            "/api/v1/push/subscription",
            json!({"subscription": {"endpoint": format!("{service}/ok/alice"), "keys": {"p256dh": "AAAA", "auth": URL_SAFE_NO_PAD.encode(auth)}}}),
        )
        .await;
    assert_eq!(status, 422, "{bad}");
    assert!(
        bad["error"].as_str().is_some_and(|e| e.contains("p256dh")),
        "{bad}"
    );
    let (status, sub) = a
        .post(
            &alice.token,
            "/api/v1/push/subscription",
            json!({
                "subscription": {"endpoint": format!("{service}/ok/alice"), "standard": true,
                                 "keys": {"p256dh": p256dh, "auth": format!("{}==", URL_SAFE_NO_PAD.encode(auth))}},
                "data": {"alerts": {"mention": true, "follow": false}, "policy": "all"},
            }),
        )
        .await;
    assert_eq!(status, 200, "{sub}");
    assert_eq!(sub["server_key"], server_key.as_str());
    assert_eq!(sub["standard"], true);
    assert_eq!(sub["alerts"]["mention"], true);
    assert_eq!(sub["alerts"]["follow"], false);
    assert_eq!(sub["policy"], "all");
    let (status, again) = a.get(&alice.token, "/api/v1/push/subscription").await;
    assert_eq!((status, &again["id"]), (200, &sub["id"]));

    // A follow is not wanted; a mention is, and arrives encrypted for Alice's keys.
    a.follow(&bob.token, "alice").await;
    let (status, post) = a
        .post(
            &bob.token,
            "/api/v1/statuses",
            json!({"status": "@alice the coffee machine is fixed"}),
        )
        .await;
    assert_eq!(status, 200, "{post}");
    let push = wait_until("a push", Duration::from_secs(20), || async {
        got.lock().expect("lock").first().cloned()
    })
    .await;
    assert_eq!(push.path, "/ok/alice");
    assert_eq!(push.encoding, "aes128gcm");
    assert!(!push.ttl.is_empty());
    assert!(
        push.authorization.starts_with("vapid t=")
            && push.authorization.ends_with(&format!("k={server_key}")),
        "{}",
        push.authorization
    );
    let plain = ece::decrypt(
        &keys.raw_components().expect("components"),
        &auth,
        &push.body,
    )
    .expect("decrypts with the subscriber's keys");
    let payload: Value = serde_json::from_slice(&plain).expect("json");
    // An independent implementation of RFC 8291 (Python's `cryptography`) reads it alike.
    if let Some(venv) = crate::clients::venv() {
        let components = keys.raw_components().expect("components");
        let env = vec![
            (
                "PRIVATE_KEY",
                URL_SAFE_NO_PAD.encode(components.private_key()),
            ),
            (
                "PUBLIC_KEY",
                URL_SAFE_NO_PAD.encode(components.public_key()),
            ),
            ("AUTH", URL_SAFE_NO_PAD.encode(auth)),
            ("BODY", URL_SAFE_NO_PAD.encode(&push.body)),
        ];
        let out = tokio::task::spawn_blocking(move || {
            let env: Vec<(&str, String)> = env.into_iter().collect();
            crate::clients::run_python(&venv, "webpush_decrypt.py", &env)
        })
        .await
        .expect("python");
        let first = out.lines().next().unwrap_or_default();
        assert_eq!(serde_json::from_str::<Value>(first).expect("json"), payload);
    }
    assert_eq!(payload["notification_type"], "mention", "{payload}");
    assert_eq!(payload["access_token"], alice.token.as_str());
    assert_eq!(payload["preferred_locale"], "en");
    assert!(payload["title"]
        .as_str()
        .is_some_and(|t| t.contains("bob mentioned you")));
    assert!(payload["body"]
        .as_str()
        .is_some_and(|b| b.contains("coffee machine")));
    let (_, notes) = a.get(&alice.token, "/api/v1/notifications").await;
    let mention = notes
        .as_array()
        .and_then(|n| n.iter().find(|n| n["type"] == "mention"))
        .expect("the mention");
    assert_eq!(payload["notification_id"], mention["id"]);

    // Alerts change with PUT; policy `none` stops everything.
    let (status, changed) = a
        .put(
            &alice.token,
            "/api/v1/push/subscription",
            json!({"data": {"policy": "none"}}),
        )
        .await;
    assert_eq!((status, changed["policy"].as_str()), (200, Some("none")));
    assert_eq!(
        changed["alerts"]["mention"], true,
        "alerts not named are kept"
    );

    // Bob's push service says the subscription is gone: it is removed.
    let (keys_b, auth_b) = ece::generate_keypair_and_auth_secret().expect("keys");
    let (status, _) = a
        .post(
            &bob.token,
            "/api/v1/push/subscription",
            json!({"subscription": {"endpoint": format!("{service}/gone/bob"),
                   "keys": {"p256dh": URL_SAFE_NO_PAD.encode(keys_b.pub_as_raw().expect("raw")), "auth": URL_SAFE_NO_PAD.encode(auth_b)}},
                   "data": {"alerts": {"mention": true}}}),
        )
        .await;
    assert_eq!(status, 200);
    a.post(
        &alice.token,
        "/api/v1/statuses",
        json!({"status": "@bob thanks!"}),
    )
    .await;
    wait_until(
        "the subscription to go",
        Duration::from_secs(20),
        || async {
            let (status, _) = a.get(&bob.token, "/api/v1/push/subscription").await;
            (status == 404).then_some(())
        },
    )
    .await;
    assert!(got
        .lock()
        .expect("lock")
        .iter()
        .any(|r| r.path == "/gone/bob"));
    // By now the follow (before the mention) would have been pushed too: it was not wanted.
    let to_alice = got
        .lock()
        .expect("lock")
        .iter()
        .filter(|r| r.path == "/ok/alice")
        .count();
    assert_eq!(to_alice, 1, "only the mention");

    // Deleting is idempotent; without the push scope it is 403.
    let (status, _) = a.delete(&alice.token, "/api/v1/push/subscription").await;
    assert_eq!(status, 200);
    let (status, _) = a.get(&alice.token, "/api/v1/push/subscription").await;
    assert_eq!(status, 404);
    let read_only = a
        .password_token(&alice.email, &alice.password, "read")
        .await;
    let (status, _) = a.get(&read_only, "/api/v1/push/subscription").await;
    assert_eq!(status, 403);
    handle.stop(true).await;
    cluster.shutdown().await;
}
