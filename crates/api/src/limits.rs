//! Rate limits per client address (governor's GCRA, one keyed limiter per class of request),
//! the client address itself (from `X-Forwarded-For` only behind a trusted proxy), and caps on
//! concurrent streaming connections.
//!
//! | class | requests | quota per address |
//! |---|---|---|
//! | sign-in | `POST /login`, `/oauth/token`, `/oauth/authorize`, `/reset/*` | 30, then one every 10 s |
//! | sign-up | `POST /api/v1/accounts`, `/register`, `/invite/*` | 5, then one every 6 min |
//! | resolve | search with `resolve`, the lookups, `POST /remote-follow`, `POST /follow` | 60, then one every 5 s |
//! | anonymous API | `/api/*` without a token | 300, then one every second |
//! | mail | `POST /password/forgot` | 5, then one every 12 min |
//!
//! Failed sign-ins are also counted per address and name (`app::oauth::LoginLimiter`), so the
//! owner of a name is never locked out from another address.

use actix_web::body::BoxBody;
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderValue, RETRY_AFTER};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{web, FromRequest, HttpRequest, HttpResponse};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};
use interspace_core::net::IpNet;
use std::collections::HashMap;
use std::future::{ready, Ready};
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    SignIn,
    SignUp,
    Resolve,
    Anonymous,
    Mail,
}

const CLASSES: [(Class, u32, Duration); 5] = [
    (Class::SignIn, 30, Duration::from_secs(10)),
    (Class::SignUp, 5, Duration::from_secs(360)),
    (Class::Resolve, 60, Duration::from_secs(5)),
    (Class::Anonymous, 300, Duration::from_secs(1)),
    (Class::Mail, 5, Duration::from_secs(720)),
];

/// Concurrent streaming connections: all of them, and those without a token (in total and
/// per address).
pub const MAX_STREAMS: usize = 2048;
pub const MAX_ANONYMOUS_STREAMS: usize = 256;
pub const MAX_ANONYMOUS_STREAMS_PER_ADDRESS: usize = 4;

/// What the operator configures.
#[derive(Debug, Clone, Default)]
pub struct LimitOptions {
    /// Off only in test suites that make many requests from one address.
    pub enabled: bool,
    /// Reverse proxies whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<IpNet>,
}

/// The limits of one instance (shared by its workers as app data).
pub struct RateLimits {
    options: LimitOptions,
    limiters: Vec<(Class, DefaultKeyedRateLimiter<IpAddr>)>,
    clock: DefaultClock,
    streams: Mutex<Streams>,
}

#[derive(Default)]
struct Streams {
    total: usize,
    anonymous: usize,
    per_address: HashMap<IpAddr, usize>,
}

impl RateLimits {
    pub fn new(options: LimitOptions) -> Arc<Self> {
        let limiters = CLASSES
            .iter()
            .filter_map(|(class, burst, every)| {
                let quota = Quota::with_period(*every)?.allow_burst(NonZeroU32::new(*burst)?);
                Some((*class, DefaultKeyedRateLimiter::keyed(quota)))
            })
            .collect();
        Arc::new(Self {
            options,
            limiters,
            clock: DefaultClock::default(),
            streams: Mutex::new(Streams::default()),
        })
    }

    /// The client's address: the peer's, or behind a trusted proxy the last address in
    /// `X-Forwarded-For` that is not itself a trusted proxy.
    pub fn client_addr(&self, req: &HttpRequest) -> Option<IpAddr> {
        let peer = req.peer_addr()?.ip();
        let trusted = |ip: &IpAddr| self.options.trusted_proxies.iter().any(|n| n.contains(*ip));
        if !trusted(&peer) {
            return Some(peer);
        }
        // Read from the right (what our proxies appended) up to the first entry that is not an
        // address: whatever a client wrote to the left of that is not believed.
        let entries: Vec<&str> = req
            .headers()
            .get_all("x-forwarded-for")
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .collect();
        let forwarded: Vec<IpAddr> = entries
            .iter()
            .rev()
            .map_while(|a| a.trim().parse::<IpAddr>().ok())
            .collect();
        forwarded
            .iter()
            .find(|ip| !trusted(ip))
            .or(forwarded.last())
            .copied()
            .or(Some(peer))
    }

    /// Takes one request of each class `req` belongs to; the wait before the next one is
    /// allowed when a class is exhausted.
    fn take(&self, addr: IpAddr, classes: &[Class]) -> Result<(), Duration> {
        for (class, limiter) in &self.limiters {
            if classes.contains(class) {
                limiter
                    .check_key(&addr)
                    .map_err(|not_until| not_until.wait_time_from(self.clock.now()))?;
            }
        }
        Ok(())
    }

    /// Forgets addresses whose allowance is full again (housekeeping keeps memory bounded).
    pub fn forget_idle(&self) {
        for (_, limiter) in &self.limiters {
            limiter.retain_recent();
        }
    }

    /// A place for one streaming connection, given back when the guard drops; `None` when the
    /// caps are reached.
    pub fn stream_slot(
        self: &Arc<Self>,
        addr: Option<IpAddr>,
        anonymous: bool,
    ) -> Option<StreamSlot> {
        let mut s = self.streams.lock().ok()?;
        if s.total >= MAX_STREAMS {
            return None;
        }
        let anonymous_addr = match (anonymous, addr) {
            (false, _) => None,
            (true, addr) => {
                let here = addr
                    .and_then(|a| s.per_address.get(&a).copied())
                    .unwrap_or(0);
                if s.anonymous >= MAX_ANONYMOUS_STREAMS || here >= MAX_ANONYMOUS_STREAMS_PER_ADDRESS
                {
                    return None;
                }
                s.anonymous += 1;
                if let Some(a) = addr {
                    *s.per_address.entry(a).or_default() += 1;
                }
                Some(addr)
            }
        };
        s.total += 1;
        Some(StreamSlot {
            limits: self.clone(),
            anonymous: anonymous_addr,
        })
    }
}

/// One open streaming connection.
pub struct StreamSlot {
    limits: Arc<RateLimits>,
    /// For a connection without a token: its address, if known.
    anonymous: Option<Option<IpAddr>>,
}

impl Drop for StreamSlot {
    fn drop(&mut self) {
        if let Ok(mut s) = self.limits.streams.lock() {
            s.total -= 1;
            if let Some(addr) = self.anonymous {
                s.anonymous -= 1;
                if let Some(a) = addr {
                    if let Some(n) = s.per_address.get_mut(&a) {
                        *n -= 1;
                        if *n == 0 {
                            s.per_address.remove(&a);
                        }
                    }
                }
            }
        }
    }
}

fn truthy(v: &str) -> bool {
    matches!(v, "1" | "true" | "True" | "on" | "yes")
}

fn classify(req: &ServiceRequest) -> Vec<Class> {
    let path = req.path();
    let post = req.method() == Method::POST;
    let mut classes = Vec::new();
    if post
        && (matches!(path, "/login" | "/oauth/token" | "/oauth/authorize")
            || path.starts_with("/reset/"))
    {
        classes.push(Class::SignIn);
    }
    if post && (matches!(path, "/api/v1/accounts" | "/register") || path.starts_with("/invite/")) {
        classes.push(Class::SignUp);
    }
    // Each one may send a mail to someone else's address.
    if post && path == "/password/forgot" {
        classes.push(Class::Mail);
    }
    let resolving = req
        .query_string()
        .split('&')
        .any(|kv| kv.strip_prefix("resolve=").is_some_and(truthy));
    let lookup = path.starts_with("/api/interspace/") && path.ends_with("/lookup");
    let searching = matches!(
        path,
        "/api/v2/search" | "/api/v1/search" | "/api/v1/accounts/search"
    );
    if lookup || (searching && resolving) || (post && matches!(path, "/remote-follow" | "/follow"))
    {
        classes.push(Class::Resolve);
    }
    let token =
        req.headers().contains_key("authorization") || req.query_string().contains("access_token=");
    if path.starts_with("/api/") && !token {
        classes.push(Class::Anonymous);
    }
    classes
}

fn too_many(path: &str, wait: Duration) -> HttpResponse {
    let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    let mut res = if path.starts_with("/api/") || path.starts_with("/oauth/") {
        HttpResponse::TooManyRequests().json(serde_json::json!({ "error": "Too many requests" }))
    } else {
        crate::layout::error_page(
            StatusCode::TOO_MANY_REQUESTS,
            "Too many requests from your address; wait a little and try again",
        )
    };
    res.headers_mut()
        .insert(RETRY_AFTER, HeaderValue::from(seconds.max(1)));
    res
}

/// The middleware: one request taken from each class it belongs to, or 429 with `Retry-After`.
pub async fn enforce(
    req: ServiceRequest,
    next: Next<BoxBody>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let Some(limits) = req.app_data::<web::Data<RateLimits>>().cloned() else {
        return next.call(req).await;
    };
    if !limits.options.enabled {
        return next.call(req).await;
    }
    let classes = classify(&req);
    if classes.is_empty() {
        return next.call(req).await;
    }
    let Some(addr) = limits.client_addr(req.request()) else {
        return next.call(req).await;
    };
    match limits.take(addr, &classes) {
        Ok(()) => next.call(req).await,
        Err(wait) => {
            let res = too_many(req.path(), wait);
            Ok(req.into_response(res).map_into_boxed_body())
        }
    }
}

/// The client's address as handlers see it (for per-address counting in use-cases);
/// `unknown` where there is none (tests without a socket).
pub struct ClientAddr(pub String);

impl FromRequest for ClientAddr {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let addr = match req.app_data::<web::Data<RateLimits>>() {
            Some(limits) => limits.client_addr(req),
            None => req.peer_addr().map(|a| a.ip()),
        };
        ready(Ok(ClientAddr(
            addr.map(|a| a.to_string())
                .unwrap_or_else(|| "unknown".into()),
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    fn limits(trusted: &[&str]) -> Arc<RateLimits> {
        RateLimits::new(LimitOptions {
            enabled: true,
            trusted_proxies: trusted
                .iter()
                .map(|n| IpNet::parse(n).expect("net"))
                .collect(),
        })
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("ip")
    }

    #[test]
    fn forwarded_for_is_believed_only_from_trusted_proxies() {
        let from = |peer: &str, xff: Option<&str>, l: &RateLimits| {
            let mut r =
                TestRequest::default().peer_addr(format!("{peer}:1234").parse().expect("addr"));
            if let Some(x) = xff {
                r = r.insert_header(("X-Forwarded-For", x));
            }
            l.client_addr(&r.to_http_request())
        };
        let none = limits(&[]);
        assert_eq!(
            from("203.0.113.9", Some("1.2.3.4"), &none),
            Some(ip("203.0.113.9"))
        );
        let proxied = limits(&["10.0.0.0/8"]);
        assert_eq!(
            from("10.0.0.2", Some("1.2.3.4"), &proxied),
            Some(ip("1.2.3.4"))
        );
        // A client cannot choose its address by sending its own header first.
        assert_eq!(
            from("10.0.0.2", Some("6.6.6.6, 1.2.3.4, 10.0.0.3"), &proxied),
            Some(ip("1.2.3.4"))
        );
        assert_eq!(from("10.0.0.2", None, &proxied), Some(ip("10.0.0.2")));
        assert_eq!(
            from("10.0.0.2", Some("garbage"), &proxied),
            Some(ip("10.0.0.2"))
        );
        // Garbage written by the client does not hide what the proxy appended.
        assert_eq!(
            from("10.0.0.2", Some("6.6.6.6, garbage, 1.2.3.4"), &proxied),
            Some(ip("1.2.3.4"))
        );
        // Only proxies: the farthest one is the client.
        assert_eq!(
            from("10.0.0.2", Some("10.0.0.9, 10.0.0.3"), &proxied),
            Some(ip("10.0.0.9"))
        );
        assert_eq!(
            from("8.8.8.8", Some("1.2.3.4"), &proxied),
            Some(ip("8.8.8.8"))
        );
    }

    #[test]
    fn a_class_runs_out_per_address_and_says_when_to_come_back() {
        let l = limits(&[]);
        let (a, b) = (ip("192.0.2.1"), ip("192.0.2.2"));
        for _ in 0..5 {
            assert!(l.take(a, &[Class::SignUp]).is_ok());
        }
        let wait = l.take(a, &[Class::SignUp]).expect_err("exhausted");
        assert!(wait > Duration::from_secs(300), "{wait:?}");
        assert!(
            l.take(b, &[Class::SignUp]).is_ok(),
            "another address is not affected"
        );
        assert!(
            l.take(a, &[Class::SignIn]).is_ok(),
            "another class is not affected"
        );
    }

    #[test]
    fn forgotten_passwords_allow_a_few_an_hour_per_address() {
        let l = limits(&[]);
        let a = ip("192.0.2.1");
        for _ in 0..5 {
            assert!(l.take(a, &[Class::Mail]).is_ok());
        }
        let wait = l.take(a, &[Class::Mail]).expect_err("exhausted");
        assert!(wait > Duration::from_secs(600), "{wait:?}");
    }

    #[test]
    fn anonymous_streams_are_capped_per_address_and_given_back() {
        let l = limits(&[]);
        let a = Some(ip("192.0.2.1"));
        let slots: Vec<_> = (0..MAX_ANONYMOUS_STREAMS_PER_ADDRESS)
            .map(|_| l.stream_slot(a, true).expect("slot"))
            .collect();
        assert!(l.stream_slot(a, true).is_none());
        assert!(l.stream_slot(Some(ip("192.0.2.2")), true).is_some());
        assert!(
            l.stream_slot(a, false).is_some(),
            "signed-in streams are not capped per address"
        );
        drop(slots);
        assert!(l.stream_slot(a, true).is_some());
    }
}
