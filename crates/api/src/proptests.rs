//! Property tests over what clients send: forms, OAuth credentials and multipart bodies of any
//! shape. Nothing may panic; a malformed multipart body is a 400 (or a 413 past the limit).
//! `PROPTEST_CASES` sets how many cases each runs (256 by default, as in CI).

use crate::extract::{parse_form, Params, MAX_BODY};
use crate::mastodon::oauth::base64_decode;
use crate::ApiError;
use actix_web::test::TestRequest;
use actix_web::FromRequest;
use proptest::prelude::*;

/// A multipart body built from parts, then perhaps cut short or spliced with noise.
fn multipart() -> impl Strategy<Value = (String, Vec<u8>)> {
    let part = (
        prop_oneof![
            Just("status".to_string()),
            "[a-z_\\[\\]]{0,12}",
            any::<String>()
        ],
        prop::option::of("[a-z.]{0,12}"),
        prop::collection::vec(any::<u8>(), 0..64),
        any::<bool>(),
    );
    (
        prop_oneof![Just("XyZ".to_string()), "[A-Za-z0-9'()+_,./:=?-]{1,70}"],
        prop::collection::vec(part, 0..6),
        prop::option::of(any::<usize>()),
        prop::collection::vec(any::<u8>(), 0..16),
    )
        .prop_map(|(boundary, parts, cut, noise)| {
            let mut body = Vec::new();
            for (name, filename, value, headers) in parts {
                body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
                if headers {
                    let file = filename
                        .map(|f| format!("; filename=\"{f}\""))
                        .unwrap_or_default();
                    body.extend_from_slice(
                        format!("Content-Disposition: form-data; name=\"{name}\"{file}\r\n")
                            .as_bytes(),
                    );
                }
                body.extend_from_slice(b"\r\n");
                body.extend_from_slice(&value);
                body.extend_from_slice(b"\r\n");
            }
            body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
            if let Some(cut) = cut {
                body.truncate(cut % (body.len() + 1));
                body.extend_from_slice(&noise);
            }
            (boundary, body)
        })
}

#[test]
fn multipart_bodies_of_any_shape_are_parsed_or_refused_never_panic() {
    let system = actix_web::rt::System::new();
    proptest!(|((boundary, body) in multipart())| {
        let (req, mut payload) = TestRequest::post()
            .uri("/api/v1/statuses")
            .insert_header((
                "Content-Type",
                format!("multipart/form-data; boundary=\"{boundary}\""),
            ))
            .set_payload(body)
            .to_http_parts();
        let parsed = system.block_on(async {
            tokio::time::timeout(
                std::time::Duration::from_secs(5),
                Params::from_request(&req, &mut payload),
            )
            .await
        });
        prop_assert!(parsed.is_ok(), "the body was neither parsed nor refused in 5 s");
        match parsed.expect("in time") {
            Ok(p) => prop_assert!(p.files.is_empty(), "no files where a route takes none"),
            Err(ApiError::BadRequest(_)) | Err(ApiError::PayloadTooLarge) => {}
            Err(other) => prop_assert!(false, "unexpected {other:?}"),
        }
    });
}

proptest! {
    #[test]
    fn forms_of_any_shape_never_panic(body in prop::collection::vec(any::<u8>(), 0..400), key in "[a-z_\\[\\]0-9]{0,20}") {
        let mut p = Params::default();
        parse_form(&body, &mut p.map);
        let _ = (p.str(&key), p.string(&key), p.bool(&key), p.list(&key));
        prop_assert!(body.len() <= MAX_BODY);
    }

    #[test]
    fn basic_credentials_of_any_shape_never_panic(raw in prop_oneof![any::<String>(), "[A-Za-z0-9+/=]{0,60}"]) {
        let _ = base64_decode(&raw);
    }

    #[test]
    fn basic_credentials_decode_what_clients_encode(id in "[ -~]{0,30}", secret in "[ -~]{0,30}") {
        let encoded = openssl_free_base64(format!("{id}:{secret}").as_bytes());
        prop_assert_eq!(base64_decode(&encoded), Some(format!("{id}:{secret}")));
    }
}

/// Standard base64 with padding (what HTTP Basic clients send), written out for the test.
fn openssl_free_base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n =
            chunk.iter().fold(0u32, |acc, b| (acc << 8) | u32::from(*b)) << (8 * (3 - chunk.len()));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Every way a body can be cut short is a 400, at once: one of them (a body ending right after
/// a part's line break) made actix-multipart wait for ever.
#[test]
fn truncated_multipart_bodies_are_refused_at_once() {
    let system = actix_web::rt::System::new();
    let whole = "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nabc\r\n--XyZ--\r\n";
    for cut in 0..whole.len() - 2 {
        let (req, mut payload) = TestRequest::post()
            .uri("/api/v1/statuses")
            .insert_header(("Content-Type", "multipart/form-data; boundary=XyZ"))
            .set_payload(whole.as_bytes()[..cut].to_vec())
            .to_http_parts();
        let parsed = system.block_on(async {
            tokio::time::timeout(
                std::time::Duration::from_secs(2),
                Params::from_request(&req, &mut payload),
            )
            .await
        });
        assert!(
            matches!(parsed, Ok(Err(ApiError::BadRequest(_)))),
            "cut at {cut}: {parsed:?}"
        );
    }
}
