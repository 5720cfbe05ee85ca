//! Which live events a stream shows to its viewer, as Mastodon's streaming API defines them.

use crate::notifications::{self, NotificationView};
use crate::signals::AppEvent;
use crate::statuses::{self, StatusView};
use crate::{AppContext, AppResult};
use interspace_db::accounts::Account;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stream {
    /// The home timeline and the notifications of the viewer.
    User,
    /// Only the viewer's notifications.
    UserNotification,
    /// Public posts; `Some(true)` local only, `Some(false)` remote only.
    Public(Option<bool>),
    Hashtag {
        tag: String,
        local: bool,
    },
}

impl Stream {
    /// Parses a stream name (`user`, `public:local`, `hashtag`, ...) with its `tag`.
    pub fn parse(name: &str, tag: Option<&str>) -> Option<Self> {
        let tag = || {
            tag.map(|t| t.trim().trim_start_matches('#').to_lowercase())
                .filter(|t| !t.is_empty())
        };
        Some(match name {
            "user" => Self::User,
            "user:notification" => Self::UserNotification,
            "public" => Self::Public(None),
            "public:local" => Self::Public(Some(true)),
            "public:remote" => Self::Public(Some(false)),
            "hashtag" => Self::Hashtag {
                tag: tag()?,
                local: false,
            },
            "hashtag:local" => Self::Hashtag {
                tag: tag()?,
                local: true,
            },
            _ => return None,
        })
    }

    pub fn name(&self) -> &'static str {
        match self {
            Self::User => "user",
            Self::UserNotification => "user:notification",
            Self::Public(None) => "public",
            Self::Public(Some(true)) => "public:local",
            Self::Public(Some(false)) => "public:remote",
            Self::Hashtag { local: false, .. } => "hashtag",
            Self::Hashtag { local: true, .. } => "hashtag:local",
        }
    }

    pub fn needs_user(&self) -> bool {
        matches!(self, Self::User | Self::UserNotification)
    }
}

/// What a stream sends for one event.
#[derive(Debug, Clone)]
pub enum Delivery {
    /// `update`, or `status.update` when edited.
    Status {
        view: Box<StatusView>,
        edited: bool,
    },
    Notification(Box<NotificationView>),
    /// `delete` with the id.
    Delete(String),
}

/// Whether `event` goes to `stream` for `viewer`, and in what form.
pub async fn deliver(
    ctx: &AppContext,
    stream: &Stream,
    viewer: Option<&Account>,
    event: &AppEvent,
) -> AppResult<Option<Delivery>> {
    let viewer_id = viewer.map(|a| a.id.as_str());
    match (stream, event) {
        (Stream::User | Stream::UserNotification, AppEvent::Notification { account_id, id }) => {
            let Some(me) = viewer.filter(|v| &v.id == account_id) else {
                return Ok(None);
            };
            Ok(notifications::get(ctx, me, id)
                .await
                .ok()
                .map(|n| Delivery::Notification(Box::new(n))))
        }
        (
            Stream::User,
            AppEvent::Status {
                id,
                account_id,
                edited,
                ..
            },
        ) => {
            let Some(me) = viewer else { return Ok(None) };
            let relevant = account_id == &me.id || {
                let r = crate::follows::relationship(ctx, me, account_id).await?;
                r.following && !r.muting && !r.blocking && !r.blocked_by
            };
            if !relevant {
                return Ok(None);
            }
            Ok(statuses::get(ctx, id, Some(&me.id))
                .await
                .ok()
                .map(|v| Delivery::Status {
                    view: Box::new(v),
                    edited: *edited,
                }))
        }
        (
            Stream::Public(_) | Stream::Hashtag { .. },
            AppEvent::Status {
                id,
                visibility,
                is_local,
                edited,
                ..
            },
        ) if visibility == "public" => {
            let wanted_local = match stream {
                Stream::Public(l) => *l,
                Stream::Hashtag { local: true, .. } => Some(true),
                _ => None,
            };
            if wanted_local.is_some_and(|l| l != *is_local) {
                return Ok(None);
            }
            if let (Stream::Hashtag { tag, .. }, AppEvent::Status { tags, .. }) = (stream, event) {
                if !tags.contains(tag) {
                    return Ok(None);
                }
            }
            let Ok(view) = statuses::get(ctx, id, viewer_id).await else {
                return Ok(None);
            };
            // Public streams show posts, not boosts.
            if view.reblog.is_some() {
                return Ok(None);
            }
            if let Some(me) = viewer {
                let r = crate::follows::relationship(ctx, me, &view.account.id).await?;
                if r.muting || r.blocking || r.blocked_by {
                    return Ok(None);
                }
            }
            Ok(Some(Delivery::Status {
                view: Box::new(view),
                edited: *edited,
            }))
        }
        (
            Stream::User | Stream::Public(_) | Stream::Hashtag { .. },
            AppEvent::Deleted { id, .. },
        ) => Ok(Some(Delivery::Delete(id.clone()))),
        _ => Ok(None),
    }
}
