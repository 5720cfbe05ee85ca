//! ULID identifiers: 48 bits of milliseconds then 80 random bits, in Crockford base32.
//! They sort by creation time, which gives Mastodon-style `max_id`/`since_id` paging for free.

const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// A new ULID for the current time.
pub fn new_id() -> String {
    let millis = chrono::Utc::now().timestamp_millis().max(0) as u64;
    id_at(millis)
}

/// A ULID for a given time in milliseconds since the epoch (random tail).
pub fn id_at(millis: u64) -> String {
    let mut random = [0u8; 10];
    // getrandom only fails when the OS has no entropy source, which no supported platform lacks.
    getrandom::fill(&mut random).expect("operating system random source");
    let mut value: u128 = (millis as u128 & 0xFFFF_FFFF_FFFF) << 80;
    for (i, b) in random.iter().enumerate() {
        value |= (*b as u128) << (8 * (9 - i));
    }
    let mut out = [0u8; 26];
    for (i, slot) in out.iter_mut().enumerate() {
        let shift = 5 * (25 - i);
        *slot = ALPHABET[((value >> shift) & 0x1F) as usize];
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Random bytes rendered as lowercase hex: tokens, one-time passwords.
pub fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    getrandom::fill(&mut buf).expect("operating system random source");
    buf.iter().map(|b| format!("{b:02x}")).collect()
}

/// A password that people can type: 4 groups of 4 characters from an unambiguous alphabet.
pub fn random_password() -> String {
    const CHARS: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let mut buf = [0u8; 16];
    getrandom::fill(&mut buf).expect("operating system random source");
    let chars: Vec<char> = buf
        .iter()
        .map(|b| CHARS[*b as usize % CHARS.len()] as char)
        .collect();
    chars
        .chunks(4)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join("-")
}

/// Defines an id type: the text of a ULID (or a remote object's id) that names one kind of
/// thing, so a use-case cannot be handed an event's id where a visit's is meant. It reads as
/// `&str` (`Deref`), serializes as the bare string, and is made from the text it wraps.
macro_rules! typed_id {
    ($($(#[$doc:meta])* $name:ident;)+) => {$(
        $(#[$doc])*
        #[derive(
            Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize,
            serde::Deserialize,
        )]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            pub fn new(id: impl Into<String>) -> Self {
                Self(id.into())
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }

            pub fn into_string(self) -> String {
                self.0
            }
        }

        impl std::ops::Deref for $name {
            type Target = str;
            fn deref(&self) -> &str {
                &self.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<String> for $name {
            fn from(id: String) -> Self {
                Self(id)
            }
        }

        impl From<&str> for $name {
            fn from(id: &str) -> Self {
                Self(id.to_string())
            }
        }

        impl From<&String> for $name {
            fn from(id: &String) -> Self {
                Self(id.clone())
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }

        impl PartialEq<String> for $name {
            fn eq(&self, other: &String) -> bool {
                &self.0 == other
            }
        }

        impl PartialEq<$name> for String {
            fn eq(&self, other: &$name) -> bool {
                self == &other.0
            }
        }
    )+};
}

typed_id! {
    /// An event (`events.id`).
    EventId;
    /// One account's RSVP to an event (`participations.id`).
    ParticipationId;
    /// A visit (`visits.id`).
    VisitId;
    /// A partnership between two spaces (`partnerships.id`).
    PartnershipId;
    /// An opportunity (`opportunities.id`).
    OpportunityId;
    /// An application to an opportunity (`applications.id`).
    ApplicationId;
    /// A space (`spaces.id`).
    SpaceId;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_sort_by_time_and_are_unique() {
        let a = id_at(1_000);
        let b = id_at(2_000);
        assert_eq!(a.len(), 26);
        assert!(a < b);
        assert_ne!(new_id(), new_id());
    }

    #[test]
    fn passwords_have_four_groups() {
        let p = random_password();
        assert_eq!(p.split('-').count(), 4);
        assert_eq!(p.len(), 19);
    }

    #[test]
    fn a_typed_id_is_its_text_on_the_wire_and_in_queries() {
        let id = EventId::new(id_at(1_000));
        let json = serde_json::to_string(&id).expect("serialize");
        assert_eq!(json, format!("\"{id}\""));
        let back: EventId = serde_json::from_str(&json).expect("deserialize");
        assert_eq!(back, id);
        // Reads as the text it wraps wherever a `&str` is taken.
        let text: &str = &id;
        assert_eq!(text.len(), 26);
        assert!(id == *text);
        assert_eq!(String::from(id.clone()), text);
    }
}
