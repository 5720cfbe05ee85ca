//! Opportunities, their skills, applications with their teammates, and followed skills.

use crate::accounts::Account;
use crate::schema::{
    accounts, application_members as members, applications, opportunities,
    opportunity_skills as skills, skill_follows, team_consents, users,
};
use crate::{run, DbConn, DbResult, OptionalExt};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::dsl::exists;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use interspace_core::opportunities::{ApplicationState, TeamState};

diesel::define_sql_function!(fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text);

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset, Identifiable)]
#[diesel(table_name = opportunities, treat_none_as_null = true)]
pub struct Opportunity {
    pub id: String,
    pub uri: String,
    pub url: Option<String>,
    pub author_id: String,
    pub space_id: Option<String>,
    /// The post that carries it (a Note on the wire).
    pub status_id: Option<String>,
    pub title: String,
    pub description: String,
    pub source_text: String,
    pub kind: String,
    pub location_mode: String,
    pub location_city: Option<String>,
    pub location_space_id: Option<String>,
    pub budget_amount: Option<String>,
    pub budget_currency: Option<String>,
    pub budget_period: Option<String>,
    pub deadline: Option<NaiveDate>,
    pub team_size: i64,
    pub status: String,
    pub visibility: String,
    pub applications_count: i64,
    pub is_local: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub deleted_at: Option<NaiveDateTime>,
    /// The budget's amount in hundredths (for the budget filter).
    pub budget_minor: Option<i64>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset, Identifiable)]
#[diesel(table_name = applications, treat_none_as_null = true)]
pub struct Application {
    pub id: String,
    pub uri: String,
    pub opportunity_id: String,
    pub applicant_id: String,
    #[diesel(serialize_as = String, deserialize_as = String)]
    pub state: ApplicationState,
    pub cover_note: String,
    /// JSON money with a period, or NULL.
    pub proposed_budget: Option<String>,
    /// JSON list of URLs.
    pub links: String,
    /// The poster's answer.
    pub message: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// `application`, or `reply` (a direct reply to the post, kept as interest).
    pub source: String,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = members, primary_key(application_id, account_id), treat_none_as_null = true)]
pub struct TeamMember {
    pub application_id: String,
    pub account_id: String,
    #[diesel(serialize_as = String, deserialize_as = String)]
    pub state: TeamState,
    /// The Invite sent to the teammate.
    pub invite_uri: Option<String>,
    /// The teammate's instance's signed Accept.
    pub consent_uri: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// What the board shows.
#[derive(Debug, Clone, Default)]
pub struct BoardFilter {
    /// Words in the title or description.
    pub q: Option<String>,
    pub skill: Option<String>,
    pub kind: Option<String>,
    pub mode: Option<String>,
    pub space_id: Option<String>,
    pub author_id: Option<String>,
    pub status: Option<String>,
    pub local: Option<bool>,
    /// A budget of at least this many hundredths (opportunities without one are left out).
    pub budget_min: Option<i64>,
    pub currency: Option<String>,
    /// Whether the viewer is a member of this instance's space (sees `space` and `partners`
    /// opportunities of the space); others see public ones and their own.
    pub viewer: Option<String>,
    pub viewer_is_member: bool,
    /// Soonest deadline first instead of newest first.
    pub by_deadline: bool,
    /// Newest first: older than this (created_at, id).
    pub before: Option<(NaiveDateTime, String)>,
    pub limit: i64,
}

pub async fn insert_opportunity(
    conn: &mut DbConn,
    o: &Opportunity,
    tags: &[String],
) -> DbResult<bool> {
    let n = run!(conn, |c| diesel::insert_into(opportunities::table)
        .values(o)
        .on_conflict(opportunities::uri)
        .do_nothing()
        .execute(c)
        .await)?;
    if n == 1 {
        set_skills(conn, &o.id, tags).await?;
    }
    Ok(n == 1)
}

pub async fn save_opportunity(conn: &mut DbConn, o: &Opportunity) -> DbResult<()> {
    run!(conn, |c| diesel::update(opportunities::table.find(&o.id))
        .set(o)
        .execute(c)
        .await)?;
    Ok(())
}

pub async fn set_skills(conn: &mut DbConn, id: &str, tags: &[String]) -> DbResult<()> {
    run!(conn, |c| diesel::delete(
        skills::table.filter(skills::opportunity_id.eq(id))
    )
    .execute(c)
    .await)?;
    for tag in tags {
        run!(conn, |c| diesel::insert_into(skills::table)
            .values((skills::opportunity_id.eq(id), skills::skill.eq(tag)))
            .on_conflict_do_nothing()
            .execute(c)
            .await)?;
    }
    Ok(())
}

pub async fn list_skills(conn: &mut DbConn, id: &str) -> DbResult<Vec<String>> {
    run!(conn, |c| skills::table
        .filter(skills::opportunity_id.eq(id))
        .order(skills::skill.asc())
        .select(skills::skill)
        .load(c)
        .await)
    .map_err(Into::into)
}

pub async fn find_opportunity(conn: &mut DbConn, id: &str) -> DbResult<Option<Opportunity>> {
    run!(conn, |c| opportunities::table
        .find(id)
        .select(Opportunity::as_select())
        .first(c)
        .await)
    .opt()
}

pub async fn find_opportunity_by_uri(
    conn: &mut DbConn,
    uri: &str,
) -> DbResult<Option<Opportunity>> {
    run!(conn, |c| opportunities::table
        .filter(opportunities::uri.eq(uri))
        .select(Opportunity::as_select())
        .first(c)
        .await)
    .opt()
}

/// The opportunity, locked for the rest of the transaction (decisions on its applications
/// are made one at a time).
pub async fn lock_opportunity(conn: &mut DbConn, id: &str) -> DbResult<Option<Opportunity>> {
    run!(conn, |c| diesel::update(opportunities::table.find(id))
        .set(opportunities::team_size.eq(opportunities::team_size))
        .returning(Opportunity::as_returning())
        .get_result(c)
        .await)
    .opt()
}

pub async fn list_board(conn: &mut DbConn, f: &BoardFilter) -> DbResult<Vec<Opportunity>> {
    run!(conn, |c| {
        let mut q = opportunities::table
            .filter(opportunities::deleted_at.is_null())
            .into_boxed();
        if let Some(words) = &f.q {
            // Case-insensitive on both backends: lower() on each side.
            let like = format!("%{}%", words.replace(['%', '_'], "").to_lowercase());
            q = q.filter(
                lower(opportunities::title)
                    .like(like.clone())
                    .or(lower(opportunities::description).like(like)),
            );
        }
        if let Some(s) = &f.skill {
            q = q.filter(exists(
                skills::table
                    .filter(skills::opportunity_id.eq(opportunities::id))
                    .filter(skills::skill.eq(s.clone())),
            ));
        }
        if let Some(k) = &f.kind {
            q = q.filter(opportunities::kind.eq(k.clone()));
        }
        if let Some(m) = &f.mode {
            q = q.filter(opportunities::location_mode.eq(m.clone()));
        }
        if let Some(s) = &f.space_id {
            q = q.filter(opportunities::space_id.eq(s.clone()));
        }
        if let Some(a) = &f.author_id {
            q = q.filter(opportunities::author_id.eq(a.clone()));
        }
        if let Some(s) = &f.status {
            q = q.filter(opportunities::status.eq(s.clone()));
        }
        if let Some(l) = f.local {
            q = q.filter(opportunities::is_local.eq(l));
        }
        if let Some(min) = f.budget_min {
            q = q.filter(opportunities::budget_minor.ge(min));
        }
        if let Some(c) = &f.currency {
            q = q.filter(opportunities::budget_currency.eq(c.clone()));
        }
        // Members see what reached their space (its own, partners', public); others only
        // public ones and their own.
        if !f.viewer_is_member {
            let viewer = f.viewer.clone().unwrap_or_default();
            q = q.filter(
                opportunities::visibility
                    .eq("public")
                    .or(opportunities::author_id.eq(viewer)),
            );
        }
        if let Some((at, id)) = &f.before {
            q = q.filter(
                opportunities::created_at
                    .lt(*at)
                    .or(opportunities::created_at
                        .eq(*at)
                        .and(opportunities::id.lt(id.clone()))),
            );
        }
        q = if f.by_deadline {
            q.order((
                opportunities::deadline.is_null().asc(),
                opportunities::deadline.asc(),
                opportunities::created_at.desc(),
            ))
        } else {
            q.order((opportunities::created_at.desc(), opportunities::id.desc()))
        };
        q.limit(f.limit)
            .select(Opportunity::as_select())
            .load(c)
            .await
    })
    .map_err(Into::into)
}

/// Open opportunities whose deadline is before `today`.
pub async fn list_expired(conn: &mut DbConn, today: NaiveDate) -> DbResult<Vec<Opportunity>> {
    run!(conn, |c| opportunities::table
        .filter(opportunities::is_local.eq(true))
        .filter(opportunities::status.eq("open"))
        .filter(opportunities::deadline.lt(today))
        .filter(opportunities::deleted_at.is_null())
        .select(Opportunity::as_select())
        .load(c)
        .await)
    .map_err(Into::into)
}

pub async fn insert_application(conn: &mut DbConn, a: &Application) -> DbResult<bool> {
    let n = run!(conn, |c| diesel::insert_into(applications::table)
        .values(a.clone())
        .on_conflict(applications::uri)
        .do_nothing()
        .execute(c)
        .await)?;
    Ok(n == 1)
}

pub async fn save_application(conn: &mut DbConn, a: &Application) -> DbResult<()> {
    run!(conn, |c| diesel::update(applications::table.find(&a.id))
        .set(a.clone())
        .execute(c)
        .await)?;
    Ok(())
}

pub async fn find_application(conn: &mut DbConn, id: &str) -> DbResult<Option<Application>> {
    run!(conn, |c| applications::table
        .find(id)
        .select(Application::as_select())
        .first(c)
        .await)
    .opt()
}

pub async fn find_application_by_uri(
    conn: &mut DbConn,
    uri: &str,
) -> DbResult<Option<Application>> {
    run!(conn, |c| applications::table
        .filter(applications::uri.eq(uri))
        .select(Application::as_select())
        .first(c)
        .await)
    .opt()
}

pub async fn list_applications_for(
    conn: &mut DbConn,
    opportunity_id: &str,
) -> DbResult<Vec<Application>> {
    run!(conn, |c| applications::table
        .filter(applications::opportunity_id.eq(opportunity_id))
        .order(applications::created_at.asc())
        .select(Application::as_select())
        .load(c)
        .await)
    .map_err(Into::into)
}

/// An account's applications, as applicant or as a named teammate.
pub async fn list_applications_of(
    conn: &mut DbConn,
    account_id: &str,
) -> DbResult<Vec<Application>> {
    run!(conn, |c| applications::table
        .filter(
            applications::applicant_id.eq(account_id).or(exists(
                members::table
                    .filter(members::application_id.eq(applications::id))
                    .filter(members::account_id.eq(account_id)),
            )),
        )
        .order(applications::created_at.desc())
        .limit(500)
        .select(Application::as_select())
        .load(c)
        .await)
    .map_err(Into::into)
}

pub async fn count_applications(conn: &mut DbConn, opportunity_id: &str) -> DbResult<i64> {
    run!(conn, |c| applications::table
        .filter(applications::opportunity_id.eq(opportunity_id))
        .filter(applications::state.ne_all([
            ApplicationState::AwaitingTeam.as_str(),
            ApplicationState::Withdrawn.as_str()
        ]))
        .count()
        .get_result(c)
        .await)
    .map_err(Into::into)
}

pub async fn insert_member(conn: &mut DbConn, m: &TeamMember) -> DbResult<()> {
    run!(conn, |c| diesel::insert_into(members::table)
        .values(m.clone())
        .on_conflict_do_nothing()
        .execute(c)
        .await)?;
    Ok(())
}

pub async fn save_member(conn: &mut DbConn, m: &TeamMember) -> DbResult<()> {
    run!(conn, |c| diesel::update(
        members::table
            .filter(members::application_id.eq(&m.application_id))
            .filter(members::account_id.eq(&m.account_id))
    )
    .set(m.clone())
    .execute(c)
    .await)?;
    Ok(())
}

pub async fn list_members(conn: &mut DbConn, application_id: &str) -> DbResult<Vec<TeamMember>> {
    run!(conn, |c| members::table
        .filter(members::application_id.eq(application_id))
        .order(members::created_at.asc())
        .select(TeamMember::as_select())
        .load(c)
        .await)
    .map_err(Into::into)
}

pub async fn find_member_by_invite(
    conn: &mut DbConn,
    invite_uri: &str,
) -> DbResult<Option<TeamMember>> {
    run!(conn, |c| members::table
        .filter(members::invite_uri.eq(invite_uri))
        .select(TeamMember::as_select())
        .first(c)
        .await)
    .opt()
}

/// An account's team invitations, answered or not, newest first.
pub async fn list_invitations(conn: &mut DbConn, account_id: &str) -> DbResult<Vec<TeamMember>> {
    run!(conn, |c| members::table
        .filter(members::account_id.eq(account_id))
        .order(members::created_at.desc())
        .limit(200)
        .select(TeamMember::as_select())
        .load(c)
        .await)
    .map_err(Into::into)
}

pub async fn follow_skill(
    conn: &mut DbConn,
    account_id: &str,
    skill: &str,
    at: NaiveDateTime,
) -> DbResult<()> {
    run!(conn, |c| diesel::insert_into(skill_follows::table)
        .values((
            skill_follows::account_id.eq(account_id),
            skill_follows::skill.eq(skill),
            skill_follows::created_at.eq(at),
        ))
        .on_conflict_do_nothing()
        .execute(c)
        .await)?;
    Ok(())
}

pub async fn unfollow_skill(conn: &mut DbConn, account_id: &str, skill: &str) -> DbResult<()> {
    run!(conn, |c| diesel::delete(
        skill_follows::table
            .filter(skill_follows::account_id.eq(account_id))
            .filter(skill_follows::skill.eq(skill))
    )
    .execute(c)
    .await)?;
    Ok(())
}

pub async fn list_followed_skills(conn: &mut DbConn, account_id: &str) -> DbResult<Vec<String>> {
    run!(conn, |c| skill_follows::table
        .filter(skill_follows::account_id.eq(account_id))
        .order(skill_follows::skill.asc())
        .select(skill_follows::skill)
        .load(c)
        .await)
    .map_err(Into::into)
}

/// Accounts following any of `tags`, each once.
pub async fn list_skill_followers(conn: &mut DbConn, tags: &[String]) -> DbResult<Vec<String>> {
    run!(conn, |c| skill_follows::table
        .filter(skill_follows::skill.eq_any(tags))
        .select(skill_follows::account_id)
        .distinct()
        .load(c)
        .await)
    .map_err(Into::into)
}

/// A teammate's consent that arrived before the application it names.
pub async fn save_consent(
    conn: &mut DbConn,
    application_uri: &str,
    account_id: &str,
    consent_uri: &str,
    at: NaiveDateTime,
) -> DbResult<()> {
    run!(conn, |c| diesel::insert_into(team_consents::table)
        .values((
            team_consents::application_uri.eq(application_uri),
            team_consents::account_id.eq(account_id),
            team_consents::consent_uri.eq(consent_uri),
            team_consents::created_at.eq(at),
        ))
        .on_conflict_do_nothing()
        .execute(c)
        .await)?;
    Ok(())
}

/// The consent an account's instance sent for an application, if it came.
pub async fn find_consent(
    conn: &mut DbConn,
    application_uri: &str,
    account_id: &str,
) -> DbResult<Option<String>> {
    run!(conn, |c| team_consents::table
        .filter(team_consents::application_uri.eq(application_uri))
        .filter(team_consents::account_id.eq(account_id))
        .select(team_consents::consent_uri)
        .first(c)
        .await)
    .opt()
}

/// Who the directory lists.
#[derive(Debug, Clone, Default)]
pub struct DirectoryFilter {
    pub skill: Option<String>,
    /// Words in the name or username.
    pub q: Option<String>,
    /// Remote people whose home space is this Group.
    pub home_space_uri: Option<String>,
    pub local: Option<bool>,
    pub limit: i64,
    pub offset: i64,
}

/// Local members who opted in and known remote people with skills, by name.
pub async fn list_directory(conn: &mut DbConn, f: &DirectoryFilter) -> DbResult<Vec<Account>> {
    run!(conn, |c| {
        let opted_in = users::table
            .filter(users::account_id.eq(accounts::id))
            .filter(users::directory_opt_in.eq(true))
            .filter(users::approved.eq(true))
            .filter(users::disabled.eq(false));
        let mut q = accounts::table
            .filter(accounts::deleted_at.is_null())
            .filter(accounts::suspended_at.is_null())
            .filter(accounts::actor_type.eq_any(["Person", "Service"]))
            .filter(accounts::skills.ne("[]"))
            .filter(
                // Remote people published their skills themselves.
                exists(opted_in).or(accounts::domain.is_not_null()),
            )
            .into_boxed();
        if let Some(skill) = &f.skill {
            let quoted = format!("%\"{}\"%", skill.replace(['%', '_', '"'], ""));
            q = q.filter(accounts::skills.like(quoted));
        }
        if let Some(words) = &f.q {
            let like = format!("%{}%", words.replace(['%', '_'], "").to_lowercase());
            q = q.filter(
                lower(accounts::display_name)
                    .like(like.clone())
                    .or(lower(accounts::username).like(like)),
            );
        }
        if let Some(home) = &f.home_space_uri {
            q = q.filter(accounts::home_space_uri.eq(home.clone()));
        }
        match f.local {
            Some(true) => q = q.filter(accounts::domain.is_null()),
            Some(false) => q = q.filter(accounts::domain.is_not_null()),
            None => {}
        }
        q.order((accounts::display_name.asc(), accounts::id.asc()))
            .limit(f.limit)
            .offset(f.offset)
            .select(Account::as_select())
            .load(c)
            .await
    })
    .map_err(Into::into)
}

pub async fn set_directory_opt_in(conn: &mut DbConn, user_id: &str, on: bool) -> DbResult<()> {
    run!(conn, |c| diesel::update(users::table.find(user_id))
        .set(users::directory_opt_in.eq(on))
        .execute(c)
        .await)?;
    Ok(())
}

pub async fn directory_opt_in(conn: &mut DbConn, user_id: &str) -> DbResult<bool> {
    run!(conn, |c| users::table
        .find(user_id)
        .select(users::directory_opt_in)
        .first(c)
        .await)
    .map_err(Into::into)
}

/// An account's latest application to an opportunity.
pub async fn find_application_of(
    conn: &mut DbConn,
    opportunity_id: &str,
    applicant_id: &str,
) -> DbResult<Option<Application>> {
    run!(conn, |c| applications::table
        .filter(applications::opportunity_id.eq(opportunity_id))
        .filter(applications::applicant_id.eq(applicant_id))
        .order((applications::created_at.desc(), applications::id.desc()))
        .select(Application::as_select())
        .first(c)
        .await)
    .opt()
}

pub async fn set_applications_count(conn: &mut DbConn, id: &str, n: i64) -> DbResult<()> {
    run!(conn, |c| diesel::update(opportunities::table.find(id))
        .set(opportunities::applications_count.eq(n))
        .execute(c)
        .await)?;
    Ok(())
}

/// People in accepted applications: each applicant and their teammates.
pub async fn count_accepted_people(conn: &mut DbConn, opportunity_id: &str) -> DbResult<i64> {
    let accepted: Vec<String> = run!(conn, |c| applications::table
        .filter(applications::opportunity_id.eq(opportunity_id))
        .filter(applications::state.eq(ApplicationState::Accepted.as_str()))
        .select(applications::id)
        .load(c)
        .await)?;
    let teammates: i64 = run!(conn, |c| members::table
        .filter(members::application_id.eq_any(&accepted))
        .count()
        .get_result(c)
        .await)?;
    Ok(accepted.len() as i64 + teammates)
}

pub async fn find_member(
    conn: &mut DbConn,
    application_id: &str,
    account_id: &str,
) -> DbResult<Option<TeamMember>> {
    run!(conn, |c| members::table
        .filter(members::application_id.eq(application_id))
        .filter(members::account_id.eq(account_id))
        .select(TeamMember::as_select())
        .first(c)
        .await)
    .opt()
}
