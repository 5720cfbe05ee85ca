//! `interspace serve` as a separate process, for what only a real process shows: `kill -9`,
//! a restart on the same database.

use crate::{http, interspace_bin, run_cli, wait_until, TestDb};
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

/// A free loopback port (bound, then released for the process that will use it).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

/// The configuration (as environment) of one instance, and its process when it runs.
pub struct Served {
    pub base: String,
    pub domain: String,
    env: Vec<(String, String)>,
    child: Option<Child>,
}

impl Served {
    /// An instance on a free loopback port over `db`, that may reach its loopback peers and
    /// retries failed deliveries after 0.2 s. Not started yet: `start` runs it.
    pub fn new(db: &TestDb) -> Self {
        let port = free_port();
        let domain = format!("localhost:{port}");
        let env = [
            ("INTERSPACE__SERVER__BIND", format!("127.0.0.1:{port}")),
            ("INTERSPACE__SERVER__DOMAIN", domain.clone()),
            ("INTERSPACE__DATABASE__URL", db.url.clone()),
            ("INTERSPACE__FEDERATION__ALLOW_HTTP", "true".into()),
            (
                "INTERSPACE__FEDERATION__ALLOWED_PRIVATE_NETWORKS",
                "127.0.0.0/8,::1/128".into(),
            ),
            ("INTERSPACE__FEDERATION__RETRY_BASE_SECONDS", "0.2".into()),
            ("INTERSPACE__MEDIA__PATH", db.media.display().to_string()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        Self {
            base: format!("http://{domain}"),
            domain,
            env,
            child: None,
        }
    }

    /// A CLI command against this instance's configuration.
    pub fn cli(&self, args: &[&str]) -> Output {
        let env: Vec<(&str, &str)> = self
            .env
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        run_cli(args, &env)
    }

    /// Starts `interspace serve` and waits until `/healthz` answers.
    pub async fn start(&mut self) {
        assert!(self.child.is_none(), "already running");
        let mut cmd = Command::new(interspace_bin());
        cmd.arg("serve")
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        self.child = Some(cmd.spawn().expect("spawn serve"));
        let health = format!("{}/healthz", self.base);
        wait_until(
            "the instance to answer",
            Duration::from_secs(30),
            || async {
                let r = http().get(&health).send().await.ok()?;
                (r.status() == 200).then_some(())
            },
        )
        .await;
    }

    /// `kill -9`: no shutdown, no flush.
    pub fn kill(&mut self) {
        let mut child = self.child.take().expect("running");
        child.kill().expect("kill -9");
        child.wait().expect("reaped");
    }

    /// A password-grant token with `read write` for `login`.
    pub async fn token(&self, login: &str, password: &str) -> String {
        crate::password_token_at(&self.base, login, password, "read write").await
    }

    /// Adds a member with the CLI (`{name}@example.org`).
    pub fn add_member(&self, name: &str, password: &str) {
        let email = format!("{name}@example.org");
        let added = self.cli(&[
            "member",
            "add",
            name,
            "--email",
            &email,
            "--password",
            password,
        ]);
        assert!(added.status.success(), "{added:?}");
    }

    /// How many deliveries wait, from `interspace queue`.
    pub fn pending(&self) -> Option<u64> {
        let out = self.cli(&["queue"]);
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .find_map(|l| l.strip_prefix("pending: "))
            .and_then(|n| n.trim().parse().ok())
    }
}

impl Drop for Served {
    /// Stops the process (SIGTERM, then waits) when the test ends, passed or not.
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = Command::new("kill")
                .args(["-TERM", &child.id().to_string()])
                .status();
            let _ = child.wait();
        }
    }
}
