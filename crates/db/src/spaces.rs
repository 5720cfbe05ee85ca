//! Spaces: the instance's own and the remote ones it knows.

use crate::accounts::Account;
use crate::schema::{accounts, spaces};
use crate::{run, DbConn, DbResult, OptionalExt};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

#[derive(Debug, Clone, Queryable, Selectable, Identifiable, Insertable)]
#[diesel(table_name = spaces)]
pub struct Space {
    pub id: String,
    pub account_id: String,
    pub is_local: bool,
    pub timezone: String,
    pub hours: String,
    /// JSON object: name, street, postal_code, locality, region, country, latitude, longitude.
    pub location: String,
    /// JSON money `{"amount","currency"}` or NULL.
    pub day_price: Option<String>,
    /// JSON visit policy.
    pub visit_policy: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// Posts mentioning the space with this hashtag are relayed as opportunities (NULL: off).
    pub opportunity_hashtag: Option<String>,
}

#[derive(Debug, Clone, Default, AsChangeset)]
#[diesel(table_name = spaces)]
pub struct SpaceChanges {
    pub timezone: Option<String>,
    pub hours: Option<String>,
    pub location: Option<String>,
    pub day_price: Option<Option<String>>,
    pub visit_policy: Option<String>,
    pub updated_at: Option<NaiveDateTime>,
    pub opportunity_hashtag: Option<Option<String>>,
}

pub async fn insert_space(conn: &mut DbConn, space: &Space) -> DbResult<Space> {
    let space = run!(conn, |c| diesel::insert_into(spaces::table)
        .values(space)
        .returning(Space::as_returning())
        .get_result(c)
        .await)?;
    Ok(space)
}

/// The instance's own space with its Group account.
pub async fn find_local_space(conn: &mut DbConn) -> DbResult<Option<(Space, Account)>> {
    run!(conn, |c| spaces::table
        .inner_join(accounts::table)
        .filter(spaces::is_local.eq(true))
        .select((Space::as_select(), Account::as_select()))
        .first(c)
        .await)
    .opt()
}

/// The space whose Group is this account, if any.
pub async fn find_space_by_account(conn: &mut DbConn, account_id: &str) -> DbResult<Option<Space>> {
    run!(conn, |c| spaces::table
        .filter(spaces::account_id.eq(account_id))
        .select(Space::as_select())
        .first(c)
        .await)
    .opt()
}

pub async fn update_space(conn: &mut DbConn, id: &str, changes: &SpaceChanges) -> DbResult<Space> {
    let mut changes = changes.clone();
    changes.updated_at = Some(crate::now());
    let space = run!(conn, |c| diesel::update(spaces::table.find(id))
        .set(&changes)
        .returning(Space::as_returning())
        .get_result(c)
        .await)?;
    Ok(space)
}

/// Spaces with their Group accounts, the local one first.
pub async fn list_spaces(
    conn: &mut DbConn,
    local: Option<bool>,
) -> DbResult<Vec<(Space, Account)>> {
    Ok(run!(conn, |c| {
        let mut q = spaces::table.inner_join(accounts::table).into_boxed();
        if let Some(l) = local {
            q = q.filter(spaces::is_local.eq(l));
        }
        q.order((spaces::is_local.desc(), spaces::id.asc()))
            .limit(200)
            .select((Space::as_select(), Account::as_select()))
            .load(c)
            .await
    })?)
}

pub async fn find_space(conn: &mut DbConn, id: &str) -> DbResult<Option<(Space, Account)>> {
    run!(conn, |c| spaces::table
        .inner_join(accounts::table)
        .filter(spaces::id.eq(id))
        .select((Space::as_select(), Account::as_select()))
        .first(c)
        .await)
    .opt()
}

/// Records a remote Group as a space (once).
pub async fn ensure_remote_space(conn: &mut DbConn, space: &Space) -> DbResult<Space> {
    run!(conn, |c| diesel::insert_into(spaces::table)
        .values(space)
        .on_conflict(spaces::account_id)
        .do_nothing()
        .execute(c)
        .await)?;
    Ok(run!(conn, |c| spaces::table
        .filter(spaces::account_id.eq(&space.account_id))
        .select(Space::as_select())
        .first(c)
        .await)?)
}
