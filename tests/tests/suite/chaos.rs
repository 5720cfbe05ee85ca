//! Faults of the instance's own: its PostgreSQL server dies and comes back while members post
//! and a peer delivers. PostgreSQL only: the SQLite pass has no server to stop.

use interspace_tests::peer::FakePeer;
use interspace_tests::pg_cluster::PgCluster;
use interspace_tests::{http, postgres_admin_url, test_config, wait_until, TestDb, TestInstance};
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

const DEADLINE: Duration = Duration::from_secs(60);
const PUBLIC: &str = "https://www.w3.org/ns/activitystreams#Public";

/// Every answer a client got: (status, whether it carried `Retry-After`).
type Seen = Arc<Mutex<Vec<(u16, bool)>>>;

/// Sends `send()` until it answers `ok`, as a client that retries does; records each answer.
async fn until_accepted<F, Fut>(seen: &Seen, ok: u16, mut send: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<reqwest::Response>>,
{
    let start = std::time::Instant::now();
    loop {
        if let Some(res) = send().await {
            let status = res.status().as_u16();
            let retry_after = res.headers().contains_key("retry-after");
            seen.lock().expect("seen").push((status, retry_after));
            if status == ok {
                return;
            }
        }
        assert!(start.elapsed() < DEADLINE, "never accepted");
        // The client's own back-off between attempts.
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgresql_restarted_under_load_loses_nothing_and_answers_503() {
    if postgres_admin_url().is_none() {
        eprintln!("chaos: runs on the PostgreSQL pass only");
        return;
    }
    const POSTS: usize = 30;
    let pg = Arc::new(
        PgCluster::start()
            .unwrap_or_else(|e| panic!("cannot run a PostgreSQL of the test's own: {e}")),
    );
    let db = TestDb::create_on(&pg.admin_url()).await;
    let a = Arc::new(TestInstance::spawn_with(test_config(&db, 0), db).await);
    let alice = a.user("alice").await;
    let peer = Arc::new(FakePeer::start().await);
    peer.answer("/inbox", 202);
    let carol = peer.add_person("carol");
    let carol_id = carol["id"].as_str().expect("id").to_string();
    let follow = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{}/follows/1", peer.base), "type": "Follow",
        "actor": carol_id, "object": a.at("/users/alice"),
    });
    assert_eq!(peer.deliver(&carol_id, &a, "/inbox", &follow).await, 202);
    let delivered = {
        let peer = peer.clone();
        move |kind: &str| -> BTreeSet<String> {
            peer.requests()
                .iter()
                .filter(|r| r.method == "POST")
                .filter_map(|r| serde_json::from_str::<Value>(&r.body).ok())
                .filter(|v| v["type"] == kind)
                .map(|v| v["object"]["content"].as_str().unwrap_or("").to_string())
                .collect()
        }
    };
    wait_until("alice to accept carol", DEADLINE, || async {
        (!delivered("Accept").is_empty()).then_some(())
    })
    .await;

    // Load: alice posts, carol delivers notes; both retry what is refused.
    let seen: Seen = Arc::default();
    let posted = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let posts = {
        let (a, seen, posted, token) =
            (a.clone(), seen.clone(), posted.clone(), alice.token.clone());
        tokio::spawn(async move {
            for i in 0..POSTS {
                until_accepted(&seen, 200, || {
                    let req = http()
                        .post(a.at("/api/v1/statuses"))
                        .bearer_auth(&token)
                        .header("Idempotency-Key", format!("post-{i}"))
                        .json(&json!({ "status": format!("post {i}") }));
                    async move { req.send().await.ok() }
                })
                .await;
                posted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            }
        })
    };
    let notes = {
        let (a, seen, peer, carol_id) = (a.clone(), seen.clone(), peer.clone(), carol_id.clone());
        tokio::spawn(async move {
            for i in 0..POSTS {
                let create = json!({
                    "@context": "https://www.w3.org/ns/activitystreams",
                    "id": format!("{}/creates/{i}", peer.base), "type": "Create",
                    "actor": carol_id, "to": [PUBLIC],
                    "object": { "id": format!("{}/notes/{i}", peer.base), "type": "Note",
                                "attributedTo": carol_id, "to": [PUBLIC],
                                "content": format!("note {i}") },
                });
                until_accepted(&seen, 202, || {
                    let (a, peer, carol_id, create) =
                        (a.clone(), peer.clone(), carol_id.clone(), create.clone());
                    async move {
                        peer.deliver_answered(&carol_id, &a, "/inbox", &create)
                            .await
                            .ok()
                    }
                })
                .await;
            }
        })
    };

    // PostgreSQL dies a third of the way through, and comes back once the instance said so.
    wait_until("a third of the posts", DEADLINE, || async {
        (posted.load(std::sync::atomic::Ordering::SeqCst) >= POSTS / 3).then_some(())
    })
    .await;
    let cluster = pg.clone();
    tokio::task::spawn_blocking(move || cluster.down())
        .await
        .expect("join")
        .expect("stop PostgreSQL");
    wait_until(
        "the instance to say the database is down",
        DEADLINE,
        || async {
            let res = http()
                .get(a.at("/api/v1/timelines/public"))
                .send()
                .await
                .ok()?;
            (res.status() == 503).then_some(())
        },
    )
    .await;
    let cluster = pg.clone();
    tokio::task::spawn_blocking(move || cluster.up())
        .await
        .expect("join")
        .expect("start PostgreSQL");
    posts.await.expect("posts");
    notes.await.expect("notes");

    let seen = seen.lock().expect("seen").clone();
    let refused: Vec<&(u16, bool)> = seen.iter().filter(|(s, _)| *s >= 300).collect();
    assert!(
        refused
            .iter()
            .all(|(s, retry_after)| *s == 503 && *retry_after),
        "only 503 with Retry-After while the database was away: {refused:?}"
    );
    assert!(
        !refused.is_empty(),
        "the load went on while the database was away"
    );
    eprintln!(
        "chaos: {} answers, {} of them 503 with Retry-After, no other error",
        seen.len(),
        refused.len()
    );

    // Nothing lost, nothing twice: every post once, every note once, every post delivered.
    let (_, statuses) = a
        .get(
            &alice.token,
            &format!("/api/v1/accounts/{}/statuses?limit=40", alice.id),
        )
        .await;
    let texts: Vec<&str> = statuses
        .as_array()
        .expect("statuses")
        .iter()
        .filter_map(|s| s["content"].as_str())
        .collect();
    assert_eq!(texts.len(), POSTS, "{texts:?}");
    let (_, public) = a
        .get(
            &alice.token,
            "/api/v1/timelines/public?remote=true&limit=40",
        )
        .await;
    assert_eq!(public.as_array().map(Vec::len), Some(POSTS), "{public}");
    let expected: BTreeSet<String> = (0..POSTS).map(|i| format!("<p>post {i}</p>")).collect();
    wait_until("every post to reach carol", DEADLINE, || async {
        (delivered("Create") == expected).then_some(())
    })
    .await;
    match Arc::try_unwrap(a) {
        Ok(a) => a.stop().await,
        Err(_) => panic!("the instance is still shared"),
    }
}
