//! The outgoing HTTP client: an SSRF guard in its DNS resolver, no redirects (the federation
//! crate follows one itself), and time limits. The guard runs in every mode, also when the
//! federation crate's debug mode skips its own checks.

use crate::{FederationError, FederationOptions};
use interspace_core::net::{is_allowed, IpNet};
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

/// Resolves names, then drops every address that the guard refuses; an empty answer fails.
#[derive(Clone)]
pub struct GuardedResolver {
    allowed: Arc<Vec<IpNet>>,
}

impl GuardedResolver {
    pub fn new(allowed: Vec<IpNet>) -> Self {
        Self {
            allowed: Arc::new(allowed),
        }
    }
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let allowed = self.allowed.clone();
        Box::pin(async move {
            let host = name.as_str().to_string();
            let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0))
                .await?
                .filter(|a| is_allowed(a.ip(), &allowed))
                .collect();
            if addrs.is_empty() {
                return Err(format!("{host} resolves to no address that may be fetched").into());
            }
            let addrs: Addrs = Box::new(addrs.into_iter());
            Ok(addrs)
        })
    }
}

pub fn user_agent() -> String {
    format!("Interspace/{}", interspace_app::SOFTWARE_VERSION)
}

pub fn build(options: &FederationOptions) -> Result<reqwest::Client, FederationError> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(10))
        .connect_timeout(Duration::from_secs(5))
        .user_agent(user_agent())
        .dns_resolver(Arc::new(GuardedResolver::new(
            options.allowed_private_networks.clone(),
        )))
        .build()
        .map_err(|e| FederationError::Config(e.to_string()))
}
