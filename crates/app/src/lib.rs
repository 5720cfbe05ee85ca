//! Interspace use-cases: every state change and visibility rule lives here.
//!
//! Each use-case validates with `core`, writes its change in one database transaction, and
//! returns plain values. No network I/O: what needs the network goes through [`Resolver`],
//! which the federation crate implements and the server puts into [`AppContext`].

pub mod accounts;
pub mod actors;
pub mod backup;
pub mod blocks;
mod boosts;
mod companion;
pub mod domains;
mod error;
pub mod events;
pub mod follows;
pub mod housekeeping;
pub mod instance;
pub mod keys;
pub mod mail;
pub mod markers;
pub mod media;
pub mod members;
pub mod metrics;
pub mod notifications;
pub mod notify;
pub mod oauth;
pub mod opportunities;
pub mod outbox;
pub mod partnerships;
pub mod passwords;
pub mod push;
pub mod registrations;
pub mod remote;
pub mod reports;
pub mod sessions;
pub mod setup;
pub mod signals;
pub mod spaces;
pub mod statuses;
pub mod streaming;
pub mod timelines;
pub mod visits;

#[cfg(test)]
mod testing;

pub use error::{AppError, AppResult};
pub use interspace_db::accounts::Account;
pub use interspace_db::statuses::Page;
pub use interspace_db::users::User;

use interspace_core::roles::RegistrationMode;
use interspace_core::urls::UrlScheme;
use interspace_db::DbPool;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};

pub const SOFTWARE_NAME: &str = "interspace";
pub const SOFTWARE_VERSION: &str = env!("CARGO_PKG_VERSION");

/// What the instance is, fixed at start from the configuration.
#[derive(Debug, Clone)]
pub struct InstanceSettings {
    pub urls: UrlScheme,
    pub registrations: RegistrationMode,
    /// First-run values of the space; the database is the truth afterwards.
    pub space_handle: String,
    pub space_name: String,
    pub space_timezone: String,
    pub operator_username: String,
    /// Where uploaded files are stored.
    pub media_dir: std::path::PathBuf,
    /// How long before an event's start participants are reminded (zero: never).
    pub event_reminder: std::time::Duration,
    pub federation: FederationSettings,
    /// How mail is sent; `None`: this instance sends none.
    pub mail: Option<mail::MailSettings>,
}

/// How this instance federates.
#[derive(Debug, Clone)]
pub struct FederationSettings {
    /// The wait before the first retry of a failed delivery; each next wait doubles, up to
    /// 12 hours.
    pub retry_base: std::time::Duration,
    /// Attempts before a delivery is given up (and its domain marked unavailable).
    pub max_attempts: i32,
    /// Whether our own ActivityPub GETs need an HTTP signature.
    pub authorized_fetch: bool,
}

impl Default for FederationSettings {
    fn default() -> Self {
        Self {
            retry_base: std::time::Duration::from_secs(60),
            max_attempts: 16,
            authorized_fetch: false,
        }
    }
}

/// Resolves remote actors over the network; implemented by the federation crate.
#[async_trait::async_trait]
pub trait Resolver: Send + Sync {
    /// `user@domain` through WebFinger, then a signed fetch of the actor; stores it.
    async fn resolve_acct(&self, ctx: &AppContext, acct: &str) -> AppResult<Account>;
    /// An actor by its id (signed fetch), stored or refreshed.
    async fn resolve_actor(&self, ctx: &AppContext, uri: &url::Url) -> AppResult<Account>;
    /// An actor fetched again now, whatever the age of our copy (its key may have changed).
    async fn refresh_actor(&self, ctx: &AppContext, uri: &url::Url) -> AppResult<Account>;
    /// A post, an event or an opportunity by its ActivityPub id (signed fetch from its
    /// origin), checked and stored.
    async fn resolve_object(&self, ctx: &AppContext, uri: &url::Url) -> AppResult<()>;
    /// What software a server runs and its version, from its NodeInfo (`None`: it does not
    /// say). `domain` is a host, with `:port` when there is one.
    async fn software(&self, domain: &str) -> AppResult<Option<(String, Option<String>)>>;
    /// Where the person `acct` follows or answers `target` on their own server (the
    /// remote-interaction template of its WebFinger).
    async fn interaction_url(
        &self,
        ctx: &AppContext,
        acct: &str,
        target: &str,
    ) -> AppResult<String>;
}

/// At most one of something per key and period (a key fetched again, ...); bounded in size.
#[derive(Default)]
pub struct Cooldowns {
    last: std::sync::Mutex<std::collections::HashMap<String, std::time::Instant>>,
}

impl Cooldowns {
    const MAX_KEYS: usize = 10_000;

    /// Whether `key` may go now (and then it may not again for `every`).
    pub fn allow(&self, key: &str, every: std::time::Duration) -> bool {
        let Ok(mut last) = self.last.lock() else {
            return false;
        };
        if last.len() >= Self::MAX_KEYS {
            last.retain(|_, at| at.elapsed() < every);
        }
        match last.get(key) {
            Some(at) if at.elapsed() < every => false,
            _ => {
                last.insert(key.to_string(), std::time::Instant::now());
                true
            }
        }
    }
}

/// Everything a use-case needs. Cheap to clone; nothing in it is global, so several instances
/// live side by side in one process (the test harness does this).
#[derive(Clone)]
pub struct AppContext {
    pub db: DbPool,
    pub settings: Arc<InstanceSettings>,
    pub metrics: Arc<metrics::Metrics>,
    pub logins: Arc<oauth::LoginLimiter>,
    /// The bound on argon2 work (memory): see [`passwords`].
    pub passwords: Arc<passwords::Hashing>,
    /// When each remote key was last fetched again after a signature failed.
    pub refetches: Arc<Cooldowns>,
    events: tokio::sync::broadcast::Sender<signals::AppEvent>,
    stopping: Arc<tokio::sync::watch::Sender<bool>>,
    resolver: Arc<RwLock<Option<Arc<dyn Resolver>>>>,
    ready: Arc<AtomicBool>,
}

impl AppContext {
    pub fn new(db: DbPool, settings: InstanceSettings) -> Self {
        Self {
            db,
            settings: Arc::new(settings),
            metrics: Arc::new(metrics::Metrics::default()),
            logins: Arc::new(oauth::LoginLimiter::default()),
            passwords: Arc::new(passwords::Hashing::default()),
            refetches: Arc::new(Cooldowns::default()),
            events: tokio::sync::broadcast::channel(signals::CAPACITY).0,
            stopping: Arc::new(tokio::sync::watch::channel(false).0),
            resolver: Arc::new(RwLock::new(None)),
            ready: Arc::new(AtomicBool::new(false)),
        }
    }

    pub fn urls(&self) -> &UrlScheme {
        &self.settings.urls
    }

    /// Installs the network resolver (at start-up, after the federation config exists).
    pub fn set_resolver(&self, resolver: Arc<dyn Resolver>) {
        if let Ok(mut slot) = self.resolver.write() {
            *slot = Some(resolver);
        }
    }

    pub fn resolver(&self) -> AppResult<Arc<dyn Resolver>> {
        self.resolver
            .read()
            .ok()
            .and_then(|r| r.clone())
            .ok_or_else(|| AppError::Unavailable("federation is not running".into()))
    }

    /// Drops the resolver (it holds a context itself: this breaks the cycle) and closes the
    /// database pool. The instance is not ready afterwards.
    pub fn shutdown(&self) {
        self.ready.store(false, Ordering::SeqCst);
        if let Ok(mut slot) = self.resolver.write() {
            *slot = None;
        }
        self.db.close();
    }

    /// One write: `f` runs in a transaction with the live events it gathers, which are
    /// published once the transaction committed (never before, never for a rollback). An error
    /// from `f` rolls back.
    pub async fn write<T>(
        &self,
        f: impl AsyncFnOnce(&mut interspace_db::DbConn, &mut signals::Events) -> AppResult<T>,
    ) -> AppResult<T> {
        let mut tx = self.db.begin().await?;
        let mut events = signals::Events::default();
        let out = f(&mut tx, &mut events).await?;
        self.commit(tx, events).await?;
        Ok(out)
    }

    /// Ends a use-case's transaction: the mails it gathered are queued in it, it commits, and
    /// its live events are published.
    pub async fn commit(
        &self,
        mut tx: interspace_db::DbConn,
        mut events: signals::Events,
    ) -> AppResult<()> {
        mail::compose::queue(self, &mut tx, events.take_mails()).await?;
        tx.commit().await?;
        self.publish(events);
        Ok(())
    }

    /// Publishes what a committed use-case gathered (no-one listening is fine).
    pub fn publish(&self, events: signals::Events) {
        for e in events.into_vec() {
            let _ = self.events.send(e);
        }
    }

    pub fn subscribe(&self) -> tokio::sync::broadcast::Receiver<signals::AppEvent> {
        self.events.subscribe()
    }

    /// Tells long-lived work (streams) to finish: the server is stopping.
    pub fn begin_shutdown(&self) {
        self.stopping.send_replace(true);
    }

    /// A worker that drains a queue: `tick` runs every `every` until the instance stops; a
    /// round that fails is logged as `what` and the next one comes.
    pub fn spawn_worker<F, Fut>(
        &self,
        every: std::time::Duration,
        what: &'static str,
        mut tick: F,
    ) -> tokio::task::JoinHandle<()>
    where
        F: FnMut(AppContext) -> Fut + Send + 'static,
        Fut: std::future::Future<Output = AppResult<()>> + Send,
    {
        let ctx = self.clone();
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    _ = ctx.stopped() => break,
                    _ = tokio::time::sleep(every) => {}
                }
                if let Err(e) = tick(ctx.clone()).await {
                    tracing::warn!(error = %e, "{what}");
                }
            }
        })
    }

    /// Resolves once [`AppContext::begin_shutdown`] was called.
    pub async fn stopped(&self) {
        let mut rx = self.stopping.subscribe();
        let _ = rx.wait_for(|stopping| *stopping).await;
    }

    /// Set once migrations and first-run setup are done.
    pub fn mark_ready(&self) {
        self.ready.store(true, Ordering::SeqCst);
    }

    pub fn is_ready(&self) -> bool {
        self.ready.load(Ordering::SeqCst)
    }
}
