//! The durable outbox as use-cases see it: events recorded with the change, and the delivery
//! queue the federation worker drains.

use crate::{AppContext, AppResult};
use chrono::Duration;
use interspace_core::ids::new_id;
pub use interspace_db::outbox::{Delivery, OutboxEvent};
use interspace_db::{now, outbox as db_outbox, DbConn};

/// Records that something must be federated, in the caller's transaction.
pub async fn enqueue(
    conn: &mut DbConn,
    kind: &str,
    actor_id: &str,
    subject_id: &str,
    target_id: Option<&str>,
) -> AppResult<()> {
    db_outbox::insert_event(
        conn,
        &OutboxEvent {
            id: new_id(),
            kind: kind.to_string(),
            actor_id: actor_id.to_string(),
            subject_id: subject_id.to_string(),
            target_id: target_id.map(String::from),
            created_at: now(),
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
pub async fn expand(
    ctx: &AppContext,
    event: &OutboxEvent,
    activity_id: &str,
    payload: &str,
    inboxes: &[String],
) -> AppResult<()> {
    let ts = now();
    let mut tx = ctx.db.begin().await?;
    for inbox in inboxes {
        db_outbox::insert_delivery(
            &mut tx,
            &Delivery {
                id: new_id(),
                activity_id: activity_id.to_string(),
                actor_id: event.actor_id.clone(),
                inbox: inbox.clone(),
                payload: payload.to_string(),
                state: "pending".into(),
                attempts: 0,
                next_attempt_at: ts,
                last_error: None,
                created_at: ts,
                updated_at: ts,
            },
        )
        .await?;
    }
    db_outbox::delete_event(&mut tx, &event.id).await?;
    tx.commit().await?;
    Ok(())
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

/// Retry schedule: 16 attempts over about three days, growing (1 min, 2, 4, ... capped at 12 h).
pub const MAX_ATTEMPTS: i32 = 16;

pub fn backoff(attempts: i32) -> Duration {
    let minutes = 1i64 << attempts.clamp(0, 10);
    Duration::minutes(minutes.min(12 * 60))
}

/// The outcome of one attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Delivered,
    /// 408, 429, 5xx, connection errors, timeouts.
    Retry(String),
    /// Other 4xx: the peer will never take it.
    Refused(String),
}

pub async fn record(ctx: &AppContext, d: &Delivery, outcome: Outcome) -> AppResult<()> {
    let ts = now();
    let attempts = d.attempts + 1;
    let (state, next, error) = match &outcome {
        Outcome::Delivered => ("delivered", ts, None),
        Outcome::Refused(e) => ("failed", ts, Some(e.as_str())),
        Outcome::Retry(e) if attempts >= MAX_ATTEMPTS => ("failed", ts, Some(e.as_str())),
        Outcome::Retry(e) => ("pending", ts + backoff(attempts - 1), Some(e.as_str())),
    };
    let mut conn = ctx.db.get().await?;
    db_outbox::record_attempt(&mut conn, &d.id, state, attempts, next, error, ts).await?;
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

pub async fn undelivered(ctx: &AppContext, limit: i64) -> AppResult<Vec<Delivery>> {
    let mut conn = ctx.db.get().await?;
    Ok(db_outbox::list_undelivered(&mut conn, limit).await?)
}

/// Whether an incoming activity id is new (and remembers it); replays are no-ops.
pub async fn first_time(ctx: &AppContext, activity_id: &str) -> AppResult<bool> {
    let mut conn = ctx.db.get().await?;
    Ok(db_outbox::remember_activity(&mut conn, activity_id, now()).await?)
}

#[cfg(test)]
mod tests {
    #[test]
    fn backoff_grows_and_is_capped() {
        assert_eq!(super::backoff(0).num_minutes(), 1);
        assert_eq!(super::backoff(3).num_minutes(), 8);
        assert_eq!(super::backoff(15).num_minutes(), 12 * 60);
        let total: i64 = (0..super::MAX_ATTEMPTS)
            .map(|a| super::backoff(a).num_minutes())
            .sum();
        assert!(
            (2 * 24 * 60..5 * 24 * 60).contains(&total),
            "about three days: {total} minutes"
        );
    }
}
