"""Decrypts a Web Push message (RFC 8291 over RFC 8188 aes128gcm) with Python's
`cryptography`, independently of the Rust `ece` crate that encrypted it, and prints the
plaintext and then OK.

Environment: PRIVATE_KEY (the subscriber's P-256 private scalar), PUBLIC_KEY (its uncompressed
point), AUTH (the 16-byte auth secret), BODY (the push body): all base64url without padding.
"""

import base64
import hashlib
import hmac
import os
import struct

from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM


def b64(name):
    raw = os.environ[name]
    return base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4))


def hkdf_one_block(salt, ikm, info, length):
    prk = hmac.new(salt, ikm, hashlib.sha256).digest()
    return hmac.new(prk, info + b"\x01", hashlib.sha256).digest()[:length]


def main():
    d, ua_public, auth, body = b64("PRIVATE_KEY"), b64("PUBLIC_KEY"), b64("AUTH"), b64("BODY")
    # RFC 8188 header: salt, record size, key id (the sender's public key).
    salt, rs, idlen = body[:16], struct.unpack(">I", body[16:20])[0], body[20]
    as_public = body[21:21 + idlen]
    records = body[21 + idlen:]
    assert idlen == 65 and as_public[0] == 4, "the key id is the sender's uncompressed point"
    assert len(records) <= rs, "one record"
    private = ec.derive_private_key(int.from_bytes(d, "big"), ec.SECP256R1())
    sender = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), as_public)
    ecdh = private.exchange(ec.ECDH(), sender)
    # RFC 8291 section 3.4.
    ikm = hkdf_one_block(auth, ecdh, b"WebPush: info\x00" + ua_public + as_public, 32)
    cek = hkdf_one_block(salt, ikm, b"Content-Encoding: aes128gcm\x00", 16)
    nonce = hkdf_one_block(salt, ikm, b"Content-Encoding: nonce\x00", 12)
    padded = AESGCM(cek).decrypt(nonce, records, None)
    plain = padded.rstrip(b"\x00")
    assert plain.endswith(b"\x02"), "the last record ends with the delimiter 2"
    print(plain[:-1].decode("utf-8"))
    print("OK")


if __name__ == "__main__":
    main()
