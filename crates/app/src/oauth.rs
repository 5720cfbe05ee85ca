//! OAuth 2: client registration, grants (authorization code with PKCE, password, client
//! credentials, refresh token), revocation and token authentication.

use crate::{AppContext, AppError, AppResult};
use chrono::Duration;
use interspace_core::ids::{new_id, random_hex};
use interspace_core::scopes::Scopes;
use interspace_core::ValidationError;
use interspace_db::accounts::Account;
use interspace_db::oauth::{self as db_oauth, OauthApp, OauthCode, OauthToken};
use interspace_db::users::{self as db_users, User};
use interspace_db::{accounts as db_accounts, now};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

pub const OOB: &str = "urn:ietf:wg:oauth:2.0:oob";
const CODE_LIFETIME_MINUTES: i64 = 10;

/// RFC 6749's error codes (section 5.2) for what the OAuth endpoints refuse.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OAuthCode {
    InvalidRequest,
    InvalidClient,
    InvalidGrant,
    InvalidScope,
    UnsupportedGrantType,
}

impl OAuthCode {
    pub const fn as_str(self) -> &'static str {
        match self {
            OAuthCode::InvalidRequest => "invalid_request",
            OAuthCode::InvalidClient => "invalid_client",
            OAuthCode::InvalidGrant => "invalid_grant",
            OAuthCode::InvalidScope => "invalid_scope",
            OAuthCode::UnsupportedGrantType => "unsupported_grant_type",
        }
    }
}

/// The OAuth use-cases' error: a refusal with its RFC 6749 code, or any use-case error.
#[derive(Debug, thiserror::Error)]
pub enum OAuthError {
    #[error("{1}")]
    Refused(OAuthCode, String),
    #[error(transparent)]
    App(AppError),
}

/// A sign-in refused in a grant is RFC 6749's `invalid_grant`; everything else stays itself.
impl From<AppError> for OAuthError {
    fn from(e: AppError) -> Self {
        match e {
            AppError::BadCredentials(m) => OAuthError::Refused(OAuthCode::InvalidGrant, m),
            other => OAuthError::App(other),
        }
    }
}

impl OAuthError {
    fn refused(code: OAuthCode, message: impl Into<String>) -> Self {
        OAuthError::Refused(code, message.into())
    }
}

impl From<interspace_db::DbError> for OAuthError {
    fn from(e: interspace_db::DbError) -> Self {
        OAuthError::App(e.into())
    }
}

impl From<interspace_core::ValidationError> for OAuthError {
    fn from(e: interspace_core::ValidationError) -> Self {
        OAuthError::App(e.into())
    }
}

pub type OAuthResult<T> = Result<T, OAuthError>;

/// SHA-256 as lowercase hex: what we store instead of secrets.
pub fn hash_secret(secret: &str) -> String {
    openssl::sha::sha256(secret.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn b64url(bytes: &[u8]) -> String {
    openssl::base64::encode_block(bytes)
        .trim_end_matches('=')
        .replace('+', "-")
        .replace('/', "_")
}

/// Compares secrets in constant time (for equal lengths; lengths are not secret here).
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len() && openssl::memcmp::eq(a.as_bytes(), b.as_bytes())
}

/// Sign-in attempts per client address and name: at most `MAX_FAILURES` that did not succeed
/// in `WINDOW`, then 429. Keyed by both, so that failures from one address never lock the
/// owner of a name out from another. An attempt is counted when it starts (check and count
/// under one lock: parallel attempts cannot all pass the check), and forgotten on success.
#[derive(Default)]
pub struct LoginLimiter {
    attempts: Mutex<HashMap<String, Vec<Instant>>>,
}

const MAX_FAILURES: usize = 10;
const WINDOW: std::time::Duration = std::time::Duration::from_secs(15 * 60);

impl LoginLimiter {
    fn begin(&self, key: &str) -> AppResult<()> {
        let mut map = self
            .attempts
            .lock()
            .map_err(|_| AppError::Internal("limiter".into()))?;
        // Keep the map small: forget keys with nothing recent.
        if map.len() > 10_000 {
            map.retain(|_, v| v.iter().any(|t| t.elapsed() < WINDOW));
        }
        let entry = map.entry(key.to_string()).or_default();
        entry.retain(|t| t.elapsed() < WINDOW);
        if entry.len() >= MAX_FAILURES {
            return Err(AppError::RateLimited(
                "Too many failed logins, try again later".into(),
            ));
        }
        entry.push(Instant::now());
        Ok(())
    }

    fn succeed(&self, key: &str) {
        if let Ok(mut map) = self.attempts.lock() {
            map.remove(key);
        }
    }
}

#[derive(Debug, Clone)]
pub struct NewApp {
    pub name: String,
    pub redirect_uris: Vec<String>,
    pub scopes: Option<String>,
    pub website: Option<String>,
}

#[derive(Debug, Clone)]
pub struct RegisteredApp {
    pub app: OauthApp,
    /// Shown once, at registration.
    pub client_secret: String,
}

impl OauthAppExt for OauthApp {
    fn redirect_uri_list(&self) -> Vec<String> {
        self.redirect_uris.lines().map(str::to_string).collect()
    }
    fn scope_set(&self) -> Scopes {
        Scopes::parse(&self.scopes).unwrap_or_default()
    }
}

pub trait OauthAppExt {
    fn redirect_uri_list(&self) -> Vec<String>;
    fn scope_set(&self) -> Scopes;
}

fn valid_redirect_uri(uri: &str) -> bool {
    if uri == OOB {
        return true;
    }
    match url::Url::parse(uri) {
        // Native apps use their own schemes (e.g. `myapp://callback`); no fragments.
        Ok(u) => u.fragment().is_none() && !matches!(u.scheme(), "javascript" | "data" | "file"),
        Err(_) => false,
    }
}

pub async fn register_app(ctx: &AppContext, new: NewApp) -> AppResult<RegisteredApp> {
    let name = new.name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(ValidationError::new("client_name", "must be 1 to 200 characters long").into());
    }
    let uris: Vec<String> = new
        .redirect_uris
        .iter()
        .flat_map(|u| u.split(['\n', ' ']))
        .map(str::trim)
        .filter(|u| !u.is_empty())
        .map(String::from)
        .collect();
    if uris.is_empty() || uris.len() > 10 {
        return Err(ValidationError::new("redirect_uris", "give 1 to 10 redirect URIs").into());
    }
    if let Some(bad) = uris
        .iter()
        .find(|u| !valid_redirect_uri(u) || u.len() > 2000)
    {
        return Err(ValidationError::new(
            "redirect_uris",
            format!("'{bad}' is not a valid redirect URI"),
        )
        .into());
    }
    let scopes = Scopes::parse(new.scopes.as_deref().unwrap_or("read"))?;
    let scopes = if scopes.is_empty() {
        Scopes::parse("read")?
    } else {
        scopes
    };
    let client_secret = random_hex(32);
    let app = OauthApp {
        id: new_id(),
        name: name.to_string(),
        // Shown as a link: http(s) only, anything else is dropped.
        website: new
            .website
            .as_deref()
            .and_then(interspace_core::urls::http_url),
        redirect_uris: uris.join("\n"),
        scopes: scopes.as_string(),
        client_id: random_hex(24),
        client_secret_hash: hash_secret(&client_secret),
        created_at: now(),
    };
    let mut conn = ctx.db.get().await?;
    db_oauth::insert_app(&mut conn, &app).await?;
    Ok(RegisteredApp { app, client_secret })
}

/// What a bearer token stands for.
#[derive(Debug, Clone)]
pub struct Auth {
    pub token: OauthToken,
    pub scopes: Scopes,
    /// `None` for client-credentials tokens.
    pub user: Option<(User, Account)>,
}

impl Auth {
    pub fn require(&self, scope: &str) -> AppResult<()> {
        if self.scopes.allows(scope) {
            Ok(())
        } else {
            Err(AppError::Forbidden(
                "This action is outside the authorized scopes".into(),
            ))
        }
    }

    /// The signed-in user, or 422 as Mastodon answers app-only tokens on user endpoints.
    pub fn user(&self) -> AppResult<&(User, Account)> {
        self.user.as_ref().ok_or_else(|| {
            AppError::Unprocessable("This method requires an authenticated user".into())
        })
    }

    pub fn account(&self) -> AppResult<&Account> {
        Ok(&self.user()?.1)
    }
}

/// The token behind a bearer string, if it is live and its user may act.
pub async fn authenticate(ctx: &AppContext, bearer: &str) -> AppResult<Auth> {
    let invalid = || AppError::Unauthorized("The access token is invalid".into());
    if bearer.is_empty() || bearer.len() > 200 {
        return Err(invalid());
    }
    let mut conn = ctx.db.get().await?;
    let (token, user) = db_oauth::find_live_token(&mut conn, &hash_secret(bearer))
        .await?
        .ok_or_else(invalid)?;
    if let Some((u, a)) = &user {
        if u.disabled || a.suspended_at.is_some() {
            return Err(AppError::Unauthorized(
                "Your login is currently disabled".into(),
            ));
        }
        if !u.approved {
            return Err(AppError::Forbidden(
                "Your login is currently pending approval".into(),
            ));
        }
    }
    // When the token was last used (the "authorized apps" page, the active-member counts),
    // written at most once an hour.
    let ts = now();
    if token
        .last_used_at
        .is_none_or(|t| ts - t > chrono::Duration::hours(1))
    {
        db_oauth::touch_token(&mut conn, &token.id, ts).await?;
    }
    let scopes = Scopes::parse(&token.scopes).unwrap_or_default();
    Ok(Auth {
        token,
        scopes,
        user,
    })
}

#[derive(Debug, Clone)]
pub struct IssuedToken {
    pub access_token: String,
    pub refresh_token: Option<String>,
    pub scope: String,
    pub created_at: i64,
}

/// The parameters of `POST /oauth/token`.
#[derive(Debug, Clone, Default)]
pub struct TokenRequest {
    pub grant_type: String,
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
    pub scope: Option<String>,
    pub username: Option<String>,
    pub password: Option<String>,
    pub code: Option<String>,
    pub redirect_uri: Option<String>,
    pub code_verifier: Option<String>,
    pub refresh_token: Option<String>,
    /// The client's address, for the sign-in limit of the password grant.
    pub client_addr: String,
}

async fn client(
    ctx: &AppContext,
    req: &TokenRequest,
    secret_required: bool,
) -> OAuthResult<OauthApp> {
    let bad = || OAuthError::refused(OAuthCode::InvalidClient, "Client authentication failed");
    let client_id = req.client_id.as_deref().ok_or_else(bad)?;
    let mut conn = ctx.db.get().await?;
    let app = db_oauth::find_app_by_client_id(&mut conn, client_id)
        .await?
        .ok_or_else(bad)?;
    match req.client_secret.as_deref() {
        Some(secret) if constant_time_eq(&hash_secret(secret), &app.client_secret_hash) => Ok(app),
        None if !secret_required => Ok(app),
        _ => Err(bad()),
    }
}

/// Requested scopes, which must lie within the app's; default: the app's first scope set.
fn requested_scopes(req: Option<&str>, app: &OauthApp) -> OAuthResult<Scopes> {
    let app_scopes = app.scope_set();
    let scopes = match req.map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => {
            Scopes::parse(s).map_err(|e| OAuthError::refused(OAuthCode::InvalidScope, e.reason))?
        }
        None => app_scopes.clone(),
    };
    if !scopes.is_subset_of(&app_scopes) {
        return Err(OAuthError::refused(
            OAuthCode::InvalidScope,
            "The requested scope is invalid, unknown, or malformed",
        ));
    }
    Ok(scopes)
}

async fn issue(
    ctx: &AppContext,
    app_id: Option<String>,
    user_id: Option<String>,
    scopes: &Scopes,
    refresh: bool,
) -> AppResult<IssuedToken> {
    let access = random_hex(32);
    let refresh_token = refresh.then(|| random_hex(32));
    let ts = now();
    let token = OauthToken {
        id: new_id(),
        token_hash: hash_secret(&access),
        refresh_token_hash: refresh_token.as_deref().map(hash_secret),
        app_id,
        user_id,
        scopes: scopes.as_string(),
        created_at: ts,
        last_used_at: None,
        revoked_at: None,
    };
    let mut conn = ctx.db.get().await?;
    db_oauth::insert_token(&mut conn, &token).await?;
    Ok(IssuedToken {
        access_token: access,
        refresh_token,
        scope: scopes.as_string(),
        created_at: ts.and_utc().timestamp(),
    })
}

/// Checks a username-or-email and password, with the login rate limit for attempts `from`
/// one client address.
pub async fn check_password(
    ctx: &AppContext,
    login: &str,
    password: &str,
    from: &str,
) -> AppResult<(User, Account)> {
    let login = login.trim().to_lowercase();
    let key = format!("{from} {login}");
    ctx.logins.begin(&key)?;
    let mut conn = ctx.db.get().await?;
    let found = if login.contains('@') {
        match db_users::find_user_by_email(&mut conn, &login).await? {
            Some(u) => db_accounts::find_account_by_id(&mut conn, &u.account_id)
                .await?
                .map(|a| (u, a)),
            None => None,
        }
    } else {
        db_users::find_user_by_username(&mut conn, &login).await?
    };
    drop(conn);
    // Unknown names cost the same, under the same bound, so they cannot be told apart.
    let stored = found.as_ref().map(|(u, _)| u.password_hash.as_str());
    let ok = ctx.passwords.verify(password, stored).await?;
    match found {
        Some((u, a)) if ok => {
            ctx.logins.succeed(&key);
            if u.disabled || a.suspended_at.is_some() {
                return Err(AppError::BadCredentials(
                    "Your login is currently disabled".into(),
                ));
            }
            if !u.approved {
                return Err(AppError::BadCredentials(
                    "Your login is currently pending approval".into(),
                ));
            }
            Ok((u, a))
        }
        _ => Err(AppError::BadCredentials(
            "Invalid username or password".into(),
        )),
    }
}

pub async fn token(ctx: &AppContext, req: TokenRequest) -> OAuthResult<IssuedToken> {
    match req.grant_type.as_str() {
        "password" => {
            let app = client(ctx, &req, true).await?;
            let scopes = requested_scopes(req.scope.as_deref(), &app)?;
            let (user, _) = check_password(
                ctx,
                req.username.as_deref().unwrap_or(""),
                req.password.as_deref().unwrap_or(""),
                &req.client_addr,
            )
            .await?;
            Ok(issue(ctx, Some(app.id), Some(user.id), &scopes, true).await?)
        }
        "client_credentials" => {
            let app = client(ctx, &req, true).await?;
            let scopes = requested_scopes(req.scope.as_deref(), &app)?;
            Ok(issue(ctx, Some(app.id), None, &scopes, false).await?)
        }
        "authorization_code" => {
            // With PKCE, a public client may omit its secret.
            let app = client(ctx, &req, req.code_verifier.is_none()).await?;
            let invalid = || {
                OAuthError::refused(
                    OAuthCode::InvalidGrant,
                    "The authorization code is invalid, expired or used",
                )
            };
            let code = req.code.as_deref().ok_or_else(invalid)?;
            let mut tx = ctx.db.begin().await?;
            let stored = db_oauth::find_code_by_hash(&mut tx, &hash_secret(code))
                .await?
                .ok_or_else(invalid)?;
            if stored.app_id != app.id || stored.expires_at < now() {
                return Err(invalid());
            }
            if req.redirect_uri.as_deref() != Some(stored.redirect_uri.as_str()) {
                return Err(OAuthError::refused(
                    OAuthCode::InvalidGrant,
                    "redirect_uri does not match the authorization request",
                ));
            }
            match (&stored.code_challenge, req.code_verifier.as_deref()) {
                (Some(challenge), Some(verifier)) => {
                    let computed = b64url(&openssl::sha::sha256(verifier.as_bytes()));
                    if !constant_time_eq(&computed, challenge) {
                        return Err(OAuthError::refused(
                            OAuthCode::InvalidGrant,
                            "code_verifier does not match",
                        ));
                    }
                }
                (Some(_), None) => {
                    return Err(OAuthError::refused(
                        OAuthCode::InvalidGrant,
                        "code_verifier is required",
                    ))
                }
                (None, Some(_)) => {
                    return Err(OAuthError::refused(
                        OAuthCode::InvalidGrant,
                        "no code_challenge was given",
                    ))
                }
                (None, None) => {}
            }
            if !db_oauth::use_code(&mut tx, &stored.id, now()).await? {
                return Err(invalid());
            }
            tx.commit().await?;
            let scopes = Scopes::parse(&stored.scopes)?;
            Ok(issue(ctx, Some(app.id), Some(stored.user_id), &scopes, true).await?)
        }
        "refresh_token" => {
            let app = client(ctx, &req, true).await?;
            let invalid =
                || OAuthError::refused(OAuthCode::InvalidGrant, "The refresh token is invalid");
            let refresh = req.refresh_token.as_deref().ok_or_else(invalid)?;
            let mut tx = ctx.db.begin().await?;
            let old = db_oauth::find_token_by_refresh_hash(&mut tx, &hash_secret(refresh))
                .await?
                .ok_or_else(invalid)?;
            if old.app_id.as_deref() != Some(app.id.as_str()) {
                return Err(invalid());
            }
            db_oauth::revoke_token(&mut tx, &old.id, now()).await?;
            tx.commit().await?;
            let scopes = Scopes::parse(&old.scopes)?;
            Ok(issue(ctx, old.app_id, old.user_id, &scopes, true).await?)
        }
        "" => Err(OAuthError::refused(
            OAuthCode::InvalidRequest,
            "grant_type is required",
        )),
        other => Err(OAuthError::refused(
            OAuthCode::UnsupportedGrantType,
            format!("'{other}' is not supported"),
        )),
    }
}

/// Revokes a token (RFC 7009: unknown tokens are fine; another client's is not).
pub async fn revoke(ctx: &AppContext, req: &TokenRequest, token: &str) -> OAuthResult<()> {
    let app = client(ctx, req, true).await?;
    let mut conn = ctx.db.get().await?;
    if let Some(t) = db_oauth::find_token_by_hash(&mut conn, &hash_secret(token)).await? {
        if t.app_id.as_deref() != Some(app.id.as_str()) {
            return Err(
                AppError::Forbidden("You are not authorized to revoke this token".into()).into(),
            );
        }
        db_oauth::revoke_token(&mut conn, &t.id, now()).await?;
    }
    Ok(())
}

/// An authorization request as validated before the login form is shown.
#[derive(Debug, Clone)]
pub struct AuthorizeRequest {
    pub app: OauthApp,
    pub redirect_uri: String,
    pub scopes: Scopes,
    pub state: Option<String>,
    pub code_challenge: Option<String>,
}

pub async fn validate_authorize(
    ctx: &AppContext,
    client_id: &str,
    redirect_uri: &str,
    response_type: &str,
    scope: Option<&str>,
    code_challenge: Option<&str>,
    code_challenge_method: Option<&str>,
) -> OAuthResult<AuthorizeRequest> {
    if response_type != "code" {
        return Err(OAuthError::refused(
            OAuthCode::UnsupportedGrantType,
            "response_type must be code",
        ));
    }
    let mut conn = ctx.db.get().await?;
    let app = db_oauth::find_app_by_client_id(&mut conn, client_id)
        .await?
        .ok_or_else(|| OAuthError::refused(OAuthCode::InvalidClient, "Unknown client_id"))?;
    // Exact match against a registered URI, at every step.
    if !app.redirect_uri_list().iter().any(|u| u == redirect_uri) {
        return Err(OAuthError::refused(
            OAuthCode::InvalidRequest,
            "redirect_uri is not registered for this application",
        ));
    }
    let scopes = requested_scopes(scope, &app)?;
    let code_challenge = match (
        code_challenge.filter(|c| !c.is_empty()),
        code_challenge_method,
    ) {
        (None, _) => None,
        (Some(c), Some("S256")) if (43..=128).contains(&c.len()) => Some(c.to_string()),
        (Some(_), Some("S256")) => {
            return Err(OAuthError::refused(
                OAuthCode::InvalidRequest,
                "code_challenge must be 43 to 128 characters",
            ))
        }
        (Some(_), _) => {
            return Err(OAuthError::refused(
                OAuthCode::InvalidRequest,
                "code_challenge_method must be S256",
            ))
        }
    };
    Ok(AuthorizeRequest {
        app,
        redirect_uri: redirect_uri.to_string(),
        scopes,
        state: None,
        code_challenge,
    })
}

/// Issues a single-use code (10 minutes) for a user who approved the request.
pub async fn grant_code(
    ctx: &AppContext,
    req: &AuthorizeRequest,
    user: &User,
) -> AppResult<String> {
    let code = random_hex(32);
    let ts = now();
    let row = OauthCode {
        id: new_id(),
        code_hash: hash_secret(&code),
        app_id: req.app.id.clone(),
        user_id: user.id.clone(),
        redirect_uri: req.redirect_uri.clone(),
        scopes: req.scopes.as_string(),
        code_challenge: req.code_challenge.clone(),
        code_challenge_method: req.code_challenge.as_ref().map(|_| "S256".to_string()),
        expires_at: ts + Duration::minutes(CODE_LIFETIME_MINUTES),
        used_at: None,
        created_at: ts,
    };
    let mut conn = ctx.db.get().await?;
    db_oauth::insert_code(&mut conn, &row).await?;
    Ok(code)
}

pub async fn find_app(ctx: &AppContext, id: &str) -> AppResult<Option<OauthApp>> {
    let mut conn = ctx.db.get().await?;
    Ok(db_oauth::find_app_by_id(&mut conn, id).await?)
}

/// A token for a freshly registered user, with the registering app's scopes.
pub async fn issue_for_user(
    ctx: &AppContext,
    app_token: &Auth,
    user_id: &str,
) -> AppResult<IssuedToken> {
    issue(
        ctx,
        app_token.token.app_id.clone(),
        Some(user_id.to_string()),
        &app_token.scopes,
        true,
    )
    .await
}
