//! Rendering shared by the Interspace API's handlers: one response's [`Page`] (accounts through
//! one Mastodon renderer, their counters loaded in batches, see [`Renderer::preload`]; each
//! space rendered once, however many events, visits or opportunities of a page name it), and
//! the Space entity that all of them embed.

use super::InterspaceError;
use crate::mastodon::entities::{AccountEntity, Renderer};
use interspace_app::accounts::acct;
use interspace_app::spaces::{Location, Money, SpaceDetails, VisitPolicy};
use interspace_app::{Account, AppContext};
use serde::Serialize;
use std::collections::HashMap;

pub struct Page<'a> {
    pub ctx: &'a AppContext,
    pub accounts: Renderer<'a>,
    spaces: HashMap<String, SpaceEntity>,
}

impl<'a> Page<'a> {
    pub fn new(ctx: &'a AppContext) -> Self {
        Self {
            ctx,
            accounts: Renderer::new(ctx),
            spaces: HashMap::new(),
        }
    }

    pub async fn account(&mut self, a: &Account) -> Result<AccountEntity, InterspaceError> {
        Ok(self.accounts.account(a).await?)
    }

    /// Loads the counters of every account among `accounts` in one batch.
    pub async fn preload<'b>(
        &mut self,
        accounts: impl IntoIterator<Item = &'b Account>,
    ) -> Result<(), InterspaceError> {
        Ok(self.accounts.preload(accounts).await?)
    }

    pub async fn space(&mut self, d: &SpaceDetails) -> Result<SpaceEntity, InterspaceError> {
        if let Some(s) = self.spaces.get(&d.space.id) {
            return Ok(s.clone());
        }
        let s = space_entity(self.ctx, &mut self.accounts, d).await?;
        self.spaces.insert(d.space.id.clone(), s.clone());
        Ok(s)
    }
}

/// The Interspace API's Space.
#[derive(Debug, Clone, Serialize)]
pub struct SpaceEntity {
    pub id: String,
    pub uri: String,
    pub url: String,
    pub handle: String,
    pub acct: String,
    pub name: String,
    pub summary: String,
    pub timezone: String,
    pub local: bool,
    pub account: AccountEntity,
    pub location: Location,
    pub hours: String,
    pub day_price: Option<Money>,
    pub visit_policy: VisitPolicy,
    pub opportunity_hashtag: Option<String>,
    pub members_count: i64,
    pub partners_count: usize,
}

/// A space, its Group's account rendered by `r`.
pub async fn space_entity(
    ctx: &AppContext,
    r: &mut Renderer<'_>,
    d: &SpaceDetails,
) -> Result<SpaceEntity, InterspaceError> {
    let a = &d.account;
    Ok(SpaceEntity {
        id: d.space.id.clone(),
        uri: a.uri.clone(),
        url: a.url.clone().unwrap_or_else(|| a.uri.clone()),
        handle: a.username.clone(),
        acct: if a.is_local() {
            format!("{}@{}", a.username, ctx.urls().domain())
        } else {
            acct(a)
        },
        name: a.display_name.clone(),
        summary: a.note.clone(),
        timezone: d.space.timezone.clone(),
        local: d.space.is_local,
        account: r.account(a).await?,
        location: d.location.clone(),
        hours: d.space.hours.clone(),
        day_price: d.day_price.clone(),
        visit_policy: d.visit_policy.clone(),
        opportunity_hashtag: d.space.opportunity_hashtag.clone(),
        members_count: d.members_count,
        partners_count: interspace_app::partnerships::partner_count(ctx, d).await?,
    })
}
