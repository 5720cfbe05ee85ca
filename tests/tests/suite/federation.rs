//! Federation between instances: follows.

use interspace_tests::TestCluster;
use serde_json::{json, Value};

/// The local id of `user@domain` on instance `at`, resolved like a client would.
async fn resolve(at: &interspace_tests::TestInstance, token: &str, acct: &str) -> String {
    let (status, found) = at
        .get(
            token,
            &format!("/api/v2/search?q={acct}&resolve=true&type=accounts"),
        )
        .await;
    assert_eq!(status, 200);
    found["accounts"][0]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{acct} not found: {found}"))
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn follows_cross_instances_open_and_locked() {
    let cluster = TestCluster::spawn(2).await;
    let (a, b) = (&cluster[0], &cluster[1]);
    let alice = a.user("alice").await;
    let bob = b.user("bob").await;
    let bob_at_a = resolve(a, &alice.token, &format!("bob@{}", b.domain)).await;

    let (status, rel) = a
        .post(
            &alice.token,
            &format!("/api/v1/accounts/{bob_at_a}/follow"),
            json!({}),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(rel["requested"], true, "waits for B's Accept");
    cluster.settle().await;
    let (_, rel) = a
        .get(
            &alice.token,
            &format!("/api/v1/accounts/relationships?id={bob_at_a}"),
        )
        .await;
    assert_eq!(rel[0]["following"], true, "B accepted: {rel}");
    // B knows alice as a follower and told bob.
    let (_, followers) = b
        .get(
            &bob.token,
            &format!("/api/v1/accounts/{}/followers", bob.id),
        )
        .await;
    assert_eq!(followers[0]["acct"], format!("alice@{}", a.domain));
    let (_, notes) = b.get(&bob.token, "/api/v1/notifications").await;
    assert_eq!(notes[0]["type"], "follow");
    let actor: Value = interspace_tests::http()
        .get(b.at("/users/bob/followers"))
        .header("Accept", "application/activity+json")
        .send()
        .await
        .expect("followers")
        .json()
        .await
        .expect("json");
    assert_eq!(actor["totalItems"], 1);

    // Unfollow travels as Undo(Follow).
    a.post(
        &alice.token,
        &format!("/api/v1/accounts/{bob_at_a}/unfollow"),
        json!({}),
    )
    .await;
    cluster.settle().await;
    let (_, followers) = b
        .get(
            &bob.token,
            &format!("/api/v1/accounts/{}/followers", bob.id),
        )
        .await;
    assert_eq!(followers, json!([]));

    // A locked account answers by hand.
    let cleo = b.user("cleo").await;
    let mut conn = b.ctx.db.get().await.expect("conn");
    interspace_db::accounts::update_account_profile(
        &mut conn,
        &cleo.id,
        &interspace_db::accounts::AccountProfileChanges {
            locked: Some(true),
            ..Default::default()
        },
    )
    .await
    .expect("lock");
    drop(conn);
    let cleo_at_a = resolve(a, &alice.token, &format!("cleo@{}", b.domain)).await;
    a.post(
        &alice.token,
        &format!("/api/v1/accounts/{cleo_at_a}/follow"),
        json!({}),
    )
    .await;
    cluster.settle().await;
    let (_, rel) = a
        .get(
            &alice.token,
            &format!("/api/v1/accounts/relationships?id={cleo_at_a}"),
        )
        .await;
    assert_eq!(rel[0]["requested"], true);
    let (_, requests) = b.get(&cleo.token, "/api/v1/follow_requests").await;
    let alice_at_b = requests[0]["id"].as_str().expect("request").to_string();
    assert_eq!(requests[0]["acct"], format!("alice@{}", a.domain));
    b.post(
        &cleo.token,
        &format!("/api/v1/follow_requests/{alice_at_b}/authorize"),
        json!({}),
    )
    .await;
    cluster.settle().await;
    let (_, rel) = a
        .get(
            &alice.token,
            &format!("/api/v1/accounts/relationships?id={cleo_at_a}"),
        )
        .await;
    assert_eq!(rel[0]["following"], true);
    let (pending, failed, events) = interspace_app::outbox::depth(&a.ctx).await.expect("depth");
    assert_eq!((pending, failed, events), (0, 0, 0));
    cluster.shutdown().await;
}
