//! ActivityPub for Interspace, on top of the `activitypub_federation` crate: wire types
//! (`protocol`), database-backed objects (`objects`), what received activities do (`inbound`), routes (actors, collections, WebFinger,
//! NodeInfo), the guarded HTTP client and the network [`interspace_app::Resolver`].

pub mod delivery;
mod error;
pub mod http_client;
mod inbound;
pub mod objects;
mod outbound;
#[cfg(test)]
mod proptests;
pub mod protocol;
mod push;
mod resolve;
pub mod routes;
pub mod signatures;

pub use error::FederationError;
pub use resolve::FederationResolver;

use activitypub_federation::config::{FederationConfig, FederationMiddleware};
use interspace_app::{accounts, AppContext};
use interspace_core::net::IpNet;
use objects::actor::DbActor;
use std::sync::Arc;
use std::time::Duration;

/// The federation crate's request data, carrying our [`AppContext`].
pub type Data = activitypub_federation::config::Data<AppContext>;

/// How the instance talks to others.
#[derive(Debug, Clone, Default)]
pub struct FederationOptions {
    /// The federation crate's debug mode: http, explicit ports, `localhost`. Never inferred.
    pub allow_http: bool,
    /// Networks that outgoing requests may reach although they are private or loopback.
    pub allowed_private_networks: Vec<IpNet>,
}

/// The running federation layer of one instance.
#[derive(Clone)]
pub struct Federation {
    config: FederationConfig<AppContext>,
}

impl Federation {
    /// Builds the federation config (signed fetches by the instance actor) and installs the
    /// resolver into `ctx`. Needs the instance actor, so run it after first-run setup.
    pub async fn start(
        ctx: &AppContext,
        options: &FederationOptions,
    ) -> Result<Self, FederationError> {
        Self::start_with(ctx, options, true).await
    }

    /// Resolving only, no delivery worker: for one-shot commands, which leave deliveries to
    /// the running server.
    pub async fn resolver_only(
        ctx: &AppContext,
        options: &FederationOptions,
    ) -> Result<Self, FederationError> {
        Self::start_with(ctx, options, false).await
    }

    async fn start_with(
        ctx: &AppContext,
        options: &FederationOptions,
        deliver: bool,
    ) -> Result<Self, FederationError> {
        let instance = DbActor::new(accounts::instance_actor(ctx).await?)?;
        let client = http_client::build(options)?;
        let resolver_client = client.clone();
        let config = FederationConfig::builder()
            .domain(ctx.urls().domain())
            .app_data(ctx.clone())
            .client(client)
            .debug(options.allow_http)
            .allow_http_urls(options.allow_http)
            .request_timeout(Duration::from_secs(10))
            .http_fetch_limit(50)
            // Mastodon-compatible signatures: (request-target), host, date (and digest).
            .http_signature_compat(true)
            .signed_fetch_actor(&instance)
            .build()
            .await
            .map_err(|e| FederationError::Config(e.to_string()))?;
        if deliver {
            delivery::spawn(ctx.clone(), resolver_client.clone());
            push::spawn(ctx.clone(), resolver_client.clone());
        }
        let federation = Self { config };
        ctx.set_resolver(Arc::new(FederationResolver::new(
            federation.config.clone(),
            resolver_client,
            options.allow_http,
        )));
        Ok(federation)
    }

    /// Middleware that gives handlers the [`Data`] extractor.
    pub fn middleware(&self) -> FederationMiddleware<AppContext> {
        FederationMiddleware::new(self.config.clone())
    }
}
