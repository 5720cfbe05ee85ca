//! HTTP Signatures (draft-cavage, rsa-sha256) as Mastodon speaks them: signing our POSTs and
//! checking those we receive; RFC 9421 Message Signatures are checked too ([`rfc9421`]).

pub mod rfc9421;

use openssl::hash::MessageDigest;
use openssl::pkey::PKey;
use openssl::sign::{Signer, Verifier};
use std::collections::BTreeMap;

/// Headers every signed POST to us must cover.
pub const REQUIRED_POST_HEADERS: [&str; 4] = ["(request-target)", "host", "date", "digest"];
/// How far a request's Date may be from our clock.
pub const DATE_WINDOW_SECONDS: i64 = 3600;

pub fn digest(body: &[u8]) -> String {
    format!(
        "SHA-256={}",
        openssl::base64::encode_block(&openssl::sha::sha256(body))
    )
}

pub fn http_date(t: chrono::DateTime<chrono::Utc>) -> String {
    t.format("%a, %d %b %Y %H:%M:%S GMT").to_string()
}

/// The headers of a signed POST: `Date`, `Digest` and `Signature`.
pub fn sign_post(
    key_id: &str,
    private_key_pem: &str,
    host: &str,
    path_and_query: &str,
    body: &[u8],
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Vec<(&'static str, String)>, String> {
    let date = http_date(now);
    let digest = digest(body);
    let signing = format!(
        "(request-target): post {path_and_query}\nhost: {host}\ndate: {date}\ndigest: {digest}"
    );
    let key = PKey::private_key_from_pem(private_key_pem.as_bytes()).map_err(|e| e.to_string())?;
    let mut signer = Signer::new(MessageDigest::sha256(), &key).map_err(|e| e.to_string())?;
    signer
        .update(signing.as_bytes())
        .map_err(|e| e.to_string())?;
    let signature =
        openssl::base64::encode_block(&signer.sign_to_vec().map_err(|e| e.to_string())?);
    Ok(vec![
        ("Date", date),
        ("Digest", digest),
        (
            "Signature",
            format!(
                "keyId=\"{key_id}\",algorithm=\"rsa-sha256\",headers=\"(request-target) host date digest\",signature=\"{signature}\""
            ),
        ),
    ])
}

/// The parameters of a `Signature` header.
pub fn parse(header: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut rest = header.trim();
    while let Some((key, after)) = rest.split_once('=') {
        let key = key.trim().trim_start_matches(',').trim().to_string();
        let after = after.trim_start();
        let (value, remaining) = if let Some(quoted) = after.strip_prefix('"') {
            match quoted.split_once('"') {
                Some((v, r)) => (v.to_string(), r),
                None => (quoted.to_string(), ""),
            }
        } else {
            match after.split_once(',') {
                Some((v, r)) => (v.trim().to_string(), r),
                None => (after.trim().to_string(), ""),
            }
        };
        out.insert(key, value);
        rest = remaining.trim_start_matches(',');
    }
    out
}

/// Why a signature was refused.
#[derive(Debug, PartialEq, Eq)]
pub enum SignatureError {
    Missing,
    Malformed(String),
    HeaderNotSigned(String),
    DateOutOfWindow,
    DigestMismatch,
    Invalid,
}

impl std::fmt::Display for SignatureError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Missing => write!(f, "the request is not signed"),
            Self::Malformed(why) => write!(f, "malformed signature: {why}"),
            Self::HeaderNotSigned(h) => write!(f, "the signature does not cover {h}"),
            Self::DateOutOfWindow => write!(f, "the Date header is too far from now"),
            Self::DigestMismatch => write!(f, "the Digest does not match the body"),
            Self::Invalid => write!(f, "the signature does not verify"),
        }
    }
}

/// How a signature is checked against an RSA key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verification {
    /// RSASSA-PKCS1-v1_5 with SHA-256: draft-cavage's `rsa-sha256`, RFC 9421's
    /// `rsa-v1_5-sha256`.
    RsaSha256,
    /// RFC 9421's `rsa-pss-sha512`.
    RsaPssSha512,
}

/// A parsed signature of a request, checked for form (what it covers, its time, the body's
/// digest) but not yet for the key.
pub struct SignedRequest {
    pub key_id: String,
    signing_string: String,
    signature: Vec<u8>,
    verification: Verification,
}

/// A signed `Digest` (draft-cavage's) that matches the body: SHA-256, its name in any case, its
/// value exactly (base64 is case-sensitive).
pub(crate) fn check_digest(
    headers: &BTreeMap<String, String>,
    body: &[u8],
) -> Result<(), SignatureError> {
    let sent_digest = headers
        .get("digest")
        .ok_or(SignatureError::DigestMismatch)?;
    let ours = digest(body);
    let (_, our_value) = ours.split_once('=').unwrap_or_default();
    if sent_digest.split(',').any(|d| {
        d.trim()
            .split_once('=')
            .is_some_and(|(alg, value)| alg.eq_ignore_ascii_case("SHA-256") && value == our_value)
    }) {
        Ok(())
    } else {
        Err(SignatureError::DigestMismatch)
    }
}

impl SignedRequest {
    /// The signature of a request, RFC 9421 when it has a `Signature-Input`, draft-cavage
    /// otherwise. `target_uri`: where it was sent (our URL, with its path and query).
    pub fn of_request(
        headers: &BTreeMap<String, String>,
        method: &str,
        target_uri: &url::Url,
        body: Option<&[u8]>,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<Self, SignatureError> {
        if headers.contains_key("signature-input") {
            let request = rfc9421::Request {
                headers,
                method,
                target_uri,
                body,
            };
            return rfc9421::parse(&request, now);
        }
        let path = match target_uri.query() {
            Some(q) => format!("{}?{q}", target_uri.path()),
            None => target_uri.path().to_string(),
        };
        Self::parse(headers, &method.to_ascii_lowercase(), &path, body, now)
    }

    /// A signed GET (authorized fetch): `(request-target)`, `host` and `date` covered.
    pub fn parse_get(
        headers: &BTreeMap<String, String>,
        path_and_query: &str,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<Self, SignatureError> {
        Self::parse(headers, "get", path_and_query, None, now)
    }

    /// `headers`: lowercase names to values, as received.
    pub fn parse_post(
        headers: &BTreeMap<String, String>,
        path_and_query: &str,
        body: &[u8],
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<Self, SignatureError> {
        Self::parse(headers, "post", path_and_query, Some(body), now)
    }

    /// `body`: Some for requests that carry one, whose Digest must then be signed and match.
    fn parse(
        headers: &BTreeMap<String, String>,
        method: &str,
        path_and_query: &str,
        body: Option<&[u8]>,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<Self, SignatureError> {
        let raw = headers.get("signature").ok_or(SignatureError::Missing)?;
        let params = parse(raw);
        let key_id = params
            .get("keyId")
            .ok_or_else(|| SignatureError::Malformed("no keyId".into()))?
            .clone();
        let signed: Vec<String> = params
            .get("headers")
            .map(|h| h.split_whitespace().map(str::to_lowercase).collect())
            .unwrap_or_else(|| vec!["date".to_string()]);
        let required: &[&str] = match body {
            Some(_) => &REQUIRED_POST_HEADERS,
            None => &REQUIRED_POST_HEADERS[..3],
        };
        for required in required {
            if !signed.iter().any(|h| h == required) {
                return Err(SignatureError::HeaderNotSigned(required.to_string()));
            }
        }
        let date = headers
            .get("date")
            .ok_or(SignatureError::HeaderNotSigned("date".into()))?;
        let when = chrono::DateTime::parse_from_rfc2822(date)
            .map_err(|_| SignatureError::Malformed("bad Date".into()))?;
        if (now - when.with_timezone(&chrono::Utc)).num_seconds().abs() > DATE_WINDOW_SECONDS {
            return Err(SignatureError::DateOutOfWindow);
        }
        if let Some(body) = body {
            check_digest(headers, body)?;
        }
        let mut lines = Vec::new();
        for name in &signed {
            if name == "(request-target)" {
                lines.push(format!("(request-target): {method} {path_and_query}"));
            } else {
                let value = headers
                    .get(name)
                    .ok_or_else(|| SignatureError::HeaderNotSigned(name.clone()))?;
                lines.push(format!("{name}: {value}"));
            }
        }
        let signature = params
            .get("signature")
            .ok_or_else(|| SignatureError::Malformed("no signature".into()))?;
        let signature = openssl::base64::decode_block(signature)
            .map_err(|_| SignatureError::Malformed("signature is not base64".into()))?;
        Ok(Self {
            key_id,
            signing_string: lines.join("\n"),
            signature,
            verification: Verification::RsaSha256,
        })
    }

    pub fn verify(&self, public_key_pem: &str) -> Result<(), SignatureError> {
        let key = PKey::public_key_from_pem(public_key_pem.as_bytes())
            .map_err(|_| SignatureError::Invalid)?;
        let digest = match self.verification {
            Verification::RsaSha256 => MessageDigest::sha256(),
            Verification::RsaPssSha512 => MessageDigest::sha512(),
        };
        let mut verifier = Verifier::new(digest, &key).map_err(|_| SignatureError::Invalid)?;
        if self.verification == Verification::RsaPssSha512 {
            verifier
                .set_rsa_padding(openssl::rsa::Padding::PKCS1_PSS)
                .and_then(|()| {
                    verifier.set_rsa_pss_saltlen(openssl::sign::RsaPssSaltlen::DIGEST_LENGTH)
                })
                .map_err(|_| SignatureError::Invalid)?;
        }
        verifier
            .update(self.signing_string.as_bytes())
            .map_err(|_| SignatureError::Invalid)?;
        match verifier.verify(&self.signature) {
            Ok(true) => Ok(()),
            _ => Err(SignatureError::Invalid),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keypair() -> (String, String) {
        let key = PKey::from_rsa(openssl::rsa::Rsa::generate(2048).expect("rsa")).expect("pkey");
        (
            String::from_utf8(key.private_key_to_pem_pkcs8().expect("pem")).expect("utf8"),
            String::from_utf8(key.public_key_to_pem().expect("pem")).expect("utf8"),
        )
    }

    fn headers(signed: &[(&'static str, String)], host: &str) -> BTreeMap<String, String> {
        let mut h: BTreeMap<String, String> = signed
            .iter()
            .map(|(k, v)| (k.to_lowercase(), v.clone()))
            .collect();
        h.insert("host".into(), host.into());
        h
    }

    #[test]
    fn round_trip_and_tampering() {
        let (private, public) = keypair();
        let now = chrono::Utc::now();
        let body = br#"{"type":"Follow"}"#;
        let signed = sign_post(
            "https://a.example/users/x#main-key",
            &private,
            "b.example",
            "/inbox",
            body,
            now,
        )
        .expect("sign");
        let h = headers(&signed, "b.example");
        let req = SignedRequest::parse_post(&h, "/inbox", body, now).expect("parse");
        assert_eq!(req.key_id, "https://a.example/users/x#main-key");
        req.verify(&public).expect("verifies");
        let (_, other_public) = keypair();
        assert_eq!(req.verify(&other_public), Err(SignatureError::Invalid));
        // Another body, path, host or time fails.
        assert!(matches!(
            SignedRequest::parse_post(&h, "/inbox", b"{}", now),
            Err(SignatureError::DigestMismatch)
        ));
        let moved = SignedRequest::parse_post(&h, "/users/y/inbox", body, now).expect("parse");
        assert_eq!(moved.verify(&public), Err(SignatureError::Invalid));
        let mut other_host = h.clone();
        other_host.insert("host".into(), "c.example".into());
        assert_eq!(
            SignedRequest::parse_post(&other_host, "/inbox", body, now)
                .expect("parse")
                .verify(&public),
            Err(SignatureError::Invalid)
        );
        let later = now + chrono::Duration::hours(2);
        assert!(matches!(
            SignedRequest::parse_post(&h, "/inbox", body, later),
            Err(SignatureError::DateOutOfWindow)
        ));
        let mut unsigned = h.clone();
        unsigned.remove("signature");
        assert!(matches!(
            SignedRequest::parse_post(&unsigned, "/inbox", body, now),
            Err(SignatureError::Missing)
        ));
        let mut weak = h.clone();
        let sig = weak["signature"].replace("(request-target) host date digest", "date");
        weak.insert("signature".into(), sig);
        assert!(matches!(
            SignedRequest::parse_post(&weak, "/inbox", body, now),
            Err(SignatureError::HeaderNotSigned(_))
        ));
    }
}
