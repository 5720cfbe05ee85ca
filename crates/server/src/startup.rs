//! Building a whole instance: database, migrations, first-run setup, federation, HTTP server.

use crate::config::Config;
use actix_web::dev::Server;
use actix_web::middleware::{from_fn, NormalizePath, TrailingSlash};
use actix_web::{web, App, HttpServer};
use interspace_api::limits::{LimitOptions, RateLimits};
use interspace_app::setup::{self, FirstRun};
use interspace_app::{AppContext, AppError, FederationSettings, InstanceSettings};
use interspace_core::net::IpNet;
use interspace_core::roles::RegistrationMode;
use interspace_core::urls::UrlScheme;
use interspace_db::{DbError, DbPool};
use interspace_federation::{Federation, FederationOptions};
use std::net::TcpListener;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum StartupError {
    #[error("{0}")]
    Config(String),
    #[error("database: {0}")]
    Db(#[from] DbError),
    #[error("{0}")]
    App(#[from] AppError),
    #[error("federation: {0}")]
    Federation(#[from] interspace_federation::FederationError),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: String,
        source: std::io::Error,
    },
}

/// Whether the public URL is http: with federation.allow_http, or for `localhost` names,
/// which nobody can have a certificate for. Debug mode itself stays off unless allow_http.
pub fn uses_http(config: &Config, domain: &str) -> bool {
    let host = domain
        .rsplit_once(':')
        .map_or(domain, |(h, _)| h)
        .to_ascii_lowercase();
    config.federation.allow_http || host == "localhost" || host.ends_with(".localhost")
}

/// Instance settings from the configuration, validated.
pub fn settings(config: &Config, domain: &str) -> Result<InstanceSettings, StartupError> {
    let urls = UrlScheme::new(domain, !uses_http(config, domain))
        .map_err(|e| StartupError::Config(e.to_string()))?;
    let registrations = RegistrationMode::parse(&config.instance.registrations)
        .map_err(|e| StartupError::Config(e.to_string()))?;
    Ok(InstanceSettings {
        urls,
        registrations,
        space_handle: config.space.handle.trim().to_string(),
        space_name: config.space.name.trim().to_string(),
        space_timezone: config.space.timezone.trim().to_string(),
        operator_username: config.space.operator.trim().to_string(),
        media_dir: std::path::PathBuf::from(config.media.path.trim()),
        event_reminder: (config.events.reminder_minutes <= 7 * 24 * 60)
            .then(|| std::time::Duration::from_secs(60 * config.events.reminder_minutes as u64))
            .ok_or_else(|| {
                StartupError::Config("events.reminder_minutes must be at most 10080".into())
            })?,
        federation: FederationSettings {
            retry_base: std::time::Duration::try_from_secs_f64(
                config.federation.retry_base_seconds,
            )
            .ok()
            .filter(|d| !d.is_zero() && d.as_secs() <= 12 * 3600)
            .ok_or_else(|| {
                StartupError::Config(
                    "federation.retry_base_seconds must be above 0 and at most 43200".into(),
                )
            })?,
            max_attempts: i32::try_from(config.federation.max_attempts)
                .ok()
                .filter(|n| (1..=100).contains(n))
                .ok_or_else(|| {
                    StartupError::Config("federation.max_attempts must be 1 to 100".into())
                })?,
            authorized_fetch: config.federation.authorized_fetch,
        },
        mail: mail_settings(config, domain)?,
    })
}

/// How mail is sent, checked (`None`: no `mail.smtp_url`, no mail).
fn mail_settings(
    config: &Config,
    domain: &str,
) -> Result<Option<interspace_app::mail::MailSettings>, StartupError> {
    if crate::mail::Sender::from_config(&config.mail, domain)
        .map_err(StartupError::Config)?
        .is_none()
    {
        return Ok(None);
    }
    Ok(Some(interspace_app::mail::MailSettings {
        retry_base: std::time::Duration::try_from_secs_f64(config.mail.retry_base_seconds)
            .ok()
            .filter(|d| !d.is_zero() && d.as_secs() <= 12 * 3600)
            .ok_or_else(|| {
                StartupError::Config(
                    "mail.retry_base_seconds must be above 0 and at most 43200".into(),
                )
            })?,
        max_attempts: i32::try_from(config.mail.max_attempts)
            .ok()
            .filter(|n| (1..=100).contains(n))
            .ok_or_else(|| StartupError::Config("mail.max_attempts must be 1 to 100".into()))?,
    }))
}

/// How the instance reaches others, from the configuration.
pub fn federation_options(config: &Config) -> Result<FederationOptions, StartupError> {
    let allowed = config
        .federation
        .allowed_private_networks
        .iter()
        .map(|n| IpNet::parse(n))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| StartupError::Config(e.to_string()))?;
    Ok(FederationOptions {
        allow_http: config.federation.allow_http,
        allowed_private_networks: allowed,
    })
}

/// The rate limits and the proxies whose `X-Forwarded-For` is believed, from the configuration.
pub fn limit_options(config: &Config) -> Result<LimitOptions, StartupError> {
    let trusted_proxies = config
        .server
        .trusted_proxies
        .iter()
        .map(|n| IpNet::parse(n))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| StartupError::Config(format!("server.trusted_proxies: {}", e.reason)))?;
    Ok(LimitOptions {
        enabled: config.rate_limits.enabled,
        trusted_proxies,
    })
}

/// Connects, migrates and runs first-run setup: what every CLI command needs.
pub async fn prepare(
    config: &Config,
    domain: &str,
) -> Result<(AppContext, Option<FirstRun>), StartupError> {
    let settings = settings(config, domain)?;
    let db = DbPool::connect(&config.database.url, config.database.max_connections.max(2)).await?;
    db.migrate().await?;
    let ctx = AppContext::new(db, settings);
    let first_run = setup::ensure_instance(&ctx).await?;
    Ok((ctx, first_run))
}

pub struct Application {
    pub ctx: AppContext,
    pub first_run: Option<FirstRun>,
    pub port: u16,
    server: Server,
}

impl Application {
    /// Binds, prepares the instance and builds the HTTP server (not yet running).
    /// `handle_signals`: stop gracefully on SIGTERM/SIGINT (the binary; not the test harness).
    pub async fn build(config: Config, handle_signals: bool) -> Result<Self, StartupError> {
        let listeners = bind(&config.server.bind)?;
        let port = listeners
            .first()
            .and_then(|l| l.local_addr().ok())
            .map(|a| a.port())
            .unwrap_or(0);
        let domain = if config.server.domain.trim().is_empty() {
            format!("localhost:{port}")
        } else {
            config.server.domain.trim().to_string()
        };
        let (ctx, first_run) = prepare(&config, &domain).await?;
        let federation = Federation::start(&ctx, &federation_options(&config)?).await?;
        let limits = web::Data::from(RateLimits::new(limit_options(&config)?));
        match crate::mail::Sender::from_config(&config.mail, &domain) {
            Ok(Some(sender)) => {
                crate::mail::spawn(ctx.clone(), sender);
            }
            Ok(None) => tracing::info!(
                "mail.smtp_url is not set: this instance sends no e-mail (operators hand out \
                 invite and reset links from the web pages and the CLI)"
            ),
            Err(e) => return Err(StartupError::Config(e)),
        }
        ctx.mark_ready();
        tokio::spawn(periodically(ctx.clone(), 3600, "housekeeping", |ctx| {
            Box::pin(async move {
                interspace_app::housekeeping::run(&ctx)
                    .await
                    .map(|p| format!("{p:?}"))
            })
        }));
        // Addresses whose allowance is full again are forgotten: memory stays bounded.
        let (idle, stop) = (limits.clone(), ctx.clone());
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(std::time::Duration::from_secs(600));
            loop {
                tokio::select! {
                    _ = tick.tick() => idle.forget_idle(),
                    _ = stop.stopped() => return,
                }
            }
        });
        tokio::spawn(periodically(ctx.clone(), 600, "visit days", |ctx| {
            Box::pin(async move {
                interspace_app::visits::close_days(&ctx)
                    .await
                    .map(|n| format!("{n} visits closed"))
            })
        }));
        tokio::spawn(periodically(
            ctx.clone(),
            600,
            "opportunity deadlines",
            |ctx| {
                Box::pin(async move {
                    interspace_app::opportunities::expire(&ctx, interspace_db::now().date())
                        .await
                        .map(|n| format!("{n} expired"))
                })
            },
        ));
        tokio::spawn(periodically(ctx.clone(), 3600, "mail digests", |ctx| {
            Box::pin(async move {
                interspace_app::mail::digest(&ctx)
                    .await
                    .map(|n| format!("{n} digests queued"))
            })
        }));
        tokio::spawn(periodically(ctx.clone(), 60, "event reminders", |ctx| {
            Box::pin(async move {
                interspace_app::events::remind(&ctx)
                    .await
                    .map(|n| format!("{n} reminded"))
            })
        }));

        let app_ctx = ctx.clone();
        let mut server = HttpServer::new(move || {
            App::new()
                .app_data(web::Data::new(app_ctx.clone()))
                .app_data(limits.clone())
                .configure(interspace_federation::routes::configure)
                .configure(interspace_api::configure)
                .wrap(federation.middleware())
                .wrap(from_fn(interspace_api::limits::enforce))
                .wrap(from_fn(interspace_api::middleware::retry_after))
                .wrap(from_fn(interspace_api::metrics::track))
                // Outside the limits, so that a 429 or 503 reaches a web client too.
                .wrap(from_fn(interspace_api::middleware::cors))
                // Clients send `/api/v1/instance/` and `/oauth/authorize/`: trailing slashes go.
                .wrap(NormalizePath::new(TrailingSlash::Trim))
        });
        if config.server.workers > 0 {
            server = server.workers(config.server.workers);
        }
        // Signals are ours: streams must end before the server waits for connections.
        server = server.disable_signals();
        for listener in listeners {
            server = server
                .listen(listener)
                .map_err(|source| StartupError::Bind {
                    addr: config.server.bind.clone(),
                    source,
                })?;
        }
        // Reading a request's head may take a while on a loaded machine; 5 s (actix's default)
        // answered 408 to well-behaved clients under load.
        let server = server
            .client_request_timeout(std::time::Duration::from_secs(30))
            .shutdown_timeout(10)
            .run();
        if handle_signals {
            let (handle, ctx) = (server.handle(), ctx.clone());
            tokio::spawn(async move {
                wait_for_stop_signal().await;
                tracing::info!("stopping");
                ctx.begin_shutdown();
                handle.stop(true).await;
            });
        }
        Ok(Self {
            ctx,
            first_run,
            port,
            server,
        })
    }

    /// A handle to stop the server.
    pub fn handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }

    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let ctx = self.ctx.clone();
        let result = self.server.await;
        ctx.shutdown();
        result
    }
}

type Job = fn(
    AppContext,
) -> std::pin::Pin<
    Box<dyn std::future::Future<Output = interspace_app::AppResult<String>> + Send>,
>;

/// Runs `job` every `seconds` (hourly clean-up, event reminders) until the instance stops.
async fn periodically(ctx: AppContext, seconds: u64, name: &'static str, job: Job) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(seconds));
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = ctx.stopped() => return,
        }
        if !ctx.is_ready() {
            return;
        }
        match job(ctx.clone()).await {
            Ok(what) => tracing::debug!(what, "{name}"),
            Err(e) => tracing::warn!(error = %e, "{name} failed"),
        }
    }
}

/// SIGTERM or SIGINT (Ctrl-C).
async fn wait_for_stop_signal() {
    use tokio::signal::unix::{signal, SignalKind};
    match signal(SignalKind::terminate()) {
        Ok(mut term) => {
            tokio::select! {
                _ = term.recv() => {}
                _ = tokio::signal::ctrl_c() => {}
            }
        }
        Err(_) => {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

/// A listener with SO_REUSEADDR, so that a restart binds its port again at once even while
/// connections of the previous process linger in TIME_WAIT. Needs the tokio runtime.
fn listen_reusing(addr: std::net::SocketAddr) -> std::io::Result<TcpListener> {
    let socket = if addr.is_ipv4() {
        tokio::net::TcpSocket::new_v4()?
    } else {
        tokio::net::TcpSocket::new_v6()?
    };
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(1024)?.into_std()
}

/// Binds every address a name resolves to (`localhost:8080` gives IPv4 and IPv6), succeeding
/// when at least one binds; all on the same port when the port is 0.
fn bind(addr: &str) -> Result<Vec<TcpListener>, StartupError> {
    use std::net::ToSocketAddrs;
    let err = |source| StartupError::Bind {
        addr: addr.to_string(),
        source,
    };
    let addrs: Vec<_> = addr.to_socket_addrs().map_err(err)?.collect();
    let mut listeners: Vec<TcpListener> = Vec::new();
    let mut last_error = None;
    for mut a in addrs {
        if let Some(first) = listeners.first() {
            if a.port() == 0 {
                a.set_port(first.local_addr().map_err(err)?.port());
            }
        }
        match listen_reusing(a) {
            Ok(l) => listeners.push(l),
            Err(e) => last_error = Some(e),
        }
    }
    if listeners.is_empty() {
        return Err(err(last_error.unwrap_or_else(|| {
            std::io::Error::new(std::io::ErrorKind::AddrNotAvailable, "no address to bind")
        })));
    }
    Ok(listeners)
}
