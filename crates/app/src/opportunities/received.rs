//! What other instances send about applications: the Offer on the poster's instance, an
//! invitation on a teammate's, consents and refusals, the poster's answers, withdrawals; and
//! interest from direct replies. Signatures and origins were checked by the federation layer.

use super::apply::{
    application_row, http_url, is_live, notify, notify_team, progress, recount, tell_invitee,
    tell_poster, Decision, Draft, RemoteApplication, MAX_COVER, MAX_LINKS, SOURCE_INVITE,
    SOURCE_REPLY,
};
use super::{today, Opportunity};
use crate::signals::Events;
use crate::{AppContext, AppError, AppResult};
use interspace_core::delivery::OutboxKind;
use interspace_core::ids::new_id;
use interspace_core::notifications::NotificationKind;
use interspace_core::opportunities::{self as rules, ApplicationState, Status, TeamState};
use interspace_core::text::optional_text;
use interspace_db::accounts::{self as db_accounts, Account};
use interspace_db::opportunities::{self as db, Application, TeamMember};
use interspace_db::{now, DbConn};

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
        "partners" => crate::partnerships::from_partner(ctx, applicant).await?,
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
    let status = Status::parse(&o.status).unwrap_or(Status::Closed);
    ctx.write(async |tx, events| {
        // A row from an invitation of a teammate who is a member here waits for this Offer;
        // anything else is a replay.
        let invited_here = match db::find_application_by_uri(tx, &r.uri).await? {
            Some(a) if a.source == SOURCE_INVITE && a.applicant_id == applicant.id => Some(a),
            Some(_) => return Ok(()),
            None => None,
        };
        let mut consents = Vec::new();
        for mate in &team {
            consents.push(db::find_consent(tx, &r.uri, &mate.id).await?);
        }
        let agreed = consents.iter().flatten().count();
        let admitted = rules::admission(status, o.deadline, today(), team.len(), agreed);
        let app = application_row(
            invited_here.as_ref().map_or_else(new_id, |a| a.id.clone()),
            r.uri.clone(),
            &o,
            applicant,
            admitted.clone().unwrap_or(ApplicationState::Declined),
            Draft {
                cover_note: r.cover_note.clone(),
                proposed_budget: r.proposed_budget.clone(),
                links: r
                    .links
                    .iter()
                    .take(MAX_LINKS)
                    .filter_map(|l| http_url(l).ok())
                    .collect(),
            },
            admitted
                .is_err()
                .then(|| "This opportunity no longer takes applications.".to_string()),
        );
        if invited_here.is_some() {
            db::save_application(tx, &app).await?;
        } else if !db::insert_application(tx, &app).await? {
            return Ok(());
        }
        for (mate, consent) in team.iter().zip(consents) {
            if let Some(mut m) = db::find_member(tx, &app.id, &mate.id).await? {
                if consent.is_some() && m.state == TeamState::Invited {
                    m.state = TeamState::Accepted;
                    m.consent_uri = consent;
                    m.updated_at = ts;
                    db::save_member(tx, &m).await?;
                }
                continue;
            }
            db::insert_member(
                tx,
                &TeamMember {
                    application_id: app.id.clone(),
                    account_id: mate.id.clone(),
                    state: if consent.is_some() {
                        TeamState::Accepted
                    } else {
                        TeamState::Invited
                    },
                    invite_uri: None,
                    consent_uri: consent,
                    created_at: ts,
                    updated_at: ts,
                },
            )
            .await?;
        }
        if admitted.is_err() {
            crate::outbox::enqueue(
                tx,
                OutboxKind::ApplicationAnswer,
                &o.author_id,
                &app.id,
                None,
            )
            .await?;
        } else if app.state == ApplicationState::Submitted {
            recount(tx, &o.id).await?;
            tell_poster(tx, events, &app, &o.author_id, &applicant.id).await?;
        }
        Ok(())
    })
    .await
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
    let o = super::lookup(ctx, &r.opportunity_uri, Some(invitee))
        .await?
        .opportunity;
    let ts = now();
    ctx.write(async |tx, events| {
        let app = match db::find_application_by_uri(tx, &r.uri).await? {
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
                    state: ApplicationState::AwaitingTeam,
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
                db::insert_application(tx, &app).await?;
                app
            }
        };
        if db::find_member(tx, &app.id, &invitee.id).await?.is_some() {
            return Ok(());
        }
        db::insert_member(
            tx,
            &TeamMember {
                application_id: app.id.clone(),
                account_id: invitee.id.clone(),
                state: TeamState::Invited,
                invite_uri: Some(invite_uri.to_string()),
                consent_uri: None,
                created_at: ts,
                updated_at: ts,
            },
        )
        .await?;
        tell_invitee(tx, events, &app, &invitee.id, &applicant.id).await?;
        Ok(())
    })
    .await
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
        if app.source == SOURCE_INVITE {
            // Known here only through a member's invitation: the Offer will name the team,
            // and this consent is kept for it.
            tx.commit().await?;
            return Ok(());
        }
        return Err(AppError::Forbidden(
            "this person is not named in the application".into(),
        ));
    };
    if m.invite_uri.as_deref().is_some_and(|i| i != invite_uri) {
        return Err(AppError::Forbidden(
            "the consent answers another invitation".into(),
        ));
    }
    if m.state != TeamState::Invited {
        return Ok(());
    }
    m.state = TeamState::Accepted;
    m.consent_uri = Some(consent_uri.to_string());
    m.updated_at = now();
    db::save_member(&mut tx, &m).await?;
    let o = db::find_opportunity(&mut tx, &app.opportunity_id)
        .await?
        .ok_or(AppError::NotFound("opportunity"))?;
    progress(&mut tx, &mut events, app, &o, &teammate.id).await?;
    ctx.commit(tx, events).await?;
    Ok(())
}

/// A teammate declined: the applicant hears of it; the application waits (the applicant may
/// withdraw it and apply with another team).
pub async fn receive_decline(
    ctx: &AppContext,
    teammate: &Account,
    application_uri: &str,
) -> AppResult<()> {
    ctx.write(async |tx, events| {
        let app = db::find_application_by_uri(tx, application_uri)
            .await?
            .ok_or(AppError::NotFound("application"))?;
        let mut m = db::find_member(tx, &app.id, &teammate.id)
            .await?
            .ok_or_else(|| {
                AppError::Forbidden("this person is not named in the application".into())
            })?;
        if m.state != TeamState::Invited {
            return Ok(());
        }
        m.state = TeamState::Declined;
        m.updated_at = now();
        db::save_member(tx, &m).await?;
        if db_accounts::find_account_by_id(tx, &app.applicant_id)
            .await?
            .is_some_and(|a| a.is_local())
        {
            notify(
                tx,
                events,
                &app.applicant_id,
                &teammate.id,
                NotificationKind::ApplicationUpdate,
            )
            .await?;
        }
        Ok(())
    })
    .await
}

/// The poster's answer reaches the applicant's (or a teammate's) instance.
pub async fn receive_answer(
    ctx: &AppContext,
    poster: &Account,
    application_uri: &str,
    decision: Decision,
    message: Option<String>,
) -> AppResult<()> {
    ctx.write(async |tx, events| {
        let mut app = db::find_application_by_uri(tx, application_uri)
            .await?
            .ok_or(AppError::NotFound("application"))?;
        let o = db::find_opportunity(tx, &app.opportunity_id)
            .await?
            .ok_or(AppError::NotFound("opportunity"))?;
        if o.author_id != poster.id {
            return Err(AppError::Forbidden(
                "only the poster answers an application".into(),
            ));
        }
        if app.state == ApplicationState::Withdrawn {
            return Ok(());
        }
        app.state = decision.state();
        app.message = optional_text(message, 2_000);
        app.updated_at = now();
        db::save_application(tx, &app).await?;
        notify_team(tx, events, &app, &poster.id).await?;
        Ok(())
    })
    .await
}

/// The applicant withdrew (`Undo` of the Offer).
pub async fn receive_withdrawal(
    ctx: &AppContext,
    applicant: &Account,
    application_uri: &str,
) -> AppResult<()> {
    ctx.write(async |tx, events| {
        let mut app = db::find_application_by_uri(tx, application_uri)
            .await?
            .ok_or(AppError::NotFound("application"))?;
        if app.applicant_id != applicant.id {
            return Err(AppError::Forbidden(
                "only the applicant withdraws an application".into(),
            ));
        }
        if !is_live(app.state) || app.state == ApplicationState::Accepted {
            return Ok(());
        }
        app.state = ApplicationState::Withdrawn;
        app.updated_at = now();
        db::save_application(tx, &app).await?;
        let o = db::find_opportunity(tx, &app.opportunity_id)
            .await?
            .ok_or(AppError::NotFound("opportunity"))?;
        if o.is_local {
            recount(tx, &o.id).await?;
            tell_poster(tx, events, &app, &o.author_id, &applicant.id).await?;
        }
        Ok(())
    })
    .await
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
        state: ApplicationState::Submitted,
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
        notify(
            tx,
            events,
            &o.author_id,
            author_id,
            NotificationKind::Application,
        )
        .await?;
    }
    Ok(())
}
