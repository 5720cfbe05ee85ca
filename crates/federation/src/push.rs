//! The Web Push sender: each queued push is encrypted for its subscription (RFC 8291,
//! `aes128gcm`, with the `ece` crate), signed with the instance's VAPID key (RFC 8292: an ES256
//! JWT for the push service's origin) and POSTed through the guarded client, so that
//! `allow_http` and `allowed_private_networks` apply to push services as to peers.

use crate::http_client::{self, HttpClient};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use futures::StreamExt;
use interspace_app::push::{self, Outcome, PushMessage};
use interspace_app::{AppContext, AppResult};
use openssl::ec::EcKey;
use openssl::ecdsa::EcdsaSig;
use openssl::hash::{hash, MessageDigest};
use std::time::Duration;

const POLL: Duration = Duration::from_millis(100);
/// Push services served at once.
const CONCURRENCY: usize = 8;
/// How long a push service keeps a push for an offline device (seconds).
const TTL: &str = "172800";

pub fn spawn(ctx: AppContext, client: HttpClient) -> tokio::task::JoinHandle<()> {
    ctx.spawn_worker(POLL, "push sender", move |ctx| {
        let client = client.clone();
        async move { tick(&ctx, &client).await }
    })
}

async fn tick(ctx: &AppContext, client: &HttpClient) -> AppResult<()> {
    let due = push::due(ctx, 100).await?;
    if due.is_empty() {
        return Ok(());
    }
    let vapid = push::vapid(ctx).await?;
    futures::stream::iter(due)
        .map(|m| {
            let vapid = &vapid;
            async move {
                match push::claim(ctx, &m).await {
                    Ok(true) => {}
                    Ok(false) => return,
                    Err(e) => {
                        tracing::warn!(error = %e, "claiming a push");
                        return;
                    }
                }
                let outcome = send(ctx, client, vapid, &m).await;
                if let Outcome::Retry(e) | Outcome::Refused(e) = &outcome {
                    tracing::warn!(push = %m.id, error = %e, "push not delivered");
                }
                if let Err(e) = push::record(ctx, &m, outcome).await {
                    tracing::warn!(error = %e, "recording a push");
                }
            }
        })
        .buffer_unordered(CONCURRENCY)
        .collect::<Vec<()>>()
        .await;
    Ok(())
}

async fn send(
    ctx: &AppContext,
    client: &HttpClient,
    vapid: &push::InstanceKey,
    m: &PushMessage,
) -> Outcome {
    let (subscription, payload) = match push::content(ctx, m).await {
        Ok(Some(c)) => c,
        Ok(None) => return Outcome::Dropped,
        Err(e) => return Outcome::Retry(e.to_string()),
    };
    let (Some(key), Some(auth)) = (
        push::decode_key(&subscription.p256dh),
        push::decode_key(&subscription.auth),
    ) else {
        return Outcome::Refused("the subscription's keys do not decode".into());
    };
    let body = match ece::encrypt(&key, &auth, payload.to_string().as_bytes()) {
        Ok(b) => b,
        Err(e) => return Outcome::Refused(format!("encryption: {e}")),
    };
    let Ok(endpoint) = url::Url::parse(&subscription.endpoint) else {
        return Outcome::Refused("the endpoint is not a URL".into());
    };
    let token = match vapid_jwt(
        &vapid.private_key_pem,
        &endpoint,
        ctx.urls().path("/").as_ref(),
    ) {
        Ok(t) => t,
        Err(e) => return Outcome::Refused(format!("VAPID: {e}")),
    };
    let res = client
        .post(endpoint)
        .header("TTL", TTL)
        .header("Urgency", "normal")
        .header("Content-Encoding", "aes128gcm")
        .header("Content-Type", "application/octet-stream")
        .header(
            "Authorization",
            format!("vapid t={token}, k={}", vapid.public_key),
        )
        .body(body)
        .send()
        .await;
    match res {
        Ok(r) => match r.status().as_u16() {
            200..=299 => Outcome::Sent,
            404 | 410 => Outcome::Gone,
            s @ (408 | 429 | 500..=599) => Outcome::Retry(format!("HTTP {s}")),
            s => Outcome::Refused(format!("HTTP {s}")),
        },
        Err(e) if http_client::is_refused(&e) => Outcome::Refused(e.to_string()),
        Err(e) => Outcome::Retry(e.to_string()),
    }
}

/// RFC 8292: a JWT (`ES256`) whose audience is the push service's origin, valid 12 hours,
/// naming this instance as the contact.
fn vapid_jwt(
    private_pem: &str,
    endpoint: &url::Url,
    contact: &str,
) -> Result<String, openssl::error::ErrorStack> {
    let audience = endpoint.origin().ascii_serialization();
    let expires = chrono::Utc::now().timestamp() + 12 * 3600;
    let header = URL_SAFE_NO_PAD.encode(br#"{"typ":"JWT","alg":"ES256"}"#);
    let claims = URL_SAFE_NO_PAD
        .encode(serde_json::json!({ "aud": audience, "exp": expires, "sub": contact }).to_string());
    let signing_input = format!("{header}.{claims}");
    let key = EcKey::private_key_from_pem(private_pem.as_bytes())?;
    let digest = hash(MessageDigest::sha256(), signing_input.as_bytes())?;
    let sig = EcdsaSig::sign(&digest, &key)?;
    // JWS wants r and s as two 32-byte big-endian numbers, not DER.
    let fixed = |n: &openssl::bn::BigNumRef| -> Result<Vec<u8>, openssl::error::ErrorStack> {
        n.to_vec_padded(32)
    };
    let mut raw = fixed(sig.r())?;
    raw.extend(fixed(sig.s())?);
    Ok(format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(raw)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use openssl::bn::BigNum;
    use openssl::ec::{EcGroup, EcKey};
    use openssl::nid::Nid;

    #[test]
    fn the_vapid_token_verifies_with_the_public_key_for_the_push_origin() {
        let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1).expect("group");
        let key = EcKey::generate(&group).expect("key");
        let pem = String::from_utf8(key.private_key_to_pem().expect("pem")).expect("utf8");
        let endpoint = url::Url::parse("https://push.example:8443/wpush/v2/abc").expect("url");
        let jwt = vapid_jwt(&pem, &endpoint, "https://space.example/").expect("jwt");
        let parts: Vec<&str> = jwt.split('.').collect();
        assert_eq!(parts.len(), 3);
        let claims: serde_json::Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).expect("b64")).expect("json");
        assert_eq!(claims["aud"], "https://push.example:8443");
        assert_eq!(claims["sub"], "https://space.example/");
        let raw = URL_SAFE_NO_PAD.decode(parts[2]).expect("b64");
        assert_eq!(raw.len(), 64);
        let sig = EcdsaSig::from_private_components(
            BigNum::from_slice(&raw[..32]).expect("r"),
            BigNum::from_slice(&raw[32..]).expect("s"),
        )
        .expect("sig");
        let digest = hash(
            MessageDigest::sha256(),
            format!("{}.{}", parts[0], parts[1]).as_bytes(),
        )
        .expect("digest");
        assert!(sig.verify(&digest, &key).expect("verify"));
    }
}
