//! OAuth 2 endpoints: app registration, token, revoke, the authorization (login + consent)
//! page, and the server metadata document.

use crate::extract::{Authed, Params};
use crate::layout::{self, alert, csrf_field};
use crate::limits::ClientAddr;
use crate::web::session::Viewer;
use crate::ApiError;
use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use interspace_app::oauth::{self, OAuthCode, OauthAppExt, TokenRequest, OOB};
use interspace_app::{AppContext, AppError};
use maud::html;
use serde_json::json;

pub async fn create_app(ctx: web::Data<AppContext>, p: Params) -> Result<HttpResponse, ApiError> {
    let name = p.string("client_name")?.unwrap_or_default();
    let mut uris = p.list("redirect_uris");
    if uris.is_empty() {
        uris = p.list("redirect_uri");
    }
    if uris.is_empty() {
        uris.push(OOB.to_string());
    }
    let registered = oauth::register_app(
        &ctx,
        oauth::NewApp {
            name,
            redirect_uris: uris,
            scopes: p.string("scopes")?,
            website: p.string("website")?,
        },
    )
    .await?;
    let app = &registered.app;
    let uris = app.redirect_uri_list();
    Ok(HttpResponse::Ok().json(json!({
        "id": app.id,
        "name": app.name,
        "website": app.website,
        "scopes": app.scope_set().iter().collect::<Vec<_>>(),
        "redirect_uri": uris.join("\n"),
        "redirect_uris": uris,
        "client_id": app.client_id,
        "client_secret": registered.client_secret,
        "client_secret_expires_at": 0,
        "vapid_key": interspace_app::push::vapid(&ctx).await?.public_key,
    })))
}

pub async fn verify_app(
    ctx: web::Data<AppContext>,
    auth: Authed,
) -> Result<HttpResponse, ApiError> {
    let app = match &auth.0.token.app_id {
        Some(id) => oauth::find_app(&ctx, id).await?,
        None => None,
    }
    .ok_or(ApiError::NotFound)?;
    Ok(HttpResponse::Ok().json(json!({
        "id": app.id,
        "name": app.name,
        "website": app.website,
        "scopes": app.scope_set().iter().collect::<Vec<_>>(),
        "redirect_uri": app.redirect_uri_list().join("\n"),
        "redirect_uris": app.redirect_uri_list(),
        "vapid_key": interspace_app::push::vapid(&ctx).await?.public_key,
    })))
}

/// Client credentials from the body or from HTTP Basic authentication.
fn token_request(
    req: &HttpRequest,
    p: &Params,
    client_addr: String,
) -> Result<TokenRequest, ApiError> {
    let mut t = TokenRequest {
        grant_type: p.string("grant_type")?.unwrap_or_default(),
        client_id: p.string("client_id")?,
        client_secret: p.string("client_secret")?,
        scope: p.string("scope")?.or(p.string("scopes")?),
        username: p.string("username")?,
        password: p.string("password")?,
        code: p.string("code")?,
        redirect_uri: p.string("redirect_uri")?,
        code_verifier: p.string("code_verifier")?,
        refresh_token: p.string("refresh_token")?,
        client_addr,
    };
    if let Some(basic) = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
    {
        let decoded = base64_decode(basic.trim())
            .ok_or_else(|| ApiError::BadRequest("bad Basic authorization".into()))?;
        if let Some((id, secret)) = decoded.split_once(':') {
            let id = url::form_urlencoded::parse(format!("a={id}").as_bytes())
                .next()
                .map(|(_, v)| v.into_owned());
            let secret = url::form_urlencoded::parse(format!("a={secret}").as_bytes())
                .next()
                .map(|(_, v)| v.into_owned());
            t.client_id = t.client_id.or(id);
            t.client_secret = t.client_secret.or(secret);
        }
    }
    Ok(t)
}

/// Standard base64 decoding, for HTTP Basic credentials.
pub(crate) fn base64_decode(s: &str) -> Option<String> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut bits: u32 = 0;
    let mut n = 0;
    let mut out = Vec::new();
    for c in s.bytes().filter(|c| *c != b'=') {
        let v = ALPHABET.iter().position(|a| *a == c)? as u32;
        bits = (bits << 6) | v;
        n += 6;
        if n >= 8 {
            n -= 8;
            out.push((bits >> n) as u8);
            bits &= (1 << n) - 1;
        }
    }
    String::from_utf8(out).ok()
}

pub async fn token(
    ctx: web::Data<AppContext>,
    req: HttpRequest,
    from: ClientAddr,
    p: Params,
) -> Result<HttpResponse, ApiError> {
    let t = token_request(&req, &p, from.0)?;
    let issued = oauth::token(&ctx, t).await?;
    let mut body = json!({
        "access_token": issued.access_token,
        "token_type": "Bearer",
        "scope": issued.scope,
        "created_at": issued.created_at,
    });
    if let Some(r) = issued.refresh_token {
        body["refresh_token"] = json!(r);
    }
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(body))
}

pub async fn revoke(
    ctx: web::Data<AppContext>,
    req: HttpRequest,
    from: ClientAddr,
    p: Params,
) -> Result<HttpResponse, ApiError> {
    let t = token_request(&req, &p, from.0)?;
    let token = p
        .string("token")?
        .ok_or_else(|| ApiError::OAuth(OAuthCode::InvalidRequest, "token is required".into()))?;
    oauth::revoke(&ctx, &t, &token).await?;
    Ok(HttpResponse::Ok().json(json!({})))
}

pub async fn metadata(ctx: web::Data<AppContext>) -> HttpResponse {
    let u = ctx.urls();
    HttpResponse::Ok().json(json!({
        "issuer": u.base(),
        "service_documentation": "https://docs.joinmastodon.org/",
        "authorization_endpoint": u.path("/oauth/authorize"),
        "token_endpoint": u.path("/oauth/token"),
        "revocation_endpoint": u.path("/oauth/revoke"),
        "app_registration_endpoint": u.path("/api/v1/apps"),
        "scopes_supported": ["read", "write", "follow", "push", "profile", "read:accounts", "read:statuses",
            "read:notifications", "read:follows", "read:favourites", "read:bookmarks", "read:search",
            "write:accounts", "write:statuses", "write:media", "write:follows", "write:favourites",
            "write:bookmarks", "write:notifications", "read:spaces", "write:spaces", "read:events",
            "write:events", "read:visits", "write:visits", "read:opportunities", "write:opportunities",
            "admin:space"],
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", "password", "client_credentials", "refresh_token"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
        "code_challenge_methods_supported": ["S256"],
    }))
}

/// The consent page: a signed-in browser only confirms; otherwise the person signs in here.
fn consent(
    ctx: &AppContext,
    viewer: &Viewer,
    p: &Params,
    request: &oauth::AuthorizeRequest,
    error: Option<&str>,
) -> HttpResponse {
    let frame = viewer.frame();
    let app = &request.app.name;
    let scopes = request.scopes.as_string();
    let main = html! {
        h1 { "Authorize " (app) }
        @if let Some(me) = &viewer.signed_in {
            p { strong { (app) } " asks for access to your account " strong { "@" (me.member.account.username) "@" (ctx.urls().domain()) } " with the scopes " code { (scopes) } "." }
        } @else {
            p { strong { (app) } " asks for access to your account on " (ctx.urls().domain()) " with the scopes " code { (scopes) } "." }
        }
        (alert(error))
        form.stack method="post" action="/oauth/authorize" {
            @for k in ["client_id", "redirect_uri", "scope", "state", "code_challenge", "code_challenge_method", "response_type"] {
                @if let Some(v) = p.str(k) { input type="hidden" name=(k) value=(v); }
            }
            (csrf_field(frame.csrf))
            @if viewer.signed_in.is_none() {
                div {
                    label for="username" { "Username or e-mail" }
                    input #username name="username" autocomplete="username" required;
                }
                div {
                    label for="password" { "Password" }
                    input #password name="password" type="password" autocomplete="current-password" required;
                }
            }
            div { button type="submit" { "Authorize" } }
        }
    };
    // The form leads to the app's redirect URI: allow that origin as a form target.
    let target = url::Url::parse(&request.redirect_uri)
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https"))
        .map(|u| format!(" {}", u.origin().ascii_serialization()))
        .unwrap_or_default();
    let body = layout::document(&frame, "Authorize", main);
    viewer.finish(layout::secure(HttpResponse::Ok(), &target).body(body))
}

pub async fn authorize_form(
    ctx: web::Data<AppContext>,
    viewer: Viewer,
    p: Params,
) -> Result<HttpResponse, ApiError> {
    let request = validate(&ctx, &p).await?;
    Ok(consent(&ctx, &viewer, &p, &request, None))
}

async fn validate(ctx: &AppContext, p: &Params) -> Result<oauth::AuthorizeRequest, ApiError> {
    Ok(oauth::validate_authorize(
        ctx,
        &p.str("client_id").unwrap_or_default(),
        &p.str("redirect_uri").unwrap_or_default(),
        &p.str("response_type").unwrap_or_else(|| "code".into()),
        p.str("scope").as_deref(),
        p.str("code_challenge").as_deref(),
        p.str("code_challenge_method").as_deref(),
    )
    .await?)
}

pub async fn authorize_submit(
    ctx: web::Data<AppContext>,
    viewer: Viewer,
    from: ClientAddr,
    p: Params,
) -> Result<HttpResponse, ApiError> {
    let request = validate(&ctx, &p).await?;
    viewer.check(&p).map_err(|_| {
        AppError::Forbidden("The form expired; reload the page and try again".into())
    })?;
    let user = match (&viewer.signed_in, p.str("password")) {
        (Some(me), None) => me.member.user.clone(),
        (_, password) => match oauth::check_password(
            &ctx,
            &p.str("username").unwrap_or_default(),
            &password.unwrap_or_default(),
            &from.0,
        )
        .await
        {
            Ok((user, _)) => user,
            Err(AppError::BadCredentials(msg)) | Err(AppError::RateLimited(msg)) => {
                return Ok(consent(&ctx, &viewer, &p, &request, Some(&msg)));
            }
            Err(e) => return Err(e.into()),
        },
    };
    let code = oauth::grant_code(&ctx, &request, &user).await?;
    if request.redirect_uri == OOB {
        let frame = viewer.frame();
        let main = html! {
            h1 { "Authorization code" }
            p { "Copy this code into " (request.app.name) ":" }
            p { code #code { (code) } }
        };
        return Ok(layout::page(&frame, "Authorization code", main));
    }
    let mut target =
        url::Url::parse(&request.redirect_uri).map_err(|e| ApiError::BadRequest(e.to_string()))?;
    target.query_pairs_mut().append_pair("code", &code);
    if let Some(state) = p.str("state") {
        target.query_pairs_mut().append_pair("state", &state);
    }
    Ok(HttpResponse::Found()
        .insert_header((header::LOCATION, target.to_string()))
        .finish())
}
