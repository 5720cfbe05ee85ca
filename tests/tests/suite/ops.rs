//! Health check, metrics, migrations.

use interspace_tests::{http, TestCluster};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn healthz_metrics_and_idempotent_migrations() {
    let cluster = TestCluster::spawn(1).await;
    let a = &cluster[0];
    let res = http().get(a.at("/healthz")).send().await.expect("healthz");
    assert_eq!(res.status(), 200);
    // Everything is applied at start; a second run finds nothing to do.
    assert_eq!(a.ctx.db.migrate().await.expect("migrate"), 0);

    http()
        .get(a.at("/.well-known/webfinger"))
        .send()
        .await
        .expect("wf");
    http().get(a.at("/users/nobody")).send().await.expect("404");
    let text = http()
        .get(a.at("/metrics"))
        .send()
        .await
        .expect("metrics")
        .text()
        .await
        .expect("text");
    assert!(text.contains("# TYPE interspace_http_requests_total counter"));
    assert!(
        text.contains("interspace_http_requests_total{method=\"GET\",route=\"/.well-known/webfinger\",status=\"400\"} 1"),
        "{text}"
    );
    assert!(
        text.contains("route=\"/users/{name}\",status=\"404\"} 1"),
        "{text}"
    );
    assert!(text.contains("interspace_http_request_duration_seconds_bucket{method=\"GET\",route=\"/healthz\",le=\"+Inf\"} 1"));
    assert!(text.contains("interspace_local_users 1"));
    // Every series the sample dashboard of the operator's guide plots is served.
    let dashboard: serde_json::Value = serde_json::from_str(include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../deploy/grafana-dashboard.json"
    )))
    .expect("deploy/grafana-dashboard.json");
    let mut plotted = 0;
    for panel in dashboard["panels"].as_array().expect("panels") {
        for target in panel["targets"].as_array().expect("targets") {
            let expr = target["expr"].as_str().expect("expr");
            for (i, _) in expr.match_indices("interspace_") {
                let name: String = expr[i..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                assert!(
                    text.lines()
                        .any(|l| l.starts_with(&format!("# TYPE {name} "))
                            || l.starts_with(&format!(
                                "# TYPE {} ",
                                name.trim_end_matches("_bucket")
                            ))),
                    "the dashboard plots {name}, which /metrics does not serve"
                );
                plotted += 1;
            }
        }
    }
    assert!(plotted >= 7, "{plotted}");

    // When the database goes away the check says so instead of lying.
    a.ctx.db.close();
    let res = http().get(a.at("/healthz")).send().await.expect("healthz");
    assert_eq!(res.status(), 503);
    cluster.shutdown().await;
}

/// The SQLite and PostgreSQL migration trees, applied to empty databases, make the same schema:
/// tables, columns (type family, nullability), primary keys, indexes (columns, unique,
/// partial) and foreign keys (with what a delete does). Runs on the PostgreSQL pass, which
/// has both.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_migration_trees_make_the_same_schema() {
    use interspace_db::{introspect, DbPool};
    if interspace_tests::postgres_admin_url().is_none() {
        eprintln!("schema comparison: runs on the PostgreSQL pass only");
        return;
    }
    let (sqlite, pg) = (
        interspace_tests::TestDb::sqlite(),
        interspace_tests::TestDb::create().await,
    );
    let mut schemas = Vec::new();
    for db in [&sqlite, &pg] {
        let pool = DbPool::connect(&db.url, 1).await.expect("connect");
        pool.migrate().await.expect("migrate");
        let mut conn = pool.get().await.expect("conn");
        schemas.push(introspect::describe(&mut conn).await.expect("describe"));
        drop(conn);
        pool.close();
    }
    assert!(
        schemas[0].len() > 30,
        "tables read: {:?}",
        schemas[0].keys()
    );
    assert!(schemas[0]["accounts"]
        .indexes
        .iter()
        .any(|i| i.partial && i.unique));
    for s in &schemas {
        let count = |f: fn(&introspect::Table) -> usize| s.values().map(f).sum::<usize>();
        eprintln!(
            "schema: {} tables, {} columns, {} indexes, {} foreign keys",
            s.len(),
            count(|t| t.columns.len()),
            count(|t| t.indexes.len()),
            count(|t| t.foreign_keys.len()),
        );
    }
    // The comparison sees a difference where there is one.
    let mut changed = schemas[1].clone();
    if let Some(c) = changed
        .get_mut("accounts")
        .and_then(|t| t.columns.get_mut("locked"))
    {
        c.not_null = !c.not_null;
    }
    assert_eq!(introspect::differences(&schemas[0], &changed).len(), 1);
    let differences = introspect::differences(&schemas[0], &schemas[1]);
    assert!(
        differences.is_empty(),
        "SQLite / PostgreSQL:\n{}",
        differences.join("\n")
    );
}

/// A transaction dropped without commit (a use-case that returned an error half-way) gives its
/// locks back at once: the next writer does not wait for that connection's next checkout
/// (SQLite's write lock held, or PostgreSQL's lock on the row it inserted).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_transaction_releases_its_locks_at_once() {
    use interspace_db::outbox::{claim_activity, Claim};
    use interspace_db::{now, DbPool};
    let db = interspace_tests::TestDb::create().await;
    let pool = DbPool::connect(&db.url, 2).await.expect("connect");
    pool.migrate().await.expect("migrate");
    let ts = now();
    let stale = ts - chrono::Duration::minutes(5);
    {
        let mut tx = pool.begin().await.expect("first transaction");
        let claim = claim_activity(&mut tx, "https://peer.test/activities/1", ts, stale).await;
        assert_eq!(claim.expect("claim"), Claim::New);
        // Dropped here without commit.
    }
    let second = async {
        let mut tx = pool.begin().await?;
        let claim = claim_activity(&mut tx, "https://peer.test/activities/1", ts, stale).await?;
        tx.commit().await?;
        Ok::<_, interspace_db::DbError>(claim)
    };
    let claim = tokio::time::timeout(std::time::Duration::from_secs(5), second)
        .await
        .expect("the next writer waited on the dropped transaction's locks")
        .expect("second transaction");
    assert_eq!(claim, Claim::New, "the dropped insert was rolled back");
    pool.close();
}
