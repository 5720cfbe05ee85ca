//! Mastodon API entities, named and shaped as in Mastodon's documentation.

use chrono::NaiveDateTime;
use interspace_app::accounts::{self, acct, AccountStats};
use interspace_app::follows::Relationship;
use interspace_app::notifications::{GroupQuery, NotificationGroup, NotificationView};
use interspace_app::statuses::StatusView;
use interspace_app::{Account, AppContext, AppResult, User};
use interspace_core::notifications::{client_group_key, NotificationKind};
use serde::Serialize;
use std::collections::HashMap;

pub fn datetime(ts: NaiveDateTime) -> String {
    ts.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

/// Mastodon's Account.
#[derive(Debug, Clone, Serialize)]
pub struct AccountEntity {
    pub id: String,
    pub username: String,
    pub acct: String,
    pub url: String,
    pub uri: String,
    pub display_name: String,
    pub note: String,
    pub avatar: String,
    pub avatar_static: String,
    pub header: String,
    pub header_static: String,
    pub locked: bool,
    pub fields: Vec<FieldEntity>,
    /// Custom emoji are not implemented: always empty.
    pub emojis: [(); 0],
    pub bot: bool,
    pub group: bool,
    pub discoverable: bool,
    pub indexable: bool,
    pub hide_collections: bool,
    pub noindex: bool,
    pub created_at: String,
    pub last_status_at: Option<String>,
    pub statuses_count: i64,
    pub followers_count: i64,
    pub following_count: i64,
    /// Highlighted roles are not shown on profiles: always empty.
    pub roles: [(); 0],
}

/// A profile field.
#[derive(Debug, Clone, Serialize)]
pub struct FieldEntity {
    pub name: String,
    pub value: String,
    pub verified_at: Option<String>,
}

/// The signed-in user's own Account, with what the profile form edits and their role.
#[derive(Debug, Clone, Serialize)]
pub struct CredentialAccountEntity {
    #[serde(flatten)]
    pub account: AccountEntity,
    pub source: SourceEntity,
    pub role: RoleEntity,
}

#[derive(Debug, Clone, Serialize)]
pub struct SourceEntity {
    pub privacy: String,
    pub sensitive: bool,
    pub language: Option<String>,
    pub note: String,
    pub fields: Vec<FieldEntity>,
    pub follow_requests_count: usize,
    pub discoverable: bool,
    pub indexable: bool,
}

/// Mastodon's Role. Members have the role everyone has (id `-99`, no name); hosts and
/// operators a named, highlighted one. No Mastodon permission bit is granted: the Mastodon
/// admin API is not implemented, and apps must not offer what would fail.
#[derive(Debug, Clone, Serialize)]
pub struct RoleEntity {
    pub id: &'static str,
    pub name: &'static str,
    pub color: &'static str,
    pub permissions: &'static str,
    pub highlighted: bool,
}

impl RoleEntity {
    fn of(word: &str) -> Self {
        use interspace_core::roles::Role;
        let (id, name) = match Role::parse(word) {
            Ok(Role::Host) => ("1", "Host"),
            Ok(Role::Operator) => ("2", "Operator"),
            _ => ("-99", ""),
        };
        Self {
            id,
            name,
            color: "",
            permissions: "0",
            highlighted: id != "-99",
        }
    }
}

/// Mastodon's Status.
#[derive(Debug, Clone, Serialize)]
pub struct StatusEntity {
    pub id: String,
    pub uri: String,
    pub url: Option<String>,
    pub created_at: String,
    pub edited_at: Option<String>,
    pub account: AccountEntity,
    pub content: String,
    pub visibility: String,
    pub sensitive: bool,
    pub spoiler_text: String,
    pub media_attachments: Vec<MediaEntity>,
    /// Which app posted it is not recorded.
    pub application: Option<()>,
    pub mentions: Vec<MentionEntity>,
    pub tags: Vec<TagEntity>,
    pub emojis: [(); 0],
    pub reblogs_count: i64,
    pub favourites_count: i64,
    pub replies_count: i64,
    pub in_reply_to_id: Option<String>,
    pub in_reply_to_account_id: Option<String>,
    pub reblog: Option<Box<StatusEntity>>,
    /// Polls and link previews are not implemented.
    pub poll: Option<()>,
    pub card: Option<()>,
    pub language: Option<String>,
    /// The source text is only in `/api/v1/statuses/:id/source`.
    pub text: Option<String>,
    pub favourited: bool,
    pub reblogged: bool,
    pub muted: bool,
    pub bookmarked: bool,
    pub pinned: bool,
    pub filtered: [(); 0],
}

#[derive(Debug, Clone, Serialize)]
pub struct MentionEntity {
    pub id: String,
    pub username: String,
    pub acct: String,
    pub url: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct TagEntity {
    pub name: String,
    pub url: String,
}

/// Mastodon's Notification (v1).
#[derive(Debug, Clone, Serialize)]
pub struct NotificationEntity {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub created_at: String,
    pub group_key: String,
    pub account: AccountEntity,
    pub status: Option<StatusEntity>,
}

/// Mastodon 4.3's NotificationGroup.
#[derive(Debug, Clone, Serialize)]
pub struct NotificationGroupEntity {
    pub group_key: String,
    pub notifications_count: usize,
    #[serde(rename = "type")]
    pub kind: String,
    pub most_recent_notification_id: String,
    pub page_min_id: String,
    pub page_max_id: String,
    pub latest_page_notification_at: String,
    pub sample_account_ids: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_id: Option<String>,
    /// For kinds that Mastodon has not (events, visits, opportunities): what an app that does
    /// not know them can show (Mastodon 4.5's NotificationFallback).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fallback: Option<serde_json::Value>,
}

/// Mastodon 4.3's GroupedNotificationsResults.
#[derive(Debug, Clone, Serialize)]
pub struct GroupedNotificationsEntity {
    pub accounts: Vec<AccountEntity>,
    pub statuses: Vec<StatusEntity>,
    pub notification_groups: Vec<NotificationGroupEntity>,
}

/// Mastodon's Relationship.
#[derive(Debug, Clone, Serialize)]
pub struct RelationshipEntity {
    pub id: String,
    pub following: bool,
    pub showing_reblogs: bool,
    pub notifying: bool,
    pub languages: Option<Vec<String>>,
    pub followed_by: bool,
    pub blocking: bool,
    pub blocked_by: bool,
    pub muting: bool,
    pub muting_notifications: bool,
    pub requested: bool,
    pub requested_by: bool,
    pub domain_blocking: bool,
    pub endorsed: bool,
    pub note: &'static str,
}

/// Mastodon's MediaAttachment.
#[derive(Debug, Clone, Serialize)]
pub struct MediaEntity {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub url: String,
    pub preview_url: String,
    pub remote_url: Option<String>,
    pub preview_remote_url: Option<String>,
    pub text_url: Option<String>,
    pub meta: MediaMeta,
    pub description: Option<String>,
    pub blurhash: Option<String>,
}

/// Sizes of an image, when known (`{}` otherwise).
#[derive(Debug, Clone, Serialize)]
pub struct MediaMeta {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub original: Option<MediaSize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub small: Option<MediaSize>,
}

#[derive(Debug, Clone, Serialize)]
pub struct MediaSize {
    pub width: i32,
    pub height: i32,
    pub size: String,
    pub aspect: f64,
}

/// Renders entities. Counters of the accounts a page shows are loaded in one batch
/// ([`Renderer::preload`]); otherwise each account's once per response.
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

    pub async fn account(&mut self, a: &Account) -> AppResult<AccountEntity> {
        self.preload([a]).await?;
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
        let created = a
            .created_at
            .date()
            .and_hms_opt(0, 0, 0)
            .unwrap_or(a.created_at);
        Ok(AccountEntity {
            id: a.id.clone(),
            username: a.username.clone(),
            acct: acct(a),
            url: a.url.clone().unwrap_or_else(|| a.uri.clone()),
            uri: a.uri.clone(),
            display_name: a.display_name.clone(),
            note: a.note.clone(),
            avatar_static: avatar.clone(),
            avatar,
            header_static: header.clone(),
            header,
            locked: a.locked,
            fields: fields(a),
            emojis: [],
            bot: a.bot,
            group: a.actor_type == "Group",
            discoverable: a.discoverable,
            indexable: a.discoverable,
            hide_collections: stats.hides_collections,
            noindex: !a.discoverable,
            created_at: datetime(created),
            last_status_at: None,
            statuses_count: stats.statuses,
            followers_count: stats.followers,
            following_count: stats.following,
            roles: [],
        })
    }

    /// The signed-in user's own account, with `source` (what the profile form edits).
    pub async fn credential_account(
        &mut self,
        user: &User,
        a: &Account,
        follow_requests: usize,
    ) -> AppResult<CredentialAccountEntity> {
        Ok(CredentialAccountEntity {
            account: self.account(a).await?,
            source: SourceEntity {
                privacy: user.default_privacy.clone(),
                sensitive: user.default_sensitive,
                language: user.default_language.clone(),
                note: interspace_core::html::to_text(&a.note),
                fields: fields(a),
                follow_requests_count: follow_requests,
                discoverable: a.discoverable,
                indexable: a.discoverable,
            },
            role: RoleEntity::of(&user.role),
        })
    }

    pub async fn accounts(&mut self, list: &[Account]) -> AppResult<Vec<AccountEntity>> {
        self.preload(list).await?;
        let mut out = Vec::with_capacity(list.len());
        for a in list {
            out.push(self.account(a).await?);
        }
        Ok(out)
    }

    pub async fn status(&mut self, v: &StatusView) -> AppResult<StatusEntity> {
        let s = &v.status;
        let reblog = match &v.reblog {
            Some(r) => Some(Box::new(Box::pin(self.status(r)).await?)),
            None => None,
        };
        let account = self.account(&v.account).await?;
        let urls = self.ctx.urls();
        // A boost shows the viewer's flags of what it boosts.
        let flags = v.reblog.as_deref().unwrap_or(v);
        Ok(StatusEntity {
            id: s.id.clone(),
            uri: s.uri.clone(),
            url: s.url.clone(),
            created_at: datetime(s.created_at),
            edited_at: s.edited_at.map(datetime),
            account,
            content: s.content.clone(),
            visibility: s.visibility.clone(),
            sensitive: s.sensitive,
            spoiler_text: s.spoiler_text.clone(),
            media_attachments: v.media.iter().map(|m| media(self.ctx, m)).collect(),
            application: None,
            mentions: v
                .mentions
                .iter()
                .map(|m| MentionEntity {
                    id: m.id.clone(),
                    username: m.username.clone(),
                    acct: acct(m),
                    url: m.url.clone().unwrap_or_else(|| m.uri.clone()),
                })
                .collect(),
            tags: v
                .tags
                .iter()
                .map(|t| TagEntity {
                    name: t.clone(),
                    url: urls.path(&format!("/tags/{t}")).to_string(),
                })
                .collect(),
            emojis: [],
            reblogs_count: s.reblogs_count,
            favourites_count: s.favourites_count,
            replies_count: s.replies_count,
            in_reply_to_id: s.in_reply_to_id.clone(),
            in_reply_to_account_id: s.in_reply_to_account_id.clone(),
            reblog,
            poll: None,
            card: None,
            language: s.language.clone(),
            text: None,
            favourited: flags.favourited,
            reblogged: flags.reblogged,
            muted: false,
            bookmarked: flags.bookmarked,
            pinned: flags.pinned,
            filtered: [],
        })
    }

    pub async fn statuses(&mut self, list: &[StatusView]) -> AppResult<Vec<StatusEntity>> {
        self.preload(Self::authors(list)).await?;
        let mut out = Vec::with_capacity(list.len());
        for s in list {
            out.push(self.status(s).await?);
        }
        Ok(out)
    }

    pub async fn notifications(
        &mut self,
        list: &[NotificationView],
    ) -> AppResult<Vec<NotificationEntity>> {
        let accounts = list.iter().map(|n| &n.account);
        let statuses = list.iter().filter_map(|n| n.status.as_ref());
        self.preload(accounts.chain(Self::authors(statuses)))
            .await?;
        let mut out = Vec::with_capacity(list.len());
        for n in list {
            out.push(self.notification(n).await?);
        }
        Ok(out)
    }

    pub async fn notification(&mut self, n: &NotificationView) -> AppResult<NotificationEntity> {
        let status = match &n.status {
            Some(s) => Some(self.status(s).await?),
            None => None,
        };
        Ok(NotificationEntity {
            id: n.notification.id.clone(),
            kind: n.notification.kind.clone(),
            created_at: datetime(n.notification.created_at),
            group_key: client_group_key(
                &n.notification.id,
                &n.notification.kind,
                n.notification.group_key.as_deref(),
                &GroupQuery::grouped_or_default(vec![]),
            ),
            account: self.account(&n.account).await?,
            status,
        })
    }
}

impl Renderer<'_> {
    /// Groups with their accounts and posts, each once.
    pub async fn notification_groups(
        &mut self,
        groups: &[NotificationGroup],
    ) -> AppResult<GroupedNotificationsEntity> {
        let samples = groups.iter().flat_map(|g| g.sample_accounts.iter());
        let heads = groups.iter().map(|g| &g.most_recent.account);
        let statuses = groups.iter().filter_map(|g| g.most_recent.status.as_ref());
        self.preload(samples.chain(heads).chain(Self::authors(statuses.clone())))
            .await?;
        let mut out = GroupedNotificationsEntity {
            accounts: vec![],
            statuses: vec![],
            notification_groups: Vec::with_capacity(groups.len()),
        };
        let mut seen_accounts = std::collections::HashSet::new();
        for g in groups {
            for a in g.sample_accounts.iter().chain([&g.most_recent.account]) {
                if seen_accounts.insert(a.id.clone()) {
                    out.accounts.push(self.account(a).await?);
                }
            }
            if let Some(s) = &g.most_recent.status {
                if !out.statuses.iter().any(|e| e.id == s.status.id) {
                    out.statuses.push(self.status(s).await?);
                }
            }
            out.notification_groups.push(NotificationGroupEntity {
                group_key: g.key.clone(),
                notifications_count: g.count,
                kind: g.kind.clone(),
                most_recent_notification_id: g.most_recent.notification.id.clone(),
                page_min_id: g.page_min_id.clone(),
                page_max_id: g.page_max_id.clone(),
                latest_page_notification_at: datetime(g.latest_at),
                sample_account_ids: g.sample_accounts.iter().map(|a| a.id.clone()).collect(),
                status_id: g.most_recent.status.as_ref().map(|s| s.status.id.clone()),
                fallback: fallback(g),
            });
        }
        Ok(out)
    }
}

/// What an app that does not know an Interspace or event kind shows for it.
fn fallback(g: &NotificationGroup) -> Option<serde_json::Value> {
    let kind = NotificationKind::parse(&g.kind).ok()?;
    let who = match g.most_recent.account.display_name.trim() {
        "" => g.most_recent.account.username.as_str(),
        name => name,
    };
    let title = match kind {
        NotificationKind::ParticipationRequest => format!("{who} asks to join your event"),
        NotificationKind::ParticipationAccepted => format!("{who} accepted you at their event"),
        NotificationKind::ParticipationAnswer => format!("{who} answered your request to join"),
        NotificationKind::EventUpdate => format!("{who} changed an event you joined"),
        NotificationKind::EventReminder => "An event you joined starts soon".to_string(),
        NotificationKind::Visit => format!("News about a visit, from {who}"),
        NotificationKind::Partnership => format!("News about the partnership with {who}"),
        NotificationKind::Application => format!("{who} answered your opportunity"),
        NotificationKind::ApplicationUpdate => format!("{who} answered your application"),
        NotificationKind::TeamInvitation => format!("{who} invites you to a team"),
        NotificationKind::Opportunity => {
            format!("A new opportunity from {who} matches your skills")
        }
        _ => return None,
    };
    Some(serde_json::json!({
        "title": title,
        "summary": "Open this server's web pages to see it: your app does not show this kind of notification.",
        "details": null,
    }))
}

fn fields(a: &Account) -> Vec<FieldEntity> {
    accounts::fields(a)
        .into_iter()
        .map(|(name, value)| FieldEntity {
            name,
            value,
            verified_at: None,
        })
        .collect()
}

pub fn relationship(r: &Relationship) -> RelationshipEntity {
    RelationshipEntity {
        id: r.id.clone(),
        following: r.following,
        showing_reblogs: r.showing_reblogs,
        notifying: r.notifying,
        languages: None,
        followed_by: r.followed_by,
        blocking: r.blocking,
        blocked_by: r.blocked_by,
        muting: r.muting,
        muting_notifications: r.muting_notifications,
        requested: r.requested,
        requested_by: r.requested_by,
        domain_blocking: false,
        endorsed: false,
        note: "",
    }
}

pub fn media(ctx: &AppContext, m: &interspace_app::media::Media) -> MediaEntity {
    let url = interspace_app::media::url(ctx, m);
    let size = match (m.width, m.height) {
        (Some(w), Some(h)) if h > 0 => Some(MediaSize {
            width: w,
            height: h,
            size: format!("{w}x{h}"),
            aspect: f64::from(w) / f64::from(h),
        }),
        _ => None,
    };
    MediaEntity {
        id: m.id.clone(),
        kind: m.kind.clone(),
        preview_url: url.clone(),
        url,
        remote_url: m.remote_url.clone(),
        preview_remote_url: None,
        text_url: None,
        meta: MediaMeta {
            original: size.clone(),
            small: size,
        },
        description: m.description.clone(),
        blurhash: m.blurhash.clone(),
    }
}
