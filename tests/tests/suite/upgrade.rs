//! Upgrades: an instance made by a released Interspace, with data in it, runs on this one.
//!
//! `tests/upgrade/` holds one archive per release (`interspace backup` of an instance with a
//! member, a post with a photo, an event, an opportunity, an approved visit to a partner and a
//! follower elsewhere), at that release's schema. Each is restored the way an operator
//! restores, this binary runs its newer migrations over the rows and starts on them, and
//! everything is still there. A release adds its archive with
//! `INTERSPACE_UPGRADE_FIXTURE=tests/upgrade/VERSION.tar.gz cargo test -p interspace-tests -- --ignored upgrade::write_fixture`.

use crate::visits::{partner, terms};
use interspace_tests::{http, password_token_at, TestCluster, TestDb, TestInstance};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

const API: &str = "/api/interspace/v1";
/// Below the ephemeral ports, so that no test's connection holds it: the fixtures' instance
/// answered there, and its domain (`localhost:29613`) is its identity.
const PORT: u16 = 29613;

fn fixtures() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("upgrade");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/upgrade")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.to_string_lossy().ends_with(".tar.gz"))
        .collect();
    files.sort();
    files
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn released_instances_upgrade_with_their_data() {
    let files = fixtures();
    assert!(!files.is_empty(), "no release archive in tests/upgrade");
    for file in files {
        let manifest = interspace_app::backup::manifest(&file).expect("manifest");
        assert_eq!(manifest.domain, format!("localhost:{PORT}"));
        let db = TestDb::create().await;
        let mut config = interspace_tests::test_config(&db, 0);
        config.server.bind = format!("127.0.0.1:{PORT}");
        let pool = interspace_db::DbPool::connect(&db.url, 2)
            .await
            .expect("database");
        let summary =
            interspace_app::backup::restore(&pool, &db.media, &manifest.domain, &file, &mut |_| {})
                .await
                .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        pool.close();
        let newer = pool.known_migrations().len() - manifest.migrations.len();
        assert_eq!(summary.migrated_after, newer, "{}", file.display());
        let a = TestInstance::spawn_with(config, db).await;
        check(&a, &file).await;
        a.stop().await;
    }
}

/// What the fixture instance held, read through the APIs of this version.
async fn check(a: &TestInstance, file: &Path) {
    let what = file.display();
    let token = password_token_at(&a.url, "mia", "mia-password", "read write").await;
    let (status, me) = a.get(&token, "/api/v1/accounts/verify_credentials").await;
    assert_eq!(status, 200, "{what}: {me}");
    assert_eq!(me["followers_count"], 1, "{what}: {me}");
    let id = me["id"].as_str().expect("id");
    let (_, statuses) = a
        .get(&token, &format!("/api/v1/accounts/{id}/statuses"))
        .await;
    let post = statuses
        .as_array()
        .expect("statuses")
        .iter()
        .find(|s| {
            s["content"]
                .as_str()
                .is_some_and(|c| c.contains("Desk with a view"))
        })
        .cloned()
        .unwrap_or_else(|| panic!("{what}: the post: {statuses}"));
    let photo = post["media_attachments"][0]["url"].as_str().expect("photo");
    let path = url::Url::parse(photo).expect("url").path().to_string();
    let res = http().get(a.at(&path)).send().await.expect("photo");
    assert_eq!(res.status(), 200, "{what}: {photo}");
    // Its day may have passed since the release.
    let mut events = Vec::new();
    for when in ["upcoming", "past"] {
        let (_, list) = a.get(&token, &format!("{API}/events?when={when}")).await;
        events.extend(list.as_array().cloned().unwrap_or_default());
    }
    let events = Value::Array(events);
    let (status, event) = a
        .get(
            &token,
            &format!("{API}/events/{}", fixture_id(&events, "Upgrade party")),
        )
        .await;
    assert_eq!(
        (status, event["title"].as_str()),
        (200, Some("Upgrade party")),
        "{what}"
    );
    let (_, board) = a.get(&token, &format!("{API}/opportunities")).await;
    fixture_id(&board, "Keep my data");
    let (_, visits) = a.get(&token, &format!("{API}/visits?role=visitor")).await;
    let visit = &visits[0];
    assert_eq!(visit["state"], "approved", "{what}: {visits}");
    let actor: Value = http()
        .get(a.at("/users/mia"))
        .header("Accept", "application/activity+json")
        .send()
        .await
        .expect("actor")
        .json()
        .await
        .expect("json");
    assert!(actor["publicKey"]["publicKeyPem"]
        .as_str()
        .is_some_and(|k| k.starts_with("-----BEGIN PUBLIC KEY-----")));
}

fn fixture_id(list: &Value, title: &str) -> String {
    list.as_array()
        .into_iter()
        .flatten()
        .find(|e| e["title"] == title)
        .and_then(|e| e["id"].as_str())
        .unwrap_or_else(|| panic!("{title} in {list}"))
        .to_string()
}

/// Writes the archive of this version (see the module's header); skipped without the
/// variable that names the file.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "writes a release's upgrade archive"]
async fn write_fixture() {
    let Some(output) = std::env::var_os("INTERSPACE_UPGRADE_FIXTURE") else {
        return;
    };
    let a = TestInstance::spawn_configured(0, |c| {
        c.server.bind = format!("127.0.0.1:{PORT}");
    })
    .await;
    let b = TestInstance::spawn(1).await;
    let cluster = TestCluster {
        instances: vec![a, b],
    };
    let (a, b) = (&cluster[0], &cluster[1]);
    partner(&cluster, a, b, terms(json!(3), "automatic", json!(null))).await;
    let mia = a.user("mia").await;
    let bob = b.user("bob").await;
    b.follow(&bob.token, &format!("mia@{}", a.domain)).await;
    let media = crate::backup::upload(a, &mia.token).await;
    let (status, _) = a
        .post(
            &mia.token,
            "/api/v1/statuses",
            json!({"status": "Desk with a view", "media_ids": [media["id"]]}),
        )
        .await;
    assert_eq!(status, 200);
    let starts = chrono::Utc::now() + chrono::Duration::days(3);
    let (status, _) = a
        .post(
            &mia.token,
            &format!("{API}/events"),
            json!({"title": "Upgrade party", "starts_at": starts.to_rfc3339(),
                   "ends_at": (starts + chrono::Duration::hours(2)).to_rfc3339()}),
        )
        .await;
    assert_eq!(status, 200);
    let (status, _) = a
        .post(
            &mia.token,
            &format!("{API}/opportunities"),
            json!({"title": "Keep my data", "description": "Across versions.", "kind": "project",
                   "skills": ["ops"], "location": {"mode": "remote"}}),
        )
        .await;
    assert_eq!(status, 200);
    let day = (chrono::Utc::now() + chrono::Duration::days(2))
        .format("%Y-%m-%d")
        .to_string();
    let (status, _) = a
        .post(
            &mia.token,
            &format!("{API}/visits"),
            json!({"host_space_acct": format!("space@{}", b.domain), "date_from": day, "date_to": day}),
        )
        .await;
    assert_eq!(status, 200);
    cluster.settle().await;
    interspace_app::backup::backup(
        &a.ctx.db,
        Path::new(&a.config().media.path),
        &a.domain,
        "(made by the upgrade test)",
        Path::new(&output),
        &mut |_| {},
    )
    .await
    .expect("backup");
    cluster.shutdown().await;
}
