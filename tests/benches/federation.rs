//! Federation benchmarks (not tests): how fast one instance ingests signed activities into its
//! inbox, and how long a post takes to reach 1,000 followers spread over 10 instances.
//!
//! Run: `cargo bench -p interspace-tests --bench federation` (SQLite; set TEST_DATABASE_URL to
//! a PostgreSQL admin URL for PostgreSQL). `BENCH_INGEST=N` sets the number of activities.

use interspace_tests::peer::FakePeer;
use interspace_tests::signatures::{http_date, sign};
use interspace_tests::{http, TestInstance};
use serde_json::json;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const CONCURRENCY: usize = 32;

/// A request body with its signature headers.
type Signed = (Vec<u8>, Vec<(String, String)>);

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        println!("backend: {}", interspace_tests::backend_name());
        ingest().await;
        fan_out().await;
        println!("peak RSS of the whole process: {} MiB", peak_rss_mib());
    });
}

fn peak_rss_mib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
        })
        .map_or(0, |kb| kb / 1024)
}

/// Signed public Create(Note)s from one remote actor to the shared inbox, 32 at a time.
async fn ingest() {
    let n: usize = std::env::var("BENCH_INGEST")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2000);
    let a = TestInstance::spawn(0).await;
    let peer = FakePeer::start().await;
    let actor = peer.add_person("mallory")["id"]
        .as_str()
        .expect("id")
        .to_string();
    // Signed before the clock starts: we measure the receiver, not our RSA signing.
    let date = http_date(0);
    let requests: Vec<Signed> = (0..=n)
        .map(|i| {
            let note = format!("{}/notes/{i}", peer.base);
            let body = json!({
                "@context": "https://www.w3.org/ns/activitystreams",
                "id": format!("{note}/activity"), "type": "Create", "actor": actor,
                "to": ["https://www.w3.org/ns/activitystreams#Public"],
                "object": {
                    "id": note, "type": "Note", "attributedTo": actor,
                    "to": ["https://www.w3.org/ns/activitystreams#Public"],
                    "content": format!("<p>note {i} with a #tag</p>"),
                    "tag": [{"type": "Hashtag", "name": "#tag"}],
                },
            })
            .to_string()
            .into_bytes();
            let headers = sign(
                &format!("{actor}#main-key"),
                &peer.private_key_pem,
                &a.domain,
                "/inbox",
                &body,
                &date,
                "(request-target) host date digest",
            )
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect();
            (body, headers)
        })
        .collect();
    let mut requests = requests.into_iter();
    // The first one fetches and caches the actor.
    let (body, headers) = requests.next().expect("one");
    assert_eq!(post(&a, body, headers).await, 202);

    let queue = Arc::new(Mutex::new(requests.collect::<Vec<_>>()));
    let client = http();
    let start = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..CONCURRENCY {
        let queue = queue.clone();
        let client = client.clone();
        let url = a.at("/inbox");
        workers.push(tokio::spawn(async move {
            let mut ok = 0usize;
            loop {
                let next = queue.lock().expect("queue").pop();
                let Some((body, headers)) = next else { break };
                let mut req = client
                    .post(&url)
                    .header("Content-Type", "application/activity+json");
                for (k, v) in headers {
                    req = req.header(k, v);
                }
                let res = req.body(body).send().await.expect("post");
                assert_eq!(res.status(), 202);
                ok += 1;
            }
            ok
        }));
    }
    let mut accepted = 0;
    for w in workers {
        accepted += w.await.expect("worker");
    }
    let elapsed = start.elapsed();
    assert_eq!(accepted, n);
    println!(
        "ingest: {n} signed Create(Note) in {:.2} s = {:.0} activities/s ({CONCURRENCY} concurrent senders; each stored before the 202)",
        elapsed.as_secs_f64(),
        n as f64 / elapsed.as_secs_f64()
    );
    peer.stop().await;
    a.stop().await;
}

async fn post(a: &TestInstance, body: Vec<u8>, headers: Vec<(String, String)>) -> u16 {
    let mut req = http()
        .post(a.at("/inbox"))
        .header("Content-Type", "application/activity+json");
    for (k, v) in headers {
        req = req.header(k, v);
    }
    req.body(body).send().await.expect("post").status().as_u16()
}

/// 1,000 followers of alice over 10 instances: on each, one member follows her through the
/// API and 99 more follower accounts of that instance are written into A's database (they
/// share the instance's inbox, as real followers do). Measured: from the POST of a status on A
/// until all 10 instances have stored it.
async fn fan_out() {
    let a = TestInstance::spawn(0).await;
    let alice = a.user("alice").await;
    let mut receivers = Vec::new();
    for i in 1..=10 {
        receivers.push(TestInstance::spawn(i).await);
    }
    for r in &receivers {
        let bob = r.user("bob").await;
        r.follow(&bob.token, &format!("alice@{}", a.domain)).await;
    }
    let mut conn = a.ctx.db.get().await.expect("conn");
    for (i, r) in receivers.iter().enumerate() {
        for k in 0..99 {
            let name = format!("follower{i}x{k}");
            let follower = interspace_tests::remote_person(
                r.url.trim_end_matches('/'),
                &name,
                &r.at(&format!("/users/{name}/inbox")),
                Some(&r.at("/inbox")),
            );
            interspace_tests::add_remote_follower(&mut conn, &alice.id, &follower).await;
        }
    }
    drop(conn);
    let followers = interspace_db::follows::count_followers(
        &mut a.ctx.db.get().await.expect("conn"),
        &alice.id,
    )
    .await
    .expect("count");
    assert_eq!(followers, 1000, "the 10 real follows were accepted");

    let mut times = Vec::new();
    for round in 0..10 {
        let start = Instant::now();
        let (status, post) = a
            .post(
                &alice.token,
                "/api/v1/statuses",
                json!({"status": format!("fan-out round {round}")}),
            )
            .await;
        assert_eq!(status, 200);
        let uri = post["uri"].as_str().expect("uri").to_string();
        let mut waiting: Vec<&TestInstance> = receivers.iter().collect();
        while !waiting.is_empty() {
            let mut still = Vec::new();
            for r in waiting {
                if !interspace_app::remote::knows_status(&r.ctx, &uri)
                    .await
                    .expect("lookup")
                {
                    still.push(r);
                }
            }
            waiting = still;
            assert!(start.elapsed() < Duration::from_secs(60), "fan-out stalled");
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        times.push(start.elapsed());
    }
    times.sort();
    println!(
        "fan-out: a post reaches 1,000 followers on 10 instances in median {:.0} ms, max {:.0} ms (10 posts; 10 deliveries each, one per shared inbox)",
        times[times.len() / 2].as_secs_f64() * 1000.0,
        times[times.len() - 1].as_secs_f64() * 1000.0
    );
    for r in receivers {
        r.stop().await;
    }
    a.stop().await;
}
