//! Mastodon API entities, named and shaped as in Mastodon's documentation.

use chrono::NaiveDateTime;
use interspace_app::accounts::{self, acct, AccountStats};
use interspace_app::follows::Relationship;
use interspace_app::notifications::NotificationView;
use interspace_app::statuses::StatusView;
use interspace_app::{Account, AppContext, AppResult, User};
use serde_json::{json, Value};
use std::collections::HashMap;

pub fn datetime(ts: NaiveDateTime) -> String {
    ts.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

/// Renders accounts, computing each one's counters once per response.
pub struct Renderer<'a> {
    ctx: &'a AppContext,
    stats: HashMap<String, AccountStats>,
}

impl<'a> Renderer<'a> {
    pub fn new(ctx: &'a AppContext) -> Self {
        Self {
            ctx,
            stats: HashMap::new(),
        }
    }

    /// Loads the counters of every account among `accounts` not loaded yet, in one batch:
    /// rendering a page then queries nothing per account.
    pub async fn preload<'b>(
        &mut self,
        accounts: impl IntoIterator<Item = &'b Account>,
    ) -> AppResult<()> {
        let mut ids: Vec<String> = accounts
            .into_iter()
            .filter(|a| !self.stats.contains_key(&a.id))
            .map(|a| a.id.clone())
            .collect();
        ids.sort();
        ids.dedup();
        if !ids.is_empty() {
            self.stats.extend(accounts::stats_of(self.ctx, &ids).await?);
        }
        Ok(())
    }

    /// The accounts a list of posts shows: their authors, and those of what they boost.
    fn authors<'v>(
        list: impl IntoIterator<Item = &'v StatusView>,
    ) -> impl Iterator<Item = &'v Account> {
        list.into_iter().flat_map(|v| {
            std::iter::once(&v.account).chain(v.reblog.as_deref().map(|r| &r.account))
        })
    }

    pub async fn account(&mut self, a: &Account) -> AppResult<Value> {
        if !self.stats.contains_key(&a.id) {
            let s = accounts::stats(self.ctx, a).await?;
            self.stats.insert(a.id.clone(), s);
        }
        let stats = self.stats.get(&a.id).cloned().unwrap_or_default();
        let urls = self.ctx.urls();
        let avatar = a
            .avatar_url
            .clone()
            .unwrap_or_else(|| urls.path("/static/avatar.png").to_string());
        let header = a
            .header_url
            .clone()
            .unwrap_or_else(|| urls.path("/static/header.png").to_string());
        let fields: Vec<Value> = accounts::fields(a)
            .into_iter()
            .map(|(name, value)| json!({ "name": name, "value": value, "verified_at": null }))
            .collect();
        let created = a
            .created_at
            .date()
            .and_hms_opt(0, 0, 0)
            .unwrap_or(a.created_at);
        Ok(json!({
            "id": a.id,
            "username": a.username,
            "acct": acct(a),
            "url": a.url.clone().unwrap_or_else(|| a.uri.clone()),
            "uri": a.uri,
            "display_name": a.display_name,
            "note": a.note,
            "avatar": avatar,
            "avatar_static": avatar,
            "header": header,
            "header_static": header,
            "locked": a.locked,
            "fields": fields,
            "emojis": [],
            "bot": a.bot,
            "group": a.actor_type == "Group",
            "discoverable": a.discoverable,
            "indexable": a.discoverable,
            "hide_collections": false,
            "noindex": !a.discoverable,
            "created_at": datetime(created),
            "last_status_at": null,
            "statuses_count": stats.statuses,
            "followers_count": stats.followers,
            "following_count": stats.following,
            "roles": [],
        }))
    }

    /// The signed-in user's own account, with `source` (what the profile form edits).
    pub async fn credential_account(
        &mut self,
        user: &User,
        a: &Account,
        follow_requests: usize,
    ) -> AppResult<Value> {
        let mut v = self.account(a).await?;
        let fields: Vec<Value> = accounts::fields(a)
            .into_iter()
            .map(|(name, value)| json!({ "name": name, "value": value, "verified_at": null }))
            .collect();
        v["source"] = json!({
            "privacy": user.default_privacy,
            "sensitive": user.default_sensitive,
            "language": user.default_language,
            "note": interspace_core::html::to_text(&a.note),
            "fields": fields,
            "follow_requests_count": follow_requests,
            "discoverable": a.discoverable,
            "indexable": a.discoverable,
        });
        v["role"] = role(&user.role);
        Ok(v)
    }

    pub async fn accounts(&mut self, list: &[Account]) -> AppResult<Value> {
        self.preload(list).await?;
        let mut out = Vec::with_capacity(list.len());
        for a in list {
            out.push(self.account(a).await?);
        }
        Ok(Value::Array(out))
    }

    pub async fn status(&mut self, v: &StatusView) -> AppResult<Value> {
        let s = &v.status;
        let reblog = match &v.reblog {
            Some(r) => Box::pin(self.status(r)).await?,
            None => Value::Null,
        };
        let account = self.account(&v.account).await?;
        let urls = self.ctx.urls();
        // A boost shows the viewer's flags of what it boosts.
        let flags = v.reblog.as_deref().unwrap_or(v);
        let mentions: Vec<Value> = v
            .mentions
            .iter()
            .map(|m| {
                json!({
                    "id": m.id,
                    "username": m.username,
                    "acct": acct(m),
                    "url": m.url.clone().unwrap_or_else(|| m.uri.clone()),
                })
            })
            .collect();
        let tags: Vec<Value> = v
            .tags
            .iter()
            .map(|t| json!({ "name": t, "url": urls.path(&format!("/tags/{t}")) }))
            .collect();
        Ok(json!({
            "id": s.id,
            "uri": s.uri,
            "url": s.url,
            "created_at": datetime(s.created_at),
            "edited_at": s.edited_at.map(datetime),
            "account": account,
            "content": s.content,
            "visibility": s.visibility,
            "sensitive": s.sensitive,
            "spoiler_text": s.spoiler_text,
            "media_attachments": v.media.iter().map(|m| media(self.ctx, m)).collect::<Vec<_>>(),
            "application": null,
            "mentions": mentions,
            "tags": tags,
            "emojis": [],
            "reblogs_count": s.reblogs_count,
            "favourites_count": s.favourites_count,
            "replies_count": s.replies_count,
            "in_reply_to_id": s.in_reply_to_id,
            "in_reply_to_account_id": s.in_reply_to_account_id,
            "reblog": reblog,
            "poll": null,
            "card": null,
            "language": s.language,
            "text": null,
            "favourited": flags.favourited,
            "reblogged": flags.reblogged,
            "muted": false,
            "bookmarked": flags.bookmarked,
            "pinned": false,
            "filtered": [],
        }))
    }

    pub async fn statuses(&mut self, list: &[StatusView]) -> AppResult<Value> {
        self.preload(Self::authors(list)).await?;
        let mut out = Vec::with_capacity(list.len());
        for s in list {
            out.push(self.status(s).await?);
        }
        Ok(Value::Array(out))
    }

    pub async fn notifications(&mut self, list: &[NotificationView]) -> AppResult<Value> {
        let accounts = list.iter().map(|n| &n.account);
        let statuses = list.iter().filter_map(|n| n.status.as_ref());
        self.preload(accounts.chain(Self::authors(statuses)))
            .await?;
        let mut out = Vec::with_capacity(list.len());
        for n in list {
            out.push(self.notification(n).await?);
        }
        Ok(Value::Array(out))
    }

    pub async fn notification(&mut self, n: &NotificationView) -> AppResult<Value> {
        let status = match &n.status {
            Some(s) => self.status(s).await?,
            None => Value::Null,
        };
        Ok(json!({
            "id": n.notification.id,
            "type": n.notification.kind,
            "created_at": datetime(n.notification.created_at),
            "group_key": format!("ungrouped-{}", n.notification.id),
            "account": self.account(&n.account).await?,
            "status": status,
        }))
    }
}

pub fn relationship(r: &Relationship) -> Value {
    json!({
        "id": r.id,
        "following": r.following,
        "showing_reblogs": r.showing_reblogs,
        "notifying": r.notifying,
        "languages": null,
        "followed_by": r.followed_by,
        "blocking": r.blocking,
        "blocked_by": r.blocked_by,
        "muting": r.muting,
        "muting_notifications": r.muting_notifications,
        "requested": r.requested,
        "requested_by": r.requested_by,
        "domain_blocking": false,
        "endorsed": false,
        "note": "",
    })
}

pub fn media(ctx: &AppContext, m: &interspace_app::media::Media) -> Value {
    let url = interspace_app::media::url(ctx, m);
    let meta = match (m.width, m.height) {
        (Some(w), Some(h)) if h > 0 => {
            let size = json!({ "width": w, "height": h, "size": format!("{w}x{h}"), "aspect": w as f64 / h as f64 });
            json!({ "original": size, "small": size })
        }
        _ => json!({}),
    };
    json!({
        "id": m.id,
        "type": m.kind,
        "url": url,
        "preview_url": url,
        "remote_url": m.remote_url,
        "preview_remote_url": null,
        "text_url": null,
        "meta": meta,
        "description": m.description,
        "blurhash": m.blurhash,
    })
}

/// Mastodon's Role of the signed-in user. Members have the role everyone has (id `-99`, no
/// name); hosts and operators a named, highlighted one. No Mastodon permission bit is granted:
/// the Mastodon admin API is not implemented, and apps must not offer what would fail.
fn role(word: &str) -> Value {
    let (id, name) = match interspace_core::roles::Role::parse(word) {
        Ok(interspace_core::roles::Role::Host) => ("1", "Host"),
        Ok(interspace_core::roles::Role::Operator) => ("2", "Operator"),
        _ => ("-99", ""),
    };
    json!({
        "id": id, "name": name, "color": "", "permissions": "0", "highlighted": id != "-99",
    })
}
