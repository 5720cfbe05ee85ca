//! `/opportunities`, `/applications`, `/team_invitations`, `/skills` and `/directory`: the
//! board, private applications with their teams, followed skills, and people by skill.

use super::render::{Page, SpaceEntity};
use super::InterspaceError;
use crate::extract::{Authed, MaybeAuthed, Params};
use crate::mastodon::entities::{datetime, AccountEntity};
use crate::paging::{page, paged_response};
use actix_web::{web, HttpRequest, HttpResponse};
use interspace_app::oauth::Auth;
use interspace_app::opportunities::{
    self as opps, ApplicationInput, ApplicationView, BoardFilter, Budget, Decision,
    DirectoryFilter, OpportunityInput, OpportunityView,
};
use interspace_app::{Account, AppContext, AppError};
use interspace_core::opportunities::{ApplicationState, TeamState};
use interspace_core::ValidationError;
use serde::Serialize;
use serde_json::{json, Value};

fn invalid(field: &'static str, reason: &str) -> InterspaceError {
    AppError::Validation(ValidationError::new(field, reason)).into()
}

/// Reading needs `read:opportunities` when a token is given; public ones are open to all.
fn reader(auth: &MaybeAuthed) -> Result<Option<&Account>, InterspaceError> {
    match &auth.0 {
        None => Ok(None),
        Some(a) => {
            a.require("read:opportunities")?;
            Ok(a.account().ok())
        }
    }
}

fn writer(auth: &Authed) -> Result<&Auth, InterspaceError> {
    auth.0.require("write:opportunities")?;
    Ok(&auth.0)
}

fn own_reader(auth: &Authed) -> Result<&Account, InterspaceError> {
    auth.0.require("read:opportunities")?;
    Ok(auth.0.account()?)
}

/// Where an opportunity's work happens.
#[derive(Debug, Clone, Serialize)]
pub struct WorkLocation {
    pub mode: String,
    pub space: Option<SpaceEntity>,
    pub city: Option<String>,
}

/// The Interspace API's Opportunity.
#[derive(Debug, Clone, Serialize)]
pub struct OpportunityEntity {
    pub id: String,
    pub uri: String,
    pub url: String,
    pub title: String,
    pub description: String,
    pub kind: String,
    pub skills: Vec<String>,
    pub location: WorkLocation,
    pub budget: Option<Budget>,
    pub deadline: Option<String>,
    pub team_size: i64,
    pub status: String,
    pub visibility: String,
    pub author: AccountEntity,
    pub space: Option<SpaceEntity>,
    pub applications_count: i64,
    pub my_application: Option<ApplicationEntity>,
    pub local: bool,
    pub created_at: String,
    pub updated_at: String,
}

pub async fn opportunity_json(
    page: &mut Page<'_>,
    v: &OpportunityView,
    me: Option<&Account>,
) -> Result<OpportunityEntity, InterspaceError> {
    let ctx = page.ctx;
    let o = &v.opportunity;
    let space = match &v.space {
        Some(s) => Some(page.space(s).await?),
        None => None,
    };
    let location_space = match &v.location_space {
        Some(s) => Some(page.space(s).await?),
        None => None,
    };
    let my_application = match (&v.mine, me) {
        (Some(m), Some(a)) if m.applicant_id == a.id => {
            let view = opps::get_application(ctx, a, &m.id).await?;
            Some(application_json(page, &view).await?)
        }
        _ => None,
    };
    Ok(OpportunityEntity {
        id: o.id.clone(),
        uri: o.uri.clone(),
        url: o.url.clone().unwrap_or_else(|| o.uri.clone()),
        title: o.title.clone(),
        description: o.description.clone(),
        kind: o.kind.clone(),
        skills: v.skills.clone(),
        location: WorkLocation {
            mode: o.location_mode.clone(),
            space: location_space,
            city: o.location_city.clone(),
        },
        budget: v.budget.clone(),
        deadline: o.deadline.map(|d| d.to_string()),
        team_size: o.team_size,
        status: o.status.clone(),
        visibility: o.visibility.clone(),
        author: page.account(&v.author).await?,
        space,
        applications_count: o.applications_count,
        my_application,
        local: o.is_local,
        created_at: datetime(o.created_at),
        updated_at: datetime(o.updated_at),
    })
}

/// A teammate of an application, with their answer.
#[derive(Debug, Clone, Serialize)]
pub struct TeammateEntity {
    pub account: AccountEntity,
    pub state: TeamState,
    /// `handle@domain` of their home space's Group.
    pub home_space: Option<String>,
}

/// The Interspace API's Application.
#[derive(Debug, Clone, Serialize)]
pub struct ApplicationEntity {
    pub id: String,
    pub uri: String,
    pub opportunity_id: String,
    pub opportunity_title: String,
    pub applicant: AccountEntity,
    pub applicant_home_space: Option<String>,
    pub team: Vec<TeammateEntity>,
    pub state: ApplicationState,
    pub source: String,
    pub cover_note: String,
    pub proposed_budget: Option<Budget>,
    pub links: Vec<String>,
    pub message: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

pub async fn application_json(
    page: &mut Page<'_>,
    v: &ApplicationView,
) -> Result<ApplicationEntity, InterspaceError> {
    let ctx = page.ctx;
    let a = &v.application;
    let home = |h: &Option<Account>| {
        h.as_ref()
            .map(|h| interspace_app::accounts::acct_with_domain(ctx, h))
    };
    let mut team = Vec::with_capacity(v.team.len());
    for t in &v.team {
        team.push(TeammateEntity {
            account: page.account(&t.account).await?,
            state: t.state,
            home_space: home(&t.home),
        });
    }
    Ok(ApplicationEntity {
        id: a.id.clone(),
        uri: a.uri.clone(),
        opportunity_id: a.opportunity_id.clone(),
        opportunity_title: v.opportunity.title.clone(),
        applicant: page.account(&v.applicant).await?,
        applicant_home_space: home(&v.applicant_home),
        team,
        state: a.state,
        source: a.source.clone(),
        cover_note: a.cover_note.clone(),
        proposed_budget: a
            .proposed_budget
            .as_deref()
            .and_then(|b| serde_json::from_str(b).ok()),
        links: serde_json::from_str(&a.links).unwrap_or_default(),
        message: a.message.clone(),
        created_at: datetime(a.created_at),
        updated_at: datetime(a.updated_at),
    })
}

/// A list given as a JSON array, or as one string separated by commas or spaces (forms).
fn skills_param(p: &Params, key: &str) -> Option<Vec<String>> {
    let v = p.map.get(key).or_else(|| p.map.get(&format!("{key}[]")))?;
    let list = match v {
        Value::Array(_) => p.list(key),
        _ => p
            .list(key)
            .iter()
            .flat_map(|s| s.split([',', ' ']).map(str::to_string).collect::<Vec<_>>())
            .collect(),
    };
    Some(list.into_iter().filter(|s| !s.trim().is_empty()).collect())
}

fn budget_param(p: &Params) -> Result<Option<Option<Budget>>, InterspaceError> {
    match p.map.get("budget") {
        None => Ok(None),
        Some(Value::Null) => Ok(Some(None)),
        Some(Value::Object(b)) => {
            let text = |k: &str| match b.get(k) {
                Some(Value::String(s)) => s.clone(),
                Some(Value::Number(n)) => n.to_string(),
                _ => String::new(),
            };
            Ok(Some(Some(opps::check_budget(
                "budget",
                &text("amount"),
                &text("currency"),
                Some(&text("period")),
            )?)))
        }
        Some(_) => Err(invalid(
            "budget",
            "must be an object with amount, currency and period, or null",
        )),
    }
}

/// The writable fields from a JSON or form body (`location` as an object, or the flat
/// `location_mode`, `location_city`).
fn input(p: &Params) -> Result<OpportunityInput, InterspaceError> {
    let loc = p.map.get("location").and_then(Value::as_object);
    let from_loc = |k: &str| {
        loc.and_then(|l| l.get(k))
            .map(|v| v.as_str().map(String::from))
    };
    let team_size = match p.str("team_size") {
        None => None,
        Some(t) => Some(
            t.trim()
                .parse::<i64>()
                .map_err(|_| invalid("team_size", "must be a whole number"))?,
        ),
    };
    let deadline = match p.map.get("deadline") {
        None => None,
        Some(Value::Null) => Some(None),
        Some(_) => Some(p.string("deadline")?),
    };
    Ok(OpportunityInput {
        title: p.string("title")?,
        description: p.string("description")?,
        kind: p.string("kind")?,
        skills: skills_param(p, "skills"),
        mode: from_loc("mode").flatten().or(p.string("location_mode")?),
        city: from_loc("city").flatten().or(p.string("location_city")?),
        location_space_id: from_loc("space_id").or(p
            .map
            .get("location_space_id")
            .map(|v| v.as_str().map(String::from))),
        budget: budget_param(p)?,
        deadline,
        team_size,
        visibility: p.string("visibility")?,
    })
}

pub async fn list(
    ctx: web::Data<AppContext>,
    req: HttpRequest,
    auth: MaybeAuthed,
    p: Params,
) -> Result<HttpResponse, InterspaceError> {
    let me = reader(&auth)?;
    let paging = page(&p, 20, 80)?;
    let text = |k: &str| {
        p.str(k)
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
    };
    let by_deadline = match text("sort").as_deref() {
        None | Some("recent") => false,
        Some("deadline") => true,
        Some(_) => return Err(invalid("sort", "is recent or deadline")),
    };
    let status = match text("status").as_deref() {
        None => Some("open".to_string()),
        Some("all") => None,
        Some(s) => Some(
            interspace_core::opportunities::Status::parse(s)?
                .as_str()
                .to_string(),
        ),
    };
    if let Some(k) = text("kind") {
        interspace_core::opportunities::Kind::parse(&k)?;
    }
    if let Some(m) = text("mode") {
        interspace_core::opportunities::WorkMode::parse(&m)?;
    }
    let budget_min = match text("budget_min") {
        None => None,
        Some(b) => Some(
            opps::check_budget("budget_min", &b, "XXX", None)?
                .minor()
                .ok_or_else(|| invalid("budget_min", "is not an amount"))?,
        ),
    };
    let before = match (&paging.max_id, by_deadline) {
        (Some(id), false) => {
            let last = opps::get(&ctx, id, me.map(|a| a.id.as_str())).await?;
            Some((last.opportunity.created_at, last.opportunity.id))
        }
        _ => None,
    };
    let filter = BoardFilter {
        q: text("q"),
        skill: text("skill"),
        kind: text("kind"),
        mode: text("mode"),
        space_id: text("space_id"),
        author_id: text("author_id"),
        status,
        local: p.bool("local")?,
        budget_min,
        currency: text("currency").map(|c| c.to_uppercase()),
        by_deadline,
        before,
        limit: paging.limit,
        ..BoardFilter::default()
    };
    let list = opps::list(&ctx, me.map(|a| a.id.as_str()), filter).await?;
    let mut page = Page::new(&ctx);
    page.preload(list.iter().map(|v| &v.author)).await?;
    let mut out = Vec::with_capacity(list.len());
    for v in &list {
        out.push(opportunity_json(&mut page, v, me).await?);
    }
    if by_deadline {
        // One page, soonest deadline first: `max_id` pages the newest-first order only.
        return Ok(HttpResponse::Ok().json(out));
    }
    let ids: Vec<String> = list.iter().map(|v| v.opportunity.id.clone()).collect();
    Ok(paged_response(&req, ctx.urls().base(), out, &ids))
}

pub async fn lookup(
    ctx: web::Data<AppContext>,
    auth: MaybeAuthed,
    p: Params,
) -> Result<HttpResponse, InterspaceError> {
    let me = reader(&auth)?;
    let uri = p.str("uri").ok_or_else(|| invalid("uri", "is required"))?;
    let v = opps::lookup(&ctx, &uri, me.map(|a| a.id.as_str())).await?;
    Ok(HttpResponse::Ok().json(opportunity_json(&mut Page::new(&ctx), &v, me).await?))
}

pub async fn get(
    ctx: web::Data<AppContext>,
    auth: MaybeAuthed,
    id: web::Path<String>,
) -> Result<HttpResponse, InterspaceError> {
    let me = reader(&auth)?;
    let v = opps::get(&ctx, &id, me.map(|a| a.id.as_str())).await?;
    Ok(HttpResponse::Ok().json(opportunity_json(&mut Page::new(&ctx), &v, me).await?))
}

pub async fn create(
    ctx: web::Data<AppContext>,
    auth: Authed,
    p: Params,
) -> Result<HttpResponse, InterspaceError> {
    let me = writer(&auth)?.user()?;
    let v = opps::create(&ctx, me, input(&p)?).await?;
    Ok(HttpResponse::Ok().json(opportunity_json(&mut Page::new(&ctx), &v, Some(&me.1)).await?))
}

pub async fn update(
    ctx: web::Data<AppContext>,
    auth: Authed,
    id: web::Path<String>,
    p: Params,
) -> Result<HttpResponse, InterspaceError> {
    let me = writer(&auth)?.account()?;
    let v = opps::update(&ctx, me, &id, input(&p)?).await?;
    Ok(HttpResponse::Ok().json(opportunity_json(&mut Page::new(&ctx), &v, Some(me)).await?))
}

pub async fn delete(
    ctx: web::Data<AppContext>,
    auth: Authed,
    id: web::Path<String>,
) -> Result<HttpResponse, InterspaceError> {
    opps::delete(&ctx, writer(&auth)?.account()?, &id).await?;
    Ok(HttpResponse::Ok().json(json!({})))
}

/// `POST /opportunities/:id/{close|reopen|review}`
pub async fn set_status(
    ctx: web::Data<AppContext>,
    auth: Authed,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, InterspaceError> {
    use interspace_core::opportunities::Status;
    let (id, action) = path.into_inner();
    let status = match action.as_str() {
        "reopen" => Status::Open,
        "review" => Status::InReview,
        "close" => Status::Closed,
        _ => return Err(InterspaceError(crate::ApiError::NotFound)),
    };
    let me = writer(&auth)?.account()?;
    let v = opps::set_status(&ctx, me, &id, status).await?;
    Ok(HttpResponse::Ok().json(opportunity_json(&mut Page::new(&ctx), &v, Some(me)).await?))
}

pub async fn apply(
    ctx: web::Data<AppContext>,
    auth: Authed,
    id: web::Path<String>,
    p: Params,
) -> Result<HttpResponse, InterspaceError> {
    let me = writer(&auth)?.account()?;
    let proposed_budget = match p.map.get("proposed_budget") {
        Some(Value::Object(b)) => {
            let text = |k: &str| match b.get(k) {
                Some(Value::String(s)) => s.clone(),
                Some(Value::Number(n)) => n.to_string(),
                _ => String::new(),
            };
            Some(opps::check_budget(
                "proposed_budget",
                &text("amount"),
                &text("currency"),
                Some(&text("period")),
            )?)
        }
        None | Some(Value::Null) => None,
        Some(_) => {
            return Err(invalid(
                "proposed_budget",
                "must be an object with amount and currency",
            ))
        }
    };
    let team = skills_param(&p, "team").unwrap_or_default();
    let v = opps::apply(
        &ctx,
        me,
        &id,
        ApplicationInput {
            cover_note: p.string("cover_note")?,
            proposed_budget,
            links: p.list("links"),
            team,
        },
    )
    .await?;
    Ok(HttpResponse::Ok().json(application_json(&mut Page::new(&ctx), &v).await?))
}

pub async fn applications_for(
    ctx: web::Data<AppContext>,
    auth: Authed,
    id: web::Path<String>,
) -> Result<HttpResponse, InterspaceError> {
    let me = own_reader(&auth)?;
    let list = opps::applications_for(&ctx, me, &id).await?;
    let mut page = Page::new(&ctx);
    page.preload(list.iter().map(|v| &v.applicant)).await?;
    let mut out = Vec::with_capacity(list.len());
    for v in &list {
        out.push(application_json(&mut page, v).await?);
    }
    Ok(HttpResponse::Ok().json(out))
}

pub async fn my_applications(
    ctx: web::Data<AppContext>,
    auth: Authed,
) -> Result<HttpResponse, InterspaceError> {
    let me = own_reader(&auth)?;
    let list = opps::applications_of(&ctx, me).await?;
    let mut page = Page::new(&ctx);
    let mut out = Vec::with_capacity(list.len());
    for v in &list {
        out.push(application_json(&mut page, v).await?);
    }
    Ok(HttpResponse::Ok().json(out))
}

pub async fn application(
    ctx: web::Data<AppContext>,
    auth: Authed,
    id: web::Path<String>,
) -> Result<HttpResponse, InterspaceError> {
    let me = own_reader(&auth)?;
    let v = opps::get_application(&ctx, me, &id).await?;
    Ok(HttpResponse::Ok().json(application_json(&mut Page::new(&ctx), &v).await?))
}

/// `POST /applications/:id/{shortlist|accept|decline|withdraw}`
pub async fn application_act(
    ctx: web::Data<AppContext>,
    auth: Authed,
    path: web::Path<(String, String)>,
    p: Params,
) -> Result<HttpResponse, InterspaceError> {
    let (id, action) = path.into_inner();
    let me = writer(&auth)?.account()?;
    let v = if action == "withdraw" {
        opps::withdraw(&ctx, me, &id).await?
    } else {
        let decision = Decision::parse(&action)
            .filter(|_| action != "shortlisted" && action != "accepted" && action != "declined")
            .ok_or(InterspaceError(crate::ApiError::NotFound))?;
        opps::decide(&ctx, me, &id, decision, p.string("message")?).await?
    };
    Ok(HttpResponse::Ok().json(application_json(&mut Page::new(&ctx), &v).await?))
}

pub async fn invitations(
    ctx: web::Data<AppContext>,
    auth: Authed,
) -> Result<HttpResponse, InterspaceError> {
    let me = own_reader(&auth)?;
    let mut out = Vec::new();
    for (m, v) in opps::invitations(&ctx, me).await? {
        out.push(json!({
            "id": v.application.id,
            "state": m.state,
            "application": application_json(&mut Page::new(&ctx), &v).await?,
            "created_at": datetime(m.created_at),
        }));
    }
    Ok(HttpResponse::Ok().json(out))
}

/// `POST /team_invitations/:id/{accept|decline}` (the id is the application's).
pub async fn invitation_act(
    ctx: web::Data<AppContext>,
    auth: Authed,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, InterspaceError> {
    let (id, action) = path.into_inner();
    let accept = match action.as_str() {
        "accept" => true,
        "decline" => false,
        _ => return Err(InterspaceError(crate::ApiError::NotFound)),
    };
    let me = writer(&auth)?.account()?;
    let v = opps::answer_invitation(&ctx, me, &id, accept).await?;
    Ok(HttpResponse::Ok().json(application_json(&mut Page::new(&ctx), &v).await?))
}

/// `POST` or `DELETE /skills/:name/follow`
pub async fn follow_skill(
    ctx: web::Data<AppContext>,
    req: HttpRequest,
    auth: Authed,
    name: web::Path<String>,
) -> Result<HttpResponse, InterspaceError> {
    let me = writer(&auth)?.account()?;
    let follow = req.method() != actix_web::http::Method::DELETE;
    let skills = opps::follow_skill(&ctx, me, &name, follow).await?;
    Ok(HttpResponse::Ok().json(json!({ "skills": skills })))
}

pub async fn followed_skills(
    ctx: web::Data<AppContext>,
    auth: Authed,
) -> Result<HttpResponse, InterspaceError> {
    let me = own_reader(&auth)?;
    Ok(HttpResponse::Ok().json(opps::followed_skills(&ctx, me).await?))
}

/// `GET /directory`: members only.
pub async fn directory(
    ctx: web::Data<AppContext>,
    auth: Authed,
    p: Params,
) -> Result<HttpResponse, InterspaceError> {
    auth.0
        .require("read:accounts")
        .or_else(|_| auth.0.require("read:opportunities"))?;
    auth.0.user()?;
    let paging = page(&p, 40, 80)?;
    let text = |k: &str| {
        p.str(k)
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
    };
    // This space's members are the local people; another space's, those it is home to.
    let mut local = p.bool("local")?;
    let home_space_uri = match text("space_id") {
        Some(id) => {
            let space = interspace_app::spaces::get(&ctx, &id).await?;
            if space.space.is_local {
                local = Some(true);
                None
            } else {
                Some(space.account.uri)
            }
        }
        None => None,
    };
    let offset = match text("offset") {
        Some(o) => o
            .parse::<i64>()
            .map_err(|_| invalid("offset", "must be a number"))?
            .max(0),
        None => 0,
    };
    let people = opps::directory(
        &ctx,
        DirectoryFilter {
            skill: text("skill"),
            q: text("q"),
            home_space_uri,
            local,
            limit: paging.limit,
            offset,
        },
    )
    .await?;
    let mut page = Page::new(&ctx);
    page.preload(people.iter().map(|(a, _)| a)).await?;
    let mut out = Vec::with_capacity(people.len());
    for (a, home) in &people {
        let home_space = match home {
            Some(h) => {
                let space = if h.is_local() {
                    interspace_app::spaces::show(&ctx).await
                } else {
                    interspace_app::spaces::of_remote_group(&ctx, h.clone()).await
                };
                match space {
                    Ok(s) => Some(page.space(&s).await?),
                    Err(_) => None,
                }
            }
            None => None,
        };
        out.push(json!({
            "account": page.account(a).await?,
            "skills": interspace_app::accounts::skills(a),
            "home_space": home_space,
            "local": a.is_local(),
        }));
    }
    Ok(HttpResponse::Ok().json(out))
}
