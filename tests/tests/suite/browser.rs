//! End-to-end flows in headless Chromium against a live instance: tests/browser/run.mjs drives
//! Debian's Chromium with playwright-core and checks pages with axe-core (WCAG 2.1 A and AA, in
//! the light and the dark colour scheme). The test command installs them (scripts/browser-deps)
//! and sets `INTERSPACE_BROWSER_DIR` and `INTERSPACE_CHROMIUM`; without the former these tests
//! say so and skip (with CI=true they fail). Set `INTERSPACE_SCREENSHOTS` to a directory to keep
//! the flows' screenshots.

use interspace_tests::{wait_until, TestCluster};
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

fn browser_dir() -> Option<PathBuf> {
    match std::env::var("INTERSPACE_BROWSER_DIR") {
        Ok(v) if !v.is_empty() => Some(PathBuf::from(v)),
        _ => {
            assert_ne!(
                std::env::var("CI").as_deref(),
                Ok("true"),
                "CI needs INTERSPACE_BROWSER_DIR (scripts/test sets it)"
            );
            eprintln!(
                "SKIPPED: INTERSPACE_BROWSER_DIR is not set; run scripts/test to drive Chromium"
            );
            None
        }
    }
}

/// Runs `node run.mjs FLOW` in the browser tests' directory with `env` added, and returns its
/// standard output, which must end with the line `OK`. Blocking: call it in `spawn_blocking`.
pub fn run_browser(flow: &str, env: &[(&str, String)]) -> String {
    let dir = browser_dir().expect("INTERSPACE_BROWSER_DIR is set");
    let mut cmd = Command::new("node");
    cmd.arg(dir.join("run.mjs")).arg(flow).current_dir(&dir);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("run node (Node.js 20+ is needed)");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        out.status.success(),
        "browser flow {flow} failed ({}):\n{stdout}\n{stderr}",
        out.status
    );
    assert_eq!(
        stdout.trim_end().lines().last(),
        Some("OK"),
        "browser flow {flow} did not finish:\n{stdout}\n{stderr}"
    );
    stdout
}

/// A new operator and a new member do everything in Chromium (see flows/journey.mjs); the
/// servers' state shows it happened, including the follow on the other instance.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_journey_from_first_sign_in_to_moderation() {
    if browser_dir().is_none() {
        return;
    }
    let cluster = TestCluster::spawn(2).await;
    let (a, b) = (&cluster[0], &cluster[1]);
    let bob = b.user("bob").await;
    let first = a.first_run.clone().expect("first run");
    let mut env = vec![
        ("BASE", a.url.clone()),
        ("OP_USER", first.operator_username.clone()),
        ("OP_PASSWORD", first.password.clone()),
        ("REMOTE", format!("bob@{}", b.domain)),
        ("REMOTE_NAME", "bob".to_string()),
    ];
    if let Ok(dir) = std::env::var("INTERSPACE_SCREENSHOTS") {
        env.push(("INTERSPACE_SCREENSHOTS", dir));
    }
    let out = tokio::task::spawn_blocking(move || run_browser("journey", &env))
        .await
        .expect("join");
    print!("{out}");

    // The follow made in the browser reached the other instance.
    wait_until("dana follows bob on B", Duration::from_secs(10), || async {
        let (_, followers) = b
            .get(
                &bob.token,
                &format!("/api/v1/accounts/{}/followers", bob.id),
            )
            .await;
        followers
            .as_array()
            .filter(|l| l.iter().any(|f| f["acct"] == format!("dana@{}", a.domain)))
            .map(|_| ())
    })
    .await;
    assert!(interspace_app::domains::is_blocked(&a.ctx, "spam.example")
        .await
        .expect("blocked"));
    let op = interspace_app::members::get(&a.ctx, &first.operator_username)
        .await
        .expect("operator");
    let reports = interspace_app::reports::list(&a.ctx, &op.user, false)
        .await
        .expect("reports");
    assert_eq!(reports.len(), 1);
    assert_eq!(reports[0].report.resolution.as_deref(), Some("silence"));
    assert!(reports[0].target.silenced_at.is_some());
    cluster.shutdown().await;
}

/// A visitor reads an event, a member joins and leaves it, all in Chromium; the server saw it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_event_page_join_and_leave() {
    if browser_dir().is_none() {
        return;
    }
    let cluster = TestCluster::spawn(1).await;
    let a = &cluster[0];
    let alice = a.user("alice").await;
    let bob = a.user("bob").await;
    let starts = chrono::Utc::now() + chrono::Duration::days(2);
    let (status, event) = a
        .post(
            &alice.token,
            "/api/interspace/v1/events",
            serde_json::json!({
                "title": "Bookbinding workshop", "capacity": 3,
                "description": "Bring *paper*; we bring the glue.",
                "starts_at": starts.to_rfc3339(),
                "ends_at": (starts + chrono::Duration::hours(3)).to_rfc3339(),
                "place": {"kind": "space", "room": "Workshop"},
            }),
        )
        .await;
    assert_eq!(status, 200, "{event}");
    let mut env = vec![
        ("BASE", a.url.clone()),
        ("EVENT_URL", event["url"].as_str().expect("url").to_string()),
        ("TITLE", "Bookbinding workshop".to_string()),
        ("LOGIN", bob.email.clone()),
        ("PASSWORD", bob.password.clone()),
    ];
    if let Ok(dir) = std::env::var("INTERSPACE_SCREENSHOTS") {
        env.push(("INTERSPACE_SCREENSHOTS", dir));
    }
    let out = tokio::task::spawn_blocking(move || run_browser("events", &env))
        .await
        .expect("join");
    print!("{out}");
    let id = event["id"].as_str().expect("id");
    let (_, seen) = a
        .get(&bob.token, &format!("/api/interspace/v1/events/{id}"))
        .await;
    assert_eq!(seen["my_participation"]["state"], "left", "{seen}");
    assert_eq!(seen["participants_count"], 0);
    let (_, mine) = a
        .get(
            &bob.token,
            &format!("/api/interspace/v1/events?organizer_id={}", bob.id),
        )
        .await;
    assert_eq!(mine[0]["title"], "Zine swap", "{mine}");
    assert_eq!(mine[0]["starts_at"], "2027-05-04T16:30:00.000Z");
    assert_eq!(mine[0]["timezone"], "Europe/Paris");
    assert_eq!(mine[0]["capacity"], 12);
    cluster.shutdown().await;
}

/// A member of A asks in Chromium to work from B today; B's operator approves the request and
/// checks the visitor in at the front desk, in Chromium too; A's copy of the visit follows.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_visits_request_and_front_desk() {
    if browser_dir().is_none() {
        return;
    }
    const API: &str = "/api/interspace/v1";
    let week = serde_json::json!(["mon", "tue", "wed", "thu", "fri", "sat", "sun"]);
    let cluster = TestCluster::spawn(2).await;
    let (a, b) = (&cluster[0], &cluster[1]);
    let (first_a, first_b) = (
        a.first_run.clone().expect("first run"),
        b.first_run.clone().expect("first run"),
    );
    let op_a = a
        .password_token(&first_a.operator_username, &first_a.password, "read write")
        .await;
    let op_b = b
        .password_token(&first_b.operator_username, &first_b.password, "read write")
        .await;
    // B opens every day with no notice, so that today works whatever day it is.
    let (_, spaces) = b.get(&op_b, &format!("{API}/spaces?local=true")).await;
    let space_b = spaces[0]["id"].as_str().expect("space id");
    let (status, body) = b
        .patch(
            &op_b,
            &format!("{API}/spaces/{space_b}"),
            serde_json::json!({"visit_policy": {"days_open": week, "advance_notice_hours": 0}}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    // A proposes a partnership with manual approval, B accepts it.
    let (status, proposed) = a
        .post(
            &op_a,
            &format!("{API}/partnerships"),
            serde_json::json!({
                "space_acct": format!("space@{}", b.domain),
                "terms": {"free_days_per_member_per_month": null, "approval": "manual",
                          "advance_notice_hours": 0, "days_open": week},
            }),
        )
        .await;
    assert_eq!(status, 200, "{proposed}");
    cluster.settle().await;
    let (_, received) = b
        .get(&op_b, &format!("{API}/partnerships?state=received"))
        .await;
    let id = received[0]["id"].as_str().expect("received");
    let (status, accepted) = b
        .post(
            &op_b,
            &format!("{API}/partnerships/{id}/accept"),
            serde_json::json!({}),
        )
        .await;
    assert_eq!(status, 200, "{accepted}");
    cluster.settle().await;

    let mia = a.user("mia").await;
    let today = chrono::Utc::now().date_naive();
    let shots = std::env::var("INTERSPACE_SCREENSHOTS").ok();
    let with_shots = |mut env: Vec<(&'static str, String)>| {
        if let Some(dir) = &shots {
            env.push(("INTERSPACE_SCREENSHOTS", dir.clone()));
        }
        env
    };
    let ask = with_shots(vec![
        ("STEP", "ask".to_string()),
        ("BASE", a.url.clone()),
        ("LOGIN", mia.email.clone()),
        ("PASSWORD", mia.password.clone()),
        ("HOST", format!("space@{}", b.domain)),
        ("TODAY", today.to_string()),
        ("YESTERDAY", (today - chrono::Duration::days(1)).to_string()),
    ]);
    let out = tokio::task::spawn_blocking(move || run_browser("visits", &ask))
        .await
        .expect("join");
    print!("{out}");
    // B receives the vouched request and, approval being manual, keeps it pending.
    cluster.settle().await;
    let desk = with_shots(vec![
        ("STEP", "desk".to_string()),
        ("BASE", b.url.clone()),
        ("OP_USER", first_b.operator_username.clone()),
        ("OP_PASSWORD", first_b.password.clone()),
        ("VISITOR", format!("mia@{}", a.domain)),
        ("PARTNER", format!("space@{}", a.domain)),
    ]);
    let out = tokio::task::spawn_blocking(move || run_browser("visits", &desk))
        .await
        .expect("join");
    print!("{out}");

    // The approval and the check-in reached A.
    cluster.settle().await;
    let (status, mine) = a.get(&mia.token, &format!("{API}/visits")).await;
    assert_eq!(status, 200, "{mine}");
    assert_eq!(mine.as_array().map(Vec::len), Some(1), "{mine}");
    assert_eq!(mine[0]["state"], "checked_in", "{mine}");
    assert_eq!(mine[0]["date_from"], today.to_string());
    assert_eq!(mine[0]["note"], "A desk by the window, please");
    assert!(mine[0]["checked_in_at"].is_string(), "{mine}");
    cluster.shutdown().await;
}

/// An opportunity's life in Chromium, with three members of one space at once: the author
/// posts it with the form, the applicant applies with a teammate, the teammate agrees, the
/// author accepts (which fills it) and a late application is refused; the directory lists the
/// applicant by skill once they opt in. The server saw it all.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_opportunity_post_apply_and_accept() {
    if browser_dir().is_none() {
        return;
    }
    const API: &str = "/api/interspace/v1";
    let cluster = TestCluster::spawn(1).await;
    let a = &cluster[0];
    let alice = a.user("alice").await;
    let bob = a.user("bob").await;
    let carol = a.user("carol").await;
    // The applicant's skills, for the directory.
    let (status, me) = a
        .patch(
            &bob.token,
            &format!("{API}/me"),
            serde_json::json!({"skills": ["rust", "design"]}),
        )
        .await;
    assert_eq!(status, 200, "{me}");
    let deadline = (chrono::Utc::now() + chrono::Duration::days(30)).date_naive();
    let mut env = vec![
        ("BASE", a.url.clone()),
        ("AUTHOR_LOGIN", alice.email.clone()),
        ("AUTHOR_PASSWORD", alice.password.clone()),
        ("APPLICANT_LOGIN", bob.email.clone()),
        ("APPLICANT_PASSWORD", bob.password.clone()),
        ("APPLICANT_NAME", bob.username.clone()),
        ("TEAMMATE_LOGIN", carol.email.clone()),
        ("TEAMMATE_PASSWORD", carol.password.clone()),
        ("TEAMMATE", format!("carol@{}", a.domain)),
        ("DEADLINE", deadline.to_string()),
    ];
    if let Ok(dir) = std::env::var("INTERSPACE_SCREENSHOTS") {
        env.push(("INTERSPACE_SCREENSHOTS", dir));
    }
    let out = tokio::task::spawn_blocking(move || run_browser("opportunities", &env))
        .await
        .expect("join");
    print!("{out}");

    let (_, list) = a
        .get(
            &alice.token,
            &format!("{API}/opportunities?status=all&author_id={}", alice.id),
        )
        .await;
    assert_eq!(list.as_array().map(Vec::len), Some(1), "{list}");
    let o = &list[0];
    assert_eq!(o["title"], "Accessible booking widget");
    assert_eq!(o["kind"], "collaboration");
    assert_eq!(o["status"], "filled", "{o}");
    assert_eq!(o["location"]["mode"], "onsite");
    assert_eq!(o["location"]["city"], "Lyon");
    assert_eq!(
        o["budget"],
        serde_json::json!({"amount": "1500.00", "currency": "EUR", "period": "fixed"})
    );
    assert_eq!(o["deadline"], deadline.to_string());
    assert_eq!(o["team_size"], 2);
    assert_eq!(o["visibility"], "public");
    let mut skills: Vec<&str> = o["skills"]
        .as_array()
        .expect("skills")
        .iter()
        .filter_map(|s| s.as_str())
        .collect();
    skills.sort_unstable();
    assert_eq!(skills, ["accessibility", "rust"]);
    assert!(o["description"]
        .as_str()
        .is_some_and(|d| d.contains("<strong>keyboard-friendly</strong>")));

    let id = o["id"].as_str().expect("id");
    let (status, apps) = a
        .get(
            &alice.token,
            &format!("{API}/opportunities/{id}/applications"),
        )
        .await;
    assert_eq!(status, 200, "{apps}");
    assert_eq!(apps.as_array().map(Vec::len), Some(1), "{apps}");
    let app = &apps[0];
    assert_eq!(app["applicant"]["acct"], "bob");
    assert_eq!(app["state"], "accepted");
    assert_eq!(app["source"], "application");
    assert_eq!(app["message"], "Welcome aboard!");
    assert_eq!(
        app["links"],
        serde_json::json!(["https://example.org/portfolio"])
    );
    assert_eq!(app["proposed_budget"]["amount"], "1400.00");
    assert_eq!(app["team"][0]["account"]["acct"], "carol");
    assert_eq!(app["team"][0]["state"], "accepted");
    assert!(app["cover_note"]
        .as_str()
        .is_some_and(|c| c.starts_with("I built the booking pages")));
    // The teammate's own late application was refused: only the team's reached the author.
    let (_, carols) = a.get(&carol.token, &format!("{API}/applications")).await;
    assert_eq!(carols.as_array().map(Vec::len), Some(1), "{carols}");

    let (status, people) = a
        .get(&alice.token, &format!("{API}/directory?skill=rust"))
        .await;
    assert_eq!(status, 200, "{people}");
    assert!(
        people
            .as_array()
            .is_some_and(|l| l.iter().any(|p| p["account"]["acct"] == "bob")),
        "{people}"
    );
    cluster.shutdown().await;
}

/// A web client served from another origin signs a member in with PKCE, reads the timeline and
/// the v2 notifications and streams, all under the browser's CORS rules (flows/webclient.mjs).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_web_client_from_another_origin() {
    if browser_dir().is_none() {
        return;
    }
    let cluster = TestCluster::spawn(1).await;
    let a = &cluster[0];
    let mia = a.user("mia").await;
    let fan = a.user("fan").await;
    a.follow(&fan.token, &format!("mia@{}", a.domain)).await;
    let env = vec![
        ("BASE", a.url.clone()),
        ("LOGIN", mia.username.clone()),
        ("PASSWORD", mia.password.clone()),
    ];
    let out = tokio::task::spawn_blocking(move || run_browser("webclient", &env))
        .await
        .expect("join");
    print!("{out}");
    let (_, statuses) = a
        .get(&mia.token, &format!("/api/v1/accounts/{}/statuses", mia.id))
        .await;
    assert!(
        statuses[0]["content"]
            .as_str()
            .is_some_and(|c| c.contains("Hello from a web client")),
        "{statuses}"
    );
    cluster.shutdown().await;
}
