//! Registration, profiles and media, blocks and mutes, bookmarks, markers, edits.

use interspace_tests::{http, TestCluster, TestInstance};
use serde_json::{json, Value};

/// A 2x1 PNG.
pub(crate) const PNG: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x01, 0x08, 0x00, 0x00, 0x00, 0x00, 0xD1, 0x49, 0x20,
    0x56, 0x00, 0x00, 0x00, 0x0B, 0x49, 0x44, 0x41, 0x54, 0x78, 0xDA, 0x63, 0x60, 0xF8, 0x0F, 0x00,
    0x01, 0x02, 0x01, 0x00, 0xD1, 0x1A, 0xCB, 0x8F, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4E, 0x44,
    0xAE, 0x42, 0x60, 0x82,
];

/// Whether two image files show the same pixels (uploads are encoded again, without metadata).
pub(crate) fn same_picture(a: &[u8], b: &[u8]) -> bool {
    let pixels = |x: &[u8]| image::load_from_memory(x).map(|i| i.to_rgba8());
    matches!((pixels(a), pixels(b)), (Ok(x), Ok(y)) if x == y)
}

pub(crate) fn multipart(
    fields: &[(&str, &str)],
    file: Option<(&str, &str, &[u8])>,
) -> (String, Vec<u8>) {
    let boundary = "----interspace-test-boundary";
    let mut body = Vec::new();
    for (k, v) in fields {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n")
                .as_bytes(),
        );
    }
    if let Some((field, name, bytes)) = file {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n").as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

async fn app_token(a: &TestInstance) -> String {
    let (id, secret) = a
        .register_app("read write follow push", "urn:ietf:wg:oauth:2.0:oob")
        .await;
    let res: Value = http()
        .post(a.at("/oauth/token"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", id.as_str()),
            ("client_secret", secret.as_str()),
            ("scope", "read write"),
        ])
        .send()
        .await
        .expect("token")
        .json()
        .await
        .expect("json");
    res["access_token"].as_str().expect("token").to_string()
}

async fn register(a: &TestInstance, token: &str, name: &str, extra: Value) -> (u16, Value) {
    let mut body = json!({"username": name, "email": format!("{name}@example.org"), "password": "a-long-password", "agreement": true, "locale": "en"});
    if let (Value::Object(b), Value::Object(e)) = (&mut body, extra) {
        b.extend(e);
    }
    a.post(token, "/api/v1/accounts", body).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn registration_follows_the_instance_mode() {
    // open: usable at once
    let open = TestInstance::spawn(0).await;
    let token = app_token(&open).await;
    let (status, body) = register(&open, &token, "newbie", json!({})).await;
    assert_eq!(status, 200, "{body}");
    let user_token = body["access_token"].as_str().expect("token").to_string();
    assert_eq!(
        open.get(&user_token, "/api/v1/accounts/verify_credentials")
            .await
            .1["username"],
        "newbie"
    );
    for (extra, what) in [
        (
            json!({"username": "newbie", "email": "other@example.org"}),
            "taken username",
        ),
        (
            json!({"email": "NEWBIE@example.org", "username": "other"}),
            "taken e-mail",
        ),
        (
            json!({"agreement": false, "username": "x1"}),
            "no agreement",
        ),
        (
            json!({"password": "short", "username": "x2"}),
            "short password",
        ),
        (json!({"username": "Bad Name"}), "bad username"),
    ] {
        let (status, body) = register(&open, &token, "newbie", extra).await;
        assert_eq!(status, 422, "{what}: {body}");
        assert!(
            body["error"]
                .as_str()
                .expect("error")
                .starts_with("Validation failed"),
            "{what}"
        );
    }
    assert_eq!(
        register(&open, "", "nobody", json!({})).await.0,
        401,
        "needs an app token"
    );
    open.stop().await;

    // approval: created, but the login waits for an operator
    let approval =
        TestInstance::spawn_configured(1, |c| c.instance.registrations = "approval".into()).await;
    let token = app_token(&approval).await;
    let (status, body) = register(
        &approval,
        &token,
        "waiting",
        json!({"reason": "I rent a desk"}),
    )
    .await;
    assert_eq!(status, 200);
    let user_token = body["access_token"].as_str().expect("token").to_string();
    let (status, body) = approval
        .get(&user_token, "/api/v1/accounts/verify_credentials")
        .await;
    assert_eq!(status, 403, "{body}");
    assert!(body["error"]
        .as_str()
        .expect("error")
        .contains("pending approval"));
    approval.stop().await;

    // closed: refused, except with an operator's invite code
    let closed =
        TestInstance::spawn_configured(2, |c| c.instance.registrations = "closed".into()).await;
    let token = app_token(&closed).await;
    assert_eq!(
        register(&closed, &token, "outsider", json!({})).await.0,
        403
    );
    let invite = interspace_app::registrations::create_invite(
        &closed.ctx,
        interspace_app::registrations::NewInvite {
            created_by: None,
            max_uses: Some(1),
            expires_in_days: None,
            email: None,
            role: interspace_core::roles::Role::Member,
        },
    )
    .await
    .expect("invite");
    let (status, body) = register(
        &closed,
        &token,
        "invited",
        json!({"invite_code": invite.code}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let t = body["access_token"].as_str().expect("token");
    assert_eq!(
        closed.get(t, "/api/v1/accounts/verify_credentials").await.0,
        200,
        "invited accounts are approved"
    );
    let (status, _) = register(
        &closed,
        &token,
        "second",
        json!({"invite_code": invite.code}),
    )
    .await;
    assert_eq!(status, 422, "the invite was for one use");
    assert_eq!(
        register(&closed, &token, "third", json!({"invite_code": "nope"}))
            .await
            .0,
        422
    );
    closed.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn profile_updates_and_media() {
    let cluster = TestCluster::spawn(1).await;
    let a = &cluster[0];
    let u = a.user("pia").await;
    let (ct, body) = multipart(
        &[
            ("display_name", "Pia P."),
            ("note", "Designer <b>&</b> maker"),
            ("locked", "1"),
            ("bot", "false"),
            ("fields_attributes[0][name]", "Web"),
            ("fields_attributes[0][value]", "https://pia.example"),
            ("source[privacy]", "unlisted"),
            ("source[language]", "de"),
        ],
        Some(("avatar", "me.png", PNG)),
    );
    let res = http()
        .patch(a.at("/api/v1/accounts/update_credentials"))
        .bearer_auth(&u.token)
        .header("Content-Type", ct)
        .body(body)
        .send()
        .await
        .expect("patch");
    assert_eq!(res.status(), 200);
    let me: Value = res.json().await.expect("json");
    assert_eq!(me["display_name"], "Pia P.");
    assert_eq!(me["note"], "<p>Designer &lt;b&gt;&amp;&lt;/b&gt; maker</p>");
    assert_eq!(me["source"]["note"], "Designer <b>&</b> maker");
    assert_eq!(me["locked"], true);
    assert_eq!(me["fields"][0]["name"], "Web");
    assert_eq!(me["source"]["privacy"], "unlisted");
    assert_eq!(me["source"]["language"], "de");
    let avatar = me["avatar"].as_str().expect("avatar").to_string();
    assert!(
        avatar.contains("/media/") && avatar.ends_with(".png"),
        "{avatar}"
    );
    let res = http().get(&avatar).send().await.expect("avatar");
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "image/png");
    assert!(same_picture(&res.bytes().await.expect("bytes"), PNG));
    // Posting defaults apply.
    let (_, s) = a
        .post(
            &u.token,
            "/api/v1/statuses",
            json!({"status": "default privacy"}),
        )
        .await;
    assert_eq!(s["visibility"], "unlisted");
    assert_eq!(s["language"], "de");
    // The actor document shows the new profile.
    let actor: Value = http()
        .get(a.at("/users/pia"))
        .header("Accept", "application/activity+json")
        .send()
        .await
        .expect("actor")
        .json()
        .await
        .expect("json");
    assert_eq!(actor["name"], "Pia P.");
    assert_eq!(actor["manuallyApprovesFollowers"], true);
    assert_eq!(actor["icon"]["url"], avatar);
    assert_eq!(actor["attachment"][0]["name"], "Web");

    // Media upload, description, attachment.
    let (ct, body) = multipart(
        &[("description", "a tiny image")],
        Some(("file", "x.png", PNG)),
    );
    let res = http()
        .post(a.at("/api/v2/media"))
        .bearer_auth(&u.token)
        .header("Content-Type", ct)
        .body(body)
        .send()
        .await
        .expect("upload");
    assert_eq!(res.status(), 200);
    let media: Value = res.json().await.expect("json");
    assert_eq!(media["type"], "image");
    assert_eq!(media["meta"]["original"]["width"], 2);
    assert_eq!(media["description"], "a tiny image");
    let mid = media["id"].as_str().expect("id").to_string();
    let res = http()
        .put(a.at(&format!("/api/v1/media/{mid}")))
        .bearer_auth(&u.token)
        .json(&json!({"description": "better"}))
        .send()
        .await
        .expect("put");
    assert_eq!(
        res.json::<Value>().await.expect("json")["description"],
        "better"
    );
    let (status, s) = a
        .post(
            &u.token,
            "/api/v1/statuses",
            json!({"status": "", "media_ids": [mid], "visibility": "public"}),
        )
        .await;
    assert_eq!(status, 200, "{s}");
    assert_eq!(s["content"], "");
    assert_eq!(s["media_attachments"][0]["id"], mid);
    let (status, _) = a
        .post(
            &u.token,
            "/api/v1/statuses",
            json!({"status": "again", "media_ids": [mid]}),
        )
        .await;
    assert_eq!(status, 422, "media attaches once");
    let other = a.user("quinn").await;
    assert_eq!(
        a.get(&other.token, &format!("/api/v1/media/{mid}")).await.0,
        404,
        "not someone else's media"
    );
    // Not an image, too many attachments, bad fields.
    let (ct, body) = multipart(&[], Some(("file", "x.svg", b"<svg onload=alert(1)>")));
    let res = http()
        .post(a.at("/api/v2/media"))
        .bearer_auth(&u.token)
        .header("Content-Type", ct)
        .body(body)
        .send()
        .await
        .expect("upload");
    assert_eq!(res.status(), 422);
    let (status, _) = a
        .post(
            &u.token,
            "/api/v1/statuses",
            json!({"status": "x", "media_ids": ["1", "2", "3", "4", "5"]}),
        )
        .await;
    assert_eq!(status, 422);
    let res = http().patch(a.at("/api/v1/accounts/update_credentials")).bearer_auth(&u.token)
        .json(&json!({"fields_attributes": [{"name": "a", "value": "1"}, {"name": "b", "value": "2"}, {"name": "c", "value": "3"}, {"name": "d", "value": "4"}, {"name": "e", "value": "5"}]}))
        .send().await.expect("patch");
    assert_eq!(res.status(), 422);
    let res = http()
        .patch(a.at("/api/v1/accounts/update_credentials"))
        .bearer_auth(&u.token)
        .json(&json!({"source": {"privacy": "direct"}}))
        .send()
        .await
        .expect("patch");
    assert_eq!(res.status(), 422);
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blocks_and_mutes() {
    let cluster = TestCluster::spawn(1).await;
    let a = &cluster[0];
    let me = a.user("rita").await;
    let pest = a.user("troll").await;
    let noisy = a.user("noisy").await;
    for who in [&pest, &noisy] {
        a.post(
            &me.token,
            &format!("/api/v1/accounts/{}/follow", who.id),
            json!({}),
        )
        .await;
    }
    a.post(
        &pest.token,
        &format!("/api/v1/accounts/{}/follow", me.id),
        json!({}),
    )
    .await;
    let (_, mine) = a
        .post(
            &me.token,
            "/api/v1/statuses",
            json!({"status": "mine", "visibility": "public"}),
        )
        .await;
    let mine_id = mine["id"].as_str().expect("id").to_string();
    a.post(
        &pest.token,
        "/api/v1/statuses",
        json!({"status": "troll post"}),
    )
    .await;
    a.post(
        &noisy.token,
        "/api/v1/statuses",
        json!({"status": "noisy post"}),
    )
    .await;

    let (_, rel) = a
        .post(
            &me.token,
            &format!("/api/v1/accounts/{}/block", pest.id),
            json!({}),
        )
        .await;
    assert_eq!(rel["blocking"], true);
    assert_eq!(rel["following"], false);
    assert_eq!(rel["followed_by"], false, "blocking ends follows both ways");
    let (_, rel) = a
        .post(
            &me.token,
            &format!("/api/v1/accounts/{}/mute", noisy.id),
            json!({"notifications": false}),
        )
        .await;
    assert_eq!(rel["muting"], true);
    assert_eq!(rel["muting_notifications"], false);
    let (_, home) = a.get(&me.token, "/api/v1/timelines/home").await;
    let texts: Vec<&str> = home
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|s| s["content"].as_str())
        .collect();
    assert_eq!(
        texts,
        vec!["<p>mine</p>"],
        "blocked and muted accounts leave the home timeline"
    );
    let (_, public) = a.get(&me.token, "/api/v1/timelines/public").await;
    assert_eq!(public.as_array().map(Vec::len), Some(1));
    // The blocked account sees nothing of the blocker and cannot follow or interact.
    assert_eq!(
        a.get(&pest.token, &format!("/api/v1/statuses/{mine_id}"))
            .await
            .0,
        404
    );
    assert_eq!(
        a.post(
            &pest.token,
            &format!("/api/v1/accounts/{}/follow", me.id),
            json!({})
        )
        .await
        .0,
        403
    );
    let (_, rel) = a
        .get(
            &pest.token,
            &format!("/api/v1/accounts/relationships?id={}", me.id),
        )
        .await;
    assert_eq!(rel[0]["blocked_by"], true);
    // Mentions from blocked accounts make no notification; muted ones with notifications on do.
    a.post(
        &pest.token,
        "/api/v1/statuses",
        json!({"status": "@rita hey"}),
    )
    .await;
    a.post(
        &noisy.token,
        "/api/v1/statuses",
        json!({"status": "@rita hey"}),
    )
    .await;
    let (_, notes) = a
        .get(&me.token, "/api/v1/notifications?types[]=mention")
        .await;
    let from: Vec<&str> = notes
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|n| n["account"]["username"].as_str())
        .collect();
    assert_eq!(from, vec!["noisy"]);
    let (_, blocked) = a.get(&me.token, "/api/v1/blocks").await;
    assert_eq!(blocked[0]["id"], pest.id);
    let (_, muted) = a.get(&me.token, "/api/v1/mutes").await;
    assert_eq!(muted[0]["id"], noisy.id);
    assert_eq!(
        a.post(
            &me.token,
            &format!("/api/v1/accounts/{}/unblock", pest.id),
            json!({})
        )
        .await
        .1["blocking"],
        false
    );
    assert_eq!(
        a.post(
            &me.token,
            &format!("/api/v1/accounts/{}/unmute", noisy.id),
            json!({})
        )
        .await
        .1["muting"],
        false
    );
    assert_eq!(
        a.get(&pest.token, &format!("/api/v1/statuses/{mine_id}"))
            .await
            .0,
        200
    );
    assert_eq!(
        a.post(
            &me.token,
            &format!("/api/v1/accounts/{}/block", me.id),
            json!({})
        )
        .await
        .0,
        403
    );
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bookmarks_favourites_markers_and_edits() {
    let cluster = TestCluster::spawn(1).await;
    let a = &cluster[0];
    let u = a.user("sol").await;
    let fan = a.user("fan").await;
    let (_, first) = a
        .post(
            &u.token,
            "/api/v1/statuses",
            json!({"status": "first #draft"}),
        )
        .await;
    let (_, second) = a
        .post(&u.token, "/api/v1/statuses", json!({"status": "second"}))
        .await;
    let (first, second) = (
        first["id"].as_str().expect("id").to_string(),
        second["id"].as_str().expect("id").to_string(),
    );
    for id in [&first, &second] {
        a.post(
            &u.token,
            &format!("/api/v1/statuses/{id}/bookmark"),
            json!({}),
        )
        .await;
    }
    a.post(
        &u.token,
        &format!("/api/v1/statuses/{first}/favourite"),
        json!({}),
    )
    .await;
    let res = http()
        .get(a.at("/api/v1/bookmarks?limit=1"))
        .bearer_auth(&u.token)
        .send()
        .await
        .expect("get");
    assert!(res.headers().contains_key("link"));
    let page: Value = res.json().await.expect("json");
    assert_eq!(page[0]["id"], second, "newest bookmark first");
    let (_, favs) = a.get(&u.token, "/api/v1/favourites").await;
    assert_eq!(favs.as_array().map(Vec::len), Some(1));

    let (_, saved) = a
        .post(
            &u.token,
            "/api/v1/markers",
            json!({"home": {"last_read_id": second}}),
        )
        .await;
    assert_eq!(saved["home"]["version"], 1);
    let res = http()
        .post(a.at("/api/v1/markers"))
        .bearer_auth(&u.token)
        .form(&[("home[last_read_id]", first.as_str())])
        .send()
        .await
        .expect("post");
    assert_eq!(
        res.json::<Value>().await.expect("json")["home"]["version"],
        2
    );
    let (_, got) = a
        .get(
            &u.token,
            "/api/v1/markers?timeline[]=home&timeline[]=notifications",
        )
        .await;
    assert_eq!(got["home"]["last_read_id"], first);
    assert!(got.get("notifications").is_none());

    // Edits keep history; only the author edits; boosters hear of it.
    a.post(
        &fan.token,
        &format!("/api/v1/statuses/{first}/reblog"),
        json!({}),
    )
    .await;
    let res = http()
        .put(a.at(&format!("/api/v1/statuses/{first}")))
        .bearer_auth(&u.token)
        .json(&json!({"status": "first, corrected #final @fan"}))
        .send()
        .await
        .expect("put");
    assert_eq!(res.status(), 200);
    let edited: Value = res.json().await.expect("json");
    assert!(edited["edited_at"].is_string());
    assert_eq!(edited["tags"][0]["name"], "final");
    assert_eq!(edited["mentions"][0]["acct"], "fan");
    let (_, history) = a
        .get(&u.token, &format!("/api/v1/statuses/{first}/history"))
        .await;
    let versions: Vec<&str> = history
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|v| v["content"].as_str())
        .collect();
    assert_eq!(versions.len(), 2);
    assert!(versions[0].contains("first") && !versions[0].contains("corrected"));
    assert!(versions[1].contains("corrected"));
    let (_, source) = a
        .get(&u.token, &format!("/api/v1/statuses/{first}/source"))
        .await;
    assert_eq!(source["text"], "first, corrected #final @fan");
    assert_eq!(
        a.get(&fan.token, &format!("/api/v1/statuses/{first}/source"))
            .await
            .0,
        404
    );
    let res = http()
        .put(a.at(&format!("/api/v1/statuses/{first}")))
        .bearer_auth(&fan.token)
        .json(&json!({"status": "hijack"}))
        .send()
        .await
        .expect("put");
    assert_eq!(res.status(), 403);
    let (_, notes) = a.get(&fan.token, "/api/v1/notifications").await;
    let kinds: Vec<&str> = notes
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|n| n["type"].as_str())
        .collect();
    assert!(
        kinds.contains(&"update") && kinds.contains(&"mention"),
        "{kinds:?}"
    );
    let (_, tagged) = a.get("", "/api/v1/timelines/tag/draft").await;
    assert_eq!(tagged, json!([]), "tags follow the edit");

    // Posts have Mastodon-style URLs with a page behind them.
    let url = edited["url"].as_str().expect("url");
    assert_eq!(url, a.at(&format!("/@sol/{first}")));
    let page = http().get(url).send().await.expect("page");
    assert_eq!(page.status(), 200);
    assert!(page.text().await.expect("html").contains("corrected"));
    cluster.shutdown().await;
}

/// A JPEG `width` x `height`, left half red, right half blue, with an EXIF segment saying it
/// must be turned (orientation 6: 90 degrees clockwise) and where it was taken.
fn jpeg_with_exif(width: u32, height: u32, secret: &str) -> Vec<u8> {
    let img = image::RgbImage::from_fn(width, height, |x, _| {
        if x < width / 2 {
            image::Rgb([255, 0, 0])
        } else {
            image::Rgb([0, 0, 255])
        }
    });
    let mut jpeg = Vec::new();
    image::DynamicImage::ImageRgb8(img)
        .write_with_encoder(image::codecs::jpeg::JpegEncoder::new_with_quality(
            &mut jpeg, 95,
        ))
        .expect("encode");
    // TIFF, big-endian: IFD0 (orientation, description, GPS pointer), then the GPS IFD, then
    // the description's text.
    let mut tiff: Vec<u8> = b"MM\x00\x2a\x00\x00\x00\x08".to_vec();
    let entry = |tag: u16, kind: u16, count: u32, value: u32| {
        let mut e = tag.to_be_bytes().to_vec();
        e.extend_from_slice(&kind.to_be_bytes());
        e.extend_from_slice(&count.to_be_bytes());
        e.extend_from_slice(&value.to_be_bytes());
        e
    };
    let gps_at = 8 + 2 + 3 * 12 + 4;
    let text_at = gps_at + 2 + 12 + 4;
    tiff.extend_from_slice(&3u16.to_be_bytes());
    tiff.extend(entry(0x0112, 3, 1, 6 << 16));
    tiff.extend(entry(0x010E, 2, secret.len() as u32 + 1, text_at));
    tiff.extend(entry(0x8825, 4, 1, gps_at));
    tiff.extend_from_slice(&0u32.to_be_bytes());
    tiff.extend_from_slice(&1u16.to_be_bytes());
    tiff.extend(entry(0x0001, 2, 2, u32::from_be_bytes(*b"N\0\0\0")));
    tiff.extend_from_slice(&0u32.to_be_bytes());
    tiff.extend_from_slice(secret.as_bytes());
    tiff.push(0);
    let mut app1 = vec![0xFF, 0xE1];
    app1.extend_from_slice(&((2 + 6 + tiff.len()) as u16).to_be_bytes());
    app1.extend_from_slice(b"Exif\0\0");
    app1.extend(tiff);
    let mut out = jpeg[..2].to_vec();
    out.extend(app1);
    out.extend_from_slice(&jpeg[2..]);
    out
}

/// A phone photo keeps no metadata once uploaded (its GPS position least of all), is served
/// upright, and carries its real size and a blurhash.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uploads_lose_their_metadata_and_stand_upright() {
    let cluster = TestCluster::spawn(1).await;
    let a = &cluster[0];
    let u = a.user("pia").await;
    let secret = "Taken at 48.8566N 2.3522E by Pia's phone";
    let photo = jpeg_with_exif(40, 20, secret);
    assert!(photo.windows(secret.len()).any(|w| w == secret.as_bytes()));
    let (ct, body) = multipart(&[], Some(("file", "photo.jpg", &photo)));
    let res = http()
        .post(a.at("/api/v2/media"))
        .bearer_auth(&u.token)
        .header("Content-Type", ct)
        .body(body)
        .send()
        .await
        .expect("upload");
    assert_eq!(res.status(), 200);
    let media: Value = res.json().await.expect("json");
    assert_eq!(media["meta"]["original"]["width"], 20, "{media}");
    assert_eq!(media["meta"]["original"]["height"], 40, "{media}");
    assert!(
        media["blurhash"].as_str().is_some_and(|b| b.len() >= 6),
        "{media}"
    );
    let served = http()
        .get(media["url"].as_str().expect("url"))
        .send()
        .await
        .expect("file")
        .bytes()
        .await
        .expect("bytes");
    assert!(!served.windows(4).any(|w| w == b"Exif"), "no EXIF left");
    assert!(!served.windows(secret.len()).any(|w| w == secret.as_bytes()));
    let upright = image::load_from_memory(&served).expect("a JPEG").to_rgb8();
    assert_eq!((upright.width(), upright.height()), (20, 40));
    // Turned clockwise: what was the left (red) is now the top.
    let top = upright.get_pixel(10, 5);
    let bottom = upright.get_pixel(10, 35);
    assert!(top[0] > 200 && top[2] < 60, "top is red: {top:?}");
    assert!(
        bottom[2] > 200 && bottom[0] < 60,
        "bottom is blue: {bottom:?}"
    );

    // What is not an image is refused with the reason.
    let (ct, body) = multipart(
        &[],
        Some((
            "file",
            "x.svg",
            b"<svg xmlns='http://www.w3.org/2000/svg'/>",
        )),
    );
    let res = http()
        .post(a.at("/api/v2/media"))
        .bearer_auth(&u.token)
        .header("Content-Type", ct)
        .body(body)
        .send()
        .await
        .expect("upload");
    assert_eq!(res.status(), 422);
    let err: Value = res.json().await.expect("json");
    assert!(
        err["error"]
            .as_str()
            .is_some_and(|e| e.contains("PNG, JPEG, GIF and WebP")),
        "{err}"
    );
    cluster.shutdown().await;
}
