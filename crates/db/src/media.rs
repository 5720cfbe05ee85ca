//! Media attachments.

use crate::schema::media_attachments;
use crate::{run, DbConn, DbResult, OptionalExt};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = media_attachments)]
pub struct Media {
    pub id: String,
    pub account_id: String,
    pub status_id: Option<String>,
    pub kind: String,
    pub content_type: String,
    /// File name under the media folder, for local uploads.
    pub file_path: Option<String>,
    pub remote_url: Option<String>,
    pub description: Option<String>,
    pub width: Option<i32>,
    pub height: Option<i32>,
    pub blurhash: Option<String>,
    pub created_at: NaiveDateTime,
}

pub async fn insert_media(conn: &mut DbConn, m: &Media) -> DbResult<()> {
    run!(conn, |c| diesel::insert_into(media_attachments::table)
        .values(m)
        .execute(c)
        .await)?;
    Ok(())
}

pub async fn find_media(conn: &mut DbConn, id: &str) -> DbResult<Option<Media>> {
    run!(conn, |c| media_attachments::table
        .find(id)
        .select(Media::as_select())
        .first(c)
        .await)
    .opt()
}

pub async fn update_description(
    conn: &mut DbConn,
    id: &str,
    description: Option<&str>,
) -> DbResult<()> {
    run!(conn, |c| diesel::update(media_attachments::table.find(id))
        .set(media_attachments::description.eq(description))
        .execute(c)
        .await)?;
    Ok(())
}

/// Attaches an account's unattached uploads to a status; returns how many were attached.
pub async fn attach(
    conn: &mut DbConn,
    account_id: &str,
    ids: &[String],
    status_id: &str,
) -> DbResult<usize> {
    Ok(run!(conn, |c| diesel::update(
        media_attachments::table
            .filter(media_attachments::id.eq_any(ids))
            .filter(media_attachments::account_id.eq(account_id))
            .filter(media_attachments::status_id.is_null())
    )
    .set(media_attachments::status_id.eq(status_id))
    .execute(c)
    .await)?)
}

pub async fn list_for_statuses(conn: &mut DbConn, status_ids: &[String]) -> DbResult<Vec<Media>> {
    if status_ids.is_empty() {
        return Ok(vec![]);
    }
    Ok(run!(conn, |c| media_attachments::table
        .filter(media_attachments::status_id.eq_any(status_ids))
        .order(media_attachments::id.asc())
        .select(Media::as_select())
        .load(c)
        .await)?)
}

/// Local uploads never attached to a post, made before `before` (avatars and headers among
/// them: the caller keeps those in use).
pub async fn unattached_before(conn: &mut DbConn, before: NaiveDateTime) -> DbResult<Vec<Media>> {
    Ok(run!(conn, |c| media_attachments::table
        .filter(media_attachments::status_id.is_null())
        .filter(media_attachments::file_path.is_not_null())
        .filter(media_attachments::created_at.lt(before))
        .order(media_attachments::id.asc())
        .select(Media::as_select())
        .load(c)
        .await)?)
}

/// Deletes an upload unless it was attached to a post meanwhile; whether it was deleted.
pub async fn delete_unattached(conn: &mut DbConn, id: &str) -> DbResult<bool> {
    Ok(run!(conn, |c| diesel::delete(
        media_attachments::table
            .find(id)
            .filter(media_attachments::status_id.is_null())
    )
    .execute(c)
    .await)?
        > 0)
}

/// Every file name a row refers to.
pub async fn file_names(conn: &mut DbConn) -> DbResult<Vec<String>> {
    let names: Vec<Option<String>> = run!(conn, |c| media_attachments::table
        .filter(media_attachments::file_path.is_not_null())
        .select(media_attachments::file_path)
        .load(c)
        .await)?;
    Ok(names.into_iter().flatten().collect())
}
