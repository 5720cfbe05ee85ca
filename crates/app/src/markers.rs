//! Reading positions in the home timeline and the notifications.

use crate::{AppContext, AppError, AppResult};
use interspace_db::accounts::Account;
pub use interspace_db::markers::Marker;
use interspace_db::{markers as db_markers, now};

pub const TIMELINES: &[&str] = &["home", "notifications"];

pub async fn get(
    ctx: &AppContext,
    account: &Account,
    timelines: &[String],
) -> AppResult<Vec<Marker>> {
    let wanted: Vec<String> = timelines
        .iter()
        .filter(|t| TIMELINES.contains(&t.as_str()))
        .cloned()
        .collect();
    let mut conn = ctx.db.get().await?;
    Ok(db_markers::list_markers(&mut conn, &account.id, &wanted).await?)
}

pub async fn save(
    ctx: &AppContext,
    account: &Account,
    positions: &[(String, String)],
) -> AppResult<Vec<Marker>> {
    let mut out = Vec::new();
    ctx.write(async |tx, _| {
        for (timeline, id) in positions {
            if !TIMELINES.contains(&timeline.as_str()) {
                return Err(AppError::Unprocessable(format!(
                    "Validation failed: '{timeline}' is not home or notifications"
                )));
            }
            if id.is_empty() || id.len() > 64 {
                return Err(AppError::Unprocessable(
                    "Validation failed: last_read_id is required".into(),
                ));
            }
            out.push(db_markers::save_marker(tx, &account.id, timeline, id, now()).await?);
        }
        Ok(out)
    })
    .await
}
