//! The one outgoing HTTP client. Every fetch and delivery (WebFinger, actors, objects, keys,
//! collections, deliveries, anything later) goes through it, so one guard covers them all:
//! - a middleware checks each request's URL before it connects: the scheme, and IP-literal
//!   hosts in every textual form (the URL parser has normalised them) by the same rule as
//!   resolved names;
//! - the DNS resolver drops every resolved address the rule refuses, and the connection uses
//!   only what is left, so a name cannot rebind to a private address between check and connect;
//! - redirects are not followed by the client: the federation crate follows one itself with a
//!   new request, which passes the same guard.
//!
//! The guard runs in every mode, also when the federation crate's debug mode skips its own
//! checks. `federation.allowed_private_networks` is its only exception.

use crate::{FederationError, FederationOptions};
use interspace_core::net::{check_destination, is_allowed, IpNet};
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use reqwest_middleware::{ClientWithMiddleware, Middleware, Next};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

/// The guarded client every outgoing request uses.
pub type HttpClient = ClientWithMiddleware;

/// Resolves names, then drops every address that the guard refuses; an empty answer fails.
#[derive(Clone)]
pub struct GuardedResolver {
    allowed: Arc<Vec<IpNet>>,
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

/// Refuses a request whose URL the guard does not accept, before it connects.
struct DestinationGuard {
    allowed: Arc<Vec<IpNet>>,
    allow_http: bool,
}

#[async_trait::async_trait]
impl Middleware for DestinationGuard {
    async fn handle(
        &self,
        req: reqwest::Request,
        extensions: &mut http::Extensions,
        next: Next<'_>,
    ) -> reqwest_middleware::Result<reqwest::Response> {
        check_destination(req.url(), &self.allowed, self.allow_http)
            .map_err(reqwest_middleware::Error::middleware)?;
        next.run(req, extensions).await
    }
}

pub fn user_agent() -> String {
    format!("Interspace/{}", interspace_app::SOFTWARE_VERSION)
}

pub fn build(options: &FederationOptions) -> Result<HttpClient, FederationError> {
    let allowed = Arc::new(options.allowed_private_networks.clone());
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(10))
        .connect_timeout(Duration::from_secs(5))
        .user_agent(user_agent())
        .dns_resolver(Arc::new(GuardedResolver {
            allowed: allowed.clone(),
        }))
        .build()
        .map_err(|e| FederationError::Config(e.to_string()))?;
    Ok(reqwest_middleware::ClientBuilder::new(client)
        .with(DestinationGuard {
            allowed,
            allow_http: options.allow_http,
        })
        .build())
}

/// Whether a failed request never left this machine because the guard refused it (such a
/// delivery is final: retrying cannot help).
pub fn is_refused(e: &reqwest_middleware::Error) -> bool {
    e.is_middleware()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// A listener on 127.0.0.2 that counts connections (loopback: a failing guard would still
    /// send nothing off this machine).
    async fn trap() -> (u16, Arc<AtomicUsize>) {
        let listener = tokio::net::TcpListener::bind("127.0.0.2:0")
            .await
            .expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let hits = Arc::new(AtomicUsize::new(0));
        let counter = hits.clone();
        tokio::spawn(async move {
            while let Ok((s, _)) = listener.accept().await {
                counter.fetch_add(1, Ordering::SeqCst);
                drop(s);
            }
        });
        (port, hits)
    }

    fn options(allowed: &[&str]) -> FederationOptions {
        FederationOptions {
            allow_http: true,
            allowed_private_networks: allowed
                .iter()
                .map(|n| IpNet::parse(n).expect("net"))
                .collect(),
        }
    }

    #[tokio::test]
    async fn ip_literals_in_every_form_are_refused_before_connecting() {
        let (port, hits) = trap().await;
        let client = build(&options(&["127.0.0.1/32"])).expect("client");
        for host in [
            "127.0.0.2",
            "2130706434",
            "0x7f000002",
            "0177.0.0.2",
            "127.2",
            "[::ffff:127.0.0.2]",
            "[::ffff:7f00:2]",
        ] {
            for method in [reqwest::Method::GET, reqwest::Method::POST] {
                let err = client
                    .request(method, format!("http://{host}:{port}/inbox"))
                    .send()
                    .await
                    .expect_err(host);
                assert!(is_refused(&err), "{host}: {err}");
            }
        }
        assert_eq!(hits.load(Ordering::SeqCst), 0);
    }

    #[tokio::test]
    async fn names_resolving_only_to_refused_addresses_fail() {
        let (port, hits) = trap().await;
        // `localhost` is 127.0.0.1 and ::1, neither allowed here.
        let client = build(&options(&[])).expect("client");
        let err = client
            .get(format!("http://localhost:{port}/"))
            .send()
            .await
            .expect_err("refused");
        assert!(
            !is_refused(&err),
            "refused by the resolver, not the URL check"
        );
        assert!(
            format!("{err:?}").contains("no address that may be fetched"),
            "{err:?}"
        );
        assert_eq!(hits.load(Ordering::SeqCst), 0);
    }

    #[tokio::test]
    async fn plain_http_only_where_allowed() {
        let client = build(&FederationOptions::default()).expect("client");
        let err = client
            .get("http://example.invalid/")
            .send()
            .await
            .expect_err("refused");
        assert!(is_refused(&err), "{err}");
    }
}
