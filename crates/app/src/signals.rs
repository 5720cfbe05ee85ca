//! Events for live streams (Mastodon's streaming API), published after the change commits.
//!
//! One instance process: a tokio broadcast channel. Several processes behind a proxy would
//! relay these through PostgreSQL LISTEN/NOTIFY (not done yet; see docs/architecture.md).

/// A change that open streams may have to show.
#[derive(Debug, Clone)]
pub enum AppEvent {
    /// A post or boost became visible, or (with `edited`) changed.
    Status {
        id: String,
        account_id: String,
        visibility: String,
        is_local: bool,
        tags: Vec<String>,
        edited: bool,
    },
    /// A post or boost went away.
    Deleted { id: String, account_id: String },
    /// A notification for a local account.
    Notification { account_id: String, id: String },
}

impl AppEvent {
    /// `post` became visible, or (with `edited`) changed.
    pub fn of_post(post: &interspace_db::statuses::Status, tags: &[String], edited: bool) -> Self {
        AppEvent::Status {
            id: post.id.clone(),
            account_id: post.account_id.clone(),
            visibility: post.visibility.clone(),
            is_local: post.is_local,
            tags: tags.to_vec(),
            edited,
        }
    }
}

/// Events gathered during a use-case, published once its transaction has committed.
#[derive(Debug, Default)]
pub struct Events(Vec<AppEvent>);

impl Events {
    pub fn push(&mut self, e: AppEvent) {
        self.0.push(e);
    }

    pub fn into_vec(self) -> Vec<AppEvent> {
        self.0
    }
}

/// How many events a slow stream may lag behind before it skips ahead.
pub const CAPACITY: usize = 1024;
