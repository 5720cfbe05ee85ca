//! Password hashing under a burst (not a test): 64 logins at once, half for a real account and
//! half for unknown names, against the release binary in its own process. Reports the
//! server's peak resident memory, how the burst was answered, and `/healthz` latency during
//! it.
//!
//! Run: `cargo bench -p interspace-tests --bench logins` (`BENCH_LOGINS=N` for another burst).

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(run());
}

fn release_binary() -> std::path::PathBuf {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(cargo)
        .args([
            "build",
            "--quiet",
            "--release",
            "-p",
            "interspace-server",
            "--bin",
            "interspace",
        ])
        .status()
        .expect("cargo build");
    assert!(status.success());
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/release/interspace")
}

fn rss_kib(pid: u32, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

async fn run() {
    let n: usize = std::env::var("BENCH_LOGINS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(64);
    let bin = release_binary();
    let dir = std::env::temp_dir().join(format!("interspace-logins-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("port")
        .port();
    let base = format!("http://localhost:{port}");
    let mut server = Command::new(&bin)
        .arg("serve")
        .env("INTERSPACE__SERVER__BIND", format!("127.0.0.1:{port}"))
        .env("INTERSPACE__SERVER__DOMAIN", format!("localhost:{port}"))
        .env(
            "INTERSPACE__DATABASE__URL",
            format!("sqlite://{}/db.sqlite", dir.display()),
        )
        .env("INTERSPACE__MEDIA__PATH", dir.join("media"))
        .env("INTERSPACE__FEDERATION__ALLOW_HTTP", "true")
        // The per-address limits would stop the burst before the hashing bound is reached.
        .env("INTERSPACE__RATE_LIMITS__ENABLED", "false")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .spawn()
        .expect("serve");
    let pid = server.id();
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(120))
        .build()
        .expect("client");
    let started = Instant::now();
    while http
        .get(format!("{base}/healthz"))
        .send()
        .await
        .map(|r| r.status().as_u16())
        .ok()
        != Some(200)
    {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the server did not start"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let password = std::fs::read_to_string(dir.join("first-run-password")).expect("password file");
    let app: serde_json::Value = http
        .post(format!("{base}/api/v1/apps"))
        .form(&[
            ("client_name", "bench"),
            ("redirect_uris", "urn:ietf:wg:oauth:2.0:oob"),
            ("scopes", "read"),
        ])
        .send()
        .await
        .expect("app")
        .json()
        .await
        .expect("json");
    let (id, secret) = (
        app["client_id"].as_str().expect("id").to_string(),
        app["client_secret"].as_str().expect("secret").to_string(),
    );
    let before = rss_kib(pid, "VmRSS:");

    // The burst, with /healthz asked every 50 ms meanwhile.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let probe = {
        let (http, base, stop) = (http.clone(), base.clone(), stop.clone());
        tokio::spawn(async move {
            let mut worst = Duration::ZERO;
            let mut failures = 0;
            while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                let t = Instant::now();
                match http.get(format!("{base}/healthz")).send().await {
                    Ok(r) if r.status().as_u16() == 200 => worst = worst.max(t.elapsed()),
                    _ => failures += 1,
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            (worst, failures)
        })
    };
    let mut peak = before;
    let t = Instant::now();
    let logins = (0..n).map(|i| {
        let (http, base, id, secret) = (http.clone(), base.clone(), id.clone(), secret.clone());
        let (user, pass) = if i % 2 == 0 {
            ("admin".to_string(), password.trim().to_string())
        } else {
            (format!("nobody{i}"), "wrong password".to_string())
        };
        tokio::spawn(async move {
            http.post(format!("{base}/oauth/token"))
                .form(&[
                    ("grant_type", "password"),
                    ("client_id", &id),
                    ("client_secret", &secret),
                    ("username", &user),
                    ("password", &pass),
                    ("scope", "read"),
                ])
                .send()
                .await
                .map(|r| r.status().as_u16())
                .unwrap_or(0)
        })
    });
    let handles: Vec<_> = logins.collect();
    let mut statuses = Vec::new();
    for h in handles {
        while !h.is_finished() {
            peak = peak.max(rss_kib(pid, "VmRSS:"));
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        statuses.push(h.await.expect("join"));
    }
    let elapsed = t.elapsed();
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    let (worst, failures) = probe.await.expect("probe");
    let count = |s: u16| statuses.iter().filter(|x| **x == s).count();
    println!(
        "{n} logins at once ({} known, {} unknown names) in {:.2} s",
        n.div_ceil(2),
        n / 2,
        elapsed.as_secs_f64()
    );
    let mut other: Vec<u16> = statuses
        .iter()
        .copied()
        .filter(|s| ![200, 400, 503].contains(s))
        .collect();
    other.sort_unstable();
    println!(
        "answers: {} ok, {} invalid_grant, {} busy (503), other {other:?} (0: no answer)",
        count(200),
        count(400),
        count(503),
    );
    println!(
        "server RSS: {} MiB before, {} MiB peak during the burst (VmHWM {} MiB)",
        before / 1024,
        peak / 1024,
        rss_kib(pid, "VmHWM:") / 1024
    );
    println!(
        "/healthz during the burst: worst {} ms, {failures} failures",
        worst.as_millis()
    );
    let _ = server.kill();
    let _ = server.wait();
    let _ = std::fs::remove_dir_all(&dir);
}
