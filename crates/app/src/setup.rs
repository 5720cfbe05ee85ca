//! First start of an instance: the instance actor, the space and its operator.

use crate::accounts::{build_local, ActorType, INSTANCE_ACTOR_USERNAME};
use crate::spaces::{default_visit_policy, Location};
use crate::{AppContext, AppError, AppResult};
use interspace_core::ids::{new_id, random_password};
use interspace_core::names::{parse_timezone, Email, Username};
use interspace_core::roles::Role;
use interspace_db::{accounts as db_accounts, now, spaces as db_spaces, users as db_users};

/// What the first start created: the operator's login and one-time password, to print once.
#[derive(Debug, Clone)]
pub struct FirstRun {
    pub operator_username: String,
    pub operator_email: String,
    pub password: String,
    pub space_handle: String,
}

/// Validates the first-run settings (called at start, before anything is written).
pub fn validate_settings(ctx: &AppContext) -> AppResult<()> {
    let s = &ctx.settings;
    Username::parse_syntax(&s.space_handle).map_err(|e| {
        AppError::Validation(interspace_core::ValidationError::new(
            "space.handle",
            e.reason,
        ))
    })?;
    Username::parse(&s.operator_username, &[&s.operator_username]).map_err(|e| {
        AppError::Validation(interspace_core::ValidationError::new(
            "space.operator",
            e.reason,
        ))
    })?;
    if s.space_handle == s.operator_username {
        return Err(AppError::Validation(interspace_core::ValidationError::new(
            "space.operator",
            "must differ from space.handle (they share one namespace)",
        )));
    }
    parse_timezone(&s.space_timezone)?;
    Ok(())
}

/// Creates whatever of the instance actor, space and operator is missing. Returns the
/// operator's credentials only when this call created the operator.
pub async fn ensure_instance(ctx: &AppContext) -> AppResult<Option<FirstRun>> {
    validate_settings(ctx)?;
    {
        let mut conn = ctx.db.get().await?;
        let has_space = db_spaces::find_local_space(&mut conn).await?.is_some();
        let has_actor =
            db_accounts::find_local_account_by_username(&mut conn, INSTANCE_ACTOR_USERNAME)
                .await?
                .is_some();
        if has_space && has_actor {
            return Ok(None);
        }
    }
    let s = ctx.settings.clone();
    // Keys and the password hash take time: build everything before the transaction.
    let instance = build_local(
        ctx,
        INSTANCE_ACTOR_USERNAME,
        ActorType::Application,
        s.urls.domain(),
        "",
    )
    .await?;
    let group = build_local(ctx, &s.space_handle, ActorType::Group, &s.space_name, "").await?;
    let operator = build_local(
        ctx,
        &s.operator_username,
        ActorType::Person,
        &s.operator_username,
        "",
    )
    .await?;
    let password = random_password();
    let password_hash = ctx.passwords.hash(&password).await?;
    let email = Email::parse(&format!(
        "{}@{}",
        s.operator_username,
        s.urls.base().host_str().unwrap_or("localhost")
    ))
    .or_else(|_| Email::parse(&format!("{}@localhost.localdomain", s.operator_username)))?;

    let mut tx = ctx.db.begin().await?;
    if db_accounts::find_local_account_by_username(&mut tx, INSTANCE_ACTOR_USERNAME)
        .await?
        .is_none()
    {
        db_accounts::insert_account(&mut tx, &instance).await?;
    }
    if db_spaces::find_local_space(&mut tx).await?.is_some() {
        tx.commit().await?;
        return Ok(None);
    }
    let group = db_accounts::insert_account(&mut tx, &group).await?;
    let ts = now();
    db_spaces::insert_space(
        &mut tx,
        &db_spaces::Space {
            id: new_id(),
            account_id: group.id.clone(),
            is_local: true,
            timezone: s.space_timezone.clone(),
            hours: String::new(),
            location: serde_json::to_string(&Location::default()).unwrap_or_else(|_| "{}".into()),
            day_price: None,
            visit_policy: serde_json::to_string(&default_visit_policy())
                .unwrap_or_else(|_| "{}".into()),
            created_at: ts,
            updated_at: ts,
            opportunity_hashtag: None,
        },
    )
    .await?;
    let operator = db_accounts::insert_account(&mut tx, &operator).await?;
    db_users::insert_user(
        &mut tx,
        &db_users::User {
            id: new_id(),
            account_id: operator.id.clone(),
            email: email.as_str().to_string(),
            password_hash,
            role: Role::Operator.as_str().to_string(),
            approved: true,
            disabled: false,
            created_at: ts,
            updated_at: ts,
            reason: None,
            locale: None,
            default_privacy: "public".into(),
            default_sensitive: false,
            default_language: None,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Some(FirstRun {
        operator_username: operator.username,
        operator_email: email.as_str().to_string(),
        password,
        space_handle: group.username,
    }))
}
