//! Local members: add, list, remove (the operator's CLI and, later, the admin pages).

use crate::accounts::{build_local, ActorType};
use crate::{outbox, AppContext, AppError, AppResult};
use interspace_core::delivery::OutboxKind;
use interspace_core::ids::{new_id, random_password};
use interspace_core::names::{validate_display_name, validate_password, Email, Username};
use interspace_core::roles::Role;
use interspace_db::accounts::{self as db_accounts, Account};
use interspace_db::users::{self as db_users, User};
use interspace_db::{follows as db_follows, now, statuses as db_statuses};

#[derive(Debug, Clone)]
pub struct NewMember {
    pub username: String,
    pub email: String,
    /// `None`: a password is generated and returned once.
    pub password: Option<String>,
    pub role: Role,
    pub display_name: Option<String>,
    /// Registrations in `approval` mode start unapproved.
    pub approved: bool,
}

#[derive(Debug, Clone)]
pub struct Member {
    pub user: User,
    pub account: Account,
}

impl Member {
    pub fn role(&self) -> Role {
        Role::parse(&self.user.role).unwrap_or(Role::Member)
    }
}

#[derive(Debug, Clone)]
pub struct AddedMember {
    pub member: Member,
    pub generated_password: Option<String>,
}

pub async fn add(ctx: &AppContext, new: NewMember) -> AppResult<AddedMember> {
    add_with(ctx, new, None, None).await
}

/// `add`, keeping why they asked to join and their locale (self-registration).
pub async fn add_with(
    ctx: &AppContext,
    new: NewMember,
    reason: Option<String>,
    locale: Option<String>,
) -> AppResult<AddedMember> {
    let operator = ctx.settings.operator_username.as_str();
    let username = Username::parse(&new.username, &[operator])?;
    let email = Email::parse(&new.email)?;
    let (password, generated) = match new.password {
        Some(p) => (p, false),
        None => (random_password(), true),
    };
    validate_password(&password)?;
    let display_name = validate_display_name(new.display_name.as_deref().unwrap_or(""))?;

    {
        let mut conn = ctx.db.get().await?;
        check_free(&mut conn, username.as_str(), email.as_str()).await?;
    }
    let password_hash = ctx.passwords.hash(&password).await?;
    let account = build_local(ctx, username.as_str(), ActorType::Person, &display_name, "").await?;

    let mut tx = ctx.db.begin().await?;
    check_free(&mut tx, username.as_str(), email.as_str()).await?;
    let account = db_accounts::insert_account(&mut tx, &account).await?;
    let ts = now();
    let user = db_users::insert_user(
        &mut tx,
        &User {
            id: new_id(),
            account_id: account.id.clone(),
            email: email.as_str().to_string(),
            password_hash,
            role: new.role.as_str().to_string(),
            approved: new.approved,
            disabled: false,
            created_at: ts,
            updated_at: ts,
            reason,
            locale,
            default_privacy: "public".into(),
            default_sensitive: false,
            default_language: None,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(AddedMember {
        member: Member { user, account },
        generated_password: generated.then_some(password),
    })
}

async fn check_free(
    conn: &mut interspace_db::DbConn,
    username: &str,
    email: &str,
) -> AppResult<()> {
    if db_accounts::find_local_account_by_username(conn, username)
        .await?
        .is_some()
    {
        return Err(AppError::Conflict(format!(
            "username '{username}' is taken"
        )));
    }
    if db_users::find_user_by_email(conn, email).await?.is_some() {
        return Err(AppError::Conflict(format!(
            "e-mail '{email}' is already registered"
        )));
    }
    Ok(())
}

pub async fn list(ctx: &AppContext) -> AppResult<Vec<Member>> {
    let mut conn = ctx.db.get().await?;
    Ok(db_users::list_users(&mut conn)
        .await?
        .into_iter()
        .map(|(user, account)| Member { user, account })
        .collect())
}

pub async fn get(ctx: &AppContext, username: &str) -> AppResult<Member> {
    let mut conn = ctx.db.get().await?;
    db_users::find_user_by_username(&mut conn, username)
        .await?
        .map(|(user, account)| Member { user, account })
        .ok_or(AppError::NotFound("member"))
}

/// Removes a member and deletes their account: its posts and follows go, the servers of its
/// remote contacts get a Delete, and its actor answers 410 from then on. The last operator
/// cannot be removed.
pub async fn remove(ctx: &AppContext, username: &str) -> AppResult<Member> {
    ctx.write(async |tx, _| {
        let (user, account) = db_users::find_user_by_username(tx, username)
            .await?
            .ok_or(AppError::NotFound("member"))?;
        if user.role == Role::Operator.as_str() {
            let operators =
                db_users::list_accounts_with_roles(tx, &[Role::Operator.as_str()]).await?;
            if operators.len() <= 1 {
                return Err(AppError::Forbidden(format!(
                    "'{username}' is the last operator of this instance"
                )));
            }
        }
        let ts = now();
        // One event per remote contact: each becomes a delivery of the same Delete to its inbox.
        for contact in db_follows::list_remote_contacts(tx, &account.id).await? {
            outbox::enqueue(
                tx,
                OutboxKind::ActorDelete,
                &account.id,
                &account.id,
                Some(&contact),
            )
            .await?;
        }
        db_follows::delete_all_of(tx, &account.id).await?;
        db_statuses::mark_all_deleted_of(tx, &account.id, ts).await?;
        db_accounts::mark_deleted(tx, &account.id, ts).await?;
        db_users::delete_user(tx, &user.id).await?;
        Ok(Member { user, account })
    })
    .await
}

/// The caller must be an operator of this instance.
pub fn require_operator(user: &User) -> AppResult<()> {
    if user.role == Role::Operator.as_str() {
        Ok(())
    } else {
        Err(AppError::Forbidden(
            "This action needs the operator role".into(),
        ))
    }
}

/// The caller must be staff (host or operator).
pub fn require_staff(user: &User) -> AppResult<()> {
    if Role::parse(&user.role).is_ok_and(Role::is_staff) {
        Ok(())
    } else {
        Err(AppError::Forbidden(
            "This action needs the host or operator role".into(),
        ))
    }
}

/// A member by account id.
pub async fn get_by_account(ctx: &AppContext, account_id: &str) -> AppResult<Member> {
    let mut conn = ctx.db.get().await?;
    interspace_db::users::find_user_by_account_id(&mut conn, account_id)
        .await?
        .map(|(user, account)| Member { user, account })
        .ok_or(AppError::NotFound("member"))
}

/// What an operator may change about a member.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MemberAction {
    SetRole(Role),
    Approve,
    Suspend,
    Unsuspend,
}

/// An operator acts on a member. Operators cannot demote or suspend themselves (so an instance
/// always keeps one); suspension also signs the member out everywhere.
pub async fn act(
    ctx: &AppContext,
    operator: &User,
    account_id: &str,
    action: MemberAction,
) -> AppResult<Member> {
    require_operator(operator)?;
    let target = get_by_account(ctx, account_id).await?;
    if target.user.id == operator.id
        && matches!(
            action,
            MemberAction::Suspend | MemberAction::SetRole(Role::Member | Role::Host)
        )
    {
        return Err(AppError::Forbidden(
            "Operators cannot demote or suspend themselves".into(),
        ));
    }
    apply(ctx, &target, action).await
}

/// The operator at the console (the `interspace member` commands) acts on a member by name.
/// The instance keeps an operator: the last one is neither demoted nor suspended.
pub async fn act_from_console(
    ctx: &AppContext,
    username: &str,
    action: MemberAction,
) -> AppResult<Member> {
    let target = get(ctx, username).await?;
    let demotes = matches!(
        action,
        MemberAction::Suspend | MemberAction::SetRole(Role::Member | Role::Host)
    );
    if demotes && target.user.role == Role::Operator.as_str() {
        let mut conn = ctx.db.get().await?;
        let operators = db_users::list_accounts_with_roles(&mut conn, &[Role::Operator.as_str()])
            .await?
            .into_iter()
            .filter(|a| a.suspended_at.is_none())
            .count();
        if operators <= 1 {
            return Err(AppError::Forbidden(format!(
                "'{username}' is the last operator of this instance"
            )));
        }
    }
    apply(ctx, &target, action).await
}

/// Applies `action` to a member; suspension ends their app tokens and web sessions.
async fn apply(ctx: &AppContext, target: &Member, action: MemberAction) -> AppResult<Member> {
    let ts = now();
    let mut changes = interspace_db::users::UserStateChanges::default();
    ctx.write(async |tx, _| {
        match action {
            MemberAction::SetRole(role) => changes.role = Some(role.as_str().to_string()),
            MemberAction::Approve => changes.approved = Some(true),
            MemberAction::Suspend => {
                changes.disabled = Some(true);
                db_accounts::set_suspended(tx, &target.account.id, Some(ts)).await?;
                interspace_db::oauth::revoke_user_tokens(tx, &target.user.id, ts).await?;
                interspace_db::sessions::delete_user_sessions(tx, &target.user.id).await?;
            }
            MemberAction::Unsuspend => {
                changes.disabled = Some(false);
                db_accounts::set_suspended(tx, &target.account.id, None).await?;
            }
        }
        let user = interspace_db::users::update_user_state(tx, &target.user.id, &changes).await?;
        let account = db_accounts::get_account_by_id(tx, &target.account.id).await?;
        Ok(Member { user, account })
    })
    .await
}

/// Whether an account is an active member here: an approved, enabled local user.
pub async fn is_active(conn: &mut interspace_db::DbConn, account_id: &str) -> AppResult<bool> {
    Ok(db_users::find_user_by_account_id(conn, account_id)
        .await?
        .is_some_and(|(u, _)| u.approved && !u.disabled))
}
