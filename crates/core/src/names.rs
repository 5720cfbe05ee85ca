//! Usernames, space handles, e-mail addresses, time zones: parsed once, valid afterwards.

use crate::ValidationError;
use std::fmt;

/// Words that can never be a username or handle: they name routes or would mislead people.
pub const RESERVED: &[&str] = &[
    "about",
    "account",
    "accounts",
    "activity",
    "actor",
    "admin",
    "administrator",
    "api",
    "app",
    "apps",
    "auth",
    "contact",
    "events",
    "explore",
    "federation",
    "health",
    "healthz",
    "help",
    "home",
    "inbox",
    "instance",
    "login",
    "logout",
    "me",
    "media",
    "metrics",
    "moderator",
    "nodeinfo",
    "notifications",
    "oauth",
    "opportunities",
    "outbox",
    "postmaster",
    "privacy",
    "public",
    "register",
    "relay",
    "root",
    "search",
    "settings",
    "signin",
    "signup",
    "spaces",
    "static",
    "status",
    "statuses",
    "support",
    "system",
    "tags",
    "terms",
    "users",
    "visits",
    "web",
    "webfinger",
    "webmaster",
    "well-known",
    "www",
];

/// A local username or space handle: lowercase letters, digits and underscore, 1 to 30 long.
/// Usernames and the space handle share one namespace per instance.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Username(String);

impl Username {
    /// Parses a name for a new local account. `allowed` lists reserved names that are still fine
    /// here (the configured space handle and operator name).
    pub fn parse(raw: &str, allowed: &[&str]) -> Result<Self, ValidationError> {
        let name = Self::parse_syntax(raw)?;
        if RESERVED.contains(&name.0.as_str()) && !allowed.contains(&name.0.as_str()) {
            return Err(ValidationError::new(
                "username",
                format!("'{}' is reserved", name.0),
            ));
        }
        Ok(name)
    }

    /// Only the character rules, for looking names up (reserved names may exist, e.g. `admin`).
    pub fn parse_syntax(raw: &str) -> Result<Self, ValidationError> {
        let name = raw.trim();
        if name.is_empty() || name.len() > 30 {
            return Err(ValidationError::new(
                "username",
                "must be 1 to 30 characters long",
            ));
        }
        if !name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        {
            return Err(ValidationError::new(
                "username",
                "may contain only lowercase letters, digits and underscore",
            ));
        }
        Ok(Self(name.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Username {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An e-mail address, checked for shape only (delivery proves the rest). Stored lowercase.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let email = raw.trim().to_lowercase();
        let invalid = || {
            ValidationError::new(
                "email",
                format!("'{}' is not an e-mail address", raw.trim()),
            )
        };
        if email.len() > 254 || email.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(invalid());
        }
        let (local, domain) = email.split_once('@').ok_or_else(invalid)?;
        if local.is_empty()
            || domain.is_empty()
            || domain.contains('@')
            || !domain.contains('.')
            || domain.starts_with('.')
            || domain.ends_with('.')
            || domain.contains("..")
        {
            return Err(invalid());
        }
        Ok(Self(email))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A password for a new account: 8 to 200 characters.
pub fn validate_password(raw: &str) -> Result<(), ValidationError> {
    let len = raw.chars().count();
    if !(8..=200).contains(&len) {
        return Err(ValidationError::new(
            "password",
            "must be 8 to 200 characters long",
        ));
    }
    Ok(())
}

/// An IANA time zone name such as `Europe/Paris`.
pub fn parse_timezone(raw: &str) -> Result<chrono_tz::Tz, ValidationError> {
    raw.trim().parse::<chrono_tz::Tz>().map_err(|_| {
        ValidationError::new(
            "timezone",
            format!("'{}' is not an IANA time zone name", raw.trim()),
        )
    })
}

/// A display name: free text, at most 100 characters, no control characters.
pub fn validate_display_name(raw: &str) -> Result<String, ValidationError> {
    let name = raw.trim();
    if name.chars().count() > 100 {
        return Err(ValidationError::new(
            "display_name",
            "must be at most 100 characters long",
        ));
    }
    if name.chars().any(char::is_control) {
        return Err(ValidationError::new(
            "display_name",
            "must not contain control characters",
        ));
    }
    Ok(name.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames() {
        assert!(Username::parse("alice_42", &[]).is_ok());
        assert!(Username::parse("", &[]).is_err());
        assert!(Username::parse("Alice", &[]).is_err());
        assert!(Username::parse("al-ice", &[]).is_err());
        assert!(Username::parse(&"a".repeat(31), &[]).is_err());
        assert!(Username::parse(&"a".repeat(30), &[]).is_ok());
        assert!(Username::parse("inbox", &[]).is_err());
        assert!(Username::parse("admin", &[]).is_err());
        assert!(Username::parse("admin", &["admin"]).is_ok());
        assert!(Username::parse_syntax("admin").is_ok());
    }

    #[test]
    fn emails() {
        assert_eq!(
            Email::parse(" Bob@Example.org ").map(|e| e.0),
            Ok("bob@example.org".into())
        );
        for bad in [
            "",
            "bob",
            "bob@",
            "@x.org",
            "bob@x",
            "b ob@x.org",
            "bob@x..org",
            "a@b@c.org",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn timezones() {
        assert!(parse_timezone("Europe/Paris").is_ok());
        assert!(parse_timezone("UTC").is_ok());
        assert!(parse_timezone("Mars/Olympus").is_err());
    }
}
