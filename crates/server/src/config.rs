//! Configuration: a TOML file, then `INTERSPACE__SECTION__KEY` environment overrides, validated
//! once at start.

use serde::{Deserialize, Deserializer, Serialize};
use std::collections::BTreeMap;
use std::path::Path;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("config: {0}")]
    Parse(String),
    #[error("config: {0}")]
    Invalid(String),
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub server: ServerConfig,
    pub database: DatabaseConfig,
    pub federation: FederationConfig,
    pub space: SpaceConfig,
    pub instance: InstanceConfig,
    pub media: MediaConfig,
    pub log: LogConfig,
    pub events: EventsConfig,
    pub rate_limits: RateLimitsConfig,
    pub mail: MailConfig,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct MailConfig {
    /// `smtp://host:port` (STARTTLS when offered; `?tls=required` insists) or
    /// `smtps://user:pass@host:port` (TLS). Empty: the instance sends no mail.
    pub smtp_url: String,
    /// SMTP credentials, when not in the URL (`INTERSPACE__MAIL__SMTP_PASSWORD` keeps the
    /// password out of the file).
    pub smtp_username: String,
    pub smtp_password: String,
    /// Every mail's `From`: `Name <address>` or an address; empty: `noreply@` the domain.
    pub from: String,
    /// Seconds before the first retry of a mail the SMTP server did not take; each next wait
    /// doubles (cap 12 h).
    #[serde(deserialize_with = "lenient_f64")]
    pub retry_base_seconds: f64,
    /// Attempts before a mail is given up.
    #[serde(deserialize_with = "lenient_usize")]
    pub max_attempts: usize,
}

impl Default for MailConfig {
    fn default() -> Self {
        Self {
            smtp_url: String::new(),
            smtp_username: String::new(),
            smtp_password: String::new(),
            from: String::new(),
            retry_base_seconds: 30.0,
            max_attempts: 12,
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct RateLimitsConfig {
    /// Per-address rate limits (docs/security.md). Off only for test suites that make many
    /// requests from one address.
    #[serde(deserialize_with = "lenient_bool")]
    pub enabled: bool,
}

impl Default for RateLimitsConfig {
    fn default() -> Self {
        Self { enabled: true }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct EventsConfig {
    /// Minutes before an event's start when participants get a reminder; 0 turns reminders
    /// off.
    #[serde(deserialize_with = "lenient_usize")]
    pub reminder_minutes: usize,
}

impl Default for EventsConfig {
    fn default() -> Self {
        Self {
            reminder_minutes: 60,
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct MediaConfig {
    /// Folder for uploaded files.
    pub path: String,
}

impl Default for MediaConfig {
    fn default() -> Self {
        Self {
            path: "data/media".into(),
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServerConfig {
    /// Address to listen on; a name binds every address it resolves to.
    pub bind: String,
    /// Public host with optional port. Empty: `localhost:<bound port>` (tests).
    pub domain: String,
    /// HTTP worker threads; 0 means one per core.
    #[serde(deserialize_with = "lenient_usize")]
    pub workers: usize,
    /// Reverse proxies (CIDR) whose `X-Forwarded-For` names the client; from anyone else the
    /// header is ignored.
    #[serde(deserialize_with = "string_list")]
    pub trusted_proxies: Vec<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct DatabaseConfig {
    pub url: String,
    #[serde(deserialize_with = "lenient_usize")]
    pub max_connections: usize,
}

impl DatabaseConfig {
    /// The SQLite file the URL names (none for PostgreSQL or an in-memory database).
    pub fn sqlite_path(&self) -> Option<String> {
        interspace_db::sqlite_path(self.url.trim()).filter(|p| p != ":memory:")
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct FederationConfig {
    #[serde(deserialize_with = "lenient_bool")]
    pub allow_http: bool,
    #[serde(deserialize_with = "string_list")]
    pub allowed_private_networks: Vec<String>,
    /// Require HTTP signatures on GETs of our ActivityPub documents (the instance actor stays
    /// public).
    #[serde(deserialize_with = "lenient_bool")]
    pub authorized_fetch: bool,
    /// Seconds before the first retry of a failed delivery; each next wait doubles (cap 12 h).
    #[serde(deserialize_with = "lenient_f64")]
    pub retry_base_seconds: f64,
    /// Attempts before a delivery is given up and its domain marked unavailable.
    #[serde(deserialize_with = "lenient_usize")]
    pub max_attempts: usize,
}

impl Default for FederationConfig {
    fn default() -> Self {
        Self {
            allow_http: false,
            allowed_private_networks: vec![],
            authorized_fetch: false,
            retry_base_seconds: 60.0,
            max_attempts: 16,
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct SpaceConfig {
    pub name: String,
    pub handle: String,
    pub timezone: String,
    pub operator: String,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct InstanceConfig {
    pub registrations: String,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct LogConfig {
    /// A tracing filter such as `info` or `interspace=debug,info`; `RUST_LOG` wins.
    pub level: String,
    /// `text` (for people) or `json` (one object per line, for log shippers).
    pub format: String,
}

pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/interspace.db";

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            bind: "localhost:8080".into(),
            domain: "localhost:8080".into(),
            workers: 0,
            trusted_proxies: vec![],
        }
    }
}

impl Default for DatabaseConfig {
    fn default() -> Self {
        Self {
            url: String::new(),
            max_connections: 16,
        }
    }
}

impl Default for SpaceConfig {
    fn default() -> Self {
        Self {
            name: "My Space".into(),
            handle: "space".into(),
            timezone: "UTC".into(),
            operator: "admin".into(),
        }
    }
}

impl Default for InstanceConfig {
    fn default() -> Self {
        Self {
            registrations: "approval".into(),
        }
    }
}

impl Default for LogConfig {
    fn default() -> Self {
        Self {
            level: "info".into(),
            format: "text".into(),
        }
    }
}

fn lenient_bool<'de, D: Deserializer<'de>>(de: D) -> Result<bool, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Flag {
        Bool(bool),
        Text(String),
        Int(i64),
    }
    match Flag::deserialize(de)? {
        Flag::Bool(b) => Ok(b),
        Flag::Int(i) => Ok(i != 0),
        Flag::Text(s) => match s.trim().to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" | "on" => Ok(true),
            "false" | "0" | "no" | "off" | "" => Ok(false),
            other => Err(serde::de::Error::custom(format!(
                "'{other}' is not true or false"
            ))),
        },
    }
}

fn lenient_usize<'de, D: Deserializer<'de>>(de: D) -> Result<usize, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum N {
        N(usize),
        S(String),
    }
    match N::deserialize(de)? {
        N::N(n) => Ok(n),
        N::S(s) => s
            .trim()
            .parse()
            .map_err(|_| serde::de::Error::custom(format!("'{s}' is not a whole number"))),
    }
}

fn lenient_f64<'de, D: Deserializer<'de>>(de: D) -> Result<f64, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum N {
        F(f64),
        S(String),
    }
    match N::deserialize(de)? {
        N::F(n) => Ok(n),
        N::S(s) => s
            .trim()
            .parse()
            .map_err(|_| serde::de::Error::custom(format!("'{s}' is not a number"))),
    }
}

fn string_list<'de, D: Deserializer<'de>>(de: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum L {
        L(Vec<String>),
        S(String),
    }
    Ok(match L::deserialize(de)? {
        L::L(v) => v,
        L::S(s) => s
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(String::from)
            .collect(),
    })
}

impl Config {
    /// Whether `server.bind` is reachable from other machines while `server.domain` names this
    /// machine only (`localhost`, a loopback address): every id and link the instance
    /// published would point nowhere. The reason, when so.
    pub fn public_bind_with_local_domain(&self) -> Option<String> {
        let host_of = |s: &str| -> String {
            let s = s.trim();
            if let Some(rest) = s.strip_prefix('[') {
                return rest.split(']').next().unwrap_or_default().to_string();
            }
            match s.rsplit_once(':') {
                Some((h, port)) if port.chars().all(|c| c.is_ascii_digit()) && !h.contains(':') => {
                    h.to_string()
                }
                _ => s.to_string(),
            }
        };
        let local = |host: &str| {
            host.eq_ignore_ascii_case("localhost")
                || host
                    .parse::<std::net::IpAddr>()
                    .is_ok_and(|ip| ip.is_loopback())
        };
        let bind = host_of(&self.server.bind);
        let domain = host_of(&self.server.domain);
        // An empty domain is `localhost:<port>`, for tests on loopback.
        let domain_is_local = domain.is_empty() || local(&domain);
        (!local(&bind) && domain_is_local).then(|| {
            format!(
                "server.bind {} is reachable from other machines but server.domain is '{}': set server.domain to the name people reach this server by",
                self.server.bind, self.server.domain
            )
        })
    }

    /// The effective configuration as `section.key = value` lines, secrets left out (the
    /// database password).
    pub fn effective(&self) -> String {
        let mut value = serde_json::to_value(self).unwrap_or_default();
        if let Some(url) = value
            .pointer_mut("/database/url")
            .and_then(|u| u.as_str().map(String::from))
        {
            value["database"]["url"] = serde_json::Value::String(without_password(&url));
        }
        if let Some(url) = value
            .pointer("/mail/smtp_url")
            .and_then(|u| u.as_str().map(String::from))
        {
            value["mail"]["smtp_url"] = serde_json::Value::String(without_password(&url));
        }
        if value
            .pointer("/mail/smtp_password")
            .and_then(|p| p.as_str())
            .is_some_and(|p| !p.is_empty())
        {
            value["mail"]["smtp_password"] = serde_json::Value::String("***".into());
        }
        let mut lines = Vec::new();
        if let Some(sections) = value.as_object() {
            for (section, keys) in sections {
                for (key, v) in keys.as_object().into_iter().flatten() {
                    lines.push(format!("{section}.{key} = {v}"));
                }
            }
        }
        lines.join("\n")
    }

    /// Reads the file (if any), applies `INTERSPACE__SECTION__KEY` overrides from `env`, then
    /// falls back to `DATABASE_URL` and the default SQLite file for the database.
    pub fn load(file: Option<&Path>, env: &BTreeMap<String, String>) -> Result<Self, ConfigError> {
        let mut root = match file {
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
                    path: path.display().to_string(),
                    source,
                })?;
                text.parse::<toml::Table>()
                    .map_err(|e| ConfigError::Parse(format!("{}: {e}", path.display())))?
            }
            None => toml::Table::new(),
        };
        for (key, value) in env {
            let Some(rest) = key.strip_prefix("INTERSPACE__") else {
                continue;
            };
            let Some((section, field)) = rest.split_once("__") else {
                return Err(ConfigError::Invalid(format!(
                    "{key}: expected INTERSPACE__SECTION__KEY"
                )));
            };
            let section = section.to_ascii_lowercase();
            let field = field.to_ascii_lowercase();
            let table = root
                .entry(section.clone())
                .or_insert_with(|| toml::Value::Table(toml::Table::new()));
            let toml::Value::Table(table) = table else {
                return Err(ConfigError::Invalid(format!("{section} is not a section")));
            };
            table.insert(field, toml::Value::String(value.clone()));
        }
        let mut config: Config = toml::Value::Table(root)
            .try_into()
            .map_err(|e: toml::de::Error| ConfigError::Parse(e.message().to_string()))?;
        if config.database.url.trim().is_empty() {
            config.database.url = env
                .get("DATABASE_URL")
                .filter(|u| !u.trim().is_empty())
                .cloned()
                .unwrap_or_else(|| DEFAULT_DATABASE_URL.to_string());
        }
        if !matches!(config.log.format.as_str(), "text" | "json") {
            return Err(ConfigError::Invalid(format!(
                "log.format: expected \"text\" or \"json\", not \"{}\"",
                config.log.format
            )));
        }
        Ok(config)
    }

    /// The process environment as a map.
    pub fn process_env() -> BTreeMap<String, String> {
        std::env::vars().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn defaults_without_anything() {
        let c = Config::load(None, &env(&[])).expect("config");
        assert_eq!(c.server.domain, "localhost:8080");
        assert_eq!(c.database.url, DEFAULT_DATABASE_URL);
        assert_eq!(c.space.name, "My Space");
        assert_eq!(c.space.handle, "space");
        assert_eq!(c.space.timezone, "UTC");
        assert_eq!(c.space.operator, "admin");
        assert_eq!(c.instance.registrations, "approval");
        assert!(!c.federation.allow_http);
        assert_eq!(c.log.format, "text");
    }

    #[test]
    fn the_shipped_example_parses() {
        let path =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../deploy/interspace.example.toml");
        let c = Config::load(Some(&path), &env(&[])).expect("deploy/interspace.example.toml");
        assert_eq!(c.server.domain, "space.example.org");
        assert_eq!(c.media.path, "/var/lib/interspace/media");
        assert_eq!(c.log.format, "text");
    }

    #[test]
    fn log_format_is_text_or_json() {
        let c = Config::load(None, &env(&[("INTERSPACE__LOG__FORMAT", "json")])).expect("json");
        assert_eq!(c.log.format, "json");
        let e = Config::load(None, &env(&[("INTERSPACE__LOG__FORMAT", "xml")]))
            .expect_err("xml")
            .to_string();
        assert!(e.contains("log.format"), "{e}");
    }

    #[test]
    fn file_then_env_then_database_url() {
        let dir = std::env::temp_dir().join(format!(
            "interspace-config-{}",
            interspace_core::ids::new_id()
        ));
        std::fs::create_dir_all(&dir).expect("dir");
        let path = dir.join("c.toml");
        std::fs::write(
            &path,
            "[server]\ndomain = \"example.org\"\n[database]\nurl = \"sqlite://file.db\"\n[space]\nname = \"Hub\"\n",
        )
        .expect("write");
        let c =
            Config::load(Some(&path), &env(&[("DATABASE_URL", "postgres://x/y")])).expect("config");
        assert_eq!(
            c.database.url, "sqlite://file.db",
            "the file wins over DATABASE_URL"
        );
        let c = Config::load(
            Some(&path),
            &env(&[
                ("INTERSPACE__DATABASE__URL", "postgres://a/b"),
                ("INTERSPACE__FEDERATION__ALLOW_HTTP", "true"),
                ("INTERSPACE__SPACE__NAME", "123"),
                (
                    "INTERSPACE__FEDERATION__ALLOWED_PRIVATE_NETWORKS",
                    "127.0.0.0/8, ::1/128",
                ),
            ]),
        )
        .expect("config");
        assert_eq!(c.database.url, "postgres://a/b");
        assert!(c.federation.allow_http);
        assert_eq!(c.space.name, "123");
        assert_eq!(
            c.federation.allowed_private_networks,
            vec!["127.0.0.0/8", "::1/128"]
        );
        assert_eq!(c.server.domain, "example.org");
        let c = Config::load(None, &env(&[("DATABASE_URL", "postgres://x/y")])).expect("config");
        assert_eq!(c.database.url, "postgres://x/y");
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn typos_are_errors() {
        let e = Config::load(None, &env(&[("INTERSPACE__SERVER__DOMIAN", "x")]));
        assert!(e.is_err());
        let e = Config::load(
            None,
            &env(&[("INTERSPACE__FEDERATION__ALLOW_HTTP", "maybe")]),
        );
        assert!(e.is_err());
    }
}

/// A database URL with its password replaced by `***`.
fn without_password(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod checks {
    use super::*;

    fn with(bind: &str, domain: &str) -> Config {
        let mut c = Config::default();
        c.server.bind = bind.into();
        c.server.domain = domain.into();
        c
    }

    #[test]
    fn a_public_bind_needs_a_public_domain() {
        for (bind, domain) in [
            ("0.0.0.0:8080", "localhost:8080"),
            ("[::]:8080", "127.0.0.1:8080"),
            ("203.0.113.5:80", ""),
        ] {
            assert!(
                with(bind, domain).public_bind_with_local_domain().is_some(),
                "{bind} {domain}"
            );
        }
        for (bind, domain) in [
            ("127.0.0.1:8080", "localhost:8080"),
            ("localhost:8080", "localhost:8080"),
            ("[::1]:8080", ""),
            ("0.0.0.0:8080", "space.example.org"),
        ] {
            assert!(
                with(bind, domain).public_bind_with_local_domain().is_none(),
                "{bind} {domain}"
            );
        }
    }

    #[test]
    fn the_effective_configuration_names_every_key_and_no_password() {
        let mut c = with("127.0.0.1:8080", "space.example.org");
        c.database.url = "postgres://interspace:s3cret@db:5432/interspace".into();
        let text = c.effective();
        assert!(
            text.contains("server.domain = \"space.example.org\""),
            "{text}"
        );
        assert!(
            text.contains("database.url = \"postgres://interspace:***@db:5432/interspace\""),
            "{text}"
        );
        assert!(!text.contains("s3cret"), "{text}");
    }
}
