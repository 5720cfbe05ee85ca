//! OAuth scopes as Mastodon defines them, plus Interspace's namespaced ones.

use crate::ValidationError;

/// Every scope a client may ask for.
const KNOWN: &[&str] = &[
    "read",
    "write",
    "follow",
    "push",
    "profile",
    "read:accounts",
    "read:blocks",
    "read:bookmarks",
    "read:favourites",
    "read:filters",
    "read:follows",
    "read:lists",
    "read:mutes",
    "read:notifications",
    "read:search",
    "read:statuses",
    "write:accounts",
    "write:blocks",
    "write:bookmarks",
    "write:conversations",
    "write:favourites",
    "write:filters",
    "write:follows",
    "write:lists",
    "write:media",
    "write:mutes",
    "write:notifications",
    "write:reports",
    "write:statuses",
    "admin:read",
    "admin:write",
    "admin:read:accounts",
    "admin:read:reports",
    "admin:read:domain_blocks",
    "admin:write:accounts",
    "admin:write:reports",
    "admin:write:domain_blocks",
    "read:spaces",
    "write:spaces",
    "read:events",
    "write:events",
    "read:visits",
    "write:visits",
    "read:opportunities",
    "write:opportunities",
    "admin:space",
];

/// A set of granted scopes, kept in the order they were asked for (clients compare strings).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Scopes(Vec<String>);

impl Scopes {
    /// Parses a space- (or `+`-, or comma-) separated list; unknown scopes are errors.
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let mut out: Vec<String> = Vec::new();
        for s in raw.split(|c: char| c.is_whitespace() || c == '+' || c == ',') {
            if s.is_empty() {
                continue;
            }
            if !KNOWN.contains(&s) {
                return Err(ValidationError::new(
                    "scope",
                    format!("'{s}' is not a known scope"),
                ));
            }
            if !out.iter().any(|o| o == s) {
                out.push(s.to_string());
            }
        }
        Ok(Self(out))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn as_string(&self) -> String {
        self.0.join(" ")
    }

    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(String::as_str)
    }

    /// Whether one granted scope covers `required` (e.g. `read` covers `read:statuses`; the
    /// legacy `follow` covers follows, blocks and mutes).
    fn covers(granted: &str, required: &str) -> bool {
        if granted == required {
            return true;
        }
        if let Some((top, _)) = required.split_once(':') {
            if granted == top && top != "admin" {
                return true;
            }
            // admin:read covers admin:read:accounts
            if let Some(rest) = required.strip_prefix("admin:") {
                if let Some((level, _)) = rest.split_once(':') {
                    return granted == format!("admin:{level}");
                }
            }
        }
        granted == "follow"
            && matches!(
                required,
                "read:follows"
                    | "write:follows"
                    | "read:blocks"
                    | "write:blocks"
                    | "read:mutes"
                    | "write:mutes"
            )
    }

    pub fn allows(&self, required: &str) -> bool {
        self.0.iter().any(|g| Self::covers(g, required))
    }

    /// Whether every scope here is covered by `other` (a token's scopes within its app's).
    pub fn is_subset_of(&self, other: &Scopes) -> bool {
        self.0
            .iter()
            .all(|s| other.allows(s) || other.0.contains(s))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_cover() {
        let s = Scopes::parse("read write follow push").expect("scopes");
        assert_eq!(s.as_string(), "read write follow push");
        assert!(s.allows("read:statuses") && s.allows("write:media") && s.allows("write:follows"));
        assert!(!s.allows("admin:read:accounts"));
        let r = Scopes::parse("read").expect("scopes");
        assert!(!r.allows("write:statuses"));
        assert!(r.allows("read:visits"));
        let f = Scopes::parse("follow").expect("scopes");
        assert!(f.allows("write:follows") && !f.allows("write:statuses"));
        let a = Scopes::parse("admin:read").expect("scopes");
        assert!(a.allows("admin:read:accounts") && !a.allows("admin:write:accounts"));
        assert!(Scopes::parse("read bogus").is_err());
        assert_eq!(
            Scopes::parse("read+write,read").expect("s").as_string(),
            "read write"
        );
        assert!(Scopes::parse("read:statuses").expect("s").is_subset_of(&r));
        assert!(!Scopes::parse("write").expect("s").is_subset_of(&r));
    }
}
