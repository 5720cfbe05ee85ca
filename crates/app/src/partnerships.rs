//! Partnerships between spaces (API.md "Partnerships"): proposed by one operator, accepted,
//! rejected or amended by the other, ended by either. On the wire: the space Groups exchange
//! `Offer`, `Accept`, `Reject` and `Delete` of the agreement.

use crate::signals::Events;
use crate::spaces::{self, Money, SpaceDetails};
use crate::{AppContext, AppError, AppResult};
use interspace_core::delivery::OutboxKind;
use interspace_core::ids::new_id;
pub use interspace_core::ids::PartnershipId;
use interspace_core::notifications::NotificationKind;
use interspace_core::roles::Role;
use interspace_core::text::optional_text;
use interspace_core::visits::{weekday, Approval, PartnershipState};
use interspace_core::ValidationError;
use interspace_db::accounts::Account;
use interspace_db::partnerships as db_partnerships;
pub use interspace_db::partnerships::Partnership;
use interspace_db::users::{self as db_users, User};
use interspace_db::{now, DbConn};
use serde::{Deserialize, Serialize};

/// What two spaces agree on (API.md `terms`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Terms {
    /// `None`: unlimited.
    pub free_days_per_member_per_month: Option<u32>,
    /// The price of a day beyond the quota; `None`: not allowed.
    pub day_price: Option<Money>,
    pub approval: String,
    pub advance_notice_hours: u32,
    pub max_visitors_per_day: Option<u32>,
    pub days_open: Vec<String>,
}

impl Default for Terms {
    fn default() -> Self {
        Self {
            free_days_per_member_per_month: Some(3),
            day_price: None,
            approval: Approval::Automatic.as_str().into(),
            advance_notice_hours: 24,
            max_visitors_per_day: None,
            days_open: ["mon", "tue", "wed", "thu", "fri"]
                .map(String::from)
                .to_vec(),
        }
    }
}

const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// Checks terms (from an operator or from the wire) and normalises them.
pub fn validate_terms(t: &Terms) -> Result<Terms, ValidationError> {
    let bad = |why: String| ValidationError::new("terms", why);
    let approval = Approval::parse(&t.approval).map_err(|e| bad(e.reason))?;
    if t.free_days_per_member_per_month.is_some_and(|n| n > 31) {
        return Err(bad(
            "free_days_per_member_per_month is at most 31 (or null)".into(),
        ));
    }
    if t.advance_notice_hours > 24 * 365 {
        return Err(bad("advance_notice_hours is at most a year".into()));
    }
    if t.max_visitors_per_day == Some(0) {
        return Err(bad(
            "max_visitors_per_day must be at least 1 (or null)".into()
        ));
    }
    let mut days: Vec<String> = Vec::new();
    for d in &t.days_open {
        let d = d.trim().to_lowercase();
        if !DAYS.contains(&d.as_str()) {
            return Err(bad(format!("'{d}' is not a day (mon..sun)")));
        }
        if !days.contains(&d) {
            days.push(d);
        }
    }
    if days.is_empty() {
        return Err(bad("days_open names at least one day".into()));
    }
    days.sort_by_key(|d| DAYS.iter().position(|x| x == d));
    Ok(Terms {
        free_days_per_member_per_month: t.free_days_per_member_per_month,
        day_price: t
            .day_price
            .as_ref()
            .map(|m| spaces::validate_money("terms", m))
            .transpose()?,
        approval: approval.as_str().into(),
        advance_notice_hours: t.advance_notice_hours,
        max_visitors_per_day: t.max_visitors_per_day,
        days_open: days,
    })
}

pub fn terms_of(json: &str) -> Terms {
    serde_json::from_str(json).unwrap_or_default()
}

fn to_json(t: &Terms) -> AppResult<String> {
    serde_json::to_string(t).map_err(|e| AppError::Internal(e.to_string()))
}

/// Whether `d` is open in these terms.
pub fn open_on(t: &Terms, d: chrono::NaiveDate) -> bool {
    t.days_open.iter().any(|o| o == weekday(d))
}

/// A partnership with the partner space.
#[derive(Debug, Clone)]
pub struct PartnershipView {
    pub partnership: Partnership,
    pub partner: SpaceDetails,
    pub terms: Terms,
    pub pending_terms: Option<Terms>,
}

async fn view(ctx: &AppContext, p: Partnership) -> AppResult<PartnershipView> {
    let partner = spaces::get(ctx, &p.partner_space_id).await?;
    Ok(PartnershipView {
        terms: terms_of(&p.terms),
        pending_terms: p.pending_terms.as_deref().map(terms_of),
        partnership: p,
        partner,
    })
}

/// Only operators manage partnerships; hosts may read them.
fn require(user: &User, write: bool) -> AppResult<()> {
    let role = Role::parse(&user.role).unwrap_or(Role::Member);
    let allowed = if write {
        role == Role::Operator
    } else {
        role.is_staff()
    };
    if allowed {
        Ok(())
    } else {
        Err(AppError::Forbidden(if write {
            "only operators manage partnerships".into()
        } else {
            "only the space's staff see partnerships".into()
        }))
    }
}

/// Notifies the local space's operators.
pub(crate) async fn notify_operators(
    tx: &mut DbConn,
    events: &mut Events,
    from: &str,
    kind: NotificationKind,
) -> AppResult<()> {
    for a in db_users::list_accounts_with_roles(tx, &[Role::Operator.as_str()]).await? {
        crate::notify::notify(tx, events, &a.id, from, kind, None).await?;
    }
    Ok(())
}

pub async fn list(
    ctx: &AppContext,
    user: &User,
    state: Option<&str>,
) -> AppResult<Vec<PartnershipView>> {
    require(user, false)?;
    let state = state.map(PartnershipState::parse).transpose()?;
    let ours = spaces::show(ctx).await?;
    let rows = {
        let mut conn = ctx.db.get().await?;
        db_partnerships::list_partnerships(&mut conn, &ours.space.id, state.map(|s| s.as_str()))
            .await?
    };
    let mut out = Vec::with_capacity(rows.len());
    for p in rows {
        out.push(view(ctx, p).await?);
    }
    Ok(out)
}

pub async fn get(ctx: &AppContext, user: &User, id: &PartnershipId) -> AppResult<PartnershipView> {
    require(user, false)?;
    let mut conn = ctx.db.get().await?;
    let p = db_partnerships::find_partnership(&mut conn, id)
        .await?
        .ok_or(AppError::NotFound("partnership"))?;
    drop(conn);
    view(ctx, p).await
}

/// An operator proposes a partnership to another space (`handle@domain`).
pub async fn propose(
    ctx: &AppContext,
    user: &User,
    space_acct: &str,
    terms: &Terms,
) -> AppResult<PartnershipView> {
    require(user, true)?;
    let terms = validate_terms(terms)?;
    let ours = spaces::show(ctx).await?;
    let partner = spaces::lookup(ctx, space_acct, true).await?;
    if partner.space.id == ours.space.id {
        return Err(AppError::Validation(ValidationError::new(
            "space_acct",
            "a space does not partner with itself",
        )));
    }
    let p = ctx
        .write(async |tx, _| {
            let existing =
                db_partnerships::find_partnership_with(tx, &ours.space.id, &partner.space.id)
                    .await?;
            if let Some(p) = &existing {
                if matches!(
                    p.state,
                    PartnershipState::Active
                        | PartnershipState::Proposed
                        | PartnershipState::Received
                ) {
                    return Err(AppError::Conflict(format!(
                        "a partnership with this space is already {}",
                        p.state
                    )));
                }
            }
            let ts = now();
            let id = existing.as_ref().map_or_else(new_id, |p| p.id.clone());
            let p = Partnership {
                uri: ctx
                    .urls()
                    .path(&format!("/partnerships/{}", new_id()))
                    .to_string(),
                space_id: ours.space.id.clone(),
                partner_space_id: partner.space.id.clone(),
                state: PartnershipState::Proposed,
                terms: to_json(&terms)?,
                pending_terms: None,
                pending_from_us: false,
                reason: None,
                created_at: existing.as_ref().map_or(ts, |p| p.created_at),
                updated_at: ts,
                id,
            };
            if existing.is_some() {
                db_partnerships::save_partnership(tx, &p).await?;
            } else {
                db_partnerships::insert_partnership(tx, &p).await?;
            }
            crate::outbox::enqueue(
                tx,
                OutboxKind::PartnershipOffer,
                &ours.account.id,
                &p.id,
                Some(&partner.account.id),
            )
            .await?;
            Ok(p)
        })
        .await?;
    view(ctx, p).await
}

async fn ours_by_id(tx: &mut DbConn, id: &str) -> AppResult<Partnership> {
    db_partnerships::find_partnership(tx, id)
        .await?
        .ok_or(AppError::NotFound("partnership"))
}

/// An operator's change to a partnership: `apply` checks and changes it, then it is saved and
/// `kind` is queued to the partner. Ending it also refuses the requests still waiting.
async fn change(
    ctx: &AppContext,
    user: &User,
    id: &str,
    kind: OutboxKind,
    apply: impl FnOnce(&mut Partnership) -> AppResult<()>,
) -> AppResult<PartnershipView> {
    require(user, true)?;
    let ours = spaces::show(ctx).await?;
    let p = ctx
        .write(async |tx, _| {
            let mut p = ours_by_id(tx, id).await?;
            apply(&mut p)?;
            p.updated_at = now();
            db_partnerships::save_partnership(tx, &p).await?;
            if p.state == PartnershipState::Ended {
                refuse_waiting_visits(tx, &p).await?;
            }
            let partner = spaces::get(ctx, &p.partner_space_id).await?;
            crate::outbox::enqueue(tx, kind, &ours.account.id, &p.id, Some(&partner.account.id))
                .await?;
            Ok(p)
        })
        .await?;
    view(ctx, p).await
}

fn nothing_waits() -> AppError {
    AppError::Conflict("nothing from the other space waits for an answer".into())
}

/// The receiving operator accepts a proposal or the other side's amendment.
pub async fn accept(
    ctx: &AppContext,
    user: &User,
    id: &PartnershipId,
) -> AppResult<PartnershipView> {
    change(ctx, user, id, OutboxKind::PartnershipAccept, |p| {
        match (p.state, p.pending_terms.take(), p.pending_from_us) {
            (PartnershipState::Received, _, _) => p.state = PartnershipState::Active,
            (PartnershipState::Active, Some(t), false) => p.terms = t,
            _ => return Err(nothing_waits()),
        }
        p.reason = None;
        Ok(())
    })
    .await
}

/// The receiving operator turns down a proposal or the other side's amendment.
pub async fn reject(
    ctx: &AppContext,
    user: &User,
    id: &PartnershipId,
    reason: Option<String>,
) -> AppResult<PartnershipView> {
    change(ctx, user, id, OutboxKind::PartnershipReject, |p| {
        match (p.state, p.pending_terms.take(), p.pending_from_us) {
            (PartnershipState::Received, _, _) => p.state = PartnershipState::Rejected,
            (PartnershipState::Active, Some(_), false) => {}
            _ => return Err(nothing_waits()),
        }
        p.reason = optional_text(reason, 500);
        Ok(())
    })
    .await
}

/// Either operator proposes new terms for an active partnership, or counter-proposes terms
/// for one received; the other side answers.
pub async fn amend(
    ctx: &AppContext,
    user: &User,
    id: &PartnershipId,
    terms: &Terms,
) -> AppResult<PartnershipView> {
    let terms = to_json(&validate_terms(terms)?)?;
    change(ctx, user, id, OutboxKind::PartnershipOffer, |p| {
        match p.state {
            PartnershipState::Active => {
                p.pending_terms = Some(terms);
                p.pending_from_us = true;
            }
            // A counter-proposal: the same agreement, our terms, their answer awaited.
            PartnershipState::Received => {
                p.terms = terms;
                p.state = PartnershipState::Proposed;
                p.reason = None;
            }
            _ => {
                return Err(AppError::Conflict(
                    "only an active or a received partnership is amended".into(),
                ))
            }
        }
        Ok(())
    })
    .await
}

/// Either operator ends a partnership. Visits already approved are honoured; requests still
/// waiting (pending, waitlisted) are refused with `no_partnership`.
pub async fn end(
    ctx: &AppContext,
    user: &User,
    id: &PartnershipId,
    reason: Option<String>,
) -> AppResult<PartnershipView> {
    change(ctx, user, id, OutboxKind::PartnershipEnd, |p| {
        if matches!(
            p.state,
            PartnershipState::Ended | PartnershipState::Rejected
        ) {
            return Err(AppError::Conflict(format!(
                "the partnership is already {}",
                p.state
            )));
        }
        p.state = PartnershipState::Ended;
        p.pending_terms = None;
        p.reason = optional_text(reason, 500);
        Ok(())
    })
    .await
}

/// The partnership as the delivery worker sends it, with our space and the partner's Group.
pub async fn for_delivery(
    ctx: &AppContext,
    id: &str,
) -> AppResult<(Partnership, SpaceDetails, SpaceDetails)> {
    let p = {
        let mut conn = ctx.db.get().await?;
        ours_by_id(&mut conn, id).await?
    };
    let ours = spaces::get(ctx, &p.space_id).await?;
    let partner = spaces::get(ctx, &p.partner_space_id).await?;
    Ok((p, ours, partner))
}

/// An `Offer` of a partnership (or of new terms for one) from another space's Group.
pub async fn receive_offer(
    ctx: &AppContext,
    actor: &Account,
    uri: &str,
    terms: &Terms,
) -> AppResult<()> {
    let terms = validate_terms(terms)?;
    let partner = spaces::of_remote_group(ctx, actor.clone()).await?;
    let ours = spaces::show(ctx).await?;
    ctx.write(async |tx, events| {
        let existing =
            db_partnerships::find_partnership_with(tx, &ours.space.id, &partner.space.id).await?;
        let ts = now();
        match existing {
            // New terms for the agreement we have.
            Some(mut p) if p.uri == uri && p.state == PartnershipState::Active => {
                p.pending_terms = Some(to_json(&terms)?);
                p.pending_from_us = false;
                p.updated_at = ts;
                db_partnerships::save_partnership(tx, &p).await?;
            }
            Some(p)
                if matches!(
                    p.state,
                    PartnershipState::Active | PartnershipState::Received
                ) && p.uri == uri => {}
            Some(p) if p.state == PartnershipState::Active => {
                return Err(AppError::Conflict(
                    "the spaces are partners already: amend the partnership instead".into(),
                ))
            }
            // Proposals that crossed: both sides keep the one whose id sorts first, so they agree
            // on one agreement without talking again.
            Some(p)
                if p.state == PartnershipState::Proposed
                    && p.uri != uri
                    && p.uri.as_str() < uri => {}
            existing => {
                let p = Partnership {
                    id: existing.as_ref().map_or_else(new_id, |p| p.id.clone()),
                    uri: uri.to_string(),
                    space_id: ours.space.id.clone(),
                    partner_space_id: partner.space.id.clone(),
                    state: PartnershipState::Received,
                    terms: to_json(&terms)?,
                    pending_terms: None,
                    pending_from_us: false,
                    reason: None,
                    created_at: existing.as_ref().map_or(ts, |p| p.created_at),
                    updated_at: ts,
                };
                if existing.is_some() {
                    db_partnerships::save_partnership(tx, &p).await?;
                } else {
                    db_partnerships::insert_partnership(tx, &p).await?;
                }
            }
        }
        notify_operators(tx, events, &actor.id, NotificationKind::Partnership).await?;
        Ok(())
    })
    .await
}

/// The other space's answer to our proposal or amendment, or its end of the partnership.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    Accept,
    Reject,
    End,
}

/// Applies the partner Group's `Accept`, `Reject` or `Delete` of the partnership `uri`.
pub async fn receive_answer(
    ctx: &AppContext,
    actor: &Account,
    uri: &str,
    answer: Answer,
    reason: Option<String>,
) -> AppResult<()> {
    ctx.write(async |tx, events| {
        let Some(mut p) = db_partnerships::find_partnership_by_uri(tx, uri).await? else {
            return Err(AppError::NotFound("partnership"));
        };
        let partner_space = spaces::get(ctx, &p.partner_space_id).await?;
        if partner_space.account.id != actor.id {
            return Err(AppError::Forbidden(
                "only the partner space answers for this partnership".into(),
            ));
        }
        match (answer, p.state, p.pending_from_us) {
            (Answer::End, _, _) => {
                p.state = PartnershipState::Ended;
                p.pending_terms = None;
                refuse_waiting_visits(tx, &p).await?;
            }
            (Answer::Accept, PartnershipState::Proposed, _) => p.state = PartnershipState::Active,
            (Answer::Reject, PartnershipState::Proposed, _) => p.state = PartnershipState::Rejected,
            (Answer::Accept, PartnershipState::Active, true) => {
                if let Some(t) = p.pending_terms.take() {
                    p.terms = t;
                }
            }
            (Answer::Reject, PartnershipState::Active, true) => p.pending_terms = None,
            _ => return Ok(()),
        }
        p.reason = optional_text(reason, 500);
        p.updated_at = now();
        db_partnerships::save_partnership(tx, &p).await?;
        notify_operators(tx, events, &actor.id, NotificationKind::Partnership).await?;
        Ok(())
    })
    .await
}

/// Whether `who` is on the server of a space we have an active partnership with.
pub async fn from_partner(ctx: &AppContext, who: &Account) -> AppResult<bool> {
    let here = crate::spaces::show(ctx).await?;
    let partners = partners_of(ctx, &here).await?;
    Ok(partners
        .iter()
        .any(|p| p.account.domain.is_some() && p.account.domain == who.domain))
}

/// The active partnerships of a space. Only our own space's partnerships are known; other
/// spaces have none here.
async fn active_of(ctx: &AppContext, space: &SpaceDetails) -> AppResult<Vec<Partnership>> {
    if !space.space.is_local {
        return Ok(vec![]);
    }
    let mut conn = ctx.db.get().await?;
    Ok(db_partnerships::list_partnerships(
        &mut conn,
        &space.space.id,
        Some(PartnershipState::Active.as_str()),
    )
    .await?)
}

/// How many spaces a space is an active partner of (one query, for the Space entity).
pub async fn partner_count(ctx: &AppContext, space: &SpaceDetails) -> AppResult<usize> {
    Ok(active_of(ctx, space).await?.len())
}

/// The spaces a space is an active partner of (public: the space's page lists them).
pub async fn partners_of(ctx: &AppContext, space: &SpaceDetails) -> AppResult<Vec<SpaceDetails>> {
    let rows = active_of(ctx, space).await?;
    let mut out = Vec::with_capacity(rows.len());
    for p in rows {
        out.push(spaces::get(ctx, &p.partner_space_id).await?);
    }
    Ok(out)
}

/// Whether `uri` is a partnership we are party to.
pub async fn knows(ctx: &AppContext, uri: &str) -> AppResult<bool> {
    let mut conn = ctx.db.get().await?;
    Ok(db_partnerships::find_partnership_by_uri(&mut conn, uri)
        .await?
        .is_some())
}

/// Our active partnership with the space of `partner_space_id`, if any.
pub async fn active_with(
    tx: &mut DbConn,
    our_space_id: &str,
    partner_space_id: &str,
) -> AppResult<Option<Partnership>> {
    Ok(
        db_partnerships::find_partnership_with(tx, our_space_id, partner_space_id)
            .await?
            .filter(|p| p.state == PartnershipState::Active),
    )
}

/// Refuses the requests still waiting under a partnership that ended (`no_partnership`): an
/// ended partnership's own consequence, so that visits, which go under partnerships, are the
/// only ones of the two to use the other.
async fn refuse_waiting_visits(tx: &mut DbConn, p: &Partnership) -> AppResult<()> {
    use interspace_core::visits::VisitState;
    use interspace_db::visits::{self as db_visits, VisitFilter};
    let (Some((host, _)), Some((_, partner_group))) = (
        interspace_db::spaces::find_space(tx, &p.space_id).await?,
        interspace_db::spaces::find_space(tx, &p.partner_space_id).await?,
    ) else {
        return Ok(());
    };
    for state in [VisitState::Pending, VisitState::Waitlisted] {
        let filter = VisitFilter {
            host_space_id: Some(host.id.clone()),
            home_space_id: Some(p.partner_space_id.clone()),
            state: Some(state),
            limit: 1000,
            ..VisitFilter::default()
        };
        for mut v in db_visits::list_visits(tx, &filter).await? {
            v.state = VisitState::Rejected;
            v.reason_code = Some("no_partnership".into());
            v.reason = Some("the partnership between the spaces ended".into());
            v.updated_at = now();
            db_visits::save_visit(tx, &v).await?;
            crate::outbox::enqueue(
                tx,
                OutboxKind::VisitReject,
                &host.account_id,
                &v.id,
                Some(&partner_group.id),
            )
            .await?;
        }
    }
    Ok(())
}
