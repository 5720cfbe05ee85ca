//! Periodic clean-up: rows that no longer do anything once they are old.

use crate::{sessions, AppContext, AppResult};
use chrono::Duration;
use interspace_db::{now, outbox as db_outbox, sessions as db_sessions};

/// How long received activity ids are kept to refuse replays (DESIGN.md section 7); a replay
/// older than this fails the signature's Date check anyway.
pub const REPLAY_WINDOW: Duration = Duration::days(7);

/// How long a Delete of something we never had refuses its late Create: longer than any
/// sender retries (Mastodon: about 3 days).
pub const TOMBSTONE_LIFETIME: Duration = Duration::days(30);

/// How long a mail or a push sent or given up stays in its queue (to see what went out).
pub const MAIL_LIFETIME: Duration = Duration::days(14);

/// What one round removed.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Pruned {
    pub sessions: usize,
    pub resets: usize,
    pub activities: usize,
    pub tombstones: usize,
    pub mails: usize,
    pub pushes: usize,
}

/// Removes browser sessions idle past their lifetime, dead reset links and received activity
/// ids past the replay window, tombstones past their lifetime, and mails and pushes sent or given up.
pub async fn run(ctx: &AppContext) -> AppResult<Pruned> {
    let ts = now();
    let mut conn = ctx.db.get().await?;
    Ok(Pruned {
        sessions: db_sessions::delete_sessions_seen_before(&mut conn, ts - sessions::IDLE_LIFETIME)
            .await?,
        resets: db_sessions::delete_resets_expired_before(&mut conn, ts).await?,
        activities: db_outbox::forget_activities_before(&mut conn, ts - REPLAY_WINDOW).await?,
        tombstones: db_outbox::delete_tombstones_before(&mut conn, ts - TOMBSTONE_LIFETIME).await?,
        mails: interspace_db::mail::delete_finished_before(&mut conn, ts - MAIL_LIFETIME).await?,
        pushes: interspace_db::push::delete_finished_before(&mut conn, ts - MAIL_LIFETIME).await?,
    })
}
