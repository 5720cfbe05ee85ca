//! An independent draft-cavage HTTP signature verifier, so that tests check what our instances
//! sign without trusting the code that signed it.

use openssl::hash::MessageDigest;
use openssl::pkey::PKey;
use openssl::sign::Verifier;
use std::collections::BTreeMap;

/// The parameters of a `Signature` header.
pub fn parse_signature(header: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for part in header.split(',') {
        if let Some((k, v)) = part.trim().split_once('=') {
            out.insert(k.trim().to_string(), v.trim().trim_matches('"').to_string());
        }
    }
    out
}

/// Verifies an rsa-sha256 signature over the listed headers. `headers` are lowercase names.
pub fn verify(
    signature_header: &str,
    method: &str,
    path_and_query: &str,
    headers: &BTreeMap<String, String>,
    public_key_pem: &str,
) -> Result<(), String> {
    let params = parse_signature(signature_header);
    let listed = params
        .get("headers")
        .cloned()
        .unwrap_or_else(|| "date".into());
    let mut lines = Vec::new();
    for name in listed.split_whitespace() {
        let name = name.to_lowercase();
        if name == "(request-target)" {
            lines.push(format!(
                "(request-target): {} {path_and_query}",
                method.to_lowercase()
            ));
        } else {
            let value = headers
                .get(&name)
                .ok_or_else(|| format!("signed header {name} is missing"))?;
            lines.push(format!("{name}: {value}"));
        }
    }
    let signing_string = lines.join("\n");
    let signature = params.get("signature").ok_or("no signature parameter")?;
    let signature = openssl::base64::decode_block(signature).map_err(|e| e.to_string())?;
    let key = PKey::public_key_from_pem(public_key_pem.as_bytes()).map_err(|e| e.to_string())?;
    let mut verifier = Verifier::new(MessageDigest::sha256(), &key).map_err(|e| e.to_string())?;
    verifier
        .update(signing_string.as_bytes())
        .map_err(|e| e.to_string())?;
    if verifier.verify(&signature).map_err(|e| e.to_string())? {
        Ok(())
    } else {
        Err("signature does not verify".into())
    }
}

/// Signs a POST the way a peer would: returns the `Date`, `Digest` and `Signature` headers.
/// `headers` names what the signature covers (normally `(request-target) host date digest`).
pub fn sign(
    key_id: &str,
    private_key_pem: &str,
    host: &str,
    path: &str,
    body: &[u8],
    date: &str,
    covered: &str,
) -> Vec<(String, String)> {
    let digest = format!(
        "SHA-256={}",
        openssl::base64::encode_block(&openssl::sha::sha256(body))
    );
    sign_with_digest(key_id, private_key_pem, host, path, &digest, date, covered)
}

/// The headers of a GET of `path` on `host` signed with `key_id` (covering `(request-target)
/// host date`), as servers sign their fetches.
pub fn sign_get(
    key_id: &str,
    private_key_pem: &str,
    host: &str,
    path: &str,
) -> Vec<(String, String)> {
    let date = http_date(0);
    let lines = [
        format!("(request-target): get {path}"),
        format!("host: {host}"),
        format!("date: {date}"),
    ];
    let key = PKey::private_key_from_pem(private_key_pem.as_bytes()).expect("key");
    let mut signer = openssl::sign::Signer::new(MessageDigest::sha256(), &key).expect("signer");
    signer.update(lines.join("\n").as_bytes()).expect("update");
    let signature = openssl::base64::encode_block(&signer.sign_to_vec().expect("sign"));
    vec![
        ("Date".into(), date),
        (
            "Signature".into(),
            format!("keyId=\"{key_id}\",algorithm=\"rsa-sha256\",headers=\"(request-target) host date\",signature=\"{signature}\""),
        ),
    ]
}

/// The headers of a POST of `body` to `target_uri` signed the RFC 9421 way (`Content-Digest`,
/// `Signature-Input`, `Signature`), covering the method, the target URI and the digest.
pub fn sign_rfc9421(
    key_id: &str,
    private_key_pem: &str,
    target_uri: &str,
    body: &[u8],
) -> Vec<(String, String)> {
    let digest = format!(
        "sha-256=:{}:",
        openssl::base64::encode_block(&openssl::sha::sha256(body))
    );
    let params = format!(
        "(\"@method\" \"@target-uri\" \"content-digest\");created={};keyid=\"{key_id}\";alg=\"rsa-v1_5-sha256\"",
        chrono::Utc::now().timestamp()
    );
    let base = format!(
        "\"@method\": POST\n\"@target-uri\": {target_uri}\n\"content-digest\": {digest}\n\"@signature-params\": {params}"
    );
    let key = PKey::private_key_from_pem(private_key_pem.as_bytes()).expect("key");
    let mut signer = openssl::sign::Signer::new(MessageDigest::sha256(), &key).expect("signer");
    signer.update(base.as_bytes()).expect("update");
    let signature = openssl::base64::encode_block(&signer.sign_to_vec().expect("sign"));
    vec![
        ("Content-Digest".into(), digest),
        ("Signature-Input".into(), format!("sig1={params}")),
        ("Signature".into(), format!("sig1=:{signature}:")),
    ]
}

/// [`sign`] with a `Digest` header of the caller's choosing (to test how it is compared).
pub fn sign_with_digest(
    key_id: &str,
    private_key_pem: &str,
    host: &str,
    path: &str,
    digest: &str,
    date: &str,
    covered: &str,
) -> Vec<(String, String)> {
    let lines: Vec<String> = covered
        .split_whitespace()
        .map(|h| match h {
            "(request-target)" => format!("(request-target): post {path}"),
            "host" => format!("host: {host}"),
            "date" => format!("date: {date}"),
            "digest" => format!("digest: {digest}"),
            other => format!("{other}: "),
        })
        .collect();
    let key = PKey::private_key_from_pem(private_key_pem.as_bytes()).expect("key");
    let mut signer = openssl::sign::Signer::new(MessageDigest::sha256(), &key).expect("signer");
    signer.update(lines.join("\n").as_bytes()).expect("update");
    let signature = openssl::base64::encode_block(&signer.sign_to_vec().expect("sign"));
    vec![
        ("Date".into(), date.to_string()),
        ("Digest".into(), digest.to_string()),
        (
            "Signature".into(),
            format!("keyId=\"{key_id}\",algorithm=\"rsa-sha256\",headers=\"{covered}\",signature=\"{signature}\""),
        ),
    ]
}

/// An HTTP date for now plus `offset_seconds` (negative: in the past).
pub fn http_date(offset_seconds: i64) -> String {
    let now = std::time::SystemTime::now();
    let shift = std::time::Duration::from_secs(offset_seconds.unsigned_abs());
    httpdate_fmt(if offset_seconds >= 0 {
        now + shift
    } else {
        now - shift
    })
}

/// RFC 7231 date, computed by hand (days since the epoch to a civil date).
fn httpdate_fmt(t: std::time::SystemTime) -> String {
    let secs = t
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (h, m, s) = (rem / 3600, (rem % 3600) / 60, rem % 60);
    let weekday = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"][days.rem_euclid(7) as usize];
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + if month <= 2 { 1 } else { 0 };
    let mon = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ][(month - 1) as usize];
    format!("{weekday}, {d:02} {mon} {year} {h:02}:{m:02}:{s:02} GMT")
}
