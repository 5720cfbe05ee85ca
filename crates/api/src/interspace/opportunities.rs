//! `/opportunities`, `/applications`, `/team_invitations`, `/skills` and `/directory`: the
//! board, private applications with their teams, followed skills, and people by skill.

use super::input::{lenient, Input, Lookup, Note, Paging};
use super::render::{Page, SpaceEntity};
use super::InterspaceError;
use crate::extract::{Authed, MaybeAuthed};
use crate::mastodon::entities::{datetime, AccountEntity};
use crate::paging::paged_response;
use actix_web::{web, HttpRequest, HttpResponse};
use interspace_app::oauth::Auth;
use interspace_app::opportunities::{
    self as opps, ApplicationId, ApplicationInput, ApplicationView, BoardFilter, Budget, Decision,
    DirectoryFilter, OpportunityId, OpportunityInput, OpportunityView,
};
use interspace_app::{Account, AppContext, AppError};
use interspace_core::opportunities::{ApplicationState, TeamState};
use interspace_core::ValidationError;
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::HashMap;

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

/// One opportunity, with the viewer's own application when there is one.
async fn one(
    ctx: &AppContext,
    v: &OpportunityView,
    me: Option<&Account>,
) -> Result<OpportunityEntity, InterspaceError> {
    let mine = opps::mine_among(ctx, me, std::slice::from_ref(v)).await?;
    opportunity_json(&mut Page::new(ctx), v, mine.get(&v.opportunity.id)).await
}

pub async fn opportunity_json(
    page: &mut Page<'_>,
    v: &OpportunityView,
    mine: Option<&ApplicationView>,
) -> Result<OpportunityEntity, InterspaceError> {
    let o = &v.opportunity;
    let space = match &v.space {
        Some(s) => Some(page.space(s).await?),
        None => None,
    };
    let location_space = match &v.location_space {
        Some(s) => Some(page.space(s).await?),
        None => None,
    };
    let my_application = match mine {
        Some(view) => Some(application_json(page, view).await?),
        None => None,
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

/// A budget as a body gives it (`amount` as a number or its text).
#[derive(Debug, Deserialize)]
pub struct BudgetForm {
    #[serde(default, deserialize_with = "lenient::text")]
    amount: Option<String>,
    #[serde(default, deserialize_with = "lenient::text")]
    currency: Option<String>,
    #[serde(default, deserialize_with = "lenient::text")]
    period: Option<String>,
}

impl BudgetForm {
    fn check(self, field: &'static str) -> Result<Budget, InterspaceError> {
        Ok(opps::check_budget(
            field,
            &self.amount.unwrap_or_default(),
            &self.currency.unwrap_or_default(),
            Some(&self.period.unwrap_or_default()),
        )?)
    }
}

/// Where the work happens, as an object (`location`) or flat (`location_mode`, ...).
#[derive(Debug, Deserialize)]
pub struct LocationForm {
    #[serde(default, deserialize_with = "lenient::text")]
    mode: Option<String>,
    #[serde(default, deserialize_with = "lenient::text")]
    city: Option<String>,
    #[serde(default, deserialize_with = "lenient::clearable")]
    space_id: Option<Option<String>>,
}

/// The writable fields of an opportunity, from a JSON or form body.
#[derive(Debug, Deserialize)]
pub struct OpportunityForm {
    #[serde(default, deserialize_with = "lenient::text")]
    title: Option<String>,
    #[serde(default, deserialize_with = "lenient::text")]
    description: Option<String>,
    #[serde(default, deserialize_with = "lenient::text")]
    kind: Option<String>,
    #[serde(default, deserialize_with = "lenient::words")]
    skills: Option<Vec<String>>,
    #[serde(default)]
    location: Option<LocationForm>,
    #[serde(default, deserialize_with = "lenient::text")]
    location_mode: Option<String>,
    #[serde(default, deserialize_with = "lenient::text")]
    location_city: Option<String>,
    #[serde(default, deserialize_with = "lenient::clearable")]
    location_space_id: Option<Option<String>>,
    #[serde(default, deserialize_with = "lenient::clearable")]
    budget: Option<Option<BudgetForm>>,
    #[serde(default, deserialize_with = "lenient::clearable")]
    deadline: Option<Option<String>>,
    #[serde(default, deserialize_with = "lenient::whole")]
    team_size: Option<i64>,
    #[serde(default, deserialize_with = "lenient::text")]
    visibility: Option<String>,
}

impl OpportunityForm {
    fn into_input(self) -> Result<OpportunityInput, InterspaceError> {
        let (mode, city, space_id) = match self.location {
            Some(l) => (l.mode, l.city, l.space_id),
            None => (None, None, None),
        };
        Ok(OpportunityInput {
            title: self.title,
            description: self.description,
            kind: self.kind,
            skills: self.skills,
            mode: mode.or(self.location_mode),
            city: city.or(self.location_city),
            location_space_id: space_id.or(self.location_space_id),
            budget: match self.budget {
                None => None,
                Some(None) => Some(None),
                Some(Some(b)) => Some(Some(b.check("budget")?)),
            },
            deadline: self.deadline,
            team_size: self.team_size,
            visibility: self.visibility,
        })
    }
}

/// `POST /opportunities/:id/apply`
#[derive(Debug, Deserialize)]
pub struct ApplicationForm {
    #[serde(default, deserialize_with = "lenient::text")]
    cover_note: Option<String>,
    #[serde(default, deserialize_with = "lenient::clearable")]
    proposed_budget: Option<Option<BudgetForm>>,
    #[serde(default, deserialize_with = "lenient::texts")]
    links: Option<Vec<String>>,
    /// Teammates' handles.
    #[serde(default, deserialize_with = "lenient::words")]
    team: Option<Vec<String>>,
}

/// `GET /opportunities`: the board's filters.
#[derive(Debug, Deserialize)]
pub struct BoardQuery {
    #[serde(flatten)]
    paging: Paging,
    #[serde(default, deserialize_with = "lenient::id")]
    sort: Option<String>,
    #[serde(default, deserialize_with = "lenient::id")]
    status: Option<String>,
    #[serde(default, deserialize_with = "lenient::id")]
    kind: Option<String>,
    #[serde(default, deserialize_with = "lenient::id")]
    mode: Option<String>,
    #[serde(default, deserialize_with = "lenient::id")]
    budget_min: Option<String>,
    #[serde(default, deserialize_with = "lenient::id")]
    currency: Option<String>,
    #[serde(default, deserialize_with = "lenient::id")]
    q: Option<String>,
    #[serde(default, deserialize_with = "lenient::id")]
    skill: Option<String>,
    #[serde(default, deserialize_with = "lenient::id")]
    space_id: Option<String>,
    #[serde(default, deserialize_with = "lenient::id")]
    author_id: Option<String>,
    #[serde(default, deserialize_with = "lenient::flag")]
    local: Option<bool>,
}

/// `GET /directory`
#[derive(Debug, Deserialize)]
pub struct DirectoryQuery {
    #[serde(flatten)]
    paging: Paging,
    #[serde(default, deserialize_with = "lenient::id")]
    q: Option<String>,
    #[serde(default, deserialize_with = "lenient::id")]
    skill: Option<String>,
    #[serde(default, deserialize_with = "lenient::id")]
    space_id: Option<String>,
    #[serde(default, deserialize_with = "lenient::whole")]
    offset: Option<i64>,
    #[serde(default, deserialize_with = "lenient::flag")]
    local: Option<bool>,
}

/// A team invitation of the caller.
#[derive(Debug, Serialize)]
struct InvitationEntity {
    id: String,
    state: TeamState,
    application: ApplicationEntity,
    created_at: String,
}

/// The skills the caller follows.
#[derive(Debug, Serialize)]
struct SkillsEntity {
    skills: Vec<String>,
}

/// A person of the directory.
#[derive(Debug, Serialize)]
struct PersonEntity {
    account: AccountEntity,
    skills: Vec<String>,
    home_space: Option<SpaceEntity>,
    local: bool,
}

pub async fn list(
    ctx: web::Data<AppContext>,
    req: HttpRequest,
    auth: MaybeAuthed,
    Input(q): Input<BoardQuery>,
) -> Result<HttpResponse, InterspaceError> {
    let me = reader(&auth)?;
    let paging = q.paging.page(20, 80);
    let by_deadline = match q.sort.as_deref() {
        None | Some("recent") => false,
        Some("deadline") => true,
        Some(_) => return Err(invalid("sort", "is recent or deadline")),
    };
    let status = match q.status.as_deref() {
        None => Some("open".to_string()),
        Some("all") => None,
        Some(s) => Some(
            interspace_core::opportunities::Status::parse(s)?
                .as_str()
                .to_string(),
        ),
    };
    if let Some(k) = &q.kind {
        interspace_core::opportunities::Kind::parse(k)?;
    }
    if let Some(m) = &q.mode {
        interspace_core::opportunities::WorkMode::parse(m)?;
    }
    let budget_min = match &q.budget_min {
        None => None,
        Some(b) => Some(
            opps::check_budget("budget_min", b, "XXX", None)?
                .minor()
                .ok_or_else(|| invalid("budget_min", "is not an amount"))?,
        ),
    };
    let before = match (&paging.max_id, by_deadline) {
        (Some(id), false) => {
            let last = opps::get(&ctx, &OpportunityId::from(id), me).await?;
            Some((last.opportunity.created_at, last.opportunity.id))
        }
        _ => None,
    };
    let filter = BoardFilter {
        q: q.q,
        skill: q.skill,
        kind: q.kind,
        mode: q.mode,
        space_id: q.space_id,
        author_id: q.author_id,
        status,
        local: q.local,
        budget_min,
        currency: q.currency.map(|c| c.to_uppercase()),
        by_deadline,
        before,
        limit: paging.limit,
        ..BoardFilter::default()
    };
    let list = opps::list(&ctx, me, filter).await?;
    let mine = opps::mine_among(&ctx, me, &list).await?;
    let mut page = Page::new(&ctx);
    page.preload(list.iter().map(|v| &v.author)).await?;
    let mut out = Vec::with_capacity(list.len());
    for v in &list {
        out.push(opportunity_json(&mut page, v, mine.get(&v.opportunity.id)).await?);
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
    Input(q): Input<Lookup>,
) -> Result<HttpResponse, InterspaceError> {
    let me = reader(&auth)?;
    let v = opps::lookup(&ctx, &q.uri()?, me).await?;
    Ok(HttpResponse::Ok().json(one(&ctx, &v, me).await?))
}

pub async fn get(
    ctx: web::Data<AppContext>,
    auth: MaybeAuthed,
    id: web::Path<OpportunityId>,
) -> Result<HttpResponse, InterspaceError> {
    let me = reader(&auth)?;
    let v = opps::get(&ctx, &id, me).await?;
    Ok(HttpResponse::Ok().json(one(&ctx, &v, me).await?))
}

pub async fn create(
    ctx: web::Data<AppContext>,
    auth: Authed,
    Input(form): Input<OpportunityForm>,
) -> Result<HttpResponse, InterspaceError> {
    let me = writer(&auth)?.user()?;
    let v = opps::create(&ctx, me, form.into_input()?).await?;
    Ok(HttpResponse::Ok().json(one(&ctx, &v, Some(&me.1)).await?))
}

pub async fn update(
    ctx: web::Data<AppContext>,
    auth: Authed,
    id: web::Path<OpportunityId>,
    Input(form): Input<OpportunityForm>,
) -> Result<HttpResponse, InterspaceError> {
    let me = writer(&auth)?.account()?;
    let v = opps::update(&ctx, me, &id, form.into_input()?).await?;
    Ok(HttpResponse::Ok().json(one(&ctx, &v, Some(me)).await?))
}

pub async fn delete(
    ctx: web::Data<AppContext>,
    auth: Authed,
    id: web::Path<OpportunityId>,
) -> Result<HttpResponse, InterspaceError> {
    opps::delete(&ctx, writer(&auth)?.account()?, &id).await?;
    Ok(HttpResponse::Ok().json(json!({})))
}

/// `POST /opportunities/:id/{close|reopen|review}`
pub async fn set_status(
    ctx: web::Data<AppContext>,
    auth: Authed,
    path: web::Path<(OpportunityId, String)>,
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
    Ok(HttpResponse::Ok().json(one(&ctx, &v, Some(me)).await?))
}

pub async fn apply(
    ctx: web::Data<AppContext>,
    auth: Authed,
    id: web::Path<OpportunityId>,
    Input(form): Input<ApplicationForm>,
) -> Result<HttpResponse, InterspaceError> {
    let me = writer(&auth)?.account()?;
    let proposed_budget = match form.proposed_budget.flatten() {
        Some(b) => Some(b.check("proposed_budget")?),
        None => None,
    };
    let v = opps::apply(
        &ctx,
        me,
        &id,
        ApplicationInput {
            cover_note: form.cover_note,
            proposed_budget,
            links: form.links.unwrap_or_default(),
            team: form.team.unwrap_or_default(),
        },
    )
    .await?;
    Ok(HttpResponse::Ok().json(application_json(&mut Page::new(&ctx), &v).await?))
}

pub async fn applications_for(
    ctx: web::Data<AppContext>,
    auth: Authed,
    id: web::Path<OpportunityId>,
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
    id: web::Path<ApplicationId>,
) -> Result<HttpResponse, InterspaceError> {
    let me = own_reader(&auth)?;
    let v = opps::get_application(&ctx, me, &id).await?;
    Ok(HttpResponse::Ok().json(application_json(&mut Page::new(&ctx), &v).await?))
}

/// `POST /applications/:id/{shortlist|accept|decline|withdraw}`
pub async fn application_act(
    ctx: web::Data<AppContext>,
    auth: Authed,
    path: web::Path<(ApplicationId, String)>,
    Input(note): Input<Note>,
) -> Result<HttpResponse, InterspaceError> {
    let (id, action) = path.into_inner();
    let me = writer(&auth)?.account()?;
    let v = if action == "withdraw" {
        opps::withdraw(&ctx, me, &id).await?
    } else {
        let decision = Decision::parse(&action)
            .filter(|_| action != "shortlisted" && action != "accepted" && action != "declined")
            .ok_or(InterspaceError(crate::ApiError::NotFound))?;
        opps::decide(&ctx, me, &id, decision, note.message).await?
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
        out.push(InvitationEntity {
            id: v.application.id.clone(),
            state: m.state,
            application: application_json(&mut Page::new(&ctx), &v).await?,
            created_at: datetime(m.created_at),
        });
    }
    Ok(HttpResponse::Ok().json(out))
}

/// `POST /team_invitations/:id/{accept|decline}` (the id is the application's).
pub async fn invitation_act(
    ctx: web::Data<AppContext>,
    auth: Authed,
    path: web::Path<(ApplicationId, String)>,
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
    Ok(HttpResponse::Ok().json(SkillsEntity { skills }))
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
    Input(q): Input<DirectoryQuery>,
) -> Result<HttpResponse, InterspaceError> {
    auth.0
        .require("read:accounts")
        .or_else(|_| auth.0.require("read:opportunities"))?;
    auth.0.user()?;
    let paging = q.paging.page(40, 80);
    // This space's members are the local people; another space's, those it is home to.
    let mut local = q.local;
    let home_space_uri = match &q.space_id {
        Some(id) => {
            let space = interspace_app::spaces::get(&ctx, id).await?;
            if space.space.is_local {
                local = Some(true);
                None
            } else {
                Some(space.account.uri)
            }
        }
        None => None,
    };
    let people = opps::directory(
        &ctx,
        DirectoryFilter {
            skill: q.skill,
            q: q.q,
            home_space_uri,
            local,
            limit: paging.limit,
            offset: q.offset.unwrap_or(0).max(0),
        },
    )
    .await?;
    let mut page = Page::new(&ctx);
    page.preload(people.iter().map(|(a, _)| a)).await?;
    // Each home space is read once, however many of its people the page lists.
    let mut homes: HashMap<String, Option<SpaceEntity>> = HashMap::new();
    let mut out = Vec::with_capacity(people.len());
    for (a, home) in &people {
        let home_space = match home {
            Some(h) => {
                if !homes.contains_key(&h.id) {
                    let space = if h.is_local() {
                        interspace_app::spaces::show(&ctx).await
                    } else {
                        interspace_app::spaces::of_remote_group(&ctx, h.clone()).await
                    };
                    let entity = match space {
                        Ok(s) => Some(page.space(&s).await?),
                        Err(_) => None,
                    };
                    homes.insert(h.id.clone(), entity);
                }
                homes.get(&h.id).cloned().flatten()
            }
            None => None,
        };
        out.push(PersonEntity {
            account: page.account(a).await?,
            skills: interspace_app::accounts::skills(a),
            home_space,
            local: a.is_local(),
        });
    }
    Ok(HttpResponse::Ok().json(out))
}
