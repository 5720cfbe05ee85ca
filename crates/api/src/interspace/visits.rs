//! `/partnerships`, `/visits` and `/front_desk`: the `Partnership` and `Visit` entities.

use super::input::{lenient, Input, Note, StateFilter};
use super::render::{Page, SpaceEntity};
use super::InterspaceError;
use crate::extract::Authed;
use crate::mastodon::entities::{datetime, AccountEntity, Renderer};
use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use interspace_app::oauth::Auth;
use interspace_app::partnerships::{self, PartnershipId, PartnershipView, Terms};
use interspace_app::visits::{self, HostRef, VisitId, VisitView};
use interspace_app::{AppContext, AppError, User};
use interspace_core::visits::{PartnershipState, VisitState};
use interspace_core::ValidationError;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

fn invalid(field: &'static str, reason: &str) -> InterspaceError {
    AppError::Validation(ValidationError::new(field, reason)).into()
}

/// Operator calls need the broad `write` scope or `admin:space` (API.md conventions).
fn operator_scope(auth: &Auth) -> Result<&User, InterspaceError> {
    if !(auth.scopes.allows("write") || auth.scopes.allows("admin:space")) {
        return Err(
            AppError::Forbidden("This action is outside the authorized scopes".into()).into(),
        );
    }
    Ok(&auth.user()?.0)
}

/// The Interspace API's Partnership, seen from this side.
#[derive(Debug, Clone, Serialize)]
pub struct PartnershipEntity {
    pub id: String,
    pub uri: String,
    pub partner: SpaceEntity,
    pub state: PartnershipState,
    pub terms: Terms,
    pub pending_terms: Option<Terms>,
    pub pending_from_us: bool,
    pub reason: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

async fn partnership_json(
    page: &mut Page<'_>,
    v: &PartnershipView,
) -> Result<PartnershipEntity, InterspaceError> {
    let p = &v.partnership;
    Ok(PartnershipEntity {
        id: p.id.clone(),
        uri: p.uri.clone(),
        partner: page.space(&v.partner).await?,
        state: p.state,
        terms: v.terms.clone(),
        pending_terms: v.pending_terms.clone(),
        pending_from_us: p.pending_terms.is_some() && p.pending_from_us,
        reason: p.reason.clone(),
        created_at: datetime(p.created_at),
        updated_at: datetime(p.updated_at),
    })
}

/// The Interspace API's Visit.
#[derive(Debug, Clone, Serialize)]
pub struct VisitEntity {
    pub id: String,
    pub uri: String,
    pub visitor: AccountEntity,
    pub home_space: SpaceEntity,
    pub host_space: SpaceEntity,
    pub date_from: String,
    pub date_to: String,
    pub note: String,
    pub state: VisitState,
    pub reason: Option<String>,
    pub reason_code: Option<String>,
    pub cancelled_by: Option<String>,
    pub checked_in_at: Option<String>,
    pub checked_out_at: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

pub async fn visit_json(
    page: &mut Page<'_>,
    v: &VisitView,
) -> Result<VisitEntity, InterspaceError> {
    let x = &v.visit;
    Ok(VisitEntity {
        id: x.id.clone(),
        uri: x.uri.clone(),
        visitor: page.account(&v.visitor).await?,
        home_space: page.space(&v.home).await?,
        host_space: page.space(&v.host).await?,
        date_from: x.date_from.to_string(),
        date_to: x.date_to.to_string(),
        note: x.note.clone(),
        state: x.state,
        reason: x.reason.clone(),
        reason_code: x.reason_code.clone(),
        cancelled_by: x.cancelled_by.clone(),
        checked_in_at: x.checked_in_at.map(datetime),
        checked_out_at: x.checked_out_at.map(datetime),
        created_at: datetime(x.created_at),
        updated_at: datetime(x.updated_at),
    })
}

/// A partnership proposed (`POST /partnerships`) or acted on (`/partnerships/:id/{action}`).
#[derive(Debug, Deserialize)]
pub struct PartnershipForm {
    #[serde(default, deserialize_with = "lenient::id")]
    space_acct: Option<String>,
    /// The terms it names, over the defaults (a proposal) or the current terms (an amendment).
    #[serde(default)]
    terms: Option<Map<String, Value>>,
    #[serde(default, deserialize_with = "lenient::text")]
    reason: Option<String>,
}

impl PartnershipForm {
    fn terms(&self, base: &Terms) -> Result<Terms, InterspaceError> {
        let mut base = serde_json::to_value(base).unwrap_or(Value::Null);
        if let (Value::Object(b), Some(t)) = (&mut base, &self.terms) {
            b.extend(t.clone());
        }
        serde_json::from_value(base).map_err(|e| invalid("terms", &e.to_string()))
    }
}

/// What the visit lists read from the query: `date=YYYY-MM-DD` (front desk, visits), `role`
/// and `state` (visits), `month=YYYY-MM` (a partnership's ledger).
#[derive(Debug, Deserialize)]
pub struct VisitQuery {
    #[serde(default, deserialize_with = "lenient::id")]
    date: Option<String>,
    #[serde(default, deserialize_with = "lenient::id")]
    month: Option<String>,
    #[serde(default, deserialize_with = "lenient::id")]
    role: Option<String>,
    #[serde(default, deserialize_with = "lenient::id")]
    state: Option<String>,
}

impl VisitQuery {
    fn date(&self) -> Result<Option<chrono::NaiveDate>, InterspaceError> {
        Ok(self.date.as_deref().map(visits::parse_day).transpose()?)
    }
}

/// `POST /visits`
#[derive(Debug, Deserialize)]
pub struct VisitForm {
    #[serde(default, deserialize_with = "lenient::id")]
    host_space_id: Option<String>,
    #[serde(default, deserialize_with = "lenient::id")]
    host_space_acct: Option<String>,
    #[serde(default, deserialize_with = "lenient::text")]
    date_from: Option<String>,
    #[serde(default, deserialize_with = "lenient::text")]
    date_to: Option<String>,
    #[serde(default, deserialize_with = "lenient::text")]
    note: Option<String>,
}

/// Visits and days of a partnership in one month.
#[derive(Debug, Serialize)]
struct LedgerEntity {
    month: String,
    ours_there: Tally,
    theirs_here: Tally,
    by_member: Vec<LedgerLine>,
}

#[derive(Debug, Serialize)]
struct Tally {
    visits: i64,
    days: i64,
}

#[derive(Debug, Serialize)]
struct LedgerLine {
    account: AccountEntity,
    direction: &'static str,
    days: i64,
}

/// The visits of one day at our front desk.
#[derive(Debug, Serialize)]
struct FrontDeskEntity {
    date: String,
    visits: Vec<VisitEntity>,
}

pub async fn partnerships_list(
    ctx: web::Data<AppContext>,
    auth: Authed,
    Input(q): Input<StateFilter>,
) -> Result<HttpResponse, InterspaceError> {
    auth.0.require("read:visits")?;
    let list = partnerships::list(&ctx, &auth.0.user()?.0, q.state.as_deref()).await?;
    let mut page = Page::new(&ctx);
    let mut out = Vec::with_capacity(list.len());
    for v in &list {
        out.push(partnership_json(&mut page, v).await?);
    }
    Ok(HttpResponse::Ok().json(out))
}

pub async fn partnership(
    ctx: web::Data<AppContext>,
    auth: Authed,
    id: web::Path<PartnershipId>,
) -> Result<HttpResponse, InterspaceError> {
    auth.0.require("read:visits")?;
    let v = partnerships::get(&ctx, &auth.0.user()?.0, &id).await?;
    Ok(HttpResponse::Ok().json(partnership_json(&mut Page::new(&ctx), &v).await?))
}

pub async fn propose(
    ctx: web::Data<AppContext>,
    auth: Authed,
    Input(form): Input<PartnershipForm>,
) -> Result<HttpResponse, InterspaceError> {
    let user = operator_scope(&auth.0)?;
    let acct = form
        .space_acct
        .clone()
        .ok_or_else(|| invalid("space_acct", "is required"))?;
    let v = partnerships::propose(&ctx, user, &acct, &form.terms(&Terms::default())?).await?;
    Ok(HttpResponse::Ok().json(partnership_json(&mut Page::new(&ctx), &v).await?))
}

/// `POST /partnerships/:id/{accept|reject|amend|end}`
pub async fn partnership_act(
    ctx: web::Data<AppContext>,
    auth: Authed,
    path: web::Path<(PartnershipId, String)>,
    Input(form): Input<PartnershipForm>,
) -> Result<HttpResponse, InterspaceError> {
    let user = operator_scope(&auth.0)?;
    let (id, action) = path.into_inner();
    let reason = form.reason.clone();
    let v = match action.as_str() {
        "accept" => partnerships::accept(&ctx, user, &id).await?,
        "reject" => partnerships::reject(&ctx, user, &id, reason).await?,
        "amend" => {
            let current = partnerships::get(&ctx, user, &id).await?.terms;
            partnerships::amend(&ctx, user, &id, &form.terms(&current)?).await?
        }
        "end" => partnerships::end(&ctx, user, &id, reason).await?,
        _ => return Err(InterspaceError(crate::ApiError::NotFound)),
    };
    Ok(HttpResponse::Ok().json(partnership_json(&mut Page::new(&ctx), &v).await?))
}

/// `GET /partnerships/:id/ledger?month=YYYY-MM` (JSON, or CSV for `Accept: text/csv`).
pub async fn ledger(
    ctx: web::Data<AppContext>,
    req: HttpRequest,
    auth: Authed,
    id: web::Path<PartnershipId>,
    Input(q): Input<VisitQuery>,
) -> Result<HttpResponse, InterspaceError> {
    auth.0.require("read:visits")?;
    let member = auth.0.user()?;
    let l = visits::ledger(&ctx, member, &id, q.month.as_deref()).await?;
    let wants_csv = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("text/csv"));
    if wants_csv {
        return Ok(HttpResponse::Ok()
            .content_type("text/csv; charset=utf-8")
            .body(visits::ledger_csv(&ctx, &l)));
    }
    let mut r = Renderer::new(&ctx);
    let mut by_member = Vec::with_capacity(l.by_member.len());
    for (a, direction, days) in &l.by_member {
        by_member.push(LedgerLine {
            account: r.account(a).await?,
            direction,
            days: *days,
        });
    }
    let tally = |(visits, days)| Tally { visits, days };
    Ok(HttpResponse::Ok().json(LedgerEntity {
        month: l.month.clone(),
        ours_there: tally(l.ours_there),
        theirs_here: tally(l.theirs_here),
        by_member,
    }))
}

async fn visits_json(
    ctx: &AppContext,
    list: &[VisitView],
) -> Result<Vec<VisitEntity>, InterspaceError> {
    let mut page = Page::new(ctx);
    page.preload(list.iter().map(|v| &v.visitor)).await?;
    let mut out = Vec::with_capacity(list.len());
    for v in list {
        out.push(visit_json(&mut page, v).await?);
    }
    Ok(out)
}

pub async fn visits_list(
    ctx: web::Data<AppContext>,
    auth: Authed,
    Input(q): Input<VisitQuery>,
) -> Result<HttpResponse, InterspaceError> {
    auth.0.require("read:visits")?;
    let role = q.role.clone().unwrap_or_else(|| "visitor".into());
    let list = visits::list(&ctx, auth.0.user()?, &role, q.state.as_deref(), q.date()?).await?;
    Ok(HttpResponse::Ok().json(visits_json(&ctx, &list).await?))
}

pub async fn request(
    ctx: web::Data<AppContext>,
    auth: Authed,
    Input(form): Input<VisitForm>,
) -> Result<HttpResponse, InterspaceError> {
    auth.0.require("write:visits")?;
    let host = match (form.host_space_id, form.host_space_acct) {
        (Some(id), _) => HostRef::Id(id),
        (_, Some(acct)) => HostRef::Acct(acct),
        _ => {
            return Err(invalid(
                "host_space_id",
                "host_space_id or host_space_acct is required",
            ))
        }
    };
    let from = form
        .date_from
        .ok_or_else(|| invalid("date_from", "is required"))?;
    let to = form.date_to.unwrap_or_else(|| from.clone());
    let v = visits::request(&ctx, auth.0.user()?, host, &from, &to, form.note).await?;
    Ok(HttpResponse::Ok().json(visit_json(&mut Page::new(&ctx), &v).await?))
}

pub async fn visit(
    ctx: web::Data<AppContext>,
    auth: Authed,
    id: web::Path<VisitId>,
) -> Result<HttpResponse, InterspaceError> {
    auth.0.require("read:visits")?;
    let v = visits::get(&ctx, auth.0.user()?, &id).await?;
    Ok(HttpResponse::Ok().json(visit_json(&mut Page::new(&ctx), &v).await?))
}

/// `POST /visits/:id/{cancel|approve|reject|check_in|check_out}`
pub async fn visit_act(
    ctx: web::Data<AppContext>,
    auth: Authed,
    path: web::Path<(VisitId, String)>,
    Input(note): Input<Note>,
) -> Result<HttpResponse, InterspaceError> {
    auth.0.require("write:visits")?;
    let member = auth.0.user()?;
    let (id, action) = path.into_inner();
    let own = visits::get(&ctx, member, &id)
        .await
        .is_ok_and(|v| v.visitor.id == member.1.id);
    let v = match action.as_str() {
        "cancel" if own => visits::cancel_own(&ctx, member, &id).await?,
        "cancel" | "approve" | "reject" | "check_in" | "check_out" => {
            visits::act_as_host(&ctx, member, &id, &action, note.reason).await?
        }
        _ => return Err(InterspaceError(crate::ApiError::NotFound)),
    };
    Ok(HttpResponse::Ok().json(visit_json(&mut Page::new(&ctx), &v).await?))
}

pub async fn front_desk(
    ctx: web::Data<AppContext>,
    auth: Authed,
    Input(q): Input<VisitQuery>,
) -> Result<HttpResponse, InterspaceError> {
    auth.0.require("read:visits")?;
    let (day, list) = visits::front_desk(&ctx, auth.0.user()?, q.date()?).await?;
    Ok(HttpResponse::Ok().json(FrontDeskEntity {
        date: day.to_string(),
        visits: visits_json(&ctx, &list).await?,
    }))
}
