//! Request parsing shared by the Mastodon and OAuth routes: parameters from the query string
//! and a body in JSON, form-urlencoded or multipart (or none), and bearer authentication.

use crate::ApiError;
use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{web, FromRequest, HttpRequest};
use futures::future::LocalBoxFuture;
use interspace_app::oauth::{self, Auth};
use interspace_app::{AppContext, AppError};
use serde_json::{Map, Value};

/// Largest request body read by [`Params`]: 1 MiB, or 16 MiB for multipart uploads.
pub const MAX_BODY: usize = 1024 * 1024;
pub const MAX_UPLOAD_BODY: usize = 16 * 1024 * 1024;

/// An uploaded file of a multipart body.
#[derive(Debug, Clone)]
pub struct UploadedFile {
    pub field: String,
    pub filename: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
}

/// Query and body parameters merged (the body wins).
#[derive(Debug, Default, Clone)]
pub struct Params {
    pub map: Map<String, Value>,
    pub files: Vec<UploadedFile>,
}

/// Inserts `key=value` from a form: `a[]=x` appends to a list, `a[b]=x` nests.
fn insert_form(map: &mut Map<String, Value>, key: &str, value: String) {
    if let Some(base) = key.strip_suffix("[]") {
        match map
            .entry(base.to_string())
            .or_insert_with(|| Value::Array(vec![]))
        {
            Value::Array(items) => items.push(Value::String(value)),
            other => *other = Value::Array(vec![Value::String(value)]),
        }
    } else if let Some((base, rest)) = key.split_once('[') {
        let sub = rest.trim_end_matches(']').to_string();
        let entry = map
            .entry(base.to_string())
            .or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(inner) = entry {
            // `fields_attributes[0][name]` nests twice.
            if let Some((first, more)) = sub.split_once("][") {
                let inner2 = inner
                    .entry(first.to_string())
                    .or_insert_with(|| Value::Object(Map::new()));
                if let Value::Object(m) = inner2 {
                    m.insert(more.to_string(), Value::String(value));
                }
            } else {
                inner.insert(sub, Value::String(value));
            }
        }
    } else {
        map.insert(key.to_string(), Value::String(value));
    }
}

pub fn parse_form(bytes: &[u8], map: &mut Map<String, Value>) {
    for (k, v) in url::form_urlencoded::parse(bytes) {
        insert_form(map, &k, v.into_owned());
    }
}

fn parse_multipart(body: &[u8], boundary: &str, params: &mut Params) -> Result<(), ApiError> {
    let bad = || ApiError::BadRequest("malformed multipart body".into());
    let delimiter = format!("--{boundary}");
    let d = delimiter.as_bytes();
    let find = |hay: &[u8], needle: &[u8], from: usize| -> Option<usize> {
        hay.get(from..)?
            .windows(needle.len())
            .position(|w| w == needle)
            .map(|p| p + from)
    };
    let mut pos = find(body, d, 0).ok_or_else(bad)? + d.len();
    loop {
        if body.get(pos..pos + 2) == Some(b"--") {
            return Ok(());
        }
        // Skip the line break after the delimiter.
        if body.get(pos..pos + 2) == Some(b"\r\n") {
            pos += 2;
        }
        let headers_end = find(body, b"\r\n\r\n", pos).ok_or_else(bad)?;
        let headers = String::from_utf8_lossy(&body[pos..headers_end]).to_string();
        let content_start = headers_end + 4;
        let next = find(body, d, content_start).ok_or_else(bad)?;
        let mut content_end = next;
        if content_end >= 2 && &body[content_end - 2..content_end] == b"\r\n" {
            content_end -= 2;
        }
        let content = &body[content_start..content_end];
        let mut name = None;
        let mut filename = None;
        let mut content_type = "application/octet-stream".to_string();
        for line in headers.lines() {
            let lower = line.to_ascii_lowercase();
            if lower.starts_with("content-disposition:") {
                for part in line.split(';').map(str::trim) {
                    if let Some(v) = part.strip_prefix("name=") {
                        name = Some(v.trim_matches('"').to_string());
                    } else if let Some(v) = part.strip_prefix("filename=") {
                        filename = Some(v.trim_matches('"').to_string());
                    }
                }
            } else if lower.starts_with("content-type:") {
                content_type = line[13..].trim().to_string();
            }
        }
        let name = name.ok_or_else(bad)?;
        match filename {
            Some(filename) => params.files.push(UploadedFile {
                field: name,
                filename,
                content_type,
                bytes: content.to_vec(),
            }),
            None => insert_form(
                &mut params.map,
                &name,
                String::from_utf8_lossy(content).into_owned(),
            ),
        }
        pos = next + d.len();
    }
}

impl Params {
    pub fn parse(req: &HttpRequest, body: &[u8]) -> Result<Self, ApiError> {
        let mut params = Params::default();
        parse_form(req.query_string().as_bytes(), &mut params.map);
        if body.iter().all(|b| b.is_ascii_whitespace()) {
            return Ok(params);
        }
        let content_type = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_ascii_lowercase();
        if content_type.starts_with("multipart/form-data") {
            let boundary = content_type
                .split(';')
                .find_map(|p| p.trim().strip_prefix("boundary="))
                .map(|b| b.trim_matches('"').to_string())
                .ok_or_else(|| ApiError::BadRequest("multipart body without boundary".into()))?;
            // The boundary is case-sensitive: take it from the original header.
            let original = req
                .headers()
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .and_then(|ct| {
                    ct.split(';')
                        .find_map(|p| p.trim().strip_prefix("boundary="))
                        .map(|b| b.trim_matches('"').to_string())
                })
                .unwrap_or(boundary);
            parse_multipart(body, &original, &mut params)?;
        } else if content_type.starts_with("application/x-www-form-urlencoded") {
            parse_form(body, &mut params.map);
        } else {
            // JSON, also when clients forget the content type.
            let value: Value = serde_json::from_slice(body)
                .map_err(|e| ApiError::BadRequest(format!("the body is not valid JSON: {e}")))?;
            match value {
                Value::Object(m) => params.map.extend(m),
                _ => {
                    return Err(ApiError::BadRequest(
                        "the body must be a JSON object".into(),
                    ))
                }
            }
        }
        Ok(params)
    }

    /// A string parameter (numbers are accepted as their text).
    pub fn str(&self, key: &str) -> Option<String> {
        match self.map.get(key)? {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }

    /// A string parameter that must be a string if present.
    pub fn string(&self, key: &str) -> Result<Option<String>, ApiError> {
        match self.map.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(Value::Number(n)) => Ok(Some(n.to_string())),
            Some(_) => Err(AppError::Unprocessable(format!(
                "Validation failed: {key} must be a string"
            ))
            .into()),
        }
    }

    /// A boolean: `true/false`, `1/0`, `on/off`, `yes/no`, JSON booleans and numbers.
    pub fn bool(&self, key: &str) -> Result<Option<bool>, ApiError> {
        let v = match self.map.get(key) {
            None | Some(Value::Null) => return Ok(None),
            Some(v) => v,
        };
        let parsed = match v {
            Value::Bool(b) => Some(*b),
            Value::Number(n) => n.as_i64().map(|n| n != 0),
            Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
                "1" | "true" | "on" | "yes" | "t" => Some(true),
                "0" | "false" | "off" | "no" | "f" | "" => Some(false),
                _ => None,
            },
            _ => None,
        };
        parsed.map(Some).ok_or_else(|| {
            AppError::Unprocessable(format!("Validation failed: {key} must be a boolean")).into()
        })
    }

    /// A list: JSON array, `key[]=` repeated, or a single value.
    pub fn list(&self, key: &str) -> Vec<String> {
        let v = self
            .map
            .get(key)
            .or_else(|| self.map.get(&format!("{key}[]")));
        match v {
            Some(Value::Array(items)) => items
                .iter()
                .filter_map(|i| match i {
                    Value::String(s) => Some(s.clone()),
                    Value::Number(n) => Some(n.to_string()),
                    _ => None,
                })
                .collect(),
            Some(Value::String(s)) => vec![s.clone()],
            Some(Value::Number(n)) => vec![n.to_string()],
            _ => vec![],
        }
    }
}

impl FromRequest for Params {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let mut payload = payload.take();
        Box::pin(async move {
            use futures::StreamExt;
            let multipart = req
                .headers()
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|ct| ct.to_ascii_lowercase().starts_with("multipart/"));
            let limit = if multipart { MAX_UPLOAD_BODY } else { MAX_BODY };
            let mut body = web::BytesMut::new();
            while let Some(chunk) = payload.next().await {
                let chunk = chunk
                    .map_err(|e| ApiError::BadRequest(format!("cannot read the body: {e}")))?;
                if body.len() + chunk.len() > limit {
                    return Err(ApiError::PayloadTooLarge);
                }
                body.extend_from_slice(&chunk);
            }
            Params::parse(&req, &body)
        })
    }
}

pub(crate) fn context(req: &HttpRequest) -> Result<web::Data<AppContext>, ApiError> {
    req.app_data::<web::Data<AppContext>>()
        .cloned()
        .ok_or_else(|| ApiError::App(AppError::Internal("no application context".into())))
}

fn bearer(req: &HttpRequest) -> Option<String> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_string())
}

/// A request with a valid bearer token (401 otherwise).
pub struct Authed(pub Auth);

/// A request with or without a token; a token that is present must be valid.
pub struct MaybeAuthed(pub Option<Auth>);

impl FromRequest for Authed {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let ctx = context(&req)?;
            let token = bearer(&req)
                .ok_or_else(|| AppError::Unauthorized("The access token is invalid".into()))?;
            Ok(Authed(oauth::authenticate(&ctx, &token).await?))
        })
    }
}

impl FromRequest for MaybeAuthed {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let ctx = context(&req)?;
            match bearer(&req) {
                None => Ok(MaybeAuthed(None)),
                Some(token) => Ok(MaybeAuthed(Some(oauth::authenticate(&ctx, &token).await?))),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_nest() {
        let mut m = Map::new();
        parse_form(b"status=hi&media_ids[]=1&media_ids[]=2&poll[expires_in]=60&fields_attributes[0][name]=a&sensitive=0", &mut m);
        assert_eq!(m["status"], "hi");
        assert_eq!(m["media_ids"], serde_json::json!(["1", "2"]));
        assert_eq!(m["poll"]["expires_in"], "60");
        assert_eq!(m["fields_attributes"]["0"]["name"], "a");
    }

    #[test]
    fn multipart_fields_and_files() {
        let body = b"--XyZ\r\nContent-Disposition: form-data; name=\"status\"\r\n\r\nhello\r\n--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.png\"\r\nContent-Type: image/png\r\n\r\n\x89PNG\r\n--XyZ--\r\n";
        let mut p = Params::default();
        parse_multipart(body, "XyZ", &mut p).expect("parse");
        assert_eq!(p.map["status"], "hello");
        assert_eq!(p.files.len(), 1);
        assert_eq!(p.files[0].bytes, b"\x89PNG");
        assert_eq!(p.files[0].content_type, "image/png");
        assert!(parse_multipart(b"garbage", "XyZ", &mut Params::default()).is_err());
    }
}
