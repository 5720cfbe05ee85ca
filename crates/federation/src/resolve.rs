//! The network side of `app`: WebFinger and signed actor fetches.

use crate::objects::actor::DbActor;
use crate::FederationError;
use activitypub_federation::config::FederationConfig;
use activitypub_federation::fetch::object_id::ObjectId;
use activitypub_federation::fetch::webfinger::webfinger_resolve_actor;
use interspace_app::{accounts, Account, AppContext, AppError, AppResult, Resolver};
use url::Url;

pub struct FederationResolver {
    config: FederationConfig<AppContext>,
}

impl FederationResolver {
    pub fn new(config: FederationConfig<AppContext>) -> Self {
        Self { config }
    }
}

fn to_app(e: FederationError) -> AppError {
    match e {
        FederationError::App(e) => e,
        FederationError::Protocol(activitypub_federation::error::Error::NotFound) => {
            AppError::NotFound("remote account")
        }
        FederationError::Protocol(activitypub_federation::error::Error::WebfingerResolveFailed(_)) => {
            AppError::NotFound("remote account")
        }
        other => AppError::Remote(other.to_string()),
    }
}

#[async_trait::async_trait]
impl Resolver for FederationResolver {
    async fn resolve_acct(&self, ctx: &AppContext, acct: &str) -> AppResult<Account> {
        let acct = acct.trim().trim_start_matches('@');
        let (user, domain) = acct
            .split_once('@')
            .filter(|(u, d)| !u.is_empty() && !d.is_empty() && !d.contains('@'))
            .ok_or_else(|| {
                AppError::Validation(interspace_core::ValidationError::new(
                    "acct",
                    format!("'{acct}' is not user@domain"),
                ))
            })?;
        if domain.eq_ignore_ascii_case(ctx.urls().domain()) {
            return accounts::get_local_by_username(ctx, user).await;
        }
        let data = self.config.to_request_data();
        let actor: DbActor = webfinger_resolve_actor::<AppContext, DbActor>(acct, &data)
            .await
            .map_err(to_app)?;
        Ok(actor.account)
    }

    async fn resolve_actor(&self, _ctx: &AppContext, uri: &Url) -> AppResult<Account> {
        let data = self.config.to_request_data();
        let actor = ObjectId::<DbActor>::from(uri.clone())
            .dereference(&data)
            .await
            .map_err(to_app)?;
        Ok(actor.account)
    }
}
