//! Web Push (Mastodon's `/api/v1/push/subscription`): the instance's VAPID key (RFC 8292), one
//! subscription per app token, and pushes queued in the same transaction as their notification.
//! The federation crate encrypts (RFC 8291) and sends them through the outbound guard.

use crate::oauth::Auth;
use crate::{AppContext, AppError, AppResult};
use base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE_NO_PAD};
use base64::Engine;
use interspace_core::ids::new_id;
use interspace_core::ValidationError;
use interspace_db::notifications::Notification;
use interspace_db::push as db;
pub use interspace_db::push::{InstanceKey, PushMessage, PushSubscription};
use interspace_db::{now, DbConn};
use openssl::ec::{EcGroup, EcKey, PointConversionForm};
use openssl::nid::Nid;
use serde_json::{Map, Value};

/// The alerts a subscription chooses from, as Mastodon names them.
pub const ALERTS: [&str; 10] = [
    "mention",
    "status",
    "reblog",
    "follow",
    "follow_request",
    "favourite",
    "poll",
    "update",
    "admin.sign_up",
    "admin.report",
];

/// Which alert a notification kind is pushed under. Events, visits and opportunities are
/// addressed to the member as a mention is, so they follow the `mention` alert.
pub fn alert_of(kind: &str) -> &'static str {
    ALERTS
        .iter()
        .find(|a| **a == kind)
        .copied()
        .unwrap_or("mention")
}

const POLICIES: [&str; 4] = ["all", "followed", "follower", "none"];
const VAPID: &str = "vapid";
/// Attempts before a push is given up (with the deliveries' backoff from 5 s: about 3 hours).
const MAX_ATTEMPTS: i32 = 12;
const RETRY_BASE: std::time::Duration = std::time::Duration::from_secs(5);

/// The instance's VAPID key pair, made the first time it is needed.
pub async fn vapid(ctx: &AppContext) -> AppResult<InstanceKey> {
    let mut conn = ctx.db.get().await?;
    if let Some(k) = db::find_instance_key(&mut conn, VAPID).await? {
        return Ok(k);
    }
    let err = |e: openssl::error::ErrorStack| AppError::Internal(format!("VAPID key: {e}"));
    let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1).map_err(err)?;
    let key = EcKey::generate(&group).map_err(err)?;
    let mut bn = openssl::bn::BigNumContext::new().map_err(err)?;
    let public = key
        .public_key()
        .to_bytes(&group, PointConversionForm::UNCOMPRESSED, &mut bn)
        .map_err(err)?;
    let pem = key.private_key_to_pem().map_err(err)?;
    db::insert_instance_key(
        &mut conn,
        &InstanceKey {
            name: VAPID.into(),
            private_key_pem: String::from_utf8(pem)
                .map_err(|e| AppError::Internal(e.to_string()))?,
            public_key: URL_SAFE_NO_PAD.encode(public),
            created_at: now(),
        },
    )
    .await?;
    db::find_instance_key(&mut conn, VAPID)
        .await?
        .ok_or(AppError::NotFound("VAPID key"))
}

/// Bytes of a key sent in base64url or base64, with or without padding.
pub fn decode_key(raw: &str) -> Option<Vec<u8>> {
    let trimmed = raw.trim().trim_end_matches('=');
    URL_SAFE_NO_PAD
        .decode(trimmed)
        .or_else(|_| STANDARD_NO_PAD.decode(trimmed))
        .ok()
}

/// What a client sends to subscribe.
#[derive(Debug, Clone, Default)]
pub struct NewSubscription {
    pub endpoint: String,
    pub p256dh: String,
    pub auth: String,
    pub standard: bool,
    pub alerts: Map<String, Value>,
    pub policy: Option<String>,
}

fn invalid(field: &'static str, why: &str) -> AppError {
    AppError::Validation(ValidationError::new(field, why))
}

fn policy_word(p: Option<&str>) -> AppResult<String> {
    match p.map(str::trim).filter(|p| !p.is_empty()) {
        None => Ok("all".into()),
        Some(p) if POLICIES.contains(&p) => Ok(p.to_string()),
        Some(_) => Err(invalid("policy", "must be all, followed, follower or none")),
    }
}

/// The alerts as stored: every known one, on where the client said so (`true`, `"1"`, ...).
fn alerts_json(given: &Map<String, Value>, before: Option<&str>) -> String {
    let mut alerts: Map<String, Value> = before
        .and_then(|b| serde_json::from_str(b).ok())
        .unwrap_or_default();
    for a in ALERTS {
        let on = match given.get(a) {
            Some(Value::Bool(b)) => Some(*b),
            Some(Value::String(s)) => Some(matches!(s.as_str(), "true" | "1" | "on" | "yes")),
            Some(Value::Number(n)) => Some(n.as_i64() != Some(0)),
            _ => None,
        };
        match on {
            Some(on) => {
                alerts.insert(a.to_string(), Value::Bool(on));
            }
            None => {
                alerts.entry(a.to_string()).or_insert(Value::Bool(false));
            }
        }
    }
    Value::Object(alerts).to_string()
}

/// Subscribes the token of `auth` (replacing its subscription, as Mastodon does).
pub async fn subscribe(
    ctx: &AppContext,
    auth: &Auth,
    access_token: &str,
    new: NewSubscription,
) -> AppResult<PushSubscription> {
    auth.require("push")?;
    let (user, _) = auth.user()?;
    let endpoint = url::Url::parse(new.endpoint.trim())
        .ok()
        .filter(|u| matches!(u.scheme(), "https" | "http") && u.host_str().is_some())
        .filter(|_| new.endpoint.len() <= 2048)
        .ok_or_else(|| invalid("subscription[endpoint]", "must be an https URL"))?;
    let p256dh = decode_key(&new.p256dh)
        .filter(|k| k.len() == 65 && k[0] == 4)
        .ok_or_else(|| {
            invalid(
                "subscription[keys][p256dh]",
                "must be an uncompressed P-256 public key in base64url",
            )
        })?;
    let auth_secret = decode_key(&new.auth)
        .filter(|k| k.len() == 16)
        .ok_or_else(|| {
            invalid(
                "subscription[keys][auth]",
                "must be a 16-byte secret in base64url",
            )
        })?;
    let ts = now();
    let s = PushSubscription {
        id: new_id(),
        token_id: auth.token.id.clone(),
        user_id: user.id.clone(),
        access_token: access_token.to_string(),
        endpoint: endpoint.to_string(),
        p256dh: URL_SAFE_NO_PAD.encode(p256dh),
        auth: URL_SAFE_NO_PAD.encode(auth_secret),
        alerts: alerts_json(&new.alerts, None),
        policy: policy_word(new.policy.as_deref())?,
        standard: new.standard,
        created_at: ts,
        updated_at: ts,
    };
    vapid(ctx).await?;
    let mut conn = ctx.db.get().await?;
    db::replace_subscription(&mut conn, &s).await?;
    Ok(s)
}

/// The token's subscription, or 404 as Mastodon answers.
pub async fn get(ctx: &AppContext, auth: &Auth) -> AppResult<PushSubscription> {
    auth.require("push")?;
    let mut conn = ctx.db.get().await?;
    db::find_subscription_of_token(&mut conn, &auth.token.id)
        .await?
        .ok_or(AppError::NotFound("push subscription"))
}

/// New alerts and policy for the token's subscription; alerts not named keep their value.
pub async fn update(
    ctx: &AppContext,
    auth: &Auth,
    alerts: &Map<String, Value>,
    policy: Option<&str>,
) -> AppResult<PushSubscription> {
    let s = get(ctx, auth).await?;
    let policy = match policy {
        Some(p) => policy_word(Some(p))?,
        None => s.policy.clone(),
    };
    let alerts = alerts_json(alerts, Some(&s.alerts));
    let mut conn = ctx.db.get().await?;
    db::update_subscription_data(&mut conn, &s.id, &alerts, &policy, now()).await?;
    drop(conn);
    get(ctx, auth).await
}

pub async fn unsubscribe(ctx: &AppContext, auth: &Auth) -> AppResult<()> {
    auth.require("push")?;
    let mut conn = ctx.db.get().await?;
    if let Some(s) = db::find_subscription_of_token(&mut conn, &auth.token.id).await? {
        db::delete_subscription(&mut conn, &s.id).await?;
    }
    Ok(())
}

/// Whether the subscription wants an alert of `kind` from `from`, under its policy.
async fn wants(conn: &mut DbConn, s: &PushSubscription, n: &Notification) -> AppResult<bool> {
    let alerts: Map<String, Value> = serde_json::from_str(&s.alerts).unwrap_or_default();
    if alerts.get(alert_of(&n.kind)) != Some(&Value::Bool(true)) {
        return Ok(false);
    }
    let (who, whom) = match s.policy.as_str() {
        "none" => return Ok(false),
        // The recipient follows the sender.
        "followed" => (&n.account_id, &n.from_account_id),
        // The sender follows the recipient.
        "follower" => (&n.from_account_id, &n.account_id),
        _ => return Ok(true),
    };
    Ok(interspace_db::follows::find_follow(conn, who, whom)
        .await?
        .is_some_and(|f| f.accepted))
}

/// Queues a push of `n` to each subscription of its recipient that wants it, in the
/// notification's transaction.
pub(crate) async fn enqueue(conn: &mut DbConn, n: &Notification) -> AppResult<()> {
    for s in db::list_subscriptions_of_account(conn, &n.account_id).await? {
        if !wants(conn, &s, n).await? {
            continue;
        }
        let ts = now();
        db::insert_message(
            conn,
            &PushMessage {
                id: new_id(),
                subscription_id: s.id.clone(),
                notification_id: n.id.clone(),
                state: "pending".into(),
                attempts: 0,
                next_attempt_at: ts,
                claimed_until: None,
                last_error: None,
                created_at: ts,
                updated_at: ts,
            },
        )
        .await?;
    }
    Ok(())
}

/// Pushes whose time has come.
pub async fn due(ctx: &AppContext, limit: i64) -> AppResult<Vec<PushMessage>> {
    let mut conn = ctx.db.get().await?;
    Ok(db::list_due(&mut conn, now(), limit).await?)
}

pub async fn claim(ctx: &AppContext, m: &PushMessage) -> AppResult<bool> {
    let mut conn = ctx.db.get().await?;
    let ts = now();
    Ok(db::claim(&mut conn, &m.id, ts, ts + crate::outbox::CLAIM_LIFETIME).await?)
}

/// What to send for a push: its subscription and Mastodon's payload. `None`: nothing to send
/// any more (the subscription, its token or the notification went away).
pub async fn content(
    ctx: &AppContext,
    m: &PushMessage,
) -> AppResult<Option<(PushSubscription, Value)>> {
    let mut conn = ctx.db.get().await?;
    let Some(s) = db::find_subscription(&mut conn, &m.subscription_id).await? else {
        return Ok(None);
    };
    if !db::subscription_is_live(&mut conn, &s.id).await? {
        db::delete_subscription(&mut conn, &s.id).await?;
        return Ok(None);
    }
    let Some(user) = interspace_db::users::find_user_by_id(&mut conn, &s.user_id).await? else {
        return Ok(None);
    };
    let Some(n) = interspace_db::notifications::find_notification(
        &mut conn,
        &user.account_id,
        &m.notification_id,
    )
    .await?
    else {
        return Ok(None);
    };
    let from = interspace_db::accounts::find_account_by_id(&mut conn, &n.from_account_id).await?;
    let name = from
        .as_ref()
        .map(|a| a.shown_name().to_string())
        .unwrap_or_default();
    let body = match &n.status_id {
        Some(id) => interspace_db::statuses::find_status(&mut conn, id)
            .await?
            .map(|st| interspace_core::html::to_text(&st.content))
            .unwrap_or_default(),
        None => String::new(),
    };
    let title = match n.kind.as_str() {
        "mention" => format!("{name} mentioned you"),
        "status" => format!("{name} just posted"),
        "reblog" => format!("{name} boosted your post"),
        "follow" => format!("{name} is now following you"),
        "follow_request" => format!("{name} wants to follow you"),
        "favourite" => format!("{name} favourited your post"),
        "poll" => "A poll has ended".to_string(),
        "update" => format!("{name} edited a post"),
        _ => format!("{name}: news about your events, visits or opportunities"),
    };
    let icon = from
        .and_then(|a| a.avatar_url)
        .unwrap_or_else(|| ctx.urls().path("/static/avatar.png").to_string());
    let payload = serde_json::json!({
        "access_token": s.access_token,
        "preferred_locale": user.locale.unwrap_or_else(|| "en".into()),
        "notification_id": n.id,
        "notification_type": n.kind,
        "icon": icon,
        "title": title,
        "body": body.chars().take(400).collect::<String>(),
    });
    Ok(Some((s, payload)))
}

/// The outcome of one push.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Sent,
    /// 408, 429, 5xx, connection errors: later.
    Retry(String),
    /// Another 4xx, or a destination the guard refuses: never.
    Refused(String),
    /// 404 or 410: the subscription is gone; it is removed.
    Gone,
    /// Nothing to send any more.
    Dropped,
}

pub async fn record(ctx: &AppContext, m: &PushMessage, outcome: Outcome) -> AppResult<()> {
    let mut conn = ctx.db.get().await?;
    let result = match &outcome {
        // Its messages go with it.
        Outcome::Gone => {
            db::delete_subscription(&mut conn, &m.subscription_id).await?;
            return Ok(());
        }
        Outcome::Sent => Ok(()),
        Outcome::Dropped => Err(("nothing to send any more", false)),
        Outcome::Refused(e) => Err((e.as_str(), false)),
        Outcome::Retry(e) => Err((e.as_str(), true)),
    };
    let attempts = m.attempts + 1;
    let (state, next, error) =
        crate::outbox::after_attempt(result, attempts, MAX_ATTEMPTS, RETRY_BASE);
    db::record_attempt(&mut conn, &m.id, state, attempts, next, error, now()).await?;
    Ok(())
}
