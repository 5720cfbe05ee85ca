//! Posts, with mentions, hashtags, favourites, bookmarks, and the timeline queries.
//!
//! Visibility (enforced in every query that lists posts): `public` and `unlisted` posts are
//! visible to everyone; `private` ones to their author, the author's accepted followers and the
//! mentioned; `direct` ones to the author and the mentioned.

use crate::schema::{
    blocks, bookmarks, favourites, follows, mentions, mutes, pins, status_tags, statuses,
};
use crate::{run, DbConn, DbResult, OptionalExt};
use chrono::NaiveDateTime;
use diesel::dsl::exists;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Identifiable)]
#[diesel(table_name = statuses)]
pub struct Status {
    pub id: String,
    pub uri: String,
    pub url: Option<String>,
    pub account_id: String,
    pub in_reply_to_id: Option<String>,
    pub in_reply_to_account_id: Option<String>,
    pub reblog_of_id: Option<String>,
    pub content: String,
    pub source_text: String,
    pub spoiler_text: String,
    pub sensitive: bool,
    pub visibility: String,
    pub language: Option<String>,
    pub is_local: bool,
    pub replies_count: i64,
    pub reblogs_count: i64,
    pub favourites_count: i64,
    pub created_at: NaiveDateTime,
    pub edited_at: Option<NaiveDateTime>,
    pub deleted_at: Option<NaiveDateTime>,
}

/// Mastodon-style paging by id: `max_id` (older than), `since_id` (newer than, newest first),
/// `min_id` (newer than, oldest first, for catching up).
#[derive(Debug, Clone, Default)]
pub struct Page {
    pub max_id: Option<String>,
    pub since_id: Option<String>,
    pub min_id: Option<String>,
    pub limit: i64,
}

/// The visibility rule as a SQL expression, for a signed-in viewer.
macro_rules! visible_to {
    ($viewer:expr) => {
        statuses::visibility
            .eq_any(["public", "unlisted"])
            .or(statuses::account_id.eq($viewer))
            .or(statuses::visibility.eq("private").and(exists(
                follows::table
                    .filter(follows::account_id.eq($viewer))
                    .filter(follows::target_account_id.eq(statuses::account_id))
                    .filter(follows::accepted.eq(true)),
            )))
            .or(exists(
                mentions::table
                    .filter(mentions::status_id.eq(statuses::id))
                    .filter(mentions::account_id.eq($viewer)),
            ))
            .and(diesel::dsl::not(exists(
                blocks::table
                    .filter(blocks::account_id.eq(statuses::account_id))
                    .filter(blocks::target_account_id.eq($viewer)),
            )))
    };
}

/// Posts whose author the viewer blocks or mutes, or who blocks the viewer, are left out of
/// the viewer's lists.
macro_rules! not_hidden_from {
    ($viewer:expr) => {
        diesel::dsl::not(exists(
            blocks::table
                .filter(blocks::account_id.eq($viewer))
                .filter(blocks::target_account_id.eq(statuses::account_id)),
        ))
        .and(diesel::dsl::not(exists(
            blocks::table
                .filter(blocks::target_account_id.eq($viewer))
                .filter(blocks::account_id.eq(statuses::account_id)),
        )))
        .and(diesel::dsl::not(exists(
            mutes::table
                .filter(mutes::account_id.eq($viewer))
                .filter(mutes::target_account_id.eq(statuses::account_id)),
        )))
    };
}

/// Applies paging and loads; results are newest first.
macro_rules! paged {
    ($q:expr, $page:expr, $c:expr) => {{
        let mut q = $q;
        if let Some(m) = &$page.max_id {
            q = q.filter(statuses::id.lt(m.clone()));
        }
        if let Some(s) = &$page.since_id {
            q = q.filter(statuses::id.gt(s.clone()));
        }
        if let Some(m) = &$page.min_id {
            q = q.filter(statuses::id.gt(m.clone()));
            let mut rows: Vec<Status> = q
                .order(statuses::id.asc())
                .limit($page.limit)
                .select(Status::as_select())
                .load($c)
                .await?;
            rows.reverse();
            Ok::<Vec<Status>, diesel::result::Error>(rows)
        } else {
            q.order(statuses::id.desc())
                .limit($page.limit)
                .select(Status::as_select())
                .load($c)
                .await
        }
    }};
}

pub async fn insert_status(
    conn: &mut DbConn,
    status: &Status,
    mentioned: &[String],
    tags: &[String],
) -> DbResult<()> {
    run!(conn, |c| diesel::insert_into(statuses::table)
        .values(status)
        .execute(c)
        .await)?;
    insert_links(conn, &status.id, mentioned, tags).await?;
    Ok(())
}

/// Records whom a status mentions and its hashtags (once each).
async fn insert_links(
    conn: &mut DbConn,
    status_id: &str,
    mentioned: &[String],
    tags: &[String],
) -> DbResult<()> {
    for account_id in mentioned {
        let id = interspace_core::ids::new_id();
        run!(conn, |c| diesel::insert_into(mentions::table)
            .values((
                mentions::id.eq(&id),
                mentions::status_id.eq(status_id),
                mentions::account_id.eq(account_id)
            ))
            .on_conflict_do_nothing()
            .execute(c)
            .await)?;
    }
    for tag in tags {
        run!(conn, |c| diesel::insert_into(status_tags::table)
            .values((
                status_tags::status_id.eq(status_id),
                status_tags::name.eq(tag)
            ))
            .on_conflict_do_nothing()
            .execute(c)
            .await)?;
    }
    Ok(())
}

pub async fn find_status(conn: &mut DbConn, id: &str) -> DbResult<Option<Status>> {
    run!(conn, |c| statuses::table
        .find(id)
        .filter(statuses::deleted_at.is_null())
        .select(Status::as_select())
        .first(c)
        .await)
    .opt()
}

pub async fn find_status_by_uri(conn: &mut DbConn, uri: &str) -> DbResult<Option<Status>> {
    run!(conn, |c| statuses::table
        .filter(statuses::uri.eq(uri))
        .select(Status::as_select())
        .first(c)
        .await)
    .opt()
}

pub async fn list_statuses_by_ids(conn: &mut DbConn, ids: &[String]) -> DbResult<Vec<Status>> {
    if ids.is_empty() {
        return Ok(vec![]);
    }
    Ok(run!(conn, |c| statuses::table
        .filter(statuses::id.eq_any(ids))
        .select(Status::as_select())
        .load(c)
        .await)?)
}

/// Whether `viewer` (None: anonymous) may see the status.
pub async fn is_visible(
    conn: &mut DbConn,
    status_id: &str,
    viewer: Option<&str>,
) -> DbResult<bool> {
    let n: i64 = match viewer {
        None => run!(conn, |c| statuses::table
            .filter(statuses::id.eq(status_id))
            .filter(statuses::deleted_at.is_null())
            .filter(statuses::visibility.eq_any(["public", "unlisted"]))
            .count()
            .get_result(c)
            .await)?,
        Some(v) => run!(conn, |c| statuses::table
            .filter(statuses::id.eq(status_id))
            .filter(statuses::deleted_at.is_null())
            .filter(visible_to!(v))
            .count()
            .get_result(c)
            .await)?,
    };
    Ok(n > 0)
}

/// Home: the viewer's own posts and those of accounts they follow, as far as visible to them.
pub async fn home_timeline(conn: &mut DbConn, viewer: &str, page: &Page) -> DbResult<Vec<Status>> {
    Ok(run!(conn, |c| {
        let followed = follows::table
            .filter(follows::account_id.eq(viewer))
            .filter(follows::accepted.eq(true))
            .select(follows::target_account_id);
        let q = statuses::table
            .into_boxed()
            .filter(statuses::deleted_at.is_null())
            .filter(
                statuses::account_id
                    .eq(viewer)
                    .or(statuses::account_id.eq_any(followed)),
            )
            .filter(visible_to!(viewer))
            .filter(not_hidden_from!(viewer));
        paged!(q, page, c)
    })?)
}

/// Public posts (no boosts), optionally only local or only remote.
pub async fn public_timeline(
    conn: &mut DbConn,
    viewer: Option<&str>,
    local: Option<bool>,
    page: &Page,
) -> DbResult<Vec<Status>> {
    Ok(run!(conn, |c| {
        let mut q = statuses::table
            .into_boxed()
            .filter(statuses::deleted_at.is_null())
            .filter(statuses::visibility.eq("public"))
            .filter(statuses::reblog_of_id.is_null())
            // Silenced accounts stay out of the public timelines.
            .filter(diesel::dsl::not(
                statuses::account_id.eq_any(
                    crate::schema::accounts::table
                        .filter(crate::schema::accounts::silenced_at.is_not_null())
                        .select(crate::schema::accounts::id),
                ),
            ));
        if let Some(l) = local {
            q = q.filter(statuses::is_local.eq(l));
        }
        if let Some(v) = viewer {
            q = q.filter(not_hidden_from!(v));
        }
        paged!(q, page, c)
    })?)
}

/// Public posts with a hashtag.
pub async fn tag_timeline(
    conn: &mut DbConn,
    viewer: Option<&str>,
    tag: &str,
    local: Option<bool>,
    page: &Page,
) -> DbResult<Vec<Status>> {
    Ok(run!(conn, |c| {
        let tagged = status_tags::table
            .filter(status_tags::name.eq(tag))
            .select(status_tags::status_id);
        let mut q = statuses::table
            .into_boxed()
            .filter(statuses::deleted_at.is_null())
            .filter(statuses::visibility.eq("public"))
            .filter(statuses::id.eq_any(tagged));
        if let Some(l) = local {
            q = q.filter(statuses::is_local.eq(l));
        }
        if let Some(v) = viewer {
            q = q.filter(not_hidden_from!(v));
        }
        paged!(q, page, c)
    })?)
}

/// An account's posts as the viewer may see them.
pub async fn account_statuses(
    conn: &mut DbConn,
    account_id: &str,
    viewer: Option<&str>,
    exclude_replies: bool,
    exclude_reblogs: bool,
    page: &Page,
) -> DbResult<Vec<Status>> {
    Ok(run!(conn, |c| {
        let mut q = statuses::table
            .into_boxed()
            .filter(statuses::deleted_at.is_null())
            .filter(statuses::account_id.eq(account_id));
        q = match viewer {
            Some(v) => q.filter(visible_to!(v)),
            None => q.filter(statuses::visibility.eq_any(["public", "unlisted"])),
        };
        if exclude_replies {
            q = q.filter(statuses::in_reply_to_id.is_null());
        }
        if exclude_reblogs {
            q = q.filter(statuses::reblog_of_id.is_null());
        }
        paged!(q, page, c)
    })?)
}

/// Direct replies to a status that the viewer may see, oldest first.
pub async fn list_replies(
    conn: &mut DbConn,
    status_id: &str,
    viewer: Option<&str>,
) -> DbResult<Vec<Status>> {
    Ok(run!(conn, |c| {
        let mut q = statuses::table
            .into_boxed()
            .filter(statuses::deleted_at.is_null())
            .filter(statuses::in_reply_to_id.eq(status_id));
        q = match viewer {
            Some(v) => q.filter(visible_to!(v)),
            None => q.filter(statuses::visibility.eq_any(["public", "unlisted"])),
        };
        q.order(statuses::id.asc())
            .limit(200)
            .select(Status::as_select())
            .load(c)
            .await
    })?)
}

/// Mentions of several statuses: (status_id, account_id).
pub async fn list_mentions(
    conn: &mut DbConn,
    status_ids: &[String],
) -> DbResult<Vec<(String, String)>> {
    if status_ids.is_empty() {
        return Ok(vec![]);
    }
    Ok(run!(conn, |c| mentions::table
        .filter(mentions::status_id.eq_any(status_ids))
        .select((mentions::status_id, mentions::account_id))
        .load(c)
        .await)?)
}

pub async fn list_tags(
    conn: &mut DbConn,
    status_ids: &[String],
) -> DbResult<Vec<(String, String)>> {
    if status_ids.is_empty() {
        return Ok(vec![]);
    }
    Ok(run!(conn, |c| status_tags::table
        .filter(status_tags::status_id.eq_any(status_ids))
        .select((status_tags::status_id, status_tags::name))
        .load(c)
        .await)?)
}

/// Which of `status_ids` the viewer favourited, bookmarked, reblogged.
pub async fn viewer_flags(
    conn: &mut DbConn,
    viewer: &str,
    status_ids: &[String],
) -> DbResult<(Vec<String>, Vec<String>, Vec<String>)> {
    if status_ids.is_empty() {
        return Ok((vec![], vec![], vec![]));
    }
    let favs = run!(conn, |c| favourites::table
        .filter(favourites::account_id.eq(viewer))
        .filter(favourites::status_id.eq_any(status_ids))
        .select(favourites::status_id)
        .load(c)
        .await)?;
    let marks = run!(conn, |c| bookmarks::table
        .filter(bookmarks::account_id.eq(viewer))
        .filter(bookmarks::status_id.eq_any(status_ids))
        .select(bookmarks::status_id)
        .load(c)
        .await)?;
    let boosts: Vec<Option<String>> = run!(conn, |c| statuses::table
        .filter(statuses::account_id.eq(viewer))
        .filter(statuses::deleted_at.is_null())
        .filter(statuses::reblog_of_id.eq_any(status_ids))
        .select(statuses::reblog_of_id)
        .load(c)
        .await)?;
    Ok((favs, marks, boosts.into_iter().flatten().collect()))
}

/// Marks a status deleted (a tombstone stays, so a late copy cannot revive it).
pub async fn mark_deleted(conn: &mut DbConn, id: &str, at: NaiveDateTime) -> DbResult<()> {
    run!(conn, |c| diesel::update(statuses::table.find(id))
        .set(statuses::deleted_at.eq(Some(at)))
        .execute(c)
        .await)?;
    Ok(())
}

/// Deletes every post of an account (its own deletion).
pub async fn mark_all_deleted_of(
    conn: &mut DbConn,
    account_id: &str,
    at: NaiveDateTime,
) -> DbResult<usize> {
    Ok(run!(conn, |c| diesel::update(
        statuses::table
            .filter(statuses::account_id.eq(account_id))
            .filter(statuses::deleted_at.is_null())
    )
    .set(statuses::deleted_at.eq(Some(at)))
    .execute(c)
    .await)?)
}

/// Boosts of a status by one account, live ones.
pub async fn find_reblog(
    conn: &mut DbConn,
    account_id: &str,
    status_id: &str,
) -> DbResult<Option<Status>> {
    run!(conn, |c| statuses::table
        .filter(statuses::account_id.eq(account_id))
        .filter(statuses::reblog_of_id.eq(status_id))
        .filter(statuses::deleted_at.is_null())
        .select(Status::as_select())
        .first(c)
        .await)
    .opt()
}

/// Adds `by` to one of the counters of a status.
pub async fn bump_count(conn: &mut DbConn, id: &str, counter: Counter, by: i64) -> DbResult<()> {
    match counter {
        Counter::Replies => run!(conn, |c| diesel::update(statuses::table.find(id))
            .set(statuses::replies_count.eq(statuses::replies_count + by))
            .execute(c)
            .await)?,
        Counter::Reblogs => run!(conn, |c| diesel::update(statuses::table.find(id))
            .set(statuses::reblogs_count.eq(statuses::reblogs_count + by))
            .execute(c)
            .await)?,
        Counter::Favourites => run!(conn, |c| diesel::update(statuses::table.find(id))
            .set(statuses::favourites_count.eq(statuses::favourites_count + by))
            .execute(c)
            .await)?,
    };
    Ok(())
}

#[derive(Debug, Clone, Copy)]
pub enum Counter {
    Replies,
    Reblogs,
    Favourites,
}

/// Inserts a favourite; false when it existed.
/// Records a favourite; `uri` is its Like activity's id. False when it existed already.
pub async fn insert_favourite(
    conn: &mut DbConn,
    account_id: &str,
    status_id: &str,
    uri: Option<&str>,
    at: NaiveDateTime,
) -> DbResult<bool> {
    let id = interspace_core::ids::new_id();
    let n = run!(conn, |c| diesel::insert_into(favourites::table)
        .values((
            favourites::id.eq(&id),
            favourites::account_id.eq(account_id),
            favourites::status_id.eq(status_id),
            favourites::uri.eq(uri),
            favourites::created_at.eq(at),
        ))
        .on_conflict_do_nothing()
        .execute(c)
        .await)?;
    Ok(n == 1)
}

/// Removes a favourite; returns whether there was one, and its Like id.
pub async fn delete_favourite(
    conn: &mut DbConn,
    account_id: &str,
    status_id: &str,
) -> DbResult<(bool, Option<String>)> {
    let uri: Option<Option<String>> = run!(conn, |c| favourites::table
        .filter(favourites::account_id.eq(account_id))
        .filter(favourites::status_id.eq(status_id))
        .select(favourites::uri)
        .first(c)
        .await
        .optional())?;
    let Some(uri) = uri else {
        return Ok((false, None));
    };
    run!(conn, |c| diesel::delete(
        favourites::table
            .filter(favourites::account_id.eq(account_id))
            .filter(favourites::status_id.eq(status_id))
    )
    .execute(c)
    .await)?;
    Ok((true, uri))
}

/// The (account, status) of a favourite by its Like id.
pub async fn find_favourite_by_uri(
    conn: &mut DbConn,
    uri: &str,
) -> DbResult<Option<(String, String)>> {
    Ok(run!(conn, |c| favourites::table
        .filter(favourites::uri.eq(uri))
        .select((favourites::account_id, favourites::status_id))
        .first(c)
        .await
        .optional())?)
}

pub async fn insert_bookmark(
    conn: &mut DbConn,
    account_id: &str,
    status_id: &str,
    at: NaiveDateTime,
) -> DbResult<()> {
    let id = interspace_core::ids::new_id();
    run!(conn, |c| diesel::insert_into(bookmarks::table)
        .values((
            bookmarks::id.eq(&id),
            bookmarks::account_id.eq(account_id),
            bookmarks::status_id.eq(status_id),
            bookmarks::created_at.eq(at),
        ))
        .on_conflict_do_nothing()
        .execute(c)
        .await)?;
    Ok(())
}

pub async fn delete_bookmark(conn: &mut DbConn, account_id: &str, status_id: &str) -> DbResult<()> {
    run!(conn, |c| diesel::delete(
        bookmarks::table
            .filter(bookmarks::account_id.eq(account_id))
            .filter(bookmarks::status_id.eq(status_id))
    )
    .execute(c)
    .await)?;
    Ok(())
}

/// Pins `status_id` to its author's profile; false when it already was.
pub async fn insert_pin(
    conn: &mut DbConn,
    account_id: &str,
    status_id: &str,
    at: NaiveDateTime,
) -> DbResult<bool> {
    Ok(run!(conn, |c| diesel::insert_into(pins::table)
        .values((
            pins::account_id.eq(account_id),
            pins::status_id.eq(status_id),
            pins::created_at.eq(at),
        ))
        .on_conflict_do_nothing()
        .execute(c)
        .await)?
        > 0)
}

/// Unpins; false when it was not pinned.
pub async fn delete_pin(conn: &mut DbConn, account_id: &str, status_id: &str) -> DbResult<bool> {
    Ok(run!(conn, |c| diesel::delete(
        pins::table
            .filter(pins::account_id.eq(account_id))
            .filter(pins::status_id.eq(status_id))
    )
    .execute(c)
    .await)?
        > 0)
}

/// An account's pinned posts that still exist, most recently pinned first; with
/// `public_only`, those of `public` and `unlisted` visibility.
pub async fn list_pinned(
    conn: &mut DbConn,
    account_id: &str,
    public_only: bool,
) -> DbResult<Vec<Status>> {
    let visible: &[&str] = if public_only {
        &["public", "unlisted"]
    } else {
        &["public", "unlisted", "private", "direct"]
    };
    Ok(run!(conn, |c| pins::table
        .inner_join(statuses::table)
        .filter(pins::account_id.eq(account_id))
        .filter(statuses::deleted_at.is_null())
        .filter(statuses::visibility.eq_any(visible))
        .order(pins::created_at.desc())
        .select(Status::as_select())
        .load(c)
        .await)?)
}

/// Which of `status_ids` the viewer pinned.
pub async fn pinned_among(
    conn: &mut DbConn,
    viewer: &str,
    status_ids: &[String],
) -> DbResult<Vec<String>> {
    if status_ids.is_empty() {
        return Ok(vec![]);
    }
    Ok(run!(conn, |c| pins::table
        .filter(pins::account_id.eq(viewer))
        .filter(pins::status_id.eq_any(status_ids))
        .select(pins::status_id)
        .load(c)
        .await)?)
}

/// Who favourited a status, a page of favourites (each with the favourite's id).
pub async fn favourited_by_page(
    conn: &mut DbConn,
    status_id: &str,
    page: &Page,
) -> DbResult<Vec<(String, crate::accounts::Account)>> {
    let rows = crate::page_by_id!(
        conn,
        favourites,
        favourites::status_id.eq(status_id),
        favourites::account_id,
        page
    )?;
    crate::with_accounts(conn, rows).await
}

/// Who boosted a status, a page of boosts (each with the boost's id).
pub async fn reblogged_by_page(
    conn: &mut DbConn,
    status_id: &str,
    page: &Page,
) -> DbResult<Vec<(String, crate::accounts::Account)>> {
    let rows = crate::page_by_id!(
        conn,
        statuses,
        statuses::reblog_of_id
            .eq(status_id)
            .and(statuses::deleted_at.is_null()),
        statuses::account_id,
        page
    )?;
    crate::with_accounts(conn, rows).await
}

/// Live posts of each of `ids`, in one query (ids without any are absent).
pub async fn count_statuses_of(conn: &mut DbConn, ids: &[String]) -> DbResult<Vec<(String, i64)>> {
    Ok(run!(conn, |c| statuses::table
        .filter(statuses::account_id.eq_any(ids))
        .filter(statuses::deleted_at.is_null())
        .group_by(statuses::account_id)
        .select((statuses::account_id, diesel::dsl::count_star()))
        .load::<(String, i64)>(c)
        .await)?)
}

/// An account's public activities (its `outbox`): live public and unlisted posts and boosts.
pub async fn count_outbox(conn: &mut DbConn, account_id: &str) -> DbResult<i64> {
    Ok(run!(conn, |c| statuses::table
        .filter(statuses::account_id.eq(account_id))
        .filter(statuses::deleted_at.is_null())
        .filter(statuses::visibility.eq_any(["public", "unlisted"]))
        .count()
        .get_result(c)
        .await)?)
}

/// One page of [`count_outbox`]'s posts and boosts, newest first, as status ids.
pub async fn list_outbox(
    conn: &mut DbConn,
    account_id: &str,
    offset: i64,
    limit: i64,
) -> DbResult<Vec<String>> {
    Ok(run!(conn, |c| statuses::table
        .filter(statuses::account_id.eq(account_id))
        .filter(statuses::deleted_at.is_null())
        .filter(statuses::visibility.eq_any(["public", "unlisted"]))
        .order(statuses::id.desc())
        .offset(offset)
        .limit(limit)
        .select(statuses::id)
        .load(c)
        .await)?)
}

/// Local, live posts (NodeInfo).
pub async fn count_local_statuses(conn: &mut DbConn) -> DbResult<i64> {
    Ok(run!(conn, |c| statuses::table
        .filter(statuses::is_local.eq(true))
        .filter(statuses::deleted_at.is_null())
        .filter(statuses::reblog_of_id.is_null())
        .count()
        .get_result(c)
        .await)?)
}

/// The status an idempotency key already produced.
pub async fn find_idempotent(
    conn: &mut DbConn,
    user_id: &str,
    key: &str,
    since: NaiveDateTime,
) -> DbResult<Option<String>> {
    use crate::schema::idempotency_keys as k;
    run!(conn, |c| k::table
        .filter(k::user_id.eq(user_id))
        .filter(k::key.eq(key))
        .filter(k::created_at.gt(since))
        .select(k::status_id)
        .first(c)
        .await)
    .opt()
}

pub async fn save_idempotent(
    conn: &mut DbConn,
    user_id: &str,
    key: &str,
    status_id: &str,
    at: NaiveDateTime,
) -> DbResult<()> {
    use crate::schema::idempotency_keys as k;
    run!(conn, |c| diesel::insert_into(k::table)
        .values((
            k::user_id.eq(user_id),
            k::key.eq(key),
            k::status_id.eq(status_id),
            k::created_at.eq(at)
        ))
        .on_conflict((k::user_id, k::key))
        .do_update()
        .set((k::status_id.eq(status_id), k::created_at.eq(at)))
        .execute(c)
        .await)?;
    Ok(())
}

/// Hashtags in use that start with `prefix` (lowercase), alphabetically.
pub async fn search_tags(conn: &mut DbConn, prefix: &str, limit: i64) -> DbResult<Vec<String>> {
    let pattern = format!(
        "{}%",
        prefix
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_")
    );
    Ok(run!(conn, |c| status_tags::table
        .filter(status_tags::name.like(&pattern).escape('\\'))
        .select(status_tags::name)
        .distinct()
        .order(status_tags::name.asc())
        .limit(limit)
        .load(c)
        .await)?)
}

/// Statuses the account bookmarked (or favourited), newest mark first, paged by the mark's id.
/// Returns (mark id, status).
pub async fn list_marked(
    conn: &mut DbConn,
    account_id: &str,
    favourites_list: bool,
    page: &Page,
) -> DbResult<Vec<(String, Status)>> {
    let marks: Vec<(String, String)> = if favourites_list {
        run!(conn, |c| {
            let mut q = favourites::table
                .into_boxed()
                .filter(favourites::account_id.eq(account_id));
            if let Some(m) = &page.max_id {
                q = q.filter(favourites::id.lt(m.clone()));
            }
            if let Some(m) = page.since_id.as_ref().or(page.min_id.as_ref()) {
                q = q.filter(favourites::id.gt(m.clone()));
            }
            q.order(favourites::id.desc())
                .limit(page.limit)
                .select((favourites::id, favourites::status_id))
                .load(c)
                .await
        })?
    } else {
        run!(conn, |c| {
            let mut q = bookmarks::table
                .into_boxed()
                .filter(bookmarks::account_id.eq(account_id));
            if let Some(m) = &page.max_id {
                q = q.filter(bookmarks::id.lt(m.clone()));
            }
            if let Some(m) = page.since_id.as_ref().or(page.min_id.as_ref()) {
                q = q.filter(bookmarks::id.gt(m.clone()));
            }
            q.order(bookmarks::id.desc())
                .limit(page.limit)
                .select((bookmarks::id, bookmarks::status_id))
                .load(c)
                .await
        })?
    };
    let ids: Vec<String> = marks.iter().map(|(_, s)| s.clone()).collect();
    let statuses = list_statuses_by_ids(conn, &ids).await?;
    Ok(marks
        .into_iter()
        .filter_map(|(mark, sid)| {
            let s = statuses
                .iter()
                .find(|s| s.id == sid && s.deleted_at.is_none())?
                .clone();
            Some((mark, s))
        })
        .collect())
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = crate::schema::status_edits)]
pub struct StatusEdit {
    pub id: String,
    pub status_id: String,
    pub content: String,
    pub spoiler_text: String,
    pub sensitive: bool,
    pub created_at: NaiveDateTime,
}

/// Keeps the current version as history, then writes the new one with its mentions and tags.
#[allow(clippy::too_many_arguments)]
pub async fn edit_status(
    conn: &mut DbConn,
    current: &Status,
    content: &str,
    source_text: &str,
    spoiler_text: &str,
    sensitive: bool,
    language: Option<&str>,
    mentioned: &[String],
    tags: &[String],
    at: NaiveDateTime,
) -> DbResult<()> {
    use crate::schema::status_edits;
    let previous = StatusEdit {
        id: interspace_core::ids::new_id(),
        status_id: current.id.clone(),
        content: current.content.clone(),
        spoiler_text: current.spoiler_text.clone(),
        sensitive: current.sensitive,
        created_at: current.edited_at.unwrap_or(current.created_at),
    };
    run!(conn, |c| diesel::insert_into(status_edits::table)
        .values(&previous)
        .execute(c)
        .await)?;
    run!(conn, |c| diesel::update(statuses::table.find(&current.id))
        .set((
            statuses::content.eq(content),
            statuses::source_text.eq(source_text),
            statuses::spoiler_text.eq(spoiler_text),
            statuses::sensitive.eq(sensitive),
            statuses::language.eq(language),
            statuses::edited_at.eq(Some(at)),
        ))
        .execute(c)
        .await)?;
    run!(conn, |c| diesel::delete(
        mentions::table.filter(mentions::status_id.eq(&current.id))
    )
    .execute(c)
    .await)?;
    run!(conn, |c| diesel::delete(
        status_tags::table.filter(status_tags::status_id.eq(&current.id))
    )
    .execute(c)
    .await)?;
    insert_links(conn, &current.id, mentioned, tags).await?;
    Ok(())
}

/// Earlier versions of a status, oldest first.
pub async fn list_edits(conn: &mut DbConn, status_id: &str) -> DbResult<Vec<StatusEdit>> {
    use crate::schema::status_edits;
    Ok(run!(conn, |c| status_edits::table
        .filter(status_edits::status_id.eq(status_id))
        .order(status_edits::id.asc())
        .select(StatusEdit::as_select())
        .load(c)
        .await)?)
}

/// Local accounts that boosted a status (they are told when it changes).
pub async fn list_rebloggers(conn: &mut DbConn, status_id: &str) -> DbResult<Vec<String>> {
    Ok(run!(conn, |c| statuses::table
        .filter(statuses::reblog_of_id.eq(status_id))
        .filter(statuses::deleted_at.is_null())
        .select(statuses::account_id)
        .load(c)
        .await)?)
}

/// Posts whose text contains `q` (case-insensitive), as far as the viewer may see them,
/// newest first.
pub async fn search_statuses(
    conn: &mut DbConn,
    viewer: &str,
    q: &str,
    limit: i64,
) -> DbResult<Vec<Status>> {
    let pattern = format!(
        "%{}%",
        q.to_lowercase()
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_")
    );
    Ok(run!(conn, |c| statuses::table
        .filter(statuses::deleted_at.is_null())
        .filter(statuses::reblog_of_id.is_null())
        .filter(visible_to!(viewer))
        .filter(not_hidden_from!(viewer))
        .filter(
            diesel::dsl::sql::<diesel::sql_types::Bool>("lower(source_text) LIKE ")
                .bind::<diesel::sql_types::Text, _>(&pattern)
                .sql(" ESCAPE '\\'")
        )
        .order(statuses::id.desc())
        .limit(limit)
        .select(Status::as_select())
        .load(c)
        .await)?)
}

/// A status by id even when deleted (the delivery worker announces deletions).
pub async fn find_status_any(conn: &mut DbConn, id: &str) -> DbResult<Option<Status>> {
    run!(conn, |c| statuses::table
        .find(id)
        .select(Status::as_select())
        .first(c)
        .await)
    .opt()
}

/// Inserts a status received from another instance, once per `uri`; returns whether it is new.
pub async fn insert_remote_status(
    conn: &mut DbConn,
    status: &Status,
    mentioned: &[String],
    tags: &[String],
) -> DbResult<bool> {
    let n = run!(conn, |c| diesel::insert_into(statuses::table)
        .values(status)
        .on_conflict(statuses::uri)
        .do_nothing()
        .execute(c)
        .await)?;
    if n == 0 {
        return Ok(false);
    }
    insert_links(conn, &status.id, mentioned, tags).await?;
    Ok(true)
}
