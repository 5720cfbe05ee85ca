//! What each mail says. A use-case records a [`Moment`] (ids only) with its change; before the
//! change commits, [`queue`] reads what the moment is about and queues one message to each
//! person who may read it: a visit request to the host space's staff, an application to the
//! opportunity's poster only, and so on.

use super::{to_account, Attachment};
use crate::events::place_of;
use crate::signals::Moment;
use crate::spaces::Location;
use crate::{AppContext, AppResult};
use interspace_core::events::ParticipationState;
use interspace_core::ical::{self, IcsEvent};
use interspace_core::mail::{MailCategory, Message};
use interspace_core::roles::Role;
use interspace_core::visits::VisitState;
use interspace_db::accounts::{self as db_accounts, Account};
use interspace_db::opportunities::{Application, Opportunity};
use interspace_db::DbConn;

/// Queues the mails of `moments` (gathered by one use-case) in its transaction.
pub async fn queue(ctx: &AppContext, conn: &mut DbConn, moments: Vec<Moment>) -> AppResult<()> {
    if !super::enabled(ctx) {
        return Ok(());
    }
    for moment in moments {
        for (to, category, message, attachment) in render(ctx, conn, &moment).await? {
            to_account(ctx, conn, &to, category, &message, attachment.as_ref()).await?;
        }
    }
    Ok(())
}

type Rendered = (String, MailCategory, Message, Option<Attachment>);

async fn render(ctx: &AppContext, conn: &mut DbConn, moment: &Moment) -> AppResult<Vec<Rendered>> {
    let link = |path: &str| ctx.urls().path(path).to_string();
    Ok(match moment {
        Moment::VisitRequested { visit_id } => {
            let Some(v) = interspace_db::visits::find_visit(conn, visit_id).await? else {
                return Ok(vec![]);
            };
            let visitor = account(conn, &v.visitor_id).await?;
            let home = space_name(conn, &v.home_space_id).await?;
            let mut message = Message::new(format!("Visit request from {}", visitor.shown_name()))
                .paragraph(format!(
                    "{} ({}) of {home} asks to work from your space.",
                    visitor.shown_name(),
                    handle(&visitor)
                ))
                .fact("Days", days(v.date_from, v.date_to))
                .fact("Note", v.note.clone())
                .fact("State", v.state.as_str());
            message = if v.state == VisitState::Pending {
                message.paragraph("Please answer before the day.")
            } else {
                message
            };
            let message = message.action("Answer on the visits desk", link("/admin/visits"));
            staff(conn)
                .await?
                .into_iter()
                .map(|a| (a, MailCategory::Visits, message.clone(), None))
                .collect()
        }
        Moment::VisitDecided { visit_id } => {
            let Some(v) = interspace_db::visits::find_visit(conn, visit_id).await? else {
                return Ok(vec![]);
            };
            let Some((host, host_account)) =
                interspace_db::spaces::find_space(conn, &v.host_space_id).await?
            else {
                return Ok(vec![]);
            };
            let host_name = host_account.shown_name();
            let location: Location = serde_json::from_str(&host.location).unwrap_or_default();
            let decided = match v.state {
                VisitState::Approved => "approved",
                VisitState::Rejected => "declined",
                VisitState::Cancelled => "cancelled",
                _ => return Ok(vec![]),
            };
            let mut message = Message::new(format!("Your visit to {host_name} is {decided}"))
                .paragraph(format!("{host_name} {decided} your visit."))
                .fact("Days", days(v.date_from, v.date_to))
                .fact("Reason", v.reason.clone().unwrap_or_default());
            let mut attachment = None;
            if v.state == VisitState::Approved {
                message = message
                    .fact("Address", location.one_line())
                    .fact("Hours", host.hours.clone());
                attachment = Some(visit_ics(&v, host_name, &location, &host.hours));
            }
            let message = message.action("Your visits", link("/visits"));
            vec![(
                v.visitor_id.clone(),
                MailCategory::Visits,
                message,
                attachment,
            )]
        }
        Moment::EventReminder {
            event_id,
            account_id,
        } => {
            let Some(e) = interspace_db::events::find_event(conn, event_id).await? else {
                return Ok(vec![]);
            };
            let message = Message::new(format!("Reminder: {}", e.title))
                .paragraph(format!("{} starts soon.", e.title))
                .fact(
                    "When",
                    interspace_core::mail::local_time(e.starts_at, &e.timezone),
                )
                .fact("Where", place_of(&e).one_line())
                .action("The event", event_link(ctx, &e));
            let ics = event_ics(conn, &e).await?;
            vec![(account_id.clone(), MailCategory::Events, message, Some(ics))]
        }
        Moment::Participation {
            event_id,
            account_id,
            promoted,
        } => {
            let Some(e) = interspace_db::events::find_event(conn, event_id).await? else {
                return Ok(vec![]);
            };
            let Some(p) =
                interspace_db::events::find_participation(conn, &e.id, account_id).await?
            else {
                return Ok(vec![]);
            };
            let (subject, text) = match p.state {
                ParticipationState::Accepted if *promoted => (
                    format!("A place for you at {}", e.title),
                    "A place became free: you left the waitlist and are in.",
                ),
                ParticipationState::Accepted => (
                    format!("You are in: {}", e.title),
                    "The organiser accepted your participation.",
                ),
                ParticipationState::Waitlisted => (
                    format!("On the waitlist: {}", e.title),
                    "The event is full for now: you are on its waitlist.",
                ),
                ParticipationState::Rejected => (
                    format!("Not this time: {}", e.title),
                    "The organiser declined your participation.",
                ),
                _ => return Ok(vec![]),
            };
            let message = Message::new(subject)
                .paragraph(text)
                .fact(
                    "When",
                    interspace_core::mail::local_time(e.starts_at, &e.timezone),
                )
                .fact("Where", place_of(&e).one_line())
                .fact("Message", p.reason.clone().unwrap_or_default())
                .action("The event", event_link(ctx, &e));
            let ics = match p.state {
                ParticipationState::Accepted => Some(event_ics(conn, &e).await?),
                _ => None,
            };
            vec![(account_id.clone(), MailCategory::Events, message, ics)]
        }
        Moment::ApplicationReceived { application_id } => {
            let Some((app, o, applicant)) = application(conn, application_id).await? else {
                return Ok(vec![]);
            };
            let message = Message::new(format!("New application: {}", o.title))
                .paragraph(format!(
                    "{} ({}) applied to \"{}\".",
                    applicant.shown_name(),
                    handle(&applicant),
                    o.title
                ))
                .fact("Cover note", app.cover_note.clone())
                .action(
                    "Review the applications",
                    link(&format!("/opportunities/{}/applications", o.id)),
                );
            vec![(
                o.author_id.clone(),
                MailCategory::Opportunities,
                message,
                None,
            )]
        }
        Moment::TeamInvitation {
            application_id,
            account_id,
        } => {
            let Some((_, o, applicant)) = application(conn, application_id).await? else {
                return Ok(vec![]);
            };
            let message = Message::new(format!("Join a team for \"{}\"", o.title))
                .paragraph(format!(
                    "{} ({}) invites you to apply with them to \"{}\".",
                    applicant.shown_name(),
                    handle(&applicant),
                    o.title
                ))
                .action("Answer the invitation", link("/applications"));
            vec![(
                account_id.clone(),
                MailCategory::Opportunities,
                message,
                None,
            )]
        }
        Moment::Report { report_id } => {
            let Some(r) = interspace_db::reports::find_report(conn, report_id).await? else {
                return Ok(vec![]);
            };
            let target = account(conn, &r.target_account_id).await?;
            let message = Message::new(format!("New report about {}", handle(&target)))
                .paragraph(format!(
                    "Someone reported {} ({}).",
                    target.shown_name(),
                    handle(&target)
                ))
                .fact("Category", r.category.clone())
                .action("Moderate it", link(&format!("/admin/reports/{}", r.id)));
            interspace_db::users::list_accounts_with_roles(conn, &[Role::Operator.as_str()])
                .await?
                .into_iter()
                .map(|a| (a.id, MailCategory::Reports, message.clone(), None))
                .collect()
        }
    })
}

/// The weekly digest: what is new in the spaces a member follows.
pub fn digest(
    ctx: &AppContext,
    events: &[interspace_db::events::Event],
    opportunities: &[interspace_db::opportunities::Opportunity],
) -> Message {
    let mut m = Message::new("This week in your spaces");
    if !events.is_empty() {
        m = m.paragraph("New events:");
        for e in events {
            m = m.fact(
                e.title.clone(),
                format!(
                    "{}, {}",
                    interspace_core::mail::local_time(e.starts_at, &e.timezone),
                    event_link(ctx, e)
                ),
            );
        }
    }
    if !opportunities.is_empty() {
        m = m.paragraph("New opportunities:");
        for o in opportunities {
            let link = if o.is_local {
                ctx.urls()
                    .path(&format!("/opportunities/{}", o.id))
                    .to_string()
            } else {
                o.url.clone().unwrap_or_else(|| o.uri.clone())
            };
            m = m.fact(
                o.title.clone(),
                format!("{} ({}), {link}", o.kind, o.status),
            );
        }
    }
    m.action("All events", ctx.urls().path("/events").to_string())
}

/// A password reset link, for the member who asked for it.
pub fn password_reset(link: &str, hours: i64) -> Message {
    Message::new("Choose a new password")
        .paragraph(
            "Someone (we hope you) asked to reset the password of your account. If it was not \
             you, ignore this mail: nothing changes.",
        )
        .paragraph(format!(
            "The link works once, for {hours} hour{}; choosing a new password signs you out \
             everywhere else.",
            if hours == 1 { "" } else { "s" }
        ))
        .action("Choose a new password", link)
}

/// An invitation to join the space.
pub fn invitation(link: &str, space: &str, role: Role) -> Message {
    let mut m = Message::new(format!("You are invited to join {space}")).paragraph(format!(
        "You are invited to join {space} on Interspace: follow its members and events, visit \
         partner spaces and answer opportunities."
    ));
    if role != Role::Member {
        m = m.paragraph(format!("You will join as {}.", role.as_str()));
    }
    m.action("Create your account", link)
}

/// A link to confirm a new address, sent to that address.
pub fn confirm_address(link: &str) -> Message {
    Message::new("Confirm your new e-mail address")
        .paragraph(
            "Open this link to use this address for your account. If you did not ask for it, \
             ignore this mail.",
        )
        .action("Confirm the address", link)
}

/// An application with its opportunity and applicant (`None`: gone meanwhile).
async fn application(
    conn: &mut DbConn,
    id: &str,
) -> AppResult<Option<(Application, Opportunity, Account)>> {
    let Some(app) = interspace_db::opportunities::find_application(conn, id).await? else {
        return Ok(None);
    };
    let Some(o) = interspace_db::opportunities::find_opportunity(conn, &app.opportunity_id).await?
    else {
        return Ok(None);
    };
    let applicant = account(conn, &app.applicant_id).await?;
    Ok(Some((app, o, applicant)))
}

async fn account(conn: &mut DbConn, id: &str) -> AppResult<Account> {
    db_accounts::find_account_by_id(conn, id)
        .await?
        .ok_or(crate::AppError::NotFound("account"))
}

fn handle(a: &Account) -> String {
    format!("@{}", crate::accounts::acct(a))
}

async fn space_name(conn: &mut DbConn, space_id: &str) -> AppResult<String> {
    Ok(interspace_db::spaces::find_space(conn, space_id)
        .await?
        .map_or_else(
            || "another space".into(),
            |(_, a)| a.shown_name().to_string(),
        ))
}

/// The accounts of this instance's hosts and operators.
async fn staff(conn: &mut DbConn) -> AppResult<Vec<String>> {
    Ok(interspace_db::users::list_accounts_with_roles(
        conn,
        &[Role::Host.as_str(), Role::Operator.as_str()],
    )
    .await?
    .into_iter()
    .map(|a| a.id)
    .collect())
}

fn days(from: chrono::NaiveDate, to: chrono::NaiveDate) -> String {
    let day = |d: chrono::NaiveDate| d.format("%A %-d %B %Y").to_string();
    if from == to {
        day(from)
    } else {
        format!("{} to {}", day(from), day(to))
    }
}

fn event_link(ctx: &AppContext, e: &interspace_db::events::Event) -> String {
    if e.is_local {
        ctx.urls().path(&format!("/events/{}", e.id)).to_string()
    } else {
        e.url.clone().unwrap_or_else(|| e.uri.clone())
    }
}

async fn event_ics(conn: &mut DbConn, e: &interspace_db::events::Event) -> AppResult<Attachment> {
    Ok(Attachment {
        name: "event.ics".into(),
        content_type: "text/calendar; charset=utf-8; method=PUBLISH".into(),
        body: crate::events::calendar::render(conn, &e.title, std::slice::from_ref(e)).await?,
    })
}

fn visit_ics(
    v: &interspace_db::visits::Visit,
    host: &str,
    location: &Location,
    hours: &str,
) -> Attachment {
    let at = |d: chrono::NaiveDate| d.and_time(chrono::NaiveTime::MIN);
    let place = location.one_line();
    let description = if hours.trim().is_empty() {
        String::new()
    } else {
        format!("Hours: {hours}")
    };
    let title = format!("Working from {host}");
    let body = ical::calendar(
        &title,
        crate::SOFTWARE_VERSION,
        &[IcsEvent {
            uid: &v.uri,
            url: None,
            title: &title,
            description: &description,
            starts_at: at(v.date_from),
            ends_at: at(v.date_to.succ_opt().unwrap_or(v.date_to)),
            timezone: "",
            location: Some(place.as_str()).filter(|p| !p.is_empty()),
            cancelled: false,
            organizer: None,
            created_at: v.created_at,
            updated_at: v.updated_at,
            sequence: 0,
            all_day: true,
        }],
    );
    Attachment {
        name: "visit.ics".into(),
        content_type: "text/calendar; charset=utf-8; method=PUBLISH".into(),
        body,
    }
}
