//! Visits (API.md "Visits"): a member asks to work from another space; the home space vouches
//! for them (its Group signs the `Offer`), the host decides in one transaction under its own
//! rules and quotas, checks the visitor in and out, and both sides keep the same history.

use crate::partnerships::{self, notify_operators, terms_of, Partnership};
use crate::signals::Events;
use crate::spaces::{self, SpaceDetails};
use crate::{AppContext, AppError, AppResult};
use chrono::{Datelike, NaiveDate};
use interspace_core::ids::new_id;
use interspace_core::roles::Role;
use interspace_core::visits::{
    self as rules, Approval, HostRules, Load, PolicyMode, TermsRules, VisitAnswer, VisitState,
};
use interspace_core::ValidationError;
use interspace_db::accounts::{self as db_accounts, Account};
use interspace_db::users::User;
use interspace_db::visits as db_visits;
pub use interspace_db::visits::{Visit, VisitFilter};
use interspace_db::{now, DbConn};

/// Notification kind for visitors and staff: a visit changed state.
pub const NOTIFY_VISIT: &str = "interspace:visit";

/// A visit with its people and places.
#[derive(Debug, Clone)]
pub struct VisitView {
    pub visit: Visit,
    pub visitor: Account,
    pub home: SpaceDetails,
    pub host: SpaceDetails,
}

async fn view(ctx: &AppContext, visit: Visit) -> AppResult<VisitView> {
    let visitor = crate::accounts::get_any(ctx, &visit.visitor_id).await?;
    let home = spaces::get(ctx, &visit.home_space_id).await?;
    let host = spaces::get(ctx, &visit.host_space_id).await?;
    Ok(VisitView {
        visit,
        visitor,
        home,
        host,
    })
}

fn role(user: &User) -> Role {
    Role::parse(&user.role).unwrap_or(Role::Member)
}

fn clean(text: Option<String>, max: usize) -> Option<String> {
    text.map(|t| t.trim().chars().take(max).collect::<String>())
        .filter(|t| !t.is_empty())
}

/// Which space a request goes to: by id or by `handle@domain`.
pub enum HostRef {
    Id(String),
    Acct(String),
}

/// A member asks to work from another space. The home instance checks what it can (the member
/// in good standing, the dates), then its space vouches for the member and sends the request.
pub async fn request(
    ctx: &AppContext,
    member: &(User, Account),
    host: HostRef,
    date_from: &str,
    date_to: &str,
    note: Option<String>,
) -> AppResult<VisitView> {
    let (user, account) = member;
    if !user.approved || user.disabled || account.suspended_at.is_some() {
        return Err(AppError::Forbidden(
            "only members in good standing ask for visits".into(),
        ));
    }
    let days = rules::days(date_from, date_to)?;
    let home = spaces::show(ctx).await?;
    let host = match host {
        HostRef::Id(id) => spaces::get(ctx, &id).await?,
        HostRef::Acct(acct) => spaces::lookup(ctx, &acct).await?,
    };
    if host.space.id == home.space.id {
        return Err(AppError::Validation(ValidationError::new(
            "host_space_id",
            "a visit is to another space",
        )));
    }
    let today = rules::local(now(), &home.space.timezone).date();
    if days.first().is_some_and(|d| *d < today) {
        return Err(AppError::Validation(ValidationError::new(
            "date_from",
            "must not be in the past",
        )));
    }
    let ts = now();
    let id = new_id();
    let mut tx = ctx.db.begin().await?;
    let partnership = partnerships::active_with(&mut tx, &home.space.id, &host.space.id).await?;
    let visit = Visit {
        uri: ctx.urls().path(&format!("/visits/{id}")).to_string(),
        id,
        visitor_id: account.id.clone(),
        home_space_id: home.space.id.clone(),
        host_space_id: host.space.id.clone(),
        partnership_id: partnership.map(|p| p.id),
        date_from: days[0],
        date_to: days[days.len() - 1],
        note: clean(note, 1000).unwrap_or_default(),
        state: VisitState::Requested.as_str().into(),
        reason: None,
        reason_code: None,
        cancelled_by: None,
        checked_in_at: None,
        checked_out_at: None,
        created_at: ts,
        updated_at: ts,
    };
    db_visits::insert_visit(&mut tx, &visit, &days).await?;
    crate::outbox::enqueue(
        &mut tx,
        "visit.offer",
        &home.account.id,
        &visit.id,
        Some(&host.account.id),
    )
    .await?;
    tx.commit().await?;
    Ok(VisitView {
        visit,
        visitor: account.clone(),
        home,
        host,
    })
}

/// The host's rules for a visitor from `home_space_id` at our space `host`.
async fn host_rules(
    tx: &mut DbConn,
    host: &SpaceDetails,
    home_space_id: &str,
) -> AppResult<(HostRules, Option<Partnership>)> {
    let policy = &host.visit_policy;
    let partnership = partnerships::active_with(tx, &host.space.id, home_space_id).await?;
    let terms = partnership.as_ref().map(|p| {
        let t = terms_of(&p.terms);
        TermsRules {
            free_days_per_member_per_month: t.free_days_per_member_per_month,
            paid_days_allowed: t.day_price.is_some(),
            approval: Approval::parse(&t.approval).unwrap_or(Approval::Manual),
            advance_notice_hours: t.advance_notice_hours,
            max_visitors_per_day: t.max_visitors_per_day,
            days_open: t.days_open,
        }
    });
    Ok((
        HostRules {
            mode: PolicyMode::parse(&policy.mode).unwrap_or(PolicyMode::PartnersOnly),
            days_open: policy.days_open.clone(),
            advance_notice_hours: policy.advance_notice_hours,
            max_visitors_per_day: policy.max_visitors_per_day,
            terms,
        },
        partnership,
    ))
}

/// What is already taken at the host on the visit's days and months (the host is locked).
async fn load(
    tx: &mut DbConn,
    host_space_id: &str,
    v: &Visit,
    days: &[NaiveDate],
) -> AppResult<Load> {
    let mut out = Load::default();
    for (day, n) in db_visits::count_visitors_per_day(tx, host_space_id, days).await? {
        out.visitors_per_day
            .insert(day, u32::try_from(n).unwrap_or(u32::MAX));
    }
    let first = v.date_from.with_day(1).unwrap_or(v.date_from);
    let last = last_of_month(v.date_to);
    for day in db_visits::list_counted_days(tx, host_space_id, &v.visitor_id, first, last).await? {
        *out.member_days_per_month
            .entry((day.year(), day.month()))
            .or_default() += 1;
    }
    Ok(out)
}

fn last_of_month(d: NaiveDate) -> NaiveDate {
    let (y, m) = if d.month() == 12 {
        (d.year() + 1, 1)
    } else {
        (d.year(), d.month() + 1)
    };
    NaiveDate::from_ymd_opt(y, m, 1)
        .and_then(|n| n.pred_opt())
        .unwrap_or(d)
}

fn days_of(v: &Visit) -> Vec<NaiveDate> {
    v.date_from
        .iter_days()
        .take_while(|d| *d <= v.date_to)
        .collect()
}

/// Decides `v` at our space (locked by the caller) and records the answer.
async fn decide_here(
    tx: &mut DbConn,
    host: &SpaceDetails,
    v: &mut Visit,
    approving: bool,
) -> AppResult<()> {
    let (mut rules_here, partnership) = host_rules(tx, host, &v.home_space_id).await?;
    if approving {
        // Staff approving by hand may do so close to the day: notice is for automatic answers.
        rules_here.advance_notice_hours = 0;
        if let Some(t) = rules_here.terms.as_mut() {
            t.advance_notice_hours = 0;
        }
    }
    let days = days_of(v);
    let taken = load(tx, &host.space.id, v, &days).await?;
    let at = rules::local(now(), &host.space.timezone);
    let answer = rules::decide(&rules_here, &days, at, &taken);
    v.partnership_id = partnership.map(|p| p.id);
    (v.state, v.reason_code, v.reason) = match answer {
        VisitAnswer::Approved => ("approved".into(), None, None),
        VisitAnswer::Pending if approving => ("approved".into(), None, None),
        VisitAnswer::Pending => ("pending".into(), None, None),
        VisitAnswer::Waitlisted => (
            "waitlisted".into(),
            Some("capacity_reached".into()),
            Some("the space is full on one of these days".into()),
        ),
        VisitAnswer::Refused(code, why) => ("rejected".into(), Some(code.into()), Some(why)),
    };
    Ok(())
}

/// The home space's `Offer` of a visit, checked as DESIGN.md section 5 says: the sender is a
/// space's Group, the visitor is on that Group's server and names it as home space, the visit
/// id is the Group's and new. Then decided here, in one transaction, and always answered.
pub async fn receive_offer(
    ctx: &AppContext,
    home_group: &Account,
    visit_uri: &str,
    visitor: &Account,
    date_from: &str,
    date_to: &str,
    note: Option<String>,
) -> AppResult<()> {
    if visitor.home_space_uri.as_deref() != Some(home_group.uri.as_str()) {
        return Err(AppError::Forbidden(
            "the visitor does not belong to the space that vouches for them".into(),
        ));
    }
    let days = rules::days(date_from, date_to)?;
    let home = spaces::of_remote_group(ctx, home_group.clone()).await?;
    let host = spaces::show(ctx).await?;
    let mut tx = ctx.db.begin().await?;
    let mut events = Events::default();
    if db_visits::find_visit_by_uri(&mut tx, visit_uri)
        .await?
        .is_some()
    {
        return Ok(());
    }
    db_visits::lock_host(&mut tx, &host.space.id).await?;
    let ts = now();
    let mut v = Visit {
        id: new_id(),
        uri: visit_uri.to_string(),
        visitor_id: visitor.id.clone(),
        home_space_id: home.space.id.clone(),
        host_space_id: host.space.id.clone(),
        partnership_id: None,
        date_from: days[0],
        date_to: days[days.len() - 1],
        note: clean(note, 1000).unwrap_or_default(),
        state: VisitState::Requested.as_str().into(),
        reason: None,
        reason_code: None,
        cancelled_by: None,
        checked_in_at: None,
        checked_out_at: None,
        created_at: ts,
        updated_at: ts,
    };
    decide_here(&mut tx, &host, &mut v, false).await?;
    if !db_visits::insert_visit(&mut tx, &v, &days).await? {
        return Ok(());
    }
    answer(&mut tx, &host, &v).await?;
    notify_staff(&mut tx, &mut events, &visitor.id).await?;
    tx.commit().await?;
    ctx.publish(events);
    Ok(())
}

/// Notifies the host space's staff (hosts and operators) of a visit that changed.
async fn notify_staff(tx: &mut DbConn, events: &mut Events, from: &str) -> AppResult<()> {
    for a in interspace_db::users::list_accounts_with_roles(
        tx,
        &[Role::Host.as_str(), Role::Operator.as_str()],
    )
    .await?
    {
        crate::notifications::notify(tx, events, &a.id, from, NOTIFY_VISIT, None).await?;
    }
    Ok(())
}

/// Queues the host's answer to the home space: Accept, Reject (with the reason code) or
/// TentativeAccept (waitlist); a pending request is answered when staff decide.
async fn answer(tx: &mut DbConn, host: &SpaceDetails, v: &Visit) -> AppResult<()> {
    let kind = match v.state.as_str() {
        "approved" => "visit.accept",
        "rejected" | "cancelled" => "visit.reject",
        "waitlisted" => "visit.tentative",
        "checked_in" | "completed" | "no_show" => "visit.update",
        _ => return Ok(()),
    };
    let home_group = spaces_group(tx, &v.home_space_id).await?;
    if home_group.is_local() {
        return Ok(());
    }
    crate::outbox::enqueue(tx, kind, &host.account.id, &v.id, Some(&home_group.id)).await
}

async fn spaces_group(tx: &mut DbConn, space_id: &str) -> AppResult<Account> {
    let (_, group) = interspace_db::spaces::find_space(tx, space_id)
        .await?
        .ok_or(AppError::NotFound("space"))?;
    Ok(group)
}

/// The host Group's answer or update about one of our members' visits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostNews {
    Accept,
    Tentative,
    Reject {
        code: Option<String>,
        reason: Option<String>,
    },
    /// Check-in, check-out, no-show or completion, with the host's times.
    Update {
        state: String,
        checked_in_at: Option<chrono::NaiveDateTime>,
        checked_out_at: Option<chrono::NaiveDateTime>,
    },
}

/// Applies the host's news to our copy of a visit; only the host's Group may send it.
pub async fn receive_host_news(
    ctx: &AppContext,
    host_group: &Account,
    visit_uri: &str,
    news: HostNews,
) -> AppResult<()> {
    let mut tx = ctx.db.begin().await?;
    let mut events = Events::default();
    let Some(mut v) = db_visits::find_visit_by_uri(&mut tx, visit_uri).await? else {
        return Err(AppError::NotFound("visit"));
    };
    if spaces_group(&mut tx, &v.host_space_id).await?.id != host_group.id {
        return Err(AppError::Forbidden(
            "only the host space answers for a visit".into(),
        ));
    }
    if v.state == VisitState::Cancelled.as_str() && v.cancelled_by.as_deref() == Some("visitor") {
        return Ok(());
    }
    match news {
        HostNews::Accept => v.state = VisitState::Approved.as_str().into(),
        HostNews::Tentative => v.state = VisitState::Waitlisted.as_str().into(),
        HostNews::Reject { code, reason } => {
            let after_yes = matches!(v.state.as_str(), "approved" | "checked_in");
            if code.as_deref() == Some("cancelled_by_host") || after_yes {
                v.state = VisitState::Cancelled.as_str().into();
                v.cancelled_by = Some("host".into());
            } else {
                v.state = VisitState::Rejected.as_str().into();
            }
            v.reason_code = code
                .filter(|c| c.len() <= 40 && c.chars().all(|c| c.is_ascii_lowercase() || c == '_'));
            v.reason = clean(reason, 500);
        }
        HostNews::Update {
            state,
            checked_in_at,
            checked_out_at,
        } => {
            let state = VisitState::parse(&state)?;
            if !matches!(
                state,
                VisitState::CheckedIn | VisitState::Completed | VisitState::NoShow
            ) {
                return Err(AppError::Validation(ValidationError::new(
                    "state",
                    "an update carries a check-in, a check-out or a no-show",
                )));
            }
            v.state = state.as_str().into();
            v.checked_in_at = checked_in_at.or(v.checked_in_at);
            v.checked_out_at = checked_out_at.or(v.checked_out_at);
        }
    }
    v.updated_at = now();
    db_visits::save_visit(&mut tx, &v).await?;
    crate::notifications::notify(
        &mut tx,
        &mut events,
        &v.visitor_id,
        &host_group.id,
        NOTIFY_VISIT,
        None,
    )
    .await?;
    notify_operators(&mut tx, &mut events, &host_group.id, NOTIFY_VISIT).await?;
    tx.commit().await?;
    ctx.publish(events);
    Ok(())
}

/// The home space withdrew its member's request (`Undo(Offer)`): the days are free again.
pub async fn receive_withdrawal(
    ctx: &AppContext,
    home_group: &Account,
    visit_uri: &str,
) -> AppResult<()> {
    let host = spaces::show(ctx).await?;
    let mut tx = ctx.db.begin().await?;
    let mut events = Events::default();
    let Some(mut v) = db_visits::find_visit_by_uri(&mut tx, visit_uri).await? else {
        return Err(AppError::NotFound("visit"));
    };
    if spaces_group(&mut tx, &v.home_space_id).await?.id != home_group.id {
        return Err(AppError::Forbidden(
            "only the home space withdraws a visit".into(),
        ));
    }
    // Only what has not happened yet can be withdrawn.
    if !matches!(v.state.as_str(), "pending" | "waitlisted" | "approved") {
        return Ok(());
    }
    db_visits::lock_host(&mut tx, &host.space.id).await?;
    let freed = v.state == VisitState::Approved.as_str();
    v.state = VisitState::Cancelled.as_str().into();
    v.cancelled_by = Some("visitor".into());
    v.updated_at = now();
    db_visits::save_visit(&mut tx, &v).await?;
    if freed {
        promote(&mut tx, &host, &v).await?;
    }
    notify_staff(&mut tx, &mut events, &v.visitor_id).await?;
    tx.commit().await?;
    ctx.publish(events);
    Ok(())
}

/// After days were freed at our space: waitlisted visits on those days are decided again,
/// oldest first.
async fn promote(tx: &mut DbConn, host: &SpaceDetails, freed: &Visit) -> AppResult<()> {
    let waiting = db_visits::list_visits(
        tx,
        &VisitFilter {
            host_space_id: Some(host.space.id.clone()),
            state: Some("waitlisted".into()),
            limit: 500,
            ..VisitFilter::default()
        },
    )
    .await?;
    for mut w in waiting {
        if w.date_to < freed.date_from || w.date_from > freed.date_to {
            continue;
        }
        decide_here(tx, host, &mut w, false).await?;
        if w.state != "waitlisted" {
            w.updated_at = now();
            db_visits::save_visit(tx, &w).await?;
            answer(tx, host, &w).await?;
        }
    }
    Ok(())
}

/// Refuses the requests still waiting under a partnership that ended (`no_partnership`).
pub(crate) async fn refuse_waiting(
    tx: &mut DbConn,
    _events: &mut Events,
    p: &Partnership,
) -> AppResult<()> {
    let host = interspace_db::spaces::find_space(tx, &p.space_id).await?;
    let Some((space, _)) = host else {
        return Ok(());
    };
    for state in ["pending", "waitlisted"] {
        let waiting = db_visits::list_visits(
            tx,
            &VisitFilter {
                host_space_id: Some(space.id.clone()),
                home_space_id: Some(p.partner_space_id.clone()),
                state: Some(state.into()),
                limit: 1000,
                ..VisitFilter::default()
            },
        )
        .await?;
        for mut v in waiting {
            v.state = VisitState::Rejected.as_str().into();
            v.reason_code = Some("no_partnership".into());
            v.reason = Some("the partnership between the spaces ended".into());
            v.updated_at = now();
            db_visits::save_visit(tx, &v).await?;
            let home_group = spaces_group(tx, &v.home_space_id).await?;
            crate::outbox::enqueue(
                tx,
                "visit.reject",
                &space.account_id,
                &v.id,
                Some(&home_group.id),
            )
            .await?;
        }
    }
    Ok(())
}

/// Who may see a visit: the visitor, and the staff of its home and host spaces.
fn may_see(member: &(User, Account), v: &Visit, our_space_id: &str) -> bool {
    let (user, account) = member;
    v.visitor_id == account.id
        || (role(user).is_staff()
            && (v.home_space_id == our_space_id || v.host_space_id == our_space_id))
}

pub async fn get(ctx: &AppContext, member: &(User, Account), id: &str) -> AppResult<VisitView> {
    let ours = spaces::show(ctx).await?;
    let v = {
        let mut conn = ctx.db.get().await?;
        db_visits::find_visit(&mut conn, id)
            .await?
            .ok_or(AppError::NotFound("visit"))?
    };
    if !may_see(member, &v, &ours.space.id) {
        return Err(AppError::NotFound("visit"));
    }
    view(ctx, v).await
}

/// `visitor`: one's own visits; `host`: visits to our space; `home`: our members' visits
/// elsewhere (both for staff).
pub async fn list(
    ctx: &AppContext,
    member: &(User, Account),
    as_role: &str,
    state: Option<&str>,
    day: Option<NaiveDate>,
) -> AppResult<Vec<VisitView>> {
    let ours = spaces::show(ctx).await?;
    let (user, account) = member;
    let mut f = VisitFilter {
        state: state
            .map(VisitState::parse)
            .transpose()?
            .map(|s| s.as_str().to_string()),
        day,
        limit: 500,
        ..VisitFilter::default()
    };
    match as_role {
        "visitor" => f.visitor_id = Some(account.id.clone()),
        "host" | "home" if !role(user).is_staff() => {
            return Err(AppError::Forbidden(
                "only the space's staff see its visits".into(),
            ))
        }
        "host" => f.host_space_id = Some(ours.space.id.clone()),
        "home" => f.home_space_id = Some(ours.space.id.clone()),
        other => {
            return Err(AppError::Validation(ValidationError::new(
                "role",
                format!("'{other}' is not one of visitor, host, home"),
            )))
        }
    }
    let rows = {
        let mut conn = ctx.db.get().await?;
        db_visits::list_visits(&mut conn, &f).await?
    };
    let mut out = Vec::with_capacity(rows.len());
    for v in rows {
        out.push(view(ctx, v).await?);
    }
    Ok(out)
}

/// Host staff's view of one day at the front desk: every visit covering it, whatever its
/// state (`date` in the space's time zone; today by default).
pub async fn front_desk(
    ctx: &AppContext,
    member: &(User, Account),
    date: Option<NaiveDate>,
) -> AppResult<(NaiveDate, Vec<VisitView>)> {
    if !role(&member.0).is_staff() {
        return Err(AppError::Forbidden(
            "only the space's staff keep the front desk".into(),
        ));
    }
    let ours = spaces::show(ctx).await?;
    let day = date.unwrap_or_else(|| rules::local(now(), &ours.space.timezone).date());
    let list = list(ctx, member, "host", None, Some(day)).await?;
    Ok((day, list))
}

/// A host-side change by staff: approve or reject a pending request, check in, check out,
/// or cancel (`action`), in one transaction with the host locked.
pub async fn act_as_host(
    ctx: &AppContext,
    member: &(User, Account),
    id: &str,
    action: &str,
    reason: Option<String>,
) -> AppResult<VisitView> {
    if !role(&member.0).is_staff() {
        return Err(AppError::Forbidden(
            "only the host space's staff do this".into(),
        ));
    }
    let host = spaces::show(ctx).await?;
    let mut tx = ctx.db.begin().await?;
    let mut events = Events::default();
    db_visits::lock_host(&mut tx, &host.space.id).await?;
    let mut v = db_visits::find_visit(&mut tx, id)
        .await?
        .filter(|v| v.host_space_id == host.space.id)
        .ok_or(AppError::NotFound("visit"))?;
    let today = rules::local(now(), &host.space.timezone).date();
    let conflict =
        |what: &str, state: &str| Err(AppError::Conflict(format!("{what}: the visit is {state}")));
    let mut freed = false;
    match action {
        "approve" => {
            if !matches!(v.state.as_str(), "pending" | "waitlisted") {
                return conflict("only pending or waitlisted requests are approved", &v.state);
            }
            decide_here(&mut tx, &host, &mut v, true).await?;
            if v.state != "approved" {
                let code = v
                    .reason_code
                    .clone()
                    .unwrap_or_else(|| "capacity_reached".into());
                let code: &'static str = match code.as_str() {
                    "quota_exceeded" => "quota_exceeded",
                    "closed_that_day" => "closed_that_day",
                    "notice_too_short" => "notice_too_short",
                    "no_partnership" => "no_partnership",
                    "policy_closed" => "policy_closed",
                    _ => "capacity_reached",
                };
                return Err(AppError::Refused(
                    code,
                    v.reason
                        .unwrap_or_else(|| "the request cannot be approved".into()),
                ));
            }
        }
        "reject" => {
            if !matches!(v.state.as_str(), "pending" | "waitlisted") {
                return conflict("only pending or waitlisted requests are rejected", &v.state);
            }
            v.state = VisitState::Rejected.as_str().into();
            v.reason_code = Some("rejected_by_host".into());
            v.reason = clean(reason, 500);
        }
        "cancel" => {
            if !matches!(v.state.as_str(), "pending" | "waitlisted" | "approved") {
                return conflict("this visit cannot be cancelled", &v.state);
            }
            freed = v.state == "approved";
            v.state = VisitState::Cancelled.as_str().into();
            v.cancelled_by = Some("host".into());
            v.reason_code = Some("cancelled_by_host".into());
            v.reason = clean(reason, 500);
        }
        "check_in" | "check_out" => {
            if today < v.date_from || today > v.date_to {
                return Err(AppError::Refused(
                    "not_today",
                    format!(
                        "check-in and check-out happen on the visit's days ({} to {})",
                        v.date_from, v.date_to
                    ),
                ));
            }
            if action == "check_in" {
                if v.state != "approved" {
                    return conflict("only approved visits check in", &v.state);
                }
                v.state = VisitState::CheckedIn.as_str().into();
                v.checked_in_at = Some(now());
            } else {
                if v.state != "checked_in" {
                    return conflict("only checked-in visitors check out", &v.state);
                }
                v.state = VisitState::Completed.as_str().into();
                v.checked_out_at = Some(now());
            }
        }
        _ => return Err(AppError::NotFound("action")),
    }
    v.updated_at = now();
    db_visits::save_visit(&mut tx, &v).await?;
    answer(&mut tx, &host, &v).await?;
    if freed {
        promote(&mut tx, &host, &v).await?;
    }
    crate::notifications::notify(
        &mut tx,
        &mut events,
        &v.visitor_id,
        &host.account.id,
        NOTIFY_VISIT,
        None,
    )
    .await?;
    tx.commit().await?;
    ctx.publish(events);
    view(ctx, v).await
}

/// The visitor cancels their own request or visit; the home space tells the host.
pub async fn cancel_own(
    ctx: &AppContext,
    member: &(User, Account),
    id: &str,
) -> AppResult<VisitView> {
    let (_, account) = member;
    let mut tx = ctx.db.begin().await?;
    let mut v = db_visits::find_visit(&mut tx, id)
        .await?
        .filter(|v| v.visitor_id == account.id)
        .ok_or(AppError::NotFound("visit"))?;
    if !matches!(
        v.state.as_str(),
        "requested" | "pending" | "waitlisted" | "approved"
    ) {
        return Err(AppError::Conflict(format!("the visit is {}", v.state)));
    }
    v.state = VisitState::Cancelled.as_str().into();
    v.cancelled_by = Some("visitor".into());
    v.updated_at = now();
    db_visits::save_visit(&mut tx, &v).await?;
    let home_group = spaces_group(&mut tx, &v.home_space_id).await?;
    let host_group = spaces_group(&mut tx, &v.host_space_id).await?;
    crate::outbox::enqueue(
        &mut tx,
        "visit.undo",
        &home_group.id,
        &v.id,
        Some(&host_group.id),
    )
    .await?;
    tx.commit().await?;
    view(ctx, v).await
}

/// Closes the days that ended at our space (host time zone): an approved visit whose last day
/// is over was a no-show, a checked-in one is completed, a request still waiting is refused
/// (`not_decided`). Both spaces hear of it. Returns how many visits were closed.
pub async fn close_days(ctx: &AppContext) -> AppResult<usize> {
    let host = spaces::show(ctx).await?;
    let today = rules::local(now(), &host.space.timezone).date();
    let mut tx = ctx.db.begin().await?;
    let mut events = Events::default();
    let mut closed = 0;
    for (state, next) in [
        ("approved", VisitState::NoShow),
        ("checked_in", VisitState::Completed),
        ("pending", VisitState::Rejected),
        ("waitlisted", VisitState::Rejected),
    ] {
        let open = db_visits::list_visits(
            &mut tx,
            &VisitFilter {
                host_space_id: Some(host.space.id.clone()),
                state: Some(state.into()),
                limit: 1000,
                ..VisitFilter::default()
            },
        )
        .await?;
        for mut v in open.into_iter().filter(|v| v.date_to < today) {
            v.state = next.as_str().into();
            if next == VisitState::Rejected {
                v.reason_code = Some("not_decided".into());
                v.reason = Some("the days passed before a decision".into());
            }
            v.updated_at = now();
            db_visits::save_visit(&mut tx, &v).await?;
            answer(&mut tx, &host, &v).await?;
            crate::notifications::notify(
                &mut tx,
                &mut events,
                &v.visitor_id,
                &host.account.id,
                NOTIFY_VISIT,
                None,
            )
            .await?;
            closed += 1;
        }
    }
    tx.commit().await?;
    ctx.publish(events);
    Ok(closed)
}

/// The visit as the delivery worker sends it.
pub async fn for_delivery(ctx: &AppContext, id: &str) -> AppResult<VisitView> {
    let v = {
        let mut conn = ctx.db.get().await?;
        db_visits::find_visit(&mut conn, id)
            .await?
            .ok_or(AppError::NotFound("visit"))?
    };
    view(ctx, v).await
}

/// Whether `uri` is a visit we know.
pub async fn knows(ctx: &AppContext, uri: &str) -> AppResult<bool> {
    let mut conn = ctx.db.get().await?;
    Ok(db_visits::find_visit_by_uri(&mut conn, uri)
        .await?
        .is_some())
}

/// A month's visits between our space and a partner, both ways: (visits, days) and per member.
#[derive(Debug, Clone)]
pub struct Ledger {
    pub month: String,
    pub ours_there: (i64, i64),
    pub theirs_here: (i64, i64),
    /// (member, `ours_there` or `theirs_here`, days)
    pub by_member: Vec<(Account, &'static str, i64)>,
}

/// The ledger as CSV (RFC 4180: CRLF, quoted handles): one line per member and direction.
pub fn ledger_csv(ctx: &AppContext, l: &Ledger) -> String {
    let mut csv = String::from("month,direction,member,days\r\n");
    for (a, direction, days) in &l.by_member {
        let who = crate::accounts::acct_with_domain(ctx, a).replace('"', "\"\"");
        csv.push_str(&format!("{},{direction},\"{who}\",{days}\r\n", l.month));
    }
    csv
}

/// A day as people write it (`YYYY-MM-DD`).
pub fn parse_day(raw: &str) -> AppResult<NaiveDate> {
    Ok(NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d")
        .map_err(|_| ValidationError::new("date", "must be a date, e.g. 2026-12-01"))?)
}

/// The ledger of a partnership for `month` (`YYYY-MM`; this month by default), as our
/// records show it.
pub async fn ledger(
    ctx: &AppContext,
    member: &(User, Account),
    partnership_id: &str,
    month: Option<&str>,
) -> AppResult<Ledger> {
    let p = partnerships::get(ctx, &member.0, partnership_id)
        .await?
        .partnership;
    let first = match month.map(str::trim).filter(|m| !m.is_empty()) {
        Some(m) => NaiveDate::parse_from_str(&format!("{m}-01"), "%Y-%m-%d")
            .map_err(|_| ValidationError::new("month", "must be a month, e.g. 2026-12"))?,
        None => {
            let today = now().date();
            today.with_day(1).unwrap_or(today)
        }
    };
    let last = last_of_month(first);
    let mut conn = ctx.db.get().await?;
    let mut by_member = Vec::new();
    let mut totals = [(0i64, 0i64); 2];
    for (i, (host, home, direction)) in [
        (&p.partner_space_id, &p.space_id, "ours_there"),
        (&p.space_id, &p.partner_space_id, "theirs_here"),
    ]
    .into_iter()
    .enumerate()
    {
        for (visitor, days) in db_visits::ledger_days(&mut conn, host, home, first, last).await? {
            if let Some(a) = db_accounts::find_account_by_id(&mut conn, &visitor).await? {
                by_member.push((a, direction, days));
            }
            totals[i].1 += days;
        }
        totals[i].0 = db_visits::count_visits_in(&mut conn, host, home, first, last).await?;
    }
    Ok(Ledger {
        month: first.format("%Y-%m").to_string(),
        ours_there: totals[0],
        theirs_here: totals[1],
        by_member,
    })
}
