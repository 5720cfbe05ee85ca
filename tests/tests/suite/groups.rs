//! Collections as other servers read them. The space as a group (FEP-1b12), with group
//! software and microblogs side by side: each follower's server gets a relayed post once, in
//! the shape it reads; a Lemmy user's post in the space reaches every follower; the Group reads
//! as Lemmy reads a community. A member's pinned posts (`featured`) and hidden followers.

use interspace_tests::peer::FakePeer;
use interspace_tests::{http, wait_until, TestCluster};
use serde_json::{json, Value};
use std::time::Duration;

const DEADLINE: Duration = Duration::from_secs(30);
const PUBLIC: &str = "https://www.w3.org/ns/activitystreams#Public";

/// A peer whose NodeInfo says it runs `software`, with one Person, `name`.
async fn peer_running(software: &str, name: &str) -> (FakePeer, String) {
    let peer = FakePeer::start().await;
    peer.put(
        "/.well-known/nodeinfo",
        "application/json",
        &json!({ "links": [{
            "rel": "http://nodeinfo.diaspora.software/ns/schema/2.0",
            "href": format!("{}/nodeinfo/2.0", peer.base),
        }]}),
    );
    peer.put(
        "/nodeinfo/2.0",
        "application/json",
        &json!({ "version": "2.0", "software": { "name": software, "version": "1.0" } }),
    );
    let actor = peer.add_person(name)["id"]
        .as_str()
        .expect("actor id")
        .to_string();
    (peer, actor)
}

/// The activities a peer received in its inboxes.
fn received(peer: &FakePeer) -> Vec<Value> {
    peer.requests()
        .iter()
        .filter(|r| r.method == "POST")
        .filter_map(|r| serde_json::from_str(&r.body).ok())
        .collect()
}

/// The Announces a peer received of `object` (an id), plain or as the object of a wrapped
/// activity.
fn announces_of(peer: &FakePeer, object: &str) -> Vec<Value> {
    received(peer)
        .into_iter()
        .filter(|a| a["type"] == "Announce")
        .filter(|a| a["object"] == object || a["object"]["object"]["id"] == object)
        .collect()
}

async fn fetch_ap(url: &str) -> Value {
    http()
        .get(url)
        .header("Accept", "application/activity+json")
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("json")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_follower_gets_a_relayed_post_once_in_the_shape_it_reads() {
    let cluster = TestCluster::spawn(2).await;
    let (a, b) = (&cluster[0], &cluster[1]);
    let alice = a.user("alice").await;
    let bob = b.user("bob").await;
    let space = a.at("/spaces/space");
    b.follow(&bob.token, &format!("space@{}", a.domain)).await;
    let (lemmy, lemmy_alpha) = peer_running("lemmy", "lemmy_alpha").await;
    let (masto, gargron) = peer_running("mastodon", "gargron").await;
    for (peer, actor) in [(&lemmy, &lemmy_alpha), (&masto, &gargron)] {
        let follow = json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": format!("{actor}/follows/1"), "type": "Follow",
            "actor": actor, "object": space,
        });
        assert_eq!(peer.deliver(actor, a, "/inbox", &follow).await, 202);
    }
    cluster.settle().await;

    // A member's post addressed to the space.
    let (status, post) = a
        .post(
            &alice.token,
            "/api/v1/statuses",
            json!({"status": "hello @space, who is in tomorrow?"}),
        )
        .await;
    assert_eq!(status, 200, "{post}");
    let note = post["uri"].as_str().expect("uri").to_string();
    cluster.settle().await;
    // Lemmy gets the wrapped Create only (it refuses a plain Announce with 400), with the
    // space as audience; Mastodon a plain boost only.
    let to_lemmy = wait_until("Lemmy to get the relayed post", DEADLINE, || async {
        let got = announces_of(&lemmy, &note);
        (!got.is_empty()).then_some(got)
    })
    .await;
    assert_eq!(to_lemmy.len(), 1, "once: {to_lemmy:?}");
    let relay = &to_lemmy[0];
    assert_eq!(relay["actor"], space);
    assert_eq!(relay["audience"], space);
    assert_eq!(relay["object"]["type"], "Create");
    assert_eq!(relay["object"]["actor"], a.at("/users/alice"));
    assert_eq!(relay["object"]["audience"], space);
    assert_eq!(relay["object"]["object"]["type"], "Note");
    assert_eq!(relay["object"]["object"]["audience"], space);
    let to_masto = announces_of(&masto, &note);
    assert_eq!(to_masto.len(), 1, "once: {to_masto:?}");
    assert_eq!(to_masto[0]["object"], note, "a plain boost");
    // Interspace reads the wrapped Create, and shows it as the space's boost, once.
    let (_, home) = b.get(&bob.token, "/api/v1/timelines/home").await;
    let boosts: Vec<&Value> = home
        .as_array()
        .expect("home")
        .iter()
        .filter(|p| p["reblog"]["uri"] == note)
        .collect();
    assert_eq!(boosts.len(), 1, "{home}");
    assert_eq!(boosts[0]["account"]["acct"], format!("space@{}", a.domain));

    // A Lemmy user's post in the space (to the space, `audience` the space) reaches every
    // follower: Interspace, Mastodon, and Lemmy again with the Create as Lemmy sent it.
    let page_id = format!("{}/post/1", lemmy.base);
    let page = json!({
        "type": "Page", "id": page_id, "attributedTo": lemmy_alpha,
        "to": [space, PUBLIC], "audience": space,
        "name": "Standing desks for the loft?",
        "content": "<p>Who would use one?</p>", "mediaType": "text/html",
        "published": "2026-12-01T10:00:00Z",
    });
    lemmy.put("/post/1", "application/activity+json", &page);
    let create_id = format!("{}/activities/create/1", lemmy.base);
    let create = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": create_id, "type": "Create", "actor": lemmy_alpha,
        "to": [PUBLIC], "cc": [space], "audience": space, "object": page,
    });
    assert_eq!(lemmy.deliver(&lemmy_alpha, a, "/inbox", &create).await, 202);
    cluster.settle().await;
    let to_masto = wait_until("Mastodon to get the Lemmy post", DEADLINE, || async {
        let got = announces_of(&masto, &page_id);
        (!got.is_empty()).then_some(got)
    })
    .await;
    assert_eq!(to_masto.len(), 1, "{to_masto:?}");
    assert_eq!(to_masto[0]["object"], page_id);
    let back_to_lemmy = announces_of(&lemmy, &page_id);
    assert_eq!(back_to_lemmy.len(), 1, "{back_to_lemmy:?}");
    assert_eq!(
        back_to_lemmy[0]["object"]["id"], create_id,
        "Lemmy's own Create"
    );
    assert_eq!(back_to_lemmy[0]["audience"], space);
    let (_, home) = b.get(&bob.token, "/api/v1/timelines/home").await;
    let relayed = home
        .as_array()
        .expect("home")
        .iter()
        .find(|p| p["reblog"]["uri"] == page_id)
        .unwrap_or_else(|| panic!("the Lemmy post reaches bob through the space: {home}"));
    let content = relayed["reblog"]["content"].as_str().expect("content");
    assert!(
        content.contains("Standing desks for the loft?") && content.contains("Who would use one?"),
        "a Page shows its title and its text: {content}"
    );
    // Someone who does not follow the space is not relayed, even when addressing it.
    let (stranger_peer, stranger) = peer_running("lemmy", "stranger").await;
    let spam_id = format!("{}/post/9", stranger_peer.base);
    let spam = json!({
        "type": "Page", "id": spam_id, "attributedTo": stranger,
        "to": [space, PUBLIC], "audience": space, "name": "Buy now", "content": "<p>!</p>",
    });
    let create = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{}/activities/create/9", stranger_peer.base), "type": "Create",
        "actor": stranger, "to": [PUBLIC], "cc": [space], "object": spam,
    });
    assert_eq!(
        stranger_peer.deliver(&stranger, a, "/inbox", &create).await,
        202
    );
    cluster.settle().await;
    assert!(announces_of(&masto, &spam_id).is_empty());

    // The member edits, then deletes, the relayed post: group software hears of each through
    // the space (an Announce of the Update, of the Delete); the boost is withdrawn where boosts
    // are read; Interspace checks each with the post's origin.
    let post_id = post["id"].as_str().expect("id").to_string();
    let (status, _) = a
        .put(
            &alice.token,
            &format!("/api/v1/statuses/{post_id}"),
            json!({"status": "hello @space, who is in on Friday?"}),
        )
        .await;
    assert_eq!(status, 200);
    cluster.settle().await;
    let wrapped = |kind: &'static str| {
        received(&lemmy)
            .into_iter()
            .filter(|x| x["type"] == "Announce" && x["object"]["type"] == kind)
            .filter(|x| x["object"]["object"]["id"] == note || x["object"]["object"] == note)
            .collect::<Vec<Value>>()
    };
    let updates = wrapped("Update");
    assert_eq!(updates.len(), 1, "{updates:?}");
    assert_eq!(updates[0]["audience"], space);
    assert!(updates[0]["object"]["object"]["content"]
        .as_str()
        .is_some_and(|c| c.contains("Friday")));
    let bobs_copy = || async {
        let (_, home) = b.get(&bob.token, "/api/v1/timelines/home").await;
        home.as_array()
            .expect("home")
            .iter()
            .find(|p| p["reblog"]["uri"] == note)
            .map(|p| {
                p["reblog"]["content"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string()
            })
    };
    let copy = bobs_copy().await.expect("bob still has it");
    assert!(copy.contains("Friday"), "B refreshed it from A: {copy}");
    let (status, _) = a
        .delete(&alice.token, &format!("/api/v1/statuses/{post_id}"))
        .await;
    assert_eq!(status, 200);
    cluster.settle().await;
    let deletes = wrapped("Delete");
    assert_eq!(deletes.len(), 1, "{deletes:?}");
    assert_eq!(deletes[0]["object"]["object"]["type"], "Tombstone");
    let undone: Vec<Value> = received(&masto)
        .into_iter()
        .filter(|x| x["type"] == "Undo" && x["object"]["object"] == note)
        .collect();
    assert_eq!(undone.len(), 1, "Mastodon's boost is withdrawn: {undone:?}");
    assert_eq!(bobs_copy().await, None, "gone from bob's home too");

    // The Group as Lemmy reads a community: moderators inline, posting open to followers,
    // recent posts in the outbox itself as Announces of Creates.
    let group = fetch_ap(&space).await;
    assert_eq!(group["moderators"], format!("{space}/moderators"));
    assert_eq!(group["attributedTo"], group["moderators"]);
    assert_eq!(group["postingRestrictedToMods"], false);
    let moderators = fetch_ap(&format!("{space}/moderators")).await;
    let listed = moderators["orderedItems"].as_array().expect("inline");
    assert_eq!(moderators["totalItems"], listed.len(), "{moderators}");
    assert!(moderators.get("first").is_none(), "not paged: {moderators}");
    let outbox = fetch_ap(&format!("{space}/outbox")).await;
    let items = outbox["orderedItems"].as_array().expect("items inline");
    assert_eq!(outbox["totalItems"], 1, "alice's post is gone: {outbox}");
    let lemmy_post = &items[0]["object"]["object"];
    assert_eq!(lemmy_post["id"], page_id);
    assert!(
        lemmy_post["content"]
            .as_str()
            .is_some_and(|c| c.contains("Standing desks")),
        "A shows a Page's title as B does: {lemmy_post}"
    );
    for item in items {
        assert_eq!(item["type"], "Announce", "{item}");
        assert_eq!(item["object"]["type"], "Create", "{item}");
        assert_eq!(item["object"]["object"]["audience"], space, "{item}");
    }
    for peer in [lemmy, masto, stranger_peer] {
        peer.stop().await;
    }
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pinned_posts_are_featured_and_followers_can_be_hidden() {
    let cluster = TestCluster::spawn(1).await;
    let a = &cluster[0];
    let alice = a.user("alice").await;
    let carol = a.user("carol").await;
    let (peer, follower) = peer_running("mastodon", "gargron").await;
    let follow = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{follower}/follows/1"), "type": "Follow",
        "actor": follower, "object": a.at("/users/alice"),
    });
    assert_eq!(peer.deliver(&follower, a, "/inbox", &follow).await, 202);
    let mut posts = Vec::new();
    for n in 0..6 {
        let (_, p) = a
            .post(
                &alice.token,
                "/api/v1/statuses",
                json!({"status": format!("post {n}")}),
            )
            .await;
        posts.push(p);
    }
    let (_, direct) = a
        .post(
            &alice.token,
            "/api/v1/statuses",
            json!({"status": "@carol psst", "visibility": "direct"}),
        )
        .await;
    let pin = |token: String, id: Value, on: bool| async move {
        let id = id.as_str().expect("id").to_string();
        let action = if on { "pin" } else { "unpin" };
        a.post(
            &token,
            &format!("/api/v1/statuses/{id}/{action}"),
            json!({}),
        )
        .await
    };
    let (status, pinned) = pin(alice.token.clone(), posts[0]["id"].clone(), true).await;
    assert_eq!((status, &pinned["pinned"]), (200, &json!(true)), "{pinned}");
    // Refusals are Mastodon's 422 with its error JSON.
    for (token, post, why) in [
        (&carol.token, &posts[1], "your own"),
        (&alice.token, &direct, "Direct"),
    ] {
        let (status, body) = pin(token.clone(), post["id"].clone(), true).await;
        assert_eq!(status, 422, "{body}");
        assert!(
            body["error"].as_str().is_some_and(|e| e.contains(why)),
            "{body}"
        );
    }
    for p in &posts[1..5] {
        assert_eq!(pin(alice.token.clone(), p["id"].clone(), true).await.0, 200);
    }
    let (status, body) = pin(alice.token.clone(), posts[5]["id"].clone(), true).await;
    assert_eq!(status, 422, "a sixth pin: {body}");
    assert_eq!(
        pin(alice.token.clone(), posts[4]["id"].clone(), false)
            .await
            .0,
        200
    );

    // The profile's pinned tab, and the actor's `featured` collection of Notes.
    let id = alice.id.clone();
    let (_, tab) = a
        .get("", &format!("/api/v1/accounts/{id}/statuses?pinned=true"))
        .await;
    let tab: Vec<&Value> = tab
        .as_array()
        .expect("list")
        .iter()
        .map(|p| &p["uri"])
        .collect();
    assert_eq!(tab.len(), 4);
    assert_eq!(tab[0], &posts[3]["uri"], "most recently pinned first");
    let actor = fetch_ap(&a.at("/users/alice")).await;
    let featured = fetch_ap(actor["featured"].as_str().expect("featured")).await;
    assert_eq!(featured["totalItems"], 4, "{featured}");
    assert_eq!(featured["orderedItems"][0]["type"], "Note");
    assert_eq!(featured["orderedItems"][0]["id"], posts[3]["uri"]);
    // Followers' servers hear of each pin and unpin (Mastodon's Add and Remove).
    let featured_url = actor["featured"].clone();
    let said = wait_until("the follower to hear of the pins", DEADLINE, || async {
        let got: Vec<Value> = received(&peer)
            .into_iter()
            .filter(|x| x["target"] == featured_url)
            .collect();
        (got.len() >= 6).then_some(got)
    })
    .await;
    let adds = said.iter().filter(|x| x["type"] == "Add").count();
    let removes: Vec<&Value> = said.iter().filter(|x| x["type"] == "Remove").collect();
    assert_eq!((adds, removes.len()), (5, 1), "{said:?}");
    assert_eq!(removes[0]["object"], posts[4]["uri"]);

    // Hidden followers: the count stays, the names go, except for the owner.
    let (status, me) = a
        .patch(
            &alice.token,
            "/api/v1/accounts/update_credentials",
            json!({"hide_collections": true}),
        )
        .await;
    assert_eq!(
        (status, &me["hide_collections"]),
        (200, &json!(true)),
        "{me}"
    );
    let followers = fetch_ap(&a.at("/users/alice/followers")).await;
    assert_eq!(followers["totalItems"], 1, "{followers}");
    assert!(followers.get("first").is_none(), "{followers}");
    let page = fetch_ap(&a.at("/users/alice/followers?page=1")).await;
    assert!(page.get("orderedItems").is_none(), "{page}");
    let (_, to_others) = a.get("", &format!("/api/v1/accounts/{id}/followers")).await;
    assert_eq!(to_others, json!([]));
    let (_, to_her) = a
        .get(&alice.token, &format!("/api/v1/accounts/{id}/followers"))
        .await;
    assert_eq!(to_her.as_array().map(Vec::len), Some(1), "{to_her}");
    peer.stop().await;
    cluster.shutdown().await;
}

/// A GET of `url` on `a`, signed by `actor` of `peer` (or unsigned).
async fn fetch_as(
    a: &interspace_tests::TestInstance,
    peer: &FakePeer,
    actor: Option<&str>,
    url: &str,
) -> (u16, Value) {
    let path = url.strip_prefix(&a.url).expect("a URL of the instance");
    let mut req = http()
        .get(url)
        .header("Accept", "application/activity+json");
    if let Some(actor) = actor {
        for (k, v) in interspace_tests::signatures::sign_get(
            &format!("{actor}#main-key"),
            &peer.private_key_pem,
            &a.domain,
            path,
        ) {
            req = req.header(k, v);
        }
    }
    let res = req.send().await.expect("get");
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn private_posts_are_fetched_only_by_their_audience() {
    let cluster = TestCluster::spawn(1).await;
    let a = &cluster[0];
    let alice = a.user("alice").await;
    let (peer, fan) = peer_running("mastodon", "fan").await;
    let stranger = peer.add_person("stranger")["id"]
        .as_str()
        .expect("id")
        .to_string();
    let follow = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{fan}/follows/1"), "type": "Follow",
        "actor": fan, "object": a.at("/users/alice"),
    });
    assert_eq!(peer.deliver(&fan, a, "/inbox", &follow).await, 202);
    cluster.settle().await;
    let (_, private) = a
        .post(
            &alice.token,
            "/api/v1/statuses",
            json!({"status": "followers only", "visibility": "private"}),
        )
        .await;
    let (_, direct) = a
        .post(
            &alice.token,
            "/api/v1/statuses",
            json!({"status": format!("@stranger@{} just you", peer.domain), "visibility": "direct"}),
        )
        .await;
    let private = private["uri"].as_str().expect("uri").to_string();
    let direct = direct["uri"].as_str().expect("uri").to_string();
    for (url, allowed, refused) in [(&private, &fan, &stranger), (&direct, &stranger, &fan)] {
        assert_eq!(
            fetch_as(a, &peer, None, url).await.0,
            404,
            "unsigned: {url}"
        );
        assert_eq!(
            fetch_as(a, &peer, Some(refused), url).await.0,
            404,
            "not addressed to {refused}: {url}"
        );
        let (status, note) = fetch_as(a, &peer, Some(allowed), url).await;
        assert_eq!(status, 200, "{allowed} reads {url}: {note}");
        assert_eq!(note["id"], *url);
    }
    let (_, note) = fetch_as(a, &peer, Some(&fan), &private).await;
    assert_eq!(
        note["to"],
        json!([a.at("/users/alice/followers")]),
        "{note}"
    );
    // A signature that does not verify is refused, not read as anonymous.
    let (other_peer, _) = peer_running("mastodon", "x").await;
    let forged = fetch_as(a, &other_peer, Some(&fan), &private).await.0;
    assert_eq!(forged, 401);
    for p in [peer, other_peer] {
        p.stop().await;
    }
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rfc9421_signatures_are_accepted_and_a_401_says_what_we_accept() {
    let cluster = TestCluster::spawn(1).await;
    let a = &cluster[0];
    a.user("alice").await;
    let (peer, fan) = peer_running("mastodon", "fan").await;
    let follow = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{fan}/follows/9421"), "type": "Follow",
        "actor": fan, "object": a.at("/users/alice"),
    });
    let body = follow.to_string().into_bytes();
    let send = |headers: Vec<(String, String)>, body: Vec<u8>| async move {
        let mut req = http()
            .post(a.at("/users/alice/inbox"))
            .header("Content-Type", "application/activity+json");
        for (k, v) in headers {
            req = req.header(k, v);
        }
        req.body(body).send().await.expect("post")
    };
    let unsigned = send(vec![], body.clone()).await;
    assert_eq!(unsigned.status(), 401);
    let accept = unsigned
        .headers()
        .get("accept-signature")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    assert!(
        accept.contains("\"@target-uri\"") && accept.contains("\"content-digest\""),
        "{accept}"
    );
    let headers = interspace_tests::signatures::sign_rfc9421(
        &format!("{fan}#main-key"),
        &peer.private_key_pem,
        &a.at("/users/alice/inbox"),
        &body,
    );
    // Another body under the same signature: refused.
    let mut other = follow.clone();
    other["object"] = json!(a.at("/spaces/space"));
    let tampered = send(headers.clone(), other.to_string().into_bytes()).await;
    assert_eq!(tampered.status(), 401);
    let res = send(headers, body).await;
    assert_eq!(res.status(), 202, "{:?}", res.text().await);
    let (_, followers) = a
        .get(
            "",
            &format!("/api/v1/accounts/{}/followers", {
                let (_, me) = a.get("", "/api/v1/accounts/lookup?acct=alice").await;
                me["id"].as_str().expect("id").to_string()
            }),
        )
        .await;
    assert_eq!(
        followers[0]["url"].as_str().map(|u| u.contains("fan")),
        Some(true),
        "{followers}"
    );
    peer.stop().await;
    cluster.shutdown().await;
}
