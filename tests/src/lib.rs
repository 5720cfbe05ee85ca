//! The test harness: `TestCluster::spawn(n)` runs n complete Interspace instances in this
//! process, each built by the real `Application::build`, listening on loopback with the domain
//! `localhost:PORT`, on its own SQLite file, or on its own fresh PostgreSQL database when
//! `TEST_DATABASE_URL` (a server's admin URL) is set.

pub mod peer;
pub mod pg_cluster;
pub mod process;
pub mod signatures;
pub mod smtp;
pub mod ws;

use interspace_app::setup::FirstRun;
use interspace_app::AppContext;
use interspace_server::{Application, Config};
use std::future::Future;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// Which database the suite runs on, from `TEST_DATABASE_URL`.
pub fn postgres_admin_url() -> Option<String> {
    std::env::var("TEST_DATABASE_URL")
        .ok()
        .filter(|u| !u.trim().is_empty())
}

pub fn backend_name() -> &'static str {
    if postgres_admin_url().is_some() {
        "postgres"
    } else {
        "sqlite"
    }
}

fn unique_name() -> String {
    format!(
        "interspace_test_{}",
        interspace_core::ids::new_id().to_lowercase()
    )
}

/// A database for one instance, dropped (PostgreSQL) or deleted (SQLite) with it.
pub struct TestDb {
    pub url: String,
    /// A media folder that goes away with the database.
    pub media: PathBuf,
    cleanup: Cleanup,
}

enum Cleanup {
    Dir(PathBuf),
    Postgres { admin: String, name: String },
}

impl TestDb {
    pub async fn create() -> Self {
        match postgres_admin_url() {
            Some(admin) => Self::create_on(&admin).await,
            None => Self::sqlite(),
        }
    }

    /// A fresh SQLite file, whichever backend the suite runs on.
    pub fn sqlite() -> Self {
        let dir = std::env::temp_dir().join(unique_name());
        std::fs::create_dir_all(&dir).expect("temp dir");
        let url = format!("sqlite://{}", dir.join("interspace.db").display());
        Self {
            url,
            media: dir.join("media"),
            cleanup: Cleanup::Dir(dir),
        }
    }

    /// A fresh database on the PostgreSQL server at `admin` (an admin URL).
    pub async fn create_on(admin: &str) -> Self {
        let admin = admin.to_string();
        let name = unique_name();
        let url = interspace_db::admin::create_database(&admin, &name)
            .await
            .unwrap_or_else(|e| panic!("cannot create test database on {admin}: {e}"));
        let media = std::env::temp_dir().join(&name).join("media");
        Self {
            url,
            media,
            cleanup: Cleanup::Postgres { admin, name },
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        match &self.cleanup {
            Cleanup::Dir(dir) => {
                let _ = std::fs::remove_dir_all(dir);
            }
            Cleanup::Postgres { admin, name } => {
                let _ = std::fs::remove_dir_all(std::env::temp_dir().join(name));
                let (admin, name) = (admin.clone(), name.clone());
                // Drop runs inside the test's runtime: use a thread with its own.
                let _ = std::thread::spawn(move || {
                    if let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                    {
                        let _ = rt.block_on(interspace_db::admin::drop_database(&admin, &name));
                    }
                })
                .join();
            }
        }
    }
}

/// The configuration of a test instance: loopback, http, its own database.
pub fn test_config(db: &TestDb, index: usize) -> Config {
    let db_url = db.url.as_str();
    let mut config = Config::default();
    config.server.bind = "127.0.0.1:0".into();
    config.server.domain = String::new();
    config.server.workers = 2;
    config.database.url = db_url.to_string();
    config.database.max_connections = 8;
    config.federation.allow_http = true;
    config.federation.allowed_private_networks = vec!["127.0.0.0/8".into(), "::1/128".into()];
    // A delivery that fails once (a peer slow under the suite's load) is retried within
    // seconds, not after the production minute that `settle`'s 30 s could never wait for.
    // Tests of retries set their own base.
    config.federation.retry_base_seconds = 1.0;
    config.space.name = format!("Space {}", (b'A' + index as u8) as char);
    config.space.handle = "space".into();
    config.instance.registrations = "open".into();
    // Every test talks from 127.0.0.1: the per-address limits are tested on their own
    // (hostile::rate_limits_*), with them on.
    config.rate_limits.enabled = false;
    config.media.path = db.media.display().to_string();
    config
}

pub struct TestInstance {
    /// `http://localhost:PORT` (no trailing slash).
    pub url: String,
    /// `localhost:PORT`
    pub domain: String,
    pub ctx: AppContext,
    pub first_run: Option<FirstRun>,
    handle: actix_web::dev::ServerHandle,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
    config: Config,
    db: TestDb,
}

impl TestInstance {
    pub async fn spawn(index: usize) -> Self {
        let db = TestDb::create().await;
        Self::spawn_with(test_config(&db, index), db).await
    }

    /// An instance whose configuration `adjust` changes first.
    pub async fn spawn_configured(index: usize, adjust: impl FnOnce(&mut Config)) -> Self {
        let db = TestDb::create().await;
        let mut config = test_config(&db, index);
        adjust(&mut config);
        Self::spawn_with(config, db).await
    }

    pub async fn spawn_with(config: Config, db: TestDb) -> Self {
        let app = Application::build(config.clone(), false)
            .await
            .unwrap_or_else(|e| panic!("instance failed to start: {e}"));
        let domain = app.ctx.urls().domain().to_string();
        let url = format!("http://{domain}");
        let ctx = app.ctx.clone();
        let first_run = app.first_run.clone();
        let handle = app.handle();
        let task = tokio::spawn(app.run_until_stopped());
        // A restart comes back on the same address, under the same name.
        let mut config = config;
        config.server.bind = format!("127.0.0.1:{}", app_port(&domain));
        config.server.domain = domain.clone();
        Self {
            url,
            domain,
            ctx,
            first_run,
            handle,
            task,
            config,
            db,
        }
    }

    /// Stops the server but keeps its database: `Stopped::start` brings it back on the same
    /// port, as a peer that was down for a while.
    pub async fn stop_keeping_data(self) -> Stopped {
        self.ctx.begin_shutdown();
        self.handle.stop(true).await;
        let _ = self.task.await;
        Stopped {
            config: self.config,
            db: self.db,
        }
    }

    /// The configuration it runs with (its database, media folder, domain).
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// An absolute URL on this instance.
    pub fn at(&self, path: &str) -> String {
        format!("{}{path}", self.url)
    }

    pub async fn stop(self) {
        self.ctx.begin_shutdown();
        self.handle.stop(true).await;
        let _ = self.task.await;
    }
}

fn app_port(domain: &str) -> u16 {
    domain
        .rsplit_once(':')
        .and_then(|(_, p)| p.parse().ok())
        .expect("a test domain has a port")
}

/// An instance stopped with its data kept.
pub struct Stopped {
    pub config: Config,
    db: TestDb,
}

impl Stopped {
    pub async fn start(self) -> TestInstance {
        TestInstance::spawn_with(self.config, self.db).await
    }
}

pub struct TestCluster {
    pub instances: Vec<TestInstance>,
}

impl TestCluster {
    pub async fn spawn(n: usize) -> Self {
        let mut instances = Vec::with_capacity(n);
        for i in 0..n {
            instances.push(TestInstance::spawn(i).await);
        }
        Self { instances }
    }

    /// Waits until no instance has anything left to deliver (two quiet checks in a row, since
    /// a delivery can make its receiver queue an answer). Panics after 30 seconds.
    pub async fn settle(&self) {
        let mut quiet = 0;
        let start = Instant::now();
        while quiet < 2 {
            let mut busy = false;
            for i in &self.instances {
                let (pending, _, events) = interspace_app::outbox::depth(&i.ctx)
                    .await
                    .expect("queue depth");
                busy |= pending > 0 || events > 0;
            }
            quiet = if busy { 0 } else { quiet + 1 };
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "the cluster did not settle within 30 s"
            );
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    pub async fn shutdown(self) {
        for i in self.instances {
            i.stop().await;
        }
    }
}

impl std::ops::Index<usize> for TestCluster {
    type Output = TestInstance;
    fn index(&self, i: usize) -> &TestInstance {
        &self.instances[i]
    }
}

/// An HTTP client for tests: no redirects, so that tests see them.
pub fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(20))
        .build()
        .expect("client")
}

/// Polls `check` until it returns `Some`, or panics after `deadline` naming `what`.
pub async fn wait_until<T, F, Fut>(what: &str, deadline: Duration, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let start = Instant::now();
    loop {
        if let Some(v) = check().await {
            return v;
        }
        if start.elapsed() > deadline {
            panic!("timed out after {deadline:?} waiting for {what}");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The workspace's target directory.
fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"))
}

/// The `interspace` binary, built once per test run with the suite's profile.
pub fn interspace_bin() -> PathBuf {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let status = Command::new(cargo)
            .args([
                "build",
                "--quiet",
                "-p",
                "interspace-server",
                "--bin",
                "interspace",
            ])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .status()
            .expect("run cargo build");
        assert!(status.success(), "building the interspace binary failed");
        target_dir().join("debug").join("interspace")
    })
    .clone()
}

/// Runs the binary with `args` and extra environment (no inherited INTERSPACE__ variables).
pub fn run_cli(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(interspace_bin());
    cmd.args(args);
    for (k, _) in std::env::vars() {
        if k.starts_with("INTERSPACE__") || k == "DATABASE_URL" {
            cmd.env_remove(k);
        }
    }
    cmd.env("RUST_LOG", "error");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("run interspace")
}

/// A member created through the real use-case, with a password-grant token from the real
/// OAuth endpoints.
pub struct TestUser {
    pub username: String,
    pub email: String,
    pub password: String,
    pub id: String,
    pub token: String,
}

impl TestInstance {
    /// Registers an OAuth app and returns (client_id, client_secret).
    pub async fn register_app(&self, scopes: &str, redirect_uri: &str) -> (String, String) {
        register_app_at(&self.url, scopes, redirect_uri).await
    }

    /// A password-grant token for `login` (username or e-mail).
    pub async fn password_token(&self, login: &str, password: &str, scopes: &str) -> String {
        password_token_at(&self.url, login, password, scopes).await
    }

    /// Adds a member (`{name}@example.org`, password `{name}-password`) and logs them in.
    pub async fn user(&self, name: &str) -> TestUser {
        let email = format!("{name}@example.org");
        let password = format!("{name}-password");
        let added = interspace_app::members::add(
            &self.ctx,
            interspace_app::members::NewMember {
                username: name.to_string(),
                email: email.clone(),
                password: Some(password.clone()),
                role: interspace_core::roles::Role::Member,
                display_name: Some(name.to_string()),
                approved: true,
            },
        )
        .await
        .expect("add member");
        let token = self
            .password_token(&email, &password, "read write follow push")
            .await;
        TestUser {
            username: name.to_string(),
            email,
            password,
            id: added.member.account.id,
            token,
        }
    }

    /// The local id of `user@domain` here, found as a client would (search with `resolve`).
    pub async fn resolve(&self, token: &str, acct: &str) -> String {
        let (status, found) = self
            .get(
                token,
                &format!("/api/v2/search?q={acct}&resolve=true&type=accounts"),
            )
            .await;
        assert_eq!(status, 200, "{found}");
        found["accounts"][0]["id"]
            .as_str()
            .unwrap_or_else(|| panic!("{acct} not found: {found}"))
            .to_string()
    }

    /// Resolves `user@domain` and follows it; returns its local id.
    pub async fn follow(&self, token: &str, acct: &str) -> String {
        let id = self.resolve(token, acct).await;
        let (status, rel) = self
            .post(
                token,
                &format!("/api/v1/accounts/{id}/follow"),
                serde_json::json!({}),
            )
            .await;
        assert_eq!(status, 200, "follow {acct}: {rel}");
        id
    }

    /// GET with a bearer token; returns status and JSON (Null for empty bodies).
    pub async fn get(&self, token: &str, path: &str) -> (u16, serde_json::Value) {
        let mut req = http().get(self.at(path));
        if !token.is_empty() {
            req = req.bearer_auth(token);
        }
        let res = req.send().await.expect("get");
        let status = res.status().as_u16();
        (status, res.json().await.unwrap_or(serde_json::Value::Null))
    }

    /// PATCH JSON with a bearer token.
    pub async fn patch(
        &self,
        token: &str,
        path: &str,
        body: serde_json::Value,
    ) -> (u16, serde_json::Value) {
        let res = http()
            .patch(self.at(path))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .expect("patch");
        let status = res.status().as_u16();
        (status, res.json().await.unwrap_or(serde_json::Value::Null))
    }

    /// PUT JSON with a bearer token.
    pub async fn put(
        &self,
        token: &str,
        path: &str,
        body: serde_json::Value,
    ) -> (u16, serde_json::Value) {
        let res = http()
            .put(self.at(path))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .expect("put");
        let status = res.status().as_u16();
        (status, res.json().await.unwrap_or(serde_json::Value::Null))
    }

    /// DELETE with a bearer token.
    pub async fn delete(&self, token: &str, path: &str) -> (u16, serde_json::Value) {
        let res = http()
            .delete(self.at(path))
            .bearer_auth(token)
            .send()
            .await
            .expect("delete");
        let status = res.status().as_u16();
        (status, res.json().await.unwrap_or(serde_json::Value::Null))
    }

    /// POST JSON with a bearer token.
    pub async fn post(
        &self,
        token: &str,
        path: &str,
        body: serde_json::Value,
    ) -> (u16, serde_json::Value) {
        let mut req = http().post(self.at(path)).json(&body);
        if !token.is_empty() {
            req = req.bearer_auth(token);
        }
        let res = req.send().await.expect("post");
        let status = res.status().as_u16();
        (status, res.json().await.unwrap_or(serde_json::Value::Null))
    }
}

/// A remote Person at `base` (`http://host:port`) named `name`, as it would be stored once
/// fetched: for tests and benchmarks that write many followers straight into a database.
pub fn remote_person(
    base: &str,
    name: &str,
    inbox: &str,
    shared_inbox: Option<&str>,
) -> interspace_db::accounts::NewAccount {
    let ts = interspace_db::now();
    interspace_db::accounts::NewAccount {
        id: interspace_core::ids::new_id(),
        username: name.into(),
        domain: Some(base.trim_start_matches("http://").to_string()),
        actor_type: "Person".into(),
        display_name: name.into(),
        note: String::new(),
        uri: format!("{base}/users/{name}"),
        url: None,
        inbox_url: inbox.into(),
        shared_inbox_url: shared_inbox.map(String::from),
        outbox_url: None,
        followers_url: None,
        following_url: None,
        public_key_pem: String::new(),
        private_key_pem: None,
        locked: false,
        discoverable: false,
        fields: "[]".into(),
        skills: "[]".into(),
        home_space_uri: None,
        avatar_url: None,
        header_url: None,
        created_at: ts,
        updated_at: ts,
        fetched_at: Some(ts),
        bot: false,
    }
}

/// Registers an OAuth app on the instance at `base` and returns (client_id, client_secret).
pub async fn register_app_at(base: &str, scopes: &str, redirect_uri: &str) -> (String, String) {
    let res: serde_json::Value = http()
        .post(format!("{base}/api/v1/apps"))
        .json(&serde_json::json!({
            "client_name": "harness", "redirect_uris": redirect_uri, "scopes": scopes
        }))
        .send()
        .await
        .expect("apps")
        .json()
        .await
        .expect("json");
    (
        res["client_id"].as_str().expect("client_id").to_string(),
        res["client_secret"]
            .as_str()
            .expect("client_secret")
            .to_string(),
    )
}

/// A password-grant token for `login` (username or e-mail) on the instance at `base`.
pub async fn password_token_at(base: &str, login: &str, password: &str, scopes: &str) -> String {
    let (id, secret) =
        register_app_at(base, "read write follow push", "urn:ietf:wg:oauth:2.0:oob").await;
    let res = http()
        .post(format!("{base}/oauth/token"))
        .form(&[
            ("grant_type", "password"),
            ("username", login),
            ("password", password),
            ("client_id", &id),
            ("client_secret", &secret),
            ("scope", scopes),
        ])
        .send()
        .await
        .expect("token");
    assert_eq!(res.status(), 200, "password grant for {login}");
    let body: serde_json::Value = res.json().await.expect("json");
    body["access_token"]
        .as_str()
        .expect("access_token")
        .to_string()
}

/// Writes `follower` (a remote account, see [`remote_person`]) into a database as an
/// accepted follower of `target_id`, as if its Follow had been accepted.
pub async fn add_remote_follower(
    conn: &mut interspace_db::DbConn,
    target_id: &str,
    follower: &interspace_db::accounts::NewAccount,
) {
    let account = interspace_db::accounts::upsert_remote_account(conn, follower)
        .await
        .expect("follower account");
    let ts = interspace_db::now();
    interspace_db::follows::upsert_follow(
        conn,
        &interspace_db::follows::Follow {
            id: interspace_core::ids::new_id(),
            account_id: account.id,
            target_account_id: target_id.to_string(),
            uri: None,
            accepted: true,
            show_reblogs: true,
            notify: false,
            created_at: ts,
            updated_at: ts,
        },
    )
    .await
    .expect("follow");
}
