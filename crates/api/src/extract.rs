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

/// Largest request body read by [`Params`]: 1 MiB, or 16 MiB for multipart uploads on the
/// routes that take files ([`UPLOAD_ROUTES`]).
pub const MAX_BODY: usize = 1024 * 1024;
pub const MAX_UPLOAD_BODY: usize = 16 * 1024 * 1024;
/// Parts in one multipart body, and the longest field or file name.
const MAX_PARTS: usize = 64;
const MAX_NAME: usize = 256;

/// The routes (patterns) that take uploaded files; every other route reads at most
/// [`MAX_BODY`], and refuses a longer declared body before reading it.
const UPLOAD_ROUTES: [&str; 4] = [
    "/api/v1/media",
    "/api/v2/media",
    "/api/v1/accounts/update_credentials",
    "/settings/profile",
];

/// An uploaded file of a multipart body, spooled to disk (0600, in the media folder's
/// `.incoming`) as it arrives, so that slow uploads hold no memory; removed when dropped.
#[derive(Debug, Clone)]
pub struct UploadedFile {
    pub field: String,
    pub filename: String,
    pub content_type: String,
    spool: std::sync::Arc<Spool>,
}

#[derive(Debug)]
struct Spool {
    path: std::path::PathBuf,
    len: u64,
}

impl Drop for Spool {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

impl UploadedFile {
    pub fn len(&self) -> u64 {
        self.spool.len
    }

    pub fn is_empty(&self) -> bool {
        self.spool.len == 0
    }

    /// The file's bytes, read when the handler needs them.
    pub async fn bytes(&self) -> Result<Vec<u8>, ApiError> {
        tokio::fs::read(&self.spool.path)
            .await
            .map_err(|e| ApiError::App(AppError::Internal(format!("reading an upload: {e}"))))
    }
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

/// A yes/no as clients write it: JSON booleans and numbers, `true/false`, `1/0`, `on/off`,
/// `yes/no`, `t/f` (an empty text is no).
pub fn flag(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        Value::Number(n) => n.as_i64().map(|n| n != 0),
        Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
            "1" | "true" | "on" | "yes" | "t" => Some(true),
            "0" | "false" | "off" | "no" | "f" | "" => Some(false),
            _ => None,
        },
        _ => None,
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
        if content_type.starts_with("multipart/") {
            // Read as a stream by the extractor, never here.
            return Err(ApiError::BadRequest("unexpected multipart body".into()));
        }
        if content_type.starts_with("application/x-www-form-urlencoded") {
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

    /// The non-empty file uploaded as `field`, read for the use-case.
    pub async fn upload(
        &self,
        field: &str,
    ) -> Result<Option<interspace_app::media::Upload>, ApiError> {
        match self
            .files
            .iter()
            .find(|f| f.field == field && !f.is_empty())
        {
            Some(f) => Ok(Some(interspace_app::media::Upload {
                bytes: f.bytes().await?,
            })),
            None => Ok(None),
        }
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
        flag(v).map(Some).ok_or_else(|| {
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
        let payload = payload.take();
        Box::pin(async move {
            use futures::StreamExt;
            let multipart = req
                .headers()
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|ct| ct.to_ascii_lowercase().starts_with("multipart/"));
            let uploads = multipart
                && req
                    .match_pattern()
                    .is_some_and(|p| UPLOAD_ROUTES.contains(&p.as_str()));
            let limit = if uploads { MAX_UPLOAD_BODY } else { MAX_BODY };
            // A body declared too long is refused before a byte of it is read.
            let declared = req
                .headers()
                .get(header::CONTENT_LENGTH)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok());
            if declared.is_some_and(|n| n > limit as u64) {
                return Err(ApiError::PayloadTooLarge);
            }
            if multipart {
                let mut params = Params::default();
                parse_form(req.query_string().as_bytes(), &mut params.map);
                let spool = match uploads {
                    true => Some(context(&req)?.settings.media_dir.join(".incoming")),
                    false => None,
                };
                read_multipart(&req, payload, limit, spool, &mut params).await?;
                return Ok(params);
            }
            let mut payload = payload;
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

/// The request body, noting when it has ended.
struct Watched {
    inner: Payload,
    ended: std::rc::Rc<std::cell::Cell<bool>>,
}

impl futures::Stream for Watched {
    type Item = Result<web::Bytes, actix_web::error::PayloadError>;

    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        let next = std::pin::Pin::new(&mut self.inner).poll_next(cx);
        if let std::task::Poll::Ready(None) = next {
            self.ended.set(true);
        }
        next
    }
}

/// `step` of the multipart parser, or a 400 when it waits although the body has ended: the
/// parser (actix-multipart 0.7) never wakes on a body that ends right after a part's
/// line break, which would hold the request for ever.
async fn or_truncated<F: std::future::Future>(
    step: F,
    ended: &std::cell::Cell<bool>,
) -> Result<F::Output, ApiError> {
    let mut step = std::pin::pin!(step);
    std::future::poll_fn(|cx| match step.as_mut().poll(cx) {
        std::task::Poll::Ready(v) => std::task::Poll::Ready(Ok(v)),
        std::task::Poll::Pending if ended.get() => std::task::Poll::Ready(Err(
            ApiError::BadRequest("malformed multipart body: it ends inside a part".into()),
        )),
        std::task::Poll::Pending => std::task::Poll::Pending,
    })
    .await
}

/// Reads a multipart body as a stream (actix-multipart's parser): text fields into the
/// parameters, files spooled into `spool` (files are dropped where a route takes none), at
/// most `limit` bytes in all, [`MAX_PARTS`] parts and [`MAX_NAME`]-byte names. Anything
/// malformed (no boundary, a part without a name, a truncated body) is a 400 with the reason.
async fn read_multipart(
    req: &HttpRequest,
    payload: Payload,
    limit: usize,
    spool: Option<std::path::PathBuf>,
    params: &mut Params,
) -> Result<(), ApiError> {
    use futures::StreamExt;
    use tokio::io::AsyncWriteExt;
    let malformed = |e: actix_multipart::MultipartError| {
        ApiError::BadRequest(format!("malformed multipart body: {e}"))
    };
    let io = |e: std::io::Error| ApiError::App(AppError::Internal(format!("spooling: {e}")));
    let ended = std::rc::Rc::new(std::cell::Cell::new(false));
    let payload = Watched {
        inner: payload,
        ended: ended.clone(),
    };
    let mut parts = actix_multipart::Multipart::new(req.headers(), payload);
    let mut total = 0usize;
    let mut count = 0usize;
    while let Some(part) = or_truncated(parts.next(), &ended).await? {
        let mut part = part.map_err(malformed)?;
        count += 1;
        if count > MAX_PARTS {
            return Err(ApiError::BadRequest(format!(
                "malformed multipart body: more than {MAX_PARTS} parts"
            )));
        }
        let name = part
            .name()
            .filter(|n| !n.is_empty())
            .ok_or_else(|| {
                ApiError::BadRequest("malformed multipart body: a part has no name".into())
            })?
            .to_string();
        let filename = part
            .content_disposition()
            .and_then(|cd| cd.get_filename())
            .map(String::from);
        if name.len() > MAX_NAME || filename.as_ref().is_some_and(|f| f.len() > MAX_NAME) {
            return Err(ApiError::BadRequest(format!(
                "malformed multipart body: names are at most {MAX_NAME} bytes"
            )));
        }
        let content_type = part
            .content_type()
            .map(|m| m.essence_str().to_string())
            .unwrap_or_else(|| "application/octet-stream".into());
        match (filename, &spool) {
            (Some(filename), Some(dir)) => {
                if !tokio::fs::try_exists(dir).await.unwrap_or(false) {
                    let mut folder = tokio::fs::DirBuilder::new();
                    folder.recursive(true).mode(0o700);
                    folder.create(dir).await.map_err(io)?;
                }
                let spooled = Spool {
                    path: dir.join(format!("{}.part", interspace_core::ids::new_id())),
                    len: 0,
                };
                let mut file = tokio::fs::OpenOptions::new()
                    .write(true)
                    .create_new(true)
                    .mode(0o600)
                    .open(&spooled.path)
                    .await
                    .map_err(io)?;
                let mut spooled = spooled;
                while let Some(chunk) = or_truncated(part.next(), &ended).await? {
                    let chunk = chunk.map_err(malformed)?;
                    total += chunk.len();
                    if total > limit {
                        return Err(ApiError::PayloadTooLarge);
                    }
                    file.write_all(&chunk).await.map_err(io)?;
                    spooled.len += chunk.len() as u64;
                }
                file.flush().await.map_err(io)?;
                params.files.push(UploadedFile {
                    field: name,
                    filename,
                    content_type,
                    spool: std::sync::Arc::new(spooled),
                });
            }
            (file, _) => {
                let mut value = Vec::new();
                while let Some(chunk) = or_truncated(part.next(), &ended).await? {
                    let chunk = chunk.map_err(malformed)?;
                    total += chunk.len();
                    if total > limit {
                        return Err(ApiError::PayloadTooLarge);
                    }
                    // A file where the route takes none counts, and is dropped.
                    if file.is_none() {
                        value.extend_from_slice(&chunk);
                    }
                }
                if file.is_none() {
                    insert_form(
                        &mut params.map,
                        &name,
                        String::from_utf8_lossy(&value).into_owned(),
                    );
                }
            }
        }
    }
    Ok(())
}

pub(crate) fn context(req: &HttpRequest) -> Result<web::Data<AppContext>, ApiError> {
    req.app_data::<web::Data<AppContext>>()
        .cloned()
        .ok_or_else(|| ApiError::App(AppError::Internal("no application context".into())))
}

pub(crate) fn bearer(req: &HttpRequest) -> Option<String> {
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
}
