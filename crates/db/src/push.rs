//! Web Push: the instance's VAPID key, subscriptions, and the queue of pushes.

use crate::schema::{instance_keys, oauth_tokens, push_messages, push_subscriptions, users};
use crate::{run, DbConn, DbResult, OptionalExt};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

/// A key pair the instance itself holds (`vapid`).
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = instance_keys)]
pub struct InstanceKey {
    pub name: String,
    pub private_key_pem: String,
    /// As the protocol publishes it (VAPID: the uncompressed P-256 point in base64url).
    pub public_key: String,
    pub created_at: NaiveDateTime,
}

pub async fn find_instance_key(conn: &mut DbConn, name: &str) -> DbResult<Option<InstanceKey>> {
    run!(conn, |c| instance_keys::table
        .find(name)
        .select(InstanceKey::as_select())
        .first(c)
        .await)
    .opt()
}

/// Inserts the key unless one of that name exists (two processes starting at once agree on
/// the first).
pub async fn insert_instance_key(conn: &mut DbConn, key: &InstanceKey) -> DbResult<()> {
    run!(conn, |c| diesel::insert_into(instance_keys::table)
        .values(key)
        .on_conflict(instance_keys::name)
        .do_nothing()
        .execute(c)
        .await)?;
    Ok(())
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = push_subscriptions)]
pub struct PushSubscription {
    pub id: String,
    /// The app token it belongs to: one subscription per token, gone with it.
    pub token_id: String,
    pub user_id: String,
    /// Echoed in each push (Mastodon's payload), so that an app with several accounts knows
    /// which one it is for.
    pub access_token: String,
    pub endpoint: String,
    /// The subscriber's P-256 public key and auth secret, base64url as received.
    pub p256dh: String,
    pub auth: String,
    /// JSON object of alert name to bool.
    pub alerts: String,
    /// `all`, `followed`, `follower` or `none`.
    pub policy: String,
    pub standard: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// Replaces the token's subscription by `s`.
pub async fn replace_subscription(conn: &mut DbConn, s: &PushSubscription) -> DbResult<()> {
    run!(conn, |c| {
        diesel::delete(
            push_subscriptions::table.filter(push_subscriptions::token_id.eq(&s.token_id)),
        )
        .execute(c)
        .await?;
        diesel::insert_into(push_subscriptions::table)
            .values(s)
            .execute(c)
            .await
    })?;
    Ok(())
}

pub async fn find_subscription_of_token(
    conn: &mut DbConn,
    token_id: &str,
) -> DbResult<Option<PushSubscription>> {
    run!(conn, |c| push_subscriptions::table
        .filter(push_subscriptions::token_id.eq(token_id))
        .select(PushSubscription::as_select())
        .first(c)
        .await)
    .opt()
}

pub async fn find_subscription(conn: &mut DbConn, id: &str) -> DbResult<Option<PushSubscription>> {
    run!(conn, |c| push_subscriptions::table
        .find(id)
        .select(PushSubscription::as_select())
        .first(c)
        .await)
    .opt()
}

pub async fn update_subscription_data(
    conn: &mut DbConn,
    id: &str,
    alerts: &str,
    policy: &str,
    at: NaiveDateTime,
) -> DbResult<()> {
    run!(conn, |c| diesel::update(push_subscriptions::table.find(id))
        .set((
            push_subscriptions::alerts.eq(alerts),
            push_subscriptions::policy.eq(policy),
            push_subscriptions::updated_at.eq(at),
        ))
        .execute(c)
        .await)?;
    Ok(())
}

pub async fn delete_subscription(conn: &mut DbConn, id: &str) -> DbResult<bool> {
    let n = run!(conn, |c| diesel::delete(push_subscriptions::table.find(id))
        .execute(c)
        .await)?;
    Ok(n > 0)
}

/// The subscriptions of the live tokens of the local account `account_id`.
pub async fn list_subscriptions_of_account(
    conn: &mut DbConn,
    account_id: &str,
) -> DbResult<Vec<PushSubscription>> {
    Ok(run!(conn, |c| push_subscriptions::table
        .inner_join(users::table)
        .inner_join(oauth_tokens::table)
        .filter(users::account_id.eq(account_id))
        .filter(oauth_tokens::revoked_at.is_null())
        .select(PushSubscription::as_select())
        .load(c)
        .await)?)
}

/// Whether the subscription's token still works (a revoked token's pushes stop).
pub async fn subscription_is_live(conn: &mut DbConn, id: &str) -> DbResult<bool> {
    let n: i64 = run!(conn, |c| push_subscriptions::table
        .inner_join(oauth_tokens::table)
        .filter(push_subscriptions::id.eq(id))
        .filter(oauth_tokens::revoked_at.is_null())
        .count()
        .get_result(c)
        .await)?;
    Ok(n > 0)
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = push_messages)]
pub struct PushMessage {
    pub id: String,
    pub subscription_id: String,
    pub notification_id: String,
    /// `pending`, `sent` or `failed`.
    pub state: String,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub claimed_until: Option<NaiveDateTime>,
    pub last_error: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

pub async fn insert_message(conn: &mut DbConn, m: &PushMessage) -> DbResult<()> {
    run!(conn, |c| diesel::insert_into(push_messages::table)
        .values(m)
        .execute(c)
        .await)?;
    Ok(())
}

crate::job_queue!(push_messages, PushMessage);
