//! Members of the space, the caller (`/me`), and operators' member management and invites.

use super::render::Page;
use super::InterspaceError;
use crate::extract::{Authed, Params};
use crate::mastodon::entities::{datetime, Renderer};
use actix_web::{web, HttpResponse};
use interspace_app::members::{self, Member, MemberAction};
use interspace_app::oauth::Auth;
use interspace_app::{registrations, spaces, AppContext, AppError};
use interspace_core::roles::Role;
use serde_json::{json, Value};

fn require_admin_scope(auth: &Auth) -> Result<(), InterspaceError> {
    if auth.scopes.allows("write:spaces") || auth.scopes.allows("admin:space") {
        Ok(())
    } else {
        Err(AppError::Forbidden("This action is outside the authorized scopes".into()).into())
    }
}

async fn member_json(r: &mut Renderer<'_>, m: &Member) -> Result<Value, InterspaceError> {
    Ok(json!({
        "account": r.account(&m.account).await?,
        "email": m.user.email,
        "role": m.user.role,
        "state": if m.user.disabled { "suspended" } else if m.user.approved { "active" } else { "pending" },
        "reason": m.user.reason,
        "created_at": datetime(m.user.created_at),
    }))
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
    p: Params,
) -> Result<HttpResponse, InterspaceError> {
    auth.0.require("write:accounts")?;
    let me = auth.0.user()?;
    let skills = p.map.contains_key("skills").then(|| p.list("skills"));
    let opt_in = p.bool("directory_opt_in")?;
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
    Ok(HttpResponse::Ok().json(json!({
        "account": page.account(account).await?,
        "role": user.role,
        "home_space": page.space(&space).await?,
        "skills": interspace_app::accounts::skills(account),
        "calendar_url": interspace_app::events::calendar_url(ctx, user).await?,
        "directory_opt_in": interspace_app::opportunities::directory_opt_in(ctx, user).await?,
        "followed_skills": interspace_app::opportunities::followed_skills(ctx, account).await?,
    })))
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
        return Ok(HttpResponse::Ok().json(json!([])));
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
        out.push(json!({ "account": r.account(&m.account).await?, "role": m.user.role }));
    }
    Ok(HttpResponse::Ok().json(out))
}

/// `PATCH /members/:account_id {role}` (operator)
pub async fn update(
    ctx: web::Data<AppContext>,
    auth: Authed,
    id: web::Path<String>,
    p: Params,
) -> Result<HttpResponse, InterspaceError> {
    require_admin_scope(&auth.0)?;
    let role = p.string("role")?.ok_or_else(|| {
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

fn invite_json(ctx: &AppContext, i: &interspace_app::registrations::Invite) -> Value {
    json!({
        "code": i.code,
        "url": registrations::invite_url(ctx, i),
        "email": i.email,
        "max_uses": i.max_uses,
        "uses": i.uses,
        "expires_at": i.expires_at.map(datetime),
        "created_at": datetime(i.created_at),
    })
}

/// `GET /invites` (operator)
pub async fn invites(
    ctx: web::Data<AppContext>,
    auth: Authed,
) -> Result<HttpResponse, InterspaceError> {
    require_admin_scope(&auth.0)?;
    members::require_operator(&auth.0.user()?.0)?;
    let list: Vec<Value> = registrations::list_invites(&ctx)
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
    p: Params,
) -> Result<HttpResponse, InterspaceError> {
    require_admin_scope(&auth.0)?;
    let (user, _) = auth.0.user()?;
    members::require_operator(user)?;
    let number = |k: &'static str| -> Result<Option<i64>, InterspaceError> {
        match p.str(k) {
            None => Ok(None),
            Some(v) => v.trim().parse::<i64>().map(Some).map_err(|_| {
                AppError::Validation(interspace_core::ValidationError::new(
                    k,
                    "must be a whole number",
                ))
                .into()
            }),
        }
    };
    let max_uses = number("max_uses")?.map(|n| n.clamp(0, i32::MAX as i64) as i32);
    let days = number("expires_in_days")?;
    if days.is_some_and(|d| !(1..=3650).contains(&d)) {
        return Err(AppError::Validation(interspace_core::ValidationError::new(
            "expires_in_days",
            "must be 1 to 3650",
        ))
        .into());
    }
    let invite = registrations::create_invite(
        &ctx,
        Some(&user.id),
        max_uses,
        days.map(chrono::Duration::days),
        p.str("email").as_deref(),
    )
    .await?;
    Ok(HttpResponse::Ok().json(invite_json(&ctx, &invite)))
}
