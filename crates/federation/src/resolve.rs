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

/// NodeInfo 2.x: the part we read.
#[derive(Deserialize)]
struct NodeInfo {
    software: NodeInfoSoftware,
}

#[derive(Deserialize)]
struct NodeInfoSoftware {
    name: String,
    version: Option<String>,
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

    /// `https://domain/` (`http` where allowed), refusing anything that is not a bare host.
    fn base(&self, domain: &str) -> AppResult<Url> {
        let scheme = if self.allow_http { "http" } else { "https" };
        Url::parse(&format!("{scheme}://{domain}/"))
            .ok()
            .filter(|u| {
                u.path() == "/"
                    && u.username().is_empty()
                    && u.query().is_none()
                    && u.host_str().is_some()
            })
            .ok_or_else(|| {
                ValidationError::new("acct", format!("'{domain}' is not a domain")).into()
            })
    }

    /// A small JSON document (at most [`MAX_JRD_BYTES`]) by a plain GET; `None` when the
    /// server answers 404 or 410. `what` names it in errors.
    async fn get_json<T: serde::de::DeserializeOwned>(
        &self,
        url: Url,
        accept: &str,
        what: &str,
    ) -> AppResult<Option<T>> {
        let mut res = self
            .client
            .get(url)
            .header("Accept", accept)
            .send()
            .await
            .map_err(|e| AppError::Remote(format!("{what} failed: {e}")))?;
        match res.status().as_u16() {
            200..=299 => {}
            404 | 410 => return Ok(None),
            other => return Err(AppError::Remote(format!("{what} answered {other}"))),
        }
        let mut body = Vec::new();
        while let Some(chunk) = res
            .chunk()
            .await
            .map_err(|e| AppError::Remote(format!("{what}: {e}")))?
        {
            body.extend_from_slice(&chunk);
            if body.len() > MAX_JRD_BYTES {
                return Err(AppError::Remote(format!("{what} is too large")));
            }
        }
        serde_json::from_slice(&body)
            .map(Some)
            .map_err(|e| AppError::Remote(format!("{what} is not what it should be: {e}")))
    }

    /// The JRD that WebFinger answers for `user@domain`.
    async fn webfinger(&self, acct: &str, domain: &str) -> AppResult<Jrd> {
        let mut url = self
            .base(domain)?
            .join("/.well-known/webfinger")
            .map_err(|e| AppError::Internal(e.to_string()))?;
        url.query_pairs_mut()
            .append_pair("resource", &format!("acct:{acct}"));
        self.get_json(
            url,
            "application/jrd+json, application/json",
            &format!("WebFinger of {domain}"),
        )
        .await?
        .ok_or(AppError::NotFound("remote account"))
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
    async fn software(&self, domain: &str) -> AppResult<Option<(String, Option<String>)>> {
        let base = self.base(domain)?;
        let well_known = base
            .join("/.well-known/nodeinfo")
            .map_err(|e| AppError::Internal(e.to_string()))?;
        let what = format!("NodeInfo of {domain}");
        let Some(index) = self
            .get_json::<Jrd>(well_known, "application/json", &what)
            .await?
        else {
            return Ok(None);
        };
        // The newest 2.x schema it links, on its own host.
        let Some(href) = index
            .links
            .iter()
            .filter(|l| {
                l.rel.as_deref().is_some_and(|r| {
                    r.starts_with("http://nodeinfo.diaspora.software/ns/schema/2.")
                })
            })
            .filter_map(|l| Some((l.rel.clone()?, Url::parse(l.href.as_deref()?).ok()?)))
            .filter(|(_, u)| u.host_str() == base.host_str() && u.port() == base.port())
            .max_by(|a, b| a.0.cmp(&b.0))
            .map(|(_, u)| u)
        else {
            return Ok(None);
        };
        let info = self
            .get_json::<NodeInfo>(href, "application/json", &what)
            .await?;
        Ok(info
            .map(|i| (i.software.name, i.software.version))
            .filter(|(name, _)| !name.is_empty() && name.len() <= 100))
    }

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
