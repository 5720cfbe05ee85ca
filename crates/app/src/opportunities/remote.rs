//! Opportunities other instances tell us about, stored once per `uri` and changed only by
//! their author; and direct replies to an opportunity's post, kept as interest.

use super::received::insert_interest;
use super::{assemble, notify_followers, sync_post, Budget};
use crate::signals::Events;
use crate::{AppContext, AppError, AppResult};
use interspace_core::html::{sanitize, to_text};
use interspace_core::ids::new_id;
use interspace_core::opportunities::{self as rules, Kind, Status, Visibility, WorkMode};
use interspace_db::accounts::{self as db_accounts, Account};
use interspace_db::opportunities::{self as db, Opportunity};
use interspace_db::spaces as db_spaces;
use interspace_db::statuses::Status as Post;
use interspace_db::{now, DbConn};

/// An opportunity as received (a Note with a FEP-0837 Proposal), origin already checked.
#[derive(Debug, Clone)]
pub struct RemoteOpportunity {
    pub uri: String,
    pub url: Option<String>,
    pub title: String,
    /// The Note's HTML (what Mastodon users see), unsanitised.
    pub content: String,
    /// The description alone, when the Proposal carries it.
    pub description: Option<String>,
    pub kind: Option<String>,
    pub skills: Vec<String>,
    pub mode: Option<String>,
    pub city: Option<String>,
    pub budget: Option<Budget>,
    pub deadline: Option<chrono::NaiveDate>,
    pub team_size: Option<i64>,
    pub status: Option<String>,
    /// `public`, or `partners` (addressed to partner spaces' Groups).
    pub visibility: Visibility,
    pub applications_count: Option<i64>,
    pub published: Option<chrono::NaiveDateTime>,
}

/// Stores a new opportunity or applies its author's update. Deleted ones stay deleted.
pub async fn receive_opportunity(
    ctx: &AppContext,
    author: &Account,
    r: RemoteOpportunity,
) -> AppResult<()> {
    if r.visibility == Visibility::Partners
        && !crate::partnerships::from_partner(ctx, author).await?
    {
        return Err(AppError::Forbidden(
            "partners' opportunities come from partner spaces only".into(),
        ));
    }
    let existing = {
        let mut conn = ctx.db.get().await?;
        let existing = db::find_opportunity_by_uri(&mut conn, &r.uri).await?;
        if existing.is_none() && crate::outbox::deleted_before_arrival(&mut conn, &r.uri).await? {
            return Ok(());
        }
        existing
    };
    if let Some(o) = &existing {
        if o.is_local || o.author_id != author.id {
            return Err(AppError::Forbidden(
                "only the author updates an opportunity".into(),
            ));
        }
        if o.deleted_at.is_some() {
            return Ok(());
        }
    }
    let ts = now();
    let clip = |s: &str, n: usize| s.chars().take(n).collect::<String>();
    // Tags we cannot read are left out, one by one.
    let mut skills: Vec<String> = r
        .skills
        .iter()
        .filter_map(|t| rules::skills(std::slice::from_ref(t)).ok())
        .flatten()
        .collect();
    skills.sort();
    skills.dedup();
    skills.truncate(rules::MAX_SKILLS);
    let content = sanitize(&clip(&r.content, 100_000));
    let space_id = {
        let mut conn = ctx.db.get().await?;
        crate::spaces::space_id_of(&mut conn, author).await?
    };
    let o = Opportunity {
        id: existing.as_ref().map_or_else(new_id, |o| o.id.clone()),
        uri: r.uri.clone(),
        url: r.url.clone(),
        author_id: author.id.clone(),
        space_id,
        status_id: existing.as_ref().and_then(|o| o.status_id.clone()),
        title: clip(r.title.trim(), 200),
        description: r
            .description
            .as_deref()
            .map(|d| sanitize(&clip(d, 100_000)))
            .unwrap_or_else(|| content.clone()),
        source_text: String::new(),
        kind: r
            .kind
            .and_then(|k| Kind::parse(&k).ok())
            .unwrap_or(Kind::Project)
            .as_str()
            .into(),
        location_mode: r
            .mode
            .and_then(|m| WorkMode::parse(&m).ok())
            .unwrap_or(WorkMode::Remote)
            .as_str()
            .into(),
        location_city: r.city.map(|c| clip(&c, 100)),
        location_space_id: None,
        budget_minor: r.budget.as_ref().and_then(Budget::minor),
        budget_amount: r.budget.as_ref().map(|b| b.amount.clone()),
        budget_currency: r.budget.as_ref().map(|b| b.currency.clone()),
        budget_period: r.budget.as_ref().map(|b| b.period.clone()),
        deadline: r.deadline,
        team_size: r.team_size.unwrap_or(1).clamp(1, rules::MAX_TEAM as i64),
        status: r
            .status
            .and_then(|s| Status::parse(&s).ok())
            .unwrap_or(Status::Open)
            .as_str()
            .into(),
        visibility: r.visibility.as_str().into(),
        applications_count: r.applications_count.unwrap_or(0).max(0),
        is_local: false,
        created_at: existing
            .as_ref()
            .map_or(r.published.unwrap_or(ts).min(ts), |o| o.created_at),
        updated_at: ts,
        deleted_at: None,
    };
    let mut v = assemble(ctx, o, skills, author.clone(), None).await?;
    ctx.write(async |tx, events| {
        let new = existing.is_none();
        if new {
            if !db::insert_opportunity(tx, &v.opportunity, &v.skills).await? {
                return Ok(());
            }
        } else {
            db::set_skills(tx, &v.opportunity.id, &v.skills).await?;
        }
        sync_post(tx, events, &mut v, Some(content)).await?;
        db::save_opportunity(tx, &v.opportunity).await?;
        if new {
            notify_followers(
                tx,
                events,
                &v.skills,
                &v.author.id,
                v.opportunity.status_id.as_deref(),
            )
            .await?;
        }
        Ok(())
    })
    .await
}

/// The author deleted an opportunity: it becomes a tombstone. Whether `uri` was one.
pub async fn receive_delete(ctx: &AppContext, actor: &Account, uri: &str) -> AppResult<bool> {
    let o = {
        let mut conn = ctx.db.get().await?;
        db::find_opportunity_by_uri(&mut conn, uri).await?
    };
    let Some(mut o) = o else {
        return Ok(false);
    };
    if o.is_local || o.author_id != actor.id {
        return Err(AppError::Forbidden(
            "only the author deletes an opportunity".into(),
        ));
    }
    if o.deleted_at.is_some() {
        return Ok(true);
    }
    o.deleted_at = Some(now());
    o.status = Status::Closed.as_str().into();
    let mut v = assemble(ctx, o, vec![], actor.clone(), None).await?;
    ctx.write(async |tx, events| {
        sync_post(tx, events, &mut v, None).await?;
        db::save_opportunity(tx, &v.opportunity).await?;
        Ok(true)
    })
    .await
}

/// A direct reply to the post of an opportunity posted here is an expression of interest:
/// the poster finds it with the applications.
pub async fn note_interest(
    tx: &mut DbConn,
    events: &mut Events,
    reply: &Post,
    parent: &Post,
) -> AppResult<()> {
    if reply.visibility != "direct" || reply.account_id == parent.account_id {
        return Ok(());
    }
    let Some(o) = db::find_opportunity_by_uri(tx, &parent.uri).await? else {
        return Ok(());
    };
    if !o.is_local || o.deleted_at.is_some() || o.author_id != parent.account_id {
        return Ok(());
    }
    insert_interest(
        tx,
        events,
        &o,
        &reply.account_id,
        &reply.uri,
        to_text(&reply.content),
    )
    .await
}

/// A public post from elsewhere that mentions this space with the space's opportunity
/// hashtag (a Mastodon user's call for help, say): the space relays it to its followers as
/// it is, and the board lists it, its first line as the title and its other hashtags as
/// skills. Off unless the operator set the hashtag. `relayed`: the space already re-shares it
/// (it came from one of its followers), so it is not boosted a second time.
pub async fn relay_tagged(
    tx: &mut DbConn,
    events: &mut Events,
    ctx: &AppContext,
    post: &Post,
    mentioned: &[String],
    tags: &[String],
    relayed: bool,
) -> AppResult<()> {
    // Most posts stop here, before any query: the inbox's pace depends on it.
    if post.visibility != "public"
        || post.is_local
        || post.in_reply_to_id.is_some()
        || mentioned.is_empty()
        || tags.is_empty()
    {
        return Ok(());
    }
    let Some((space, group)) = db_spaces::find_local_space(tx).await? else {
        return Ok(());
    };
    let Some(trigger) = &space.opportunity_hashtag else {
        return Ok(());
    };
    if !mentioned.contains(&group.id) || !tags.contains(trigger) {
        return Ok(());
    }
    let text = to_text(&post.content);
    let first = text
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or_default();
    let words: Vec<&str> = first
        .split_whitespace()
        .filter(|w| !w.starts_with('@') && !w.starts_with('#'))
        .collect();
    let mut title: String = words.join(" ").chars().take(120).collect();
    if title.is_empty() {
        title = "Opportunity".into();
    }
    let mut skills: Vec<String> = tags
        .iter()
        .filter(|t| *t != trigger)
        .filter_map(|t| rules::skills(std::slice::from_ref(t)).ok())
        .flatten()
        .collect();
    skills.sort();
    skills.dedup();
    skills.truncate(rules::MAX_SKILLS);
    let author = db_accounts::find_account_by_id(tx, &post.account_id)
        .await?
        .ok_or(AppError::NotFound("account"))?;
    let ts = now();
    let o = Opportunity {
        id: new_id(),
        uri: post.uri.clone(),
        url: post.url.clone(),
        author_id: author.id.clone(),
        space_id: crate::spaces::space_id_of(tx, &author).await?,
        status_id: Some(post.id.clone()),
        title,
        description: post.content.clone(),
        source_text: String::new(),
        kind: Kind::Help.as_str().into(),
        location_mode: WorkMode::Remote.as_str().into(),
        location_city: None,
        location_space_id: None,
        budget_amount: None,
        budget_currency: None,
        budget_period: None,
        deadline: None,
        team_size: 1,
        status: Status::Open.as_str().into(),
        visibility: Visibility::Public.as_str().into(),
        applications_count: 0,
        is_local: false,
        created_at: post.created_at,
        updated_at: ts,
        deleted_at: None,
        budget_minor: None,
    };
    if !db::insert_opportunity(tx, &o, &skills).await? {
        return Ok(());
    }
    if !relayed {
        crate::boosts::insert_boost(
            tx,
            events,
            ctx,
            &group,
            post,
            interspace_core::statuses::Visibility::Public,
            crate::boosts::Sent::Announce,
        )
        .await?;
    }
    notify_followers(tx, events, &skills, &author.id, Some(&post.id)).await
}
