//! Local actors as the federation layer serves them, with their collections.

use crate::accounts::INSTANCE_ACTOR_USERNAME;
use crate::spaces::{self, SpaceDetails};
use crate::{AppContext, AppError, AppResult};
use interspace_core::roles::Role;
use interspace_core::urls::LocalActor;
use interspace_db::accounts::{self as db_accounts, Account};
use interspace_db::follows as db_follows;
use interspace_db::statuses as db_statuses;
use interspace_db::users as db_users;

/// Items per page of a collection.
pub const PAGE_SIZE: i64 = 20;

#[derive(Debug, Clone)]
pub enum LocalActorView {
    Person {
        account: Account,
        home_space: Box<SpaceDetails>,
        /// Listed in directories: only then are the member's skills published.
        directory_opt_in: bool,
    },
    Group(Box<SpaceDetails>),
    Application(Account),
}

impl LocalActorView {
    pub fn account(&self) -> &Account {
        match self {
            Self::Person { account, .. } | Self::Application(account) => account,
            Self::Group(space) => &space.account,
        }
    }
}

/// The local actor named by a route; members and the space are found by their username.
pub async fn get_local(ctx: &AppContext, which: &LocalActor) -> AppResult<LocalActorView> {
    let mut conn = ctx.db.get().await?;
    let (name, expected_type) = match which {
        LocalActor::User(name) => (name.as_str(), "Person"),
        LocalActor::Space(handle) => (handle.as_str(), "Group"),
        LocalActor::Instance => (INSTANCE_ACTOR_USERNAME, "Application"),
    };
    let account = db_accounts::find_local_account_by_username(&mut conn, name)
        .await?
        .filter(|a| a.actor_type == expected_type)
        .ok_or(AppError::NotFound("actor"))?;
    if account.deleted_at.is_some() {
        return Err(AppError::Gone("actor"));
    }
    if account.suspended_at.is_some() {
        return Err(AppError::NotFound("actor"));
    }
    let directory_opt_in = match expected_type {
        "Person" => interspace_db::users::find_user_by_account_id(&mut conn, &account.id)
            .await?
            .map(|(u, _)| u.id),
        _ => None,
    };
    let directory_opt_in = match directory_opt_in {
        Some(user_id) => {
            interspace_db::opportunities::directory_opt_in(&mut conn, &user_id).await?
        }
        None => false,
    };
    drop(conn);
    Ok(match expected_type {
        "Person" => LocalActorView::Person {
            account,
            home_space: Box::new(spaces::show(ctx).await?),
            directory_opt_in,
        },
        "Group" => LocalActorView::Group(Box::new(spaces::show(ctx).await?)),
        _ => LocalActorView::Application(account),
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CollectionKind {
    Followers,
    Following,
    Outbox,
    /// A space's active members: all of them counted, those who opted into the directory
    /// listed.
    Members,
    /// A space's staff: hosts and operators (its `attributedTo`).
    Moderators,
}

/// One page of a collection (`page` from 1) or, with `page: None`, just its size.
#[derive(Debug, Clone)]
pub struct CollectionPage {
    pub total: i64,
    pub page: Option<i64>,
    /// Ids of the items on the page: actor ids, or for the outbox our status ids.
    pub items: Vec<String>,
    pub has_next: bool,
    /// The owner hides who follows them and whom they follow: the count alone is shown.
    pub hidden: bool,
}

/// Roles whose holders are a space's staff.
const STAFF: &[&str] = &[Role::Host.as_str(), Role::Operator.as_str()];

pub async fn collection(
    ctx: &AppContext,
    account: &Account,
    kind: CollectionKind,
    page: Option<i64>,
) -> AppResult<CollectionPage> {
    let mut conn = ctx.db.get().await?;
    let total = match kind {
        CollectionKind::Followers => db_follows::count_followers(&mut conn, &account.id).await?,
        CollectionKind::Following => db_follows::count_following(&mut conn, &account.id).await?,
        CollectionKind::Outbox => db_statuses::count_outbox(&mut conn, &account.id).await?,
        CollectionKind::Members if account.actor_type == "Group" => {
            db_users::count_active_users(&mut conn).await?
        }
        CollectionKind::Moderators if account.actor_type == "Group" => {
            db_users::list_accounts_with_roles(&mut conn, STAFF)
                .await?
                .len() as i64
        }
        CollectionKind::Members | CollectionKind::Moderators => {
            return Err(AppError::NotFound("collection"))
        }
    };
    let hidden = matches!(kind, CollectionKind::Followers | CollectionKind::Following)
        && db_users::hides_collections(&mut conn, &account.id).await?;
    let Some(page) = page.filter(|_| !hidden) else {
        return Ok(CollectionPage {
            total,
            page: None,
            items: vec![],
            has_next: false,
            hidden,
        });
    };
    let page = page.max(1);
    let offset = (page - 1) * PAGE_SIZE;
    // Every member counts; only those who chose the directory are named.
    let listed = match kind {
        CollectionKind::Members => db_users::count_listed_users(&mut conn).await?,
        _ => total,
    };
    let items: Vec<String> = match kind {
        CollectionKind::Followers => {
            db_follows::list_followers(&mut conn, &account.id, offset, PAGE_SIZE).await?
        }
        CollectionKind::Following => {
            db_follows::list_following(&mut conn, &account.id, offset, PAGE_SIZE).await?
        }
        CollectionKind::Outbox => {
            // Status ids: the wire turns each into its Create or Announce.
            return Ok(CollectionPage {
                items: db_statuses::list_outbox(&mut conn, &account.id, offset, PAGE_SIZE).await?,
                has_next: offset + PAGE_SIZE < total,
                total,
                page: Some(page),
                hidden: false,
            });
        }
        CollectionKind::Members => {
            db_users::list_listed_accounts(&mut conn, offset, PAGE_SIZE).await?
        }
        // Staff is short and read whole (Lemmy reads no page of moderators): one page.
        CollectionKind::Moderators if page == 1 => {
            db_users::list_accounts_with_roles(&mut conn, STAFF).await?
        }
        CollectionKind::Moderators => vec![],
    }
    .into_iter()
    .map(|a| a.uri)
    .collect();
    Ok(CollectionPage {
        total,
        page: Some(page),
        has_next: offset + (items.len() as i64) < listed,
        items,
        hidden: false,
    })
}
