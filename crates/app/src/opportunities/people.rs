//! People around opportunities: followed skills and the directory of skills.

use crate::spaces;
use crate::{AppContext, AppResult};
use interspace_core::delivery::OutboxKind;
use interspace_core::opportunities as rules;
use interspace_db::accounts::{self as db_accounts, Account};
use interspace_db::now;
use interspace_db::opportunities::{self as db, DirectoryFilter};
use interspace_db::users::User;

use super::invalid;

/// Follows or unfollows a skill; returns the skills followed.
pub async fn follow_skill(
    ctx: &AppContext,
    account: &Account,
    skill: &str,
    follow: bool,
) -> AppResult<Vec<String>> {
    let tag = rules::skills(&[skill.to_string()])?
        .into_iter()
        .next()
        .ok_or_else(|| invalid("skills", "is empty"))?;
    let mut conn = ctx.db.get().await?;
    if follow {
        db::follow_skill(&mut conn, &account.id, &tag, now()).await?;
    } else {
        db::unfollow_skill(&mut conn, &account.id, &tag).await?;
    }
    Ok(db::list_followed_skills(&mut conn, &account.id).await?)
}

pub async fn followed_skills(ctx: &AppContext, account: &Account) -> AppResult<Vec<String>> {
    let mut conn = ctx.db.get().await?;
    Ok(db::list_followed_skills(&mut conn, &account.id).await?)
}

/// People by skill: local members who opted in and remote people this instance knows, each
/// with their home space's Group when known.
pub async fn directory(
    ctx: &AppContext,
    mut filter: DirectoryFilter,
) -> AppResult<Vec<(Account, Option<Account>)>> {
    if let Some(s) = filter.skill.take() {
        filter.skill = rules::skills(&[s])?.into_iter().next();
    }
    let mut conn = ctx.db.get().await?;
    let people = db::list_directory(&mut conn, &filter).await?;
    let here = spaces::show(ctx).await?.account;
    let mut out = Vec::with_capacity(people.len());
    for a in people {
        let home = match (&a.home_space_uri, a.is_local()) {
            (_, true) => Some(here.clone()),
            (Some(uri), false) => db_accounts::find_account_by_uri(&mut conn, uri).await?,
            (None, false) => None,
        };
        out.push((a, home));
    }
    Ok(out)
}

/// Lists a member in the directory or takes them out; their profile's `Update` tells other
/// instances, whose directories list the people whose actors carry skills.
pub async fn set_directory_opt_in(ctx: &AppContext, user: &User, on: bool) -> AppResult<()> {
    ctx.write(async |tx, _| {
        if db::directory_opt_in(tx, &user.id).await? != on {
            db::set_directory_opt_in(tx, &user.id, on).await?;
            // A new `updated_at` gives the profile's Update a new id (peers drop replays).
            db_accounts::update_account_profile(
                tx,
                &user.account_id,
                &db_accounts::AccountProfileChanges::default(),
            )
            .await?;
            crate::outbox::enqueue(
                tx,
                OutboxKind::ActorUpdate,
                &user.account_id,
                &user.account_id,
                None,
            )
            .await?;
        }
        Ok(())
    })
    .await
}

pub async fn directory_opt_in(ctx: &AppContext, user: &User) -> AppResult<bool> {
    let mut conn = ctx.db.get().await?;
    Ok(db::directory_opt_in(&mut conn, &user.id).await?)
}
