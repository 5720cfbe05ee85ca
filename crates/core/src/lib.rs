//! Pure domain of Interspace: no I/O, no database, no runtime.
//!
//! Value objects parse and validate their input once (`parse`), so the layers above carry only
//! values that are known to be valid.

/// Defines a closed vocabulary: `parse` accepts exactly the API's words, `as_str` gives them.
macro_rules! vocabulary {
    ($(#[$doc:meta])* $name:ident, $field:literal, { $($variant:ident => $word:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn parse(raw: &str) -> Result<Self, $crate::ValidationError> {
                match raw.trim() {
                    $($word => Ok(Self::$variant),)+
                    other => Err($crate::ValidationError::new(
                        $field,
                        format!(
                            "'{other}' is not one of {}",
                            [$($word),+].join(", ")
                        ),
                    )),
                }
            }

            pub const fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $word),+ }
            }
        }

        /// The word as a column holds it (what `db` rows store and read back).
        impl From<$name> for String {
            fn from(v: $name) -> String {
                v.as_str().to_string()
            }
        }

        impl TryFrom<String> for $name {
            type Error = $crate::ValidationError;
            fn try_from(raw: String) -> Result<Self, Self::Error> {
                Self::parse(&raw)
            }
        }

        /// On the wire (API responses), the same word.
        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

pub mod accept;
pub mod delivery;
pub mod events;
pub mod html;
pub mod ical;
pub mod ids;
pub mod images;
pub mod mail;
pub mod names;
pub mod net;
pub mod notifications;
pub mod opportunities;
#[cfg(test)]
mod proptests;
pub mod roles;
pub mod scopes;
pub mod statuses;
pub mod text;
pub mod urls;
pub mod visits;

use thiserror::Error;

/// An error and every error it came from, one line: `outer: inner: innermost`. What the
/// surfaces log once when they answer 500, and what the CLI prints.
pub fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        // `#[error(transparent)]` and "{0}" wrappers repeat their source: say it once.
        if !out.ends_with(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = s.source();
    }
    out
}

/// Where a change comes from: a local user or API call, or a remote instance over ActivityPub.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    Local,
    Remote,
}

/// A value failed validation. `field` names the input, `reason` is a sentence for people.
#[derive(Debug, Clone, Error, PartialEq, Eq)]
#[error("{field}: {reason}")]
pub struct ValidationError {
    /// The input's name, or its path inside a structured input (`place.kind`).
    pub field: std::borrow::Cow<'static, str>,
    pub reason: String,
}

impl ValidationError {
    pub fn new(
        field: impl Into<std::borrow::Cow<'static, str>>,
        reason: impl Into<String>,
    ) -> Self {
        Self {
            field: field.into(),
            reason: reason.into(),
        }
    }
}
