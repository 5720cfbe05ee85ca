//! Facts about the instance for NodeInfo and the health check.

use crate::{AppContext, AppResult};
use interspace_db::users as db_users;

#[derive(Debug, Clone)]
pub struct InstanceStats {
    pub users_total: i64,
    /// Members who used an app or the web pages in the last 30 days, and 180 days.
    pub active_month: i64,
    pub active_halfyear: i64,
    pub local_posts: i64,
    pub space_name: String,
    pub space_handle: String,
    pub open_registrations: bool,
}

pub async fn stats(ctx: &AppContext) -> AppResult<InstanceStats> {
    let space = crate::spaces::show(ctx).await?;
    let mut conn = ctx.db.get().await?;
    let users_total = db_users::count_active_users(&mut conn).await?;
    let local_posts = interspace_db::statuses::count_local_statuses(&mut conn).await?;
    let seen = |days: i64| interspace_db::now() - chrono::Duration::days(days);
    let active_month = db_users::count_users_seen_since(&mut conn, seen(30)).await?;
    let active_halfyear = db_users::count_users_seen_since(&mut conn, seen(180)).await?;
    Ok(InstanceStats {
        users_total,
        active_month,
        active_halfyear,
        local_posts,
        space_name: space.account.display_name,
        space_handle: space.account.username,
        open_registrations: ctx.settings.registrations
            != interspace_core::roles::RegistrationMode::Closed,
    })
}

/// Ready and the database answers.
pub async fn healthy(ctx: &AppContext) -> bool {
    ctx.is_ready() && ctx.db.ping().await.is_ok()
}

/// The instance's contact: its first operator.
pub async fn contact(ctx: &AppContext) -> AppResult<Option<interspace_db::accounts::Account>> {
    let mut conn = ctx.db.get().await?;
    Ok(db_users::list_accounts_with_roles(
        &mut conn,
        &[interspace_core::roles::Role::Operator.as_str()],
    )
    .await?
    .into_iter()
    .next())
}
