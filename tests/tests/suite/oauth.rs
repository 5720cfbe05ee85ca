//! OAuth 2: apps, grants, scopes, revocation, the authorization page.

use interspace_tests::{http, TestCluster};
use serde_json::{json, Value};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn password_grant_scopes_and_revocation() {
    let cluster = TestCluster::spawn(1).await;
    let a = &cluster[0];
    let alice = a.user("alice").await;

    // Apps register with JSON and with forms.
    let (id, secret) = a
        .register_app("read write follow push", "urn:ietf:wg:oauth:2.0:oob")
        .await;
    let res = http()
        .post(a.at("/api/v1/apps"))
        .form(&[
            ("client_name", "form app"),
            ("redirect_uris", "https://app.example/cb"),
            ("scopes", "read"),
        ])
        .send()
        .await
        .expect("apps");
    assert_eq!(res.status(), 200);
    let app: Value = res.json().await.expect("json");
    assert_eq!(app["scopes"], json!(["read"]));
    assert_eq!(app["redirect_uri"], "https://app.example/cb");
    for bad in [
        json!({}),
        json!({"client_name": "x", "redirect_uris": "javascript:alert(1)"}),
        json!({"client_name": "x", "scopes": "read nonsense"}),
    ] {
        let (status, body) = a.post("", "/api/v1/apps", bad.clone()).await;
        assert_eq!(status, 422, "{bad}");
        assert!(body["error"].is_string());
    }

    let token = |login: &'static str, password: &'static str, scope: &'static str| {
        let (id, secret) = (id.clone(), secret.clone());
        async move {
            http()
                .post(a.at("/oauth/token"))
                .form(&[
                    ("grant_type", "password"),
                    ("username", login),
                    ("password", password),
                    ("client_id", &id),
                    ("client_secret", &secret),
                    ("scope", scope),
                ])
                .send()
                .await
                .expect("token")
        }
    };
    // Username or e-mail; the granted scope echoes every requested scope, legacy ones too.
    for login in ["alice", "alice@example.org", "ALICE@example.org"] {
        let res = token(login, "alice-password", "read write follow push").await;
        assert_eq!(res.status(), 200, "{login}");
        let body: Value = res.json().await.expect("json");
        assert_eq!(body["scope"], "read write follow push");
        assert_eq!(body["token_type"], "Bearer");
    }
    let res = token("alice", "wrong", "read").await;
    assert_eq!(res.status(), 400);
    let body: Value = res.json().await.expect("json");
    assert_eq!(body["error"], "invalid_grant");
    let res = token("alice", "alice-password", "admin:write").await;
    assert_eq!(res.status(), 400);
    assert_eq!(
        res.json::<Value>().await.expect("json")["error"],
        "invalid_scope"
    );
    let res = http()
        .post(a.at("/oauth/token"))
        .form(&[
            ("grant_type", "password"),
            ("username", "alice"),
            ("password", "alice-password"),
            ("client_id", id.as_str()),
            ("client_secret", "nope"),
        ])
        .send()
        .await
        .expect("token");
    assert_eq!(res.status(), 401);
    assert_eq!(
        res.json::<Value>().await.expect("json")["error"],
        "invalid_client"
    );
    let res = http()
        .post(a.at("/oauth/token"))
        .form(&[("grant_type", "magic")])
        .send()
        .await
        .expect("token");
    assert_eq!(res.status(), 400);

    // A read token cannot post (403, as in Mastodon); no token is 401.
    let read = a.password_token("alice", "alice-password", "read").await;
    let (status, body) = a
        .post(&read, "/api/v1/statuses", json!({"status": "hi"}))
        .await;
    assert_eq!(status, 403, "{body}");
    let (status, _) = a
        .post("", "/api/v1/statuses", json!({"status": "hi"}))
        .await;
    assert_eq!(status, 401);
    let (status, _) = a
        .get("not-a-token", "/api/v1/accounts/verify_credentials")
        .await;
    assert_eq!(status, 401);

    // Revoked tokens fail with 401.
    let (status, me) = a
        .get(&alice.token, "/api/v1/accounts/verify_credentials")
        .await;
    assert_eq!(status, 200);
    assert_eq!(me["username"], "alice");
    let res = http()
        .post(a.at("/oauth/revoke"))
        .form(&[
            ("token", read.as_str()),
            ("client_id", id.as_str()),
            ("client_secret", secret.as_str()),
        ])
        .send()
        .await
        .expect("revoke");
    assert_eq!(
        res.status(),
        403,
        "another client's token cannot be revoked by this client"
    );

    // Client credentials: an app token, which is not a user.
    let res = http()
        .post(a.at("/oauth/token"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", id.as_str()),
            ("client_secret", secret.as_str()),
            ("scope", "read"),
        ])
        .send()
        .await
        .expect("token");
    let app_token = res.json::<Value>().await.expect("json")["access_token"]
        .as_str()
        .expect("t")
        .to_string();
    let (status, _) = a
        .get(&app_token, "/api/v1/accounts/verify_credentials")
        .await;
    assert_eq!(status, 422);
    let (status, v) = a.get(&app_token, "/api/v1/apps/verify_credentials").await;
    assert_eq!(status, 200);
    assert_eq!(v["name"], "harness");
    let res = http()
        .post(a.at("/oauth/revoke"))
        .form(&[
            ("token", app_token.as_str()),
            ("client_id", id.as_str()),
            ("client_secret", secret.as_str()),
        ])
        .send()
        .await
        .expect("revoke");
    assert_eq!(res.status(), 200);
    let (status, _) = a.get(&app_token, "/api/v1/apps/verify_credentials").await;
    assert_eq!(status, 401);

    // Refresh tokens rotate.
    let res = token("alice", "alice-password", "read").await;
    let body: Value = res.json().await.expect("json");
    let refresh = body["refresh_token"].as_str().expect("refresh").to_string();
    let old = body["access_token"].as_str().expect("access").to_string();
    let res = http()
        .post(a.at("/oauth/token"))
        .form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh.as_str()),
            ("client_id", id.as_str()),
            ("client_secret", secret.as_str()),
        ])
        .send()
        .await
        .expect("refresh");
    assert_eq!(res.status(), 200);
    let new: Value = res.json().await.expect("json");
    assert_eq!(new["scope"], "read");
    assert_eq!(
        a.get(&old, "/api/v1/accounts/verify_credentials").await.0,
        401
    );
    assert_eq!(
        a.get(
            new["access_token"].as_str().expect("t"),
            "/api/v1/accounts/verify_credentials"
        )
        .await
        .0,
        200
    );
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_attempts_are_rate_limited() {
    let cluster = TestCluster::spawn(1).await;
    let a = &cluster[0];
    a.user("bea").await;
    let (id, secret) = a.register_app("read", "urn:ietf:wg:oauth:2.0:oob").await;
    let attempt = |password: &'static str| {
        let (id, secret) = (id.clone(), secret.clone());
        async move {
            http()
                .post(a.at("/oauth/token"))
                .form(&[
                    ("grant_type", "password"),
                    ("username", "bea"),
                    ("password", password),
                    ("client_id", &id),
                    ("client_secret", &secret),
                ])
                .send()
                .await
                .expect("token")
                .status()
                .as_u16()
        }
    };
    for _ in 0..10 {
        assert_eq!(attempt("wrong").await, 400);
    }
    assert_eq!(attempt("wrong").await, 429);
    assert_eq!(
        attempt("bea-password").await,
        429,
        "even the right password waits"
    );
    cluster.shutdown().await;
}

fn pkce_pair() -> (String, String) {
    let verifier = "a".repeat(20) + "-verifier-with-enough-entropy-0123456789";
    let digest = openssl::sha::sha256(verifier.as_bytes());
    let challenge = openssl::base64::encode_block(&digest)
        .trim_end_matches('=')
        .replace('+', "-")
        .replace('/', "_");
    (verifier, challenge)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn authorization_code_with_pkce_through_the_login_page() {
    let cluster = TestCluster::spawn(1).await;
    let a = &cluster[0];
    a.user("cleo").await;
    let redirect = "https://app.example/callback";
    let (id, secret) = a.register_app("read write", redirect).await;
    let (verifier, challenge) = pkce_pair();
    let query = format!(
        "response_type=code&client_id={id}&redirect_uri={}&scope=read&state=xyz&code_challenge={challenge}&code_challenge_method=S256",
        url::form_urlencoded::byte_serialize(redirect.as_bytes()).collect::<String>()
    );
    // The trailing-slash twin that toot opens.
    let res = http()
        .get(a.at(&format!("/oauth/authorize/?{query}")))
        .send()
        .await
        .expect("authorize");
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["x-frame-options"], "DENY");
    assert!(res.headers()["content-security-policy"]
        .to_str()
        .expect("csp")
        .contains("frame-ancestors 'none'"));
    let cookie = res.headers()["set-cookie"]
        .to_str()
        .expect("cookie")
        .to_string();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    let csrf_cookie = cookie.split(';').next().expect("pair").to_string();
    let html = res.text().await.expect("html");
    let csrf = html
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("csrf field")
        .to_string();
    assert!(html.contains("<label for=\"password\">"));

    // A redirect URI that was not registered is refused at once.
    let bad = query.replace("app.example", "evil.example");
    let res = http()
        .get(a.at(&format!("/oauth/authorize?{bad}")))
        .send()
        .await
        .expect("authorize");
    assert_eq!(res.status(), 400);

    let submit = |with_cookie: bool, csrf: String, password: &'static str| {
        let query = query.clone();
        let csrf_cookie = csrf_cookie.clone();
        async move {
            let mut form: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
                .into_owned()
                .collect();
            form.push(("username".into(), "cleo".into()));
            form.push(("password".into(), password.into()));
            form.push(("csrf".into(), csrf));
            let mut req = http().post(a.at("/oauth/authorize")).form(&form);
            if with_cookie {
                req = req.header("Cookie", csrf_cookie);
            }
            req.send().await.expect("submit")
        }
    };
    assert_eq!(
        submit(false, csrf.clone(), "cleo-password").await.status(),
        403,
        "no CSRF cookie"
    );
    assert_eq!(
        submit(true, "forged".repeat(6)[..32].to_string(), "cleo-password")
            .await
            .status(),
        403,
        "wrong CSRF token"
    );
    let res = submit(true, csrf.clone(), "wrong").await;
    assert_eq!(res.status(), 200);
    assert!(res
        .text()
        .await
        .expect("html")
        .contains("Invalid username or password"));
    let res = submit(true, csrf.clone(), "cleo-password").await;
    assert_eq!(res.status(), 302);
    let location =
        url::Url::parse(res.headers()["location"].to_str().expect("location")).expect("url");
    assert!(location.as_str().starts_with(redirect));
    let params: std::collections::HashMap<String, String> =
        location.query_pairs().into_owned().collect();
    assert_eq!(params["state"], "xyz");
    let code = params["code"].clone();

    let exchange = |code: String, verifier: String, redirect: &'static str| {
        let (id, secret) = (id.clone(), secret.clone());
        async move {
            http()
                .post(a.at("/oauth/token"))
                .form(&[
                    ("grant_type", "authorization_code"),
                    ("code", code.as_str()),
                    ("client_id", &id),
                    ("client_secret", &secret),
                    ("redirect_uri", redirect),
                    ("code_verifier", verifier.as_str()),
                ])
                .send()
                .await
                .expect("exchange")
        }
    };
    assert_eq!(
        exchange(code.clone(), "x".repeat(43), redirect)
            .await
            .status(),
        400,
        "wrong verifier"
    );
    assert_eq!(
        exchange(code.clone(), verifier.clone(), "https://app.example/other")
            .await
            .status(),
        400,
        "other redirect_uri"
    );
    let res = exchange(code.clone(), verifier.clone(), redirect).await;
    assert_eq!(res.status(), 200);
    let token: Value = res.json().await.expect("json");
    assert_eq!(token["scope"], "read");
    let (status, me) = a
        .get(
            token["access_token"].as_str().expect("t"),
            "/api/v1/accounts/verify_credentials",
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(me["username"], "cleo");
    assert_eq!(
        exchange(code, verifier, redirect).await.status(),
        400,
        "codes are single-use"
    );

    // The out-of-band flow shows the code on a page.
    let (oob_id, _) = a.register_app("read", "urn:ietf:wg:oauth:2.0:oob").await;
    let q = format!(
        "response_type=code&client_id={oob_id}&redirect_uri=urn:ietf:wg:oauth:2.0:oob&scope=read"
    );
    let res = http()
        .get(a.at(&format!("/oauth/authorize?{q}")))
        .send()
        .await
        .expect("authorize");
    let cookie = res.headers()["set-cookie"]
        .to_str()
        .expect("cookie")
        .split(';')
        .next()
        .expect("c")
        .to_string();
    let html = res.text().await.expect("html");
    let csrf = html
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("csrf")
        .to_string();
    let mut form: Vec<(String, String)> = url::form_urlencoded::parse(q.as_bytes())
        .into_owned()
        .collect();
    form.extend([
        ("username".to_string(), "cleo@example.org".to_string()),
        ("password".into(), "cleo-password".into()),
        ("csrf".into(), csrf),
    ]);
    let res = http()
        .post(a.at("/oauth/authorize"))
        .header("Cookie", cookie)
        .form(&form)
        .send()
        .await
        .expect("submit");
    assert_eq!(res.status(), 200);
    assert!(res
        .text()
        .await
        .expect("html")
        .contains("<code id=\"code\">"));

    let meta: Value = http()
        .get(a.at("/.well-known/oauth-authorization-server"))
        .send()
        .await
        .expect("meta")
        .json()
        .await
        .expect("json");
    assert!(meta["grant_types_supported"]
        .as_array()
        .expect("grants")
        .contains(&json!("password")));
    assert_eq!(meta["code_challenge_methods_supported"], json!(["S256"]));
    cluster.shutdown().await;
}
