//! The web interface over plain HTTP: sessions, CSRF, security headers, reset links, reports
//! (also forwarded as `Flag` across instances). The browser suite (`browser.rs`) drives the same
//! pages in Chromium.

use interspace_tests::{http, wait_until, TestCluster, TestInstance};
use reqwest::header::HeaderMap;
use serde_json::json;
use std::collections::BTreeMap;
use std::time::Duration;

/// A cookie jar and the CSRF field of the last page, like a browser without scripts.
pub(crate) struct Browser<'a> {
    at: &'a TestInstance,
    cookies: BTreeMap<String, String>,
    csrf: String,
}

pub(crate) struct Page {
    pub(crate) status: u16,
    pub(crate) headers: HeaderMap,
    pub(crate) body: String,
}

impl Page {
    fn location(&self) -> &str {
        self.headers
            .get("location")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }
}

impl<'a> Browser<'a> {
    pub(crate) fn new(at: &'a TestInstance) -> Self {
        Self {
            at,
            cookies: BTreeMap::new(),
            csrf: String::new(),
        }
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    async fn take(&mut self, res: reqwest::Response) -> Page {
        for c in res.headers().get_all("set-cookie") {
            let pair = c.to_str().expect("cookie").split(';').next().expect("pair");
            let (k, v) = pair.split_once('=').expect("k=v");
            if v.is_empty() {
                self.cookies.remove(k);
            } else {
                self.cookies.insert(k.to_string(), v.to_string());
            }
        }
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        let body = res.text().await.expect("body");
        if let Some(csrf) = body
            .split("name=\"csrf\" value=\"")
            .nth(1)
            .and_then(|s| s.split('"').next())
        {
            self.csrf = csrf.to_string();
        }
        Page {
            status,
            headers,
            body,
        }
    }

    pub(crate) async fn get(&mut self, path: &str) -> Page {
        let res = http()
            .get(self.at.at(path))
            .header("Cookie", self.cookie_header())
            .header("Accept", "text/html")
            .send()
            .await
            .expect("get");
        self.take(res).await
    }

    /// Posts a form with the CSRF field of the last page.
    pub(crate) async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Page {
        let mut form: Vec<(String, String)> = fields
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        form.push(("csrf".into(), self.csrf.clone()));
        let res = http()
            .post(self.at.at(path))
            .header("Cookie", self.cookie_header())
            .form(&form)
            .send()
            .await
            .expect("post");
        self.take(res).await
    }

    pub(crate) async fn sign_in(&mut self, login: &str, password: &str) {
        self.get("/login").await;
        let res = self
            .post("/login", &[("username", login), ("password", password)])
            .await;
        assert_eq!(res.status, 303, "sign in as {login}: {}", res.body);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_have_security_headers_and_forms_need_csrf() {
    let cluster = TestCluster::spawn(1).await;
    let a = &cluster[0];
    let alice = a.user("alice").await;

    let mut anon = Browser::new(a);
    for path in ["/", "/login", "/register", "/@alice"] {
        let page = anon.get(path).await;
        assert_eq!(page.status, 200, "{path}");
        let csp = page.headers["content-security-policy"]
            .to_str()
            .expect("csp");
        assert!(
            csp.contains("default-src 'none'") && csp.contains("frame-ancestors 'none'"),
            "{csp}"
        );
        assert!(!csp.contains("unsafe-inline"), "{csp}");
        assert_eq!(page.headers["x-frame-options"], "DENY");
        assert!(!page.body.contains("<script"), "{path} has a script");
    }
    let css = http()
        .get(a.at("/static/interspace.css"))
        .send()
        .await
        .expect("css");
    assert_eq!(css.status(), 200);
    assert!(css.headers()["content-type"]
        .to_str()
        .expect("ct")
        .starts_with("text/css"));

    // Member and operator pages send signed-out browsers to the sign-in page.
    for path in ["/home", "/settings", "/admin", "/admin/reports"] {
        let page = anon.get(path).await;
        assert_eq!(page.status, 303, "{path}");
        assert!(
            page.location().starts_with("/login?next="),
            "{path}: {}",
            page.location()
        );
    }

    // Signing in without the CSRF cookie, or with a wrong token, is refused.
    let res = http()
        .post(a.at("/login"))
        .form(&[
            ("username", "alice"),
            ("password", "alice-password"),
            ("csrf", &"0".repeat(32)),
        ])
        .send()
        .await
        .expect("post");
    assert_eq!(res.status(), 403);
    let mut b = Browser::new(a);
    b.get("/login").await;
    b.csrf = "f".repeat(32);
    assert_eq!(
        b.post(
            "/login",
            &[("username", "alice"), ("password", "alice-password")]
        )
        .await
        .status,
        403
    );
    // A wrong password shows the form again with the reason.
    b.get("/login").await;
    let res = b
        .post("/login", &[("username", "alice"), ("password", "nope")])
        .await;
    assert_eq!(res.status, 400);
    assert!(
        res.body.contains("Invalid username or password"),
        "{}",
        res.body
    );

    let res = b
        .post(
            "/login",
            &[
                ("username", "alice"),
                ("password", "alice-password"),
                ("next", "//evil.example/"),
            ],
        )
        .await;
    assert_eq!(res.status, 303);
    assert_eq!(res.location(), "/home", "no open redirect");
    let session = res.headers["set-cookie"]
        .to_str()
        .expect("cookie")
        .to_string();
    assert!(session.starts_with("interspace_session="), "{session}");
    assert!(
        session.contains("HttpOnly") && session.contains("SameSite=Lax"),
        "{session}"
    );
    assert!(!session.contains("Secure"), "http instance: {session}");

    // Posting needs the session's own CSRF token; a forged one posts nothing.
    let home = b.get("/home").await;
    assert_eq!(home.status, 200);
    let good = b.csrf.clone();
    b.csrf = "a".repeat(32);
    assert_eq!(
        b.post(
            "/statuses",
            &[("status", "forged"), ("visibility", "public")]
        )
        .await
        .status,
        403
    );
    b.csrf = good;
    assert_eq!(
        b.post("/statuses", &[("status", "",), ("visibility", "public")])
            .await
            .status,
        422
    );
    let res = b
        .post(
            "/statuses",
            &[("status", "Hello from the web"), ("visibility", "public")],
        )
        .await;
    assert_eq!(res.status, 303, "{}", res.body);
    let (_, mine) = a
        .get(
            &alice.token,
            &format!("/api/v1/accounts/{}/statuses", alice.id),
        )
        .await;
    let texts: Vec<&str> = mine
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|s| s["content"].as_str())
        .collect();
    assert_eq!(texts.len(), 1, "{texts:?}");
    assert!(texts[0].contains("Hello from the web"));

    // A member is not an operator.
    assert_eq!(b.get("/admin/members").await.status, 403);

    // Signing out ends the session on the server, not only in the browser.
    let stolen = b.cookie_header();
    b.get("/home").await;
    assert_eq!(b.post("/logout", &[]).await.status, 303);
    let res = http()
        .get(a.at("/home"))
        .header("Cookie", stolen)
        .send()
        .await
        .expect("get");
    assert_eq!(res.status(), 303, "the old cookie no longer works");
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operators_invite_and_reset_passwords_through_single_use_links() {
    let cluster = TestCluster::spawn(1).await;
    let a = &cluster[0];
    let first = a.first_run.clone().expect("first run");
    let mut op = Browser::new(a);
    op.sign_in(&first.operator_username, &first.password).await;
    op.get("/admin/members").await;
    let res = op
        .post(
            "/admin/invites",
            &[
                ("email", "dana@example.org"),
                ("max_uses", "1"),
                ("expires_in_days", "7"),
            ],
        )
        .await;
    assert_eq!(res.status, 200);
    let link = res
        .body
        .split("id=\"invite-link\" href=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("invite link")
        .to_string();
    let path = link.strip_prefix(&a.url).expect("local link").to_string();
    let bad = op.post("/admin/invites", &[("max_uses", "0")]).await;
    assert_eq!(bad.status, 422, "a bad number is explained");

    // Dana signs up with the link (the e-mail is filled in) and is signed in at once.
    let mut dana = Browser::new(a);
    let form = dana.get(&path).await;
    assert_eq!(form.status, 200);
    assert!(form.body.contains("value=\"dana@example.org\""));
    let code = path.trim_start_matches("/invite/");
    let res = dana
        .post(
            "/register",
            &[
                ("username", "dana"),
                ("email", "dana@example.org"),
                ("password", "dana-password"),
                ("invite_code", code),
                ("agreement", "1"),
            ],
        )
        .await;
    assert_eq!(res.status, 303, "{}", res.body);
    assert_eq!(dana.get("/home").await.status, 200);
    // The invite was for one person.
    assert_eq!(Browser::new(a).get(&path).await.status, 410);

    // The operator makes a reset link for dana.
    let dana_id = interspace_app::accounts::get_local_by_username(&a.ctx, "dana")
        .await
        .expect("dana")
        .id;
    op.get("/admin/members").await;
    let res = op
        .post(&format!("/admin/members/{dana_id}"), &[("action", "reset")])
        .await;
    let link = res
        .body
        .split("id=\"reset-link\" href=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("reset link")
        .to_string();
    let reset = link.strip_prefix(&a.url).expect("local").to_string();
    let mut anon = Browser::new(a);
    assert_eq!(anon.get(&reset).await.status, 200);
    assert_eq!(
        anon.post(&reset, &[("password", "short")]).await.status,
        422
    );
    assert_eq!(
        anon.post(&reset, &[("password", "a-new-password")])
            .await
            .status,
        303
    );
    // Used once: the link is dead, the old password and the old session too.
    assert_eq!(anon.get(&reset).await.status, 410);
    assert_eq!(
        anon.post(&reset, &[("password", "another-password")])
            .await
            .status,
        404
    );
    assert_eq!(dana.get("/home").await.status, 303);
    // Dana changes it again herself: the current password is checked; her other browsers and
    // apps are signed out, this browser stays.
    let mut other = Browser::new(a);
    other.sign_in("dana", "a-new-password").await;
    let mut here = Browser::new(a);
    here.sign_in("dana", "a-new-password").await;
    let api = a.password_token("dana", "a-new-password", "read").await;
    here.get("/settings").await;
    let res = here
        .post(
            "/settings/password",
            &[
                ("current_password", "wrong"),
                ("password", "third-password"),
            ],
        )
        .await;
    assert_eq!(res.status, 422);
    assert!(
        res.body.contains("is not your current password"),
        "{}",
        res.body
    );
    let res = here
        .post(
            "/settings/password",
            &[
                ("current_password", "a-new-password"),
                ("password", "third-password"),
            ],
        )
        .await;
    assert_eq!(res.status, 303);
    assert_eq!(
        here.get("/settings").await.status,
        200,
        "this browser stays signed in"
    );
    assert_eq!(
        other.get("/settings").await.status,
        303,
        "the other one is signed out"
    );
    let (status, _) = a.get(&api, "/api/v1/accounts/verify_credentials").await;
    assert_eq!(status, 401, "app tokens end");

    let mut again = Browser::new(a);
    again.get("/login").await;
    assert_eq!(
        again
            .post(
                "/login",
                &[("username", "dana"), ("password", "dana-password")]
            )
            .await
            .status,
        400
    );
    again.sign_in("dana", "third-password").await;
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reports_are_forwarded_as_flag_and_resolved_by_operators() {
    let cluster = TestCluster::spawn(2).await;
    let (a, b) = (&cluster[0], &cluster[1]);
    let alice = a.user("alice").await;
    let bob = b.user("bob").await;
    let (_, post) = b
        .post(
            &bob.token,
            "/api/v1/statuses",
            json!({"status": "buy cheap stuff", "visibility": "public"}),
        )
        .await;
    let bob_at_a = a.resolve(&alice.token, &format!("bob@{}", b.domain)).await;
    a.follow(&alice.token, &format!("bob@{}", b.domain)).await;
    let uri = post["uri"].as_str().expect("uri").to_string();
    let (_, found) = a
        .get(
            &alice.token,
            &format!("/api/v2/search?q={}&resolve=true", urlencode(&uri)),
        )
        .await;
    let status_at_a = found["statuses"][0]["id"].as_str().map(String::from);

    // Bad input changes nothing.
    let (status, _) = a
        .post(
            &alice.token,
            "/api/v1/reports",
            json!({"account_id": bob_at_a, "category": "nonsense"}),
        )
        .await;
    assert_eq!(status, 422);
    let (status, _) = a
        .post(
            &alice.token,
            "/api/v1/reports",
            json!({"account_id": alice.id}),
        )
        .await;
    assert_eq!(status, 422, "nobody reports themselves");

    let mut body =
        json!({"account_id": bob_at_a, "comment": "spam", "category": "spam", "forward": true});
    if let Some(s) = &status_at_a {
        body["status_ids"] = json!([s]);
    }
    let (status, report) = a.post(&alice.token, "/api/v1/reports", body).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["forwarded"], true);

    // B's operators get the Flag, from A's instance actor, not from alice.
    let b_op = b.first_run.clone().expect("first run");
    let b_operator = interspace_app::members::get(&b.ctx, &b_op.operator_username)
        .await
        .expect("op");
    let flagged = wait_until("the Flag reaches B", Duration::from_secs(10), || async {
        let list = interspace_app::reports::list(&b.ctx, &b_operator.user, true)
            .await
            .expect("list");
        list.into_iter().next()
    })
    .await;
    assert_eq!(flagged.target.username, "bob");
    assert_eq!(flagged.report.comment, "spam");
    assert_ne!(
        flagged.reporter.username, "alice",
        "the reporter stays anonymous"
    );
    if status_at_a.is_some() {
        assert_eq!(flagged.statuses.len(), 1, "the post came along");
    }

    // A's operator silences bob from the report page: bob leaves A's public timeline.
    let a_op = a.first_run.clone().expect("first run");
    let mut op = Browser::new(a);
    op.sign_in(&a_op.operator_username, &a_op.password).await;
    let rid = report["id"].as_str().expect("id");
    let page = op.get(&format!("/admin/reports/{rid}")).await;
    assert!(page.body.contains("Silence the account"), "{}", page.body);
    assert_eq!(
        op.post(&format!("/admin/reports/{rid}"), &[("action", "suspend")])
            .await
            .status,
        422,
        "remote accounts are not suspended"
    );
    let res = op
        .post(&format!("/admin/reports/{rid}"), &[("action", "silence")])
        .await;
    assert_eq!(res.status, 303);
    let (_, public) = a.get(&alice.token, "/api/v1/timelines/public").await;
    assert!(
        public
            .as_array()
            .expect("list")
            .iter()
            .all(|s| s["account"]["id"] != json!(bob_at_a)),
        "{public}"
    );
    // A silenced account reaches only its followers: alice (a follower) is notified of its
    // mention, carol is not.
    let carol = a.user("carol").await;
    b.post(
        &bob.token,
        "/api/v1/statuses",
        json!({"status": format!("hi @alice@{0} and @carol@{0}", a.domain)}),
    )
    .await;
    wait_until("alice is notified", Duration::from_secs(10), || async {
        let (_, n) = a
            .get(&alice.token, "/api/v1/notifications?types[]=mention")
            .await;
        n.as_array().filter(|l| !l.is_empty()).map(|_| ())
    })
    .await;
    let (_, n) = a.get(&carol.token, "/api/v1/notifications").await;
    assert_eq!(n, json!([]), "carol does not follow bob");
    assert_eq!(
        op.post(&format!("/admin/reports/{rid}"), &[("action", "dismiss")])
            .await
            .status,
        409,
        "resolved once"
    );

    // B's operator suspends bob over the forwarded report: his token stops working.
    let mut bop = Browser::new(b);
    bop.sign_in(&b_op.operator_username, &b_op.password).await;
    bop.get(&format!("/admin/reports/{}", flagged.report.id))
        .await;
    let res = bop
        .post(
            &format!("/admin/reports/{}", flagged.report.id),
            &[("action", "suspend")],
        )
        .await;
    assert_eq!(res.status, 303);
    let (status, _) = b
        .get(&bob.token, "/api/v1/accounts/verify_credentials")
        .await;
    assert_eq!(status, 401);
    cluster.shutdown().await;
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn housekeeping_prunes_idle_sessions_dead_reset_links_and_old_activity_ids() {
    use interspace_db::{now, outbox, sessions};
    let cluster = TestCluster::spawn(1).await;
    let a = &cluster[0];
    a.user("olga").await;
    let ctx = &a.ctx;
    let (_, old) =
        interspace_app::sessions::sign_in(ctx, "olga", "olga-password", "old browser", "127.0.0.1")
            .await
            .expect("sign in");
    let (fresh_token, _) =
        interspace_app::sessions::sign_in(ctx, "olga", "olga-password", "new browser", "127.0.0.1")
            .await
            .expect("sign in");
    let long_ago = now() - interspace_app::sessions::IDLE_LIFETIME * 2;
    let mut conn = ctx.db.get().await.expect("conn");
    sessions::touch_session(&mut conn, &old.session.id, long_ago)
        .await
        .expect("age");
    for (id, at) in [
        ("https://old.example/a/1", long_ago),
        ("https://new.example/a/1", now()),
    ] {
        outbox::claim_activity(&mut conn, id, at, at)
            .await
            .expect("claim");
        outbox::finish_activity(&mut conn, id).await.expect("seen");
    }
    sessions::insert_reset(
        &mut conn,
        &sessions::PasswordReset {
            id: "01DEADRESET".into(),
            token_hash: "dead".into(),
            user_id: old.member.user.id.clone(),
            created_by: None,
            expires_at: long_ago,
            used_at: None,
            created_at: long_ago,
        },
    )
    .await
    .expect("reset");
    drop(conn);

    let pruned = interspace_app::housekeeping::run(ctx).await.expect("run");
    assert_eq!(
        pruned,
        interspace_app::housekeeping::Pruned {
            sessions: 1,
            resets: 1,
            activities: 1,
            tombstones: 0,
            mails: 0,
            pushes: 0
        }
    );
    // What is still in use stays: the fresh session works, the recent id is still a replay.
    assert!(interspace_app::sessions::authenticate(ctx, &fresh_token)
        .await
        .expect("auth")
        .is_some());
    let mut conn = ctx.db.get().await.expect("conn");
    assert_eq!(
        outbox::claim_activity(&mut conn, "https://new.example/a/1", now(), now())
            .await
            .expect("replay"),
        outbox::Claim::Seen
    );
    drop(conn);
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn following_from_another_server_goes_through_its_interaction_page() {
    let cluster = TestCluster::spawn(2).await;
    let (a, b) = (&cluster[0], &cluster[1]);
    b.user("bob").await;
    // A visitor on A's space page names their account on B.
    let mut visitor = Browser::new(a);
    let home = visitor.get("/").await;
    let uri = home
        .body
        .split("name=\"uri\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("the space's id in the form")
        .to_string();
    let bad = visitor
        .post("/remote-follow", &[("handle", "nobody"), ("uri", &uri)])
        .await;
    assert_eq!(bad.status, 200);
    assert!(bad.body.contains("role=\"alert\""), "{}", bad.body);
    let page = visitor
        .post(
            "/remote-follow",
            &[("handle", &format!("bob@{}", b.domain)), ("uri", &uri)],
        )
        .await;
    assert_eq!(page.status, 200, "{}", page.body);
    let link = page
        .body
        .split("class=\"button\" href=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("a link to B")
        .replace("&amp;", "&");
    assert!(
        link.starts_with(&format!("{}/authorize_interaction?uri=", b.url)),
        "{link}"
    );

    // On B, bob (signed in) lands on B's page for the space, with its Follow button.
    let mut bob = Browser::new(b);
    bob.sign_in("bob", "bob-password").await;
    let path = link.strip_prefix(&b.url).expect("local").to_string();
    let res = bob.get(&path).await;
    assert_eq!(res.status, 303);
    let account_page = bob.get(res.location()).await;
    assert_eq!(account_page.status, 200);
    assert!(
        account_page.body.contains(">Follow</button>"),
        "{}",
        account_page.body
    );
    // Signed out, B asks bob to sign in first and comes back.
    let res = Browser::new(b).get(&path).await;
    assert_eq!(res.status, 303);
    assert!(
        res.location()
            .starts_with("/login?next=%2Fauthorize_interaction"),
        "{}",
        res.location()
    );
    cluster.shutdown().await;
}
