//! Invite codes.

use crate::schema::invites;
use crate::{run, DbConn, DbResult, OptionalExt};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = invites)]
pub struct Invite {
    pub id: String,
    pub code: String,
    pub created_by: Option<String>,
    pub max_uses: Option<i32>,
    pub uses: i32,
    pub expires_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub email: Option<String>,
    /// What the member who signs up with it becomes (`member`, `host`, `operator`).
    pub role: String,
}

pub async fn insert_invite(conn: &mut DbConn, invite: &Invite) -> DbResult<()> {
    run!(conn, |c| diesel::insert_into(invites::table)
        .values(invite)
        .execute(c)
        .await)?;
    Ok(())
}

pub async fn find_invite(conn: &mut DbConn, code: &str) -> DbResult<Option<Invite>> {
    run!(conn, |c| invites::table
        .filter(invites::code.eq(code))
        .select(Invite::as_select())
        .first(c)
        .await)
    .opt()
}

/// Counts one use if the invite is still valid at `now`; false otherwise.
pub async fn use_invite(conn: &mut DbConn, id: &str, now: NaiveDateTime) -> DbResult<bool> {
    let n = run!(conn, |c| diesel::update(
        invites::table
            .filter(invites::id.eq(id))
            .filter(
                invites::expires_at
                    .is_null()
                    .or(invites::expires_at.gt(now))
            )
            .filter(
                invites::max_uses
                    .is_null()
                    .or(invites::uses.lt(invites::max_uses.assume_not_null()))
            )
    )
    .set(invites::uses.eq(invites::uses + 1))
    .execute(c)
    .await)?;
    Ok(n == 1)
}

pub async fn list_invites(conn: &mut DbConn) -> DbResult<Vec<Invite>> {
    Ok(run!(conn, |c| invites::table
        .order(invites::id.desc())
        .select(Invite::as_select())
        .load(c)
        .await)?)
}
