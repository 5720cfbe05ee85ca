//! Mastodon's streaming API: Server-Sent Events at `/api/v1/streaming/{stream}` and a
//! WebSocket at `/api/v1/streaming` with subscribe/unsubscribe messages.

use super::entities::Renderer;
use crate::extract::Params;
use crate::limits::{RateLimits, StreamSlot};
use crate::ApiError;
use actix_web::http::header;
use actix_web::web::{self, Bytes};
use actix_web::{HttpRequest, HttpResponse};
use futures::StreamExt;
use interspace_app::oauth::{self, Auth};
use interspace_app::signals::AppEvent;
use interspace_app::streaming::{self, Delivery, Stream};
use interspace_app::{AppContext, AppError};
use serde_json::json;
use std::time::Duration;
use tokio::sync::broadcast::error::RecvError;

const HEARTBEAT: Duration = Duration::from_secs(30);
/// A WebSocket that answered nothing (not even a pong) for this long is closed.
const IDLE: Duration = Duration::from_secs(75);
/// Streams one WebSocket may subscribe to.
const MAX_SUBSCRIPTIONS: usize = 32;

/// A place among the instance's streaming connections (capped in total, and for connections
/// without a token in total and per address), or 429.
fn slot(req: &HttpRequest, anonymous: bool) -> Result<Option<StreamSlot>, ApiError> {
    let Some(limits) = req.app_data::<web::Data<RateLimits>>() else {
        return Ok(None);
    };
    let limits = limits.clone().into_inner();
    limits
        .stream_slot(limits.client_addr(req), anonymous)
        .map(Some)
        .ok_or_else(|| AppError::RateLimited("Too many streaming connections".into()).into())
}

/// The token from `Authorization`, the `access_token` parameter, or `Sec-WebSocket-Protocol`.
async fn auth(ctx: &AppContext, req: &HttpRequest, p: &Params) -> Result<Option<Auth>, ApiError> {
    let header_token = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(s, _)| s.eq_ignore_ascii_case("bearer"))
        .map(|(_, t)| t.trim().to_string());
    let protocol = req
        .headers()
        .get("Sec-WebSocket-Protocol")
        .and_then(|v| v.to_str().ok())
        .map(|v| v.trim().to_string());
    match header_token.or_else(|| p.str("access_token")).or(protocol) {
        Some(token) => {
            let a = oauth::authenticate(ctx, &token).await?;
            a.require("read:statuses")
                .or_else(|_| a.require("read:notifications"))?;
            Ok(Some(a))
        }
        None => Ok(None),
    }
}

/// One event as `(event name, payload)`, rendered for the viewer; `None` when not shown.
async fn render(
    ctx: &AppContext,
    stream: &Stream,
    viewer: Option<&Auth>,
    event: &AppEvent,
) -> Option<(&'static str, String)> {
    let account = viewer.and_then(|a| a.account().ok());
    let delivery = streaming::deliver(ctx, stream, account, event)
        .await
        .ok()??;
    let mut r = Renderer::new(ctx);
    match delivery {
        Delivery::Status { view, edited } => {
            let json = serde_json::to_string(&r.status(&view).await.ok()?).ok()?;
            Some((if edited { "status.update" } else { "update" }, json))
        }
        Delivery::Notification(n) => {
            let json = serde_json::to_string(&r.notification(&n).await.ok()?).ok()?;
            Some(("notification", json))
        }
        Delivery::Delete(id) => Some(("delete", id)),
    }
}

pub async fn health() -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain").body("OK")
}

/// `GET /api/v1/streaming/{stream...}` as Server-Sent Events.
pub async fn sse(
    ctx: web::Data<AppContext>,
    req: HttpRequest,
    path: web::Path<String>,
    p: Params,
) -> Result<HttpResponse, ApiError> {
    let name = path.into_inner().replace('/', ":");
    let stream = Stream::parse(&name, p.str("tag").as_deref()).ok_or(ApiError::NotFound)?;
    let viewer = auth(&ctx, &req, &p).await?;
    if stream.needs_user() && viewer.is_none() {
        return Err(AppError::Unauthorized("Error: Missing access token".into()).into());
    }
    // Held as long as the stream: a client that goes away gives its place back.
    let place = slot(&req, viewer.is_none())?;
    let rx = ctx.subscribe();
    let ctx = ctx.into_inner();
    let state = (
        rx,
        ctx,
        stream,
        viewer,
        tokio::time::interval(HEARTBEAT),
        place,
    );
    let body = futures::stream::unfold(
        state,
        |(mut rx, ctx, stream, viewer, mut beat, place)| async move {
            loop {
                tokio::select! {
                    _ = ctx.stopped() => return None,
                    _ = beat.tick() => {
                        return Some((Ok::<_, actix_web::Error>(Bytes::from_static(b":thump\n\n")), (rx, ctx, stream, viewer, beat, place)));
                    }
                    received = rx.recv() => match received {
                        Ok(event) => {
                            if let Some((name, payload)) = render(&ctx, &stream, viewer.as_ref(), &event).await {
                                let chunk = format!("event: {name}\ndata: {payload}\n\n");
                                return Some((Ok(Bytes::from(chunk)), (rx, ctx, stream, viewer, beat, place)));
                            }
                        }
                        Err(RecvError::Lagged(_)) => continue,
                        Err(RecvError::Closed) => return None,
                    }
                }
            }
        },
    );
    Ok(HttpResponse::Ok()
        .content_type("text/event-stream")
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .streaming(body))
}

/// `GET /api/v1/streaming` upgraded to a WebSocket.
pub async fn websocket(
    ctx: web::Data<AppContext>,
    req: HttpRequest,
    body: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let mut p = Params::default();
    crate::extract::parse_form(req.query_string().as_bytes(), &mut p.map);
    let viewer = auth(&ctx, &req, &p).await?;
    let mut streams: Vec<Stream> = Vec::new();
    if let Some(name) = p.str("stream") {
        let s = Stream::parse(&name, p.str("tag").as_deref())
            .ok_or_else(|| ApiError::BadRequest(format!("unknown stream '{name}'")))?;
        if s.needs_user() && viewer.is_none() {
            return Err(AppError::Unauthorized("Error: Missing access token".into()).into());
        }
        streams.push(s);
    }
    let place = slot(&req, viewer.is_none())?;
    let (mut response, mut session, mut messages) = actix_ws::handle(&req, body)
        .map_err(|e| ApiError::BadRequest(format!("not a WebSocket request: {e}")))?;
    // A browser closes a WebSocket whose answer does not name the protocol it offered (the
    // token, as masto.js sends it).
    if let Some(offered) = req.headers().get("Sec-WebSocket-Protocol") {
        response
            .headers_mut()
            .insert(header::SEC_WEBSOCKET_PROTOCOL, offered.clone());
    }
    let ctx = ctx.into_inner();
    let mut rx = ctx.subscribe();
    actix_web::rt::spawn(async move {
        let _place = place;
        let mut beat = tokio::time::interval(HEARTBEAT);
        let mut heard = std::time::Instant::now();
        loop {
            tokio::select! {
                _ = ctx.stopped() => break,
                _ = beat.tick() => {
                    if heard.elapsed() > IDLE || session.ping(b"").await.is_err() { break; }
                }
                msg = messages.next() => {
                    heard = std::time::Instant::now();
                    match msg {
                    Some(Ok(actix_ws::Message::Text(text))) => {
                        let Ok(cmd) = serde_json::from_str::<serde_json::Value>(&text) else { continue };
                        let name = cmd["stream"].as_str().unwrap_or_default();
                        let Some(s) = Stream::parse(name, cmd["tag"].as_str()) else {
                            let _ = session.text(json!({"error": format!("Unknown stream type: {name}"), "status": 400}).to_string()).await;
                            continue;
                        };
                        if s.needs_user() && viewer.is_none() {
                            let _ = session.text(json!({"error": "Missing access token", "status": 401}).to_string()).await;
                            continue;
                        }
                        match cmd["type"].as_str() {
                            Some("subscribe") if streams.len() >= MAX_SUBSCRIPTIONS => {
                                let _ = session.text(json!({"error": "Too many subscriptions", "status": 429}).to_string()).await;
                            }
                            Some("subscribe") if !streams.contains(&s) => streams.push(s),
                            Some("unsubscribe") => streams.retain(|x| x != &s),
                            _ => {}
                        }
                    }
                    Some(Ok(actix_ws::Message::Ping(bytes))) => {
                        if session.pong(&bytes).await.is_err() { break; }
                    }
                    Some(Ok(actix_ws::Message::Close(_))) | None | Some(Err(_)) => break,
                    Some(Ok(_)) => {}
                    }
                }
                received = rx.recv() => match received {
                    Ok(event) => {
                        for s in &streams {
                            if let Some((name, payload)) = render(&ctx, s, viewer.as_ref(), &event).await {
                                let mut stream_name = vec![s.name().to_string()];
                                if let Stream::Hashtag { tag, .. } = s {
                                    stream_name.push(tag.clone());
                                }
                                let msg = json!({ "stream": stream_name, "event": name, "payload": payload });
                                if session.text(msg.to_string()).await.is_err() { return; }
                            }
                        }
                    }
                    Err(RecvError::Lagged(_)) => continue,
                    Err(RecvError::Closed) => break,
                },
            }
        }
        let _ = session.close(None).await;
    });
    Ok(response)
}
