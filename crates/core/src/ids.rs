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
}
