//! Reading positions.

use crate::schema::markers;
use crate::{run, DbConn, DbResult};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = markers)]
pub struct Marker {
    pub account_id: String,
    pub timeline: String,
    pub last_read_id: String,
    pub version: i32,
    pub updated_at: NaiveDateTime,
}

pub async fn list_markers(
    conn: &mut DbConn,
    account_id: &str,
    timelines: &[String],
) -> DbResult<Vec<Marker>> {
    Ok(run!(conn, |c| markers::table
        .filter(markers::account_id.eq(account_id))
        .filter(markers::timeline.eq_any(timelines))
        .select(Marker::as_select())
        .load(c)
        .await)?)
}

/// Sets a position, counting versions up.
pub async fn save_marker(
    conn: &mut DbConn,
    account_id: &str,
    timeline: &str,
    last_read_id: &str,
    at: NaiveDateTime,
) -> DbResult<Marker> {
    Ok(run!(conn, |c| diesel::insert_into(markers::table)
        .values(Marker {
            account_id: account_id.to_string(),
            timeline: timeline.to_string(),
            last_read_id: last_read_id.to_string(),
            version: 1,
            updated_at: at,
        })
        .on_conflict((markers::account_id, markers::timeline))
        .do_update()
        .set((
            markers::last_read_id.eq(last_read_id),
            markers::version.eq(markers::version + 1),
            markers::updated_at.eq(at),
        ))
        .returning(Marker::as_returning())
        .get_result(c)
        .await)?)
}
