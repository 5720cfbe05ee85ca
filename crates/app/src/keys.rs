//! RSA key pairs of local actors: 2048 bits, private key as PKCS#8 PEM (the federation crate
//! rejects PKCS#1 `BEGIN RSA PRIVATE KEY`), public key as SPKI PEM.

use crate::{AppError, AppResult};
use openssl::pkey::PKey;
use openssl::rsa::Rsa;

pub struct KeyPair {
    pub private_pem: String,
    pub public_pem: String,
}

fn generate_blocking() -> AppResult<KeyPair> {
    let err = |e: openssl::error::ErrorStack| AppError::Internal(format!("key generation: {e}"));
    let rsa = Rsa::generate(2048).map_err(err)?;
    let pkey = PKey::from_rsa(rsa).map_err(err)?;
    let private_pem = String::from_utf8(pkey.private_key_to_pem_pkcs8().map_err(err)?)
        .map_err(|e| AppError::Internal(e.to_string()))?;
    let public_pem = String::from_utf8(pkey.public_key_to_pem().map_err(err)?)
        .map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(KeyPair {
        private_pem,
        public_pem,
    })
}

/// Generates a key pair off the async threads (it takes tens of milliseconds).
pub async fn generate() -> AppResult<KeyPair> {
    tokio::task::spawn_blocking(generate_blocking)
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?
}

#[cfg(test)]
mod tests {
    #[test]
    fn pkcs8_and_spki() {
        let kp = super::generate_blocking().expect("keys");
        assert!(kp.private_pem.starts_with("-----BEGIN PRIVATE KEY-----"));
        assert!(kp.public_pem.starts_with("-----BEGIN PUBLIC KEY-----"));
    }
}
