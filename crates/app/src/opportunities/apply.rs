//! Applications and teams. An application is private: it goes only to the poster's instance
//! (an `Offer` to the poster), and with a team it waits until every teammate's own instance
//! has sent its signed consent, to the applicant and to the poster, so nobody is named in a
//! team without agreeing.

use super::{get, invalid, today, Budget};
use super::{ApplicationId, Opportunity, OpportunityId};
use crate::signals::Events;
use crate::signals::Moment;
use crate::{AppContext, AppError, AppResult};
use interspace_core::delivery::OutboxKind;
use interspace_core::ids::new_id;
use interspace_core::notifications::NotificationKind;
use interspace_core::opportunities::{self as rules, ApplicationState, NotOpen, Status, TeamState};
use interspace_core::text::optional_text;
use interspace_db::accounts::{self as db_accounts, Account};
use interspace_db::opportunities::{self as db, Application, TeamMember};
use interspace_db::{now, DbConn};

pub(super) const MAX_COVER: usize = 5_000;

/// Sent with the Interspace API (here or on the applicant's instance).
pub(super) const SOURCE_APPLICATION: &str = "application";
/// A direct reply to the opportunity's post, kept as interest.
pub(super) const SOURCE_REPLY: &str = "reply";
/// Known only from an invitation to a teammate who is a member here: it waits for the
/// applicant's Offer, whatever the teammates here answer.
pub(super) const SOURCE_INVITE: &str = "invite";
pub(super) const MAX_LINKS: usize = 10;

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

    pub(super) fn state(self) -> ApplicationState {
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
    pub state: TeamState,
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

pub(super) fn http_url(raw: &str) -> AppResult<String> {
    match url::Url::parse(raw.trim()) {
        Ok(u) if matches!(u.scheme(), "http" | "https") => Ok(u.to_string()),
        _ => Err(invalid(
            "links",
            format!("'{raw}' is not an http or https URL"),
        )),
    }
}

pub(super) fn is_live(state: ApplicationState) -> bool {
    !matches!(
        state,
        ApplicationState::Withdrawn | ApplicationState::Declined
    )
}

pub(super) async fn home_of(
    conn: &mut DbConn,
    ctx: &AppContext,
    a: &Account,
) -> AppResult<Option<Account>> {
    if a.is_local() {
        return Ok(Some(crate::spaces::show(ctx).await?.account));
    }
    Ok(match &a.home_space_uri {
        Some(uri) => db_accounts::find_account_by_uri(conn, uri).await?,
        None => None,
    })
}

pub(super) async fn account(conn: &mut DbConn, id: &str) -> AppResult<Account> {
    db_accounts::find_account_by_id(conn, id)
        .await?
        .ok_or(AppError::NotFound("account"))
}

pub(super) async fn build_view(
    ctx: &AppContext,
    application: Application,
) -> AppResult<ApplicationView> {
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

/// What the applicant wrote, as it is kept.
pub(super) struct Draft {
    pub cover_note: Option<String>,
    pub proposed_budget: Option<Budget>,
    /// Checked `http(s)` addresses.
    pub links: Vec<String>,
}

/// A new application's row, on the applicant's instance and on the poster's alike.
pub(super) fn application_row(
    id: String,
    uri: String,
    o: &Opportunity,
    applicant: &Account,
    state: ApplicationState,
    draft: Draft,
    message: Option<String>,
) -> Application {
    let ts = now();
    Application {
        id,
        uri,
        opportunity_id: o.id.clone(),
        applicant_id: applicant.id.clone(),
        state,
        cover_note: optional_text(draft.cover_note, MAX_COVER).unwrap_or_default(),
        proposed_budget: draft
            .proposed_budget
            .map(|b| serde_json::to_string(&b).unwrap_or_default()),
        links: serde_json::to_string(&draft.links).unwrap_or_else(|_| "[]".into()),
        message,
        created_at: ts,
        updated_at: ts,
        source: SOURCE_APPLICATION.into(),
    }
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
    opportunity_id: &OpportunityId,
    input: ApplicationInput,
) -> AppResult<ApplicationView> {
    let o = get(ctx, opportunity_id, Some(applicant)).await?.opportunity;
    if o.author_id == applicant.id {
        return Err(AppError::Forbidden("you posted this opportunity".into()));
    }
    // Decided before teammates are looked up: a closed opportunity costs no fetch.
    let teammates = input.team.iter().filter(|t| !t.trim().is_empty()).count();
    let state = rules::admission(Status::parse(&o.status)?, o.deadline, today(), teammates, 0)
        .map_err(|NotOpen(why)| {
            AppError::Refused(
                "not_open",
                format!(
                    "this opportunity is {} and takes no applications",
                    why.replace('_', " ")
                ),
            )
        })?;
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
    let app = application_row(
        id.clone(),
        ctx.urls().path(&format!("/applications/{id}")).to_string(),
        &o,
        applicant,
        state,
        Draft {
            cover_note: input.cover_note,
            proposed_budget: input.proposed_budget,
            links,
        },
        None,
    );
    ctx.write(async |tx, events| {
        if db::find_application_of(tx, &o.id, &applicant.id)
            .await?
            .is_some_and(|a| is_live(a.state))
        {
            return Err(AppError::Conflict(
                "you have already applied to this opportunity".into(),
            ));
        }
        db::insert_application(tx, &app).await?;
        for mate in &team {
            db::insert_member(
                tx,
                &TeamMember {
                    application_id: app.id.clone(),
                    account_id: mate.id.clone(),
                    state: TeamState::Invited,
                    invite_uri: Some(format!("{}/invites/{}", app.uri, mate.id)),
                    consent_uri: None,
                    created_at: ts,
                    updated_at: ts,
                },
            )
            .await?;
            if mate.is_local() {
                tell_invitee(tx, events, &app, &mate.id, &applicant.id).await?;
            } else {
                crate::outbox::enqueue(
                    tx,
                    OutboxKind::TeamInvite,
                    &applicant.id,
                    &app.id,
                    Some(&mate.id),
                )
                .await?;
            }
        }
        if app.state == ApplicationState::Submitted {
            submit(tx, events, &app, &o).await?;
        }
        Ok(())
    })
    .await?;
    build_view(ctx, app).await
}

pub(super) async fn notify(
    tx: &mut DbConn,
    events: &mut Events,
    to: &str,
    from: &str,
    kind: NotificationKind,
) -> AppResult<()> {
    crate::notify::notify(tx, events, to, from, kind, None).await
}

/// Tells the poster an application arrived: a notification and a mail (to them only: nobody
/// else reads an application).
pub(super) async fn tell_poster(
    tx: &mut DbConn,
    events: &mut Events,
    app: &Application,
    poster: &str,
    from: &str,
) -> AppResult<()> {
    events.mail(Moment::ApplicationReceived {
        application_id: app.id.clone(),
    });
    notify(tx, events, poster, from, NotificationKind::Application).await
}

/// Tells a local person they are invited to an applicant's team: a notification and a mail.
pub(super) async fn tell_invitee(
    tx: &mut DbConn,
    events: &mut Events,
    app: &Application,
    invitee: &str,
    from: &str,
) -> AppResult<()> {
    events.mail(Moment::TeamInvitation {
        application_id: app.id.clone(),
        account_id: invitee.to_string(),
    });
    notify(tx, events, invitee, from, NotificationKind::TeamInvitation).await
}

/// The application leaves: to the poster here, or as an `Offer` to the poster's instance.
pub(super) async fn submit(
    tx: &mut DbConn,
    events: &mut Events,
    app: &Application,
    o: &Opportunity,
) -> AppResult<()> {
    if o.is_local {
        recount(tx, &o.id).await?;
        tell_poster(tx, events, app, &o.author_id, &app.applicant_id).await
    } else {
        crate::outbox::enqueue(
            tx,
            OutboxKind::ApplicationOffer,
            &app.applicant_id,
            &app.id,
            Some(&o.author_id),
        )
        .await
    }
}

/// Whether a teammate of the application is on another instance.
pub(super) async fn remote_teammate(tx: &mut DbConn, application_id: &str) -> AppResult<bool> {
    for m in db::list_members(tx, application_id).await? {
        if !account(tx, &m.account_id).await?.is_local() {
            return Ok(true);
        }
    }
    Ok(false)
}

/// The public count of a local opportunity's applications (who applied stays private).
/// Copies elsewhere hear of a new count with the opportunity's `Update`.
pub(super) async fn recount(tx: &mut DbConn, opportunity_id: &str) -> AppResult<()> {
    let n = db::count_applications(tx, opportunity_id).await?;
    let Some(o) = db::find_opportunity(tx, opportunity_id).await? else {
        return Ok(());
    };
    if o.applications_count == n {
        return Ok(());
    }
    db::set_applications_count(tx, opportunity_id, n).await?;
    if o.is_local && o.deleted_at.is_none() && o.visibility != "space" {
        crate::outbox::enqueue(tx, OutboxKind::OpportunityUpdate, &o.author_id, &o.id, None)
            .await?;
    }
    Ok(())
}

/// Tells the applicant and teammates who are members here.
pub(super) async fn notify_team(
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
            notify(tx, events, &p, from, NotificationKind::ApplicationUpdate).await?;
        }
    }
    Ok(())
}

/// The poster shortlists, accepts or declines. Accepting fills the opportunity once the
/// people accepted reach its team size.
pub async fn decide(
    ctx: &AppContext,
    poster: &Account,
    application_id: &ApplicationId,
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
    if !matches!(
        app.state,
        ApplicationState::Submitted | ApplicationState::Shortlisted
    ) || (decision == Decision::Shortlist && app.state == ApplicationState::Shortlisted)
    {
        return Err(AppError::Conflict(format!(
            "the application is {}",
            app.state.as_str().replace('_', " ")
        )));
    }
    app.state = decision.state();
    app.message = optional_text(message, 2_000);
    app.updated_at = now();
    db::save_application(&mut tx, &app).await?;
    notify_team(&mut tx, &mut events, &app, &poster.id).await?;
    let applicant = account(&mut tx, &app.applicant_id).await?;
    let anyone_remote = !applicant.is_local() || remote_teammate(&mut tx, &app.id).await?;
    if anyone_remote && app.source == SOURCE_APPLICATION {
        crate::outbox::enqueue(
            &mut tx,
            OutboxKind::ApplicationAnswer,
            &poster.id,
            &app.id,
            None,
        )
        .await?;
    }
    let filled = decision == Decision::Accept
        && db::count_accepted_people(&mut tx, &o.id).await? >= o.team_size
        && o.status == Status::Open.as_str();
    ctx.commit(tx, events).await?;
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
    application_id: &ApplicationId,
) -> AppResult<ApplicationView> {
    let app = ctx
        .write(async |tx, events| {
            let mut app = db::find_application(tx, application_id)
                .await?
                .filter(|a| a.applicant_id == applicant.id)
                .ok_or(AppError::NotFound("application"))?;
            if !matches!(
                app.state,
                ApplicationState::AwaitingTeam
                    | ApplicationState::Submitted
                    | ApplicationState::Shortlisted
            ) {
                return Err(AppError::Conflict(format!(
                    "the application is {}",
                    app.state.as_str().replace('_', " ")
                )));
            }
            let was_sent = app.state != ApplicationState::AwaitingTeam;
            app.state = ApplicationState::Withdrawn;
            app.updated_at = now();
            db::save_application(tx, &app).await?;
            let o = db::find_opportunity(tx, &app.opportunity_id)
                .await?
                .ok_or(AppError::NotFound("opportunity"))?;
            if o.is_local {
                recount(tx, &o.id).await?;
                if was_sent {
                    tell_poster(tx, events, &app, &o.author_id, &applicant.id).await?;
                }
            }
            if (was_sent && !o.is_local) || remote_teammate(tx, &app.id).await? {
                crate::outbox::enqueue(
                    tx,
                    OutboxKind::ApplicationWithdraw,
                    &applicant.id,
                    &app.id,
                    Some(&o.author_id),
                )
                .await?;
            }
            Ok(app)
        })
        .await?;
    build_view(ctx, app).await
}

/// A teammate's answer to an invitation. Their consent is kept here and sent, signed, to the
/// applicant's and the poster's instances when those are elsewhere.
pub async fn answer_invitation(
    ctx: &AppContext,
    invitee: &Account,
    application_id: &ApplicationId,
    accept: bool,
) -> AppResult<ApplicationView> {
    let app = ctx
        .write(async |tx, events| {
            let mut m = db::find_member(tx, application_id, &invitee.id)
                .await?
                .ok_or(AppError::NotFound("invitation"))?;
            if m.state != TeamState::Invited {
                return Err(AppError::Conflict(format!(
                    "you have already {} this invitation",
                    m.state
                )));
            }
            let app = db::find_application(tx, application_id)
                .await?
                .ok_or(AppError::NotFound("application"))?;
            if app.state != ApplicationState::AwaitingTeam {
                return Err(AppError::Conflict(format!(
                    "the application is {}",
                    app.state.as_str().replace('_', " ")
                )));
            }
            let o = db::find_opportunity(tx, &app.opportunity_id)
                .await?
                .ok_or(AppError::NotFound("opportunity"))?;
            let applicant = account(tx, &app.applicant_id).await?;
            let poster = account(tx, &o.author_id).await?;
            m.state = if accept {
                TeamState::Accepted
            } else {
                TeamState::Declined
            };
            m.updated_at = now();
            if accept {
                let consent = ctx
                    .urls()
                    .path(&format!("/consents/{}", new_id()))
                    .to_string();
                db::save_consent(tx, &app.uri, &invitee.id, &consent, m.updated_at).await?;
                m.consent_uri = Some(consent);
            }
            db::save_member(tx, &m).await?;
            let kind = if accept {
                OutboxKind::TeamAccept
            } else {
                OutboxKind::TeamReject
            };
            if !applicant.is_local() || (accept && !poster.is_local()) {
                crate::outbox::enqueue(tx, kind, &invitee.id, &app.id, None).await?;
            }
            progress(tx, events, app.clone(), &o, &invitee.id).await?;
            Ok(app)
        })
        .await?;
    build_view(ctx, app).await
}

/// After a teammate's answer: the applicant hears of it, and once everyone agreed the
/// application leaves (applicant's side) or reaches the poster (poster's side).
pub(super) async fn progress(
    tx: &mut DbConn,
    events: &mut Events,
    mut app: Application,
    o: &Opportunity,
    from: &str,
) -> AppResult<()> {
    let applicant = account(tx, &app.applicant_id).await?;
    if applicant.is_local() {
        notify(
            tx,
            events,
            &applicant.id,
            from,
            NotificationKind::ApplicationUpdate,
        )
        .await?;
    }
    let members = db::list_members(tx, &app.id).await?;
    let all_agreed = members.iter().all(|m| m.state == TeamState::Accepted);
    if !all_agreed || app.state != ApplicationState::AwaitingTeam {
        return Ok(());
    }
    if !applicant.is_local() && (!o.is_local || app.source == SOURCE_INVITE) {
        // A teammate's instance: the applicant's instance sends the Offer, and the poster's
        // instance counts the consents it names.
        return Ok(());
    }
    app.state = ApplicationState::Submitted;
    app.updated_at = now();
    db::save_application(tx, &app).await?;
    if applicant.is_local() {
        submit(tx, events, &app, o).await
    } else {
        recount(tx, &o.id).await?;
        tell_poster(tx, events, &app, &o.author_id, &app.applicant_id).await
    }
}
