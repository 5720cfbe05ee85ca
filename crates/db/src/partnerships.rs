//! Partnerships between spaces: the agreement that visits between two spaces go under.

use crate::schema::partnerships;
use crate::{run, DbConn, DbResult, OptionalExt};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use interspace_core::visits::PartnershipState;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset, Identifiable)]
#[diesel(table_name = partnerships, treat_none_as_null = true)]
pub struct Partnership {
    pub id: String,
    pub uri: String,
    /// Our space.
    pub space_id: String,
    pub partner_space_id: String,
    #[diesel(serialize_as = String, deserialize_as = String)]
    pub state: PartnershipState,
    /// JSON terms.
    pub terms: String,
    pub pending_terms: Option<String>,
    pub pending_from_us: bool,
    pub reason: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

pub async fn insert_partnership(conn: &mut DbConn, p: &Partnership) -> DbResult<()> {
    run!(conn, |c| diesel::insert_into(partnerships::table)
        .values(p.clone())
        .execute(c)
        .await)?;
    Ok(())
}

pub async fn save_partnership(conn: &mut DbConn, p: &Partnership) -> DbResult<()> {
    run!(conn, |c| diesel::update(partnerships::table.find(&p.id))
        .set(p.clone())
        .execute(c)
        .await)?;
    Ok(())
}

pub async fn find_partnership(conn: &mut DbConn, id: &str) -> DbResult<Option<Partnership>> {
    run!(conn, |c| partnerships::table
        .find(id)
        .select(Partnership::as_select())
        .first(c)
        .await)
    .opt()
}

pub async fn find_partnership_by_uri(
    conn: &mut DbConn,
    uri: &str,
) -> DbResult<Option<Partnership>> {
    run!(conn, |c| partnerships::table
        .filter(partnerships::uri.eq(uri))
        .select(Partnership::as_select())
        .first(c)
        .await)
    .opt()
}

/// Our partnership with a space, whatever its state.
pub async fn find_partnership_with(
    conn: &mut DbConn,
    space_id: &str,
    partner_space_id: &str,
) -> DbResult<Option<Partnership>> {
    run!(conn, |c| partnerships::table
        .filter(partnerships::space_id.eq(space_id))
        .filter(partnerships::partner_space_id.eq(partner_space_id))
        .select(Partnership::as_select())
        .first(c)
        .await)
    .opt()
}

pub async fn list_partnerships(
    conn: &mut DbConn,
    space_id: &str,
    state: Option<&str>,
) -> DbResult<Vec<Partnership>> {
    run!(conn, |c| {
        let mut q = partnerships::table
            .filter(partnerships::space_id.eq(space_id))
            .into_boxed();
        if let Some(s) = state {
            q = q.filter(partnerships::state.eq(s.to_string()));
        }
        q.order(partnerships::created_at.desc())
            .select(Partnership::as_select())
            .load(c)
            .await
    })
    .map_err(Into::into)
}
