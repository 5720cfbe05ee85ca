//! Reading opportunities: one, the board, a lookup by id, and what the wire needs.

use super::{budget_of, invalid, Budget, OpportunityId};
use crate::spaces::{self, SpaceDetails};
use crate::{AppContext, AppError, AppResult};
use interspace_core::opportunities::{self as rules, Visibility};
use interspace_db::accounts::{self as db_accounts, Account};
use interspace_db::opportunities::{self as db, Application, BoardFilter, Opportunity};
use interspace_db::DbConn;

/// An opportunity with what its pages and entities show.
#[derive(Debug, Clone)]
pub struct OpportunityView {
    pub opportunity: Opportunity,
    pub author: Account,
    /// The author's space.
    pub space: Option<SpaceDetails>,
    /// Where the work happens, when it is at a space.
    pub location_space: Option<SpaceDetails>,
    pub skills: Vec<String>,
    pub budget: Option<Budget>,
    /// The viewer's own application.
    pub mine: Option<Application>,
}

pub(super) async fn assemble(
    ctx: &AppContext,
    o: Opportunity,
    skills: Vec<String>,
    author: Account,
    mine: Option<Application>,
) -> AppResult<OpportunityView> {
    let space = match &o.space_id {
        Some(s) => spaces::get(ctx, s).await.ok(),
        None => None,
    };
    let location_space = match &o.location_space_id {
        Some(s) if Some(s) == o.space_id.as_ref() => space.clone(),
        Some(s) => spaces::get(ctx, s).await.ok(),
        None => None,
    };
    Ok(OpportunityView {
        budget: budget_of(&o),
        opportunity: o,
        author,
        space,
        location_space,
        skills,
        mine,
    })
}

/// Whether `viewer` is a member here.
async fn is_member(conn: &mut DbConn, viewer: Option<&str>) -> AppResult<bool> {
    match viewer {
        Some(v) => crate::members::is_active(conn, v).await,
        None => Ok(false),
    }
}

async fn view(
    ctx: &AppContext,
    o: Opportunity,
    viewer: Option<&str>,
) -> AppResult<OpportunityView> {
    let mut conn = ctx.db.get().await?;
    let author = db_accounts::find_account_by_id(&mut conn, &o.author_id)
        .await?
        .ok_or(AppError::NotFound("account"))?;
    let skills = db::list_skills(&mut conn, &o.id).await?;
    let mine = match viewer {
        Some(v) => db::find_application_of(&mut conn, &o.id, v).await?,
        None => None,
    };
    drop(conn);
    assemble(ctx, o, skills, author, mine).await
}

/// An opportunity `viewer` may see: public ones for anyone, the rest for members and the
/// author. Deleted ones are gone.
pub async fn get(
    ctx: &AppContext,
    id: &OpportunityId,
    viewer: Option<&Account>,
) -> AppResult<OpportunityView> {
    let viewer = viewer.map(|a| a.id.as_str());
    let mut conn = ctx.db.get().await?;
    let o = db::find_opportunity(&mut conn, id)
        .await?
        .ok_or(AppError::NotFound("opportunity"))?;
    let visible = o.visibility == Visibility::Public.as_str()
        || viewer == Some(o.author_id.as_str())
        || is_member(&mut conn, viewer).await?;
    drop(conn);
    if !visible {
        return Err(AppError::NotFound("opportunity"));
    }
    if o.deleted_at.is_some() {
        return Err(AppError::Gone("opportunity"));
    }
    view(ctx, o, viewer).await
}

/// The opportunity whose post is `status_id`, if it is one.
pub async fn of_status(ctx: &AppContext, status_uri: &str) -> AppResult<Option<Opportunity>> {
    let mut conn = ctx.db.get().await?;
    Ok(db::find_opportunity_by_uri(&mut conn, status_uri).await?)
}

/// The local copy of an opportunity by its ActivityPub id, fetched if unknown and `viewer`
/// is signed in (anonymous lookups store nothing: they read what is known).
pub async fn lookup(
    ctx: &AppContext,
    uri: &str,
    viewer: Option<&Account>,
) -> AppResult<OpportunityView> {
    let known = of_status(ctx, uri).await?;
    let o = match known {
        Some(o) => o,
        None if viewer.is_none() => return Err(AppError::NotFound("opportunity")),
        None => {
            let parsed = url::Url::parse(uri).map_err(|_| invalid("uri", "must be a URL"))?;
            ctx.resolver()?.resolve_object(ctx, &parsed).await?;
            of_status(ctx, uri)
                .await?
                .ok_or(AppError::NotFound("opportunity"))?
        }
    };
    get(ctx, &OpportunityId::new(o.id), viewer).await
}

/// A page of the board as `viewer` may see it.
pub async fn list(
    ctx: &AppContext,
    viewer: Option<&Account>,
    mut filter: BoardFilter,
) -> AppResult<Vec<OpportunityView>> {
    let viewer = viewer.map(|a| a.id.as_str());
    let mut conn = ctx.db.get().await?;
    filter.viewer = viewer.map(String::from);
    filter.viewer_is_member = is_member(&mut conn, viewer).await?;
    if let Some(s) = filter.skill.take() {
        filter.skill = rules::skills(&[s])?.into_iter().next();
    }
    let found = db::list_board(&mut conn, &filter).await?;
    drop(conn);
    let mut out = Vec::with_capacity(found.len());
    for o in found {
        out.push(view(ctx, o, viewer).await?);
    }
    Ok(out)
}

/// What the wire needs of an opportunity: it, and the partner spaces' Groups for a
/// `partners` one.
pub async fn for_delivery(
    ctx: &AppContext,
    id: &str,
) -> AppResult<(OpportunityView, Vec<Account>)> {
    let o = {
        let mut conn = ctx.db.get().await?;
        db::find_opportunity(&mut conn, id)
            .await?
            .ok_or(AppError::NotFound("opportunity"))?
    };
    let v = view(ctx, o, None).await?;
    let partners = match &v.space {
        Some(s) if v.opportunity.is_local => crate::partnerships::partners_of(ctx, s)
            .await?
            .into_iter()
            .map(|p| p.account)
            .collect(),
        _ => vec![],
    };
    Ok((v, partners))
}
