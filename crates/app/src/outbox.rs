//! The durable outbox as use-cases see it: events recorded with the change, and the delivery
//! queue the federation worker drains.

use crate::domains::{self, Restrictions};
use crate::{AppContext, AppError, AppResult};
use chrono::Duration;
use interspace_core::delivery::{DeliveryState, OutboxKind};
use interspace_core::ids::new_id;
pub use interspace_db::outbox::{Delivery, OutboxEvent};
use interspace_db::{now, outbox as db_outbox, DbConn};

/// Records that something must be federated, in the caller's transaction.
pub async fn enqueue(
    conn: &mut DbConn,
    kind: OutboxKind,
    actor_id: &str,
    subject_id: &str,
    target_id: Option<&str>,
) -> AppResult<()> {
    enqueue_about(conn, kind, actor_id, subject_id, target_id, None).await
}

/// [`enqueue`] with the id the activity must carry.
pub async fn enqueue_about(
    conn: &mut DbConn,
    kind: OutboxKind,
    actor_id: &str,
    subject_id: &str,
    target_id: Option<&str>,
    object_uri: Option<&str>,
) -> AppResult<()> {
    db_outbox::insert_event(
        conn,
        &OutboxEvent {
            id: new_id(),
            kind,
            actor_id: actor_id.to_string(),
            subject_id: subject_id.to_string(),
            target_id: target_id.map(String::from),
            created_at: now(),
            object_uri: object_uri.map(String::from),
        },
    )
    .await?;
    Ok(())
}

pub async fn pending_events(ctx: &AppContext, limit: i64) -> AppResult<Vec<OutboxEvent>> {
    let mut conn = ctx.db.get().await?;
    Ok(db_outbox::list_events(&mut conn, limit).await?)
}

/// Replaces an event by its deliveries, in one transaction (so neither is lost nor doubled).
/// Inboxes on blocked or unavailable domains are left out.
pub async fn expand(
    ctx: &AppContext,
    event: &OutboxEvent,
    activity_id: &str,
    payload: &str,
    inboxes: &[String],
    restrictions: &Restrictions,
) -> AppResult<()> {
    let ts = now();
    ctx.write(async |tx, _| {
        for inbox in inboxes {
            let Some(domain) = url::Url::parse(inbox)
                .ok()
                .and_then(|u| interspace_core::urls::domain_of(&u))
            else {
                tracing::warn!(inbox, "skipping an inbox that is not a URL");
                continue;
            };
            if !restrictions.may_deliver(&domain) {
                continue;
            }
            db_outbox::insert_delivery(
                tx,
                &Delivery {
                    id: new_id(),
                    activity_id: activity_id.to_string(),
                    actor_id: event.actor_id.clone(),
                    inbox: inbox.clone(),
                    payload: payload.to_string(),
                    state: DeliveryState::Pending,
                    attempts: 0,
                    next_attempt_at: ts,
                    last_error: None,
                    created_at: ts,
                    updated_at: ts,
                    domain,
                    // The Create, Update and Delete of one post share their subject.
                    ordering_key: Some(event.subject_id.clone()),
                },
            )
            .await?;
        }
        db_outbox::delete_event(tx, &event.id).await?;
        Ok(())
    })
    .await
}

/// Drops an event that needs no delivery (nobody remote to tell).
pub async fn discard(ctx: &AppContext, event: &OutboxEvent) -> AppResult<()> {
    let mut conn = ctx.db.get().await?;
    db_outbox::delete_event(&mut conn, &event.id).await?;
    Ok(())
}

pub async fn due(ctx: &AppContext, limit: i64) -> AppResult<Vec<Delivery>> {
    let mut conn = ctx.db.get().await?;
    Ok(db_outbox::list_due(&mut conn, now(), limit).await?)
}

/// The wait after the `attempts`-th failure (from 0): `base`, doubling, capped at 12 hours. With
/// the default base of 1 minute and 16 attempts, a delivery is retried for about three days.
pub fn backoff(base: std::time::Duration, attempts: i32) -> Duration {
    let cap = Duration::hours(12);
    let base = Duration::from_std(base).unwrap_or(cap);
    base.checked_mul(1i32 << attempts.clamp(0, 20))
        .map_or(cap, |d| d.min(cap))
}

/// Where a queued job (a mail, a push) stands after its `attempts`-th attempt (from 1):
/// `Ok` sent; `Err((why, retry))` failed, to be retried after [`backoff`] unless `retry` is
/// false or the attempts are used up. Gives (state, next attempt, last error).
pub(crate) fn after_attempt(
    result: Result<(), (&str, bool)>,
    attempts: i32,
    max_attempts: i32,
    base: std::time::Duration,
) -> (&'static str, chrono::NaiveDateTime, Option<&str>) {
    let ts = now();
    match result {
        Ok(()) => ("sent", ts, None),
        Err((why, true)) if attempts < max_attempts => {
            ("pending", ts + backoff(base, attempts - 1), Some(why))
        }
        Err((why, _)) => ("failed", ts, Some(why)),
    }
}

/// The outcome of one attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Delivered,
    /// 401, 408, 429, 5xx, connection errors, timeouts.
    Retry(String),
    /// Other 4xx (and 3xx): the peer will never take it; given up at once.
    Refused(String),
    /// We cannot send it at all (no key, a bad inbox): given up without blaming the peer.
    Unsendable(String),
}

/// Records one attempt, and what it says about the destination's health.
pub async fn record(ctx: &AppContext, d: &Delivery, outcome: Outcome) -> AppResult<()> {
    let ts = now();
    let attempts = d.attempts + 1;
    let settings = &ctx.settings.federation;
    let gave_up = matches!(outcome, Outcome::Retry(_)) && attempts >= settings.max_attempts;
    let (state, next, error) = match &outcome {
        Outcome::Delivered => (DeliveryState::Delivered, ts, None),
        Outcome::Refused(e) | Outcome::Unsendable(e) => {
            (DeliveryState::Failed, ts, Some(e.as_str()))
        }
        Outcome::Retry(e) if gave_up => (DeliveryState::Failed, ts, Some(e.as_str())),
        Outcome::Retry(e) => (
            DeliveryState::Pending,
            ts + backoff(settings.retry_base, attempts - 1),
            Some(e.as_str()),
        ),
    };
    let mut conn = ctx.db.get().await?;
    db_outbox::record_attempt(&mut conn, &d.id, state, attempts, next, error, ts).await?;
    drop(conn);
    match outcome {
        // The server answered, even with a refusal: it is up.
        Outcome::Delivered | Outcome::Refused(_) => domains::answered(ctx, &d.domain).await?,
        Outcome::Retry(_) => domains::delivery_failed(ctx, &d.domain, gave_up).await?,
        Outcome::Unsendable(_) => {}
    }
    ctx.metrics.increment(
        match outcome {
            Outcome::Delivered => "deliveries_ok_total",
            _ => "deliveries_failed_total",
        },
        1,
    );
    Ok(())
}

/// (pending deliveries, failed deliveries, events not yet expanded).
pub async fn depth(ctx: &AppContext) -> AppResult<(i64, i64, i64)> {
    let mut conn = ctx.db.get().await?;
    Ok(db_outbox::queue_depth(&mut conn).await?)
}

/// When the oldest delivery still pending was queued.
pub async fn oldest_pending(ctx: &AppContext) -> AppResult<Option<chrono::NaiveDateTime>> {
    let mut conn = ctx.db.get().await?;
    Ok(db_outbox::oldest_pending(&mut conn).await?)
}

pub async fn undelivered(ctx: &AppContext, limit: i64) -> AppResult<Vec<Delivery>> {
    let mut conn = ctx.db.get().await?;
    Ok(db_outbox::list_undelivered(&mut conn, limit).await?)
}

/// Whether its author deleted `uri` before it ever reached us: its Create is then refused
/// (a post, an event and an opportunity alike).
pub(crate) async fn deleted_before_arrival(conn: &mut DbConn, uri: &str) -> AppResult<bool> {
    Ok(db_outbox::is_tombstoned(conn, uri).await?)
}

/// How long a claim holds before another process may take it over (the one holding it
/// crashed without releasing it): on an incoming activity, a mail, a push.
pub(crate) const CLAIM_LIFETIME: Duration = Duration::minutes(5);

pub use interspace_db::outbox::Claim;

/// Claims an incoming activity id: it counts as received only once [`finished`] (after its
/// processing committed); [`released`] after a failure, so that the sender's retry is processed.
pub async fn claim(ctx: &AppContext, activity_id: &str) -> AppResult<Claim> {
    let ts = now();
    let mut conn = ctx.db.get().await?;
    Ok(db_outbox::claim_activity(&mut conn, activity_id, ts, ts - CLAIM_LIFETIME).await?)
}

/// The processing of a claimed activity committed: its id counts as seen from now on.
pub async fn finished(ctx: &AppContext, activity_id: &str) -> AppResult<()> {
    end_claim(ctx, activity_id, ClaimEnd::Processed).await
}

/// The processing of a claimed activity failed: the claim is given back, so that the sender's
/// retry is processed.
pub async fn released(ctx: &AppContext, activity_id: &str) -> AppResult<()> {
    end_claim(ctx, activity_id, ClaimEnd::Released).await
}

#[derive(Clone, Copy, Debug)]
enum ClaimEnd {
    Processed,
    Released,
}

/// How often a claim that could not be ended (the database was away) is tried again.
const END_CLAIM_RETRY_EVERY: std::time::Duration = std::time::Duration::from_millis(500);

/// Ends a claim. When the database cannot be reached, the end goes on in the background until
/// it can: otherwise the sender's retries would be refused as busy until the claim went stale.
async fn end_claim(ctx: &AppContext, activity_id: &str, end: ClaimEnd) -> AppResult<()> {
    match end_claim_once(ctx, activity_id, end).await {
        Err(AppError::Unavailable(why)) => {
            tracing::info!(activity_id, ?end, %why, "the claim ends once the database answers");
            let (ctx, activity_id) = (ctx.clone(), activity_id.to_string());
            tokio::spawn(async move {
                let started = std::time::Instant::now();
                // Half the claim's lifetime: a late end never touches a claim that a later
                // copy took over once this one went stale.
                let until = CLAIM_LIFETIME.to_std().unwrap_or_default() / 2;
                while started.elapsed() < until {
                    tokio::select! {
                        _ = ctx.stopped() => return,
                        _ = tokio::time::sleep(END_CLAIM_RETRY_EVERY) => {}
                    }
                    if end_claim_once(&ctx, &activity_id, end).await.is_ok() {
                        return;
                    }
                }
            });
            Ok(())
        }
        other => other,
    }
}

async fn end_claim_once(ctx: &AppContext, activity_id: &str, end: ClaimEnd) -> AppResult<()> {
    let mut conn = ctx.db.get().await?;
    match end {
        ClaimEnd::Processed => db_outbox::finish_activity(&mut conn, activity_id).await?,
        ClaimEnd::Released => db_outbox::release_activity(&mut conn, activity_id).await?,
    }
    Ok(())
}

/// The inboxes an activity went to: a later Update or Delete of a private object goes there
/// and nowhere else (a new follower never learns of a post they were not sent).
pub async fn audience_of(ctx: &AppContext, activity_id: &str) -> AppResult<Vec<String>> {
    let mut conn = ctx.db.get().await?;
    Ok(db_outbox::list_inboxes_of_activity(&mut conn, activity_id).await?)
}

#[cfg(test)]
mod tests {
    #[test]
    fn backoff_grows_and_is_capped() {
        let defaults = crate::FederationSettings::default();
        let backoff = |a| super::backoff(defaults.retry_base, a);
        assert_eq!(backoff(0).num_minutes(), 1);
        assert_eq!(backoff(3).num_minutes(), 8);
        assert_eq!(backoff(15).num_minutes(), 12 * 60);
        assert_eq!(backoff(40).num_minutes(), 12 * 60);
        let total: i64 = (0..defaults.max_attempts)
            .map(|a| backoff(a).num_minutes())
            .sum();
        assert!(
            (2 * 24 * 60..5 * 24 * 60).contains(&total),
            "about three days: {total} minutes"
        );
    }
}
