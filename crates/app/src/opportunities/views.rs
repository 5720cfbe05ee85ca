//! Applications as the people involved see them: the poster, the applicant, the teammates.

use super::apply::{build_view, ApplicationView, SOURCE_INVITE};
use super::{ApplicationId, OpportunityId, OpportunityView};
use crate::{AppContext, AppError, AppResult};
use interspace_db::accounts::Account;
use interspace_db::opportunities::{self as db, TeamMember};
use std::collections::HashMap;

/// The poster's own applications for an opportunity (only the author sees them).
pub async fn applications_for(
    ctx: &AppContext,
    poster: &Account,
    opportunity_id: &OpportunityId,
) -> AppResult<Vec<ApplicationView>> {
    let list = {
        let mut conn = ctx.db.get().await?;
        let o = db::find_opportunity(&mut conn, opportunity_id)
            .await?
            .ok_or(AppError::NotFound("opportunity"))?;
        if o.author_id != poster.id {
            return Err(AppError::Forbidden(
                "only the author sees the applications".into(),
            ));
        }
        db::list_applications_for(&mut conn, opportunity_id)
            .await?
            .into_iter()
            .filter(|a| a.source != SOURCE_INVITE)
            .collect::<Vec<_>>()
    };
    let mut out = Vec::with_capacity(list.len());
    for a in list {
        out.push(build_view(ctx, a).await?);
    }
    Ok(out)
}

/// An account's applications, as applicant or teammate.
pub async fn applications_of(ctx: &AppContext, who: &Account) -> AppResult<Vec<ApplicationView>> {
    let list = {
        let mut conn = ctx.db.get().await?;
        db::list_applications_of(&mut conn, &who.id).await?
    };
    let mut out = Vec::with_capacity(list.len());
    for a in list {
        out.push(build_view(ctx, a).await?);
    }
    Ok(out)
}

/// Team invitations addressed to `who`, with the application they are for.
pub async fn invitations(
    ctx: &AppContext,
    who: &Account,
) -> AppResult<Vec<(TeamMember, ApplicationView)>> {
    let list = {
        let mut conn = ctx.db.get().await?;
        db::list_invitations(&mut conn, &who.id).await?
    };
    let mut out = Vec::with_capacity(list.len());
    for m in list {
        let app = {
            let mut conn = ctx.db.get().await?;
            db::find_application(&mut conn, &m.application_id).await?
        };
        if let Some(app) = app {
            out.push((m, build_view(ctx, app).await?));
        }
    }
    Ok(out)
}

/// The viewer's own applications among `list`, by opportunity id: what a page of the board
/// shows as "your application", loaded before it is rendered.
pub async fn mine_among(
    ctx: &AppContext,
    viewer: Option<&Account>,
    list: &[OpportunityView],
) -> AppResult<HashMap<String, ApplicationView>> {
    let mut out = HashMap::new();
    let Some(me) = viewer else {
        return Ok(out);
    };
    for v in list {
        if let Some(a) = v.mine.as_ref().filter(|a| a.applicant_id == me.id) {
            out.insert(v.opportunity.id.clone(), build_view(ctx, a.clone()).await?);
        }
    }
    Ok(out)
}

/// One application, for those involved: applicant, teammates, poster.
pub async fn get_application(
    ctx: &AppContext,
    who: &Account,
    id: &ApplicationId,
) -> AppResult<ApplicationView> {
    let app = {
        let mut conn = ctx.db.get().await?;
        db::find_application(&mut conn, id)
            .await?
            .ok_or(AppError::NotFound("application"))?
    };
    let v = build_view(ctx, app).await?;
    let involved = v.applicant.id == who.id
        || v.poster.id == who.id
        || v.team.iter().any(|t| t.account.id == who.id);
    if !involved {
        return Err(AppError::NotFound("application"));
    }
    Ok(v)
}

/// What the wire needs of an application.
pub async fn for_delivery(ctx: &AppContext, id: &str) -> AppResult<ApplicationView> {
    let app = {
        let mut conn = ctx.db.get().await?;
        db::find_application(&mut conn, id)
            .await?
            .ok_or(AppError::NotFound("application"))?
    };
    build_view(ctx, app).await
}

/// Whether `uri` is an application this instance holds.
pub async fn knows(ctx: &AppContext, uri: &str) -> AppResult<bool> {
    let mut conn = ctx.db.get().await?;
    Ok(db::find_application_by_uri(&mut conn, uri).await?.is_some())
}

/// The id of the invitation sent to `account_id` for an application.
pub async fn invitation_uri(
    ctx: &AppContext,
    application_id: &str,
    account_id: &str,
) -> AppResult<Option<String>> {
    let mut conn = ctx.db.get().await?;
    Ok(db::find_member(&mut conn, application_id, account_id)
        .await?
        .and_then(|m| m.invite_uri))
}
