//! The streaming API: Server-Sent Events and WebSocket.

use interspace_tests::ws::WsClient;
use interspace_tests::{http, TestCluster};
use serde_json::{json, Value};
use std::time::Duration;

/// Reads SSE chunks until an `event: {name}` arrives; returns its data.
async fn next_event(res: &mut reqwest::Response, buf: &mut String, name: &str) -> Value {
    let marker = format!("event: {name}\ndata: ");
    tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            if let Some(start) = buf.find(&marker) {
                let rest = &buf[start + marker.len()..];
                if let Some(end) = rest.find("\n\n") {
                    let data = rest[..end].to_string();
                    let consumed = start + marker.len() + end + 2;
                    buf.drain(..consumed);
                    return serde_json::from_str(&data).unwrap_or(Value::String(data));
                }
            }
            let chunk = res.chunk().await.expect("chunk").expect("stream open");
            buf.push_str(&String::from_utf8_lossy(&chunk));
        }
    })
    .await
    .unwrap_or_else(|_| panic!("no {name} event within 10 s; got {buf:?}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_sent_events_for_user_and_public_streams() {
    let cluster = TestCluster::spawn(1).await;
    let a = &cluster[0];
    let ann = a.user("ann").await;
    let ben = a.user("ben").await;
    a.post(
        &ann.token,
        &format!("/api/v1/accounts/{}/follow", ben.id),
        json!({}),
    )
    .await;

    assert_eq!(
        http()
            .get(a.at("/api/v1/streaming/health"))
            .send()
            .await
            .expect("health")
            .text()
            .await
            .expect("t"),
        "OK"
    );
    assert_eq!(
        http()
            .get(a.at("/api/v1/streaming/user"))
            .send()
            .await
            .expect("user")
            .status(),
        401
    );
    assert_eq!(
        http()
            .get(a.at("/api/v1/streaming/nonsense"))
            .send()
            .await
            .expect("x")
            .status(),
        404
    );

    let mut user = http()
        .get(a.at(&format!(
            "/api/v1/streaming/user?access_token={}",
            ann.token
        )))
        .send()
        .await
        .expect("sse");
    assert_eq!(user.status(), 200);
    assert!(user.headers()["content-type"]
        .to_str()
        .expect("ct")
        .starts_with("text/event-stream"));
    let mut public = http()
        .get(a.at("/api/v1/streaming/public/local"))
        .send()
        .await
        .expect("sse");
    let (mut ubuf, mut pbuf) = (String::new(), String::new());

    // A private post reaches the follower's home stream but not the public one.
    a.post(
        &ben.token,
        "/api/v1/statuses",
        json!({"status": "for followers", "visibility": "private"}),
    )
    .await;
    let (_, public_post) = a
        .post(
            &ben.token,
            "/api/v1/statuses",
            json!({"status": "for everyone"}),
        )
        .await;
    let first = next_event(&mut user, &mut ubuf, "update").await;
    assert_eq!(first["content"], "<p>for followers</p>");
    let second = next_event(&mut user, &mut ubuf, "update").await;
    assert_eq!(second["content"], "<p>for everyone</p>");
    let on_public = next_event(&mut public, &mut pbuf, "update").await;
    assert_eq!(
        on_public["id"], public_post["id"],
        "the private post never reached the public stream"
    );

    a.post(
        &ben.token,
        "/api/v1/statuses",
        json!({"status": "@ann hello"}),
    )
    .await;
    let n = next_event(&mut user, &mut ubuf, "notification").await;
    assert_eq!(n["type"], "mention");
    assert_eq!(n["account"]["username"], "ben");

    let id = public_post["id"].as_str().expect("id");
    let res = http()
        .delete(a.at(&format!("/api/v1/statuses/{id}")))
        .bearer_auth(&ben.token)
        .send()
        .await
        .expect("delete");
    assert_eq!(res.status(), 200);
    let deleted = next_event(&mut public, &mut pbuf, "delete").await;
    assert_eq!(deleted, json!(id.parse::<String>().expect("id")));
    drop(user);
    drop(public);
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn websocket_streams_with_subscriptions() {
    let cluster = TestCluster::spawn(1).await;
    let a = &cluster[0];
    let cy = a.user("cy").await;
    let dee = a.user("dee").await;
    let addr = a.domain.replace("localhost", "127.0.0.1");
    let err = WsClient::connect(&addr, "/api/v1/streaming?stream=user")
        .await
        .err()
        .expect("needs a token");
    assert!(err.contains("401"), "{err}");
    // masto.js (Elk, Phanpy) offers the token as the subprotocol; browsers need it named back.
    let by_protocol =
        WsClient::connect_offering(&addr, "/api/v1/streaming?stream=user", Some(&cy.token))
            .await
            .expect("the token as subprotocol");
    assert!(
        by_protocol.head.to_lowercase().contains(&format!(
            "sec-websocket-protocol: {}",
            cy.token.to_lowercase()
        )),
        "{}",
        by_protocol.head
    );
    drop(by_protocol);
    let favicon = http()
        .get(a.at("/favicon.ico"))
        .send()
        .await
        .expect("favicon");
    assert_eq!(favicon.status(), 200);
    let mut ws = WsClient::connect(
        &addr,
        &format!("/api/v1/streaming?stream=user&access_token={}", cy.token),
    )
    .await
    .expect("connect");
    ws.send_text(r#"{"type":"subscribe","stream":"hashtag","tag":"Desks"}"#)
        .await;
    ws.send_text(r#"{"type":"subscribe","stream":"nope"}"#)
        .await;
    let error: Value = serde_json::from_str(
        &ws.next_text(Duration::from_secs(5))
            .await
            .expect("error message"),
    )
    .expect("json");
    assert_eq!(error["status"], 400);
    // Messages are handled in order: the error answer means the subscription before it is on.
    let mut received: Option<Value> = None;
    a.post(
        &dee.token,
        "/api/v1/statuses",
        json!({"status": "free #desks today"}),
    )
    .await;
    while let Some(text) = ws.next_text(Duration::from_secs(5)).await {
        let msg: Value = serde_json::from_str(&text).expect("json");
        if msg["stream"] == json!(["hashtag", "desks"]) {
            received = Some(msg);
            break;
        }
    }
    let msg = received.expect("a hashtag message");
    assert_eq!(msg["event"], "update");
    let payload: Value = serde_json::from_str(msg["payload"].as_str().expect("payload string"))
        .expect("status json");
    assert_eq!(payload["account"]["username"], "dee");
    // Notifications arrive on the user stream.
    a.post(
        &dee.token,
        &format!("/api/v1/accounts/{}/follow", cy.id),
        json!({}),
    )
    .await;
    let mut got_follow = false;
    while let Some(text) = ws.next_text(Duration::from_secs(5)).await {
        let msg: Value = serde_json::from_str(&text).expect("json");
        if msg["event"] == "notification" {
            let n: Value =
                serde_json::from_str(msg["payload"].as_str().expect("payload")).expect("json");
            assert_eq!(n["type"], "follow");
            assert_eq!(msg["stream"], json!(["user"]));
            got_follow = true;
            break;
        }
    }
    assert!(got_follow);
    drop(ws);
    cluster.shutdown().await;
}
