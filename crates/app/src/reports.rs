//! Reports: members report posts or accounts (local or remote), remote servers send `Flag`,
//! operators resolve them, with an action when one is needed.

use crate::members::{self, MemberAction};
use crate::signals::Moment;
use crate::{accounts, domains, outbox, Account, AppContext, AppError, AppResult, User};
use interspace_core::delivery::OutboxKind;
use interspace_core::ids::new_id;
use interspace_core::ValidationError;
pub use interspace_db::reports::Report;
use interspace_db::{accounts as db_accounts, now, reports as db, statuses as db_statuses};

pub const CATEGORIES: [&str; 4] = ["spam", "legal", "violation", "other"];
const MAX_COMMENT: usize = 1000;
const MAX_STATUSES: usize = 20;

#[derive(Debug, Clone, Default)]
pub struct NewReport {
    pub target_account_id: String,
    pub status_ids: Vec<String>,
    pub comment: String,
    pub category: Option<String>,
    /// Send a copy (`Flag`) to the reported account's server.
    pub forward: bool,
}

/// A report with the accounts it is about, for the operators' pages.
#[derive(Debug, Clone)]
pub struct ReportView {
    pub report: Report,
    pub reporter: Account,
    pub target: Account,
    pub statuses: Vec<interspace_db::statuses::Status>,
}

/// The id of the `Flag` that forwards a report.
pub fn flag_id(ctx: &AppContext, report_id: &str) -> String {
    ctx.urls().path(&format!("/flags/{report_id}")).to_string()
}

pub async fn file(ctx: &AppContext, reporter: &Account, new: NewReport) -> AppResult<Report> {
    let target = accounts::get(ctx, &new.target_account_id).await?;
    if target.id == reporter.id {
        return Err(ValidationError::new("account_id", "you cannot report yourself").into());
    }
    let category = new.category.unwrap_or_else(|| "other".into());
    if !CATEGORIES.contains(&category.as_str()) {
        return Err(
            ValidationError::new("category", "must be spam, legal, violation or other").into(),
        );
    }
    let comment = new.comment.trim().to_string();
    if comment.chars().count() > MAX_COMMENT {
        return Err(ValidationError::new(
            "comment",
            format!("must be at most {MAX_COMMENT} characters"),
        )
        .into());
    }
    let mut ids = new.status_ids;
    ids.sort();
    ids.dedup();
    if ids.len() > MAX_STATUSES {
        return Err(
            ValidationError::new("status_ids", format!("at most {MAX_STATUSES} posts")).into(),
        );
    }
    let mut conn = ctx.db.get().await?;
    let found = db_statuses::list_statuses_by_ids(&mut conn, &ids).await?;
    if found.len() != ids.len() || found.iter().any(|s| s.account_id != target.id) {
        return Err(
            ValidationError::new("status_ids", "must be posts of the reported account").into(),
        );
    }
    drop(conn);
    let forward = new.forward && !target.is_local();
    let id = new_id();
    let report = Report {
        uri: forward.then(|| flag_id(ctx, &id)),
        id,
        account_id: reporter.id.clone(),
        target_account_id: target.id.clone(),
        status_ids: ids.join(" "),
        comment,
        category,
        forwarded: forward,
        action_taken_at: None,
        action_taken_by: None,
        resolution: None,
        created_at: now(),
    };
    ctx.write(async |tx, events| {
        insert(tx, events, &report).await?;
        if forward {
            // Sent by the instance actor, as Mastodon does, so the reporter stays anonymous.
            let instance =
                db_accounts::find_local_account_by_username(tx, accounts::INSTANCE_ACTOR_USERNAME)
                    .await?
                    .ok_or(AppError::NotFound("instance actor"))?;
            outbox::enqueue(
                tx,
                OutboxKind::Flag,
                &instance.id,
                &report.id,
                Some(&target.id),
            )
            .await?;
        }
        Ok(report)
    })
    .await
}

/// A `Flag` from another server about our members (and their posts); stored once per id.
pub async fn receive_flag(
    ctx: &AppContext,
    actor: &Account,
    flag_id: &str,
    objects: &[String],
    content: &str,
) -> AppResult<()> {
    let mut conn = ctx.db.get().await?;
    let mut target: Option<Account> = None;
    let mut statuses = Vec::new();
    for uri in objects.iter().take(MAX_STATUSES + 1) {
        if let Some(a) = db_accounts::find_account_by_uri(&mut conn, uri).await? {
            if a.is_local() && target.is_none() {
                target = Some(a);
            }
        } else if let Some(s) = db_statuses::find_status_by_uri(&mut conn, uri).await? {
            if s.is_local {
                statuses.push(s);
            }
        }
    }
    let Some(target) = target.or(match statuses.first() {
        Some(s) => db_accounts::find_account_by_id(&mut conn, &s.account_id).await?,
        None => None,
    }) else {
        tracing::info!(flag_id, "a Flag about nobody here; ignored");
        return Ok(());
    };
    let ids: Vec<String> = statuses
        .into_iter()
        .filter(|s| s.account_id == target.id)
        .map(|s| s.id)
        .collect();
    let comment: String = interspace_core::html::to_text(content)
        .chars()
        .take(MAX_COMMENT)
        .collect();
    drop(conn);
    let report = Report {
        id: new_id(),
        account_id: actor.id.clone(),
        target_account_id: target.id,
        status_ids: ids.join(" "),
        comment,
        category: "other".into(),
        forwarded: false,
        uri: Some(flag_id.to_string()),
        action_taken_at: None,
        action_taken_by: None,
        resolution: None,
        created_at: now(),
    };
    ctx.write(async |tx, events| {
        insert(tx, events, &report).await?;
        Ok(())
    })
    .await
}

/// Stores a report; the operators hear of it by mail.
async fn insert(
    tx: &mut interspace_db::DbConn,
    events: &mut crate::signals::Events,
    report: &Report,
) -> AppResult<()> {
    db::insert_report(tx, report).await?;
    events.mail(Moment::Report {
        report_id: report.id.clone(),
    });
    Ok(())
}

pub async fn list(
    ctx: &AppContext,
    operator: &User,
    open_only: bool,
) -> AppResult<Vec<ReportView>> {
    members::require_staff(operator)?;
    let mut conn = ctx.db.get().await?;
    let reports = db::list_reports(&mut conn, open_only, 200).await?;
    drop(conn);
    let mut out = Vec::with_capacity(reports.len());
    for r in reports {
        out.push(view(ctx, r).await?);
    }
    Ok(out)
}

pub async fn count_open(ctx: &AppContext) -> AppResult<i64> {
    let mut conn = ctx.db.get().await?;
    Ok(db::count_open_reports(&mut conn).await?)
}

async fn view(ctx: &AppContext, report: Report) -> AppResult<ReportView> {
    let mut conn = ctx.db.get().await?;
    let reporter = db_accounts::get_account_by_id(&mut conn, &report.account_id).await?;
    let target = db_accounts::get_account_by_id(&mut conn, &report.target_account_id).await?;
    let ids: Vec<String> = report
        .status_ids
        .split_whitespace()
        .map(String::from)
        .collect();
    let statuses = db_statuses::list_statuses_by_ids(&mut conn, &ids).await?;
    Ok(ReportView {
        report,
        reporter,
        target,
        statuses,
    })
}

pub async fn get(ctx: &AppContext, operator: &User, id: &str) -> AppResult<ReportView> {
    members::require_staff(operator)?;
    let mut conn = ctx.db.get().await?;
    let report = db::find_report(&mut conn, id)
        .await?
        .ok_or(AppError::NotFound("report"))?;
    drop(conn);
    view(ctx, report).await
}

/// What an operator does about a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportAction {
    /// Closed without action.
    Dismiss,
    /// A local account: suspended (signed out everywhere).
    Suspend,
    /// A remote account: kept out of public timelines.
    Silence,
    /// A remote account's whole server.
    BlockDomain,
}

impl ReportAction {
    pub fn parse(s: &str) -> AppResult<Self> {
        Ok(match s {
            "dismiss" => Self::Dismiss,
            "suspend" => Self::Suspend,
            "silence" => Self::Silence,
            "block_domain" => Self::BlockDomain,
            _ => {
                return Err(ValidationError::new(
                    "action",
                    "must be dismiss, suspend, silence or block_domain",
                )
                .into())
            }
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Dismiss => "dismiss",
            Self::Suspend => "suspend",
            Self::Silence => "silence",
            Self::BlockDomain => "block_domain",
        }
    }
}

/// Takes the action, then closes the report (an action that fails leaves it open).
pub async fn resolve(
    ctx: &AppContext,
    operator: &User,
    id: &str,
    action: ReportAction,
) -> AppResult<()> {
    members::require_operator(operator)?;
    let v = get(ctx, operator, id).await?;
    if v.report.action_taken_at.is_some() {
        return Err(AppError::Conflict("this report is already resolved".into()));
    }
    match (action, v.target.is_local()) {
        (ReportAction::Dismiss, _) => {}
        (ReportAction::Suspend, true) => {
            members::act(ctx, operator, &v.target.id, MemberAction::Suspend).await?;
        }
        (ReportAction::Silence, false) => silence(ctx, operator, &v.target.id, true).await?,
        (ReportAction::BlockDomain, false) => {
            let domain = v.target.domain.clone().unwrap_or_default();
            domains::block(ctx, &domain, Some(&format!("report {}", v.report.id))).await?;
        }
        (ReportAction::Suspend, false) => {
            return Err(AppError::Unprocessable(
                "remote accounts are silenced or their server blocked, not suspended".into(),
            ))
        }
        (_, true) => {
            return Err(AppError::Unprocessable(
                "local accounts are suspended".into(),
            ))
        }
    }
    let mut conn = ctx.db.get().await?;
    if !db::resolve_report(&mut conn, id, &operator.id, action.as_str(), now()).await? {
        return Err(AppError::Conflict("this report is already resolved".into()));
    }
    Ok(())
}

/// Silences (or un-silences) a remote account.
pub async fn silence(
    ctx: &AppContext,
    operator: &User,
    account_id: &str,
    on: bool,
) -> AppResult<()> {
    members::require_operator(operator)?;
    let target = accounts::get(ctx, account_id).await?;
    if target.is_local() {
        return Err(AppError::Unprocessable(
            "local accounts are suspended, not silenced".into(),
        ));
    }
    let mut conn = ctx.db.get().await?;
    db_accounts::set_silenced(&mut conn, &target.id, on.then(now)).await?;
    Ok(())
}

/// What a forwarded report's `Flag` carries: the comment, the account's and the posts' ids.
pub async fn for_delivery(ctx: &AppContext, id: &str) -> AppResult<(Report, Vec<String>)> {
    let mut conn = ctx.db.get().await?;
    let report = db::find_report(&mut conn, id)
        .await?
        .ok_or(AppError::NotFound("report"))?;
    let ids: Vec<String> = report
        .status_ids
        .split_whitespace()
        .map(String::from)
        .collect();
    let uris = db_statuses::list_statuses_by_ids(&mut conn, &ids)
        .await?
        .into_iter()
        .map(|s| s.uri)
        .collect();
    Ok((report, uris))
}
