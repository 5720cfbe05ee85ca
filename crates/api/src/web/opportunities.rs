//! The opportunities board (`/opportunities`): the open opportunities of this space and those
//! that reached it from other servers, with a filter; members post one with the form. One
//! opportunity's page (`/opportunities/{id}`, also what browsers get from its ActivityPub id):
//! the apply form and the member's own application, or, for its author, closing, reopening
//! and the link to the applications.

use super::parts::{account_href, button_form, display_name, handle, time};
use super::session::{fixable, redirect, Viewer, WebError, WebResult};
use crate::extract::Params;
use crate::layout::{alert, csrf_field, notice, page_with, safe_html, Frame};
use actix_web::http::StatusCode;
use actix_web::web;
use interspace_app::opportunities::{
    self as opps, ApplicationInput, BoardFilter, Budget, OpportunityId, OpportunityInput,
    OpportunityView,
};
use interspace_app::{AppContext, AppError};
use interspace_core::opportunities::{self as rules, ApplicationState, Kind, Status, WorkMode};
use interspace_core::ValidationError;
use maud::{html, Markup};

/// An error to show next to a form: its status and its sentence.
pub(super) type Problem = (StatusCode, String);

const MODES: [(&str, &str); 3] = [
    ("remote", "Remote"),
    ("onsite", "On site"),
    ("hybrid", "Hybrid"),
];
const PERIODS: [(&str, &str); 4] = [
    ("fixed", "in total"),
    ("hour", "per hour"),
    ("day", "per day"),
    ("month", "per month"),
];
const VISIBILITIES: [(&str, &str); 3] = [
    ("public", "Everyone (public, shared with other servers)"),
    ("partners", "Members here and at partner spaces"),
    ("space", "Members of this space only"),
];

/// A form's value, trimmed; `None` when empty.
pub(super) fn text(p: &Params, key: &str) -> Option<String> {
    p.str(key)
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

/// "awaiting_team" to "awaiting team".
pub(super) fn words(state: &str) -> String {
    state.replace('_', " ")
}

/// The budget fields of a form (`budget_amount`, `budget_currency`, `budget_period`); none
/// without an amount.
fn budget(p: &Params, field: &'static str) -> Result<Option<Budget>, ValidationError> {
    match text(p, "budget_amount") {
        None => Ok(None),
        Some(amount) => opps::check_budget(
            field,
            &amount,
            &text(p, "budget_currency").unwrap_or_default(),
            text(p, "budget_period").as_deref(),
        )
        .map(Some),
    }
}

/// Amount, currency and period, with their values kept after a refusal.
fn budget_fields(p: &Params, legend: &str, currency: &str) -> Markup {
    let fresh = p.str("csrf").is_none();
    let currency = if fresh {
        currency.to_string()
    } else {
        p.str("budget_currency").unwrap_or_default()
    };
    let period = p.str("budget_period").unwrap_or_else(|| "fixed".into());
    html! {
        fieldset {
            legend { (legend) " " span.hint { "(optional)" } }
            div { label for="budget_amount" { "Amount " span.hint { "(e.g. 1500 or 60.50)" } } input #budget_amount name="budget_amount" type="text" inputmode="decimal" value=(p.str("budget_amount").unwrap_or_default()); }
            div { label for="budget_currency" { "Currency " span.hint { "(a code such as EUR)" } } input #budget_currency name="budget_currency" type="text" maxlength="3" value=(currency); }
            div {
                label for="budget_period" { "Paid" }
                select #budget_period name="budget_period" {
                    @for (k, l) in PERIODS { option value=(k) selected[k == period] { (l) } }
                }
            }
        }
    }
}

fn options(list: &[(&str, &str)], chosen: &str) -> Markup {
    html! { @for (k, l) in list { option value=(k) selected[*k == chosen] { (l) } } }
}

fn kinds() -> Vec<(&'static str, &'static str)> {
    Kind::ALL
        .iter()
        .map(|k| (k.as_str(), opps::kind_label(k.as_str())))
        .collect()
}

/// One opportunity in a list.
fn card(frame: &Frame, v: &OpportunityView) -> Markup {
    let o = &v.opportunity;
    let heading = format!("o-{}", o.id);
    html! {
        article.card aria-labelledby=(heading) {
            header {
                h3 id=(heading) { a href={ "/opportunities/" (o.id) } { (o.title) } }
                @if o.status != "open" { span { "(" (words(&o.status)) ")" } }
            }
            p {
                (opps::kind_label(&o.kind)) " · " (opps::where_text(o, v.location_space.as_ref()))
                @if let Some(b) = &v.budget { " · " (b.text()) }
            }
            @if !v.skills.is_empty() { p.muted { "Skills: " (v.skills.join(", ")) } }
            footer {
                span { "By " a href=(account_href(frame, &v.author)) { (display_name(&v.author)) } " " (handle(&v.author)) }
                @if let Some(d) = o.deadline { span { "Apply by " (d.to_string()) } }
                span { (o.applications_count) @if o.applications_count == 1 { " application" } @else { " applications" } }
            }
        }
    }
}

/// The board's filter: a GET form (it changes nothing, so no CSRF token).
fn filter_form(f: &Params) -> Markup {
    let v = |k: &str| f.str(k).unwrap_or_default();
    let mut any_kind = vec![("", "Any kind")];
    any_kind.extend(kinds());
    let mut any_mode = vec![("", "Anywhere")];
    any_mode.extend(MODES);
    html! {
        form.stack method="get" action="/opportunities" role="search" aria-label="Filter the opportunities" {
            div { label for="f-q" { "Words " span.hint { "(in the title or description)" } } input #f-q name="q" type="text" value=(v("q")); }
            div { label for="f-skill" { "Skill" } input #f-skill name="skill" type="text" value=(v("skill")); }
            div { label for="f-kind" { "Kind" } select #f-kind name="kind" { (options(&any_kind, &v("kind"))) } }
            div { label for="f-mode" { "Work mode" } select #f-mode name="mode" { (options(&any_mode, &v("mode"))) } }
            div {
                label for="f-sort" { "Order" }
                select #f-sort name="sort" { (options(&[("recent", "Newest first"), ("deadline", "Soonest deadline first")], &v("sort"))) }
            }
            div { button.secondary type="submit" { "Filter" } }
        }
    }
}

/// The form a member fills to post an opportunity; the values stay after a refusal.
fn new_form(frame: &Frame, p: &Params, currency: &str, error: Option<&str>) -> Markup {
    let v = |k: &str| p.str(k).unwrap_or_default();
    let kind = p.str("kind").unwrap_or_else(|| "project".into());
    let mode = p.str("mode").unwrap_or_else(|| "remote".into());
    let visibility = p.str("visibility").unwrap_or_else(|| "public".into());
    let team = p.str("team_size").unwrap_or_else(|| "1".into());
    html! {
        form.stack method="post" action="/opportunities" aria-labelledby="new-opportunity" {
            h2 #new-opportunity { "Post an opportunity" }
            (alert(error))
            (csrf_field(frame.csrf))
            div { label for="title" { "Title" } input #title name="title" type="text" maxlength="200" required value=(v("title")); }
            div { label for="description" { "Description " span.hint { "(Markdown)" } } textarea #description name="description" rows="6" { (v("description")) } }
            div { label for="kind" { "What it is" } select #kind name="kind" { (options(&kinds(), &kind)) } }
            div { label for="skills" { "Skills " span.hint { "(comma-separated, e.g. rust, design)" } } input #skills name="skills" type="text" value=(v("skills")); }
            div { label for="mode" { "Where the work happens" } select #mode name="mode" { (options(&MODES, &mode)) } }
            div { label for="city" { "City " span.hint { "(needed on site)" } } input #city name="city" type="text" maxlength="100" value=(v("city")); }
            (budget_fields(p, "Budget", currency))
            div { label for="deadline" { "Deadline " span.hint { "(last day to apply; empty for none)" } } input #deadline name="deadline" type="date" value=(v("deadline")); }
            div { label for="team_size" { "Team size " span.hint { "(people wanted, 1 to 10)" } } input #team_size name="team_size" type="number" min="1" max="10" required value=(team); }
            div { label for="visibility" { "Who sees it" } select #visibility name="visibility" { (options(&VISIBILITIES, &visibility)) } }
            div { button type="submit" { "Post the opportunity" } }
        }
    }
}

/// The board's filter from the query; `Err` is a sentence for the filter form.
fn board_filter(f: &Params) -> Result<BoardFilter, String> {
    let kind = text(f, "kind");
    if let Some(k) = &kind {
        Kind::parse(k).map_err(|e| e.to_string())?;
    }
    let mode = text(f, "mode");
    if let Some(m) = &mode {
        WorkMode::parse(m).map_err(|e| e.to_string())?;
    }
    let by_deadline = match text(f, "sort").as_deref() {
        None | Some("recent") => false,
        Some("deadline") => true,
        Some(_) => return Err("sort: is recent or deadline".into()),
    };
    Ok(BoardFilter {
        q: text(f, "q"),
        skill: text(f, "skill"),
        kind,
        mode,
        status: Some(Status::Open.as_str().into()),
        by_deadline,
        limit: 50,
        ..BoardFilter::default()
    })
}

/// The board; `filter` is the query, `form` what was posted (`error` goes with the form).
async fn board_page(
    ctx: &AppContext,
    viewer: &Viewer,
    filter: &Params,
    form: &Params,
    error: Option<Problem>,
) -> WebResult {
    let me = viewer.signed_in.as_ref().map(|s| &s.member.account);
    let mut filter_error = None;
    let list = match board_filter(filter) {
        Err(m) => {
            filter_error = Some(m);
            vec![]
        }
        Ok(f) => match opps::list(ctx, me, f).await {
            Ok(list) => list,
            Err(e) => {
                filter_error = Some(fixable(e)?.1);
                vec![]
            }
        },
    };
    let space = interspace_app::spaces::show(ctx).await?;
    let currency = space
        .day_price
        .as_ref()
        .map_or("EUR", |m| m.currency.as_str());
    let frame = viewer.frame();
    let main = html! {
        h1 { "Opportunities" }
        (notice(filter.str("done").as_deref()))
        p.muted { "Projects, jobs, collaborations, help wanted and offers of services, from this space and from the people and spaces followed from here. The space relays them and never selects: applications go to the poster only." }
        @if viewer.signed_in.is_some() {
            p { a href="/applications" { "My applications" } " · " a href="/directory" { "People by skill" } }
        }
        section aria-labelledby="find" {
            h2 #find { "Find an opportunity" }
            (filter_form(filter))
        }
        section aria-labelledby="open" {
            h2 #open { "Open opportunities" }
            (alert(filter_error.as_deref()))
            @if list.is_empty() && filter_error.is_none() { p.muted { "No open opportunity matches." } }
            @for v in &list { (card(&frame, v)) }
        }
        @if viewer.signed_in.is_some() {
            (new_form(&frame, form, currency, error.as_ref().map(|e| e.1.as_str())))
        }
    };
    let status = match (&error, &filter_error) {
        (Some((s, _)), _) => *s,
        (None, Some(_)) => StatusCode::UNPROCESSABLE_ENTITY,
        (None, None) => StatusCode::OK,
    };
    Ok(viewer.finish(page_with(status, &frame, "Opportunities", main)))
}

/// `GET /opportunities?q=&skill=&kind=&mode=&sort=`
pub async fn board(ctx: web::Data<AppContext>, viewer: Viewer, q: Params) -> WebResult {
    board_page(&ctx, &viewer, &q, &Params::default(), None).await
}

fn opportunity_input(p: &Params) -> Result<OpportunityInput, ValidationError> {
    let team_size = match text(p, "team_size") {
        None => None,
        Some(t) => Some(t.parse::<i64>().map_err(|_| {
            ValidationError::new("team_size", "must be a whole number from 1 to 10")
        })?),
    };
    let skills = text(p, "skills").map(|s| {
        s.split([',', ' '])
            .filter(|t| !t.trim().is_empty())
            .map(String::from)
            .collect()
    });
    Ok(OpportunityInput {
        title: p.str("title"),
        description: p.str("description"),
        kind: p.str("kind"),
        skills,
        mode: p.str("mode"),
        city: text(p, "city"),
        budget: Some(budget(p, "budget")?),
        deadline: Some(text(p, "deadline")),
        team_size,
        visibility: p.str("visibility"),
        ..OpportunityInput::default()
    })
}

/// `POST /opportunities`: a member posts an opportunity; a refusal shows the form again with
/// the reason and the values.
pub async fn create(ctx: web::Data<AppContext>, viewer: Viewer, p: Params) -> WebResult {
    viewer.check(&p)?;
    let me = viewer.require()?;
    let author = (me.member.user.clone(), me.member.account.clone());
    let result = async {
        let input = opportunity_input(&p)?;
        opps::create(&ctx, &author, input).await
    }
    .await;
    match result {
        Ok(v) => Ok(redirect(&format!(
            "/opportunities/{}?done=opportunity_posted",
            v.opportunity.id
        ))),
        Err(e) => {
            let problem = fixable(e)?;
            board_page(&ctx, &viewer, &Params::default(), &p, Some(problem)).await
        }
    }
}

fn facts(frame: &Frame, v: &OpportunityView) -> Markup {
    let o = &v.opportunity;
    html! {
        dl.facts {
            dt { "What" } dd { (opps::kind_label(&o.kind)) }
            dt { "Where" } dd { (opps::where_text(o, v.location_space.as_ref())) }
            dt { "Budget" } dd { @if let Some(b) = &v.budget { (b.text()) } @else { "Not given" } }
            dt { "Apply by" } dd { @if let Some(d) = o.deadline { (d.to_string()) } @else { "No deadline" } }
            dt { "Team size" } dd { (o.team_size) @if o.team_size == 1 { " person" } @else { " people" } }
            dt { "Status" } dd { (words(&o.status)) }
            dt { "Skills" } dd { @if v.skills.is_empty() { "None given" } @else { (v.skills.join(", ")) } }
            dt { "Posted by" } dd { a href=(account_href(frame, &v.author)) { (display_name(&v.author)) } " " span.muted { (handle(&v.author)) } }
            @if let Some(s) = &v.space { dt { "Space" } dd { (display_name(&s.account)) } }
            dt { "Posted" } dd { (time(o.created_at)) }
            dt { "Applications" } dd { (o.applications_count) }
        }
    }
}

/// The author's part: the applications, close or reopen.
fn manage(frame: &Frame, v: &OpportunityView, error: Option<&str>) -> Markup {
    let o = &v.opportunity;
    html! {
        section aria-labelledby="manage" {
            h2 #manage { "Your opportunity" }
            (alert(error))
            p { a href={ "/opportunities/" (o.id) "/applications" } { "Review the applications" } " (" (o.applications_count) ")" }
            @if o.status == "open" {
                p.muted { "Closing it stops applications; you can reopen it." }
                (button_form(frame, &format!("/opportunities/{}/close", o.id), "Close the opportunity", "secondary"))
            } @else {
                p.muted { "It is " (words(&o.status)) " and takes no applications." }
                (button_form(frame, &format!("/opportunities/{}/reopen", o.id), "Reopen the opportunity", ""))
            }
        }
    }
}

fn apply_form(frame: &Frame, id: &str, p: &Params, currency: &str) -> Markup {
    let v = |k: &str| p.str(k).unwrap_or_default();
    html! {
        form.stack method="post" action={ "/opportunities/" (id) "/apply" } {
            (csrf_field(frame.csrf))
            div { label for="cover_note" { "Cover note" } textarea #cover_note name="cover_note" rows="5" maxlength="5000" { (v("cover_note")) } }
            div { label for="links" { "Links " span.hint { "(optional, one per line: portfolio, code, earlier work)" } } textarea #links name="links" rows="3" { (v("links")) } }
            div {
                label for="team" { "Teammates " span.hint { "(optional: their handles, user@domain, comma-separated; each one agrees before the application is sent)" } }
                input #team name="team" type="text" autocomplete="off" value=(v("team"));
            }
            (budget_fields(p, "Proposed budget", currency))
            div { button type="submit" { "Send the application" } }
        }
    }
}

/// A signed-in member's part: their application, or the form.
fn applying(frame: &Frame, v: &OpportunityView, p: &Params, error: Option<&str>) -> Markup {
    let o = &v.opportunity;
    let today = chrono::Utc::now().date_naive();
    let open =
        Status::parse(&o.status).is_ok_and(|s| rules::takes_applications(s, o.deadline, today));
    let live = v.mine.as_ref().filter(|a| {
        !matches!(
            a.state,
            ApplicationState::Withdrawn | ApplicationState::Declined
        )
    });
    let currency = v.budget.as_ref().map_or("EUR", |b| b.currency.as_str());
    html! {
        section aria-labelledby="apply" {
            h2 #apply { @if live.is_some() { "Your application" } @else { "Apply" } }
            (alert(error))
            @if let Some(a) = live {
                p { "You applied on " (time(a.created_at)) ". It is " strong { (words(a.state.as_str())) } "." }
                @match a.state {
                    ApplicationState::AwaitingTeam => { p.muted { "It is sent once every teammate agrees." } }
                    ApplicationState::Submitted => { p.muted { "The poster decides." } }
                    _ => {}
                }
                @if let Some(m) = &a.message { p { "The poster's message: " (m) } }
                @if matches!(a.state, ApplicationState::AwaitingTeam | ApplicationState::Submitted | ApplicationState::Shortlisted) {
                    (button_form(frame, &format!("/applications/{}/withdraw", a.id), "Withdraw the application", "secondary"))
                }
                p { a href="/applications" { "All my applications" } }
            } @else if open {
                @if let Some(a) = &v.mine {
                    p.muted { "Your earlier application was " (words(a.state.as_str())) "." @if let Some(m) = &a.message { " The poster's message: " (m) } }
                }
                (apply_form(frame, &o.id, p, currency))
            } @else if error.is_none() {
                p { "This opportunity is " (words(&o.status)) " and takes no applications." }
            }
        }
    }
}

/// One opportunity; `error` goes with the author's part or with the application part.
pub(super) async fn opportunity_page(
    ctx: &AppContext,
    viewer: &Viewer,
    id: &OpportunityId,
    done: Option<&str>,
    form: &Params,
    error: Option<Problem>,
) -> WebResult {
    let me = viewer.signed_in.as_ref().map(|s| &s.member.account);
    let v = opps::get(ctx, id, me).await?;
    let o = &v.opportunity;
    let frame = viewer.frame();
    let is_author = me.is_some_and(|a| a.id == o.author_id);
    let message = error.as_ref().map(|e| e.1.as_str());
    let main = html! {
        (notice(done))
        article {
            h1 { (o.title) }
            (facts(&frame, &v))
            div { (safe_html(&o.description)) }
        }
        @if is_author { (manage(&frame, &v, message)) }
        @else if me.is_some() { (applying(&frame, &v, form, message)) }
        @else {
            p { a href={ "/login?next=%2Fopportunities%2F" (o.id) } { "Sign in to apply" } }
        }
    };
    let status = error.map_or(StatusCode::OK, |e| e.0);
    Ok(viewer.finish(page_with(status, &frame, &o.title, main)))
}

/// `GET /opportunities/{id}`
pub async fn opportunity(
    ctx: web::Data<AppContext>,
    viewer: Viewer,
    id: web::Path<OpportunityId>,
    q: Params,
) -> WebResult {
    let done = q.str("done");
    opportunity_page(
        &ctx,
        &viewer,
        &id,
        done.as_deref(),
        &Params::default(),
        None,
    )
    .await
}

fn application_input(p: &Params) -> Result<ApplicationInput, ValidationError> {
    let team = p
        .str("team")
        .unwrap_or_default()
        .split([',', ' ', '\n'])
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(String::from)
        .collect();
    let links = p
        .str("links")
        .unwrap_or_default()
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(String::from)
        .collect();
    Ok(ApplicationInput {
        cover_note: p.str("cover_note"),
        proposed_budget: budget(p, "proposed_budget")?,
        links,
        team,
    })
}

/// `POST /opportunities/{id}/{apply|close|reopen}`
pub async fn act(
    ctx: web::Data<AppContext>,
    viewer: Viewer,
    path: web::Path<(OpportunityId, String)>,
    p: Params,
) -> WebResult {
    viewer.check(&p)?;
    let me = viewer.require()?;
    let account = &me.member.account;
    let (id, action) = path.into_inner();
    let result = match action.as_str() {
        "apply" => {
            let sent = async {
                let input = application_input(&p)?;
                opps::apply(&ctx, account, &id, input).await
            }
            .await;
            sent.map(|a| match a.application.state {
                ApplicationState::AwaitingTeam => "applied_team",
                _ => "applied",
            })
        }
        "close" => opps::set_status(&ctx, account, &id, Status::Closed)
            .await
            .map(|_| "opportunity_closed"),
        "reopen" => opps::set_status(&ctx, account, &id, Status::Open)
            .await
            .map(|_| "opportunity_reopened"),
        _ => return Err(WebError::NotFound),
    };
    let problem = match result {
        Ok(done) => return Ok(redirect(&format!("/opportunities/{id}?done={done}"))),
        Err(AppError::Refused("not_open", why)) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("Your application was not sent: {why}."),
        ),
        Err(e) => fixable(e)?,
    };
    let form = if action == "apply" {
        p
    } else {
        Params::default()
    };
    opportunity_page(&ctx, &viewer, &id, None, &form, Some(problem)).await
}
