//! Posts: create, read, delete, favourite, boost, bookmark, threads; visibility everywhere.

use crate::notify::notify;
use crate::signals::{AppEvent, Events};
use crate::{AppContext, AppError, AppResult};
use chrono::Duration;
use interspace_core::delivery::OutboxKind;
use interspace_core::ids::new_id;
use interspace_core::notifications::NotificationKind;
use interspace_core::text::{self, MentionRef};
use interspace_db::accounts::{self as db_accounts, Account};
use interspace_db::statuses::{self as db_statuses, Counter, Status};
use interspace_db::users::User;
use interspace_db::{now, DbConn};
use std::collections::{HashMap, HashSet};

/// Longest post, in characters (shown in `/api/v2/instance`).
pub const MAX_CHARS: usize = 5000;
const MAX_SPOILER: usize = 1000;
const MAX_MENTIONS: usize = 50;
const MAX_TAGS: usize = 30;

pub use interspace_core::statuses::Visibility;

/// A status with everything a client shows, from one viewer's point of view.
#[derive(Debug, Clone)]
pub struct StatusView {
    pub status: Status,
    pub account: Account,
    pub mentions: Vec<Account>,
    pub tags: Vec<String>,
    pub favourited: bool,
    pub reblogged: bool,
    pub bookmarked: bool,
    /// The viewer pinned it (only an author pins).
    pub pinned: bool,
    pub media: Vec<interspace_db::media::Media>,
    pub reblog: Option<Box<StatusView>>,
}

/// Loads authors, mentions, tags, boosted originals and the viewer's flags in a few queries.
pub async fn hydrate(
    conn: &mut DbConn,
    statuses: Vec<Status>,
    viewer: Option<&str>,
) -> AppResult<Vec<StatusView>> {
    let original_ids: Vec<String> = statuses
        .iter()
        .filter_map(|s| s.reblog_of_id.clone())
        .collect();
    let originals = db_statuses::list_statuses_by_ids(conn, &original_ids).await?;
    let all_ids: Vec<String> = statuses
        .iter()
        .chain(originals.iter())
        .map(|s| s.id.clone())
        .collect();
    let mentions = db_statuses::list_mentions(conn, &all_ids).await?;
    let tags = db_statuses::list_tags(conn, &all_ids).await?;
    let media = interspace_db::media::list_for_statuses(conn, &all_ids).await?;
    let mut account_ids: HashSet<String> = statuses
        .iter()
        .chain(originals.iter())
        .map(|s| s.account_id.clone())
        .collect();
    account_ids.extend(mentions.iter().map(|(_, a)| a.clone()));
    let account_ids: Vec<String> = account_ids.into_iter().collect();
    let accounts: HashMap<String, Account> = db_accounts::list_accounts_by_ids(conn, &account_ids)
        .await?
        .into_iter()
        .map(|a| (a.id.clone(), a))
        .collect();
    let (favs, marks, boosts, pins) = match viewer {
        Some(v) => {
            let (favs, marks, boosts) = db_statuses::viewer_flags(conn, v, &all_ids).await?;
            // Only an author pins: no query for a page without the viewer's own posts.
            let own: Vec<String> = statuses
                .iter()
                .chain(originals.iter())
                .filter(|s| s.account_id == v)
                .map(|s| s.id.clone())
                .collect();
            let pins = db_statuses::pinned_among(conn, v, &own).await?;
            (favs, marks, boosts, pins)
        }
        None => (vec![], vec![], vec![], vec![]),
    };
    let build = |s: Status| -> Option<StatusView> {
        let account = accounts.get(&s.account_id)?.clone();
        Some(StatusView {
            mentions: mentions
                .iter()
                .filter(|(sid, _)| *sid == s.id)
                .filter_map(|(_, a)| accounts.get(a).cloned())
                .collect(),
            tags: tags
                .iter()
                .filter(|(sid, _)| *sid == s.id)
                .map(|(_, t)| t.clone())
                .collect(),
            favourited: favs.contains(&s.id),
            reblogged: boosts.contains(&s.id),
            bookmarked: marks.contains(&s.id),
            pinned: pins.contains(&s.id),
            media: media
                .iter()
                .filter(|m| m.status_id.as_deref() == Some(s.id.as_str()))
                .cloned()
                .collect(),
            account,
            reblog: None,
            status: s,
        })
    };
    let originals: HashMap<String, StatusView> = originals
        .into_iter()
        .filter(|s| s.deleted_at.is_none())
        .filter_map(build)
        .map(|v| (v.status.id.clone(), v))
        .collect();
    Ok(statuses
        .into_iter()
        .filter_map(|s| {
            let of = s.reblog_of_id.clone();
            let mut view = build(s)?;
            if let Some(of) = of {
                // A boost of something gone is not shown.
                view.reblog = Some(Box::new(originals.get(&of)?.clone()));
            }
            Some(view)
        })
        .collect())
}

pub async fn view(ctx: &AppContext, status: Status, viewer: Option<&str>) -> AppResult<StatusView> {
    let mut conn = ctx.db.get().await?;
    hydrate(&mut conn, vec![status], viewer)
        .await?
        .pop()
        .ok_or(AppError::NotFound("status"))
}

/// A status the viewer may see, or NotFound (also for ones they may not see: no leaks).
pub async fn get_visible(ctx: &AppContext, id: &str, viewer: Option<&str>) -> AppResult<Status> {
    let mut conn = ctx.db.get().await?;
    let status = db_statuses::find_status(&mut conn, id)
        .await?
        .ok_or(AppError::NotFound("status"))?;
    if !db_statuses::is_visible(&mut conn, id, viewer).await? {
        return Err(AppError::NotFound("status"));
    }
    Ok(status)
}

pub async fn get(ctx: &AppContext, id: &str, viewer: Option<&str>) -> AppResult<StatusView> {
    let status = get_visible(ctx, id, viewer).await?;
    view(ctx, status, viewer).await
}

#[derive(Debug, Clone, Default)]
pub struct NewStatus {
    pub text: String,
    pub visibility: Option<String>,
    pub in_reply_to_id: Option<String>,
    pub spoiler_text: Option<String>,
    /// `None`: the author's default.
    pub sensitive: Option<bool>,
    pub language: Option<String>,
    pub idempotency_key: Option<String>,
    pub media_ids: Vec<String>,
    /// `text/plain` (default) or `text/markdown`.
    pub content_type: Option<String>,
}

/// Resolves mentions: local names from the database, remote ones from the database or the
/// network. Mentions that cannot be resolved stay plain text.
async fn resolve_mentions(
    ctx: &AppContext,
    refs: &[MentionRef],
) -> AppResult<Vec<(MentionRef, Account)>> {
    let mut out = Vec::new();
    let local_domain = ctx.urls().domain().to_string();
    for m in refs.iter().take(MAX_MENTIONS) {
        let found = match &m.domain {
            None => crate::accounts::get_local_by_username(ctx, &m.username)
                .await
                .ok(),
            Some(d) if d.eq_ignore_ascii_case(&local_domain) => {
                crate::accounts::get_local_by_username(ctx, &m.username)
                    .await
                    .ok()
            }
            Some(d) => {
                let known = {
                    let mut conn = ctx.db.get().await?;
                    db_accounts::find_remote_account_by_acct(&mut conn, &m.username, d).await?
                };
                match known {
                    Some(a) => Some(a),
                    None => match ctx.resolver() {
                        Ok(r) => r.resolve_acct(ctx, &m.acct()).await.ok(),
                        Err(_) => None,
                    },
                }
            }
        };
        if let Some(a) = found.filter(|a| a.actor_type != "Application") {
            out.push((m.clone(), a));
        }
    }
    Ok(out)
}

/// A post's text as HTML, with the accounts it mentions and its hashtags.
struct Rendered {
    content: String,
    tags: Vec<String>,
    mention_ids: Vec<String>,
}

/// How a post's text is written: `text/plain` (the default) or `text/markdown`.
fn is_markdown(content_type: Option<&str>) -> AppResult<bool> {
    match content_type.map(str::trim).filter(|c| !c.is_empty()) {
        None | Some("text/plain") => Ok(false),
        Some("text/markdown") => Ok(true),
        Some(other) => Err(AppError::Unprocessable(format!(
            "Validation failed: content_type '{other}' is not text/plain or text/markdown"
        ))),
    }
}

async fn render(ctx: &AppContext, text: &str, markdown: bool) -> AppResult<Rendered> {
    let refs = text::mentions(text);
    let mentioned = resolve_mentions(ctx, &refs).await?;
    let resolved: HashMap<MentionRef, String> = mentioned
        .iter()
        .map(|(m, a)| (m.clone(), a.url.clone().unwrap_or_else(|| a.uri.clone())))
        .collect();
    let urls = ctx.urls().clone();
    let tag_url = |t: &str| urls.path(&format!("/tags/{t}")).to_string();
    let content = if markdown {
        text::render_markdown(text, &resolved, &tag_url)
    } else {
        text::render(text, &resolved, &tag_url)
    };
    Ok(Rendered {
        content,
        tags: text::hashtags(text).into_iter().take(MAX_TAGS).collect(),
        mention_ids: mentioned.iter().map(|(_, a)| a.id.clone()).collect(),
    })
}

pub async fn create(
    ctx: &AppContext,
    author: &(User, Account),
    new: NewStatus,
) -> AppResult<StatusView> {
    let (user, account) = author;
    if let Some(key) = new.idempotency_key.as_deref().filter(|k| !k.is_empty()) {
        let mut conn = ctx.db.get().await?;
        if let Some(id) =
            db_statuses::find_idempotent(&mut conn, &user.id, key, now() - Duration::hours(1))
                .await?
        {
            if let Some(s) = db_statuses::find_status(&mut conn, &id).await? {
                drop(conn);
                return view(ctx, s, Some(&account.id)).await;
            }
        }
    }
    let text = new.text.trim();
    if new.media_ids.len() > 4 {
        return Err(AppError::Unprocessable(
            "Validation failed: at most 4 media attachments".into(),
        ));
    }
    if text.is_empty() && new.media_ids.is_empty() {
        return Err(AppError::Unprocessable(
            "Validation failed: Text can't be blank".into(),
        ));
    }
    for media_id in &new.media_ids {
        let m = crate::media::get_own(ctx, account, media_id).await?;
        if m.status_id.is_some() {
            return Err(AppError::Unprocessable(
                "Validation failed: media is attached to another post".into(),
            ));
        }
    }
    if text.chars().count() > MAX_CHARS {
        return Err(AppError::Unprocessable(format!(
            "Validation failed: Text character limit of {MAX_CHARS} exceeded"
        )));
    }
    let spoiler = new.spoiler_text.as_deref().unwrap_or("").trim().to_string();
    if spoiler.chars().count() > MAX_SPOILER {
        return Err(AppError::Unprocessable(
            "Validation failed: Spoiler text is too long".into(),
        ));
    }
    let visibility = match new.visibility.as_deref().filter(|v| !v.is_empty()) {
        Some(v) => Visibility::parse(v).map_err(|e| AppError::Unprocessable(e.to_string()))?,
        None => Visibility::parse(&user.default_privacy).unwrap_or(Visibility::Public),
    };
    let language = new
        .language
        .clone()
        .or_else(|| user.default_language.clone());
    let language = match language.as_deref().map(str::trim).filter(|l| !l.is_empty()) {
        Some(l) if l.len() <= 16 && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') => {
            Some(l.to_lowercase())
        }
        Some(l) => {
            return Err(AppError::Unprocessable(format!(
                "Validation failed: '{l}' is not a language code"
            )))
        }
        None => None,
    };
    let parent = match new.in_reply_to_id.as_deref().filter(|i| !i.is_empty()) {
        Some(id) => Some(
            get_visible(ctx, id, Some(&account.id))
                .await
                .map_err(|_| AppError::NotFound("status"))?,
        ),
        None => None,
    };

    let Rendered {
        content,
        tags,
        mut mention_ids,
    } = render(ctx, text, is_markdown(new.content_type.as_deref())?).await?;
    // Replying mentions the parent's author implicitly for delivery and visibility.
    if let Some(p) = &parent {
        if p.account_id != account.id && !mention_ids.contains(&p.account_id) {
            mention_ids.push(p.account_id.clone());
        }
    }

    let id = new_id();
    let uri = ctx.urls().actor_sub(
        &ctx.urls().user(&account.username),
        &format!("statuses/{id}"),
    );
    let url = ctx.urls().path(&format!("/@{}/{id}", account.username));
    let ts = now();
    let status = Status {
        id: id.clone(),
        uri: uri.to_string(),
        url: Some(url.to_string()),
        account_id: account.id.clone(),
        in_reply_to_id: parent.as_ref().map(|p| p.id.clone()),
        in_reply_to_account_id: parent.as_ref().map(|p| p.account_id.clone()),
        reblog_of_id: None,
        content,
        source_text: text.to_string(),
        spoiler_text: spoiler,
        sensitive: new.sensitive.unwrap_or(user.default_sensitive),
        visibility: visibility.as_str().to_string(),
        language,
        is_local: true,
        replies_count: 0,
        reblogs_count: 0,
        favourites_count: 0,
        created_at: ts,
        edited_at: None,
        deleted_at: None,
    };
    ctx.write(async |tx, events| {
        db_statuses::insert_status(tx, &status, &mention_ids, &tags).await?;
        if !new.media_ids.is_empty()
            && interspace_db::media::attach(tx, &account.id, &new.media_ids, &id).await?
                != new.media_ids.len()
        {
            return Err(AppError::Unprocessable(
                "Validation failed: media is attached to another post".into(),
            ));
        }
        if let Some(p) = &parent {
            db_statuses::bump_count(tx, &p.id, Counter::Replies, 1).await?;
            crate::opportunities::note_interest(tx, events, &status, p).await?;
        }
        for mentioned_id in &mention_ids {
            notify(
                tx,
                events,
                mentioned_id,
                &account.id,
                NotificationKind::Mention,
                Some(&id),
            )
            .await?;
        }
        if matches!(
            visibility,
            Visibility::Public | Visibility::Unlisted | Visibility::Private
        ) {
            crate::notify::notify_subscribers(tx, events, &account.id, &id, &mention_ids).await?;
        }
        if let Some(key) = new
            .idempotency_key
            .as_deref()
            .filter(|k| !k.is_empty() && k.len() <= 200)
        {
            db_statuses::save_idempotent(tx, &user.id, key, &id, ts).await?;
        }
        events.push(AppEvent::of_post(&status, &tags, false));
        crate::outbox::enqueue(tx, OutboxKind::StatusCreate, &account.id, &id, None).await?;
        // FEP-1b12: a member's public post addressed to the space is re-shared by the space.
        if visibility == Visibility::Public && !mention_ids.is_empty() {
            if let Some((_, space)) = interspace_db::spaces::find_local_space(tx).await? {
                if mention_ids.contains(&space.id) && space.id != account.id {
                    crate::boosts::relay(tx, events, ctx, &space, &status, None).await?;
                }
            }
        }
        Ok(())
    })
    .await?;
    view(ctx, status, Some(&account.id)).await
}

/// The post of an event or an opportunity follows it: it is changed through it, not by hand.
async fn refuse_companion_post(ctx: &AppContext, id: &str) -> AppResult<()> {
    if crate::events::of_status(ctx, id).await?.is_some() {
        return Err(AppError::Unprocessable(
            "Validation failed: this post shows an event; change or cancel the event instead"
                .into(),
        ));
    }
    let post = {
        let mut conn = ctx.db.get().await?;
        db_statuses::find_status(&mut conn, id).await?
    };
    if let Some(post) = post {
        if crate::opportunities::of_status(ctx, &post.uri)
            .await?
            .is_some()
        {
            return Err(AppError::Unprocessable(
                "Validation failed: this post shows an opportunity; change or close the opportunity instead"
                    .into(),
            ));
        }
    }
    Ok(())
}

/// Deletes one's own status; returns it with its source text (clients offer to redraft).
pub async fn delete(ctx: &AppContext, account: &Account, id: &str) -> AppResult<StatusView> {
    let status = get_visible(ctx, id, Some(&account.id)).await?;
    if status.account_id != account.id {
        return Err(AppError::Forbidden("This action is not allowed".into()));
    }
    refuse_companion_post(ctx, id).await?;
    let shown = view(ctx, status.clone(), Some(&account.id)).await?;
    let mut tx = ctx.db.begin().await?;
    let mut events = Events::default();
    db_statuses::mark_deleted(&mut tx, &status.id, now()).await?;
    crate::boosts::relay_change(&mut tx, &mut events, &status, OutboxKind::RelayDelete, None)
        .await?;
    if let Some(parent) = &status.in_reply_to_id {
        db_statuses::bump_count(&mut tx, parent, Counter::Replies, -1).await?;
    }
    if let Some(of) = &status.reblog_of_id {
        db_statuses::bump_count(&mut tx, of, Counter::Reblogs, -1).await?;
    }
    crate::outbox::enqueue(
        &mut tx,
        OutboxKind::StatusDelete,
        &account.id,
        &status.id,
        None,
    )
    .await?;
    tx.commit().await?;
    events.push(AppEvent::Deleted {
        id: status.id.clone(),
        account_id: account.id.clone(),
    });
    ctx.publish(events);
    Ok(shown)
}

pub async fn favourite(ctx: &AppContext, account: &Account, id: &str) -> AppResult<StatusView> {
    let status = get_visible(ctx, id, Some(&account.id)).await?;
    ctx.write(async |tx, events| {
        // Each like has an id of its own: a like after an unlike is a new activity.
        let like_id = format!("{}/likes/{}", account.uri, new_id());
        if db_statuses::insert_favourite(tx, &account.id, &status.id, Some(&like_id), now()).await?
        {
            db_statuses::bump_count(tx, &status.id, Counter::Favourites, 1).await?;
            notify(
                tx,
                events,
                &status.account_id,
                &account.id,
                NotificationKind::Favourite,
                Some(&status.id),
            )
            .await?;
            crate::outbox::enqueue_about(
                tx,
                OutboxKind::Like,
                &account.id,
                &status.id,
                Some(&status.account_id),
                Some(&like_id),
            )
            .await?;
        }
        Ok(())
    })
    .await?;
    get(ctx, id, Some(&account.id)).await
}

pub async fn unfavourite(ctx: &AppContext, account: &Account, id: &str) -> AppResult<StatusView> {
    let status = get_visible(ctx, id, Some(&account.id)).await?;
    ctx.write(async |tx, _| {
        let (removed, like_id) = db_statuses::delete_favourite(tx, &account.id, &status.id).await?;
        if removed {
            db_statuses::bump_count(tx, &status.id, Counter::Favourites, -1).await?;
            crate::outbox::enqueue_about(
                tx,
                OutboxKind::UndoLike,
                &account.id,
                &status.id,
                Some(&status.account_id),
                like_id.as_deref(),
            )
            .await?;
        }
        Ok(())
    })
    .await?;
    get(ctx, id, Some(&account.id)).await
}

pub async fn bookmark(
    ctx: &AppContext,
    account: &Account,
    id: &str,
    on: bool,
) -> AppResult<StatusView> {
    let status = get_visible(ctx, id, Some(&account.id)).await?;
    let mut conn = ctx.db.get().await?;
    if on {
        db_statuses::insert_bookmark(&mut conn, &account.id, &status.id, now()).await?;
    } else {
        db_statuses::delete_bookmark(&mut conn, &account.id, &status.id).await?;
    }
    drop(conn);
    get(ctx, id, Some(&account.id)).await
}

/// Pins one's own post to one's profile (`on`) or unpins it; pinning a public or unlisted post
/// tells followers' servers (`Add` to, `Remove` from, the `featured` collection).
pub async fn pin(ctx: &AppContext, account: &Account, id: &str, on: bool) -> AppResult<StatusView> {
    let status = get_visible(ctx, id, Some(&account.id)).await?;
    let visibility = Visibility::try_from(status.visibility.clone())
        .map_err(|e| AppError::Internal(e.to_string()))?;
    ctx.write(async |tx, _| {
        let changed = if on {
            let pinned = db_statuses::list_pinned(tx, &account.id, false).await?;
            if pinned.iter().any(|p| p.id == status.id) {
                return Ok(());
            }
            let own = status.account_id == account.id;
            if let Some(refusal) = interspace_core::statuses::pin_refusal(
                own,
                status.reblog_of_id.is_some(),
                visibility,
                pinned.len(),
            ) {
                return Err(AppError::Unprocessable(refusal.into()));
            }
            db_statuses::insert_pin(tx, &account.id, &status.id, now()).await?
        } else {
            db_statuses::delete_pin(tx, &account.id, &status.id).await?
        };
        if changed && matches!(visibility, Visibility::Public | Visibility::Unlisted) {
            let kind = if on {
                OutboxKind::Pin
            } else {
                OutboxKind::Unpin
            };
            crate::outbox::enqueue(tx, kind, &account.id, &status.id, None).await?;
        }
        Ok(())
    })
    .await?;
    get(ctx, id, Some(&account.id)).await
}

/// An account's pinned posts as `viewer` may see them.
pub async fn pinned(
    ctx: &AppContext,
    account_id: &str,
    viewer: Option<&str>,
) -> AppResult<Vec<StatusView>> {
    let mut conn = ctx.db.get().await?;
    let own = viewer == Some(account_id);
    let list = db_statuses::list_pinned(&mut conn, account_id, !own).await?;
    hydrate(&mut conn, list, viewer).await
}

/// Boosts a status; returns the boost (its `reblog` is the original).
pub async fn reblog(
    ctx: &AppContext,
    account: &Account,
    id: &str,
    visibility: Option<&str>,
) -> AppResult<StatusView> {
    let original = get_visible(ctx, id, Some(&account.id)).await?;
    // A boost of a boost boosts the original.
    let original = match &original.reblog_of_id {
        Some(of) => get_visible(ctx, of, Some(&account.id)).await?,
        None => original,
    };
    let own = original.account_id == account.id;
    match original.visibility.as_str() {
        "public" | "unlisted" => {}
        "private" if own => {}
        _ => return Err(AppError::Forbidden("This action is not allowed".into())),
    }
    let visibility = match visibility.filter(|v| !v.is_empty()) {
        Some(v) => Visibility::parse(v).map_err(|e| AppError::Unprocessable(e.to_string()))?,
        None => Visibility::Public,
    };
    {
        let mut conn = ctx.db.get().await?;
        if let Some(existing) =
            db_statuses::find_reblog(&mut conn, &account.id, &original.id).await?
        {
            drop(conn);
            return view(ctx, existing, Some(&account.id)).await;
        }
    }
    let boost = ctx
        .write(async |tx, events| {
            let boost = crate::boosts::insert_boost(
                tx,
                events,
                ctx,
                account,
                &original,
                visibility,
                crate::boosts::Sent::Announce,
            )
            .await?;
            Ok(boost)
        })
        .await?;
    view(ctx, boost, Some(&account.id)).await
}

pub async fn unreblog(ctx: &AppContext, account: &Account, id: &str) -> AppResult<StatusView> {
    let original = get_visible(ctx, id, Some(&account.id)).await?;
    let mut gone = Events::default();
    let mut tx = ctx.db.begin().await?;
    if let Some(boost) = db_statuses::find_reblog(&mut tx, &account.id, &original.id).await? {
        gone.push(AppEvent::Deleted {
            id: boost.id.clone(),
            account_id: account.id.clone(),
        });
        crate::outbox::enqueue(
            &mut tx,
            OutboxKind::UndoAnnounce,
            &account.id,
            &boost.id,
            Some(&original.account_id),
        )
        .await?;
        db_statuses::mark_deleted(&mut tx, &boost.id, now()).await?;
        db_statuses::bump_count(&mut tx, &original.id, Counter::Reblogs, -1).await?;
    }
    ctx.commit(tx, gone).await?;
    get(ctx, id, Some(&account.id)).await
}

/// Ancestors (oldest first) and descendants (depth first) that the viewer may see.
pub async fn context(
    ctx: &AppContext,
    id: &str,
    viewer: Option<&str>,
) -> AppResult<(Vec<StatusView>, Vec<StatusView>)> {
    let status = get_visible(ctx, id, viewer).await?;
    let mut conn = ctx.db.get().await?;
    let mut ancestors = Vec::new();
    let mut next = status.in_reply_to_id.clone();
    while let Some(pid) = next.take() {
        if ancestors.len() >= 40 {
            break;
        }
        let Some(p) = db_statuses::find_status(&mut conn, &pid).await? else {
            break;
        };
        if !db_statuses::is_visible(&mut conn, &p.id, viewer).await? {
            break;
        }
        next = p.in_reply_to_id.clone();
        ancestors.push(p);
    }
    ancestors.reverse();
    let mut descendants = Vec::new();
    let mut stack = vec![status.id.clone()];
    while let Some(sid) = stack.pop() {
        if descendants.len() >= 200 {
            break;
        }
        let replies = db_statuses::list_replies(&mut conn, &sid, viewer).await?;
        for r in replies.into_iter().rev() {
            stack.push(r.id.clone());
            descendants.push(r);
        }
    }
    descendants.sort_by(|a, b| a.id.cmp(&b.id));
    Ok((
        hydrate(&mut conn, ancestors, viewer).await?,
        hydrate(&mut conn, descendants, viewer).await?,
    ))
}

/// Accounts that favourited or boosted a visible status.
pub async fn interacted_by(
    ctx: &AppContext,
    id: &str,
    viewer: Option<&str>,
    favourites: bool,
    page: &interspace_db::statuses::Page,
) -> AppResult<Vec<(String, Account)>> {
    let status = get_visible(ctx, id, viewer).await?;
    let mut conn = ctx.db.get().await?;
    Ok(if favourites {
        db_statuses::favourited_by_page(&mut conn, &status.id, page).await?
    } else {
        db_statuses::reblogged_by_page(&mut conn, &status.id, page).await?
    })
}

#[derive(Debug, Clone, Default)]
pub struct StatusEdit {
    pub text: String,
    pub content_type: Option<String>,
    pub spoiler_text: Option<String>,
    pub sensitive: Option<bool>,
    pub language: Option<String>,
}

/// Edits one's own post; the previous version is kept as history. Newly mentioned accounts
/// are notified, and so are those who boosted it (`update`).
pub async fn edit(
    ctx: &AppContext,
    account: &Account,
    id: &str,
    e: StatusEdit,
) -> AppResult<StatusView> {
    let status = get_visible(ctx, id, Some(&account.id)).await?;
    if status.account_id != account.id || status.reblog_of_id.is_some() {
        return Err(AppError::Forbidden("This action is not allowed".into()));
    }
    refuse_companion_post(ctx, id).await?;
    let text = e.text.trim();
    if text.is_empty() {
        return Err(AppError::Unprocessable(
            "Validation failed: Text can't be blank".into(),
        ));
    }
    if text.chars().count() > MAX_CHARS {
        return Err(AppError::Unprocessable(format!(
            "Validation failed: Text character limit of {MAX_CHARS} exceeded"
        )));
    }
    let spoiler = e
        .spoiler_text
        .unwrap_or_else(|| status.spoiler_text.clone())
        .trim()
        .to_string();
    if spoiler.chars().count() > MAX_SPOILER {
        return Err(AppError::Unprocessable(
            "Validation failed: Spoiler text is too long".into(),
        ));
    }
    let Rendered {
        content,
        tags,
        mut mention_ids,
    } = render(ctx, text, is_markdown(e.content_type.as_deref())?).await?;
    if let Some(parent_author) = &status.in_reply_to_account_id {
        if parent_author != &account.id && !mention_ids.contains(parent_author) {
            mention_ids.push(parent_author.clone());
        }
    }
    let language = e
        .language
        .or_else(|| status.language.clone())
        .filter(|l| !l.trim().is_empty());
    ctx.write(async |tx, events| {
        let before: Vec<String> = db_statuses::list_mentions(tx, std::slice::from_ref(&status.id))
            .await?
            .into_iter()
            .map(|(_, a)| a)
            .collect();
        db_statuses::edit_status(
            tx,
            &status,
            &content,
            text,
            &spoiler,
            e.sensitive.unwrap_or(status.sensitive),
            language.as_deref(),
            &mention_ids,
            &tags,
            now(),
        )
        .await?;
        for m in mention_ids.iter().filter(|m| !before.contains(m)) {
            notify(
                tx,
                events,
                m,
                &account.id,
                NotificationKind::Mention,
                Some(&status.id),
            )
            .await?;
        }
        for booster in db_statuses::list_rebloggers(tx, &status.id).await? {
            notify(
                tx,
                events,
                &booster,
                &account.id,
                NotificationKind::Update,
                Some(&status.id),
            )
            .await?;
        }
        events.push(AppEvent::of_post(&status, &tags, true));
        crate::outbox::enqueue(tx, OutboxKind::StatusUpdate, &account.id, &status.id, None).await?;
        crate::boosts::relay_change(tx, events, &status, OutboxKind::RelayUpdate, None).await?;
        Ok(())
    })
    .await?;
    get(ctx, id, Some(&account.id)).await
}

/// Every version of a visible post, oldest first, the current one last.
pub async fn history(
    ctx: &AppContext,
    id: &str,
    viewer: Option<&str>,
) -> AppResult<(StatusView, Vec<db_statuses::StatusEdit>)> {
    let view = get(ctx, id, viewer).await?;
    let mut conn = ctx.db.get().await?;
    let edits = db_statuses::list_edits(&mut conn, &view.status.id).await?;
    Ok((view, edits))
}

/// The stored row of a status (the federation layer builds its Note from it).
pub type StatusRow = Status;

/// Media attached to a status.
pub async fn media_of(
    ctx: &AppContext,
    status_id: &str,
) -> AppResult<Vec<interspace_db::media::Media>> {
    let mut conn = ctx.db.get().await?;
    Ok(interspace_db::media::list_for_statuses(&mut conn, &[status_id.to_string()]).await?)
}
