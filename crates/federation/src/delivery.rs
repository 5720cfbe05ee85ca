//! The delivery worker: turns outbox events into signed activities and POSTs them to inboxes,
//! with retries. Everything it does is recorded in the database, so a restart (even `kill -9`)
//! loses nothing and delivers nothing twice to an inbox that acknowledged it.

use crate::http_client::{self, HttpClient};
use crate::outbound;
use crate::signatures::sign_post;
use futures::StreamExt;
use interspace_app::outbox::{self, Delivery, Outcome};
use interspace_app::{accounts, domains, AppContext, AppError, AppResult};
use std::time::Duration;

/// How often the worker looks for work when idle.
const POLL: Duration = Duration::from_millis(50);
/// Inboxes served at once (each one's deliveries go one after the other).
const CONCURRENCY: usize = 16;

pub fn spawn(ctx: AppContext, client: HttpClient) -> tokio::task::JoinHandle<()> {
    ctx.spawn_worker(POLL, "delivery worker", move |ctx| {
        let client = client.clone();
        async move { tick(&ctx, &client).await }
    })
}

async fn tick(ctx: &AppContext, client: &HttpClient) -> AppResult<()> {
    let restrictions = domains::restrictions(ctx).await?;
    for event in outbox::pending_events(ctx, 100).await? {
        match outbound::build(ctx, &event).await {
            Ok(Some(built)) if !built.inboxes.is_empty() => {
                outbox::expand(
                    ctx,
                    &event,
                    &built.id,
                    &built.json.to_string(),
                    &built.inboxes,
                    &restrictions,
                )
                .await?
            }
            Ok(_) => outbox::discard(ctx, &event).await?,
            // The database went away while building it: the event stays for the next round.
            Err(e @ AppError::Unavailable(_)) => return Err(e),
            Err(e) => {
                // Its subject is gone (deleted meanwhile): nothing to say any more.
                tracing::warn!(error = %e, kind = %event.kind, "dropping outbox event");
                outbox::discard(ctx, &event).await?;
            }
        }
    }
    // One queue per inbox, sent in order; inboxes in parallel. A delivery that must be retried
    // holds back only the later ones about the same object (its Update after its Create), in
    // this round and, through the database query, in the next; everything else goes on.
    let mut queues: Vec<Vec<Delivery>> = Vec::new();
    for d in outbox::due(ctx, 200).await? {
        match queues.iter_mut().find(|q| q[0].inbox == d.inbox) {
            Some(q) => q.push(d),
            None => queues.push(vec![d]),
        }
    }
    futures::stream::iter(queues)
        .map(|queue| async move {
            let mut held: Vec<String> = Vec::new();
            for d in queue {
                if d.ordering_key.as_ref().is_some_and(|k| held.contains(k)) {
                    continue;
                }
                let outcome = send(ctx, client, &d).await;
                let retry = matches!(outcome, Outcome::Retry(_));
                if let Err(e) = outbox::record(ctx, &d, outcome).await {
                    tracing::warn!(error = %e, "recording a delivery");
                    break;
                }
                if let (true, Some(key)) = (retry, d.ordering_key) {
                    held.push(key);
                }
            }
        })
        .buffer_unordered(CONCURRENCY)
        .collect::<Vec<()>>()
        .await;
    Ok(())
}

/// One signed POST.
pub async fn send(ctx: &AppContext, client: &HttpClient, d: &Delivery) -> Outcome {
    let actor = match accounts::get_any(ctx, &d.actor_id).await {
        Ok(a) => a,
        Err(e) => return Outcome::Unsendable(format!("no signing actor: {e}")),
    };
    let Some(private_key) = actor.private_key_pem.as_deref() else {
        return Outcome::Unsendable("the actor has no private key".into());
    };
    let Ok(url) = url::Url::parse(&d.inbox) else {
        return Outcome::Unsendable(format!("bad inbox {}", d.inbox));
    };
    let host = match (url.host_str(), url.port()) {
        (Some(h), Some(p)) => format!("{h}:{p}"),
        (Some(h), None) => h.to_string(),
        _ => return Outcome::Unsendable("inbox without host".into()),
    };
    let path = match url.query() {
        Some(q) => format!("{}?{q}", url.path()),
        None => url.path().to_string(),
    };
    let key_id = format!("{}#main-key", actor.uri);
    let headers = match sign_post(
        &key_id,
        private_key,
        &host,
        &path,
        d.payload.as_bytes(),
        chrono::Utc::now(),
    ) {
        Ok(h) => h,
        Err(e) => return Outcome::Unsendable(format!("signing failed: {e}")),
    };
    let mut req = client
        .post(url)
        .header("Content-Type", "application/activity+json")
        .header("Accept", "application/activity+json")
        .body(d.payload.clone());
    for (k, v) in headers {
        req = req.header(k, v);
    }
    match req.send().await {
        Ok(res) => {
            let status = res.status().as_u16();
            match status {
                200..=299 => Outcome::Delivered,
                // 401 too, as Mastodon does: the peer may not have our new key yet.
                401 | 408 | 429 | 500..=599 => Outcome::Retry(format!("HTTP {status}")),
                _ => Outcome::Refused(format!("HTTP {status}")),
            }
        }
        // The guard refused the destination: no retry can change that.
        Err(e) if http_client::is_refused(&e) => Outcome::Refused(e.to_string()),
        Err(e) => Outcome::Retry(e.to_string()),
    }
}
