//! Opportunities (API.md "Opportunities"): project requests, jobs, collaboration calls, help
//! wanted and offers of services. Anyone with an account posts one; the space relays public
//! ones and never selects: applications go to the poster only (`apply`).
//!
//! A public opportunity is a post too, with the opportunity's own `uri`, so that every
//! Mastodon client shows it; on the wire it is a `Note` with a FEP-0837 `Proposal` attached.

mod apply;
mod people;
mod post;
mod read;
mod received;
mod remote;
#[cfg(test)]
mod tests;
mod views;

pub use apply::{
    answer_invitation, apply, decide, withdraw, ApplicationInput, ApplicationView, Decision,
    RemoteApplication, TeamEntry,
};
use interspace_core::delivery::OutboxKind;
use interspace_core::notifications::NotificationKind;
pub use people::{
    directory, directory_opt_in, follow_skill, followed_skills, set_directory_opt_in,
};
use post::sync_post;
pub use post::{kind_label, post_html, where_text};
use read::assemble;
pub use read::{for_delivery, get, list, lookup, of_status, OpportunityView};
pub use received::{
    receive_answer, receive_consent, receive_decline, receive_invite, receive_offer,
    receive_withdrawal,
};
pub use remote::{
    note_interest, receive_delete, receive_opportunity, relay_tagged, RemoteOpportunity,
};
pub use views::{
    applications_for, applications_of, for_delivery as application_for_delivery, get_application,
    invitation_uri, invitations, knows as knows_application, mine_among,
};

use crate::signals::Events;
use crate::spaces::{self, Money};
use crate::{AppContext, AppError, AppResult};
use chrono::NaiveDate;
use interspace_core::ids::new_id;
pub use interspace_core::ids::{ApplicationId, OpportunityId};
use interspace_core::opportunities::{
    self as rules, BudgetPeriod, Kind, Status, Visibility, WorkMode,
};
use interspace_core::text::optional_text;
use interspace_core::ValidationError;
use interspace_db::accounts::Account;
use interspace_db::opportunities as db;
pub use interspace_db::opportunities::{
    Application, BoardFilter, DirectoryFilter, Opportunity, TeamMember,
};
use interspace_db::users::User;
use interspace_db::{now, DbConn};
use serde::{Deserialize, Serialize};

/// A budget or rate.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Budget {
    pub amount: String,
    pub currency: String,
    pub period: String,
}

impl Budget {
    /// "1500.00 EUR", "60.00 EUR per hour".
    pub fn text(&self) -> String {
        match self.period.as_str() {
            "fixed" => format!("{} {}", self.amount, self.currency),
            p => format!("{} {} per {p}", self.amount, self.currency),
        }
    }

    /// The amount in hundredths.
    pub fn minor(&self) -> Option<i64> {
        let (whole, frac) = self.amount.split_once('.').unwrap_or((&self.amount, "0"));
        let frac = format!("{frac:0<2}");
        Some(whole.parse::<i64>().ok()? * 100 + frac.get(..2)?.parse::<i64>().ok()?)
    }
}

/// A budget from the API: checked money with a period (`fixed` when not given).
pub fn check_budget(
    field: &'static str,
    amount: &str,
    currency: &str,
    period: Option<&str>,
) -> Result<Budget, ValidationError> {
    let money = spaces::validate_money(
        field,
        &Money {
            amount: amount.into(),
            currency: currency.into(),
        },
    )?;
    let period = match period.map(str::trim).filter(|p| !p.is_empty()) {
        Some(p) => BudgetPeriod::parse(p)?,
        None => BudgetPeriod::Fixed,
    };
    Ok(Budget {
        amount: money.amount,
        currency: money.currency,
        period: period.as_str().into(),
    })
}

pub fn budget_of(o: &Opportunity) -> Option<Budget> {
    Some(Budget {
        amount: o.budget_amount.clone()?,
        currency: o.budget_currency.clone()?,
        period: o.budget_period.clone().unwrap_or_else(|| "fixed".into()),
    })
}

/// What a poster writes. For an update, `None` keeps the current value.
#[derive(Debug, Clone, Default)]
pub struct OpportunityInput {
    pub title: Option<String>,
    /// Markdown.
    pub description: Option<String>,
    pub kind: Option<String>,
    pub skills: Option<Vec<String>>,
    pub mode: Option<String>,
    pub city: Option<String>,
    /// `Some(None)`: not at a space.
    pub location_space_id: Option<Option<String>>,
    /// `Some(None)`: no budget.
    pub budget: Option<Option<Budget>>,
    /// `Some(None)`: no deadline.
    pub deadline: Option<Option<String>>,
    pub team_size: Option<i64>,
    pub visibility: Option<String>,
}

fn invalid(field: &'static str, reason: impl Into<String>) -> AppError {
    AppError::Validation(ValidationError::new(field, reason))
}

fn today() -> NaiveDate {
    now().date()
}

/// Checks and applies `input` to `o` (a new opportunity or a copy of the current one).
async fn apply_input(
    ctx: &AppContext,
    o: &mut Opportunity,
    tags: &mut Vec<String>,
    input: &OpportunityInput,
) -> AppResult<()> {
    if let Some(t) = &input.title {
        o.title = crate::companion::title(t)?;
    }
    if let Some(d) = &input.description {
        o.description = crate::companion::description(ctx, d)?;
        o.source_text = d.clone();
    }
    if let Some(k) = &input.kind {
        o.kind = Kind::parse(k.trim())?.as_str().into();
    }
    if let Some(s) = &input.skills {
        *tags = rules::skills(s)?;
        tags.sort();
    }
    if let Some(m) = &input.mode {
        o.location_mode = WorkMode::parse(m.trim())?.as_str().into();
    }
    if let Some(c) = &input.city {
        o.location_city = optional_text(Some(c.clone()), 100);
    }
    if let Some(s) = &input.location_space_id {
        o.location_space_id = match s.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => None,
            Some(id) => Some(
                spaces::get(ctx, id)
                    .await
                    .map_err(|_| invalid("location.space_id", "is not a space known here"))?
                    .space
                    .id,
            ),
        };
    }
    if let Some(b) = &input.budget {
        o.budget_amount = b.as_ref().map(|b| b.amount.clone());
        o.budget_currency = b.as_ref().map(|b| b.currency.clone());
        o.budget_period = b.as_ref().map(|b| b.period.clone());
        o.budget_minor = b.as_ref().and_then(Budget::minor);
    }
    if let Some(d) = &input.deadline {
        o.deadline = match d.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
            None => None,
            Some(d) => Some(rules::deadline(d, today())?),
        };
    }
    if let Some(n) = input.team_size {
        o.team_size = rules::team_size(n)?;
    }
    if let Some(v) = &input.visibility {
        o.visibility = Visibility::parse(v.trim())?.as_str().into();
    }
    if o.location_mode == WorkMode::Onsite.as_str()
        && o.location_city.is_none()
        && o.location_space_id.is_none()
    {
        return Err(invalid("location", "on-site work needs a city or a space"));
    }
    Ok(())
}

/// Tells the local people who follow one of its skills about a new opportunity.
async fn notify_followers(
    tx: &mut DbConn,
    events: &mut Events,
    skills: &[String],
    author_id: &str,
    post_id: Option<&str>,
) -> AppResult<()> {
    for account in db::list_skill_followers(tx, skills).await? {
        crate::notify::notify(
            tx,
            events,
            &account,
            author_id,
            NotificationKind::Opportunity,
            post_id,
        )
        .await?;
    }
    Ok(())
}

/// Queues what the wire hears of a local opportunity's change: `Create`, `Update` or
/// `Delete` from the author, and the space's re-share of a new public one.
async fn federate(
    tx: &mut DbConn,
    events: &mut Events,
    ctx: &AppContext,
    o: &Opportunity,
    kind: OutboxKind,
) -> AppResult<()> {
    if o.visibility == Visibility::Space.as_str() {
        return Ok(());
    }
    crate::outbox::enqueue(tx, kind, &o.author_id, &o.id, None).await?;
    if kind == OutboxKind::OpportunityCreate && o.visibility == Visibility::Public.as_str() {
        let space = spaces::show(ctx).await?;
        if space.account.id != o.author_id {
            if let Some(post) = &o.status_id {
                let post = interspace_db::statuses::find_status(tx, post)
                    .await?
                    .ok_or(AppError::NotFound("status"))?;
                crate::boosts::insert_boost(
                    tx,
                    events,
                    ctx,
                    &space.account,
                    &post,
                    interspace_core::statuses::Visibility::Public,
                    crate::boosts::Sent::Announce,
                )
                .await?;
            }
            crate::outbox::enqueue(
                tx,
                OutboxKind::RelayOpportunity,
                &space.account.id,
                &o.id,
                None,
            )
            .await?;
        }
    }
    Ok(())
}

/// Posts an opportunity.
pub async fn create(
    ctx: &AppContext,
    author: &(User, Account),
    input: OpportunityInput,
) -> AppResult<OpportunityView> {
    let (_, account) = author;
    for (field, missing) in [
        ("title", input.title.is_none()),
        ("kind", input.kind.is_none()),
    ] {
        if missing {
            return Err(invalid(field, "is required"));
        }
    }
    let space = spaces::show(ctx).await?;
    let id = new_id();
    let uri = ctx.urls().path(&format!("/opportunities/{id}")).to_string();
    let ts = now();
    let mut o = Opportunity {
        id,
        url: Some(uri.clone()),
        uri,
        author_id: account.id.clone(),
        space_id: Some(space.space.id.clone()),
        status_id: None,
        title: String::new(),
        description: String::new(),
        source_text: String::new(),
        kind: String::new(),
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
        is_local: true,
        created_at: ts,
        updated_at: ts,
        deleted_at: None,
        budget_minor: None,
    };
    let mut tags = Vec::new();
    let input = OpportunityInput {
        description: Some(input.description.clone().unwrap_or_default()),
        ..input
    };
    apply_input(ctx, &mut o, &mut tags, &input).await?;
    let mut v = assemble(ctx, o, tags, account.clone(), None).await?;
    ctx.write(async |tx, events| {
        db::insert_opportunity(tx, &v.opportunity, &v.skills).await?;
        sync_post(tx, events, &mut v, None).await?;
        db::save_opportunity(tx, &v.opportunity).await?;
        notify_followers(
            tx,
            events,
            &v.skills,
            &v.author.id,
            v.opportunity.status_id.as_deref(),
        )
        .await?;
        federate(
            tx,
            events,
            ctx,
            &v.opportunity,
            OutboxKind::OpportunityCreate,
        )
        .await?;
        Ok(v)
    })
    .await
}

/// A local opportunity its author may change.
async fn writable(ctx: &AppContext, writer: &Account, id: &str) -> AppResult<Opportunity> {
    let mut conn = ctx.db.get().await?;
    let o = db::find_opportunity(&mut conn, id)
        .await?
        .filter(|o| o.deleted_at.is_none())
        .ok_or(AppError::NotFound("opportunity"))?;
    if !o.is_local {
        return Err(AppError::Forbidden(
            "this opportunity is managed on its own instance".into(),
        ));
    }
    if o.author_id != writer.id {
        return Err(AppError::Forbidden(
            "only the author changes this opportunity".into(),
        ));
    }
    Ok(o)
}

pub async fn update(
    ctx: &AppContext,
    writer: &Account,
    id: &OpportunityId,
    input: OpportunityInput,
) -> AppResult<OpportunityView> {
    let current = writable(ctx, writer, id).await?;
    if input
        .visibility
        .as_deref()
        .is_some_and(|v| v.trim() != current.visibility)
    {
        return Err(invalid(
            "visibility",
            "is chosen when the opportunity is posted",
        ));
    }
    let mut o = current.clone();
    let mut tags = {
        let mut conn = ctx.db.get().await?;
        db::list_skills(&mut conn, id).await?
    };
    apply_input(ctx, &mut o, &mut tags, &input).await?;
    save_change(ctx, o, Some(tags)).await
}

/// The author closes, reopens or puts an opportunity in review (no new applications while
/// the applications in hand are considered). Filled and expired are reached otherwise.
pub async fn set_status(
    ctx: &AppContext,
    writer: &Account,
    id: &OpportunityId,
    status: Status,
) -> AppResult<OpportunityView> {
    let mut o = writable(ctx, writer, id).await?;
    match status {
        Status::Open if o.deadline.is_some_and(|d| d < today()) => {
            return Err(invalid(
                "deadline",
                "has passed: set a new deadline to reopen",
            ));
        }
        Status::Open | Status::InReview | Status::Closed => {}
        Status::Filled | Status::Expired => {
            return Err(invalid(
                "status",
                "is open, in_review or closed (filled and expired follow from answers and the deadline)",
            ))
        }
    }
    o.status = status.as_str().into();
    save_change(ctx, o, None).await
}

/// Writes a local opportunity's change, rewrites its post and federates the `Update`.
async fn save_change(
    ctx: &AppContext,
    mut o: Opportunity,
    tags: Option<Vec<String>>,
) -> AppResult<OpportunityView> {
    o.updated_at = now();
    let author = crate::accounts::get_any(ctx, &o.author_id).await?;
    let tags = match tags {
        Some(t) => t,
        None => {
            let mut conn = ctx.db.get().await?;
            db::list_skills(&mut conn, &o.id).await?
        }
    };
    let mut v = assemble(ctx, o, tags, author, None).await?;
    ctx.write(async |tx, events| {
        db::set_skills(tx, &v.opportunity.id, &v.skills).await?;
        sync_post(tx, events, &mut v, None).await?;
        db::save_opportunity(tx, &v.opportunity).await?;
        federate(
            tx,
            events,
            ctx,
            &v.opportunity,
            OutboxKind::OpportunityUpdate,
        )
        .await?;
        Ok(v)
    })
    .await
}

pub async fn delete(ctx: &AppContext, writer: &Account, id: &OpportunityId) -> AppResult<()> {
    let o = writable(ctx, writer, id).await?;
    let tags = {
        let mut conn = ctx.db.get().await?;
        db::list_skills(&mut conn, id).await?
    };
    let mut v = assemble(ctx, o, tags, writer.clone(), None).await?;
    v.opportunity.deleted_at = Some(now());
    v.opportunity.status = Status::Closed.as_str().into();
    ctx.write(async |tx, events| {
        sync_post(tx, events, &mut v, None).await?;
        db::save_opportunity(tx, &v.opportunity).await?;
        federate(
            tx,
            events,
            ctx,
            &v.opportunity,
            OutboxKind::OpportunityDelete,
        )
        .await?;
        Ok(())
    })
    .await
}

/// Local open opportunities whose deadline passed before `today` become `expired` (and
/// their copies elsewhere hear of it). Returns how many.
pub async fn expire(ctx: &AppContext, today: NaiveDate) -> AppResult<usize> {
    let due = {
        let mut conn = ctx.db.get().await?;
        db::list_expired(&mut conn, today).await?
    };
    let n = due.len();
    for mut o in due {
        o.status = Status::Expired.as_str().into();
        save_change(ctx, o, None).await?;
    }
    Ok(n)
}
