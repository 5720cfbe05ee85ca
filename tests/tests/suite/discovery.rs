//! WebFinger, host-meta and NodeInfo.

use interspace_tests::{http, TestCluster};
use serde_json::Value;

async fn webfinger(base: &str, resource: Option<&str>) -> reqwest::Response {
    let endpoint = format!("{base}/.well-known/webfinger");
    let url = match resource {
        Some(r) => url::Url::parse_with_params(&endpoint, &[("resource", r)]),
        None => url::Url::parse(&endpoint),
    }
    .expect("url");
    http().get(url).send().await.expect("webfinger")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webfinger_finds_members_and_the_space() {
    let cluster = TestCluster::spawn(1).await;
    let a = &cluster[0];
    let d = &a.domain;
    for (resource, id) in [
        (format!("acct:admin@{d}"), a.at("/users/admin")),
        (format!("admin@{d}"), a.at("/users/admin")),
        (
            format!("acct:ADMIN@{}", d.to_uppercase()),
            a.at("/users/admin"),
        ),
        (a.at("/users/admin"), a.at("/users/admin")),
        (format!("acct:space@{d}"), a.at("/spaces/space")),
        (a.at("/spaces/space"), a.at("/spaces/space")),
    ] {
        let res = webfinger(&a.url, Some(&resource)).await;
        assert_eq!(res.status(), 200, "{resource}");
        assert!(res.headers()["content-type"]
            .to_str()
            .expect("ct")
            .starts_with("application/jrd+json"));
        let jrd: Value = res.json().await.expect("jrd");
        let user = id.rsplit('/').next().expect("name");
        assert_eq!(jrd["subject"], format!("acct:{user}@{d}"), "{resource}");
        assert!(jrd["aliases"]
            .as_array()
            .expect("aliases")
            .contains(&Value::String(id.clone())));
        let links = jrd["links"].as_array().expect("links");
        let self_link = links
            .iter()
            .find(|l| l["rel"] == "self")
            .expect("self link");
        assert_eq!(self_link["type"], "application/activity+json");
        assert_eq!(self_link["href"], id);
        assert!(links
            .iter()
            .any(|l| l["rel"] == "http://webfinger.net/rel/profile-page"));
    }
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_webfinger_input_is_a_clear_4xx() {
    let cluster = TestCluster::spawn(1).await;
    let a = &cluster[0];
    let d = &a.domain;
    let long = format!("acct:{}@{d}", "x".repeat(5000));
    let cases: Vec<(Option<String>, u16)> = vec![
        (None, 400),
        (Some(String::new()), 400),
        (Some("acct:".into()), 400),
        (Some("acct:admin".into()), 400),
        (Some(format!("acct:@{d}")), 400),
        (Some("acct:admin@".into()), 400),
        (Some(format!("acct:a@b@{d}")), 400),
        (Some(format!("acct:al ice@{d}")), 400),
        (Some(format!("acct:'; DROP TABLE accounts; --@{d}")), 400),
        (Some(long), 400),
        (Some("http://[::1".into()), 400),
        (Some(format!("acct:nobody@{d}")), 404),
        (Some("acct:admin@elsewhere.example".into()), 404),
        (Some("https://elsewhere.example/users/admin".into()), 404),
        (Some(a.at("/users/nobody")), 404),
        (Some(a.at("/somewhere/else")), 404),
    ];
    for (resource, status) in cases {
        let res = webfinger(&a.url, resource.as_deref()).await;
        assert_eq!(res.status(), status, "{resource:?}");
        let body: Value = res.json().await.expect("error json");
        assert!(body["error"].is_string(), "{resource:?}");
    }
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn host_meta_and_nodeinfo() {
    let cluster = TestCluster::spawn(1).await;
    let a = &cluster[0];
    let res = http()
        .get(a.at("/.well-known/host-meta"))
        .send()
        .await
        .expect("host-meta");
    assert_eq!(res.status(), 200);
    let xml = res.text().await.expect("xml");
    assert!(
        xml.contains(&format!(
            "template=\"{}/.well-known/webfinger?resource={{uri}}\"",
            a.url
        )),
        "{xml}"
    );

    let disco: Value = http()
        .get(a.at("/.well-known/nodeinfo"))
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    let links = disco["links"].as_array().expect("links");
    assert_eq!(links.len(), 2);
    // Active: who used an app or the web pages lately; kofi's app asks something.
    let kofi = a.user("kofi").await;
    let (status, _) = a
        .get(&kofi.token, "/api/v1/accounts/verify_credentials")
        .await;
    assert_eq!(status, 200);
    for (link, version) in links.iter().zip(["2.0", "2.1"]) {
        assert_eq!(
            link["rel"],
            format!("http://nodeinfo.diaspora.software/ns/schema/{version}")
        );
        let href = link["href"].as_str().expect("href");
        let res = http().get(href).send().await.expect("nodeinfo");
        assert_eq!(res.status(), 200);
        assert!(res.headers()["content-type"]
            .to_str()
            .expect("ct")
            .contains(&format!("schema/{version}#")));
        let doc: Value = res.json().await.expect("json");
        assert_eq!(doc["version"], version);
        assert_eq!(doc["software"]["name"], "interspace");
        assert_eq!(doc["protocols"][0], "activitypub");
        assert_eq!(doc["openRegistrations"], true);
        assert_eq!(doc["usage"]["users"]["total"], 2, "the operator and kofi");
        assert_eq!(doc["usage"]["users"]["activeMonth"], 1, "kofi's app");
        assert_eq!(doc["usage"]["users"]["activeHalfyear"], 1);
        assert_eq!(doc["metadata"]["nodeName"], "Space A");
    }
    let res = http().get(a.at("/nodeinfo/3.0")).send().await.expect("get");
    assert_eq!(res.status(), 404);
    cluster.shutdown().await;
}
