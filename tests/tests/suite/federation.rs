//! Federation between instances: follows.

use interspace_tests::TestCluster;
use serde_json::{json, Value};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn follows_cross_instances_open_and_locked() {
    let cluster = TestCluster::spawn(2).await;
    let (a, b) = (&cluster[0], &cluster[1]);
    let alice = a.user("alice").await;
    let bob = b.user("bob").await;
    let bob_at_a = a.resolve(&alice.token, &format!("bob@{}", b.domain)).await;

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
    let cleo_at_a = a.resolve(&alice.token, &format!("cleo@{}", b.domain)).await;
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

fn contents(list: &Value) -> Vec<String> {
    list.as_array()
        .expect("list")
        .iter()
        .filter_map(|s| s["content"].as_str().map(String::from))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn posts_travel_with_their_visibility_and_interactions() {
    let cluster = TestCluster::spawn(3).await;
    let (a, b, c) = (&cluster[0], &cluster[1], &cluster[2]);
    let alice = a.user("alice").await;
    let bob = b.user("bob").await;
    let carl = c.user("carl").await;
    // alice (A) and carl (C) follow bob (B).
    for (inst, user) in [(a, &alice), (c, &carl)] {
        let id = inst
            .resolve(&user.token, &format!("bob@{}", b.domain))
            .await;
        inst.post(
            &user.token,
            &format!("/api/v1/accounts/{id}/follow"),
            json!({}),
        )
        .await;
    }
    cluster.settle().await;

    let post = |text: String, visibility: &'static str| {
        let token = bob.token.clone();
        async move {
            let (status, s) = b
                .post(
                    &token,
                    "/api/v1/statuses",
                    json!({"status": text, "visibility": visibility}),
                )
                .await;
            assert_eq!(status, 200);
            s
        }
    };
    post("hello fediverse".into(), "public").await;
    post("quiet hello".into(), "unlisted").await;
    post("followers only".into(), "private").await;
    post(format!("@alice@{} just for you", a.domain), "direct").await;
    cluster.settle().await;

    let (_, home_a) = a.get(&alice.token, "/api/v1/timelines/home").await;
    let texts = contents(&home_a);
    assert_eq!(texts.len(), 4, "alice sees all four: {texts:?}");
    assert!(texts.iter().any(|t| t.contains("just for you")));
    let (_, home_c) = c.get(&carl.token, "/api/v1/timelines/home").await;
    let texts_c = contents(&home_c);
    assert_eq!(
        texts_c.len(),
        3,
        "carl is not addressed by the direct message: {texts_c:?}"
    );
    assert!(!texts_c.iter().any(|t| t.contains("just for you")));
    // Only the public post reaches A's federated timeline; the DM notified alice.
    let (_, public_a) = a.get("", "/api/v1/timelines/public?remote=true").await;
    assert_eq!(contents(&public_a), vec!["<p>hello fediverse</p>"]);
    let (_, notes) = a.get(&alice.token, "/api/v1/notifications").await;
    assert_eq!(notes[0]["type"], "mention");
    assert_eq!(notes[0]["account"]["acct"], format!("bob@{}", b.domain));
    // A stranger on A cannot read the followers-only copy.
    let stranger = a.user("stranger").await;
    let private_at_a = home_a
        .as_array()
        .expect("list")
        .iter()
        .find(|s| s["visibility"] == "private")
        .expect("private")["id"]
        .as_str()
        .expect("id")
        .to_string();
    assert_eq!(
        a.get(&stranger.token, &format!("/api/v1/statuses/{private_at_a}"))
            .await
            .0,
        404
    );
    assert_eq!(
        a.get(&alice.token, &format!("/api/v1/statuses/{private_at_a}"))
            .await
            .0,
        200
    );

    // alice likes, boosts and replies to the public post; B counts and threads them.
    let public_at_a = home_a
        .as_array()
        .expect("list")
        .iter()
        .find(|s| s["visibility"] == "public")
        .expect("public")["id"]
        .as_str()
        .expect("id")
        .to_string();
    a.post(
        &alice.token,
        &format!("/api/v1/statuses/{public_at_a}/favourite"),
        json!({}),
    )
    .await;
    a.post(
        &alice.token,
        &format!("/api/v1/statuses/{public_at_a}/reblog"),
        json!({}),
    )
    .await;
    let (_, reply) = a
        .post(
            &alice.token,
            "/api/v1/statuses",
            json!({"status": format!("@bob@{} lovely", b.domain), "in_reply_to_id": public_at_a}),
        )
        .await;
    assert_eq!(reply["in_reply_to_id"], public_at_a);
    cluster.settle().await;
    let (_, bob_posts) = b
        .get(&bob.token, &format!("/api/v1/accounts/{}/statuses", bob.id))
        .await;
    let original = bob_posts
        .as_array()
        .expect("list")
        .iter()
        .find(|s| s["visibility"] == "public")
        .expect("public")
        .clone();
    assert_eq!(original["favourites_count"], 1);
    assert_eq!(original["reblogs_count"], 1);
    assert_eq!(original["replies_count"], 1);
    let oid = original["id"].as_str().expect("id");
    let (_, ctx) = b
        .get(&bob.token, &format!("/api/v1/statuses/{oid}/context"))
        .await;
    assert_eq!(
        ctx["descendants"][0]["account"]["acct"],
        format!("alice@{}", a.domain)
    );
    let (_, notes) = b.get(&bob.token, "/api/v1/notifications").await;
    let kinds: Vec<&str> = notes
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|n| n["type"].as_str())
        .collect();
    for kind in ["mention", "reblog", "favourite", "follow"] {
        assert!(kinds.contains(&kind), "{kind} in {kinds:?}");
    }
    // Undo travels too, and so does deletion.
    a.post(
        &alice.token,
        &format!("/api/v1/statuses/{public_at_a}/unfavourite"),
        json!({}),
    )
    .await;
    a.post(
        &alice.token,
        &format!("/api/v1/statuses/{public_at_a}/unreblog"),
        json!({}),
    )
    .await;
    cluster.settle().await;
    let (_, again) = b.get(&bob.token, &format!("/api/v1/statuses/{oid}")).await;
    assert_eq!(
        (
            again["favourites_count"].as_i64(),
            again["reblogs_count"].as_i64()
        ),
        (Some(0), Some(0))
    );
    let res = interspace_tests::http()
        .delete(b.at(&format!("/api/v1/statuses/{oid}")))
        .bearer_auth(&bob.token)
        .send()
        .await
        .expect("delete");
    assert_eq!(res.status(), 200);
    cluster.settle().await;
    assert_eq!(
        a.get(&alice.token, &format!("/api/v1/statuses/{public_at_a}"))
            .await
            .0,
        404,
        "deleted on A too"
    );
    let (_, home_c) = c.get(&carl.token, "/api/v1/timelines/home").await;
    assert!(
        !contents(&home_c)
            .iter()
            .any(|t| t.contains("hello fediverse")),
        "and on C"
    );
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn edits_and_profile_changes_reach_followers() {
    let cluster = TestCluster::spawn(2).await;
    let (a, b) = (&cluster[0], &cluster[1]);
    let alice = a.user("alice").await;
    let bob = b.user("bob").await;
    let bob_at_a = a.resolve(&alice.token, &format!("bob@{}", b.domain)).await;
    a.post(
        &alice.token,
        &format!("/api/v1/accounts/{bob_at_a}/follow"),
        json!({}),
    )
    .await;
    cluster.settle().await;
    let (_, post) = b
        .post(
            &bob.token,
            "/api/v1/statuses",
            json!({"status": "desk 4 is free"}),
        )
        .await;
    cluster.settle().await;
    let res = interspace_tests::http()
        .put(b.at(&format!(
            "/api/v1/statuses/{}",
            post["id"].as_str().expect("id")
        )))
        .bearer_auth(&bob.token)
        .json(&json!({"status": "desk 5 is free #update"}))
        .send()
        .await
        .expect("edit");
    assert_eq!(res.status(), 200);
    let res = interspace_tests::http()
        .patch(b.at("/api/v1/accounts/update_credentials"))
        .bearer_auth(&bob.token)
        .json(&json!({"display_name": "Bob the Host", "note": "front desk"}))
        .send()
        .await
        .expect("profile");
    assert_eq!(res.status(), 200);
    cluster.settle().await;

    let (_, home) = a.get(&alice.token, "/api/v1/timelines/home").await;
    assert_eq!(
        home[0]["content"].as_str().map(|c| c.contains("desk 5")),
        Some(true),
        "{home}"
    );
    assert!(home[0]["edited_at"].is_string());
    let sid = home[0]["id"].as_str().expect("id");
    let (_, history) = a
        .get(&alice.token, &format!("/api/v1/statuses/{sid}/history"))
        .await;
    assert_eq!(history.as_array().map(Vec::len), Some(2));
    let (_, bob_seen) = a
        .get(&alice.token, &format!("/api/v1/accounts/{bob_at_a}"))
        .await;
    assert_eq!(bob_seen["display_name"], "Bob the Host");
    assert_eq!(bob_seen["note"], "<p>front desk</p>");
    cluster.shutdown().await;
}
