//! RFC 9421 HTTP Message Signatures on requests we receive (`Signature-Input` and
//! `Signature`), with RSA keys: `rsa-v1_5-sha256` (the default for an RSA key) and
//! `rsa-pss-sha512`. The signature base is built from the covered components as the RFC says;
//! the signature parameters line is the member of `Signature-Input` as sent.

use super::{SignatureError, SignedRequest, Verification, DATE_WINDOW_SECONDS};
use sfv::{BareItem, Dictionary, ListEntry, Parser};
use std::collections::BTreeMap;

/// What we ask signers for (`Accept-Signature` on a 401): the method, the target URI and, for
/// a request with a body, its `Content-Digest`; `created` and `keyid` present.
pub const ACCEPT_SIGNATURE: &str =
    "sig1=(\"@method\" \"@target-uri\" \"content-digest\");created;keyid;alg=\"rsa-v1_5-sha256\"";

/// A request as the base needs it.
pub struct Request<'a> {
    /// Lowercase names to values, as received.
    pub headers: &'a BTreeMap<String, String>,
    /// `GET`, `POST`, ...
    pub method: &'a str,
    /// The whole URI the request was sent to: `https://our.domain/path?query`.
    pub target_uri: &'a url::Url,
    /// The body of a request that carries one: its `Content-Digest` (or `Digest`) must be
    /// signed and match it.
    pub body: Option<&'a [u8]>,
}

fn malformed(why: &str) -> SignatureError {
    SignatureError::Malformed(why.to_string())
}

/// The first signature of the request, checked for form (components covered, time, digest)
/// but not yet for the key.
pub fn parse(
    r: &Request<'_>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<SignedRequest, SignatureError> {
    let raw_input = r
        .headers
        .get("signature-input")
        .ok_or(SignatureError::Missing)?;
    let raw_signature = r.headers.get("signature").ok_or(SignatureError::Missing)?;
    let inputs: Dictionary = Parser::new(raw_input)
        .parse()
        .map_err(|_| malformed("Signature-Input is not a dictionary"))?;
    let signatures: Dictionary = Parser::new(raw_signature)
        .parse()
        .map_err(|_| malformed("Signature is not a dictionary"))?;
    let (label, entry) = inputs
        .iter()
        .next()
        .ok_or_else(|| malformed("no signature in Signature-Input"))?;
    let ListEntry::InnerList(input) = entry else {
        return Err(malformed("a signature's input is not a list"));
    };
    let signature = match signatures.get(label.as_str()) {
        Some(ListEntry::Item(item)) => item
            .bare_item
            .as_byte_sequence()
            .ok_or_else(|| malformed("the signature is not a byte sequence"))?
            .to_vec(),
        _ => return Err(malformed("no Signature for the Signature-Input")),
    };
    let param = |name: &str| input.params.get(name);
    let key_id = match param("keyid") {
        Some(BareItem::String(s)) => s.as_str().to_string(),
        _ => return Err(malformed("no keyid")),
    };
    let verification = match param("alg") {
        None => Verification::RsaSha256,
        Some(BareItem::String(s)) if s.as_str() == "rsa-v1_5-sha256" => Verification::RsaSha256,
        Some(BareItem::String(s)) if s.as_str() == "rsa-pss-sha512" => Verification::RsaPssSha512,
        Some(_) => return Err(malformed("unsupported alg")),
    };
    let created = match param("created") {
        Some(BareItem::Integer(i)) => i64::from(*i),
        _ => return Err(SignatureError::HeaderNotSigned("created".into())),
    };
    if (now.timestamp() - created).abs() > DATE_WINDOW_SECONDS {
        return Err(SignatureError::DateOutOfWindow);
    }
    if let Some(BareItem::Integer(expires)) = param("expires") {
        if now.timestamp() > i64::from(*expires) {
            return Err(SignatureError::DateOutOfWindow);
        }
    }
    let mut covered = Vec::with_capacity(input.items.len());
    for item in &input.items {
        let BareItem::String(name) = &item.bare_item else {
            return Err(malformed("a component is not a string"));
        };
        if !item.params.is_empty() {
            return Err(malformed("component parameters are not supported"));
        }
        covered.push(name.as_str().to_string());
    }
    let has = |c: &str| covered.iter().any(|x| x == c);
    if !has("@method") {
        return Err(SignatureError::HeaderNotSigned("@method".into()));
    }
    if !has("@target-uri") && !((has("@authority") || has("host")) && has("@path")) {
        return Err(SignatureError::HeaderNotSigned("@target-uri".into()));
    }
    if let Some(body) = r.body {
        if has("content-digest") {
            check_content_digest(r.headers, body)?;
        } else if has("digest") {
            super::check_digest(r.headers, body)?;
        } else {
            return Err(SignatureError::HeaderNotSigned("content-digest".into()));
        }
    }
    let mut lines = Vec::with_capacity(covered.len() + 1);
    for name in &covered {
        let value = component(r, name)?;
        lines.push(format!("\"{name}\": {value}"));
    }
    lines.push(format!(
        "\"@signature-params\": {}",
        member_text(raw_input, label.as_str())?
    ));
    Ok(SignedRequest {
        key_id,
        signing_string: lines.join("\n"),
        signature,
        verification,
    })
}

/// The value of one covered component.
fn component(r: &Request<'_>, name: &str) -> Result<String, SignatureError> {
    let uri = r.target_uri;
    Ok(match name {
        "@method" => r.method.to_ascii_uppercase(),
        "@target-uri" => uri.to_string(),
        "@authority" => match uri.port() {
            Some(p) => format!("{}:{p}", uri.host_str().unwrap_or_default()),
            None => uri.host_str().unwrap_or_default().to_string(),
        }
        .to_ascii_lowercase(),
        "@scheme" => uri.scheme().to_string(),
        "@path" => uri.path().to_string(),
        "@query" => format!("?{}", uri.query().unwrap_or_default()),
        "@request-target" => match uri.query() {
            Some(q) => format!("{}?{q}", uri.path()),
            None => uri.path().to_string(),
        },
        header if !header.starts_with('@') => {
            r.headers
                .get(header)
                .map(|v| v.trim().to_string())
                .ok_or_else(|| SignatureError::HeaderNotSigned(header.to_string()))?
        }
        other => return Err(malformed(&format!("unsupported component {other}"))),
    })
}

/// `Content-Digest` (RFC 9530): a `sha-256` or `sha-512` of the body that matches.
fn check_content_digest(
    headers: &BTreeMap<String, String>,
    body: &[u8],
) -> Result<(), SignatureError> {
    let raw = headers
        .get("content-digest")
        .ok_or(SignatureError::DigestMismatch)?;
    let digests: Dictionary = Parser::new(raw)
        .parse()
        .map_err(|_| malformed("Content-Digest is not a dictionary"))?;
    let matches = |alg: &str, ours: &[u8]| match digests.get(alg) {
        Some(ListEntry::Item(item)) => item.bare_item.as_byte_sequence() == Some(ours),
        _ => false,
    };
    if matches("sha-256", &openssl::sha::sha256(body))
        || matches("sha-512", &openssl::sha::sha512(body))
    {
        Ok(())
    } else {
        Err(SignatureError::DigestMismatch)
    }
}

/// The text of member `label` of a dictionary field as it was sent (what follows `label=`, up
/// to the next comma outside a string): the signer signed these very bytes.
fn member_text<'h>(raw: &'h str, label: &str) -> Result<&'h str, SignatureError> {
    let (mut in_string, mut escaped, mut member_start) = (false, false, 0);
    for (i, c) in raw.char_indices() {
        if in_string {
            match (escaped, c) {
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => escaped = false,
            }
        } else if c == '"' {
            in_string = true;
        } else if c == ',' {
            if let Some(text) = member_value(&raw[member_start..i], label) {
                return Ok(text);
            }
            member_start = i + 1;
        }
    }
    member_value(&raw[member_start..], label).ok_or_else(|| malformed("no such signature"))
}

fn member_value<'h>(member: &'h str, label: &str) -> Option<&'h str> {
    let (name, value) = member.trim().split_once('=')?;
    (name == label).then_some(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use openssl::hash::MessageDigest;
    use openssl::pkey::PKey;

    fn keypair() -> (String, String) {
        let rsa = openssl::rsa::Rsa::generate(2048).expect("rsa");
        let key = PKey::from_rsa(rsa).expect("pkey");
        (
            String::from_utf8(key.private_key_to_pem_pkcs8().expect("pem")).expect("utf8"),
            String::from_utf8(key.public_key_to_pem().expect("pem")).expect("utf8"),
        )
    }

    /// Signs as a peer would: the base from the components, then the headers.
    fn signed(
        private: &str,
        uri: &url::Url,
        body: &[u8],
        params: &str,
    ) -> BTreeMap<String, String> {
        let digest = format!(
            "sha-256=:{}:",
            openssl::base64::encode_block(&openssl::sha::sha256(body))
        );
        let base = format!(
            "\"@method\": POST\n\"@target-uri\": {uri}\n\"content-digest\": {digest}\n\"@signature-params\": {params}"
        );
        let key = PKey::private_key_from_pem(private.as_bytes()).expect("key");
        let mut signer = openssl::sign::Signer::new(MessageDigest::sha256(), &key).expect("signer");
        signer.update(base.as_bytes()).expect("update");
        let signature = openssl::base64::encode_block(&signer.sign_to_vec().expect("sign"));
        BTreeMap::from([
            ("content-digest".to_string(), digest),
            ("signature-input".to_string(), format!("sig1={params}")),
            ("signature".to_string(), format!("sig1=:{signature}:")),
        ])
    }

    #[test]
    fn a_peer_signature_verifies_and_tampering_does_not() {
        let (private, public) = keypair();
        let uri = url::Url::parse("https://hive.example/inbox").expect("uri");
        let body = br#"{"type":"Follow"}"#;
        let now = chrono::Utc::now();
        let params = format!(
            "(\"@method\" \"@target-uri\" \"content-digest\");created={};keyid=\"https://peer.example/u/a#main-key\";alg=\"rsa-v1_5-sha256\"",
            now.timestamp()
        );
        let headers = signed(&private, &uri, body, &params);
        let request = |headers, body| Request {
            headers,
            method: "post",
            target_uri: &uri,
            body: Some(body),
        };
        let ok = parse(&request(&headers, body), now).expect("well formed");
        assert_eq!(ok.key_id, "https://peer.example/u/a#main-key");
        assert_eq!(ok.verify(&public), Ok(()));
        // Another body: the digest no longer matches.
        assert_eq!(
            parse(&request(&headers, b"{}"), now).err(),
            Some(SignatureError::DigestMismatch)
        );
        // Another key does not verify it.
        assert_eq!(ok.verify(&keypair().1), Err(SignatureError::Invalid));
        // Too old.
        let later = now + chrono::Duration::seconds(DATE_WINDOW_SECONDS + 5);
        assert_eq!(
            parse(&request(&headers, body), later).err(),
            Some(SignatureError::DateOutOfWindow)
        );
        // The body must be covered.
        let uncovered = format!(
            "(\"@method\" \"@target-uri\");created={};keyid=\"k\"",
            now.timestamp()
        );
        let headers = signed(&private, &uri, body, &uncovered);
        assert_eq!(
            parse(&request(&headers, body), now).err(),
            Some(SignatureError::HeaderNotSigned("content-digest".into()))
        );
    }

    #[test]
    fn the_signed_member_is_taken_as_sent() {
        let raw = "a=(\"x\");keyid=\"k,1\";created=1, b=(\"@method\");created=2";
        assert_eq!(
            member_text(raw, "a").ok(),
            Some("(\"x\");keyid=\"k,1\";created=1")
        );
        assert_eq!(member_text(raw, "b").ok(), Some("(\"@method\");created=2"));
        assert!(member_text(raw, "c").is_err());
    }
}
