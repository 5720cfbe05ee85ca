//! Durable delivery: peers that are down, come back, never answer, or are blocked; a sender
//! killed with deliveries queued.

use interspace_tests::peer::FakePeer;
use interspace_tests::process::Served;
use interspace_tests::{http, wait_until, TestCluster, TestDb, TestInstance};
use serde_json::{json, Value};
use std::time::Duration;

const DEADLINE: Duration = Duration::from_secs(30);

/// Texts of a timeline, oldest first by the receiving instance's ids (its arrival order).
fn arrival_order(list: &Value) -> Vec<String> {
    let mut items: Vec<(String, String)> = list
        .as_array()
        .map(|a| {
            a.iter()
                .map(|s| {
                    (
                        s["id"].as_str().unwrap_or_default().to_string(),
                        s["content"].as_str().unwrap_or_default().to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    items.sort();
    items.into_iter().map(|(_, c)| c).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_peer_that_was_down_gets_everything() {
    let a = TestInstance::spawn_configured(0, |c| c.federation.retry_base_seconds = 0.2).await;
    let b = TestInstance::spawn(1).await;
    let c = TestInstance::spawn(2).await;
    let alice = a.user("alice").await;
    let bob = b.user("bob").await;
    let carl = c.user("carl").await;
    for (inst, user) in [(&b, &bob), (&c, &carl)] {
        let id = inst
            .resolve(&user.token, &format!("alice@{}", a.domain))
            .await;
        inst.post(
            &user.token,
            &format!("/api/v1/accounts/{id}/follow"),
            json!({}),
        )
        .await;
    }
    let cluster = TestCluster {
        instances: vec![a, b, c],
    };
    cluster.settle().await;
    let mut instances = cluster.instances.into_iter();
    let (a, b, c) = (
        instances.next().expect("a"),
        instances.next().expect("b"),
        instances.next().expect("c"),
    );

    let b_down = b.stop_keeping_data().await;
    for n in 1..=3 {
        let (status, _) = a
            .post(
                &alice.token,
                "/api/v1/statuses",
                json!({"status": format!("update {n}")}),
            )
            .await;
        assert_eq!(status, 200);
    }
    // C, which is up, has them all; B's copies wait in A's queue, retried.
    wait_until("C to get the three posts", DEADLINE, || async {
        let (_, home) = c.get(&carl.token, "/api/v1/timelines/home").await;
        (arrival_order(&home).len() == 3).then_some(())
    })
    .await;
    wait_until("A to have retried B", DEADLINE, || async {
        let failing = interspace_app::outbox::undelivered(&a.ctx, 10)
            .await
            .expect("queue");
        (failing.len() == 3 && failing.iter().any(|d| d.attempts >= 1)).then_some(())
    })
    .await;
    let restricted = interspace_app::domains::restrictions(&a.ctx)
        .await
        .expect("domains");
    assert!(
        restricted.unavailable.is_empty(),
        "a few failures are not enough"
    );

    let b = b_down.start().await;
    let home = wait_until("B to get the three posts", DEADLINE, || async {
        let (_, home) = b.get(&bob.token, "/api/v1/timelines/home").await;
        let texts = arrival_order(&home);
        (texts.len() == 3).then_some(texts)
    })
    .await;
    // Order is kept per object, not per inbox (a post retried more often may arrive after a
    // later one): all three arrive, once each.
    let mut home = home;
    home.sort();
    assert_eq!(
        home,
        vec!["<p>update 1</p>", "<p>update 2</p>", "<p>update 3</p>"],
    );
    let cluster = TestCluster {
        instances: vec![a, b, c],
    };
    cluster.settle().await;
    let (pending, failed, _) = interspace_app::outbox::depth(&cluster[0].ctx)
        .await
        .expect("depth");
    assert_eq!((pending, failed), (0, 0));
    cluster.shutdown().await;
}

/// A signed Follow of alice on `a` by the peer's mallory.
async fn follow_from(peer: &FakePeer, a: &TestInstance, n: u32) -> u16 {
    let actor = format!("{}/users/mallory", peer.base);
    let follow = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{}/follows/{n}", peer.base), "type": "Follow",
        "actor": actor, "object": a.at("/users/alice"),
    });
    peer.deliver(&actor, a, "/inbox", &follow).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_domain_that_never_answers_becomes_unavailable_until_it_speaks_again() {
    let a = TestInstance::spawn_configured(0, |c| {
        c.federation.retry_base_seconds = 0.05;
        c.federation.max_attempts = 3;
    })
    .await;
    let alice = a.user("alice").await;
    let peer = FakePeer::start().await;
    let port: u16 = peer
        .domain
        .rsplit_once(':')
        .expect("port")
        .1
        .parse()
        .expect("port");
    peer.add_person("mallory");
    assert_eq!(follow_from(&peer, &a, 1).await, 202);
    peer.stop().await;

    // The Accept to mallory and a post for her fail until A gives up: the domain is unavailable.
    a.post(
        &alice.token,
        "/api/v1/statuses",
        json!({"status": "anyone?"}),
    )
    .await;
    let domain = wait_until("the peer's domain to be unavailable", DEADLINE, || async {
        interspace_app::domains::get(&a.ctx, &format!("localhost:{port}"))
            .await
            .expect("domain")
            .filter(|d| d.unavailable_at.is_some())
    })
    .await;
    assert!(domain.failures >= 3);
    let (pending, failed, _) = interspace_app::outbox::depth(&a.ctx).await.expect("depth");
    assert_eq!(pending, 0, "nothing is left queued for it");
    assert!(failed >= 1);
    // Nothing new is queued for an unavailable domain.
    a.post(
        &alice.token,
        "/api/v1/statuses",
        json!({"status": "still nobody?"}),
    )
    .await;
    wait_until("the post to be expanded", DEADLINE, || async {
        let (_, _, events) = interspace_app::outbox::depth(&a.ctx).await.expect("depth");
        (events == 0).then_some(())
    })
    .await;
    assert_eq!(interspace_app::outbox::depth(&a.ctx).await.expect("d").0, 0);

    // The peer comes back (with a new key: A fetches the actor again) and speaks: revived.
    let peer = FakePeer::start_on(port).await;
    peer.add_person("mallory");
    assert_eq!(follow_from(&peer, &a, 2).await, 202);
    let revived = interspace_app::domains::get(&a.ctx, &peer.domain)
        .await
        .expect("domain")
        .expect("known");
    assert!(revived.unavailable_at.is_none() && revived.failures == 0);
    a.post(
        &alice.token,
        "/api/v1/statuses",
        json!({"status": "welcome back"}),
    )
    .await;
    wait_until("the peer to get the new post", DEADLINE, || async {
        peer.requests()
            .iter()
            .any(|r| r.method == "POST" && r.path_and_query == "/inbox")
            .then_some(())
    })
    .await;
    peer.stop().await;
    a.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_blocked_domain_is_cut_off() {
    let cluster = TestCluster::spawn(2).await;
    let (a, b) = (&cluster[0], &cluster[1]);
    let alice = a.user("alice").await;
    let bob = b.user("bob").await;
    let alice_at_b = b.resolve(&bob.token, &format!("alice@{}", a.domain)).await;
    b.post(
        &bob.token,
        &format!("/api/v1/accounts/{alice_at_b}/follow"),
        json!({}),
    )
    .await;
    cluster.settle().await;
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
    assert_eq!(followers().await, 1);
    let follow_again = || async {
        for action in ["unfollow", "follow"] {
            b.post(
                &bob.token,
                &format!("/api/v1/accounts/{alice_at_b}/{action}"),
                json!({}),
            )
            .await;
        }
    };

    // Blocking B's domain (by the host without its port: it covers every port) ends the follow.
    interspace_app::domains::block(&a.ctx, "localhost", Some("test"))
        .await
        .expect_err("our own host cannot be blocked");
    let blocked = interspace_app::domains::block(&a.ctx, &b.domain, Some("spam"))
        .await
        .expect("block");
    assert_eq!(blocked, b.domain);
    assert_eq!(followers().await, 0);
    // B's activities get 202 and are dropped: bob follows again, nothing changes on A.
    follow_again().await;
    cluster.settle().await;
    assert_eq!(followers().await, 0);
    let (_, failed, _) = interspace_app::outbox::depth(&b.ctx).await.expect("depth");
    assert_eq!(failed, 0, "B saw its Follow accepted for delivery (202)");
    // A fetches nothing from B: an account it does not know yet stays unknown.
    b.user("cleo").await;
    let (_, found) = a
        .get(
            &alice.token,
            &format!(
                "/api/v2/search?q=cleo@{}&resolve=true&type=accounts",
                b.domain
            ),
        )
        .await;
    assert_eq!(found["accounts"], json!([]));

    // Unblocked, things work again.
    assert!(interspace_app::domains::unblock(&a.ctx, &b.domain)
        .await
        .expect("unblock"));
    follow_again().await;
    cluster.settle().await;
    assert_eq!(followers().await, 1);
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deliveries_survive_kill_9_and_arrive_exactly_once() {
    let b = TestInstance::spawn(1).await;
    let bob = b.user("bob").await;
    let db = TestDb::create().await;
    let mut a = Served::new(&db);
    a.add_member("alice", "alice-password-1");
    a.start().await;

    let alice_at_b = b.resolve(&bob.token, &format!("alice@{}", a.domain)).await;
    b.post(
        &bob.token,
        &format!("/api/v1/accounts/{alice_at_b}/follow"),
        json!({}),
    )
    .await;
    wait_until("A to accept bob", DEADLINE, || async {
        let (_, rel) = b
            .get(
                &bob.token,
                &format!("/api/v1/accounts/relationships?id={alice_at_b}"),
            )
            .await;
        (rel[0]["following"] == true).then_some(())
    })
    .await;

    // B goes down; alice posts three times; A queues, retries, and is killed outright.
    let b_down = b.stop_keeping_data().await;
    let token = a.token("alice", "alice-password-1").await;
    for n in 1..=3 {
        let res = http()
            .post(format!("{}/api/v1/statuses", a.base))
            .bearer_auth(&token)
            .json(&json!({"status": format!("queued {n}")}))
            .send()
            .await
            .expect("post");
        assert_eq!(res.status(), 200);
    }
    wait_until(
        "A to have the three deliveries queued",
        DEADLINE,
        || async {
            let out = a.cli(&["queue"]);
            let text = String::from_utf8_lossy(&out.stdout).to_string();
            let retried = text
                .lines()
                .any(|l| l.starts_with("pending\t") && !l.contains("\t0 attempt(s)"));
            (text.contains("pending: 3") && retried).then_some(())
        },
    )
    .await;
    a.kill();

    // A comes back, then B: each post arrives, once.
    a.start().await;
    let b = b_down.start().await;
    let home = wait_until("B to get the three posts", DEADLINE, || async {
        let (_, home) = b.get(&bob.token, "/api/v1/timelines/home").await;
        let texts = arrival_order(&home);
        (texts.len() == 3).then_some(texts)
    })
    .await;
    let mut home = home;
    home.sort();
    assert_eq!(
        home,
        vec!["<p>queued 1</p>", "<p>queued 2</p>", "<p>queued 3</p>"]
    );
    wait_until("A's queue to drain", DEADLINE, || async {
        (a.pending() == Some(0)).then_some(())
    })
    .await;
    let metrics = http()
        .get(b.at("/metrics"))
        .send()
        .await
        .expect("metrics")
        .text()
        .await
        .expect("text");
    let inbox_posts: u64 = metrics
        .lines()
        .filter(|l| {
            l.starts_with("interspace_http_requests_total{method=\"POST\"") && l.contains("inbox")
        })
        .filter_map(|l| l.rsplit(' ').next()?.parse::<u64>().ok())
        .sum();
    assert_eq!(inbox_posts, 3, "exactly one POST per post: {metrics}");
    drop(a);
    b.stop().await;
}

/// A post to 10,000 followers, each with an inbox of their own on a counting peer; the sender
/// is killed with `kill -9` while it delivers, and restarted. Every inbox gets the post; an
/// inbox gets it twice only if its POST was in flight at the kill (at most the worker's
/// concurrency).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_queued_deliveries_survive_kill_9() {
    const FOLLOWERS: usize = 10_000;
    let peer = FakePeer::start().await;
    let db = TestDb::create().await;
    let mut a = Served::new(&db);
    a.add_member("alice", "alice-password-1");
    for i in 0..FOLLOWERS {
        peer.answer(&format!("/inbox/{i}"), 202);
    }
    // The followers are written straight into A's database, as if each had followed.
    let clock = std::time::Instant::now();
    {
        let pool = interspace_db::DbPool::connect(&db.url, 2)
            .await
            .expect("pool");
        let mut conn = pool.begin().await.expect("begin");
        let alice = interspace_db::accounts::find_local_account_by_username(&mut conn, "alice")
            .await
            .expect("find")
            .expect("alice");
        for i in 0..FOLLOWERS {
            let name = format!("f{i}");
            let follower = interspace_tests::remote_person(
                &peer.base,
                &name,
                &format!("{}/inbox/{i}", peer.base),
                None,
            );
            interspace_tests::add_remote_follower(&mut conn, &alice.id, &follower).await;
        }
        conn.commit().await.expect("commit");
        pool.close();
    }
    let written = clock.elapsed();
    a.start().await;
    let token = a.token("alice", "alice-password-1").await;
    let clock = std::time::Instant::now();
    let res = http()
        .post(format!("{}/api/v1/statuses", a.base))
        .bearer_auth(&token)
        .json(&json!({"status": "to ten thousand"}))
        .send()
        .await
        .expect("post");
    assert_eq!(res.status(), 200);
    let received = || {
        peer.requests()
            .into_iter()
            .filter(|r| r.method == "POST" && r.path_and_query.starts_with("/inbox/"))
            .map(|r| r.path_and_query)
            .collect::<Vec<_>>()
    };
    let before_kill = wait_until("A to be delivering", Duration::from_secs(120), || async {
        let n = received().len();
        (n >= 1_100).then_some(n)
    })
    .await;
    a.kill();
    assert!(
        before_kill < FOLLOWERS,
        "every delivery was done before the kill: nothing was tested"
    );

    a.start().await;
    wait_until(
        "every inbox to get the post",
        Duration::from_secs(300),
        || async {
            let mut inboxes = received();
            inboxes.sort_unstable();
            inboxes.dedup();
            (inboxes.len() == FOLLOWERS).then_some(())
        },
    )
    .await;
    wait_until("A's queue to drain", DEADLINE, || async {
        (a.pending() == Some(0)).then_some(())
    })
    .await;
    let all = received();
    let twice = all.len() - FOLLOWERS;
    eprintln!(
        "{FOLLOWERS} followers written in {written:?}; killed after {before_kill} deliveries; \
         all delivered {:?} after the post, {twice} twice",
        clock.elapsed()
    );
    assert!(
        twice <= 16,
        "{twice} inboxes got the post twice (killed after {before_kill} deliveries)"
    );
    drop(a);
    peer.stop().await;
}

/// The deliveries A still has for the peer's shared inbox: (activity type, attempts, state).
async fn queued_for(a: &TestInstance, peer: &FakePeer) -> Vec<(String, i32, String, Value)> {
    interspace_app::outbox::undelivered(&a.ctx, 100)
        .await
        .expect("queue")
        .into_iter()
        .filter(|d| d.inbox == format!("{}/inbox", peer.base))
        .map(|d| {
            let json: Value = serde_json::from_str(&d.payload).expect("payload");
            (
                json["type"].as_str().unwrap_or_default().to_string(),
                d.attempts,
                d.state.to_string(),
                json,
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deliveries_keep_order_per_object_and_a_refusal_blocks_nothing() {
    let a = TestInstance::spawn_configured(0, |c| c.federation.retry_base_seconds = 0.2).await;
    let alice = a.user("alice").await;
    let peer = FakePeer::start().await;
    peer.add_person("mallory");
    peer.answer("/inbox", 202);
    assert_eq!(follow_from(&peer, &a, 1).await, 202);
    wait_until("the Accept to arrive", DEADLINE, || async {
        let (pending, _, events) = interspace_app::outbox::depth(&a.ctx).await.ok()?;
        (pending == 0 && events == 0).then_some(())
    })
    .await;

    // The peer is down: P's Create is retried and holds back P's Update and Delete, but not
    // Q's Create, which is about something else.
    peer.answer("/inbox", 503);
    let (_, p) = a
        .post(&alice.token, "/api/v1/statuses", json!({"status": "P"}))
        .await;
    let p_id = p["id"].as_str().expect("id").to_string();
    a.put(
        &alice.token,
        &format!("/api/v1/statuses/{p_id}"),
        json!({"status": "P edited"}),
    )
    .await;
    a.delete(&alice.token, &format!("/api/v1/statuses/{p_id}"))
        .await;
    let (_, q) = a
        .post(&alice.token, "/api/v1/statuses", json!({"status": "Q"}))
        .await;
    let p_uri = p["uri"].as_str().expect("uri").to_string();
    let q_uri = q["uri"].as_str().expect("uri").to_string();
    let about = |json: &Value, uri: &str| json["object"]["id"] == uri || json["object"] == uri;
    wait_until("P's and Q's Creates to be retried", DEADLINE, || async {
        let queued = queued_for(&a, &peer).await;
        let tried = |uri: &str| {
            queued
                .iter()
                .any(|(kind, n, _, j)| kind == "Create" && *n >= 2 && about(j, uri))
        };
        (queued.len() == 4 && tried(&p_uri) && tried(&q_uri)).then_some(())
    })
    .await;
    for (kind, attempts, _, json) in queued_for(&a, &peer).await {
        if kind != "Create" {
            assert!(about(&json, &p_uri), "{json}");
            assert_eq!(attempts, 0, "{kind} waits for P's Create");
        }
    }

    // Back up: everything arrives, P's activities in order.
    peer.answer("/inbox", 202);
    wait_until("the queue to drain", DEADLINE, || async {
        let (pending, _, events) = interspace_app::outbox::depth(&a.ctx).await.ok()?;
        (pending == 0 && events == 0).then_some(())
    })
    .await;
    let received: Vec<Value> = peer
        .requests()
        .iter()
        .filter(|r| r.method == "POST" && r.path_and_query == "/inbox")
        .filter_map(|r| serde_json::from_str(&r.body).ok())
        .collect();
    let about_p: Vec<&str> = received
        .iter()
        .filter(|j| about(j, &p_uri))
        .filter_map(|j| j["type"].as_str())
        .collect();
    // Attempts of P's Create (refused while down, then taken), then its Update and Delete.
    assert!(about_p.len() >= 3, "{about_p:?}");
    let (creates, rest) = about_p.split_at(about_p.len() - 2);
    assert!(creates.iter().all(|t| *t == "Create"), "{about_p:?}");
    assert_eq!(rest, ["Update", "Delete"], "{about_p:?}");

    // A refusal for good (403) is given up at once, and what follows is delivered.
    peer.answer("/inbox", 403);
    a.post(&alice.token, "/api/v1/statuses", json!({"status": "R"}))
        .await;
    let refused = wait_until("R to be given up", DEADLINE, || async {
        let queued = queued_for(&a, &peer).await;
        queued
            .into_iter()
            .find(|(kind, _, state, _)| kind == "Create" && state == "failed")
    })
    .await;
    assert_eq!(refused.1, 1, "one attempt, no retry");
    peer.answer("/inbox", 202);
    let before = peer.requests().len();
    a.post(&alice.token, "/api/v1/statuses", json!({"status": "S"}))
        .await;
    wait_until("S to arrive", DEADLINE, || async {
        peer.requests()[before..]
            .iter()
            .any(|r| r.method == "POST" && r.body.contains("<p>S</p>"))
            .then_some(())
    })
    .await;
    peer.stop().await;
    a.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_private_posts_delete_reaches_only_its_audience() {
    let a = TestInstance::spawn(0).await;
    let alice = a.user("alice").await;
    let (early, late) = (FakePeer::start().await, FakePeer::start().await);
    for peer in [&early, &late] {
        peer.add_person("mallory");
        peer.answer("/inbox", 202);
    }
    let settled = || async {
        let (pending, _, events) = interspace_app::outbox::depth(&a.ctx).await.ok()?;
        (pending == 0 && events == 0).then_some(())
    };
    assert_eq!(follow_from(&early, &a, 1).await, 202);
    wait_until("the first Accept", DEADLINE, settled).await;
    let (_, post) = a
        .post(
            &alice.token,
            "/api/v1/statuses",
            json!({"status": "for my followers", "visibility": "private"}),
        )
        .await;
    let uri = post["uri"].as_str().expect("uri").to_string();
    wait_until("the post to go out", DEADLINE, settled).await;
    // A follower who came after the post never hears of it, not even of its deletion.
    assert_eq!(follow_from(&late, &a, 2).await, 202);
    wait_until("the second Accept", DEADLINE, settled).await;
    a.delete(
        &alice.token,
        &format!("/api/v1/statuses/{}", post["id"].as_str().expect("id")),
    )
    .await;
    wait_until("the Delete to go out", DEADLINE, settled).await;
    let about = |peer: &FakePeer| {
        peer.requests()
            .iter()
            .filter(|r| r.method == "POST" && r.body.contains(&uri))
            .filter_map(|r| serde_json::from_str::<Value>(&r.body).ok())
            .filter_map(|j| j["type"].as_str().map(String::from))
            .collect::<Vec<_>>()
    };
    assert_eq!(about(&early), vec!["Create", "Delete"]);
    assert_eq!(about(&late), Vec::<String>::new());
    early.stop().await;
    late.stop().await;
    a.stop().await;
}
