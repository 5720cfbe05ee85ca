//! The Mastodon client API: instance, statuses, visibility, timelines, paging, follows,
//! notifications, search, and bad input.

use interspace_tests::{http, TestCluster};
use serde_json::{json, Value};

fn ids(list: &Value) -> Vec<String> {
    list.as_array()
        .expect("list")
        .iter()
        .map(|s| s["id"].as_str().expect("id").to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn instance_documents() {
    let cluster = TestCluster::spawn(1).await;
    let a = &cluster[0];
    for path in ["/api/v1/instance", "/api/v1/instance/"] {
        let (status, v1) = a.get("", path).await;
        assert_eq!(status, 200, "{path}");
        assert_eq!(v1["uri"], a.domain);
        assert!(v1["version"]
            .as_str()
            .expect("version")
            .starts_with("4.3.0 (compatible; Interspace "));
        assert_eq!(v1["configuration"]["statuses"]["max_characters"], 5000);
        assert_eq!(v1["contact_account"]["username"], "admin");
    }
    for path in ["/api/v2/instance", "/api/v2/instance/"] {
        let (status, v2) = a.get("", path).await;
        assert_eq!(status, 200);
        assert_eq!(v2["domain"], a.domain);
        assert_eq!(v2["api_versions"]["mastodon"], 2);
        assert_eq!(v2["registrations"]["enabled"], true);
        assert_eq!(v2["title"], "Space A");
        // Only what exists: no polls, no featured tags; pins up to five; the Web Push key.
        let config = &v2["configuration"];
        assert_eq!(config["polls"]["max_options"], 0);
        assert_eq!(config["accounts"]["max_featured_tags"], 0);
        assert_eq!(config["accounts"]["max_pinned_statuses"], 5);
        assert_eq!(
            config["vapid"]["public_key"].as_str().map(str::len),
            Some(87),
            "a P-256 point in base64url"
        );
        assert_eq!(
            config["media_attachments"]["image_matrix_limit"],
            33_177_600
        );
    }
    assert_eq!(a.get("", "/api/v1/custom_emojis").await.1, json!([]));
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn posting_in_every_body_encoding_with_idempotency() {
    let cluster = TestCluster::spawn(1).await;
    let a = &cluster[0];
    let u = a.user("una").await;
    // JSON
    let (status, s) = a.post(&u.token, "/api/v1/statuses", json!({"status": "json post", "visibility": "unlisted", "sensitive": "true", "spoiler_text": "cw"})).await;
    assert_eq!(status, 200, "{s}");
    assert_eq!(s["visibility"], "unlisted");
    assert_eq!(s["sensitive"], true);
    assert_eq!(s["spoiler_text"], "cw");
    assert_eq!(s["content"], "<p>json post</p>");
    assert_eq!(s["account"]["acct"], "una");
    // Form with 1/0 booleans (Mastodon.py)
    let res = http()
        .post(a.at("/api/v1/statuses"))
        .bearer_auth(&u.token)
        .form(&[
            ("status", "form post"),
            ("sensitive", "0"),
            ("language", "fr"),
        ])
        .send()
        .await
        .expect("post");
    assert_eq!(res.status(), 200);
    let s: Value = res.json().await.expect("json");
    assert_eq!(s["sensitive"], false);
    assert_eq!(s["language"], "fr");
    // Multipart
    let body = "--b0undary\r\nContent-Disposition: form-data; name=\"status\"\r\n\r\nmultipart <post>\r\n--b0undary--\r\n";
    let res = http()
        .post(a.at("/api/v1/statuses"))
        .bearer_auth(&u.token)
        .header("Content-Type", "multipart/form-data; boundary=b0undary")
        .body(body)
        .send()
        .await
        .expect("post");
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.json::<Value>().await.expect("json")["content"],
        "<p>multipart &lt;post&gt;</p>"
    );
    // Idempotency-Key: the same request twice is one post.
    let post = || async {
        http()
            .post(a.at("/api/v1/statuses"))
            .bearer_auth(&u.token)
            .header("Idempotency-Key", "key-1")
            .json(&json!({"status": "only once"}))
            .send()
            .await
            .expect("post")
            .json::<Value>()
            .await
            .expect("json")
    };
    let first = post().await;
    let second = post().await;
    assert_eq!(first["id"], second["id"]);
    let (_, mine) = a
        .get(&u.token, &format!("/api/v1/accounts/{}/statuses", u.id))
        .await;
    assert_eq!(ids(&mine).len(), 4);
    // Markdown in, sanitised HTML out.
    let (status, md) = a.post(&u.token, "/api/v1/statuses", json!({"status": "**desk** free\n\n<script>x</script>", "content_type": "text/markdown"})).await;
    assert_eq!(status, 200, "{md}");
    let html = md["content"].as_str().expect("content");
    assert!(
        html.contains("<strong>desk</strong>") && !html.contains("script"),
        "{html}"
    );
    let (status, _) = a
        .post(
            &u.token,
            "/api/v1/statuses",
            json!({"status": "x", "content_type": "text/bbcode"}),
        )
        .await;
    assert_eq!(status, 422);
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_gets_clear_errors() {
    let cluster = TestCluster::spawn(1).await;
    let a = &cluster[0];
    let u = a.user("vic").await;
    let cases: Vec<(&str, &str, Option<&str>, u16)> = vec![
        ("POST", "/api/v1/statuses", Some("{not json"), 400),
        ("POST", "/api/v1/statuses", Some("[1,2]"), 400),
        ("POST", "/api/v1/statuses", Some(r#"{"status": ""}"#), 422),
        (
            "POST",
            "/api/v1/statuses",
            Some(r#"{"status": {"a": 1}}"#),
            422,
        ),
        (
            "POST",
            "/api/v1/statuses",
            Some(r#"{"status": "x", "sensitive": "maybe"}"#),
            422,
        ),
        (
            "POST",
            "/api/v1/statuses",
            Some(r#"{"status": "x", "visibility": "secret"}"#),
            422,
        ),
        // Not accepted and dropped: refused, since they do not exist here yet.
        (
            "POST",
            "/api/v1/statuses",
            Some(r#"{"status": "x", "poll": {"options": ["a", "b"], "expires_in": 3600}}"#),
            422,
        ),
        (
            "POST",
            "/api/v1/statuses",
            Some(r#"{"status": "x", "scheduled_at": "2030-01-01T10:00:00Z"}"#),
            422,
        ),
        (
            "POST",
            "/api/v1/statuses",
            Some(r#"{"status": "x", "in_reply_to_id": "nope"}"#),
            404,
        ),
        (
            "GET",
            "/api/v1/statuses/01ZZZZZZZZZZZZZZZZZZZZZZZZ",
            None,
            404,
        ),
        ("GET", "/api/v1/accounts/unknown", None, 404),
        ("POST", "/api/v1/accounts/unknown/follow", None, 404),
        ("GET", "/api/v1/timelines/home?limit=lots", None, 422),
        ("GET", "/api/v1/notifications/nope", None, 404),
        ("POST", "/api/v1/notifications/nope/dismiss", None, 404),
        ("POST", "/api/v1/statuses/nope/favourite", None, 404),
    ];
    for (method, path, body, expected) in cases {
        let mut req = if method == "GET" {
            http().get(a.at(path))
        } else {
            http().post(a.at(path))
        };
        req = req.bearer_auth(&u.token);
        if let Some(b) = body {
            req = req
                .header("Content-Type", "application/json")
                .body(b.to_string());
        }
        let res = req.send().await.expect("send");
        assert_eq!(res.status().as_u16(), expected, "{method} {path} {body:?}");
        let v: Value = res.json().await.expect("error json");
        assert!(v["error"].is_string(), "{method} {path}: {v}");
    }
    let long = "x".repeat(5001);
    let (status, v) = a
        .post(&u.token, "/api/v1/statuses", json!({"status": long}))
        .await;
    assert_eq!(status, 422);
    assert!(v["error"]
        .as_str()
        .expect("error")
        .contains("character limit"));
    let huge = "y".repeat(2 * 1024 * 1024);
    let res = http()
        .post(a.at("/api/v1/statuses"))
        .bearer_auth(&u.token)
        .json(&json!({"status": huge}))
        .send()
        .await
        .expect("send");
    assert_eq!(res.status(), 413);
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn visibility_never_leaks() {
    let cluster = TestCluster::spawn(1).await;
    let a = &cluster[0];
    let author = a.user("ann").await;
    let follower = a.user("fred").await;
    let stranger = a.user("sam").await;
    let mentioned = a.user("mia").await;
    assert_eq!(
        a.post(
            &follower.token,
            &format!("/api/v1/accounts/{}/follow", author.id),
            json!({})
        )
        .await
        .0,
        200
    );

    let post = |text: &'static str, visibility: &'static str| {
        let token = author.token.clone();
        async move {
            let (status, s) = a
                .post(
                    &token,
                    "/api/v1/statuses",
                    json!({"status": text, "visibility": visibility}),
                )
                .await;
            assert_eq!(status, 200, "{s}");
            s["id"].as_str().expect("id").to_string()
        }
    };
    let public = post("public words", "public").await;
    let unlisted = post("unlisted words", "unlisted").await;
    let private = post("followers only", "private").await;
    let direct = post("@mia a secret", "direct").await;

    let sees = |token: String, id: String| async move {
        a.get(&token, &format!("/api/v1/statuses/{id}")).await.0 == 200
    };
    for (who, token) in [
        ("author", &author.token),
        ("follower", &follower.token),
        ("stranger", &stranger.token),
        ("mentioned", &mentioned.token),
        ("anonymous", &String::new()),
    ] {
        assert!(
            sees(token.clone(), public.clone()).await,
            "{who} sees public"
        );
        assert!(
            sees(token.clone(), unlisted.clone()).await,
            "{who} sees unlisted"
        );
        let expect_private = matches!(who, "author" | "follower");
        assert_eq!(
            sees(token.clone(), private.clone()).await,
            expect_private,
            "{who} and private"
        );
        let expect_direct = matches!(who, "author" | "mentioned");
        assert_eq!(
            sees(token.clone(), direct.clone()).await,
            expect_direct,
            "{who} and direct"
        );
        // The account's posts list applies the same rules.
        let (_, list) = a
            .get(token, &format!("/api/v1/accounts/{}/statuses", author.id))
            .await;
        let list = ids(&list);
        assert_eq!(
            list.contains(&private),
            expect_private,
            "{who}: private in account statuses"
        );
        assert_eq!(
            list.contains(&direct),
            expect_direct,
            "{who}: direct in account statuses"
        );
        // Context and interactions too.
        let (status, _) = a
            .get(token, &format!("/api/v1/statuses/{private}/context"))
            .await;
        assert_eq!(status == 200, expect_private, "{who}: context of private");
        // A stranger cannot favourite what they cannot see.
        if !token.is_empty() {
            let (status, _) = a
                .post(
                    token,
                    &format!("/api/v1/statuses/{direct}/favourite"),
                    json!({}),
                )
                .await;
            assert_eq!(status == 200, expect_direct, "{who}: favourite direct");
        }
    }
    // Timelines: public shows only public; the follower's home shows private but not direct.
    let (_, public_tl) = a.get("", "/api/v1/timelines/public").await;
    assert_eq!(ids(&public_tl), vec![public.clone()]);
    let (_, local_tl) = a.get("", "/api/v1/timelines/public?local=true").await;
    assert_eq!(ids(&local_tl), vec![public.clone()]);
    let (_, remote_tl) = a.get("", "/api/v1/timelines/public?remote=1").await;
    assert_eq!(ids(&remote_tl), Vec::<String>::new());
    let (_, home) = a.get(&follower.token, "/api/v1/timelines/home").await;
    assert_eq!(
        ids(&home),
        vec![private.clone(), unlisted.clone(), public.clone()]
    );
    let (_, stranger_home) = a.get(&stranger.token, "/api/v1/timelines/home").await;
    assert!(ids(&stranger_home).is_empty());
    // Private and direct posts cannot be boosted by others.
    assert_eq!(
        a.post(
            &follower.token,
            &format!("/api/v1/statuses/{private}/reblog"),
            json!({})
        )
        .await
        .0,
        403
    );
    // The mentioned account was notified of the direct message.
    let (_, notes) = a.get(&mentioned.token, "/api/v1/notifications").await;
    assert_eq!(notes[0]["type"], "mention");
    assert_eq!(notes[0]["status"]["id"], direct);
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn home_timeline_pages_with_link_headers() {
    let cluster = TestCluster::spawn(1).await;
    let a = &cluster[0];
    let u = a.user("paula").await;
    let mut posted = Vec::new();
    for i in 0..7 {
        let (_, s) = a
            .post(
                &u.token,
                "/api/v1/statuses",
                json!({"status": format!("post {i}")}),
            )
            .await;
        posted.push(s["id"].as_str().expect("id").to_string());
    }
    posted.reverse(); // newest first
    let res = http()
        .get(a.at("/api/v1/timelines/home?limit=3"))
        .bearer_auth(&u.token)
        .send()
        .await
        .expect("get");
    let link = res.headers()["link"].to_str().expect("link").to_string();
    let page1: Value = res.json().await.expect("json");
    assert_eq!(ids(&page1), posted[0..3]);
    assert!(
        link.contains(&format!("max_id={}>; rel=\"next\"", posted[2])),
        "{link}"
    );
    assert!(
        link.contains(&format!("min_id={}>; rel=\"prev\"", posted[0])),
        "{link}"
    );
    assert!(link.contains("limit=3"), "{link}");
    let next = link
        .split('<')
        .nth(1)
        .and_then(|s| s.split('>').next())
        .expect("next url");
    let page2: Value = http()
        .get(next)
        .bearer_auth(&u.token)
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    assert_eq!(ids(&page2), posted[3..6]);
    let (_, since) = a
        .get(
            &u.token,
            &format!("/api/v1/timelines/home?since_id={}", posted[2]),
        )
        .await;
    assert_eq!(ids(&since), posted[0..2]);
    // min_id gives the page right after, still newest first.
    let (_, min) = a
        .get(
            &u.token,
            &format!("/api/v1/timelines/home?min_id={}&limit=2", posted[6]),
        )
        .await;
    assert_eq!(ids(&min), posted[4..6]);
    let (_, all) = a.get(&u.token, "/api/v1/timelines/home?limit=1000").await;
    assert_eq!(ids(&all).len(), 7, "limit is capped, not an error");
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn follows_interactions_and_notifications() {
    let cluster = TestCluster::spawn(1).await;
    let a = &cluster[0];
    let leo = a.user("leo").await;
    let kim = a.user("kim").await;
    let (status, rel) = a
        .post(
            &kim.token,
            &format!("/api/v1/accounts/{}/follow", leo.id),
            json!({"notify": true}),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(rel["following"], true);
    assert_eq!(rel["notifying"], true);
    let (_, rels) = a
        .get(
            &leo.token,
            &format!("/api/v1/accounts/relationships?id[]={}", kim.id),
        )
        .await;
    assert_eq!(rels[0]["followed_by"], true);
    assert_eq!(rels[0]["following"], false);
    let (_, leo_acct) = a
        .get(&leo.token, &format!("/api/v1/accounts/{}", leo.id))
        .await;
    assert_eq!(leo_acct["followers_count"], 1);
    let (_, followers) = a
        .get("", &format!("/api/v1/accounts/{}/followers", leo.id))
        .await;
    assert_eq!(followers[0]["id"], kim.id);

    let (_, post) = a
        .post(
            &leo.token,
            "/api/v1/statuses",
            json!({"status": "hello #coworking"}),
        )
        .await;
    let pid = post["id"].as_str().expect("id").to_string();
    assert_eq!(
        a.post(
            &kim.token,
            &format!("/api/v1/statuses/{pid}/favourite"),
            json!({})
        )
        .await
        .1["favourited"],
        true
    );
    let (_, boost) = a
        .post(
            &kim.token,
            &format!("/api/v1/statuses/{pid}/reblog"),
            json!({}),
        )
        .await;
    assert_eq!(boost["reblog"]["id"], pid);
    assert_eq!(boost["reblog"]["reblogged"], true);
    let (_, reply) = a
        .post(
            &kim.token,
            "/api/v1/statuses",
            json!({"status": "@leo nice", "in_reply_to_id": pid}),
        )
        .await;
    assert_eq!(reply["in_reply_to_id"], pid);
    assert_eq!(reply["mentions"][0]["acct"], "leo");
    let (_, bm) = a
        .post(
            &kim.token,
            &format!("/api/v1/statuses/{pid}/bookmark"),
            json!({}),
        )
        .await;
    assert_eq!(bm["bookmarked"], true);
    let (_, fresh) = a.get(&kim.token, &format!("/api/v1/statuses/{pid}")).await;
    assert_eq!(fresh["favourites_count"], 1);
    assert_eq!(fresh["reblogs_count"], 1);
    assert_eq!(fresh["replies_count"], 1);
    let (_, by) = a
        .get("", &format!("/api/v1/statuses/{pid}/favourited_by"))
        .await;
    assert_eq!(by[0]["id"], kim.id);
    let (_, by) = a
        .get("", &format!("/api/v1/statuses/{pid}/reblogged_by"))
        .await;
    assert_eq!(by[0]["id"], kim.id);
    let (_, tag) = a.get("", "/api/v1/timelines/tag/Coworking").await;
    assert_eq!(ids(&tag), vec![pid.clone()]);

    let (_, notes) = a.get(&leo.token, "/api/v1/notifications").await;
    let kinds: Vec<&str> = notes
        .as_array()
        .expect("list")
        .iter()
        .map(|n| n["type"].as_str().expect("type"))
        .collect();
    assert_eq!(kinds, vec!["mention", "reblog", "favourite", "follow"]);
    let (_, only) = a
        .get(&leo.token, "/api/v1/notifications?types[]=favourite")
        .await;
    assert_eq!(only.as_array().map(Vec::len), Some(1));
    let (_, kim_notes) = a.get(&kim.token, "/api/v1/notifications").await;
    assert_eq!(
        kim_notes[0]["type"], "status",
        "kim asked to be notified of leo's posts"
    );
    let first = notes[0]["id"].as_str().expect("id").to_string();
    assert_eq!(
        a.get(&leo.token, &format!("/api/v1/notifications/{first}"))
            .await
            .0,
        200
    );
    assert_eq!(
        a.post(
            &leo.token,
            &format!("/api/v1/notifications/{first}/dismiss"),
            json!({})
        )
        .await
        .0,
        200
    );
    assert_eq!(
        a.get(&leo.token, &format!("/api/v1/notifications/{first}"))
            .await
            .0,
        404
    );
    assert_eq!(
        a.get(
            &kim.token,
            &format!(
                "/api/v1/notifications/{}",
                notes[1]["id"].as_str().expect("id")
            )
        )
        .await
        .0,
        404,
        "not someone else's"
    );
    assert_eq!(
        a.post(&leo.token, "/api/v1/notifications/clear", json!({}))
            .await
            .0,
        200
    );
    assert_eq!(
        a.get(&leo.token, "/api/v1/notifications").await.1,
        json!([])
    );

    // Undo everything.
    assert_eq!(
        a.post(
            &kim.token,
            &format!("/api/v1/statuses/{pid}/unreblog"),
            json!({})
        )
        .await
        .1["reblogged"],
        false
    );
    assert_eq!(
        a.post(
            &kim.token,
            &format!("/api/v1/statuses/{pid}/unfavourite"),
            json!({})
        )
        .await
        .1["favourited"],
        false
    );
    assert_eq!(
        a.post(
            &kim.token,
            &format!("/api/v1/accounts/{}/unfollow", leo.id),
            json!({})
        )
        .await
        .1["following"],
        false
    );
    // Deleting returns the source text; others cannot delete.
    let res = http()
        .delete(a.at(&format!("/api/v1/statuses/{pid}")))
        .bearer_auth(&kim.token)
        .send()
        .await
        .expect("delete");
    assert_eq!(res.status(), 403);
    let res = http()
        .delete(a.at(&format!("/api/v1/statuses/{pid}")))
        .bearer_auth(&leo.token)
        .send()
        .await
        .expect("delete");
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.json::<Value>().await.expect("json")["text"],
        "hello #coworking"
    );
    assert_eq!(
        a.get(&leo.token, &format!("/api/v1/statuses/{pid}"))
            .await
            .0,
        404
    );
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn locked_accounts_get_follow_requests() {
    let cluster = TestCluster::spawn(1).await;
    let a = &cluster[0];
    let lou = a.user("lou").await;
    let max = a.user("max").await;
    // Lock lou's account through the use-case layer (the profile API comes later).
    let mut conn = a.ctx.db.get().await.expect("conn");
    interspace_db::accounts::update_account_profile(
        &mut conn,
        &lou.id,
        &interspace_db::accounts::AccountProfileChanges {
            locked: Some(true),
            ..Default::default()
        },
    )
    .await
    .expect("lock");
    drop(conn);
    let (_, rel) = a
        .post(
            &max.token,
            &format!("/api/v1/accounts/{}/follow", lou.id),
            json!({}),
        )
        .await;
    assert_eq!(rel["following"], false);
    assert_eq!(rel["requested"], true);
    let (_, requests) = a.get(&lou.token, "/api/v1/follow_requests").await;
    assert_eq!(requests[0]["id"], max.id);
    let (_, notes) = a.get(&lou.token, "/api/v1/notifications").await;
    assert_eq!(notes[0]["type"], "follow_request");
    let (_, rel) = a
        .post(
            &lou.token,
            &format!("/api/v1/follow_requests/{}/authorize", max.id),
            json!({}),
        )
        .await;
    assert_eq!(rel["followed_by"], true);
    let (_, rel) = a
        .get(
            &max.token,
            &format!("/api/v1/accounts/relationships?id={}", lou.id),
        )
        .await;
    assert_eq!(rel[0]["following"], true);
    assert_eq!(
        a.post(
            &lou.token,
            &format!("/api/v1/follow_requests/{}/reject", max.id),
            json!({})
        )
        .await
        .0,
        404,
        "nothing pending"
    );
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_finds_local_and_remote_accounts() {
    let cluster = TestCluster::spawn(2).await;
    let (a, b) = (&cluster[0], &cluster[1]);
    let u = a.user("nina").await;
    b.user("omar").await;
    let (_, found) = a.get(&u.token, "/api/v2/search?q=nin&type=accounts").await;
    assert_eq!(found["accounts"][0]["acct"], "nina");
    // A handle is resolved through WebFinger whatever `type` says (toot, Mastodon.py).
    let (status, found) = a
        .get(
            &u.token,
            &format!("/api/v2/search?q=omar@{}&resolve=1&type=statuses", b.domain),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(found["accounts"][0]["acct"], format!("omar@{}", b.domain));
    let omar_id = found["accounts"][0]["id"].as_str().expect("id").to_string();
    let (_, looked) = a
        .get(
            &u.token,
            &format!("/api/v1/accounts/lookup?acct=omar@{}", b.domain),
        )
        .await;
    assert_eq!(looked["id"], omar_id);
    let (_, none) = a
        .get(
            &u.token,
            &format!("/api/v2/search?q=nobody@{}&resolve=true", b.domain),
        )
        .await;
    assert_eq!(none["accounts"], json!([]));
    let (_, tags) = a.get(&u.token, "/api/v2/search?q=%23Coffee").await;
    assert_eq!(tags["hashtags"], json!([]), "only hashtags in use");
    a.post(
        &u.token,
        "/api/v1/statuses",
        json!({"status": "#coffee and #coffeebreak"}),
    )
    .await;
    let (_, tags) = a.get(&u.token, "/api/v2/search?q=%23Coffee").await;
    let names: Vec<&str> = tags["hashtags"]
        .as_array()
        .expect("tags")
        .iter()
        .filter_map(|t| t["name"].as_str())
        .collect();
    assert_eq!(names, vec!["coffee", "coffeebreak"]);
    assert_eq!(
        tags["accounts"],
        json!([]),
        "a #query is not an account search"
    );
    // Post search: only what the searcher may see.
    let other = a.user("otto").await;
    a.post(
        &other.token,
        "/api/v1/statuses",
        json!({"status": "Quiet ROOM booked", "visibility": "public"}),
    )
    .await;
    a.post(
        &other.token,
        "/api/v1/statuses",
        json!({"status": "secret room plans", "visibility": "private"}),
    )
    .await;
    let (_, found) = a.get(&u.token, "/api/v2/search?q=room&type=statuses").await;
    let texts: Vec<&str> = found["statuses"]
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|s| s["content"].as_str())
        .collect();
    assert_eq!(texts, vec!["<p>Quiet ROOM booked</p>"]);
    let (_, anonymous) = a.get("", "/api/v2/search?q=room").await;
    assert_eq!(anonymous["statuses"], json!([]));
    cluster.shutdown().await;
}

/// Writes from transactions, single statements and the delivery worker at once: none may
/// fail (on SQLite a deferred transaction once lost its snapshot to a concurrent writer).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_writes_all_succeed() {
    let cluster = TestCluster::spawn(1).await;
    let a = &cluster[0];
    let u = a.user("wes").await;
    let v = a.user("val").await;
    let mut ids = Vec::new();
    for i in 0..5 {
        let (_, s) = a
            .post(
                &u.token,
                "/api/v1/statuses",
                json!({"status": format!("post {i}")}),
            )
            .await;
        ids.push(s["id"].as_str().expect("id").to_string());
    }
    let mut others = Vec::new();
    for i in 0..6 {
        others.push(a.user(&format!("f{i}")).await);
    }
    let mut tasks = Vec::new();
    for round in 0..8 {
        for (n, id) in ids.iter().enumerate() {
            // Follow and unfollow read, then write, in one transaction; bookmarks are single
            // statements; posts queue outbox events that the delivery worker then writes.
            let (path, token) = match (round + n) % 4 {
                0 => (
                    format!("/api/v1/accounts/{}/follow", u.id),
                    others[n % others.len()].token.clone(),
                ),
                1 => (
                    format!("/api/v1/accounts/{}/unfollow", u.id),
                    others[n % others.len()].token.clone(),
                ),
                2 => (format!("/api/v1/statuses/{id}/bookmark"), v.token.clone()),
                _ => ("/api/v1/statuses".to_string(), u.token.clone()),
            };
            let url = a.at(&path);
            tasks.push(tokio::spawn(async move {
                http()
                    .post(url)
                    .bearer_auth(token)
                    .json(&json!({"status": "more"}))
                    .send()
                    .await
                    .expect("post")
                    .status()
                    .as_u16()
            }));
        }
    }
    for t in tasks {
        assert_eq!(t.await.expect("join"), 200);
    }
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn accounts_are_found_whatever_the_case() {
    let cluster = TestCluster::spawn(1).await;
    let a = &cluster[0];
    let viewer = a.user("viewer").await;
    let nina = a.user("nina").await;
    let (status, found) = a
        .get(&viewer.token, "/api/v1/accounts/lookup?acct=NINA")
        .await;
    assert_eq!(status, 200, "{found}");
    assert_eq!(found["id"], nina.id.as_str());
    let (_, found) = a
        .get(
            &viewer.token,
            "/api/v2/search?q=Nina&type=accounts&resolve=true",
        )
        .await;
    assert_eq!(found["accounts"][0]["id"], nina.id.as_str(), "{found}");
    cluster.shutdown().await;
}

/// A web client served from another origin (Elk, Phanpy) may call the API, the token
/// endpoints and discovery, errors included; the HTML pages and the authorization form stay
/// ours.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn web_clients_on_other_origins_may_call_the_api() {
    let a = interspace_tests::TestInstance::spawn(0).await;
    let origin = "http://127.0.0.1:5173";
    let preflight = interspace_tests::http()
        .request(reqwest::Method::OPTIONS, a.at("/api/v1/statuses"))
        .header("Origin", origin)
        .header("Access-Control-Request-Method", "POST")
        .header(
            "Access-Control-Request-Headers",
            "authorization,content-type,idempotency-key",
        )
        .send()
        .await
        .expect("preflight");
    assert_eq!(preflight.status(), 200);
    let h = |r: &reqwest::Response, name: &str| {
        r.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    };
    assert_eq!(h(&preflight, "access-control-allow-origin"), "*");
    assert!(h(&preflight, "access-control-allow-methods").contains("POST"));
    assert!(h(&preflight, "access-control-allow-methods").contains("PATCH"));
    assert!(h(&preflight, "access-control-allow-headers").contains("idempotency-key"));
    for (method, path) in [
        ("GET", "/api/v1/instance"),
        ("GET", "/api/v1/timelines/home"),
        ("POST", "/oauth/token"),
        ("GET", "/.well-known/nodeinfo"),
    ] {
        let res = interspace_tests::http()
            .request(method.parse().expect("method"), a.at(path))
            .header("Origin", origin)
            .send()
            .await
            .expect("request");
        assert_eq!(
            h(&res, "access-control-allow-origin"),
            "*",
            "{method} {path}: {}",
            res.status()
        );
        assert!(
            h(&res, "access-control-expose-headers").contains("Link"),
            "{path}"
        );
    }
    for path in [
        "/oauth/authorize?client_id=x&response_type=code",
        "/",
        "/login",
    ] {
        let res = interspace_tests::http()
            .get(a.at(path))
            .header("Origin", origin)
            .send()
            .await
            .expect("page");
        assert!(
            res.headers().get("access-control-allow-origin").is_none(),
            "{path} is not for other origins"
        );
    }
    a.stop().await;
}

/// Followers and follows page like every Mastodon list: `limit`, `max_id`/`min_id` and a
/// `Link` header to the next and previous pages.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn follower_lists_page_with_link_headers() {
    let cluster = TestCluster::spawn(1).await;
    let a = &cluster[0];
    let alice = a.user("alice").await;
    let mut fans = Vec::new();
    for name in ["fan1", "fan2", "fan3"] {
        let fan = a.user(name).await;
        a.follow(&fan.token, "alice").await;
        fans.push(fan);
    }
    let base = a.at(&format!("/api/v1/accounts/{}/followers", alice.id));
    let list = |query: String| {
        let url = format!("{base}{query}");
        async move {
            let res = http().get(url).send().await.expect("followers");
            let link = res
                .headers()
                .get("link")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_string();
            let names: Vec<String> = res
                .json::<Value>()
                .await
                .expect("json")
                .as_array()
                .expect("list")
                .iter()
                .map(|a| a["username"].as_str().unwrap_or_default().to_string())
                .collect();
            (names, link)
        }
    };
    let (first, link) = list("?limit=2".into()).await;
    assert_eq!(first, vec!["fan3", "fan2"], "newest follow first");
    let next = link
        .split(',')
        .find(|l| l.contains("rel=\"next\""))
        .and_then(|l| l.split_once('<').and_then(|(_, r)| r.split_once('>')))
        .map(|(url, _)| url.to_string())
        .expect("a next link");
    let query = next
        .split_once('?')
        .map(|(_, q)| format!("?{q}"))
        .expect("query");
    assert!(query.contains("limit=2"), "{query}");
    let (second, link) = list(query).await;
    assert_eq!(second, vec!["fan1"]);
    let prev = link
        .split(',')
        .find(|l| l.contains("rel=\"prev\""))
        .and_then(|l| l.split_once('<').and_then(|(_, r)| r.split_once('>')))
        .map(|(url, _)| {
            url.split_once('?')
                .map(|(_, q)| format!("?{q}"))
                .unwrap_or_default()
        })
        .expect("a prev link");
    let (back, _) = list(prev).await;
    assert_eq!(
        back,
        vec!["fan3", "fan2"],
        "min_id pages back, newest first"
    );
    let (_, following) = a
        .get("", &format!("/api/v1/accounts/{}/following", fans[0].id))
        .await;
    assert_eq!(following[0]["username"], "alice");
    cluster.shutdown().await;
}

/// Mastodon 4.3's grouped notifications, as Ice Cubes, Phanpy and Elk read them: favourites of
/// one post and follows grouped, mentions alone, counts, samples, paging, filters, a group's
/// accounts, dismissal, unread counts past the marker, and the policy and requests endpoints
/// (nothing is filtered here).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notifications_v2_group_as_mastodon_4_3() {
    let cluster = TestCluster::spawn(1).await;
    let a = &cluster[0];
    let alice = a.user("alice").await;
    let (_, post) = a
        .post(
            &alice.token,
            "/api/v1/statuses",
            json!({"status": "Group me"}),
        )
        .await;
    let pid = post["id"].as_str().expect("id").to_string();
    let mut fans = Vec::new();
    for name in ["bob", "carol", "dan"] {
        let u = a.user(name).await;
        let (status, _) = a
            .post(
                &u.token,
                &format!("/api/v1/statuses/{pid}/favourite"),
                json!({}),
            )
            .await;
        assert_eq!(status, 200);
        fans.push(u);
    }
    for u in &fans[..2] {
        a.follow(&u.token, &format!("alice@{}", a.domain)).await;
    }
    let (status, _) = a
        .post(
            &fans[2].token,
            "/api/v1/statuses",
            json!({"status": format!("@alice@{} hello", a.domain)}),
        )
        .await;
    assert_eq!(status, 200);

    let (status, page) = a.get(&alice.token, "/api/v2/notifications").await;
    assert_eq!(status, 200, "{page}");
    let groups = page["notification_groups"]
        .as_array()
        .expect("groups")
        .clone();
    let kinds: Vec<&str> = groups.iter().filter_map(|g| g["type"].as_str()).collect();
    assert_eq!(kinds, vec!["mention", "follow", "favourite"], "{page}");
    let fav = &groups[2];
    assert_eq!(fav["notifications_count"], 3);
    assert_eq!(fav["status_id"], pid.as_str());
    let fan_ids: Vec<&str> = fans.iter().rev().map(|u| u.id.as_str()).collect();
    assert_eq!(fav["sample_account_ids"], json!(fan_ids), "newest first");
    assert!(fav["group_key"]
        .as_str()
        .is_some_and(|k| k.starts_with(&format!("favourite-{pid}-"))));
    assert_eq!(groups[1]["notifications_count"], 2);
    assert!(groups[0]["group_key"]
        .as_str()
        .is_some_and(|k| k.starts_with("ungrouped-")));
    let account_ids: Vec<&str> = page["accounts"]
        .as_array()
        .expect("accounts")
        .iter()
        .filter_map(|a| a["id"].as_str())
        .collect();
    assert_eq!(account_ids.len(), 3, "each account once: {account_ids:?}");
    let statuses = page["statuses"].as_array().expect("statuses");
    assert!(statuses.iter().any(|s| s["id"] == pid.as_str()));

    // v1 shows the same group keys.
    let (_, v1) = a
        .get(&alice.token, "/api/v1/notifications?types[]=follow")
        .await;
    assert_eq!(v1[0]["group_key"], groups[1]["group_key"]);

    // Paging counts groups; filters and grouped_types apply.
    let res = http()
        .get(a.at("/api/v2/notifications?limit=1"))
        .bearer_auth(&alice.token)
        .send()
        .await
        .expect("page");
    let link = res
        .headers()
        .get("link")
        .and_then(|l| l.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let one: Value = res.json().await.expect("json");
    assert_eq!(one["notification_groups"].as_array().map(Vec::len), Some(1));
    assert!(
        link.contains("max_id=") && link.contains("rel=\"next\""),
        "{link}"
    );
    let (_, follows) = a
        .get(&alice.token, "/api/v2/notifications?types[]=follow")
        .await;
    assert_eq!(
        follows["notification_groups"].as_array().map(Vec::len),
        Some(1)
    );
    let (_, apart) = a
        .get(&alice.token, "/api/v2/notifications?grouped_types[]=follow")
        .await;
    assert_eq!(
        apart["notification_groups"].as_array().map(Vec::len),
        Some(5),
        "favourites stand alone when not grouped: {apart}"
    );

    // One group, its accounts, its dismissal.
    let key = fav["group_key"].as_str().expect("key");
    let (status, one) = a
        .get(&alice.token, &format!("/api/v2/notifications/{key}"))
        .await;
    assert_eq!(status, 200);
    assert_eq!(one["notification_groups"][0]["notifications_count"], 3);
    let (_, who) = a
        .get(
            &alice.token,
            &format!("/api/v2/notifications/{key}/accounts"),
        )
        .await;
    assert_eq!(who.as_array().map(Vec::len), Some(3));

    // Unread: past the marker, groups in v2, notifications in v1.
    let (_, n) = a
        .get(&alice.token, "/api/v2/notifications/unread_count")
        .await;
    assert_eq!(n["count"], 3);
    let (_, n) = a
        .get(&alice.token, "/api/v1/notifications/unread_count")
        .await;
    assert_eq!(n["count"], 6);
    let newest = groups[0]["most_recent_notification_id"]
        .as_str()
        .expect("id");
    let (status, _) = a
        .post(
            &alice.token,
            "/api/v1/markers",
            json!({"notifications": {"last_read_id": newest}}),
        )
        .await;
    assert_eq!(status, 200);
    let (_, n) = a
        .get(&alice.token, "/api/v2/notifications/unread_count")
        .await;
    assert_eq!(n["count"], 0);

    let (status, _) = a
        .post(
            &alice.token,
            &format!("/api/v2/notifications/{key}/dismiss"),
            json!({}),
        )
        .await;
    assert_eq!(status, 200);
    let (_, v1) = a
        .get(&alice.token, "/api/v1/notifications?types[]=favourite")
        .await;
    assert_eq!(v1, json!([]));
    let (status, err) = a
        .get(&alice.token, &format!("/api/v2/notifications/{key}"))
        .await;
    assert_eq!(status, 404);
    assert!(err["error"].is_string(), "{err}");

    // Nothing is filtered here: the policy says so and refuses to pretend otherwise.
    let (_, policy) = a.get(&alice.token, "/api/v2/notifications/policy").await;
    assert_eq!(policy["for_not_following"], "accept");
    assert_eq!(policy["summary"]["pending_requests_count"], 0);
    let (status, err) = a
        .patch(
            &alice.token,
            "/api/v2/notifications/policy",
            json!({"for_not_following": "filter"}),
        )
        .await;
    assert_eq!(status, 422, "{err}");
    let (_, requests) = a.get(&alice.token, "/api/v1/notifications/requests").await;
    assert_eq!(requests, json!([]));
    let (_, merged) = a
        .get(&alice.token, "/api/v1/notifications/requests/merged")
        .await;
    assert_eq!(merged["merged"], true);
    let (status, _) = a
        .get(&alice.token, "/api/v2/notifications?limit=many")
        .await;
    assert_eq!(status, 422);
    cluster.shutdown().await;
}

/// Lists of accounts page as Mastodon's do: `limit`, a `Link` with `max_id` of the row (the
/// favourite, boost, block, mute or follow request), and the next page from there.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn account_lists_page_with_link_headers() {
    let cluster = TestCluster::spawn(1).await;
    let a = &cluster[0];
    let alice = a.user("alice").await;
    let (status, _) = a
        .patch(
            &alice.token,
            "/api/v1/accounts/update_credentials",
            json!({"locked": true}),
        )
        .await;
    assert_eq!(status, 200);
    let (_, post) = a
        .post(
            &alice.token,
            "/api/v1/statuses",
            json!({"status": "Page me"}),
        )
        .await;
    let pid = post["id"].as_str().expect("id").to_string();
    let mut others = Vec::new();
    for name in ["bob", "carol"] {
        let u = a.user(name).await;
        for action in ["favourite", "reblog"] {
            let (status, _) = a
                .post(
                    &u.token,
                    &format!("/api/v1/statuses/{pid}/{action}"),
                    json!({}),
                )
                .await;
            assert_eq!(status, 200);
        }
        a.follow(&u.token, &format!("alice@{}", a.domain)).await;
        others.push(u);
    }
    for u in &others {
        for action in ["block", "mute"] {
            let (status, _) = a
                .post(
                    &alice.token,
                    &format!("/api/v1/accounts/{}/{action}", u.id),
                    json!({}),
                )
                .await;
            assert_eq!(status, 200);
        }
    }
    // Blocking ends the requests: ask again for those after the lists are read.
    for path in [
        format!("/api/v1/statuses/{pid}/favourited_by"),
        format!("/api/v1/statuses/{pid}/reblogged_by"),
        "/api/v1/blocks".to_string(),
        "/api/v1/mutes".to_string(),
    ] {
        let first = http()
            .get(a.at(&format!("{path}?limit=1")))
            .bearer_auth(&alice.token)
            .send()
            .await
            .expect("first page");
        assert_eq!(first.status(), 200, "{path}");
        let link = first
            .headers()
            .get("link")
            .and_then(|l| l.to_str().ok())
            .unwrap_or_default()
            .to_string();
        let page1: Value = first.json().await.expect("json");
        assert_eq!(page1.as_array().map(Vec::len), Some(1), "{path}: {page1}");
        assert_eq!(
            page1[0]["id"],
            others[1].id.as_str(),
            "{path}: newest first"
        );
        let next = link
            .split(',')
            .find(|l| l.contains("rel=\"next\""))
            .and_then(|l| l.split(['<', '>']).nth(1))
            .unwrap_or_else(|| panic!("{path}: no next link in {link:?}"))
            .to_string();
        let page2: Value = http()
            .get(next)
            .bearer_auth(&alice.token)
            .send()
            .await
            .expect("next page")
            .json()
            .await
            .expect("json");
        assert_eq!(ids(&page2), vec![others[0].id.clone()], "{path}: {page2}");
    }
    cluster.shutdown().await;
}
