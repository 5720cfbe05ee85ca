//! The URL scheme of an instance: every local ActivityPub id is built here and nowhere else.

use crate::ValidationError;
use url::Url;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UrlScheme {
    base: Url,
    domain: String,
}

/// `host` or `host:port` of a URL, lowercased and without a trailing dot: the `domain`
/// column of remote accounts, and the part after `@` in their `acct`. `None` without a host.
pub fn domain_of(url: &Url) -> Option<String> {
    let host = url.host_str()?.trim_end_matches('.').to_lowercase();
    Some(match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host,
    })
}

/// `raw` if it is an absolute `http` or `https` URL with a host, else `None`. Links that peers
/// and clients send (profile and post URLs, avatars, event pages, app websites) pass through
/// this before they are stored or rendered: `javascript:`, `data:` and the like are dropped.
pub fn http_url(raw: &str) -> Option<String> {
    let url = Url::parse(raw.trim()).ok()?;
    (matches!(url.scheme(), "http" | "https") && url.host_str().is_some_and(|h| !h.is_empty()))
        .then(|| url.to_string())
}

/// What kind of local actor a path names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LocalActor {
    User(String),
    Space(String),
    Instance,
}

impl UrlScheme {
    /// `domain` is the public host with an optional port (`example.org`, `localhost:8080`).
    pub fn new(domain: &str, https: bool) -> Result<Self, ValidationError> {
        let domain = domain.trim().trim_end_matches('/').to_lowercase();
        let scheme = if https { "https" } else { "http" };
        let invalid = || {
            ValidationError::new(
                "server.domain",
                format!("'{domain}' is not a host name with an optional port"),
            )
        };
        if domain.is_empty() || domain.contains('/') || domain.contains('@') {
            return Err(invalid());
        }
        let base = Url::parse(&format!("{scheme}://{domain}/")).map_err(|_| invalid())?;
        if base.host_str().is_none() || base.path() != "/" {
            return Err(invalid());
        }
        Ok(Self { base, domain })
    }

    pub fn domain(&self) -> &str {
        &self.domain
    }

    pub fn base(&self) -> &Url {
        &self.base
    }

    pub fn is_https(&self) -> bool {
        self.base.scheme() == "https"
    }

    /// An absolute URL for a local path that starts with `/`.
    pub fn path(&self, path: &str) -> Url {
        self.base.join(path).unwrap_or_else(|_| self.base.clone())
    }

    pub fn user(&self, username: &str) -> Url {
        self.path(&format!("/users/{username}"))
    }

    pub fn space(&self, handle: &str) -> Url {
        self.path(&format!("/spaces/{handle}"))
    }

    pub fn instance_actor(&self) -> Url {
        self.path("/actor")
    }

    pub fn shared_inbox(&self) -> Url {
        self.path("/inbox")
    }

    /// `{actor}/inbox`, `{actor}/outbox`, `{actor}/followers`, ...
    pub fn actor_sub(&self, actor: &Url, sub: &str) -> Url {
        let mut url = actor.clone();
        url.set_path(&format!("{}/{sub}", actor.path().trim_end_matches('/')));
        url
    }

    pub fn key_id(actor: &Url) -> Url {
        let mut url = actor.clone();
        url.set_fragment(Some("main-key"));
        url
    }

    /// Whether a URL is on this instance: same scheme, host and port.
    pub fn is_local(&self, url: &Url) -> bool {
        url.scheme() == self.base.scheme()
            && url.host_str().map(str::to_lowercase) == self.base.host_str().map(str::to_lowercase)
            && url.port_or_known_default() == self.base.port_or_known_default()
    }

    /// Which local actor an id names, if any.
    pub fn local_actor(&self, url: &Url) -> Option<LocalActor> {
        if !self.is_local(url) {
            return None;
        }
        let segments: Vec<&str> = url.path_segments()?.collect();
        match segments.as_slice() {
            ["users", name] if !name.is_empty() => Some(LocalActor::User(name.to_string())),
            ["spaces", handle] if !handle.is_empty() => Some(LocalActor::Space(handle.to_string())),
            ["actor"] => Some(LocalActor::Instance),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn only_http_links_pass() {
        assert_eq!(
            super::http_url(" https://example.org/@a "),
            Some("https://example.org/@a".into())
        );
        assert!(super::http_url("http://example.org").is_some());
        for bad in [
            "javascript:alert(1)",
            "JavaScript:alert(1)",
            "data:text/html,<script>",
            "vbscript:x",
            "file:///etc/passwd",
            "ftp://example.org/",
            "//example.org/x",
            "/relative",
            "http://",
            "",
        ] {
            assert_eq!(super::http_url(bad), None, "{bad}");
        }
    }

    use super::*;

    #[test]
    fn builds_ids() {
        let s = UrlScheme::new("localhost:8080", false).expect("valid");
        assert_eq!(
            s.user("alice").as_str(),
            "http://localhost:8080/users/alice"
        );
        assert_eq!(s.space("hub").as_str(), "http://localhost:8080/spaces/hub");
        let inbox = s.actor_sub(&s.user("alice"), "inbox");
        assert_eq!(inbox.as_str(), "http://localhost:8080/users/alice/inbox");
        assert_eq!(
            UrlScheme::key_id(&s.user("a")).as_str(),
            "http://localhost:8080/users/a#main-key"
        );
        assert_eq!(
            s.local_actor(&s.user("a")),
            Some(LocalActor::User("a".into()))
        );
        assert_eq!(
            s.local_actor(&s.instance_actor()),
            Some(LocalActor::Instance)
        );
        let other = Url::parse("http://localhost:8081/users/a").expect("url");
        assert!(!s.is_local(&other));
        assert_eq!(s.local_actor(&other), None);
    }

    #[test]
    fn rejects_bad_domains() {
        for bad in ["", "a/b", "user@host", "http://x"] {
            assert!(UrlScheme::new(bad, true).is_err(), "{bad}");
        }
        assert!(UrlScheme::new("Example.ORG", true).expect("ok").is_https());
    }
}
