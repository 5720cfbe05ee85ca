//! Members of the space, the caller (`/me`), and operators' member management and invites.

use super::input::{lenient, Input};
use super::render::Page;
use super::render::SpaceEntity;
use super::InterspaceError;
use crate::extract::Authed;
use crate::mastodon::entities::{datetime, AccountEntity, Renderer};
use actix_web::{web, HttpResponse};
use interspace_app::members::{self, Member, MemberAction};
use interspace_app::oauth::Auth;
use interspace_app::{registrations, spaces, AppContext, AppError};
use interspace_core::roles::Role;
use serde::{Deserialize, Serialize};

fn require_admin_scope(auth: &Auth) -> Result<(), InterspaceError> {
    if auth.scopes.allows("write:spaces") || auth.scopes.allows("admin:space") {
        Ok(())
    } else {
        Err(AppError::Forbidden("This action is outside the authorized scopes".into()).into())
    }
}

/// A member as staff see them.
#[derive(Debug, Serialize)]
struct MemberEntity {
    account: AccountEntity,
    email: String,
    role: String,
    /// `active`, `pending` or `suspended`.
    state: &'static str,
    reason: Option<String>,
    created_at: String,
}

async fn member_json(r: &mut Renderer<'_>, m: &Member) -> Result<MemberEntity, InterspaceError> {
    Ok(MemberEntity {
        account: r.account(&m.account).await?,
        email: m.user.email.clone(),
        role: m.user.role.clone(),
        state: if m.user.disabled {
            "suspended"
        } else if m.user.approved {
            "active"
        } else {
            "pending"
        },
        reason: m.user.reason.clone(),
        created_at: datetime(m.user.created_at),
    })
}

/// The caller (`GET /me`).
#[derive(Debug, Serialize)]
struct MeEntity {
    account: AccountEntity,
    role: String,
    home_space: SpaceEntity,
    skills: Vec<String>,
    calendar_url: String,
    directory_opt_in: bool,
    followed_skills: Vec<String>,
}

/// A member of a space as its members see them.
#[derive(Debug, Serialize)]
struct SpaceMemberEntity {
    account: AccountEntity,
    role: String,
}

/// `PATCH /me`
#[derive(Debug, Deserialize)]
pub struct MeForm {
    #[serde(default, deserialize_with = "lenient::texts")]
    skills: Option<Vec<String>>,
    #[serde(default, deserialize_with = "lenient::flag")]
    directory_opt_in: Option<bool>,
}

/// `GET /me`
pub async fn me(ctx: web::Data<AppContext>, auth: Authed) -> Result<HttpResponse, InterspaceError> {
    let (user, account) = auth.0.user()?;
    me_json(&ctx, user, account).await
}

/// `PATCH /me {skills}`: the caller's skill tags (a list, or one comma-separated string).
pub async fn update_me(
    ctx: web::Data<AppContext>,
    auth: Authed,
    Input(form): Input<MeForm>,
) -> Result<HttpResponse, InterspaceError> {
    auth.0.require("write:accounts")?;
    let me = auth.0.user()?;
    let skills = form.skills;
    let opt_in = form.directory_opt_in;
    let (user, account) = interspace_app::accounts::update_profile(
        &ctx,
        me,
        interspace_app::accounts::ProfileUpdate {
            skills,
            ..Default::default()
        },
    )
    .await?;
    if let Some(on) = opt_in {
        interspace_app::opportunities::set_directory_opt_in(&ctx, &user, on).await?;
    }
    me_json(&ctx, &user, &account).await
}

async fn me_json(
    ctx: &AppContext,
    user: &interspace_app::User,
    account: &interspace_app::Account,
) -> Result<HttpResponse, InterspaceError> {
    let space = spaces::show(ctx).await?;
    let mut page = Page::new(ctx);
    Ok(HttpResponse::Ok().json(MeEntity {
        account: page.account(account).await?,
        role: user.role.clone(),
        home_space: page.space(&space).await?,
        skills: interspace_app::accounts::skills(account),
        calendar_url: interspace_app::events::calendar_url(ctx, user).await?,
        directory_opt_in: interspace_app::opportunities::directory_opt_in(ctx, user).await?,
        followed_skills: interspace_app::opportunities::followed_skills(ctx, account).await?,
    }))
}

/// `GET /members` (hosts and operators): every member with role and state.
pub async fn list(
    ctx: web::Data<AppContext>,
    auth: Authed,
) -> Result<HttpResponse, InterspaceError> {
    auth.0
        .require("read:accounts")
        .or_else(|_| auth.0.require("admin:space"))?;
    members::require_staff(&auth.0.user()?.0)?;
    let list = members::list(&ctx).await?;
    let mut r = Renderer::new(&ctx);
    r.preload(list.iter().map(|m| &m.account)).await?;
    let mut out = Vec::with_capacity(list.len());
    for m in &list {
        out.push(member_json(&mut r, m).await?);
    }
    Ok(HttpResponse::Ok().json(out))
}

/// `GET /spaces/:id/members`: the members with their roles, for members of the space.
pub async fn of_space(
    ctx: web::Data<AppContext>,
    auth: Authed,
    id: web::Path<String>,
) -> Result<HttpResponse, InterspaceError> {
    let space = spaces::get(&ctx, &id).await?;
    if !space.space.is_local {
        return Ok(HttpResponse::Ok().json(Vec::<SpaceMemberEntity>::new()));
    }
    auth.0.user()?;
    let list = members::list(&ctx).await?;
    let active: Vec<_> = list
        .iter()
        .filter(|m| m.user.approved && !m.user.disabled)
        .collect();
    let mut r = Renderer::new(&ctx);
    r.preload(active.iter().map(|m| &m.account)).await?;
    let mut out = Vec::with_capacity(active.len());
    for m in active {
        out.push(SpaceMemberEntity {
            account: r.account(&m.account).await?,
            role: m.user.role.clone(),
        });
    }
    Ok(HttpResponse::Ok().json(out))
}

/// `PATCH /members/:account_id {role}`
#[derive(Debug, Deserialize)]
pub struct RoleForm {
    #[serde(default, deserialize_with = "lenient::text")]
    role: Option<String>,
}

/// `PATCH /members/:account_id {role}` (operator)
pub async fn update(
    ctx: web::Data<AppContext>,
    auth: Authed,
    id: web::Path<String>,
    Input(form): Input<RoleForm>,
) -> Result<HttpResponse, InterspaceError> {
    require_admin_scope(&auth.0)?;
    let role = form.role.ok_or_else(|| {
        AppError::Validation(interspace_core::ValidationError::new("role", "is required"))
    })?;
    let role = Role::parse(&role).map_err(AppError::from)?;
    let m = members::act(&ctx, &auth.0.user()?.0, &id, MemberAction::SetRole(role)).await?;
    Ok(HttpResponse::Ok().json(member_json(&mut Renderer::new(&ctx), &m).await?))
}

/// `POST /members/:account_id/{approve,suspend,unsuspend}` (operator)
pub async fn act(
    ctx: web::Data<AppContext>,
    auth: Authed,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, InterspaceError> {
    require_admin_scope(&auth.0)?;
    let (id, action) = path.into_inner();
    let action = match action.as_str() {
        "approve" => MemberAction::Approve,
        "suspend" => MemberAction::Suspend,
        "unsuspend" => MemberAction::Unsuspend,
        _ => return Err(AppError::NotFound("action").into()),
    };
    let m = members::act(&ctx, &auth.0.user()?.0, &id, action).await?;
    Ok(HttpResponse::Ok().json(member_json(&mut Renderer::new(&ctx), &m).await?))
}

/// An invitation to sign up.
#[derive(Debug, Serialize)]
struct InviteEntity {
    code: String,
    url: String,
    email: Option<String>,
    role: String,
    /// Whether the link was mailed to `email`.
    mailed: bool,
    max_uses: Option<i32>,
    uses: i32,
    expires_at: Option<String>,
    created_at: String,
}

fn invite_json(ctx: &AppContext, i: &interspace_app::registrations::Invite) -> InviteEntity {
    InviteEntity {
        code: i.code.clone(),
        url: registrations::invite_url(ctx, i),
        email: i.email.clone(),
        role: i.role.clone(),
        mailed: i.email.is_some() && interspace_app::mail::enabled(ctx),
        max_uses: i.max_uses,
        uses: i.uses,
        expires_at: i.expires_at.map(datetime),
        created_at: datetime(i.created_at),
    }
}

/// `POST /invites`
#[derive(Debug, Deserialize)]
pub struct InviteForm {
    #[serde(default, deserialize_with = "lenient::whole")]
    max_uses: Option<i64>,
    #[serde(default, deserialize_with = "lenient::whole")]
    expires_in_days: Option<i64>,
    #[serde(default, deserialize_with = "lenient::id")]
    email: Option<String>,
    #[serde(default, deserialize_with = "lenient::id")]
    role: Option<String>,
}

/// `GET /invites` (operator)
pub async fn invites(
    ctx: web::Data<AppContext>,
    auth: Authed,
) -> Result<HttpResponse, InterspaceError> {
    require_admin_scope(&auth.0)?;
    members::require_operator(&auth.0.user()?.0)?;
    let list: Vec<InviteEntity> = registrations::list_invites(&ctx)
        .await?
        .iter()
        .map(|i| invite_json(&ctx, i))
        .collect();
    Ok(HttpResponse::Ok().json(list))
}

/// `POST /invites {max_uses, expires_in_days, email}` (operator)
pub async fn create_invite(
    ctx: web::Data<AppContext>,
    auth: Authed,
    Input(form): Input<InviteForm>,
) -> Result<HttpResponse, InterspaceError> {
    require_admin_scope(&auth.0)?;
    let (user, _) = auth.0.user()?;
    members::require_operator(user)?;
    let max_uses = form.max_uses.map(|n| n.clamp(0, i32::MAX as i64) as i32);
    let days = form.expires_in_days;
    if days.is_some_and(|d| !(1..=3650).contains(&d)) {
        return Err(AppError::Validation(interspace_core::ValidationError::new(
            "expires_in_days",
            "must be 1 to 3650",
        ))
        .into());
    }
    let role = match form.role.as_deref() {
        Some(r) => Role::parse(r)?,
        None => Role::Member,
    };
    let invite = registrations::create_invite(
        &ctx,
        registrations::NewInvite {
            created_by: Some(&user.id),
            max_uses,
            expires_in_days: days,
            email: form.email.as_deref(),
            role,
        },
    )
    .await?;
    Ok(HttpResponse::Ok().json(invite_json(&ctx, &invite)))
}
