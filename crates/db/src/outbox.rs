//! The durable outbox: events written with the change, deliveries made from them.

use crate::schema::{deliveries, outbox_events, received_activities, tombstones};
use crate::{run, DbConn, DbResult};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use interspace_core::delivery::{DeliveryState, OutboxKind};

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = outbox_events)]
pub struct OutboxEvent {
    pub id: String,
    /// What goes out: `status.create`, `follow`, `undo.follow`, ...
    #[diesel(serialize_as = String, deserialize_as = String)]
    pub kind: OutboxKind,
    /// The local account that acts (signs).
    pub actor_id: String,
    /// What the event is about: a status id, a follow id, ...
    pub subject_id: String,
    /// Whom it is addressed to, when one account: the followed account, ...
    pub target_id: Option<String>,
    pub created_at: NaiveDateTime,
    /// An id the activity must carry, when it cannot be derived (the Like an Undo takes back).
    pub object_uri: Option<String>,
}

/// An event as stored: its kind read as a word, so that one this version does not know (left
/// by another version) is set aside rather than stopping the whole queue.
#[derive(Queryable, Selectable)]
#[diesel(table_name = outbox_events)]
struct StoredEvent {
    id: String,
    kind: String,
    actor_id: String,
    subject_id: String,
    target_id: Option<String>,
    created_at: NaiveDateTime,
    object_uri: Option<String>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = deliveries)]
pub struct Delivery {
    pub id: String,
    pub activity_id: String,
    pub actor_id: String,
    pub inbox: String,
    pub payload: String,
    /// `pending`, `delivered` or `failed` (given up).
    #[diesel(serialize_as = String, deserialize_as = String)]
    pub state: DeliveryState,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub last_error: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// The inbox's host (with `:port` when it has one).
    pub domain: String,
    /// What the activity is about: deliveries with the same key to the same inbox go in order
    /// (a Create before its Update before its Delete); others never wait for each other.
    pub ordering_key: Option<String>,
}

pub async fn insert_event(conn: &mut DbConn, e: &OutboxEvent) -> DbResult<()> {
    run!(conn, |c| diesel::insert_into(outbox_events::table)
        .values(e.clone())
        .execute(c)
        .await)?;
    Ok(())
}

/// The oldest events not yet expanded into deliveries. An event of a kind this version does
/// not know is deleted with a warning: nothing here can build it, and it must not hold up the
/// others.
pub async fn list_events(conn: &mut DbConn, limit: i64) -> DbResult<Vec<OutboxEvent>> {
    let stored: Vec<StoredEvent> = run!(conn, |c| outbox_events::table
        .order((outbox_events::created_at.asc(), outbox_events::id.asc()))
        .limit(limit)
        .select(StoredEvent::as_select())
        .load(c)
        .await)?;
    let mut out = Vec::with_capacity(stored.len());
    for e in stored {
        match OutboxKind::parse(&e.kind) {
            Ok(kind) => out.push(OutboxEvent {
                id: e.id,
                kind,
                actor_id: e.actor_id,
                subject_id: e.subject_id,
                target_id: e.target_id,
                created_at: e.created_at,
                object_uri: e.object_uri,
            }),
            Err(_) => {
                tracing::warn!(
                    id = e.id,
                    kind = e.kind,
                    "dropping an outbox event of an unknown kind"
                );
                delete_event(conn, &e.id).await?;
            }
        }
    }
    Ok(out)
}

pub async fn delete_event(conn: &mut DbConn, id: &str) -> DbResult<()> {
    run!(conn, |c| diesel::delete(outbox_events::table.find(id))
        .execute(c)
        .await)?;
    Ok(())
}

/// Queues a delivery; the same activity goes to the same inbox once.
pub async fn insert_delivery(conn: &mut DbConn, d: &Delivery) -> DbResult<()> {
    run!(conn, |c| diesel::insert_into(deliveries::table)
        .values(d.clone())
        .on_conflict((deliveries::activity_id, deliveries::inbox))
        .do_nothing()
        .execute(c)
        .await)?;
    Ok(())
}

/// Pending deliveries that are due, oldest first, leaving out those queued behind an earlier
/// delivery about the same thing to the same inbox that waits for its retry: each inbox gets
/// the activities about one object in order, and nothing else waits.
pub async fn list_due(
    conn: &mut DbConn,
    now: NaiveDateTime,
    limit: i64,
) -> DbResult<Vec<Delivery>> {
    let earlier = diesel::alias!(deliveries as earlier);
    Ok(run!(conn, |c| deliveries::table
        .filter(deliveries::state.eq(DeliveryState::Pending.as_str()))
        .filter(deliveries::next_attempt_at.le(now))
        .filter(diesel::dsl::not(diesel::dsl::exists(
            earlier
                .filter(earlier.field(deliveries::inbox).eq(deliveries::inbox))
                // NULL keys never match: such deliveries neither wait nor hold back.
                .filter(
                    earlier
                        .field(deliveries::ordering_key)
                        .eq(deliveries::ordering_key)
                )
                .filter(earlier.field(deliveries::state).eq("pending"))
                .filter(earlier.field(deliveries::next_attempt_at).gt(now))
                .filter(
                    earlier
                        .field(deliveries::created_at)
                        .lt(deliveries::created_at)
                        .or(earlier
                            .field(deliveries::created_at)
                            .eq(deliveries::created_at)
                            .and(earlier.field(deliveries::id).lt(deliveries::id)))
                )
                .select(earlier.field(deliveries::id))
        )))
        .order((deliveries::created_at.asc(), deliveries::id.asc()))
        .limit(limit)
        .select(Delivery::as_select())
        .load(c)
        .await)?)
}

/// The domains that have deliveries pending.
pub async fn list_pending_domains(conn: &mut DbConn) -> DbResult<Vec<String>> {
    Ok(run!(conn, |c| deliveries::table
        .filter(deliveries::state.eq(DeliveryState::Pending.as_str()))
        .select(deliveries::domain)
        .distinct()
        .load(c)
        .await)?)
}

/// Pending deliveries per domain.
pub async fn count_pending_by_domain(conn: &mut DbConn) -> DbResult<Vec<(String, i64)>> {
    Ok(run!(conn, |c| deliveries::table
        .filter(deliveries::state.eq(DeliveryState::Pending.as_str()))
        .group_by(deliveries::domain)
        .select((deliveries::domain, diesel::dsl::count_star()))
        .load(c)
        .await)?)
}

/// Gives up the pending deliveries to these domains; returns how many.
pub async fn fail_pending_for_domains(
    conn: &mut DbConn,
    domains: &[String],
    why: &str,
    now: NaiveDateTime,
) -> DbResult<usize> {
    if domains.is_empty() {
        return Ok(0);
    }
    Ok(run!(conn, |c| diesel::update(
        deliveries::table
            .filter(deliveries::state.eq(DeliveryState::Pending.as_str()))
            .filter(deliveries::domain.eq_any(domains))
    )
    .set((
        deliveries::state.eq(DeliveryState::Failed.as_str()),
        deliveries::last_error.eq(Some(why)),
        deliveries::updated_at.eq(now),
    ))
    .execute(c)
    .await)?)
}

/// Records the outcome of one attempt, unless the delivery was given up meanwhile (its domain
/// was blocked or marked unavailable while the attempt was on its way).
pub async fn record_attempt(
    conn: &mut DbConn,
    id: &str,
    state: DeliveryState,
    attempts: i32,
    next_attempt_at: NaiveDateTime,
    error: Option<&str>,
    now: NaiveDateTime,
) -> DbResult<()> {
    run!(conn, |c| diesel::update(deliveries::table.find(id).filter(
        deliveries::state.eq(DeliveryState::Pending.as_str())
    ))
    .set((
        deliveries::state.eq(state.as_str()),
        deliveries::attempts.eq(attempts),
        deliveries::next_attempt_at.eq(next_attempt_at),
        deliveries::last_error.eq(error),
        deliveries::updated_at.eq(now),
    ))
    .execute(c)
    .await)?;
    Ok(())
}

/// (pending, failed) counts, and whether any event awaits expansion.
pub async fn queue_depth(conn: &mut DbConn) -> DbResult<(i64, i64, i64)> {
    // Events first: an event becomes its deliveries in one transaction, so an event counted
    // as gone is already among the deliveries counted next. (Counting deliveries first could
    // miss an event expanded between the two counts: an idle queue that is not.)
    let events = run!(conn, |c| outbox_events::table.count().get_result(c).await)?;
    let pending = run!(conn, |c| deliveries::table
        .filter(deliveries::state.eq(DeliveryState::Pending.as_str()))
        .count()
        .get_result(c)
        .await)?;
    let failed = run!(conn, |c| deliveries::table
        .filter(deliveries::state.eq(DeliveryState::Failed.as_str()))
        .count()
        .get_result(c)
        .await)?;
    Ok((pending, failed, events))
}

/// When the oldest delivery still pending was queued (none when nothing is pending).
pub async fn oldest_pending(conn: &mut DbConn) -> DbResult<Option<NaiveDateTime>> {
    Ok(run!(conn, |c| deliveries::table
        .filter(deliveries::state.eq(DeliveryState::Pending.as_str()))
        .select(diesel::dsl::min(deliveries::created_at))
        .first::<Option<NaiveDateTime>>(c)
        .await)?)
}

/// Pending and failed deliveries, newest first (for `interspace queue`).
pub async fn list_undelivered(conn: &mut DbConn, limit: i64) -> DbResult<Vec<Delivery>> {
    Ok(run!(conn, |c| deliveries::table
        .filter(deliveries::state.ne(DeliveryState::Delivered.as_str()))
        .order(deliveries::id.desc())
        .limit(limit)
        .select(Delivery::as_select())
        .load(c)
        .await)?)
}

/// What the inbox may do with an incoming activity id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claim {
    /// Never seen (or a claim gone stale): process it, then [`finish_activity`] or
    /// [`release_activity`].
    New,
    /// Processed before: a replay, a no-op.
    Seen,
    /// Another copy is being processed right now.
    Busy,
}

/// Claims an incoming activity id for processing. A claim older than `stale_before` was left
/// by a crash and is taken over.
pub async fn claim_activity(
    conn: &mut DbConn,
    id: &str,
    now: NaiveDateTime,
    stale_before: NaiveDateTime,
) -> DbResult<Claim> {
    let inserted = run!(conn, |c| diesel::insert_into(received_activities::table)
        .values((
            received_activities::id.eq(id),
            received_activities::received_at.eq(now),
            received_activities::processed.eq(false),
        ))
        .on_conflict_do_nothing()
        .execute(c)
        .await)?;
    if inserted == 1 {
        return Ok(Claim::New);
    }
    let taken_over = run!(conn, |c| diesel::update(
        received_activities::table
            .find(id)
            .filter(received_activities::processed.eq(false))
            .filter(received_activities::received_at.lt(stale_before))
    )
    .set(received_activities::received_at.eq(now))
    .execute(c)
    .await)?;
    if taken_over == 1 {
        return Ok(Claim::New);
    }
    let processed: Option<bool> = run!(conn, |c| received_activities::table
        .find(id)
        .select(received_activities::processed)
        .first(c)
        .await
        .optional())?;
    Ok(match processed {
        Some(true) => Claim::Seen,
        Some(false) => Claim::Busy,
        // Released between our insert and our look: the sender retries.
        None => Claim::Busy,
    })
}

/// The activity's processing committed: from now on a copy is a replay.
pub async fn finish_activity(conn: &mut DbConn, id: &str) -> DbResult<()> {
    run!(conn, |c| diesel::update(
        received_activities::table.find(id)
    )
    .set(received_activities::processed.eq(true))
    .execute(c)
    .await)?;
    Ok(())
}

/// The activity's processing failed: forget the claim so that a retry is processed.
pub async fn release_activity(conn: &mut DbConn, id: &str) -> DbResult<()> {
    run!(conn, |c| diesel::delete(
        received_activities::table
            .find(id)
            .filter(received_activities::processed.eq(false))
    )
    .execute(c)
    .await)?;
    Ok(())
}

/// The inboxes an activity was queued for (the audience a later Update or Delete of a
/// private object must not exceed).
pub async fn list_inboxes_of_activity(
    conn: &mut DbConn,
    activity_id: &str,
) -> DbResult<Vec<String>> {
    Ok(run!(conn, |c| deliveries::table
        .filter(deliveries::activity_id.eq(activity_id))
        .select(deliveries::inbox)
        .distinct()
        .load(c)
        .await)?)
}

/// Remembers that `actor_uri` deleted `uri`, which we never had (the first Delete wins).
pub async fn insert_tombstone(
    conn: &mut DbConn,
    uri: &str,
    actor_uri: &str,
    now: NaiveDateTime,
) -> DbResult<()> {
    run!(conn, |c| diesel::insert_into(tombstones::table)
        .values((
            tombstones::uri.eq(uri),
            tombstones::actor_uri.eq(actor_uri),
            tombstones::deleted_at.eq(now),
        ))
        .on_conflict_do_nothing()
        .execute(c)
        .await)?;
    Ok(())
}

pub async fn is_tombstoned(conn: &mut DbConn, uri: &str) -> DbResult<bool> {
    let n: i64 = run!(conn, |c| tombstones::table
        .filter(tombstones::uri.eq(uri))
        .count()
        .get_result(c)
        .await)?;
    Ok(n > 0)
}

pub async fn forget_activities_before(conn: &mut DbConn, before: NaiveDateTime) -> DbResult<usize> {
    Ok(run!(conn, |c| diesel::delete(
        received_activities::table.filter(received_activities::received_at.lt(before))
    )
    .execute(c)
    .await)?)
}

pub async fn delete_tombstones_before(conn: &mut DbConn, before: NaiveDateTime) -> DbResult<usize> {
    Ok(run!(conn, |c| diesel::delete(
        tombstones::table.filter(tombstones::deleted_at.lt(before))
    )
    .execute(c)
    .await)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{now, AnyConn, DbPool};

    /// An event of a kind this version does not know (left by another version) is set aside:
    /// the others still go out.
    #[tokio::test]
    async fn an_unknown_kind_does_not_hold_up_the_queue() {
        let dir = std::env::temp_dir().join(format!("outbox-{}", interspace_core::ids::new_id()));
        let pool = DbPool::connect(&format!("sqlite://{}/db.sqlite", dir.display()), 2)
            .await
            .expect("pool");
        pool.migrate().await.expect("migrate");
        let mut conn = pool.get().await.expect("conn");
        // The queue alone, without the accounts its rows point to.
        let AnyConn::Sqlite(c) = conn.any() else {
            unreachable!("a SQLite pool")
        };
        diesel::sql_query("PRAGMA foreign_keys = OFF")
            .execute(c)
            .await
            .expect("pragma");
        let known = OutboxEvent {
            id: "b".into(),
            kind: OutboxKind::StatusCreate,
            actor_id: "someone".into(),
            subject_id: "a post".into(),
            target_id: None,
            created_at: now(),
            object_uri: None,
        };
        insert_event(&mut conn, &known).await.expect("known");
        let AnyConn::Sqlite(c) = conn.any() else {
            unreachable!("a SQLite pool")
        };
        diesel::sql_query(
            "INSERT INTO outbox_events (id, kind, actor_id, subject_id, created_at) \
             VALUES ('a', 'poke', 'someone', 'x', '2026-01-01 00:00:00')",
        )
        .execute(c)
        .await
        .expect("unknown");
        let events = list_events(&mut conn, 10).await.expect("list");
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].kind, OutboxKind::StatusCreate);
        assert_eq!(
            queue_depth(&mut conn).await.expect("depth").2,
            1,
            "set aside"
        );
        drop(conn);
        pool.close();
        let _ = std::fs::remove_dir_all(dir);
    }
}
