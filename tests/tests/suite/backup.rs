//! The operator's path: `interspace backup`, `restore`, `db copy` and `media prune` on real
//! instances, their data and their identity on the federation.

use crate::profiles::{multipart, same_picture, PNG};
use crate::visits::{partner, terms};
use interspace_tests::{http, postgres_admin_url, run_cli, TestCluster, TestDb, TestInstance};
use serde_json::{json, Value};
use std::path::Path;

const API: &str = "/api/interspace/v1";

fn stdout(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The command's environment for an instance's database, media folder and domain.
fn env_of(url: &str, media: &Path, domain: &str) -> Vec<(String, String)> {
    vec![
        ("INTERSPACE__DATABASE__URL".into(), url.into()),
        (
            "INTERSPACE__MEDIA__PATH".into(),
            media.display().to_string(),
        ),
        ("INTERSPACE__SERVER__DOMAIN".into(), domain.into()),
    ]
}

fn cli(args: &[&str], env: &[(String, String)]) -> std::process::Output {
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    run_cli(args, &env)
}

fn fails_with(o: &std::process::Output, needle: &str) {
    assert!(!o.status.success(), "should fail: {}", stdout(o));
    let err = stderr(o);
    assert!(err.contains(needle), "expected '{needle}' in: {err}");
}

pub(crate) async fn upload(i: &TestInstance, token: &str) -> Value {
    let (content_type, body) = multipart(&[], Some(("file", "x.png", PNG)));
    let res = http()
        .post(i.at("/api/v2/media"))
        .bearer_auth(token)
        .header("Content-Type", content_type)
        .body(body)
        .send()
        .await
        .expect("upload");
    assert_eq!(res.status(), 200);
    res.json().await.expect("json")
}

async fn actor_key(i: &TestInstance, name: &str) -> String {
    let actor: Value = http()
        .get(i.at(&format!("/users/{name}")))
        .header("Accept", "application/activity+json")
        .send()
        .await
        .expect("actor")
        .json()
        .await
        .expect("json");
    actor["publicKey"]["publicKeyPem"]
        .as_str()
        .expect("key")
        .to_string()
}

async fn bytes_of(url: &str) -> Vec<u8> {
    let res = http().get(url).send().await.expect("get");
    assert_eq!(res.status(), 200, "{url}");
    res.bytes().await.expect("bytes").to_vec()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_restores_the_instance_with_its_identity() {
    let mut cluster = TestCluster::spawn(2).await;
    let (a, b) = (&cluster[0], &cluster[1]);
    let (a_domain, b_domain) = (a.domain.clone(), b.domain.clone());
    partner(&cluster, a, b, terms(json!(3), "automatic", json!(null))).await;
    let mia = a.user("mia").await;
    let bob = b.user("bob").await;
    b.follow(&bob.token, &format!("mia@{a_domain}")).await;
    cluster.settle().await;

    // What a space has: a post with a photo, an event, an opportunity, an approved visit.
    let media = upload(a, &mia.token).await;
    let (status, post) = a
        .post(
            &mia.token,
            "/api/v1/statuses",
            json!({"status": "Desk with a view", "media_ids": [media["id"]]}),
        )
        .await;
    assert_eq!(status, 200, "{post}");
    let starts = (chrono::Utc::now() + chrono::Duration::days(3)).to_rfc3339();
    let ends =
        (chrono::Utc::now() + chrono::Duration::days(3) + chrono::Duration::hours(2)).to_rfc3339();
    let (status, event) = a
        .post(
            &mia.token,
            &format!("{API}/events"),
            json!({"title": "Backup party", "starts_at": starts, "ends_at": ends}),
        )
        .await;
    assert_eq!(status, 200, "{event}");
    let (status, opportunity) = a
        .post(
            &mia.token,
            &format!("{API}/opportunities"),
            json!({"title": "Restore my data", "description": "Carefully.", "kind": "project",
                   "skills": ["ops"], "location": {"mode": "remote"}}),
        )
        .await;
    assert_eq!(status, 200, "{opportunity}");
    let day = (chrono::Utc::now() + chrono::Duration::days(2))
        .format("%Y-%m-%d")
        .to_string();
    let (status, visit) = a
        .post(
            &mia.token,
            &format!("{API}/visits"),
            json!({"host_space_acct": format!("space@{b_domain}"), "date_from": day, "date_to": day}),
        )
        .await;
    assert_eq!(status, 200, "{visit}");
    cluster.settle().await;
    let visit_id = visit["id"].as_str().expect("visit id").to_string();
    let (_, v) = a.get(&mia.token, &format!("{API}/visits/{visit_id}")).await;
    assert_eq!(v["state"], "approved", "{v}");
    let key_before = actor_key(a, "mia").await;
    let media_url = post["media_attachments"][0]["url"]
        .as_str()
        .expect("media url")
        .to_string();
    let photo = bytes_of(&media_url).await;

    // The backup is made while the instance runs; its name says nothing of its format.
    let work = std::env::temp_dir().join(format!(
        "interspace_backup_{}",
        interspace_core::ids::new_id().to_lowercase()
    ));
    std::fs::create_dir_all(&work).expect("work dir");
    let archive = work.join("nightly.bin");
    let archive_str = archive.display().to_string();
    let source_env = env_of(
        &a.config().database.url,
        Path::new(&a.config().media.path),
        &a_domain,
    );
    let out = cli(&["backup", "--output", &archive_str], &source_env);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("1 media files"), "{}", stdout(&out));
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&archive)
        .expect("archive")
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600, "the archive holds every key");

    // Refusals change nothing: another domain, a damaged archive, a non-empty target.
    let target = TestDb::create().await;
    let target_env = env_of(&target.url, &target.media, &a_domain);
    fails_with(
        &cli(
            &["restore", &archive_str],
            &env_of(&target.url, &target.media, "elsewhere.example"),
        ),
        "keeps its domain",
    );
    let damaged = work.join("damaged.tar.gz");
    let whole = std::fs::read(&archive).expect("read");
    std::fs::write(&damaged, &whole[..whole.len() * 2 / 3]).expect("write");
    fails_with(
        &cli(&["restore", &damaged.display().to_string()], &target_env),
        "cannot be restored",
    );
    let not_gzip = work.join("notes.txt");
    std::fs::write(&not_gzip, "hello").expect("write");
    fails_with(
        &cli(&["restore", &not_gzip.display().to_string()], &target_env),
        "not an Interspace backup",
    );
    if let Some(file) = target.url.strip_prefix("sqlite://") {
        assert!(!Path::new(file).exists(), "a failed restore leaves no file");
    }
    assert!(
        !target.media.exists()
            || std::fs::read_dir(&target.media)
                .expect("dir")
                .next()
                .is_none(),
        "a failed restore leaves no media"
    );
    fails_with(&cli(&["restore", &archive_str], &source_env), "not empty");

    // The instance goes down for good; it comes back from the archive on the same address.
    let old = cluster.instances.remove(0);
    let stopped = old.stop_keeping_data().await;
    let out = cli(&["restore", &archive_str], &target_env);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("1 media files"), "{}", stdout(&out));
    let mut config = stopped.config.clone();
    drop(stopped);
    config.database.url = target.url.clone();
    config.media.path = target.media.display().to_string();
    cluster
        .instances
        .insert(0, TestInstance::spawn_with(config, target).await);
    let (a, b) = (&cluster[0], &cluster[1]);
    assert_eq!(a.domain, a_domain);

    // Everything is there, and the member's app token still works.
    let (status, statuses) = a
        .get(&mia.token, &format!("/api/v1/accounts/{}/statuses", mia.id))
        .await;
    assert_eq!(status, 200, "{statuses}");
    let restored_post = statuses
        .as_array()
        .expect("list")
        .iter()
        .find(|s| s["id"] == post["id"])
        .cloned()
        .expect("the post with its photo");
    assert_eq!(restored_post["content"], post["content"]);
    assert_eq!(
        restored_post["media_attachments"][0]["url"],
        media_url.as_str()
    );
    assert_eq!(bytes_of(&media_url).await, photo);
    let (status, e) = a
        .get(
            &mia.token,
            &format!("{API}/events/{}", event["id"].as_str().expect("id")),
        )
        .await;
    assert_eq!((status, e["title"].as_str()), (200, Some("Backup party")));
    let (status, o) = a
        .get(
            &mia.token,
            &format!(
                "{API}/opportunities/{}",
                opportunity["id"].as_str().expect("id")
            ),
        )
        .await;
    assert_eq!(
        (status, o["title"].as_str()),
        (200, Some("Restore my data"))
    );
    let (_, v) = a.get(&mia.token, &format!("{API}/visits/{visit_id}")).await;
    assert_eq!(v["state"], "approved", "{v}");
    assert_eq!(actor_key(a, "mia").await, key_before, "the same keys");

    // And it federates as itself: the follower's server checks the new post's signature
    // against the key it already had.
    let (status, _) = a
        .post(
            &mia.token,
            "/api/v1/statuses",
            json!({"status": "Back from the archive"}),
        )
        .await;
    assert_eq!(status, 200);
    cluster.settle().await;
    let (_, home) = b.get(&bob.token, "/api/v1/timelines/home").await;
    assert!(
        home.as_array()
            .expect("timeline")
            .iter()
            .any(|s| s["content"]
                .as_str()
                .unwrap_or_default()
                .contains("Back from the archive")),
        "{home}"
    );
    let _ = std::fs::remove_dir_all(&work);
    cluster.shutdown().await;
}

/// The rows of the instance behind `url`, per table, as `db copy` counts them.
async fn counts(url: &str) -> Vec<(String, i64)> {
    let db = interspace_db::DbPool::connect(url, 1)
        .await
        .expect("connect");
    let mut conn = db.get().await.expect("conn");
    let mut out = Vec::new();
    for t in interspace_db::transfer::tables(&mut conn)
        .await
        .expect("tables")
    {
        let n = interspace_db::transfer::count(&mut conn, &t.name)
            .await
            .expect("count");
        out.push((t.name, n));
    }
    drop(conn);
    db.close();
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn db_copy_moves_an_instance_between_databases() {
    let mut cluster = TestCluster::spawn(1).await;
    let a = &cluster[0];
    let mia = a.user("mia").await;
    for text in ["one", "two", "three"] {
        let (status, _) = a
            .post(&mia.token, "/api/v1/statuses", json!({"status": text}))
            .await;
        assert_eq!(status, 200);
    }
    let (status, boost) = a
        .post(&mia.token, "/api/v1/statuses", json!({"status": "boosted"}))
        .await;
    assert_eq!(status, 200);
    let id = boost["id"].as_str().expect("id");
    let (status, _) = a
        .post(
            &mia.token,
            &format!("/api/v1/statuses/{id}/reblog"),
            json!({}),
        )
        .await;
    assert_eq!(status, 200);
    let source = a.config().database.url.clone();
    let domain = a.domain.clone();
    let stopped = cluster.instances.remove(0).stop_keeping_data().await;
    let before = counts(&source).await;

    // Each way the suite can: to a new SQLite file, and on to PostgreSQL when there is one.
    let sqlite = TestDb::sqlite();
    let mut hops = vec![sqlite];
    if let Some(admin) = postgres_admin_url() {
        hops.push(TestDb::create_on(&admin).await);
    }
    let mut from = source.clone();
    for target in &hops {
        let out = run_cli(&["db", "copy", "--from", &from, "--to", &target.url], &[]);
        assert!(
            out.status.success(),
            "{from} -> {}: {}",
            target.url,
            stderr(&out)
        );
        assert!(stdout(&out).contains("counts checked"), "{}", stdout(&out));
        assert_eq!(
            counts(&target.url).await,
            before,
            "{from} -> {}",
            target.url
        );
        // A second run finds the target full and leaves it as it is.
        fails_with(
            &run_cli(&["db", "copy", "--from", &from, "--to", &target.url], &[]),
            "not empty",
        );
        from = target.url.clone();
    }
    fails_with(
        &run_cli(&["db", "copy", "--from", &source, "--to", "mysql://x"], &[]),
        "neither sqlite",
    );

    // The last copy serves the instance as before.
    let last = hops.pop().expect("a copy");
    let mut config = stopped.config.clone();
    drop(stopped);
    config.database.url = last.url.clone();
    let a = TestInstance::spawn_with(config, last).await;
    assert_eq!(a.domain, domain);
    let (status, statuses) = a
        .get(&mia.token, &format!("/api/v1/accounts/{}/statuses", mia.id))
        .await;
    assert_eq!(status, 200, "{statuses}");
    let texts: Vec<&str> = statuses
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|s| s["content"].as_str())
        .collect();
    assert_eq!(texts.len(), 5, "{statuses}");
    assert!(statuses[0]["reblog"]["content"]
        .as_str()
        .is_some_and(|c| c.contains("boosted")));
    a.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn media_prune_removes_only_what_nothing_uses() {
    let cluster = TestCluster::spawn(1).await;
    let a = &cluster[0];
    let mia = a.user("mia").await;
    let attached = upload(a, &mia.token).await;
    let (status, _) = a
        .post(
            &mia.token,
            "/api/v1/statuses",
            json!({"status": "with a photo", "media_ids": [attached["id"]]}),
        )
        .await;
    assert_eq!(status, 200);
    let unattached = upload(a, &mia.token).await;
    let (content_type, body) = multipart(&[], Some(("avatar", "me.png", PNG)));
    let res = http()
        .patch(a.at("/api/v1/accounts/update_credentials"))
        .bearer_auth(&mia.token)
        .header("Content-Type", content_type)
        .body(body)
        .send()
        .await
        .expect("avatar");
    assert_eq!(res.status(), 200);
    let avatar = res.json::<Value>().await.expect("json")["avatar"]
        .as_str()
        .expect("avatar url")
        .to_string();
    let media_dir = std::path::PathBuf::from(&a.config().media.path);
    let orphan = media_dir.join("01orphan.png");
    std::fs::write(&orphan, PNG).expect("orphan");
    let env = env_of(&a.config().database.url, &media_dir, &a.domain);

    // Nothing is old enough yet.
    let out = cli(&["media", "prune", "--older-than", "1"], &env);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("removed 0 unattached upload(s) and 0 orphan"),
        "{}",
        stdout(&out)
    );
    let out = cli(&["media", "prune", "--older-than", "0"], &env);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("removed 1 unattached upload(s) and 1 orphan"),
        "{}",
        stdout(&out)
    );
    assert!(!orphan.exists());
    let url_of = |m: &Value| m["url"].as_str().expect("url").to_string();
    assert!(same_picture(&bytes_of(&url_of(&attached)).await, PNG));
    assert!(
        same_picture(&bytes_of(&avatar).await, PNG),
        "an avatar in use stays"
    );
    let res = http().get(url_of(&unattached)).send().await.expect("get");
    assert_eq!(res.status(), 404);
    let (status, _) = a
        .get(
            &mia.token,
            &format!("/api/v1/media/{}", unattached["id"].as_str().expect("id")),
        )
        .await;
    assert_eq!(status, 404);
    cluster.shutdown().await;
}
