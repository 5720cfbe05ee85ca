//! Blocks, account deletion, the space as a relaying group, and authorized fetch, across
//! instances.

use interspace_tests::{http, TestCluster, TestInstance};
use serde_json::{json, Value};

async fn relationship(at: &TestInstance, token: &str, id: &str) -> Value {
    at.get(token, &format!("/api/v1/accounts/relationships?id={id}"))
        .await
        .1[0]
        .clone()
}

async fn fetch_ap(url: &str) -> (u16, Value) {
    let res = http()
        .get(url)
        .header("Accept", "application/activity+json")
        .send()
        .await
        .expect("get");
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blocks_travel_and_end_follows_both_ways() {
    let cluster = TestCluster::spawn(2).await;
    let (a, b) = (&cluster[0], &cluster[1]);
    let alice = a.user("alice").await;
    let bob = b.user("bob").await;
    let alice_at_b = b.follow(&bob.token, &format!("alice@{}", a.domain)).await;
    let bob_at_a = a.follow(&alice.token, &format!("bob@{}", b.domain)).await;
    cluster.settle().await;
    let rel = relationship(b, &bob.token, &alice_at_b).await;
    assert_eq!(
        (&rel["following"], &rel["followed_by"]),
        (&json!(true), &json!(true))
    );

    let (status, rel) = a
        .post(
            &alice.token,
            &format!("/api/v1/accounts/{bob_at_a}/block"),
            json!({}),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(rel["blocking"], true);
    cluster.settle().await;
    let rel = relationship(b, &bob.token, &alice_at_b).await;
    assert_eq!(rel["following"], false, "B ended bob's follow: {rel}");
    assert_eq!(rel["followed_by"], false);
    assert_eq!(rel["blocked_by"], true);

    a.post(
        &alice.token,
        &format!("/api/v1/accounts/{bob_at_a}/unblock"),
        json!({}),
    )
    .await;
    cluster.settle().await;
    let rel = relationship(b, &bob.token, &alice_at_b).await;
    assert_eq!(rel["blocked_by"], false, "Undo(Block) lifted it: {rel}");
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deleted_account_disappears_everywhere_and_its_actor_is_gone() {
    let cluster = TestCluster::spawn(2).await;
    let (a, b) = (&cluster[0], &cluster[1]);
    let carol = a.user("carol").await;
    let bob = b.user("bob").await;
    let carol_at_b = b.follow(&bob.token, &format!("carol@{}", a.domain)).await;
    cluster.settle().await;
    let (_, post) = a
        .post(
            &carol.token,
            "/api/v1/statuses",
            json!({"status": "goodbye"}),
        )
        .await;
    let note_uri = post["uri"].as_str().expect("uri").to_string();
    cluster.settle().await;
    let (_, home) = b.get(&bob.token, "/api/v1/timelines/home").await;
    assert_eq!(home.as_array().map(Vec::len), Some(1));
    assert_eq!(fetch_ap(&note_uri).await.0, 200, "a public post is served");

    interspace_app::members::remove(&a.ctx, "carol")
        .await
        .expect("remove");
    cluster.settle().await;
    let (_, home) = b.get(&bob.token, "/api/v1/timelines/home").await;
    assert_eq!(home, json!([]), "the Delete reached B");
    let rel = relationship(b, &bob.token, &carol_at_b).await;
    assert_eq!(rel["following"], false);
    let (_, following) = b
        .get(
            &bob.token,
            &format!("/api/v1/accounts/{}/following", bob.id),
        )
        .await;
    assert_eq!(following, json!([]));

    assert_eq!(fetch_ap(&a.at("/users/carol")).await.0, 410);
    assert_eq!(fetch_ap(&note_uri).await.0, 410);
    let (status, _) = a
        .get(
            "",
            &format!("/.well-known/webfinger?resource=acct:carol@{}", a.domain),
        )
        .await;
    assert_eq!(status, 404);
    let (status, _) = a
        .get(&carol.token, "/api/v1/accounts/verify_credentials")
        .await;
    assert_eq!(status, 401, "the account's tokens went with it");
    // The name stays taken.
    let again = interspace_app::members::add(
        &a.ctx,
        interspace_app::members::NewMember {
            username: "carol".into(),
            email: "carol2@example.org".into(),
            password: Some("carol-password-2".into()),
            role: interspace_core::roles::Role::Member,
            display_name: None,
            approved: true,
        },
    )
    .await;
    assert!(again.is_err(), "a deleted account's name is not reused");
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_space_relays_posts_addressed_to_it() {
    let cluster = TestCluster::spawn(3).await;
    let (a, b, c) = (&cluster[0], &cluster[1], &cluster[2]);
    let alice = a.user("alice").await;
    let bob = b.user("bob").await;
    let carl = c.user("carl").await;
    // bob and carl follow the space of A, not alice.
    b.follow(&bob.token, &format!("space@{}", a.domain)).await;
    c.follow(&carl.token, &format!("space@{}", a.domain)).await;
    cluster.settle().await;

    for (text, visibility) in [
        ("hello @space, anyone for lunch?", "public"),
        ("nothing for the space", "public"),
        ("@space members only", "private"),
    ] {
        let (status, _) = a
            .post(
                &alice.token,
                "/api/v1/statuses",
                json!({"status": text, "visibility": visibility}),
            )
            .await;
        assert_eq!(status, 200);
    }
    cluster.settle().await;
    for (inst, user) in [(b, &bob), (c, &carl)] {
        let (_, home) = inst.get(&user.token, "/api/v1/timelines/home").await;
        let items = home.as_array().expect("timeline");
        assert_eq!(items.len(), 1, "only the public post to the space: {home}");
        assert_eq!(items[0]["account"]["acct"], format!("space@{}", a.domain));
        let original = &items[0]["reblog"];
        assert!(original["content"]
            .as_str()
            .expect("content")
            .contains("anyone for lunch"));
        assert_eq!(original["account"]["acct"], format!("alice@{}", a.domain));
    }
    // The space's members are a real collection: every member counted, only those who chose
    // the directory named.
    let (_, group) = fetch_ap(&a.at("/spaces/space")).await;
    let members_url = group["members"].as_str().expect("members").to_string();
    let listed = || async {
        let (_, page) = fetch_ap(&format!("{members_url}?page=1")).await;
        page["orderedItems"].as_array().expect("items").clone()
    };
    assert_eq!(listed().await, Vec::<Value>::new(), "nobody opted in yet");
    let (_, all) = fetch_ap(&members_url).await;
    let counted = all["totalItems"].as_i64().expect("count");
    assert!(counted >= 2, "the administrator and alice count: {all}");
    let (status, _) = a
        .patch(
            &alice.token,
            "/api/interspace/v1/me",
            json!({"directory_opt_in": true}),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(listed().await, vec![json!(a.at("/users/alice"))]);
    assert_eq!(fetch_ap(&members_url).await.1["totalItems"], counted);
    let (_, followers) = fetch_ap(&a.at("/spaces/space/followers")).await;
    assert_eq!(followers["totalItems"], 2);
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn authorized_fetch_requires_signed_gets() {
    let a = TestInstance::spawn_configured(0, |c| c.federation.authorized_fetch = true).await;
    let b = TestInstance::spawn(1).await;
    let alice = a.user("alice").await;
    let bob = b.user("bob").await;
    assert_eq!(fetch_ap(&a.at("/users/alice")).await.0, 401);
    assert_eq!(fetch_ap(&a.at("/users/alice/followers")).await.0, 401);
    assert_eq!(fetch_ap(&a.at("/spaces/space")).await.0, 401);
    assert_eq!(
        fetch_ap(&a.at("/actor")).await.0,
        200,
        "the instance actor stays public"
    );
    // B signs its fetches: it resolves and follows alice, and her posts reach bob.
    let cluster = TestCluster {
        instances: vec![a, b],
    };
    let (a, b) = (&cluster[0], &cluster[1]);
    b.follow(&bob.token, &format!("alice@{}", a.domain)).await;
    cluster.settle().await;
    a.post(
        &alice.token,
        "/api/v1/statuses",
        json!({"status": "signed only"}),
    )
    .await;
    cluster.settle().await;
    let (_, home) = b.get(&bob.token, "/api/v1/timelines/home").await;
    assert_eq!(home.as_array().map(Vec::len), Some(1), "{home}");
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn likes_are_new_activities_and_undo_by_id_works() {
    use interspace_tests::peer::FakePeer;
    let cluster = TestCluster::spawn(2).await;
    let (a, b) = (&cluster[0], &cluster[1]);
    let alice = a.user("alice").await;
    let bob = b.user("bob").await;
    a.follow(&alice.token, &format!("bob@{}", b.domain)).await;
    cluster.settle().await;
    let (_, post) = b
        .post(&bob.token, "/api/v1/statuses", json!({"status": "like me"}))
        .await;
    let uri = post["uri"].as_str().expect("uri").to_string();
    cluster.settle().await;
    let (_, home) = a.get(&alice.token, "/api/v1/timelines/home").await;
    let at_a = home[0]["id"].as_str().expect("post at A").to_string();
    let count_at_b = || async {
        b.get(
            &bob.token,
            &format!("/api/v1/statuses/{}", post["id"].as_str().expect("id")),
        )
        .await
        .1["favourites_count"]
            .clone()
    };
    // Like, unlike, like again: three activities, the last one counts.
    for (action, expected) in [("favourite", 1), ("unfavourite", 0), ("favourite", 1)] {
        a.post(
            &alice.token,
            &format!("/api/v1/statuses/{at_a}/{action}"),
            json!({}),
        )
        .await;
        cluster.settle().await;
        assert_eq!(count_at_b().await, json!(expected), "after {action}");
    }

    // A peer that undoes its Like by id only (as Mitra does).
    let peer = FakePeer::start().await;
    let actor = peer.add_person("mia")["id"]
        .as_str()
        .expect("id")
        .to_string();
    let send = |activity: Value| {
        let (peer, actor) = (&peer, &actor);
        async move { peer.deliver(actor, b, "/inbox", &activity).await }
    };
    let like_id = format!("{}/activities/like-1", peer.base);
    let like = json!({"id": like_id, "type": "Like", "actor": actor, "object": uri});
    assert_eq!(send(like).await, 202);
    assert_eq!(count_at_b().await, json!(2));
    let undo = json!({"id": format!("{}/activities/undo-1", peer.base), "type": "Undo", "actor": actor, "object": like_id});
    assert_eq!(send(undo).await, 202);
    assert_eq!(
        count_at_b().await,
        json!(1),
        "the Undo by id took the like back"
    );
    peer.stop().await;
    cluster.shutdown().await;
}
