//! Periodic clean-up: rows that no longer do anything once they are old.

use crate::{sessions, AppContext, AppResult};
use chrono::Duration;
use interspace_db::{now, outbox as db_outbox, sessions as db_sessions};

/// How long received activity ids are kept to refuse replays (DESIGN.md section 7); a replay
/// older than this fails the signature's Date check anyway.
pub const REPLAY_WINDOW: Duration = Duration::days(7);

/// What one round removed.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Pruned {
    pub sessions: usize,
    pub resets: usize,
    pub activities: usize,
}

/// Removes browser sessions idle past their lifetime, dead reset links and received activity
/// ids past the replay window.
pub async fn run(ctx: &AppContext) -> AppResult<Pruned> {
    let ts = now();
    let mut conn = ctx.db.get().await?;
    Ok(Pruned {
        sessions: db_sessions::delete_sessions_seen_before(&mut conn, ts - sessions::IDLE_LIFETIME)
            .await?,
        resets: db_sessions::delete_resets_expired_before(&mut conn, ts).await?,
        activities: db_outbox::forget_activities_before(&mut conn, ts - REPLAY_WINDOW).await?,
    })
}
