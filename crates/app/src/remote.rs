//! Use-cases for what other instances tell us (`Origin::Remote`): posts, their deletion and
//! edits, likes and boosts. The federation layer has checked signatures and origins.

use crate::notify::notify;
use crate::signals::{AppEvent, Events};
use crate::{AppContext, AppError, AppResult};
use interspace_core::html::sanitize;
use interspace_core::ids::new_id;
use interspace_core::notifications::NotificationKind;
use interspace_db::accounts::{self as db_accounts, Account};
use interspace_db::statuses::{self as db_statuses, Counter, Status};
use interspace_db::{now, outbox as db_outbox};

/// A post as received, already checked for origin.
#[derive(Debug, Clone)]
pub struct RemoteNote {
    pub uri: String,
    pub url: Option<String>,
    /// Unsanitised HTML from the wire.
    pub content: String,
    pub summary: Option<String>,
    pub sensitive: bool,
    pub language: Option<String>,
    pub published: Option<chrono::NaiveDateTime>,
    pub in_reply_to: Option<String>,
    /// `public`, `unlisted`, `private` or `direct`, from its addressing.
    pub visibility: String,
    /// Ids (or profile URLs) of mentioned actors.
    pub mentions: Vec<String>,
    pub hashtags: Vec<String>,
    /// Its `audience` (FEP-1b12: the group it is posted in).
    pub audience: Vec<String>,
    /// The id of the `Create` or `Update` that brought it (none when it was fetched).
    pub activity_id: Option<String>,
}

const MAX_CONTENT: usize = 100_000;

/// Stores a post from `author`, once (a second Create, or a Create after a Delete, changes
/// nothing: the tombstone stays). Mentioned local accounts are notified.
pub async fn receive_note(ctx: &AppContext, author: &Account, note: RemoteNote) -> AppResult<()> {
    let mut conn = ctx.db.get().await?;
    if db_statuses::find_status_by_uri(&mut conn, &note.uri)
        .await?
        .is_some()
        || crate::outbox::deleted_before_arrival(&mut conn, &note.uri).await?
    {
        return Ok(());
    }
    let parent = match &note.in_reply_to {
        Some(uri) => db_statuses::find_status_by_uri(&mut conn, uri)
            .await?
            .filter(|s| s.deleted_at.is_none()),
        None => None,
    };
    let mentioned = known_accounts(&mut conn, &note.mentions).await?;
    drop(conn);
    let addressed = Addressed {
        audience: note.audience.clone(),
        activity_id: note.activity_id.clone(),
    };
    let content: String = note.content.chars().take(MAX_CONTENT).collect();
    let ts = now();
    let status = Status {
        id: new_id(),
        uri: note.uri.clone(),
        url: note.url.clone(),
        account_id: author.id.clone(),
        in_reply_to_id: parent.as_ref().map(|p| p.id.clone()),
        in_reply_to_account_id: parent.as_ref().map(|p| p.account_id.clone()),
        reblog_of_id: None,
        content: sanitize(&content),
        source_text: String::new(),
        spoiler_text: note
            .summary
            .unwrap_or_default()
            .chars()
            .take(1000)
            .collect(),
        sensitive: note.sensitive,
        visibility: note.visibility.clone(),
        language: note.language.filter(|l| l.len() <= 16),
        is_local: false,
        replies_count: 0,
        reblogs_count: 0,
        favourites_count: 0,
        // Never in the future: a peer's clock does not reorder our timelines.
        created_at: note.published.map(|p| p.min(ts)).unwrap_or(ts),
        edited_at: None,
        deleted_at: None,
    };
    let tags: Vec<String> = note
        .hashtags
        .iter()
        .map(|t| t.trim_start_matches('#').to_lowercase())
        .filter(|t| !t.is_empty())
        .take(30)
        .collect();
    ctx.write(async |tx, events| {
        if db_statuses::insert_remote_status(tx, &status, &mentioned, &tags).await? {
            if let Some(p) = &parent {
                db_statuses::bump_count(tx, &p.id, Counter::Replies, 1).await?;
                crate::opportunities::note_interest(tx, events, &status, p).await?;
            }
            let relayed = relay_addressed(tx, events, ctx, &status, &mentioned, &addressed).await?;
            crate::opportunities::relay_tagged(
                tx, events, ctx, &status, &mentioned, &tags, relayed,
            )
            .await?;
            for m in &mentioned {
                notify(
                    tx,
                    events,
                    m,
                    &author.id,
                    NotificationKind::Mention,
                    Some(&status.id),
                )
                .await?;
            }
            events.push(AppEvent::Status {
                id: status.id.clone(),
                account_id: author.id.clone(),
                visibility: status.visibility.clone(),
                is_local: false,
                tags,
                edited: false,
            });
        }
        Ok(())
    })
    .await
}

/// How a remote post reached us, for [`relay_addressed`].
struct Addressed {
    audience: Vec<String>,
    activity_id: Option<String>,
}

/// FEP-1b12: a public post or comment from one of the space's followers, addressed to the space
/// (`to`, `cc`, a mention, or `audience`), is re-shared by the space with all its followers, as
/// Lemmy's communities do. Returns whether it was.
async fn relay_addressed(
    tx: &mut interspace_db::DbConn,
    events: &mut crate::signals::Events,
    ctx: &AppContext,
    post: &Status,
    mentioned: &[String],
    note: &Addressed,
) -> AppResult<bool> {
    if post.visibility != "public" {
        return Ok(false);
    }
    let Some((_, space)) = interspace_db::spaces::find_local_space(tx).await? else {
        return Ok(false);
    };
    if !mentioned.contains(&space.id) && !note.audience.contains(&space.uri) {
        return Ok(false);
    }
    let follows = interspace_db::follows::find_follow(tx, &post.account_id, &space.id).await?;
    if !follows.is_some_and(|f| f.accepted) {
        return Ok(false);
    }
    crate::boosts::relay(tx, events, ctx, &space, post, note.activity_id.as_deref()).await?;
    Ok(true)
}

/// Ids of the accounts we know among mentioned actor ids or profile URLs (at most 50).
async fn known_accounts(
    conn: &mut interspace_db::DbConn,
    refs: &[String],
) -> AppResult<Vec<String>> {
    let mut out: Vec<String> = Vec::new();
    for m in refs.iter().take(50) {
        let found = match db_accounts::find_account_by_uri(conn, m).await? {
            Some(a) => Some(a),
            None => db_accounts::find_account_by_url(conn, m).await?,
        };
        if let Some(a) = found {
            if !out.contains(&a.id) {
                out.push(a.id);
            }
        }
    }
    Ok(out)
}

/// The author edited a post we have: the new version replaces it, the old one goes to the
/// history. Unknown posts are ignored (we never had them).
pub async fn receive_update(ctx: &AppContext, author: &Account, note: RemoteNote) -> AppResult<()> {
    let mut tx = ctx.db.begin().await?;
    let Some(current) = db_statuses::find_status_by_uri(&mut tx, &note.uri)
        .await?
        .filter(|s| s.deleted_at.is_none())
    else {
        return Ok(());
    };
    if current.account_id != author.id {
        return Err(AppError::Forbidden("only the author edits a post".into()));
    }
    let mentioned = known_accounts(&mut tx, &note.mentions).await?;
    let tags: Vec<String> = note
        .hashtags
        .iter()
        .map(|t| t.trim_start_matches('#').to_lowercase())
        .filter(|t| !t.is_empty())
        .take(30)
        .collect();
    let content: String = note.content.chars().take(MAX_CONTENT).collect();
    db_statuses::edit_status(
        &mut tx,
        &current,
        &sanitize(&content),
        "",
        &note
            .summary
            .unwrap_or_default()
            .chars()
            .take(1000)
            .collect::<String>(),
        note.sensitive,
        note.language.as_deref().filter(|l| l.len() <= 16),
        &mentioned,
        &tags,
        now(),
    )
    .await?;
    let mut events = Events::default();
    crate::boosts::relay_change(
        &mut tx,
        &mut events,
        &current,
        interspace_core::delivery::OutboxKind::RelayUpdate,
        note.activity_id.as_deref(),
    )
    .await?;
    tx.commit().await?;
    events.push(AppEvent::Status {
        id: current.id,
        account_id: author.id.clone(),
        visibility: current.visibility,
        is_local: false,
        tags,
        edited: true,
    });
    ctx.publish(events);
    Ok(())
}

/// A remote actor deleted itself: its posts and follows go, and its copy becomes a tombstone
/// (later activities signed by it are dropped).
pub async fn receive_actor_delete(ctx: &AppContext, actor: &Account) -> AppResult<()> {
    if actor.is_local() || actor.deleted_at.is_some() {
        return Ok(());
    }
    let ts = now();
    ctx.write(async |tx, _| {
        interspace_db::follows::delete_all_of(tx, &actor.id).await?;
        db_statuses::mark_all_deleted_of(tx, &actor.id, ts).await?;
        interspace_db::accounts::mark_deleted(tx, &actor.id, ts).await?;
        Ok(())
    })
    .await
}

/// The author deleted a post (or anything else of theirs we might have by that id);
/// `activity_id`: the id of their `Delete`, when it came as one.
pub async fn receive_delete(
    ctx: &AppContext,
    author: &Account,
    uri: &str,
    activity_id: Option<&str>,
) -> AppResult<()> {
    if crate::events::receive_delete(ctx, author, uri).await?
        || crate::opportunities::receive_delete(ctx, author, uri).await?
    {
        return Ok(());
    }
    let mut tx = ctx.db.begin().await?;
    let Some(status) = db_statuses::find_status_by_uri(&mut tx, uri).await? else {
        // Deleted before it reached us (deliveries cross): its late Create finds this
        // tombstone and is refused. The inbox checked that `uri` is on the author's origin.
        db_outbox::insert_tombstone(&mut tx, uri, &author.uri, now()).await?;
        tx.commit().await?;
        return Ok(());
    };
    if status.account_id != author.id {
        return Err(AppError::Forbidden("only the author deletes a post".into()));
    }
    if status.deleted_at.is_some() {
        return Ok(());
    }
    db_statuses::mark_deleted(&mut tx, &status.id, now()).await?;
    if let Some(parent) = &status.in_reply_to_id {
        db_statuses::bump_count(&mut tx, parent, Counter::Replies, -1).await?;
    }
    if let Some(of) = &status.reblog_of_id {
        db_statuses::bump_count(&mut tx, of, Counter::Reblogs, -1).await?;
    }
    let mut events = Events::default();
    crate::boosts::relay_change(
        &mut tx,
        &mut events,
        &status,
        interspace_core::delivery::OutboxKind::RelayDelete,
        activity_id,
    )
    .await?;
    tx.commit().await?;
    events.push(AppEvent::Deleted {
        id: status.id,
        account_id: author.id.clone(),
    });
    ctx.publish(events);
    Ok(())
}

/// A like of a post we have (normally one of ours); `undo` takes it back.
pub async fn receive_like(
    ctx: &AppContext,
    actor: &Account,
    like_uri: &str,
    object_uri: &str,
    undo: bool,
) -> AppResult<()> {
    ctx.write(async |tx, events| {
        let Some(status) = db_statuses::find_status_by_uri(tx, object_uri)
            .await?
            .filter(|s| s.deleted_at.is_none())
        else {
            return Ok(());
        };
        if undo {
            if db_statuses::delete_favourite(tx, &actor.id, &status.id)
                .await?
                .0
            {
                db_statuses::bump_count(tx, &status.id, Counter::Favourites, -1).await?;
            }
        } else if db_statuses::insert_favourite(tx, &actor.id, &status.id, Some(like_uri), now())
            .await?
        {
            db_statuses::bump_count(tx, &status.id, Counter::Favourites, 1).await?;
            notify(
                tx,
                events,
                &status.account_id,
                &actor.id,
                NotificationKind::Favourite,
                Some(&status.id),
            )
            .await?;
        }
        Ok(())
    })
    .await
}

/// A boost (`Announce`) of a post we have; `undo` takes it back. `uri` is the Announce's id.
pub async fn receive_announce(
    ctx: &AppContext,
    actor: &Account,
    uri: &str,
    object_uri: &str,
    undo: bool,
) -> AppResult<()> {
    ctx.write(async |tx, events| {
        let Some(original) = db_statuses::find_status_by_uri(tx, object_uri)
            .await?
            .filter(|s| s.deleted_at.is_none())
        else {
            return Ok(());
        };
        if undo {
            if let Some(boost) = db_statuses::find_reblog(tx, &actor.id, &original.id).await? {
                db_statuses::mark_deleted(tx, &boost.id, now()).await?;
                db_statuses::bump_count(tx, &original.id, Counter::Reblogs, -1).await?;
                events.push(AppEvent::Deleted {
                    id: boost.id,
                    account_id: actor.id.clone(),
                });
            }
        } else if matches!(original.visibility.as_str(), "public" | "unlisted")
            // One boost per actor and post, however many shapes it came in (a group's plain
            // Announce and its Announce of the Create).
            && db_statuses::find_reblog(tx, &actor.id, &original.id)
                .await?
                .is_none()
        {
            let boost = crate::boosts::row(
                new_id(),
                uri.to_string(),
                actor,
                &original,
                interspace_core::statuses::Visibility::Public,
            );
            if db_statuses::insert_remote_status(tx, &boost, &[], &[]).await? {
                db_statuses::bump_count(tx, &original.id, Counter::Reblogs, 1).await?;
                notify(
                    tx,
                    events,
                    &original.account_id,
                    &actor.id,
                    NotificationKind::Reblog,
                    Some(&original.id),
                )
                .await?;
                events.push(AppEvent::Status {
                    id: boost.id,
                    account_id: actor.id.clone(),
                    visibility: "public".into(),
                    is_local: false,
                    tags: vec![],
                    edited: false,
                });
            }
        }
        Ok(())
    })
    .await
}

/// What the delivery worker needs about a post: the post (even deleted), its author, and the
/// accounts it mentions.
pub async fn status_for_delivery(
    ctx: &AppContext,
    id: &str,
) -> AppResult<(Status, Account, Vec<Account>, Vec<String>)> {
    let mut conn = ctx.db.get().await?;
    let status = db_statuses::find_status_any(&mut conn, id)
        .await?
        .ok_or(AppError::NotFound("status"))?;
    let author = db_accounts::get_account_by_id(&mut conn, &status.account_id).await?;
    let ids: Vec<String> = db_statuses::list_mentions(&mut conn, std::slice::from_ref(&status.id))
        .await?
        .into_iter()
        .map(|(_, a)| a)
        .collect();
    let mentioned = db_accounts::list_accounts_by_ids(&mut conn, &ids).await?;
    let tags = db_statuses::list_tags(&mut conn, std::slice::from_ref(&status.id))
        .await?
        .into_iter()
        .map(|(_, t)| t)
        .collect();
    Ok((status, author, mentioned, tags))
}

/// Whether we have a post with this id (deleted ones count: their tombstone stays).
/// A post from elsewhere that its origin no longer serves (a group announced its Delete, and
/// the origin confirmed): deleted here as if its author had said so.
pub async fn receive_gone(ctx: &AppContext, uri: &str) -> AppResult<()> {
    let author = {
        let mut conn = ctx.db.get().await?;
        let Some(status) = db_statuses::find_status_by_uri(&mut conn, uri).await? else {
            return Ok(());
        };
        if status.is_local {
            return Ok(());
        }
        db_accounts::get_account_by_id(&mut conn, &status.account_id).await?
    };
    receive_delete(ctx, &author, uri, None).await
}

pub async fn knows_status(ctx: &AppContext, uri: &str) -> AppResult<bool> {
    let mut conn = ctx.db.get().await?;
    Ok(db_statuses::find_status_by_uri(&mut conn, uri)
        .await?
        .is_some())
}

/// An `Undo` whose object is only an id (as Mitra sends): whatever of the actor's it names, a
/// like, a boost, a follow or a block, is taken back.
pub async fn receive_undo_by_id(ctx: &AppContext, actor: &Account, uri: &str) -> AppResult<()> {
    let mut conn = ctx.db.get().await?;
    if let Some((account_id, status_id)) =
        db_statuses::find_favourite_by_uri(&mut conn, uri).await?
    {
        if account_id == actor.id {
            let status = db_statuses::find_status_any(&mut conn, &status_id).await?;
            drop(conn);
            if let Some(status) = status {
                return receive_like(ctx, actor, uri, &status.uri, true).await;
            }
            return Ok(());
        }
    }
    if let Some(boost) = db_statuses::find_status_by_uri(&mut conn, uri).await? {
        if boost.account_id == actor.id {
            if let Some(of) = &boost.reblog_of_id {
                let original = db_statuses::find_status_any(&mut conn, of).await?;
                drop(conn);
                if let Some(original) = original {
                    return receive_announce(ctx, actor, uri, &original.uri, true).await;
                }
            }
            return Ok(());
        }
    }
    if let Some(follow) = interspace_db::follows::find_follow_by_uri(&mut conn, uri).await? {
        if follow.account_id == actor.id {
            interspace_db::follows::delete_follow(&mut conn, &actor.id, &follow.target_account_id)
                .await?;
        }
        return Ok(());
    }
    if let Some((blocker, target)) =
        interspace_db::blocks::find_block_by_uri(&mut conn, uri).await?
    {
        if blocker == actor.id {
            interspace_db::blocks::delete_block(&mut conn, &actor.id, &target).await?;
        }
    }
    Ok(())
}
