//! Applications to opportunities: the author's review page (`/opportunities/{id}/applications`)
//! with shortlist, accept and decline; a member's own applications and the team invitations
//! waiting for them (`/applications`); and the directory of people by skill (`/directory`),
//! with the member's choice to be listed in it.

use super::opportunities::{opportunity_page, text, words, Problem};
use super::parts::{account_href, avatar, display_name, handle, time};
use super::session::{fixable, redirect, Viewer, WebError, WebResult};
use crate::extract::Params;
use crate::layout::{alert, csrf_field, notice, page_with, Frame};
use actix_web::http::StatusCode;
use actix_web::web;
use interspace_app::opportunities::{
    self as opps, ApplicationId, ApplicationView, Budget, Decision, OpportunityId, TeamEntry,
};
use interspace_app::{Account, AppContext};
use interspace_core::opportunities::{ApplicationState, TeamState};
use maud::{html, Markup};

fn status(error: &Option<Problem>) -> StatusCode {
    error.as_ref().map_or(StatusCode::OK, |e| e.0)
}

/// A space's name and handle, or that it is not known.
fn home(a: Option<&Account>) -> Markup {
    html! {
        @if let Some(h) = a { (display_name(h)) " " span.muted { (handle(h)) } }
        @else { span.muted { "not known" } }
    }
}

fn person(frame: &Frame, a: &Account) -> Markup {
    html! { a href=(account_href(frame, a)) { (display_name(a)) } " " span.muted { (handle(a)) } }
}

fn team_list(frame: &Frame, team: &[TeamEntry]) -> Markup {
    html! {
        ul {
            @for t in team {
                li { (person(frame, &t.account)) ": " strong { (words(t.state.as_str())) } ", from " (home(t.home.as_ref())) }
            }
        }
    }
}

/// Plain text with its line breaks.
fn lines(s: &str) -> Markup {
    html! { p { @for (i, l) in s.lines().enumerate() { @if i > 0 { br; } (l) } } }
}

fn proposed_budget(v: &ApplicationView) -> Option<Budget> {
    v.application
        .proposed_budget
        .as_deref()
        .and_then(|b| serde_json::from_str(b).ok())
}

fn links(v: &ApplicationView) -> Vec<String> {
    serde_json::from_str(&v.application.links).unwrap_or_default()
}

/// Shortlist, accept or decline, with an optional message (a textarea, so that Enter does
/// not choose a button).
fn decision_form(frame: &Frame, v: &ApplicationView) -> Markup {
    let a = &v.application;
    let who = display_name(&v.applicant);
    let url = |what: &str| format!("/applications/{}/{what}", a.id);
    html! {
        form.stack method="post" action=(url("accept")) {
            (csrf_field(frame.csrf))
            div {
                label for={ "message-" (a.id) } { "Message to " (who) " " span.hint { "(optional, sent with your answer)" } }
                textarea id={ "message-" (a.id) } name="message" rows="2" maxlength="2000" {}
            }
            div {
                @if a.state == ApplicationState::Submitted {
                    button.secondary type="submit" formaction=(url("shortlist")) { "Shortlist" span.sr-only { " the application of " (who) } } " "
                }
                button type="submit" formaction=(url("accept")) { "Accept" span.sr-only { " the application of " (who) } } " "
                button.secondary type="submit" formaction=(url("decline")) { "Decline" span.sr-only { " the application of " (who) } }
            }
        }
    }
}

fn application_card(frame: &Frame, v: &ApplicationView) -> Markup {
    let a = &v.application;
    let heading = format!("a-{}", a.id);
    let links = links(v);
    html! {
        article.card aria-labelledby=(heading) {
            h2 id=(heading) { (display_name(&v.applicant)) }
            dl.facts {
                dt { "Applicant" } dd { (person(frame, &v.applicant)) }
                dt { "Home space" } dd { (home(v.applicant_home.as_ref())) }
                dt { "Source" } dd { @if a.source == "reply" { "A reply to the post (an expression of interest)" } @else { "An application" } }
                dt { "State" } dd { (words(a.state.as_str())) }
                dt { "Received" } dd { (time(a.created_at)) }
                @if let Some(b) = proposed_budget(v) { dt { "Proposed budget" } dd { (b.text()) } }
                @if !v.team.is_empty() { dt { "Team" } dd { (team_list(frame, &v.team)) } }
                @if let Some(m) = &a.message { dt { "Your message" } dd { (m) } }
            }
            @if !a.cover_note.is_empty() { h3 { "Cover note" } (lines(&a.cover_note)) }
            @if !links.is_empty() {
                h3 { "Links" }
                ul { @for l in &links { li { a href=(l) rel="nofollow noopener noreferrer" { (l) } } } }
            }
            @match a.state {
                ApplicationState::Submitted | ApplicationState::Shortlisted => { (decision_form(frame, v)) }
                ApplicationState::AwaitingTeam => { p.muted { "Waiting for every teammate to agree." } }
                _ => {}
            }
        }
    }
}

async fn review_page(
    ctx: &AppContext,
    viewer: &Viewer,
    id: &OpportunityId,
    done: Option<&str>,
    error: Option<Problem>,
) -> WebResult {
    let me = viewer.require()?;
    let account = &me.member.account;
    let v = opps::get(ctx, id, Some(account)).await?;
    let list = opps::applications_for(ctx, account, id).await?;
    let o = &v.opportunity;
    let frame = viewer.frame();
    let main = html! {
        h1 { "Applications to " (o.title) }
        (notice(done))
        p { a href={ "/opportunities/" (o.id) } { "Back to the opportunity" } " · " (words(&o.status)) ", " (o.team_size) " wanted" }
        (alert(error.as_ref().map(|e| e.1.as_str())))
        @if list.is_empty() { p.muted { "No application yet." } }
        @for a in &list { (application_card(&frame, a)) }
    };
    Ok(page_with(status(&error), &frame, "Applications", main))
}

/// `GET /opportunities/{id}/applications`: the author's review page.
pub async fn review(
    ctx: web::Data<AppContext>,
    viewer: Viewer,
    id: web::Path<OpportunityId>,
    q: Params,
) -> WebResult {
    review_page(&ctx, &viewer, &id, q.str("done").as_deref(), None).await
}

/// `POST /applications/{id}/{shortlist|accept|decline|withdraw} {message, back}`: the author
/// decides, or the applicant withdraws (back to the opportunity, or to `/applications` with
/// `back=mine`).
pub async fn act(
    ctx: web::Data<AppContext>,
    viewer: Viewer,
    path: web::Path<(ApplicationId, String)>,
    p: Params,
) -> WebResult {
    viewer.check(&p)?;
    let me = viewer.require()?;
    let account = &me.member.account;
    let (id, action) = path.into_inner();
    let decision = match action.as_str() {
        "withdraw" => None,
        "shortlist" | "accept" | "decline" => Decision::parse(&action),
        _ => return Err(WebError::NotFound),
    };
    let current = opps::get_application(&ctx, account, &id).await?;
    let opportunity = OpportunityId::new(current.opportunity.id);
    let Some(decision) = decision else {
        let to_mine = p.str("back").as_deref() == Some("mine");
        return match opps::withdraw(&ctx, account, &id).await {
            Ok(_) if to_mine => Ok(redirect("/applications?done=application_withdraw")),
            Ok(_) => Ok(redirect(&format!(
                "/opportunities/{opportunity}?done=application_withdraw"
            ))),
            Err(e) => {
                let problem = fixable(e)?;
                if to_mine {
                    mine_page(&ctx, &viewer, None, Some(problem)).await
                } else {
                    let form = Params::default();
                    opportunity_page(&ctx, &viewer, &opportunity, None, &form, Some(problem)).await
                }
            }
        };
    };
    match opps::decide(&ctx, account, &id, decision, text(&p, "message")).await {
        Ok(_) => Ok(redirect(&format!(
            "/opportunities/{opportunity}/applications?done=application_{action}"
        ))),
        Err(e) => {
            let problem = fixable(e)?;
            review_page(&ctx, &viewer, &opportunity, None, Some(problem)).await
        }
    }
}

fn opportunity_link(v: &ApplicationView) -> Markup {
    html! { a href={ "/opportunities/" (v.opportunity.id) } { (v.opportunity.title) } }
}

fn invitation_card(frame: &Frame, v: &ApplicationView) -> Markup {
    let a = &v.application;
    let heading = format!("i-{}", a.id);
    let what = format!("the invitation of {}", display_name(&v.applicant));
    let url = |act: &str| format!("/team_invitations/{}/{act}", a.id);
    html! {
        article.card aria-labelledby=(heading) {
            h3 id=(heading) { (opportunity_link(v)) }
            p { (person(frame, &v.applicant)) " invites you to apply together, to " (person(frame, &v.poster)) "." }
            @if !a.cover_note.is_empty() { (lines(&a.cover_note)) }
            @if !v.team.is_empty() { p { "The team:" } (team_list(frame, &v.team)) }
            @if a.state == ApplicationState::AwaitingTeam {
                form.inline method="post" action=(url("accept")) {
                    (csrf_field(frame.csrf))
                    button type="submit" { "Accept" span.sr-only { " " (what) } }
                }
                " "
                form.inline method="post" action=(url("decline")) {
                    (csrf_field(frame.csrf))
                    button.secondary type="submit" { "Decline" span.sr-only { " " (what) } }
                }
            } @else {
                p.muted { "The application is " (words(a.state.as_str())) "." }
            }
        }
    }
}

fn mine_card(frame: &Frame, me: &Account, v: &ApplicationView) -> Markup {
    let a = &v.application;
    let heading = format!("m-{}", a.id);
    let own = a.applicant_id == me.id;
    html! {
        article.card aria-labelledby=(heading) {
            h3 id=(heading) { (opportunity_link(v)) }
            p {
                @if own { "You applied" } @else { (display_name(&v.applicant)) " applied with you" }
                " on " (time(a.created_at)) ". It is " strong { (words(a.state.as_str())) } "."
            }
            @if let Some(m) = &a.message { p { "The poster's message: " (m) } }
            @if !v.team.is_empty() { p { "The team:" } (team_list(frame, &v.team)) }
            @if own && matches!(a.state, ApplicationState::AwaitingTeam | ApplicationState::Submitted | ApplicationState::Shortlisted) {
                form.inline method="post" action={ "/applications/" (a.id) "/withdraw" } {
                    (csrf_field(frame.csrf))
                    input type="hidden" name="back" value="mine";
                    button.secondary type="submit" { "Withdraw" span.sr-only { " the application to " (v.opportunity.title) } }
                }
            }
        }
    }
}

async fn mine_page(
    ctx: &AppContext,
    viewer: &Viewer,
    done: Option<&str>,
    error: Option<Problem>,
) -> WebResult {
    let me = viewer.require()?;
    let account = &me.member.account;
    let waiting: Vec<ApplicationView> = opps::invitations(ctx, account)
        .await?
        .into_iter()
        .filter(|(m, _)| m.state == TeamState::Invited)
        .map(|(_, v)| v)
        .collect();
    let list = opps::applications_of(ctx, account).await?;
    let frame = viewer.frame();
    let main = html! {
        h1 { "My applications" }
        (notice(done))
        (alert(error.as_ref().map(|e| e.1.as_str())))
        section aria-labelledby="invitations" {
            h2 #invitations { "Team invitations" }
            @if waiting.is_empty() { p.muted { "No invitation waits for your answer." } }
            @for v in &waiting { (invitation_card(&frame, v)) }
        }
        section aria-labelledby="applications" {
            h2 #applications { "Applications" }
            @if list.is_empty() { p.muted { "You have not applied to anything yet. " a href="/opportunities" { "See the opportunities" } } }
            @for v in &list { (mine_card(&frame, account, v)) }
        }
    };
    Ok(page_with(status(&error), &frame, "My applications", main))
}

/// `GET /applications`: a member's applications (as applicant or teammate) and invitations.
pub async fn mine(ctx: web::Data<AppContext>, viewer: Viewer, q: Params) -> WebResult {
    mine_page(&ctx, &viewer, q.str("done").as_deref(), None).await
}

/// `POST /team_invitations/{id}/{accept|decline}` (the id is the application's).
pub async fn answer(
    ctx: web::Data<AppContext>,
    viewer: Viewer,
    path: web::Path<(ApplicationId, String)>,
    p: Params,
) -> WebResult {
    viewer.check(&p)?;
    let me = viewer.require()?;
    let (id, action) = path.into_inner();
    let accept = match action.as_str() {
        "accept" => true,
        "decline" => false,
        _ => return Err(WebError::NotFound),
    };
    match opps::answer_invitation(&ctx, &me.member.account, &id, accept).await {
        Ok(_) => Ok(redirect(&format!("/applications?done=invitation_{action}"))),
        Err(e) => {
            let problem = fixable(e)?;
            mine_page(&ctx, &viewer, None, Some(problem)).await
        }
    }
}

fn person_card(frame: &Frame, a: &Account, space: Option<&Account>) -> Markup {
    let heading = format!("p-{}", a.id);
    let skills = interspace_app::accounts::skills(a);
    html! {
        article.card aria-labelledby=(heading) {
            header {
                (avatar(a))
                h3 id=(heading) { a href=(account_href(frame, a)) { (display_name(a)) } }
                span.muted { (handle(a)) }
            }
            p { "Skills: " (skills.join(", ")) }
            p.muted { "Home space: " (home(space)) }
        }
    }
}

/// `GET /directory?skill=&q=`: people by skill, for members; and the member's listing.
pub async fn directory(ctx: web::Data<AppContext>, viewer: Viewer, q: Params) -> WebResult {
    let me = viewer.require()?;
    let listed = opps::directory_opt_in(&ctx, &me.member.user).await?;
    let (people, error) = match opps::directory(
        &ctx,
        opps::DirectoryFilter {
            skill: text(&q, "skill"),
            q: text(&q, "q"),
            limit: 50,
            ..opps::DirectoryFilter::default()
        },
    )
    .await
    {
        Ok(people) => (people, None),
        Err(e) => (vec![], Some(fixable(e)?)),
    };
    let has_skills = !interspace_app::accounts::skills(&me.member.account).is_empty();
    let frame = viewer.frame();
    let v = |k: &str| q.str(k).unwrap_or_default();
    let main = html! {
        h1 { "People by skill" }
        (notice(q.str("done").as_deref()))
        p.muted { "Members of this space who chose to be listed, and people of other servers known here who publish their skills." }
        form.stack method="get" action="/directory" role="search" aria-label="Find people" {
            div { label for="d-skill" { "Skill" } input #d-skill name="skill" type="text" value=(v("skill")); }
            div { label for="d-q" { "Name " span.hint { "(optional)" } } input #d-q name="q" type="text" value=(v("q")); }
            div { button.secondary type="submit" { "Find people" } }
        }
        section aria-labelledby="people" {
            h2 #people { "People" }
            (alert(error.as_ref().map(|e| e.1.as_str())))
            @if people.is_empty() && error.is_none() { p.muted { "Nobody matches." } }
            @for (a, space) in &people { (person_card(&frame, a, space.as_ref())) }
        }
        section aria-labelledby="listing" {
            h2 #listing { "Your listing" }
            @if listed {
                p { "You are listed in the directory." }
                @if !has_skills { p.muted { "You appear once your profile has skills: " a href="/settings/profile" { "edit your profile" } "." } }
                (opt_in_form(&frame, false, "Leave the directory"))
            } @else {
                p { "You are not listed in the directory." }
                (opt_in_form(&frame, true, "List me in the directory"))
            }
        }
    };
    Ok(page_with(status(&error), &frame, "People by skill", main))
}

fn opt_in_form(frame: &Frame, on: bool, label: &str) -> Markup {
    html! {
        form.inline method="post" action="/directory/opt-in" {
            (csrf_field(frame.csrf))
            input type="hidden" name="on" value=(if on { "1" } else { "0" });
            button.secondary[!on] type="submit" { (label) }
        }
    }
}

/// `POST /directory/opt-in {on=1|0}`
pub async fn opt_in(ctx: web::Data<AppContext>, viewer: Viewer, p: Params) -> WebResult {
    viewer.check(&p)?;
    let me = viewer.require()?;
    let on = p.bool("on")?.unwrap_or(false);
    opps::set_directory_opt_in(&ctx, &me.member.user, on).await?;
    let done = if on { "directory_on" } else { "directory_off" };
    Ok(redirect(&format!("/directory?done={done}")))
}
