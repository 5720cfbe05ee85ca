//! Applications and teams. An application is private: it goes only to the poster's instance
//! (an `Offer` to the poster), and with a team it waits until every teammate's own instance
//! has sent its signed consent, to the applicant and to the poster, so nobody is named in a
//! team without agreeing.

use super::{get, invalid, today, Budget, NOTIFY_APPLICATION, NOTIFY_APPLICATION_UPDATE};
use super::{Opportunity, NOTIFY_INVITATION};
use crate::signals::Events;
use crate::{AppContext, AppError, AppResult};
use interspace_core::ids::new_id;
use interspace_core::opportunities::{self as rules, ApplicationState, Status, TeamState};
use interspace_core::text::optional_text;
use interspace_db::accounts::{self as db_accounts, Account};
use interspace_db::opportunities::{self as db, Application, TeamMember};
use interspace_db::{now, DbConn};

const MAX_COVER: usize = 5_000;

/// Sent with the Interspace API (here or on the applicant's instance).
const SOURCE_APPLICATION: &str = "application";
/// A direct reply to the opportunity's post, kept as interest.
const SOURCE_REPLY: &str = "reply";
/// Known only from an invitation to a teammate who is a member here: it waits for the
/// applicant's Offer, whatever the teammates here answer.
const SOURCE_INVITE: &str = "invite";
const MAX_LINKS: usize = 10;

/// What an applicant sends.
#[derive(Debug, Clone, Default)]
pub struct ApplicationInput {
    pub cover_note: Option<String>,
    pub proposed_budget: Option<Budget>,
    pub links: Vec<String>,
    /// Teammates: `user`, `user@domain` or an actor id.
    pub team: Vec<String>,
}

/// An application as received from the applicant's instance, origin already checked.
#[derive(Debug, Clone)]
pub struct RemoteApplication {
    pub uri: String,
    pub opportunity_uri: String,
    pub cover_note: Option<String>,
    pub proposed_budget: Option<Budget>,
    pub links: Vec<String>,
    /// Teammates' actor ids.
    pub team: Vec<String>,
}

/// The poster's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Shortlist,
    Accept,
    Decline,
}

impl Decision {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "shortlist" | "shortlisted" => Some(Self::Shortlist),
            "accept" | "accepted" => Some(Self::Accept),
            "decline" | "declined" => Some(Self::Decline),
            _ => None,
        }
    }

    fn state(self) -> ApplicationState {
        match self {
            Self::Shortlist => ApplicationState::Shortlisted,
            Self::Accept => ApplicationState::Accepted,
            Self::Decline => ApplicationState::Declined,
        }
    }
}

/// A teammate, their answer and their home space's Group.
#[derive(Debug, Clone)]
pub struct TeamEntry {
    pub account: Account,
    pub state: String,
    pub home: Option<Account>,
}

#[derive(Debug, Clone)]
pub struct ApplicationView {
    pub application: Application,
    pub opportunity: Opportunity,
    pub applicant: Account,
    pub applicant_home: Option<Account>,
    pub poster: Account,
    pub team: Vec<TeamEntry>,
}

fn http_url(raw: &str) -> AppResult<String> {
    match url::Url::parse(raw.trim()) {
        Ok(u) if matches!(u.scheme(), "http" | "https") => Ok(u.to_string()),
        _ => Err(invalid(
            "links",
            format!("'{raw}' is not an http or https URL"),
        )),
    }
}

fn is_live(state: &str) -> bool {
    !matches!(state, "withdrawn" | "declined")
}

async fn home_of(conn: &mut DbConn, ctx: &AppContext, a: &Account) -> AppResult<Option<Account>> {
    if a.is_local() {
        return Ok(Some(crate::spaces::show(ctx).await?.account));
    }
    Ok(match &a.home_space_uri {
        Some(uri) => db_accounts::find_account_by_uri(conn, uri).await?,
        None => None,
    })
}

async fn account(conn: &mut DbConn, id: &str) -> AppResult<Account> {
    db_accounts::find_account_by_id(conn, id)
        .await?
        .ok_or(AppError::NotFound("account"))
}

async fn build_view(ctx: &AppContext, application: Application) -> AppResult<ApplicationView> {
    let mut conn = ctx.db.get().await?;
    let opportunity = db::find_opportunity(&mut conn, &application.opportunity_id)
        .await?
        .ok_or(AppError::NotFound("opportunity"))?;
    let applicant = account(&mut conn, &application.applicant_id).await?;
    let poster = account(&mut conn, &opportunity.author_id).await?;
    let applicant_home = home_of(&mut conn, ctx, &applicant).await?;
    let mut team = Vec::new();
    for m in db::list_members(&mut conn, &application.id).await? {
        let a = account(&mut conn, &m.account_id).await?;
        let home = home_of(&mut conn, ctx, &a).await?;
        team.push(TeamEntry {
            account: a,
            state: m.state,
            home,
        });
    }
    Ok(ApplicationView {
        application,
        opportunity,
        applicant,
        applicant_home,
        poster,
        team,
    })
}

/// Finds a teammate by handle or id, here or on their own server.
async fn teammate(ctx: &AppContext, raw: &str) -> AppResult<Account> {
    let raw = raw.trim().trim_start_matches('@');
    let not_found = || invalid("team", format!("'{raw}' cannot be found"));
    if raw.starts_with("https://") || raw.starts_with("http://") {
        return crate::accounts::resolve_uri(ctx, raw)
            .await
            .map_err(|_| not_found());
    }
    crate::accounts::lookup(ctx, raw, true)
        .await
        .map_err(|_| not_found())
}

/// Applies to an opportunity, alone or with a team.
pub async fn apply(
    ctx: &AppContext,
    applicant: &Account,
    opportunity_id: &str,
    input: ApplicationInput,
) -> AppResult<ApplicationView> {
    let o = get(ctx, opportunity_id, Some(&applicant.id))
        .await?
        .opportunity;
    if o.author_id == applicant.id {
        return Err(AppError::Forbidden("you posted this opportunity".into()));
    }
    let status = Status::parse(&o.status)?;
    if !rules::takes_applications(status, o.deadline, today()) {
        let why = if status == Status::Open {
            "expired"
        } else {
            status.as_str()
        };
        return Err(AppError::Refused(
            "not_open",
            format!(
                "this opportunity is {} and takes no applications",
                why.replace('_', " ")
            ),
        ));
    }
    if input.links.len() > MAX_LINKS {
        return Err(invalid("links", format!("at most {MAX_LINKS}")));
    }
    let links = input
        .links
        .iter()
        .filter(|l| !l.trim().is_empty())
        .map(|l| http_url(l))
        .collect::<AppResult<Vec<_>>>()?;
    if input.team.len() >= rules::MAX_TEAM {
        return Err(invalid(
            "team",
            format!("at most {} teammates", rules::MAX_TEAM - 1),
        ));
    }
    let mut team: Vec<Account> = Vec::new();
    for raw in input.team.iter().filter(|t| !t.trim().is_empty()) {
        let a = teammate(ctx, raw).await?;
        if a.id == applicant.id || a.id == o.author_id || a.actor_type != "Person" {
            return Err(invalid(
                "team",
                format!("'{raw}' cannot be a teammate on this application"),
            ));
        }
        if !team.iter().any(|t| t.id == a.id) {
            team.push(a);
        }
    }
    let id = new_id();
    let ts = now();
    let app = Application {
        uri: ctx.urls().path(&format!("/applications/{id}")).to_string(),
        id,
        opportunity_id: o.id.clone(),
        applicant_id: applicant.id.clone(),
        state: if team.is_empty() {
            ApplicationState::Submitted
        } else {
            ApplicationState::AwaitingTeam
        }
        .as_str()
        .into(),
        cover_note: optional_text(input.cover_note, MAX_COVER).unwrap_or_default(),
        proposed_budget: input
            .proposed_budget
            .map(|b| serde_json::to_string(&b).unwrap_or_default()),
        links: serde_json::to_string(&links).unwrap_or_else(|_| "[]".into()),
        message: None,
        created_at: ts,
        updated_at: ts,
        source: SOURCE_APPLICATION.into(),
    };
    let mut tx = ctx.db.begin().await?;
    let mut events = Events::default();
    if db::find_application_of(&mut tx, &o.id, &applicant.id)
        .await?
        .is_some_and(|a| is_live(&a.state))
    {
        return Err(AppError::Conflict(
            "you have already applied to this opportunity".into(),
        ));
    }
    db::insert_application(&mut tx, &app).await?;
    for mate in &team {
        db::insert_member(
            &mut tx,
            &TeamMember {
                application_id: app.id.clone(),
                account_id: mate.id.clone(),
                state: TeamState::Invited.as_str().into(),
                invite_uri: Some(format!("{}/invites/{}", app.uri, mate.id)),
                consent_uri: None,
                created_at: ts,
                updated_at: ts,
            },
        )
        .await?;
        if mate.is_local() {
            notify(
                &mut tx,
                &mut events,
                &mate.id,
                &applicant.id,
                NOTIFY_INVITATION,
            )
            .await?;
        } else {
            crate::outbox::enqueue(
                &mut tx,
                "team.invite",
                &applicant.id,
                &app.id,
                Some(&mate.id),
            )
            .await?;
        }
    }
    if team.is_empty() {
        submit(&mut tx, &mut events, &app, &o).await?;
    }
    tx.commit().await?;
    ctx.publish(events);
    build_view(ctx, app).await
}

async fn notify(
    tx: &mut DbConn,
    events: &mut Events,
    to: &str,
    from: &str,
    kind: &str,
) -> AppResult<()> {
    crate::notifications::notify(tx, events, to, from, kind, None).await
}

/// The application leaves: to the poster here, or as an `Offer` to the poster's instance.
async fn submit(
    tx: &mut DbConn,
    events: &mut Events,
    app: &Application,
    o: &Opportunity,
) -> AppResult<()> {
    if o.is_local {
        recount(tx, &o.id).await?;
        notify(
            tx,
            events,
            &o.author_id,
            &app.applicant_id,
            NOTIFY_APPLICATION,
        )
        .await
    } else {
        crate::outbox::enqueue(
            tx,
            "application.offer",
            &app.applicant_id,
            &app.id,
            Some(&o.author_id),
        )
        .await
    }
}

/// Whether a teammate of the application is on another instance.
async fn remote_teammate(tx: &mut DbConn, application_id: &str) -> AppResult<bool> {
    for m in db::list_members(tx, application_id).await? {
        if !account(tx, &m.account_id).await?.is_local() {
            return Ok(true);
        }
    }
    Ok(false)
}

/// The public count of a local opportunity's applications (who applied stays private).
async fn recount(tx: &mut DbConn, opportunity_id: &str) -> AppResult<()> {
    let n = db::count_applications(tx, opportunity_id).await?;
    db::set_applications_count(tx, opportunity_id, n).await?;
    Ok(())
}

/// Tells the applicant and teammates who are members here.
async fn notify_team(
    tx: &mut DbConn,
    events: &mut Events,
    app: &Application,
    from: &str,
) -> AppResult<()> {
    let mut people = vec![app.applicant_id.clone()];
    people.extend(
        db::list_members(tx, &app.id)
            .await?
            .into_iter()
            .map(|m| m.account_id),
    );
    for p in people {
        if db_accounts::find_account_by_id(tx, &p)
            .await?
            .is_some_and(|a| a.is_local())
        {
            notify(tx, events, &p, from, NOTIFY_APPLICATION_UPDATE).await?;
        }
    }
    Ok(())
}

/// The poster shortlists, accepts or declines. Accepting fills the opportunity once the
/// people accepted reach its team size.
pub async fn decide(
    ctx: &AppContext,
    poster: &Account,
    application_id: &str,
    decision: Decision,
    message: Option<String>,
) -> AppResult<ApplicationView> {
    let mut tx = ctx.db.begin().await?;
    let mut events = Events::default();
    let mut app = db::find_application(&mut tx, application_id)
        .await?
        .ok_or(AppError::NotFound("application"))?;
    let o = db::lock_opportunity(&mut tx, &app.opportunity_id)
        .await?
        .filter(|o| o.author_id == poster.id && o.is_local)
        .ok_or(AppError::NotFound("application"))?;
    if !matches!(app.state.as_str(), "submitted" | "shortlisted")
        || (decision == Decision::Shortlist && app.state == "shortlisted")
    {
        return Err(AppError::Conflict(format!(
            "the application is {}",
            app.state.replace('_', " ")
        )));
    }
    app.state = decision.state().as_str().into();
    app.message = optional_text(message, 2_000);
    app.updated_at = now();
    db::save_application(&mut tx, &app).await?;
    notify_team(&mut tx, &mut events, &app, &poster.id).await?;
    let applicant = account(&mut tx, &app.applicant_id).await?;
    let anyone_remote = !applicant.is_local() || remote_teammate(&mut tx, &app.id).await?;
    if anyone_remote && app.source == SOURCE_APPLICATION {
        crate::outbox::enqueue(&mut tx, "application.answer", &poster.id, &app.id, None).await?;
    }
    let filled = decision == Decision::Accept
        && db::count_accepted_people(&mut tx, &o.id).await? >= o.team_size
        && o.status == Status::Open.as_str();
    tx.commit().await?;
    ctx.publish(events);
    if filled {
        let mut o = o;
        o.status = Status::Filled.as_str().into();
        super::save_change(ctx, o, None).await?;
    }
    build_view(ctx, app).await
}

/// The applicant withdraws; the poster hears of it if it had reached them.
pub async fn withdraw(
    ctx: &AppContext,
    applicant: &Account,
    application_id: &str,
) -> AppResult<ApplicationView> {
    let mut tx = ctx.db.begin().await?;
    let mut events = Events::default();
    let mut app = db::find_application(&mut tx, application_id)
        .await?
        .filter(|a| a.applicant_id == applicant.id)
        .ok_or(AppError::NotFound("application"))?;
    if !matches!(
        app.state.as_str(),
        "awaiting_team" | "submitted" | "shortlisted"
    ) {
        return Err(AppError::Conflict(format!(
            "the application is {}",
            app.state.replace('_', " ")
        )));
    }
    let was_sent = app.state != ApplicationState::AwaitingTeam.as_str();
    app.state = ApplicationState::Withdrawn.as_str().into();
    app.updated_at = now();
    db::save_application(&mut tx, &app).await?;
    let o = db::find_opportunity(&mut tx, &app.opportunity_id)
        .await?
        .ok_or(AppError::NotFound("opportunity"))?;
    if o.is_local {
        recount(&mut tx, &o.id).await?;
        if was_sent {
            notify(
                &mut tx,
                &mut events,
                &o.author_id,
                &applicant.id,
                NOTIFY_APPLICATION,
            )
            .await?;
        }
    }
    if (was_sent && !o.is_local) || remote_teammate(&mut tx, &app.id).await? {
        crate::outbox::enqueue(
            &mut tx,
            "application.withdraw",
            &applicant.id,
            &app.id,
            Some(&o.author_id),
        )
        .await?;
    }
    tx.commit().await?;
    ctx.publish(events);
    build_view(ctx, app).await
}

/// A teammate's answer to an invitation. Their consent is kept here and sent, signed, to the
/// applicant's and the poster's instances when those are elsewhere.
pub async fn answer_invitation(
    ctx: &AppContext,
    invitee: &Account,
    application_id: &str,
    accept: bool,
) -> AppResult<ApplicationView> {
    let mut tx = ctx.db.begin().await?;
    let mut events = Events::default();
    let mut m = db::find_member(&mut tx, application_id, &invitee.id)
        .await?
        .ok_or(AppError::NotFound("invitation"))?;
    if m.state != TeamState::Invited.as_str() {
        return Err(AppError::Conflict(format!(
            "you have already {} this invitation",
            m.state
        )));
    }
    let app = db::find_application(&mut tx, application_id)
        .await?
        .ok_or(AppError::NotFound("application"))?;
    if app.state != ApplicationState::AwaitingTeam.as_str() {
        return Err(AppError::Conflict(format!(
            "the application is {}",
            app.state.replace('_', " ")
        )));
    }
    let o = db::find_opportunity(&mut tx, &app.opportunity_id)
        .await?
        .ok_or(AppError::NotFound("opportunity"))?;
    let applicant = account(&mut tx, &app.applicant_id).await?;
    let poster = account(&mut tx, &o.author_id).await?;
    m.state = if accept {
        TeamState::Accepted
    } else {
        TeamState::Declined
    }
    .as_str()
    .into();
    m.updated_at = now();
    if accept {
        let consent = ctx
            .urls()
            .path(&format!("/consents/{}", new_id()))
            .to_string();
        db::save_consent(&mut tx, &app.uri, &invitee.id, &consent, m.updated_at).await?;
        m.consent_uri = Some(consent);
    }
    db::save_member(&mut tx, &m).await?;
    let kind = if accept { "team.accept" } else { "team.reject" };
    if !applicant.is_local() || (accept && !poster.is_local()) {
        crate::outbox::enqueue(&mut tx, kind, &invitee.id, &app.id, None).await?;
    }
    progress(&mut tx, &mut events, app.clone(), &o, &invitee.id).await?;
    tx.commit().await?;
    ctx.publish(events);
    build_view(ctx, app).await
}

/// After a teammate's answer: the applicant hears of it, and once everyone agreed the
/// application leaves (applicant's side) or reaches the poster (poster's side).
async fn progress(
    tx: &mut DbConn,
    events: &mut Events,
    mut app: Application,
    o: &Opportunity,
    from: &str,
) -> AppResult<()> {
    let applicant = account(tx, &app.applicant_id).await?;
    if applicant.is_local() {
        notify(tx, events, &applicant.id, from, NOTIFY_APPLICATION_UPDATE).await?;
    }
    let members = db::list_members(tx, &app.id).await?;
    let all_agreed = members
        .iter()
        .all(|m| m.state == TeamState::Accepted.as_str());
    if !all_agreed || app.state != ApplicationState::AwaitingTeam.as_str() {
        return Ok(());
    }
    if !applicant.is_local() && (!o.is_local || app.source == SOURCE_INVITE) {
        // A teammate's instance: the applicant's instance sends the Offer, and the poster's
        // instance counts the consents it names.
        return Ok(());
    }
    app.state = ApplicationState::Submitted.as_str().into();
    app.updated_at = now();
    db::save_application(tx, &app).await?;
    if applicant.is_local() {
        submit(tx, events, &app, o).await
    } else {
        recount(tx, &o.id).await?;
        notify(
            tx,
            events,
            &o.author_id,
            &app.applicant_id,
            NOTIFY_APPLICATION,
        )
        .await
    }
}

/// The poster's own applications for an opportunity (only the author sees them).
pub async fn applications_for(
    ctx: &AppContext,
    poster: &Account,
    opportunity_id: &str,
) -> AppResult<Vec<ApplicationView>> {
    let list = {
        let mut conn = ctx.db.get().await?;
        let o = db::find_opportunity(&mut conn, opportunity_id)
            .await?
            .ok_or(AppError::NotFound("opportunity"))?;
        if o.author_id != poster.id {
            return Err(AppError::Forbidden(
                "only the author sees the applications".into(),
            ));
        }
        db::list_applications_for(&mut conn, opportunity_id)
            .await?
            .into_iter()
            .filter(|a| a.source != SOURCE_INVITE)
            .collect::<Vec<_>>()
    };
    let mut out = Vec::with_capacity(list.len());
    for a in list {
        out.push(build_view(ctx, a).await?);
    }
    Ok(out)
}

/// An account's applications, as applicant or teammate.
pub async fn applications_of(ctx: &AppContext, who: &Account) -> AppResult<Vec<ApplicationView>> {
    let list = {
        let mut conn = ctx.db.get().await?;
        db::list_applications_of(&mut conn, &who.id).await?
    };
    let mut out = Vec::with_capacity(list.len());
    for a in list {
        out.push(build_view(ctx, a).await?);
    }
    Ok(out)
}

/// Team invitations addressed to `who`, with the application they are for.
pub async fn invitations(
    ctx: &AppContext,
    who: &Account,
) -> AppResult<Vec<(TeamMember, ApplicationView)>> {
    let list = {
        let mut conn = ctx.db.get().await?;
        db::list_invitations(&mut conn, &who.id).await?
    };
    let mut out = Vec::with_capacity(list.len());
    for m in list {
        let app = {
            let mut conn = ctx.db.get().await?;
            db::find_application(&mut conn, &m.application_id).await?
        };
        if let Some(app) = app {
            out.push((m, build_view(ctx, app).await?));
        }
    }
    Ok(out)
}

/// One application, for those involved: applicant, teammates, poster.
pub async fn get_application(
    ctx: &AppContext,
    who: &Account,
    id: &str,
) -> AppResult<ApplicationView> {
    let app = {
        let mut conn = ctx.db.get().await?;
        db::find_application(&mut conn, id)
            .await?
            .ok_or(AppError::NotFound("application"))?
    };
    let v = build_view(ctx, app).await?;
    let involved = v.applicant.id == who.id
        || v.poster.id == who.id
        || v.team.iter().any(|t| t.account.id == who.id);
    if !involved {
        return Err(AppError::NotFound("application"));
    }
    Ok(v)
}

/// What the wire needs of an application.
pub async fn for_delivery(ctx: &AppContext, id: &str) -> AppResult<ApplicationView> {
    let app = {
        let mut conn = ctx.db.get().await?;
        db::find_application(&mut conn, id)
            .await?
            .ok_or(AppError::NotFound("application"))?
    };
    build_view(ctx, app).await
}

/// Whether `uri` is an application this instance holds.
pub async fn knows(ctx: &AppContext, uri: &str) -> AppResult<bool> {
    let mut conn = ctx.db.get().await?;
    Ok(db::find_application_by_uri(&mut conn, uri).await?.is_some())
}

/// The poster's instance receives an application. A closed opportunity answers with a
/// decline; teammates count once their own instance's consent is here.
pub async fn receive_offer(
    ctx: &AppContext,
    applicant: &Account,
    r: RemoteApplication,
) -> AppResult<()> {
    let o = {
        let mut conn = ctx.db.get().await?;
        db::find_opportunity_by_uri(&mut conn, &r.opportunity_uri)
            .await?
            .filter(|o| o.is_local && o.deleted_at.is_none())
            .ok_or(AppError::NotFound("opportunity"))?
    };
    let allowed = match o.visibility.as_str() {
        "public" => true,
        "partners" => super::remote::from_partner(ctx, applicant).await?,
        _ => false,
    };
    if !allowed {
        return Err(AppError::Forbidden(
            "this opportunity is not open to people of that server".into(),
        ));
    }
    let mut team = Vec::new();
    for uri in r.team.iter().take(rules::MAX_TEAM) {
        let a = crate::accounts::resolve_uri(ctx, uri).await?;
        if a.id != applicant.id && !team.iter().any(|t: &Account| t.id == a.id) {
            team.push(a);
        }
    }
    // The poster sees everyone's home space: learn the Groups we do not know yet.
    for person in std::iter::once(applicant).chain(team.iter()) {
        if let Some(home) = &person.home_space_uri {
            if let Err(e) = crate::accounts::resolve_uri(ctx, home).await {
                tracing::info!(error = %e, home, "cannot fetch a home space");
            }
        }
    }
    let ts = now();
    let open =
        Status::parse(&o.status).is_ok_and(|s| rules::takes_applications(s, o.deadline, today()));
    let mut tx = ctx.db.begin().await?;
    let mut events = Events::default();
    // A row from an invitation of a teammate who is a member here waits for this Offer;
    // anything else is a replay.
    let invited_here = match db::find_application_by_uri(&mut tx, &r.uri).await? {
        Some(a) if a.source == SOURCE_INVITE && a.applicant_id == applicant.id => Some(a),
        Some(_) => return Ok(()),
        None => None,
    };
    let mut consents = Vec::new();
    for mate in &team {
        consents.push(db::find_consent(&mut tx, &r.uri, &mate.id).await?);
    }
    let all_agreed = consents.iter().all(Option::is_some);
    let app = Application {
        id: invited_here.as_ref().map_or_else(new_id, |a| a.id.clone()),
        uri: r.uri.clone(),
        opportunity_id: o.id.clone(),
        applicant_id: applicant.id.clone(),
        state: if !open {
            ApplicationState::Declined
        } else if all_agreed {
            ApplicationState::Submitted
        } else {
            ApplicationState::AwaitingTeam
        }
        .as_str()
        .into(),
        cover_note: optional_text(r.cover_note, MAX_COVER).unwrap_or_default(),
        proposed_budget: r
            .proposed_budget
            .map(|b| serde_json::to_string(&b).unwrap_or_default()),
        links: serde_json::to_string(
            &r.links
                .iter()
                .take(MAX_LINKS)
                .filter_map(|l| http_url(l).ok())
                .collect::<Vec<_>>(),
        )
        .unwrap_or_else(|_| "[]".into()),
        message: (!open).then(|| "This opportunity no longer takes applications.".to_string()),
        created_at: ts,
        updated_at: ts,
        source: SOURCE_APPLICATION.into(),
    };
    if invited_here.is_some() {
        db::save_application(&mut tx, &app).await?;
    } else if !db::insert_application(&mut tx, &app).await? {
        return Ok(());
    }
    for (mate, consent) in team.iter().zip(consents) {
        if let Some(mut m) = db::find_member(&mut tx, &app.id, &mate.id).await? {
            if consent.is_some() && m.state == TeamState::Invited.as_str() {
                m.state = TeamState::Accepted.as_str().into();
                m.consent_uri = consent;
                m.updated_at = ts;
                db::save_member(&mut tx, &m).await?;
            }
            continue;
        }
        db::insert_member(
            &mut tx,
            &TeamMember {
                application_id: app.id.clone(),
                account_id: mate.id.clone(),
                state: if consent.is_some() {
                    TeamState::Accepted
                } else {
                    TeamState::Invited
                }
                .as_str()
                .into(),
                invite_uri: None,
                consent_uri: consent,
                created_at: ts,
                updated_at: ts,
            },
        )
        .await?;
    }
    if !open {
        crate::outbox::enqueue(&mut tx, "application.answer", &o.author_id, &app.id, None).await?;
    } else if all_agreed {
        recount(&mut tx, &o.id).await?;
        notify(
            &mut tx,
            &mut events,
            &o.author_id,
            &applicant.id,
            NOTIFY_APPLICATION,
        )
        .await?;
    }
    tx.commit().await?;
    ctx.publish(events);
    Ok(())
}

/// A teammate's instance receives an invitation for one of its members.
pub async fn receive_invite(
    ctx: &AppContext,
    applicant: &Account,
    invite_uri: &str,
    invitee: &Account,
    r: RemoteApplication,
) -> AppResult<()> {
    if !invitee.is_local() {
        return Err(AppError::NotFound("account"));
    }
    let o = super::lookup(ctx, &r.opportunity_uri, Some(&invitee.id))
        .await?
        .opportunity;
    let ts = now();
    let mut tx = ctx.db.begin().await?;
    let mut events = Events::default();
    let app = match db::find_application_by_uri(&mut tx, &r.uri).await? {
        Some(a) if a.applicant_id == applicant.id => a,
        Some(_) => {
            return Err(AppError::Forbidden(
                "the application is someone else's".into(),
            ))
        }
        None => {
            let app = Application {
                id: new_id(),
                uri: r.uri.clone(),
                opportunity_id: o.id.clone(),
                applicant_id: applicant.id.clone(),
                state: ApplicationState::AwaitingTeam.as_str().into(),
                cover_note: optional_text(r.cover_note, MAX_COVER).unwrap_or_default(),
                proposed_budget: r
                    .proposed_budget
                    .map(|b| serde_json::to_string(&b).unwrap_or_default()),
                links: "[]".into(),
                message: None,
                created_at: ts,
                updated_at: ts,
                source: SOURCE_INVITE.into(),
            };
            db::insert_application(&mut tx, &app).await?;
            app
        }
    };
    if db::find_member(&mut tx, &app.id, &invitee.id)
        .await?
        .is_some()
    {
        return Ok(());
    }
    db::insert_member(
        &mut tx,
        &TeamMember {
            application_id: app.id.clone(),
            account_id: invitee.id.clone(),
            state: TeamState::Invited.as_str().into(),
            invite_uri: Some(invite_uri.to_string()),
            consent_uri: None,
            created_at: ts,
            updated_at: ts,
        },
    )
    .await?;
    notify(
        &mut tx,
        &mut events,
        &invitee.id,
        &applicant.id,
        NOTIFY_INVITATION,
    )
    .await?;
    tx.commit().await?;
    ctx.publish(events);
    Ok(())
}

/// A teammate's signed consent (`Accept` of the invitation) from their own instance.
pub async fn receive_consent(
    ctx: &AppContext,
    teammate: &Account,
    application_uri: &str,
    invite_uri: &str,
    consent_uri: &str,
) -> AppResult<()> {
    let mut tx = ctx.db.begin().await?;
    let mut events = Events::default();
    db::save_consent(&mut tx, application_uri, &teammate.id, consent_uri, now()).await?;
    let Some(app) = db::find_application_by_uri(&mut tx, application_uri).await? else {
        // The poster's instance, before the application: kept until it comes.
        tx.commit().await?;
        return Ok(());
    };
    let Some(mut m) = db::find_member(&mut tx, &app.id, &teammate.id).await? else {
        return Err(AppError::Forbidden(
            "this person is not named in the application".into(),
        ));
    };
    if m.invite_uri.as_deref().is_some_and(|i| i != invite_uri) {
        return Err(AppError::Forbidden(
            "the consent answers another invitation".into(),
        ));
    }
    if m.state != TeamState::Invited.as_str() {
        return Ok(());
    }
    m.state = TeamState::Accepted.as_str().into();
    m.consent_uri = Some(consent_uri.to_string());
    m.updated_at = now();
    db::save_member(&mut tx, &m).await?;
    let o = db::find_opportunity(&mut tx, &app.opportunity_id)
        .await?
        .ok_or(AppError::NotFound("opportunity"))?;
    progress(&mut tx, &mut events, app, &o, &teammate.id).await?;
    tx.commit().await?;
    ctx.publish(events);
    Ok(())
}

/// A teammate declined: the applicant hears of it; the application waits (the applicant may
/// withdraw it and apply with another team).
pub async fn receive_decline(
    ctx: &AppContext,
    teammate: &Account,
    application_uri: &str,
) -> AppResult<()> {
    let mut tx = ctx.db.begin().await?;
    let mut events = Events::default();
    let app = db::find_application_by_uri(&mut tx, application_uri)
        .await?
        .ok_or(AppError::NotFound("application"))?;
    let mut m = db::find_member(&mut tx, &app.id, &teammate.id)
        .await?
        .ok_or_else(|| AppError::Forbidden("this person is not named in the application".into()))?;
    if m.state != TeamState::Invited.as_str() {
        return Ok(());
    }
    m.state = TeamState::Declined.as_str().into();
    m.updated_at = now();
    db::save_member(&mut tx, &m).await?;
    if db_accounts::find_account_by_id(&mut tx, &app.applicant_id)
        .await?
        .is_some_and(|a| a.is_local())
    {
        notify(
            &mut tx,
            &mut events,
            &app.applicant_id,
            &teammate.id,
            NOTIFY_APPLICATION_UPDATE,
        )
        .await?;
    }
    tx.commit().await?;
    ctx.publish(events);
    Ok(())
}

/// The poster's answer reaches the applicant's (or a teammate's) instance.
pub async fn receive_answer(
    ctx: &AppContext,
    poster: &Account,
    application_uri: &str,
    decision: Decision,
    message: Option<String>,
) -> AppResult<()> {
    let mut tx = ctx.db.begin().await?;
    let mut events = Events::default();
    let mut app = db::find_application_by_uri(&mut tx, application_uri)
        .await?
        .ok_or(AppError::NotFound("application"))?;
    let o = db::find_opportunity(&mut tx, &app.opportunity_id)
        .await?
        .ok_or(AppError::NotFound("opportunity"))?;
    if o.author_id != poster.id {
        return Err(AppError::Forbidden(
            "only the poster answers an application".into(),
        ));
    }
    if app.state == ApplicationState::Withdrawn.as_str() {
        return Ok(());
    }
    app.state = decision.state().as_str().into();
    app.message = optional_text(message, 2_000);
    app.updated_at = now();
    db::save_application(&mut tx, &app).await?;
    notify_team(&mut tx, &mut events, &app, &poster.id).await?;
    tx.commit().await?;
    ctx.publish(events);
    Ok(())
}

/// The applicant withdrew (`Undo` of the Offer).
pub async fn receive_withdrawal(
    ctx: &AppContext,
    applicant: &Account,
    application_uri: &str,
) -> AppResult<()> {
    let mut tx = ctx.db.begin().await?;
    let mut events = Events::default();
    let mut app = db::find_application_by_uri(&mut tx, application_uri)
        .await?
        .ok_or(AppError::NotFound("application"))?;
    if app.applicant_id != applicant.id {
        return Err(AppError::Forbidden(
            "only the applicant withdraws an application".into(),
        ));
    }
    if !is_live(&app.state) || app.state == ApplicationState::Accepted.as_str() {
        return Ok(());
    }
    app.state = ApplicationState::Withdrawn.as_str().into();
    app.updated_at = now();
    db::save_application(&mut tx, &app).await?;
    let o = db::find_opportunity(&mut tx, &app.opportunity_id)
        .await?
        .ok_or(AppError::NotFound("opportunity"))?;
    if o.is_local {
        recount(&mut tx, &o.id).await?;
        notify(
            &mut tx,
            &mut events,
            &o.author_id,
            &applicant.id,
            NOTIFY_APPLICATION,
        )
        .await?;
    }
    tx.commit().await?;
    ctx.publish(events);
    Ok(())
}

/// Records an expression of interest (a direct reply to the opportunity's post) as an
/// application from `source` `reply`.
pub(super) async fn insert_interest(
    tx: &mut DbConn,
    events: &mut Events,
    o: &Opportunity,
    author_id: &str,
    uri: &str,
    text: String,
) -> AppResult<()> {
    let ts = now();
    let app = Application {
        id: new_id(),
        uri: uri.to_string(),
        opportunity_id: o.id.clone(),
        applicant_id: author_id.to_string(),
        state: ApplicationState::Submitted.as_str().into(),
        cover_note: optional_text(Some(text), MAX_COVER).unwrap_or_default(),
        proposed_budget: None,
        links: "[]".into(),
        message: None,
        created_at: ts,
        updated_at: ts,
        source: SOURCE_REPLY.into(),
    };
    if db::insert_application(tx, &app).await? {
        recount(tx, &o.id).await?;
        notify(tx, events, &o.author_id, author_id, NOTIFY_APPLICATION).await?;
    }
    Ok(())
}

/// The id of the invitation sent to `account_id` for an application.
pub async fn invitation_uri(
    ctx: &AppContext,
    application_id: &str,
    account_id: &str,
) -> AppResult<Option<String>> {
    let mut conn = ctx.db.get().await?;
    Ok(db::find_member(&mut conn, application_id, account_id)
        .await?
        .and_then(|m| m.invite_uri))
}
