//! Visits (API.md "Visits"): a member asks to work from another space; the home space vouches
//! for them (its Group signs the `Offer`), the host decides in one transaction under its own
//! rules and quotas, checks the visitor in and out, and both sides keep the same history.

mod host;
mod ledger;

pub use host::{act_as_host, close_days, front_desk, receive_offer, receive_withdrawal};
pub use ledger::{ledger, ledger_csv, Ledger};

use crate::partnerships::{self, notify_operators, terms_of, Partnership};
use crate::signals::Events;
use crate::spaces::{self, SpaceDetails};
use crate::{AppContext, AppError, AppResult};
use chrono::{Datelike, NaiveDate};
use interspace_core::delivery::OutboxKind;
use interspace_core::ids::new_id;
pub use interspace_core::ids::{PartnershipId, VisitId};
use interspace_core::notifications::NotificationKind;
use interspace_core::roles::Role;
use interspace_core::text::{code_word, optional_text};
use interspace_core::visits::{
    self as rules, Approval, HostRules, Load, PolicyMode, TermsRules, VisitAnswer, VisitState,
};
use interspace_core::ValidationError;
use interspace_db::accounts::{self as db_accounts, Account};
use interspace_db::users::User;
use interspace_db::visits as db_visits;
pub use interspace_db::visits::{Visit, VisitFilter};
use interspace_db::{now, DbConn};

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
        HostRef::Acct(acct) => spaces::lookup(ctx, &acct, true).await?,
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
    let id = new_id();
    let mut tx = ctx.db.begin().await?;
    let partnership = partnerships::active_with(&mut tx, &home.space.id, &host.space.id).await?;
    let mut visit = requested(
        ctx.urls().path(&format!("/visits/{id}")).to_string(),
        account,
        &home.space.id,
        &host.space.id,
        &days,
        note,
    );
    visit.id = id;
    visit.partnership_id = partnership.map(|p| p.id);
    db_visits::insert_visit(&mut tx, &visit, &days).await?;
    crate::outbox::enqueue(
        &mut tx,
        OutboxKind::VisitOffer,
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

/// A visit as asked: by a member here (sent to the host) or by the home space of a visitor
/// from elsewhere (received here, the host).
fn requested(
    uri: String,
    visitor: &Account,
    home_space_id: &str,
    host_space_id: &str,
    days: &[NaiveDate],
    note: Option<String>,
) -> Visit {
    let ts = now();
    Visit {
        id: new_id(),
        uri,
        visitor_id: visitor.id.clone(),
        home_space_id: home_space_id.to_string(),
        host_space_id: host_space_id.to_string(),
        partnership_id: None,
        date_from: days[0],
        date_to: days[days.len() - 1],
        note: optional_text(note, 1000).unwrap_or_default(),
        state: VisitState::Requested,
        reason: None,
        reason_code: None,
        cancelled_by: None,
        checked_in_at: None,
        checked_out_at: None,
        created_at: ts,
        updated_at: ts,
    }
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
    ctx.write(async |tx, events| {
        let Some(mut v) = db_visits::find_visit_by_uri(tx, visit_uri).await? else {
            return Err(AppError::NotFound("visit"));
        };
        if spaces_group(tx, &v.host_space_id).await?.id != host_group.id {
            return Err(AppError::Forbidden(
                "only the host space answers for a visit".into(),
            ));
        }
        if v.state == VisitState::Cancelled && v.cancelled_by.as_deref() == Some("visitor") {
            return Ok(());
        }
        let before = v.state;
        match news {
            HostNews::Accept => v.state = VisitState::Approved,
            HostNews::Tentative => v.state = VisitState::Waitlisted,
            HostNews::Reject { code, reason } => {
                let after_yes = matches!(v.state, VisitState::Approved | VisitState::CheckedIn);
                if code.as_deref() == Some("cancelled_by_host") || after_yes {
                    v.state = VisitState::Cancelled;
                    v.cancelled_by = Some("host".into());
                } else {
                    v.state = VisitState::Rejected;
                }
                v.reason_code = code_word(code);
                v.reason = optional_text(reason, 500);
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
                v.state = state;
                v.checked_in_at = checked_in_at.or(v.checked_in_at);
                v.checked_out_at = checked_out_at.or(v.checked_out_at);
            }
        }
        let decided = v.state != before
            && matches!(
                v.state,
                VisitState::Approved | VisitState::Rejected | VisitState::Cancelled
            );
        v.updated_at = now();
        db_visits::save_visit(tx, &v).await?;
        crate::notify::notify(
            tx,
            events,
            &v.visitor_id,
            &host_group.id,
            NotificationKind::Visit,
            None,
        )
        .await?;
        if decided {
            events.mail(crate::signals::Moment::VisitDecided {
                visit_id: v.id.clone(),
            });
        }
        notify_operators(tx, events, &host_group.id, NotificationKind::Visit).await?;
        Ok(())
    })
    .await
}

/// Who may see a visit: the visitor, and the staff of its home and host spaces.
/// The visitor's note is for the visitor and the host who decides on the request: the home
/// space's staff see the visit, not the note.
fn private_note(member: &(User, Account), mut v: Visit, our_space_id: &str) -> Visit {
    if v.visitor_id != member.1.id && v.host_space_id != our_space_id {
        v.note = String::new();
    }
    v
}

fn may_see(member: &(User, Account), v: &Visit, our_space_id: &str) -> bool {
    let (user, account) = member;
    v.visitor_id == account.id
        || (role(user).is_staff()
            && (v.home_space_id == our_space_id || v.host_space_id == our_space_id))
}

pub async fn get(ctx: &AppContext, member: &(User, Account), id: &VisitId) -> AppResult<VisitView> {
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
    view(ctx, private_note(member, v, &ours.space.id)).await
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
        state: state.map(VisitState::parse).transpose()?,
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
        out.push(view(ctx, private_note(member, v, &ours.space.id)).await?);
    }
    Ok(out)
}

/// The visitor cancels their own request or visit; the home space tells the host.
pub async fn cancel_own(
    ctx: &AppContext,
    member: &(User, Account),
    id: &VisitId,
) -> AppResult<VisitView> {
    let (_, account) = member;
    let v = ctx
        .write(async |tx, _| {
            let mut v = db_visits::find_visit(tx, id)
                .await?
                .filter(|v| v.visitor_id == account.id)
                .ok_or(AppError::NotFound("visit"))?;
            if !matches!(
                v.state,
                VisitState::Requested
                    | VisitState::Pending
                    | VisitState::Waitlisted
                    | VisitState::Approved
            ) {
                return Err(AppError::Conflict(format!("the visit is {}", v.state)));
            }
            v.state = VisitState::Cancelled;
            v.cancelled_by = Some("visitor".into());
            v.updated_at = now();
            db_visits::save_visit(tx, &v).await?;
            let home_group = spaces_group(tx, &v.home_space_id).await?;
            let host_group = spaces_group(tx, &v.host_space_id).await?;
            crate::outbox::enqueue(
                tx,
                OutboxKind::VisitUndo,
                &home_group.id,
                &v.id,
                Some(&host_group.id),
            )
            .await?;
            Ok(v)
        })
        .await?;
    view(ctx, v).await
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

/// A day as people write it (`YYYY-MM-DD`).
pub fn parse_day(raw: &str) -> AppResult<NaiveDate> {
    Ok(NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d")
        .map_err(|_| ValidationError::new("date", "must be a date, e.g. 2026-12-01"))?)
}
