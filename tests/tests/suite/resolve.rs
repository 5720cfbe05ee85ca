//! Instance A finds accounts elsewhere: WebFinger, then a fetch of the actor signed by A's
//! instance actor.

use interspace_app::members::{self, NewMember};
use interspace_core::roles::Role;
use interspace_tests::peer::FakePeer;
use interspace_tests::{signatures, TestCluster};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resolves_a_member_of_b() {
    let cluster = TestCluster::spawn(2).await;
    let (a, b) = (&cluster[0], &cluster[1]);
    members::add(
        &b.ctx,
        NewMember {
            username: "bob".into(),
            email: "bob@example.org".into(),
            password: None,
            role: Role::Member,
            display_name: Some("Bob of B".into()),
            approved: true,
        },
    )
    .await
    .expect("bob");

    let resolver = a.ctx.resolver().expect("resolver");
    let bob = resolver
        .resolve_acct(&a.ctx, &format!("bob@{}", b.domain))
        .await
        .expect("resolve bob");
    assert_eq!(bob.uri, b.at("/users/bob"));
    assert_eq!(bob.username, "bob");
    assert_eq!(bob.domain.as_deref(), Some(b.domain.as_str()));
    assert_eq!(bob.display_name, "Bob of B");
    assert_eq!(bob.inbox_url, b.at("/users/bob/inbox"));
    assert_eq!(
        bob.shared_inbox_url.as_deref(),
        Some(b.at("/inbox").as_str())
    );
    assert_eq!(
        bob.home_space_uri.as_deref(),
        Some(b.at("/spaces/space").as_str())
    );
    assert!(bob.private_key_pem.is_none());
    assert_eq!(
        interspace_app::accounts::acct(&bob),
        format!("bob@{}", b.domain)
    );

    // Stored: a second resolution is the same row.
    let again = resolver
        .resolve_acct(&a.ctx, &format!("@bob@{}", b.domain))
        .await
        .expect("again");
    assert_eq!(again.id, bob.id);
    let stored = interspace_app::accounts::find_by_uri(&a.ctx, &bob.uri)
        .await
        .expect("db")
        .expect("stored");
    assert_eq!(stored.id, bob.id);

    // The space of B resolves as a Group; unknown people are not found.
    let space = resolver
        .resolve_acct(&a.ctx, &format!("space@{}", b.domain))
        .await
        .expect("space");
    assert_eq!(space.actor_type, "Group");
    assert_eq!(space.display_name, "Space B");
    let missing = resolver
        .resolve_acct(&a.ctx, &format!("nobody@{}", b.domain))
        .await;
    assert!(
        matches!(missing, Err(interspace_app::AppError::NotFound(_))),
        "{missing:?}"
    );
    // Local handles resolve locally.
    let admin = resolver
        .resolve_acct(&a.ctx, &format!("admin@{}", a.domain))
        .await
        .expect("local");
    assert!(admin.domain.is_none());
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn actor_fetches_are_signed_by_the_instance_actor() {
    let cluster = TestCluster::spawn(1).await;
    let a = &cluster[0];
    let peer = FakePeer::start().await;
    peer.add_person("carol");

    let resolver = a.ctx.resolver().expect("resolver");
    let carol = resolver
        .resolve_acct(&a.ctx, &format!("carol@{}", peer.domain))
        .await
        .expect("resolve");
    // Remote HTML is sanitised on the way in.
    assert!(!carol.note.contains("script"), "{}", carol.note);
    assert!(carol.note.contains("hello"));
    assert!(carol.fields.contains("nofollow"), "{}", carol.fields);

    let requests = peer.requests();
    let fetch = requests
        .iter()
        .find(|r| r.path_and_query == "/users/carol")
        .expect("the actor was fetched");
    assert!(fetch.headers["accept"].contains("application/activity+json"));
    let signature = fetch.headers.get("signature").expect("the fetch is signed");
    let params = signatures::parse_signature(signature);
    assert_eq!(params["keyId"], a.at("/actor#main-key"));
    let listed: Vec<&str> = params["headers"].split_whitespace().collect();
    for required in ["(request-target)", "host", "date"] {
        assert!(
            listed.contains(&required),
            "{required} must be signed: {listed:?}"
        );
    }
    let instance = interspace_app::accounts::instance_actor(&a.ctx)
        .await
        .expect("instance actor");
    signatures::verify(
        signature,
        "GET",
        "/users/carol",
        &fetch.headers,
        &instance.public_key_pem,
    )
    .expect("the signature verifies with the instance actor's published key");
    // And not with another key.
    assert!(signatures::verify(
        signature,
        "GET",
        "/users/carol",
        &fetch.headers,
        &peer.public_key_pem
    )
    .is_err());

    // An actor document that claims an id on another host is refused.
    let mut forged = peer.add_person("mallory");
    forged["id"] = serde_json::json!(format!("{}/users/mallory", a.url));
    peer.put("/users/mallory", "application/activity+json", &forged);
    let res = resolver
        .resolve_acct(&a.ctx, &format!("mallory@{}", peer.domain))
        .await;
    assert!(res.is_err(), "{res:?}");
    let stored =
        interspace_app::accounts::find_by_uri(&a.ctx, &format!("{}/users/mallory", peer.base))
            .await
            .expect("db");
    assert!(stored.is_none());

    // HTML instead of ActivityStreams is refused.
    let actor = peer.add_person("dave");
    peer.put("/users/dave", "text/html", &actor);
    let res = resolver
        .resolve_acct(&a.ctx, &format!("dave@{}", peer.domain))
        .await;
    assert!(res.is_err(), "{res:?}");

    peer.stop().await;
    cluster.shutdown().await;
}
