//! Real Mastodon clients (Mastodon.py and toot, from PyPI) against a live instance. The test
//! command installs them into `.venv` and sets `INTERSPACE_TEST_VENV`; without it these tests
//! say so and skip (with CI=true they fail).

use interspace_tests::TestCluster;
use serde_json::json;
use std::path::PathBuf;
use std::process::Command;

fn venv() -> Option<PathBuf> {
    match std::env::var("INTERSPACE_TEST_VENV") {
        Ok(v) if !v.is_empty() => Some(PathBuf::from(v)),
        _ => {
            assert_ne!(
                std::env::var("CI").as_deref(),
                Ok("true"),
                "CI needs INTERSPACE_TEST_VENV (scripts/test sets it)"
            );
            eprintln!(
                "SKIPPED: INTERSPACE_TEST_VENV is not set; run scripts/test to drive real clients"
            );
            None
        }
    }
}

fn script(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("clients")
        .join(name)
}

fn run_python(venv: &std::path::Path, name: &str, env: &[(&str, String)]) -> String {
    let mut cmd = Command::new(venv.join("bin/python"));
    cmd.arg(script(name));
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("run python");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{name} failed:\n{stdout}\n{stderr}");
    assert!(
        stdout.trim_end().ends_with("OK"),
        "{name} did not finish:\n{stdout}\n{stderr}"
    );
    stdout
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mastodon_py_logs_in_posts_follows_and_is_notified() {
    let Some(venv) = venv() else { return };
    let cluster = TestCluster::spawn(1).await;
    let a = &cluster[0];
    let alice = a.user("alice").await;
    let bob = a.user("bob").await;
    let out = tokio::task::spawn_blocking({
        let env = vec![
            ("BASE", a.url.clone()),
            ("ALICE_EMAIL", alice.email.clone()),
            ("ALICE_PASSWORD", alice.password.clone()),
            ("BOB", bob.username.clone()),
            ("BOB_TOKEN", bob.token.clone()),
        ];
        move || run_python(&venv, "mastodon_py_flow.py", &env)
    })
    .await
    .expect("join");
    assert!(out.contains("following bob"), "{out}");
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn toot_logs_in_posts_follows_and_reads_home() {
    let Some(venv) = venv() else { return };
    let cluster = TestCluster::spawn(1).await;
    let a = &cluster[0];
    let dora = a.user("dora").await;
    let bob = a.user("bob").await;
    let (status, _) = a
        .post(
            &bob.token,
            "/api/v1/statuses",
            json!({"status": "Bob opens the roof terrace"}),
        )
        .await;
    assert_eq!(status, 200);
    let out = tokio::task::spawn_blocking({
        let env = vec![
            ("BASE", a.url.clone()),
            ("TOOT", venv.join("bin/toot").display().to_string()),
            ("DORA_EMAIL", dora.email.clone()),
            ("DORA_PASSWORD", dora.password.clone()),
            ("BOB", bob.username.clone()),
            ("BOB_POST", "Bob opens the roof terrace".to_string()),
        ];
        move || run_python(&venv, "toot_flow.py", &env)
    })
    .await
    .expect("join");
    assert!(out.contains("OK"));
    cluster.shutdown().await;
}
