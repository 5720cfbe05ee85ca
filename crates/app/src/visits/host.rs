//! The host's side of visits: deciding requests under the host's lock, answering the home
//! space, the front desk, the waitlist, and closing the days that ended.

use super::*;
use crate::signals::Moment;
use interspace_core::delivery::OutboxKind;
use interspace_core::notifications::NotificationKind;

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
        VisitAnswer::Approved => (VisitState::Approved, None, None),
        VisitAnswer::Pending if approving => (VisitState::Approved, None, None),
        VisitAnswer::Pending => (VisitState::Pending, None, None),
        VisitAnswer::Waitlisted => (
            VisitState::Waitlisted,
            Some("capacity_reached".into()),
            Some("the space is full on one of these days".into()),
        ),
        VisitAnswer::Refused(code, why) => (VisitState::Rejected, Some(code.into()), Some(why)),
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
    ctx.write(async |tx, events| {
        if db_visits::find_visit_by_uri(tx, visit_uri).await?.is_some() {
            return Ok(());
        }
        db_visits::lock_host(tx, &host.space.id).await?;
        let mut v = requested(
            visit_uri.to_string(),
            visitor,
            &home.space.id,
            &host.space.id,
            &days,
            note,
        );
        decide_here(tx, &host, &mut v, false).await?;
        if !db_visits::insert_visit(tx, &v, &days).await? {
            return Ok(());
        }
        answer(tx, &host, &v).await?;
        notify_staff(tx, events, &visitor.id).await?;
        events.mail(Moment::VisitRequested {
            visit_id: v.id.clone(),
        });
        Ok(())
    })
    .await
}

/// Notifies the host space's staff (hosts and operators) of a visit that changed.
async fn notify_staff(tx: &mut DbConn, events: &mut Events, from: &str) -> AppResult<()> {
    for a in interspace_db::users::list_accounts_with_roles(
        tx,
        &[Role::Host.as_str(), Role::Operator.as_str()],
    )
    .await?
    {
        crate::notify::notify(tx, events, &a.id, from, NotificationKind::Visit, None).await?;
    }
    Ok(())
}

/// Queues the host's answer to the home space: Accept, Reject (with the reason code) or
/// TentativeAccept (waitlist); a pending request is answered when staff decide.
async fn answer(tx: &mut DbConn, host: &SpaceDetails, v: &Visit) -> AppResult<()> {
    let kind = match v.state {
        VisitState::Approved => OutboxKind::VisitAccept,
        VisitState::Rejected | VisitState::Cancelled => OutboxKind::VisitReject,
        VisitState::Waitlisted => OutboxKind::VisitTentative,
        VisitState::CheckedIn | VisitState::Completed | VisitState::NoShow => {
            OutboxKind::VisitUpdate
        }
        _ => return Ok(()),
    };
    let home_group = spaces_group(tx, &v.home_space_id).await?;
    if home_group.is_local() {
        return Ok(());
    }
    crate::outbox::enqueue(tx, kind, &host.account.id, &v.id, Some(&home_group.id)).await
}

/// The home space withdrew its member's request (`Undo(Offer)`): the days are free again.
pub async fn receive_withdrawal(
    ctx: &AppContext,
    home_group: &Account,
    visit_uri: &str,
) -> AppResult<()> {
    let host = spaces::show(ctx).await?;
    ctx.write(async |tx, events| {
        let Some(mut v) = db_visits::find_visit_by_uri(tx, visit_uri).await? else {
            return Err(AppError::NotFound("visit"));
        };
        if spaces_group(tx, &v.home_space_id).await?.id != home_group.id {
            return Err(AppError::Forbidden(
                "only the home space withdraws a visit".into(),
            ));
        }
        // Only what has not happened yet can be withdrawn.
        if !matches!(
            v.state,
            VisitState::Pending | VisitState::Waitlisted | VisitState::Approved
        ) {
            return Ok(());
        }
        db_visits::lock_host(tx, &host.space.id).await?;
        let freed = v.state == VisitState::Approved;
        v.state = VisitState::Cancelled;
        v.cancelled_by = Some("visitor".into());
        v.updated_at = now();
        db_visits::save_visit(tx, &v).await?;
        if freed {
            promote(tx, &host, &v).await?;
        }
        notify_staff(tx, events, &v.visitor_id).await?;
        Ok(())
    })
    .await
}

/// After days were freed at our space: waitlisted visits on those days are decided again,
/// oldest first.
async fn promote(tx: &mut DbConn, host: &SpaceDetails, freed: &Visit) -> AppResult<()> {
    let waiting = db_visits::list_visits(
        tx,
        &VisitFilter {
            host_space_id: Some(host.space.id.clone()),
            state: Some(VisitState::Waitlisted),
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
        if w.state != VisitState::Waitlisted {
            w.updated_at = now();
            db_visits::save_visit(tx, &w).await?;
            answer(tx, host, &w).await?;
        }
    }
    Ok(())
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
    id: &VisitId,
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
    let conflict = |what: &str, state: VisitState| {
        Err(AppError::Conflict(format!("{what}: the visit is {state}")))
    };
    let mut freed = false;
    match action {
        "approve" => {
            if !matches!(v.state, VisitState::Pending | VisitState::Waitlisted) {
                return conflict("only pending or waitlisted requests are approved", v.state);
            }
            decide_here(&mut tx, &host, &mut v, true).await?;
            if v.state != VisitState::Approved {
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
            if !matches!(v.state, VisitState::Pending | VisitState::Waitlisted) {
                return conflict("only pending or waitlisted requests are rejected", v.state);
            }
            v.state = VisitState::Rejected;
            v.reason_code = Some("rejected_by_host".into());
            v.reason = optional_text(reason, 500);
        }
        "cancel" => {
            if !matches!(
                v.state,
                VisitState::Pending | VisitState::Waitlisted | VisitState::Approved
            ) {
                return conflict("this visit cannot be cancelled", v.state);
            }
            freed = v.state == VisitState::Approved;
            v.state = VisitState::Cancelled;
            v.cancelled_by = Some("host".into());
            v.reason_code = Some("cancelled_by_host".into());
            v.reason = optional_text(reason, 500);
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
                if v.state != VisitState::Approved {
                    return conflict("only approved visits check in", v.state);
                }
                v.state = VisitState::CheckedIn;
                v.checked_in_at = Some(now());
            } else {
                if v.state != VisitState::CheckedIn {
                    return conflict("only checked-in visitors check out", v.state);
                }
                v.state = VisitState::Completed;
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
    crate::notify::notify(
        &mut tx,
        &mut events,
        &v.visitor_id,
        &host.account.id,
        NotificationKind::Visit,
        None,
    )
    .await?;
    ctx.commit(tx, events).await?;
    view(ctx, v).await
}

/// Closes the days that ended at our space (host time zone): an approved visit whose last day
/// is over was a no-show, a checked-in one is completed, a request still waiting is refused
/// (`not_decided`). Both spaces hear of it. Returns how many visits were closed.
pub async fn close_days(ctx: &AppContext) -> AppResult<usize> {
    let host = spaces::show(ctx).await?;
    let today = rules::local(now(), &host.space.timezone).date();
    ctx.write(async |tx, events| {
        let mut closed = 0;
        for (state, next) in [
            (VisitState::Approved, VisitState::NoShow),
            (VisitState::CheckedIn, VisitState::Completed),
            (VisitState::Pending, VisitState::Rejected),
            (VisitState::Waitlisted, VisitState::Rejected),
        ] {
            let open = db_visits::list_visits(
                tx,
                &VisitFilter {
                    host_space_id: Some(host.space.id.clone()),
                    state: Some(state),
                    limit: 1000,
                    ..VisitFilter::default()
                },
            )
            .await?;
            for mut v in open.into_iter().filter(|v| v.date_to < today) {
                v.state = next;
                if next == VisitState::Rejected {
                    v.reason_code = Some("not_decided".into());
                    v.reason = Some("the days passed before a decision".into());
                }
                v.updated_at = now();
                db_visits::save_visit(tx, &v).await?;
                answer(tx, &host, &v).await?;
                crate::notify::notify(
                    tx,
                    events,
                    &v.visitor_id,
                    &host.account.id,
                    NotificationKind::Visit,
                    None,
                )
                .await?;
                closed += 1;
            }
        }
        Ok(closed)
    })
    .await
}
