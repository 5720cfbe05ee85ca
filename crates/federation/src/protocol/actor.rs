//! Actors on the wire: `Person` (members), `Group` (spaces), `Application` (the instance), and
//! whatever other servers send (`Service`, `Organization`, Lemmy's and Mobilizon's groups).

use activitypub_federation::protocol::public_key::PublicKey;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use url::Url;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Endpoints {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shared_inbox: Option<Url>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Actor {
    #[serde(rename = "type")]
    pub kind: String,
    pub id: Url,
    pub preferred_username: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// A string, a Link object or an array of them: servers differ.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<Value>,
    pub inbox: Url,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outbox: Option<Url>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub followers: Option<Url>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub following: Option<Url>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoints: Option<Endpoints>,
    pub public_key: PublicKey,
    /// The same key as a FEP-521a `Multikey` (what servers that read Multikeys verify with).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub assertion_method: Vec<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manually_approves_followers: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discoverable: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub icon: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<Value>,
    /// Profile fields (`PropertyValue`) and whatever else servers attach.
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "one_or_many"
    )]
    pub attachment: Vec<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<Value>,
    /// A space's moderators collection (one link, as Lemmy and FEP-1b12 groups have it).
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "one_or_many",
        serialize_with = "one_as_itself"
    )]
    pub attributed_to: Vec<Value>,
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "one_or_many"
    )]
    pub skills: Vec<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub home_space: Option<Url>,
    /// A person's pinned posts (Mastodon's `featured`), an OrderedCollection of Notes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub featured: Option<Url>,
    /// A space's moderators collection again, under the name group software reads
    /// (Lemmy's `moderators`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub moderators: Option<Url>,
    /// Whether only moderators may post in the group (Lemmy's); false for a space.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub posting_restricted_to_mods: Option<bool>,
    /// A space's members (an OrderedCollection of Person ids).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub members: Option<Url>,
    /// A space's upcoming public events (an OrderedCollection of Event ids).
    #[serde(
        default,
        rename = "upcomingEvents",
        skip_serializing_if = "Option::is_none"
    )]
    pub upcoming_events: Option<Url>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visit_policy: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
}

/// Accepts a single value or an array (ActivityStreams allows both), and null.
pub fn one_or_many<'de, D>(de: D) -> Result<Vec<Value>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    Ok(match Option::<Value>::deserialize(de)? {
        None | Some(Value::Null) => vec![],
        Some(Value::Array(items)) => items,
        Some(one) => vec![one],
    })
}

/// Writes a one-element list as its element (`"x"`, not `["x"]`), longer lists as arrays.
fn one_as_itself<S: serde::Serializer>(items: &[Value], ser: S) -> Result<S::Ok, S::Error> {
    use serde::Serialize;
    match items {
        [one] => one.serialize(ser),
        many => many.serialize(ser),
    }
}

/// The first http(s) link in a `url`, `icon` or `image` value (a string, a Link or Image
/// object, or a list of them). Any other scheme is dropped: peers' links are data, not trust.
pub fn first_href(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => interspace_core::urls::http_url(s),
        Value::Object(o) => o.get("href").or_else(|| o.get("url")).and_then(first_href),
        Value::Array(items) => items.iter().find_map(first_href),
        _ => None,
    }
}

/// `PropertyValue` attachments as (name, value) pairs.
pub fn property_values(attachments: &[Value]) -> Vec<(String, String)> {
    attachments
        .iter()
        .filter(|a| a.get("type").and_then(Value::as_str) == Some("PropertyValue"))
        .filter_map(|a| {
            Some((
                a.get("name")?.as_str()?.to_string(),
                a.get("value")?.as_str()?.to_string(),
            ))
        })
        .collect()
}

pub fn property_value(name: &str, value: &str) -> Value {
    serde_json::json!({ "type": "PropertyValue", "name": name, "value": value })
}

/// The multicodec of an RSA public key (`rsa-pub`, 0x1205), as an unsigned varint.
const RSA_PUB: [u8; 2] = [0x85, 0x24];

/// An actor's RSA key (SPKI PEM) as a FEP-521a `Multikey`: `publicKeyMultibase` is `z`, then
/// base58btc of the `rsa-pub` multicodec and the key's PKCS#1 DER. Its id is the key's id.
pub fn rsa_multikey(key_id: &str, owner: &str, public_key_pem: &str) -> Option<Value> {
    let key = openssl::pkey::PKey::public_key_from_pem(public_key_pem.as_bytes()).ok()?;
    let der = key.rsa().ok()?.public_key_to_der_pkcs1().ok()?;
    let bytes: Vec<u8> = RSA_PUB.iter().copied().chain(der).collect();
    Some(serde_json::json!({
        "id": key_id,
        "type": "Multikey",
        "controller": owner,
        "publicKeyMultibase": format!("z{}", bs58::encode(bytes).into_string()),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_rsa_key_reads_back_from_its_multikey() {
        let rsa = openssl::rsa::Rsa::generate(2048).expect("rsa");
        let pem = String::from_utf8(
            openssl::pkey::PKey::from_rsa(rsa.clone())
                .expect("pkey")
                .public_key_to_pem()
                .expect("pem"),
        )
        .expect("utf8");
        let key = rsa_multikey(
            "https://a.example/users/x#main-key",
            "https://a.example/users/x",
            &pem,
        )
        .expect("a multikey");
        assert_eq!(key["type"], "Multikey");
        assert_eq!(key["controller"], "https://a.example/users/x");
        let multibase = key["publicKeyMultibase"].as_str().expect("multibase");
        let bytes = bs58::decode(multibase.strip_prefix('z').expect("base58btc"))
            .into_vec()
            .expect("base58");
        assert_eq!(&bytes[..2], &RSA_PUB);
        let back = openssl::rsa::Rsa::public_key_from_der_pkcs1(&bytes[2..]).expect("PKCS#1");
        assert_eq!(back.n(), rsa.n());
        assert_eq!(back.e(), rsa.e());
        assert!(rsa_multikey("k", "o", "not a key").is_none());
    }
}
