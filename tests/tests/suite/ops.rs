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

    // When the database goes away the check says so instead of lying.
    a.ctx.db.close();
    let res = http().get(a.at("/healthz")).send().await.expect("healthz");
    assert_eq!(res.status(), 503);
    cluster.shutdown().await;
}
