//! Actor documents of each kind, content negotiation and collections.

use interspace_app::members::{self, NewMember};
use interspace_core::roles::Role;
use interspace_tests::{http, TestCluster};
use serde_json::Value;

const AP: &str = "application/activity+json";
const LD: &str = r#"application/ld+json; profile="https://www.w3.org/ns/activitystreams""#;

async fn get_json(url: &str, accept: &str) -> (reqwest::header::HeaderMap, Value) {
    let res = http()
        .get(url)
        .header("Accept", accept)
        .send()
        .await
        .expect("get");
    assert_eq!(res.status(), 200, "{url}");
    let headers = res.headers().clone();
    (headers, res.json().await.expect("json"))
}

fn assert_actor_basics(doc: &Value, id: &str, kind: &str, base: &str) {
    assert_eq!(doc["type"], kind);
    assert_eq!(doc["id"], id);
    for key in ["inbox", "outbox", "followers", "following"] {
        assert_eq!(doc[key], format!("{id}/{key}"), "{key}");
    }
    assert_eq!(doc["endpoints"]["sharedInbox"], format!("{base}/inbox"));
    assert!(doc["preferredUsername"].is_string());
    assert!(doc["name"].is_string());
    assert!(doc["summary"].is_string());
    assert!(doc["url"].is_string());
    assert!(doc["published"].is_string());
    assert!(doc["manuallyApprovesFollowers"].is_boolean());
    assert!(doc["discoverable"].is_boolean());
    assert_eq!(doc["publicKey"]["id"], format!("{id}#main-key"));
    assert_eq!(doc["publicKey"]["owner"], id);
    let pem = doc["publicKey"]["publicKeyPem"].as_str().expect("pem");
    let key = openssl::pkey::PKey::public_key_from_pem(pem.as_bytes()).expect("a valid public key");
    assert_eq!(key.bits(), 2048);
    let context = doc["@context"].as_array().expect("@context array");
    assert_eq!(context[0], "https://www.w3.org/ns/activitystreams");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn person_group_and_application_documents() {
    let cluster = TestCluster::spawn(1).await;
    let a = &cluster[0];
    members::add(
        &a.ctx,
        NewMember {
            username: "hana".into(),
            email: "hana@example.org".into(),
            password: Some("correct horse".into()),
            role: Role::Host,
            display_name: Some("Hana".into()),
            approved: true,
        },
    )
    .await
    .expect("add member");

    let person = a.at("/users/hana");
    let (headers, doc) = get_json(&person, AP).await;
    assert!(headers["content-type"]
        .to_str()
        .expect("ct")
        .starts_with("application/activity+json"));
    assert_eq!(headers["vary"], "Accept");
    assert_actor_basics(&doc, &person, "Person", &a.url);
    assert_eq!(doc["preferredUsername"], "hana");
    assert_eq!(doc["name"], "Hana");
    assert_eq!(doc["homeSpace"], a.at("/spaces/space"));

    let space = a.at("/spaces/space");
    let (_, doc) = get_json(&space, LD).await;
    assert_actor_basics(&doc, &space, "Group", &a.url);
    assert_eq!(doc["name"], "Space A");
    assert_eq!(doc["location"]["type"], "Place");
    let moderators = doc["attributedTo"].as_str().expect("moderators collection");
    assert_eq!(moderators, a.at("/spaces/space/moderators"));
    let (_, page) = get_json(&format!("{moderators}?page=1"), LD).await;
    let staff: Vec<&str> = page["orderedItems"]
        .as_array()
        .expect("staff")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(
        staff.contains(&a.at("/users/admin").as_str()),
        "operator is staff: {staff:?}"
    );
    assert!(
        staff.contains(&person.as_str()),
        "hosts are staff: {staff:?}"
    );
    let fields = doc["attachment"].as_array().expect("fields");
    assert!(fields.iter().all(|f| f["type"] == "PropertyValue"));
    assert!(fields.iter().any(|f| f["name"] == "Visit policy"));

    // The instance actor answers JSON whatever the Accept header says.
    let instance = a.at("/actor");
    let (_, doc) = get_json(&instance, "*/*").await;
    assert_actor_basics(&doc, &instance, "Application", &a.url);

    // A member's space handle is not a person, and unknown names are 404.
    for path in [
        "/users/space",
        "/users/nobody",
        "/spaces/hana",
        "/spaces/nothing",
    ] {
        let res = http()
            .get(a.at(path))
            .header("Accept", AP)
            .send()
            .await
            .expect("get");
        assert_eq!(res.status(), 404, "{path}");
    }
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn content_negotiation_serves_html_to_browsers() {
    let cluster = TestCluster::spawn(1).await;
    let a = &cluster[0];
    for path in ["/users/admin", "/spaces/space"] {
        for accept in [
            "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
            "*/*",
            "",
        ] {
            let mut req = http().get(a.at(path));
            if !accept.is_empty() {
                req = req.header("Accept", accept);
            }
            let res = req.send().await.expect("get");
            assert_eq!(res.status(), 200);
            assert!(
                res.headers()["content-type"]
                    .to_str()
                    .expect("ct")
                    .starts_with("text/html"),
                "{path} {accept}"
            );
            let vary = res.headers()["vary"].to_str().expect("vary");
            assert!(vary.contains("Accept"), "{vary}");
            assert_eq!(res.headers()["x-frame-options"], "DENY");
            let body = res.text().await.expect("body");
            assert!(body.contains("<main"));
        }
        let (_, doc) = get_json(&a.at(path), "application/activity+json, text/html;q=0.5").await;
        assert!(doc["id"].as_str().expect("id").ends_with(path));
    }
    let res = http().get(a.at("/users/nobody")).send().await.expect("get");
    assert_eq!(res.status(), 404);
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn collections_are_paged_ordered_collections() {
    let cluster = TestCluster::spawn(1).await;
    let a = &cluster[0];
    for actor in ["/users/admin", "/spaces/space"] {
        for coll in ["followers", "following", "outbox"] {
            let id = a.at(&format!("{actor}/{coll}"));
            let (_, doc) = get_json(&id, AP).await;
            assert_eq!(doc["type"], "OrderedCollection");
            assert_eq!(doc["id"], id);
            assert_eq!(doc["totalItems"], 0);
            let first = doc["first"].as_str().expect("first").to_string();
            let (_, page) = get_json(&first, AP).await;
            assert_eq!(page["type"], "OrderedCollectionPage");
            assert_eq!(page["partOf"], id);
            assert_eq!(page["orderedItems"].as_array().map(Vec::len), Some(0));
            assert!(page.get("next").is_none());
        }
    }
    let (_, doc) = get_json(&a.at("/actor/outbox"), AP).await;
    assert_eq!(doc["totalItems"], 0);
    for (path, status) in [
        ("/users/admin/followers?page=abc", 400),
        ("/users/admin/followers?page=0", 400),
        ("/users/admin/likes", 404),
        ("/users/nobody/followers", 404),
    ] {
        let res = http()
            .get(a.at(path))
            .header("Accept", AP)
            .send()
            .await
            .expect("get");
        assert_eq!(res.status(), status, "{path}");
        let body: Value = res.json().await.expect("error json");
        assert!(body["error"].is_string(), "{path}");
    }
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_outbox_holds_the_public_activities_with_a_true_count() {
    let cluster = TestCluster::spawn(1).await;
    let a = &cluster[0];
    let alice = a.user("alice").await;
    let bob = a.user("bob").await;
    let mut ids = vec![];
    for (text, visibility) in [
        ("for everyone", "public"),
        ("quietly public", "unlisted"),
        ("followers only", "private"),
        ("just for bob @bob", "direct"),
    ] {
        let (status, post) = a
            .post(
                &alice.token,
                "/api/v1/statuses",
                serde_json::json!({"status": text, "visibility": visibility}),
            )
            .await;
        assert_eq!(status, 200, "{post}");
        ids.push(post["id"].as_str().expect("id").to_string());
    }
    let (status, _) = a
        .post(
            &bob.token,
            &format!("/api/v1/statuses/{}/reblog", ids[0]),
            serde_json::json!({}),
        )
        .await;
    assert_eq!(status, 200);

    let outbox = a.at("/users/alice/outbox");
    let (_, doc) = get_json(&outbox, AP).await;
    assert_eq!(doc["totalItems"], 2, "public and unlisted posts: {doc}");
    let (_, page) = get_json(doc["first"].as_str().expect("first"), AP).await;
    let items = page["orderedItems"].as_array().expect("items");
    let texts: Vec<&str> = items
        .iter()
        .map(|i| {
            assert_eq!(i["type"], "Create");
            assert_eq!(i["actor"], a.at("/users/alice"));
            i["object"]["content"].as_str().expect("the Note itself")
        })
        .collect();
    assert_eq!(texts.len(), 2);
    assert!(
        texts[0].contains("quietly public"),
        "newest first: {texts:?}"
    );
    assert!(texts[1].contains("for everyone"));

    let (_, doc) = get_json(&a.at("/users/bob/outbox"), AP).await;
    assert_eq!(doc["totalItems"], 1, "bob's boost: {doc}");
    let (_, page) = get_json(doc["first"].as_str().expect("first"), AP).await;
    assert_eq!(page["orderedItems"][0]["type"], "Announce");
    assert_eq!(
        page["orderedItems"][0]["object"],
        format!("{}/users/alice/statuses/{}", a.url, ids[0])
    );
    cluster.shutdown().await;
}
