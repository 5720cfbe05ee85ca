//! Real Mastodon clients (Mastodon.py and toot, from PyPI) against a live instance. The test
//! command installs them into `.venv` and sets `INTERSPACE_TEST_VENV`; without it these tests
//! say so and skip (with CI=true they fail).

use interspace_tests::TestCluster;
use serde_json::json;
use std::path::PathBuf;
use std::process::Command;

pub(crate) fn venv() -> Option<PathBuf> {
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

pub(crate) fn run_python(venv: &std::path::Path, name: &str, env: &[(&str, String)]) -> String {
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

/// Mastodon.py on A searches bob@B with resolve and follows him; toot on B posts as bob; the
/// post appears in A's home timeline, read with Mastodon.py.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn real_clients_across_two_instances() {
    let Some(venv) = venv() else { return };
    let cluster = TestCluster::spawn(2).await;
    let (a, b) = (&cluster[0], &cluster[1]);
    let alice = a.user("alice").await;
    let bob = b.user("bob").await;
    let out = tokio::task::spawn_blocking({
        let env = vec![
            ("A_BASE", a.url.clone()),
            ("B_BASE", b.url.clone()),
            ("B_DOMAIN", b.domain.clone()),
            ("TOOT", venv.join("bin/toot").display().to_string()),
            ("ALICE_EMAIL", alice.email.clone()),
            ("ALICE_PASSWORD", alice.password.clone()),
            ("BOB_EMAIL", bob.email.clone()),
            ("BOB_PASSWORD", bob.password.clone()),
        ];
        move || run_python(&venv, "cross_instance.py", &env)
    })
    .await
    .expect("join");
    assert!(out.contains("reached alice's home timeline"), "{out}");
    cluster.shutdown().await;
}

/// fediverse-pasture's `verify_actor` (PyPI) against a member and the space: its unsigned actor
/// may not post to the inbox, its signed ones may (claire only fetches our actor when we sign
/// our key fetches), and WebFinger agrees with the actor.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fediverse_pasture_verifies_our_actors() {
    let Some(venv) = venv() else { return };
    let cluster = TestCluster::spawn(1).await;
    let a = &cluster[0];
    a.user("alice").await;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("port")
        .port();
    let mut pasture = Command::new(venv.join("bin/python"))
        .args(["-m", "fediverse_pasture.verify_actor", "--port"])
        .arg(port.to_string())
        .args(["--domain", &format!("localhost:{port}")])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start verify_actor");
    let base = format!("http://localhost:{port}");
    interspace_tests::wait_until(
        "verify_actor to answer",
        std::time::Duration::from_secs(60),
        || async {
            let r = interspace_tests::http().get(&base).send().await.ok()?;
            r.status().is_success().then_some(())
        },
    )
    .await;
    for actor in [a.at("/users/alice"), a.at("/spaces/space")] {
        let report: serde_json::Value = interspace_tests::http()
            .get(
                url::Url::parse_with_params(&format!("{base}/"), [("actor_uri", actor.as_str())])
                    .expect("url"),
            )
            .header("Accept", "application/json")
            .timeout(std::time::Duration::from_secs(120))
            .send()
            .await
            .expect("verify")
            .json()
            .await
            .expect("json report");
        let r = &report["result"];
        assert_eq!(r["webfinger"], true, "{actor}: {report}");
        for persona in ["alice", "bob", "claire"] {
            assert_eq!(r[persona]["get_actor"], true, "{actor} {persona}: {report}");
        }
        assert_eq!(r["alice"]["post_inbox"], false, "unsigned: {report}");
        assert_eq!(r["bob"]["post_inbox"], true, "signed: {report}");
        assert_eq!(r["claire"]["post_inbox"], true, "signed fetch: {report}");
    }
    let _ = pasture.kill();
    let _ = pasture.wait();
    cluster.shutdown().await;
}

/// The selected part of toot's own integration suite (see docs/api/mastodon.md for what is
/// left out and why). It hard-codes `localhost:3000`, so this instance listens there.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn toot_integration_suite() {
    let Some(venv) = venv() else { return };
    let src = match std::env::var("INTERSPACE_TOOT_SRC") {
        Ok(s) if !s.is_empty() => PathBuf::from(s),
        _ => {
            assert_ne!(
                std::env::var("CI").as_deref(),
                Ok("true"),
                "CI needs INTERSPACE_TOOT_SRC"
            );
            eprintln!("SKIPPED: INTERSPACE_TOOT_SRC is not set");
            return;
        }
    };
    let instance = interspace_tests::TestInstance::spawn_configured(0, |c| {
        c.server.bind = "127.0.0.1:3000".into();
        c.server.domain = "localhost:3000".into();
    })
    .await;
    let out = tokio::task::spawn_blocking(move || {
        Command::new(venv.join("bin/python"))
            .args([
                "-m",
                "pytest",
                "tests/integration",
                "-q",
                "-p",
                "no:cacheprovider",
            ])
            .args(
                TOOT_SUITE_EXCLUSIONS
                    .iter()
                    .flat_map(|(flag, what)| [*flag, *what]),
            )
            .args(["-k", "not scheduled and not poll and not thumbnail"])
            .current_dir(src)
            .env("TOOT_TEST_BASE_URL", "http://localhost:3000")
            .output()
            .expect("run pytest")
    })
    .await
    .expect("join");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let summary = stdout.lines().last().unwrap_or_default().to_string();
    eprintln!("toot integration suite: {summary}");
    assert!(
        out.status.success(),
        "toot's suite failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let passed: usize = summary
        .split_whitespace()
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    assert!(
        passed >= 80,
        "expected the selected tests to run: {summary}"
    );
    instance.stop().await;
}

/// Parts of toot's suite for features Interspace does not have yet: lists, polls, followed and
/// featured hashtags (whole modules), and the two timeline tests that build on lists. Also
/// `test_following_case_insensitive`, whose random username (the last 10 hex digits of a UUID)
/// is all digits about once in 110 runs, which fails its own first assertion; case-insensitive
/// lookup is covered by `mastodon::accounts_are_found_whatever_the_case`.
const TOOT_SUITE_EXCLUSIONS: &[(&str, &str)] = &[
    ("--ignore", "tests/integration/test_lists.py"),
    ("--ignore", "tests/integration/test_polls.py"),
    ("--ignore", "tests/integration/test_tags.py"),
    (
        "--deselect",
        "tests/integration/test_timelines.py::test_timelines",
    ),
    (
        "--deselect",
        "tests/integration/test_timelines.py::test_timelines_v2",
    ),
    (
        "--deselect",
        "tests/integration/test_accounts.py::test_following_case_insensitive",
    ),
];

/// Mastodon.py, on a follower's instance, sees an organiser's event as a status in the home
/// timeline, linking to the event page.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mastodon_py_sees_a_followed_organisers_event_in_home() {
    let Some(venv) = venv() else { return };
    let cluster = TestCluster::spawn(2).await;
    let (a, b) = (&cluster[0], &cluster[1]);
    let alice = a.user("alice").await;
    let bob = b.user("bob").await;
    b.follow(&bob.token, &format!("alice@{}", a.domain)).await;
    cluster.settle().await;
    let starts = chrono::Utc::now() + chrono::Duration::days(3);
    let (status, event) = a
        .post(
            &alice.token,
            "/api/interspace/v1/events",
            json!({
                "title": "Pottery evening", "starts_at": starts.to_rfc3339(),
                "ends_at": (starts + chrono::Duration::hours(2)).to_rfc3339(),
            }),
        )
        .await;
    assert_eq!(status, 200, "{event}");
    cluster.settle().await;
    let out = tokio::task::spawn_blocking({
        let env = vec![
            ("BASE", b.url.clone()),
            ("TOKEN", bob.token.clone()),
            ("TITLE", "Pottery evening".to_string()),
            ("URL", event["url"].as_str().expect("url").to_string()),
        ];
        move || run_python(&venv, "mastodon_py_event.py", &env)
    })
    .await
    .expect("join");
    assert!(out.contains(&format!("alice@{}", a.domain)), "{out}");
    cluster.shutdown().await;
}

/// Mastodon.py, on a follower's instance, sees an opportunity as a status with its skills as
/// hashtags, and its direct reply reaches the poster's instance as an expression of interest.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mastodon_py_sees_an_opportunity_and_its_direct_reply_is_interest() {
    let Some(venv) = venv() else { return };
    let cluster = TestCluster::spawn(2).await;
    let (a, b) = (&cluster[0], &cluster[1]);
    let alice = a.user("alice").await;
    let bob = b.user("bob").await;
    b.follow(&bob.token, &format!("alice@{}", a.domain)).await;
    cluster.settle().await;
    let (status, o) = a
        .post(
            &alice.token,
            "/api/interspace/v1/opportunities",
            json!({"title": "Kiln partner wanted", "kind": "collaboration",
                   "skills": ["ceramics", "glazing"], "description": "Shared kiln, weekends."}),
        )
        .await;
    assert_eq!(status, 200, "{o}");
    cluster.settle().await;
    let out = tokio::task::spawn_blocking({
        let env = vec![
            ("BASE", b.url.clone()),
            ("TOKEN", bob.token.clone()),
            ("TITLE", "Kiln partner wanted".to_string()),
            ("URL", o["url"].as_str().expect("url").to_string()),
            ("POSTER", format!("alice@{}", a.domain)),
        ];
        move || run_python(&venv, "mastodon_py_opportunity.py", &env)
    })
    .await
    .expect("join");
    assert!(out.contains("OK"), "{out}");
    cluster.settle().await;
    let id = o["id"].as_str().expect("id");
    let (_, apps) = a
        .get(
            &alice.token,
            &format!("/api/interspace/v1/opportunities/{id}/applications"),
        )
        .await;
    assert_eq!(apps.as_array().map(Vec::len), Some(1), "{apps}");
    assert_eq!(apps[0]["source"], "reply");
    assert_eq!(apps[0]["applicant"]["acct"], format!("bob@{}", b.domain));
    assert!(apps[0]["cover_note"]
        .as_str()
        .unwrap_or_default()
        .contains("help with the glazing"));
    cluster.shutdown().await;
}

/// The space's feed, one event's file and a member's private feed parse with the `icalendar`
/// package, with their times right in the events' own time zones.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn icalendar_feeds_parse_with_a_real_parser() {
    let Some(venv) = venv() else { return };
    let cluster = TestCluster::spawn(1).await;
    let a = &cluster[0];
    let alice = a.user("alice").await;
    let bob = a.user("bob").await;
    let mut made = Vec::new();
    // Summer and winter time in Paris, and a zone with a half-hour offset.
    for (title, start, end, tz) in [
        (
            "Summer; party, \"with\" commas",
            "2027-07-01T16:00:00Z",
            "2027-07-01T19:30:00Z",
            "Europe/Paris",
        ),
        (
            "Winter talk",
            "2027-01-15T17:00:00Z",
            "2027-01-15T18:00:00Z",
            "Europe/Paris",
        ),
        (
            "Adelaide call",
            "2027-03-10T09:30:00Z",
            "2027-03-10T10:30:00Z",
            "Australia/Adelaide",
        ),
    ] {
        let (status, e) = a
            .post(
                &alice.token,
                "/api/interspace/v1/events",
                json!({"title": title, "starts_at": start, "ends_at": end, "timezone": tz,
                       "description": "A long description that goes on and on so that the DESCRIPTION line must be folded at seventy-five octets, with ünïcödé too."}),
            )
            .await;
        assert_eq!(status, 200, "{e}");
        made.push((e, start, end, tz, title));
    }
    let joined = made[0].0["id"].as_str().expect("id").to_string();
    a.post(
        &bob.token,
        &format!("/api/interspace/v1/events/{joined}/join"),
        json!({}),
    )
    .await;
    let (_, me) = a.get(&bob.token, "/api/interspace/v1/me").await;
    let calendar_url = me["calendar_url"]
        .as_str()
        .expect("calendar_url")
        .to_string();
    let (_, me_again) = a.get(&bob.token, "/api/interspace/v1/me").await;
    assert_eq!(me_again["calendar_url"], calendar_url.as_str(), "stable");

    let dir = std::env::temp_dir().join(format!("interspace-ics-{}", a.domain.replace(':', "-")));
    std::fs::create_dir_all(&dir).expect("dir");
    let fetch = |url: String| async move {
        let res = interspace_tests::http().get(url).send().await.expect("ics");
        assert_eq!(res.status(), 200);
        let ct = res.headers()["content-type"]
            .to_str()
            .unwrap_or_default()
            .to_string();
        assert!(ct.starts_with("text/calendar"), "{ct}");
        res.bytes().await.expect("body").to_vec()
    };
    let expect = |e: &(serde_json::Value, &str, &str, &str, &str)| json!({"uid": e.0["uri"], "summary": e.4, "start_utc": e.1, "end_utc": e.2, "tzid": e.3});
    let mut specs = Vec::new();
    // The feed lists events by start: winter, Adelaide, summer.
    let feeds = [
        (
            a.at("/spaces/space/events.ics"),
            vec![expect(&made[1]), expect(&made[2]), expect(&made[0])],
        ),
        (
            a.at(&format!("/api/interspace/v1/events/{joined}/ics")),
            vec![expect(&made[0])],
        ),
        (calendar_url.clone(), vec![expect(&made[0])]),
    ];
    for (n, (url, events)) in feeds.into_iter().enumerate() {
        let file = dir.join(format!("{n}.ics"));
        std::fs::write(&file, fetch(url).await).expect("write");
        specs.push(json!({"file": file.display().to_string(), "events": events}));
    }
    let (status, _) = a.get("", "/calendar/not-a-secret.ics").await;
    assert_eq!(status, 404, "an unknown secret opens nothing");
    let out = tokio::task::spawn_blocking({
        let env = vec![("EXPECT", serde_json::Value::Array(specs).to_string())];
        move || run_python(&venv, "ics_check.py", &env)
    })
    .await
    .expect("join");
    assert!(out.contains("3 events"), "{out}");
    let _ = std::fs::remove_dir_all(&dir);
    cluster.shutdown().await;
}

/// Every Mastodon operation a member's app calls answers what the Mastodon API's OpenAPI
/// description (`../shared/specs/mastodon-openapi.json`) says: 50-odd operations, each response
/// validated against its schema with Python's `jsonschema` (JSON Schema 2020-12).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mastodon_responses_match_the_openapi_description() {
    let Some(venv) = venv() else { return };
    let spec =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/specs/mastodon-openapi.json");
    if !spec.exists() {
        assert_ne!(
            std::env::var("CI").as_deref(),
            Ok("true"),
            "CI needs ../shared/specs/mastodon-openapi.json beside the repository"
        );
        eprintln!("SKIPPED: no {} to check responses against", spec.display());
        return;
    }
    let cluster = TestCluster::spawn(1).await;
    let a = &cluster[0];
    let alice = a.user("alice").await;
    let bob = a.user("bob").await;
    let (status, _) = a
        .post(
            &bob.token,
            &format!("/api/v1/accounts/{}/follow", alice.id),
            json!({}),
        )
        .await;
    assert_eq!(status, 200);
    let out = tokio::task::spawn_blocking({
        let env = vec![
            ("BASE", a.url.clone()),
            ("SPEC", spec.display().to_string()),
            ("ALICE_TOKEN", alice.token.clone()),
            ("BOB_TOKEN", bob.token.clone()),
            ("ALICE_ID", alice.id.clone()),
            ("BOB_ID", bob.id.clone()),
            ("ALICE_ACCT", alice.username.clone()),
        ];
        move || run_python(&venv, "openapi_check.py", &env)
    })
    .await
    .expect("join");
    assert!(out.contains("operations checked"), "{out}");
    cluster.shutdown().await;
}
