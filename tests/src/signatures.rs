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
