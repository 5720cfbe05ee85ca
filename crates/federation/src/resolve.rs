//! The network side of `app`: WebFinger and signed actor fetches.

use crate::http_client::HttpClient;
use crate::objects::actor::DbActor;
use crate::FederationError;
use activitypub_federation::config::FederationConfig;
use activitypub_federation::fetch::object_id::ObjectId;
use interspace_app::{accounts, domains, Account, AppContext, AppError, AppResult, Resolver};
use interspace_core::ValidationError;
use serde::Deserialize;
use url::Url;

/// Largest WebFinger answer we read.
const MAX_JRD_BYTES: usize = 256 * 1024;

pub struct FederationResolver {
    config: FederationConfig<AppContext>,
    client: HttpClient,
    allow_http: bool,
}

#[derive(Deserialize)]
struct Jrd {
    #[serde(default)]
    links: Vec<JrdLink>,
}

#[derive(Deserialize)]
struct JrdLink {
    rel: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
    href: Option<String>,
    template: Option<String>,
}

/// The `rel` of the link to a server's remote-interaction page (OStatus' name, kept by Mastodon).
pub const SUBSCRIBE_REL: &str = "http://ostatus.org/schema/1.0/subscribe";

impl FederationResolver {
    pub fn new(config: FederationConfig<AppContext>, client: HttpClient, allow_http: bool) -> Self {
        Self {
            config,
            client,
            allow_http,
        }
    }

    /// The JRD that WebFinger answers for `user@domain`.
    async fn webfinger(&self, acct: &str, domain: &str) -> AppResult<Jrd> {
        let scheme = if self.allow_http { "http" } else { "https" };
        let base = Url::parse(&format!("{scheme}://{domain}/"))
            .ok()
            .filter(|u| {
                u.path() == "/"
                    && u.username().is_empty()
                    && u.query().is_none()
                    && u.host_str().is_some()
            })
            .ok_or_else(|| ValidationError::new("acct", format!("'{domain}' is not a domain")))?;
        let mut url = base
            .join("/.well-known/webfinger")
            .map_err(|e| AppError::Internal(e.to_string()))?;
        url.query_pairs_mut()
            .append_pair("resource", &format!("acct:{acct}"));
        let res = self
            .client
            .get(url)
            .header("Accept", "application/jrd+json, application/json")
            .send()
            .await
            .map_err(|e| AppError::Remote(format!("WebFinger of {domain} failed: {e}")))?;
        match res.status().as_u16() {
            200..=299 => {}
            404 | 410 => return Err(AppError::NotFound("remote account")),
            other => {
                return Err(AppError::Remote(format!(
                    "WebFinger of {domain} answered {other}"
                )))
            }
        }
        let mut body = Vec::new();
        let mut res = res;
        while let Some(chunk) = res
            .chunk()
            .await
            .map_err(|e| AppError::Remote(format!("WebFinger of {domain}: {e}")))?
        {
            body.extend_from_slice(&chunk);
            if body.len() > MAX_JRD_BYTES {
                return Err(AppError::Remote(format!(
                    "WebFinger answer of {domain} is too large"
                )));
            }
        }
        serde_json::from_slice(&body)
            .map_err(|e| AppError::Remote(format!("WebFinger answer of {domain} is not JRD: {e}")))
    }

    /// The actor id that `user@domain` names, by WebFinger.
    async fn actor_id(&self, acct: &str, domain: &str) -> AppResult<Url> {
        let jrd = self.webfinger(acct, domain).await?;
        jrd.links
            .iter()
            .filter(|l| l.rel.as_deref() == Some("self"))
            .filter(|l| {
                l.kind.as_deref().is_some_and(|k| {
                    k.starts_with("application/activity+json")
                        || k.starts_with("application/ld+json")
                })
            })
            .find_map(|l| l.href.as_deref().and_then(|h| Url::parse(h).ok()))
            .filter(|u| matches!(u.scheme(), "http" | "https"))
            .ok_or_else(|| AppError::Remote(format!("WebFinger of {acct} has no ActivityPub link")))
    }
}

/// Nothing is fetched from a blocked domain.
async fn refuse_blocked(ctx: &AppContext, uri: &Url) -> AppResult<()> {
    if domains::is_blocked(ctx, &accounts::domain_of(uri)?).await? {
        return Err(AppError::NotFound("remote account"));
    }
    Ok(())
}

fn to_app(e: FederationError) -> AppError {
    match e {
        FederationError::App(e) => e,
        FederationError::Protocol(activitypub_federation::error::Error::NotFound)
        | FederationError::Protocol(activitypub_federation::error::Error::ObjectDeleted(_)) => {
            AppError::NotFound("remote account")
        }
        other => AppError::Remote(other.to_string()),
    }
}

/// `user@domain` split and checked.
fn split_acct(acct: &str) -> AppResult<(&str, &str)> {
    let acct = acct.trim().trim_start_matches('@');
    Ok(acct
        .split_once('@')
        .filter(|(u, d)| !u.is_empty() && !d.is_empty() && !d.contains('@'))
        .ok_or_else(|| ValidationError::new("acct", format!("'{acct}' is not user@domain")))?)
}

#[async_trait::async_trait]
impl Resolver for FederationResolver {
    async fn interaction_url(
        &self,
        ctx: &AppContext,
        acct: &str,
        target: &str,
    ) -> AppResult<String> {
        let (user, domain) = split_acct(acct)?;
        if domains::is_blocked(ctx, &domains::normalize(domain)?).await? {
            return Err(AppError::NotFound("remote account"));
        }
        let jrd = self.webfinger(&format!("{user}@{domain}"), domain).await?;
        let template = jrd
            .links
            .iter()
            .filter(|l| l.rel.as_deref() == Some(SUBSCRIBE_REL))
            .find_map(|l| l.template.clone())
            .filter(|t| t.contains("{uri}"))
            .ok_or_else(|| {
                AppError::Remote(format!("{domain} does not say where to follow from"))
            })?;
        let encoded: String = url::form_urlencoded::byte_serialize(target.as_bytes()).collect();
        let url = Url::parse(&template.replace("{uri}", &encoded))
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https"))
            .ok_or_else(|| AppError::Remote(format!("{domain} gave a bad follow address")))?;
        Ok(url.to_string())
    }

    async fn resolve_acct(&self, ctx: &AppContext, acct: &str) -> AppResult<Account> {
        let (user, domain) = split_acct(acct)?;
        let acct = acct.trim().trim_start_matches('@');
        if domain.eq_ignore_ascii_case(ctx.urls().domain()) {
            return accounts::get_local_by_username(ctx, &user.to_lowercase()).await;
        }
        if domains::is_blocked(ctx, &domains::normalize(domain)?).await? {
            return Err(AppError::NotFound("remote account"));
        }
        let id = self.actor_id(acct, domain).await?;
        self.resolve_actor(ctx, &id).await
    }

    async fn resolve_actor(&self, ctx: &AppContext, uri: &Url) -> AppResult<Account> {
        refuse_blocked(ctx, uri).await?;
        let data = self.config.to_request_data();
        let actor = ObjectId::<DbActor>::from(uri.clone())
            .dereference(&data)
            .await
            .map_err(to_app)?;
        Ok(actor.account)
    }

    async fn resolve_object(&self, ctx: &AppContext, uri: &Url) -> AppResult<()> {
        refuse_blocked(ctx, uri).await?;
        let data = self.config.to_request_data();
        crate::inbound::fetch_object(&data, uri.as_str())
            .await
            .map_err(to_app)
    }

    async fn refresh_actor(&self, ctx: &AppContext, uri: &Url) -> AppResult<Account> {
        refuse_blocked(ctx, uri).await?;
        let data = self.config.to_request_data();
        let actor = ObjectId::<DbActor>::from(uri.clone())
            .dereference_forced(&data)
            .await
            .map_err(to_app)?;
        Ok(actor.account)
    }
}
