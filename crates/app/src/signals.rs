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

/// Something that happened that people hear of by mail (`mail::compose` says what, to whom).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Moment {
    /// A request to visit this instance's space: to its hosts and operators.
    VisitRequested { visit_id: String },
    /// The host space approved, declined or cancelled a local member's visit: to the visitor.
    VisitDecided { visit_id: String },
    /// An event starts soon: to a participant.
    EventReminder {
        event_id: String,
        account_id: String,
    },
    /// What became of a participation (`promoted`: it left the waitlist): to the participant.
    Participation {
        event_id: String,
        account_id: String,
        promoted: bool,
    },
    /// An application reached its opportunity: to the poster.
    ApplicationReceived { application_id: String },
    /// An applicant asks someone to join their team: to the invitee.
    TeamInvitation {
        application_id: String,
        account_id: String,
    },
    /// A report to moderate: to the operators.
    Report { report_id: String },
}

/// What a use-case gathers besides its writes: live events, published once its transaction
/// has committed, and the moments people hear of by mail, queued just before it commits.
#[derive(Debug, Default)]
pub struct Events {
    live: Vec<AppEvent>,
    mails: Vec<Moment>,
}

impl Events {
    pub fn push(&mut self, e: AppEvent) {
        self.live.push(e);
    }

    /// Someone hears of `moment` by mail (queued with the change, through
    /// [`crate::AppContext::commit`] or [`crate::AppContext::write`]).
    pub fn mail(&mut self, moment: Moment) {
        self.mails.push(moment);
    }

    pub(crate) fn take_mails(&mut self) -> Vec<Moment> {
        std::mem::take(&mut self.mails)
    }

    pub fn into_vec(self) -> Vec<AppEvent> {
        self.live
    }
}

/// How many events a slow stream may lag behind before it skips ahead.
pub const CAPACITY: usize = 1024;
