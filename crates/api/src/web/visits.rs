//! Visits between partner spaces: a member asks to work from another space and follows their
//! requests (`/visits`); hosts keep the front desk and decide requests (`/admin/visits`);
//! operators manage the partnerships, which hosts may read (`/admin/partnerships`).

use super::admin::admin_nav;
use super::parts::{display_name, handle, time};
use super::session::Done;
use super::session::{fixable, redirect, Viewer, WebError, WebResult};
use crate::extract::Params;
use crate::layout::{alert, csrf_field, notice, page_with, Frame};
use actix_web::http::StatusCode;
use actix_web::web;
use chrono::NaiveDate;
use interspace_app::partnerships::{self, PartnershipId, PartnershipView, Terms};
use interspace_app::sessions::SignedIn;
use interspace_app::visits::{self, HostRef, VisitId, VisitView};
use interspace_app::{Account, AppContext, User};
use interspace_core::roles::Role;
use interspace_core::visits::{PartnershipState, VisitState};
use interspace_core::ValidationError;
use maud::{html, Markup};

/// The days of terms, `mon`..`sun`: the first three letters of their names.
const WEEK: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

fn member(me: &SignedIn) -> (User, Account) {
    (me.member.user.clone(), me.member.account.clone())
}

fn status(error: Option<&str>) -> StatusCode {
    if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    }
}

fn days(v: &VisitView) -> String {
    let x = &v.visit;
    if x.date_from == x.date_to {
        x.date_from.to_string()
    } else {
        format!("{} to {}", x.date_from, x.date_to)
    }
}

fn state(s: &str) -> String {
    s.replace('_', " ")
}

/// `YYYY-MM-DD`, or nothing when empty.
fn parse_day(raw: Option<&str>) -> Result<Option<NaiveDate>, WebError> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(d) => NaiveDate::parse_from_str(d, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| WebError::BadRequest("date must be a date, e.g. 2026-12-01".into())),
    }
}

/// A one-button form in a list; `what` completes the button's name for screen readers.
fn row_button(frame: &Frame, url: &str, label: &str, what: &str, class: &str) -> Markup {
    html! {
        form.inline method="post" action=(url) {
            (csrf_field(frame.csrf))
            button type="submit" class=(class) { (label) span.sr-only { " " (what) } }
        }
    }
}

fn request_form(frame: &Frame, p: &Params, error: Option<&str>) -> Markup {
    let v = |k: &str| p.str(k).unwrap_or_default();
    html! {
        form.stack method="post" action="/visits" aria-labelledby="ask" {
            h2 #ask { "Ask to work from another space" }
            (alert(error))
            (csrf_field(frame.csrf))
            div {
                label for="host_space_acct" { "Host space " span.hint { "(its handle, e.g. space@example.org)" } }
                input #host_space_acct name="host_space_acct" type="text" required autocomplete="off" value=(v("host_space_acct"));
            }
            div { label for="date_from" { "First day" } input #date_from name="date_from" type="date" required value=(v("date_from")); }
            div { label for="date_to" { "Last day " span.hint { "(empty for one day)" } } input #date_to name="date_to" type="date" value=(v("date_to")); }
            div {
                label for="note" { "A word for the host " span.hint { "(optional)" } }
                textarea #note name="note" rows="2" maxlength="1000" { (v("note")) }
            }
            div { button type="submit" { "Ask to visit" } }
        }
    }
}

fn my_visits(frame: &Frame, list: &[VisitView], error: Option<&str>) -> Markup {
    html! {
        section aria-labelledby="mine" {
            h2 #mine { "Your visits" }
            (alert(error))
            @if list.is_empty() { p.muted { "You have not asked for a visit yet." } }
            @else {
                table {
                    thead { tr { th scope="col" { "Host space" } th scope="col" { "Days" } th scope="col" { "State" } th scope="col" { "Details" } th scope="col" { span.sr-only { "Action" } } } }
                    tbody {
                        @for v in list {
                            @let x = &v.visit;
                            tr {
                                td { (display_name(&v.host.account)) br; span.muted { (handle(&v.host.account)) } }
                                td { (days(v)) }
                                td { (state(x.state.as_str())) }
                                td {
                                    @match x.state {
                                        VisitState::Requested => { "On its way to the host space." }
                                        VisitState::Pending => { "The host space decides." }
                                        VisitState::Waitlisted => { "The space is full; you move up when a place frees." }
                                        _ => {}
                                    }
                                    @if let Some(by) = &x.cancelled_by { "Cancelled by " @if by == "visitor" { "you" } @else { "the host space" } "." }
                                    @if let Some(r) = &x.reason { " Reason: " (r) }
                                    @if let Some(t) = x.checked_in_at { " Arrived " (time(t)) "." }
                                    @if !x.note.is_empty() { br; span.muted { "Your note: " (x.note) } }
                                }
                                td {
                                    @if matches!(x.state, VisitState::Requested | VisitState::Pending | VisitState::Waitlisted | VisitState::Approved) {
                                        (row_button(frame, &format!("/visits/{}/cancel", x.id), "Cancel", &format!("the visit to {} on {}", display_name(&v.host.account), days(v)), "secondary"))
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// `form_error` goes with the request form, `list_error` with the list (a refused cancel).
async fn visits_page(
    ctx: &AppContext,
    viewer: &Viewer,
    p: &Params,
    done: Option<&str>,
    form_error: Option<&str>,
    list_error: Option<&str>,
) -> WebResult {
    let me = viewer.require()?;
    let list = visits::list(ctx, &member(me), "visitor", None, None).await?;
    let frame = viewer.frame();
    let main = html! {
        h1 { "My visits" }
        (notice(done))
        p.muted { "Work from a partner space for a day or more: your space vouches for you and the host space answers." }
        (request_form(&frame, p, form_error))
        (my_visits(&frame, &list, list_error))
    };
    let status = status(form_error.or(list_error));
    Ok(page_with(status, &frame, "My visits", main))
}

/// `GET /visits`
pub async fn mine(ctx: web::Data<AppContext>, viewer: Viewer, q: web::Query<Done>) -> WebResult {
    let p = Params::default();
    visits_page(&ctx, &viewer, &p, q.done.as_deref(), None, None).await
}

/// `POST /visits {host_space_acct, date_from, date_to, note}`
pub async fn request(ctx: web::Data<AppContext>, viewer: Viewer, p: Params) -> WebResult {
    viewer.check(&p)?;
    let me = viewer.require()?;
    let text = |k: &str| p.str(k).filter(|s| !s.trim().is_empty());
    let result = async {
        let host = text("host_space_acct")
            .ok_or_else(|| ValidationError::new("host_space_acct", "is required"))?;
        let from = text("date_from").unwrap_or_default();
        let to = text("date_to").unwrap_or_else(|| from.clone());
        let host = HostRef::Acct(host.trim().trim_start_matches('@').to_string());
        visits::request(&ctx, &member(me), host, &from, &to, text("note")).await
    }
    .await;
    match result {
        Ok(_) => Ok(redirect("/visits?done=visit_requested")),
        Err(e) => {
            let (_, m) = fixable(e)?;
            visits_page(&ctx, &viewer, &p, None, Some(&m), None).await
        }
    }
}

/// `POST /visits/{id}/cancel`: the visitor withdraws a request or cancels a visit.
pub async fn cancel(
    ctx: web::Data<AppContext>,
    viewer: Viewer,
    id: web::Path<VisitId>,
    p: Params,
) -> WebResult {
    viewer.check(&p)?;
    let me = viewer.require()?;
    match visits::cancel_own(&ctx, &member(me), &id).await {
        Ok(_) => Ok(redirect("/visits?done=visit_cancel_own")),
        Err(e) => {
            let (_, m) = fixable(e)?;
            visits_page(&ctx, &viewer, &Params::default(), None, None, Some(&m)).await
        }
    }
}

fn visitor_cell(v: &VisitView) -> Markup {
    html! {
        td {
            (display_name(&v.visitor)) br; span.muted { (handle(&v.visitor)) }
            @if !v.visit.note.is_empty() { br; span.muted { "Note: " (v.visit.note) } }
        }
        td { (display_name(&v.home.account)) }
        td { (days(v)) }
    }
}

/// `on` (`?date=...`) brings the desk back to the day it showed after a button.
fn desk_table(frame: &Frame, list: &[VisitView], on: &str) -> Markup {
    html! {
        table {
            thead { tr { th scope="col" { "Visitor" } th scope="col" { "Home space" } th scope="col" { "Days" } th scope="col" { "State" } th scope="col" { "At the desk" } } }
            tbody {
                @for v in list {
                    @let x = &v.visit;
                    @let url = |a: &str| format!("/admin/visits/{}/{a}{on}", x.id);
                    @let who = display_name(&v.visitor);
                    tr {
                        (visitor_cell(v))
                        td { (state(x.state.as_str())) }
                        td {
                            @if let Some(t) = x.checked_in_at { "Arrived " (time(t)) br; }
                            @if let Some(t) = x.checked_out_at { "Left " (time(t)) br; }
                            @match x.state {
                                VisitState::Approved => {
                                    (row_button(frame, &url("check_in"), "Check in", who, ""))
                                    " "
                                    (row_button(frame, &url("cancel"), "Cancel the visit", who, "secondary"))
                                }
                                VisitState::CheckedIn => { (row_button(frame, &url("check_out"), "Check out", who, "secondary")) }
                                VisitState::Pending | VisitState::Waitlisted => { span.muted { "To decide below" } }
                                _ => {}
                            }
                        }
                    }
                }
            }
        }
    }
}

fn waiting_table(frame: &Frame, list: &[VisitView], on: &str) -> Markup {
    html! {
        table {
            thead { tr { th scope="col" { "Visitor" } th scope="col" { "Home space" } th scope="col" { "Days" } th scope="col" { "State" } th scope="col" { "Decision" } } }
            tbody {
                @for v in list {
                    @let x = &v.visit;
                    @let what = format!("the request of {} for {}", display_name(&v.visitor), days(v));
                    tr {
                        (visitor_cell(v))
                        td { (state(x.state.as_str())) }
                        td {
                            (row_button(frame, &format!("/admin/visits/{}/approve{on}", x.id), "Approve", &what, ""))
                            form.inline method="post" action={ "/admin/visits/" (x.id) "/reject" (on) } {
                                (csrf_field(frame.csrf))
                                label for={ "reason-" (x.id) } { "Reason " span.hint { "(optional)" } }
                                input id={ "reason-" (x.id) } name="reason" type="text" maxlength="500";
                                " " button.secondary type="submit" { "Reject" span.sr-only { " " (what) } }
                            }
                        }
                    }
                }
            }
        }
    }
}

async fn desk_page(
    ctx: &AppContext,
    viewer: &Viewer,
    date: Option<NaiveDate>,
    done: Option<&str>,
    error: Option<&str>,
) -> WebResult {
    let me = viewer.require()?;
    let who = member(me);
    let (day, today) = visits::front_desk(ctx, &who, date).await?;
    let mut waiting = visits::list(ctx, &who, "host", Some("pending"), None).await?;
    waiting.extend(visits::list(ctx, &who, "host", Some("waitlisted"), None).await?);
    let frame = viewer.frame();
    let on = date.map(|d| format!("?date={d}")).unwrap_or_default();
    let main = html! {
        h1 { "Visits" }
        (admin_nav())
        (notice(done))
        (alert(error))
        section aria-labelledby="desk" {
            h2 #desk { "Front desk, " (day.to_string()) }
            form.stack method="get" action="/admin/visits" {
                div { label for="desk-date" { "Another day" } input #desk-date name="date" type="date" value=(day.to_string()); }
                div { button.secondary type="submit" { "Show that day" } }
            }
            @if today.is_empty() { p.muted { "No visitors that day." } }
            @else { (desk_table(&frame, &today, &on)) }
        }
        section aria-labelledby="waiting" {
            h2 #waiting { "Requests to decide" }
            @if waiting.is_empty() { p.muted { "No request waits for a decision." } }
            @else { (waiting_table(&frame, &waiting, &on)) }
        }
    };
    Ok(page_with(status(error), &frame, "Visits", main))
}

/// `GET /admin/visits?date=YYYY-MM-DD` (today by default)
pub async fn desk(ctx: web::Data<AppContext>, viewer: Viewer, q: Params) -> WebResult {
    let date = parse_day(q.str("date").as_deref())?;
    desk_page(&ctx, &viewer, date, q.str("done").as_deref(), None).await
}

/// `POST /admin/visits/{id}/{approve|reject|check_in|check_out|cancel}?date= {reason}`
pub async fn host_act(
    ctx: web::Data<AppContext>,
    viewer: Viewer,
    path: web::Path<(VisitId, String)>,
    p: Params,
) -> WebResult {
    viewer.check(&p)?;
    let me = viewer.require()?;
    let (id, action) = path.into_inner();
    if !matches!(
        action.as_str(),
        "approve" | "reject" | "check_in" | "check_out" | "cancel"
    ) {
        return Err(WebError::NotFound);
    }
    let date = parse_day(p.str("date").as_deref())?;
    match visits::act_as_host(&ctx, &member(me), &id, &action, p.str("reason")).await {
        Ok(_) => {
            let on = date.map(|d| format!("&date={d}")).unwrap_or_default();
            Ok(redirect(&format!("/admin/visits?done=visit_{action}{on}")))
        }
        Err(e) => {
            let (_, m) = fixable(e)?;
            desk_page(&ctx, &viewer, date, None, Some(&m)).await
        }
    }
}

fn terms_text(t: &Terms) -> String {
    let mut out = match t.free_days_per_member_per_month {
        Some(n) => format!("{n} free days per member per month"),
        None => "unlimited free days".to_string(),
    };
    if let Some(m) = &t.day_price {
        out.push_str(&format!(", then {} {} a day", m.amount, m.currency));
    }
    out.push_str(&format!("; {} approval; ", t.approval));
    match t.advance_notice_hours {
        0 => out.push_str("no notice needed"),
        h => out.push_str(&format!("{h} hours' notice")),
    }
    if let Some(n) = t.max_visitors_per_day {
        out.push_str(&format!("; at most {n} visitors a day"));
    }
    out.push_str(&format!("; open {}", t.days_open.join(", ")));
    out
}

fn propose_form(frame: &Frame, p: &Params, error: Option<&str>) -> Markup {
    let v = |k: &str| p.str(k).unwrap_or_default();
    let fresh = p.str("csrf").is_none();
    let open = p.list("days_open");
    let approval = p.str("approval").unwrap_or_else(|| "automatic".into());
    html! {
        form.stack method="post" action="/admin/partnerships" aria-labelledby="propose" {
            h2 #propose { "Propose a partnership" }
            (alert(error))
            (csrf_field(frame.csrf))
            div {
                label for="space_acct" { "Partner space " span.hint { "(its handle, e.g. space@example.org)" } }
                input #space_acct name="space_acct" type="text" required autocomplete="off" value=(v("space_acct"));
            }
            div {
                label for="free_days" { "Free days per member per month " span.hint { "(empty for unlimited)" } }
                input #free_days name="free_days" type="number" min="0" max="31" value=(if fresh { "3".to_string() } else { v("free_days") });
            }
            div {
                label for="approval" { "Approval" }
                select #approval name="approval" {
                    @for (k, l) in [("automatic", "Automatic, within the terms"), ("manual", "Manual, by a host")] {
                        option value=(k) selected[k == approval] { (l) }
                    }
                }
            }
            div {
                label for="notice_hours" { "Advance notice (hours)" }
                input #notice_hours name="notice_hours" type="number" min="0" required value=(if fresh { "24".to_string() } else { v("notice_hours") });
            }
            div {
                label for="max_visitors" { "Visitors per day at most " span.hint { "(empty for no limit)" } }
                input #max_visitors name="max_visitors" type="number" min="1" value=(v("max_visitors"));
            }
            fieldset {
                legend { "Days open to their members" }
                @for (i, l) in WEEK.iter().enumerate() {
                    @let k = l[..3].to_lowercase();
                    div.check {
                        input id={ "open-" (k) } type="checkbox" name="days_open[]" value=(k) checked[if fresh { i < 5 } else { open.contains(&k) }];
                        " " label for={ "open-" (k) } { (l) }
                    }
                }
            }
            div { button type="submit" { "Propose" } }
        }
    }
}

fn partnership_row(frame: &Frame, v: &PartnershipView, operator: bool) -> Markup {
    let p = &v.partnership;
    let name = display_name(&v.partner.account);
    let url = |a: &str| format!("/admin/partnerships/{}/{a}", p.id);
    let theirs = p.pending_terms.is_some() && !p.pending_from_us;
    html! {
        tr {
            td { (name) br; span.muted { (handle(&v.partner.account)) } }
            td { (state(p.state.as_str())) @if let Some(r) = &p.reason { br; span.muted { "Reason: " (r) } } }
            td { (terms_text(&v.terms)) }
            td {
                @if let Some(t) = &v.pending_terms {
                    (terms_text(t)) br;
                    span.muted { @if p.pending_from_us { "proposed by us" } @else { "proposed by them" } }
                } @else { span.muted { "none" } }
            }
            @if operator {
                td {
                    @if p.state == PartnershipState::Received || (p.state == PartnershipState::Active && theirs) {
                        @let what = if theirs { format!("the new terms of {name}") } else { format!("the partnership with {name}") };
                        (row_button(frame, &url("accept"), "Accept", &what, "")) " "
                        (row_button(frame, &url("reject"), "Reject", &what, "secondary")) " "
                    }
                    @if matches!(p.state, PartnershipState::Proposed | PartnershipState::Active) {
                        (row_button(frame, &url("end"), "End", &format!("the partnership with {name}"), "danger"))
                    }
                }
            }
        }
    }
}

async fn partnerships_page(
    ctx: &AppContext,
    viewer: &Viewer,
    p: &Params,
    done: Option<&str>,
    form_error: Option<&str>,
    list_error: Option<&str>,
) -> WebResult {
    let me = viewer.require()?;
    let list = partnerships::list(ctx, &me.member.user, None).await?;
    let operator = Role::parse(&me.member.user.role) == Ok(Role::Operator);
    let frame = viewer.frame();
    let main = html! {
        h1 { "Partnerships" }
        (admin_nav())
        (notice(done))
        @if !operator { p.muted { "Operators propose, answer and end partnerships; hosts see them." } }
        section aria-labelledby="partners" {
            h2 #partners { "Partner spaces" }
            (alert(list_error))
            @if list.is_empty() { p.muted { "No partnership yet." } }
            @else {
                table {
                    thead { tr {
                        th scope="col" { "Partner" } th scope="col" { "State" } th scope="col" { "Terms" } th scope="col" { "New terms waiting" }
                        @if operator { th scope="col" { span.sr-only { "Actions" } } }
                    } }
                    tbody { @for v in &list { (partnership_row(&frame, v, operator)) } }
                }
            }
        }
        @if operator { (propose_form(&frame, p, form_error)) }
    };
    let status = status(form_error.or(list_error));
    Ok(page_with(status, &frame, "Partnerships", main))
}

/// `GET /admin/partnerships`
pub async fn partnerships_list(
    ctx: web::Data<AppContext>,
    viewer: Viewer,
    q: web::Query<Done>,
) -> WebResult {
    let p = Params::default();
    partnerships_page(&ctx, &viewer, &p, q.done.as_deref(), None, None).await
}

/// A whole number from the form, or `None` when the field is empty.
fn number(p: &Params, key: &'static str) -> Result<Option<u32>, ValidationError> {
    match p.str(key).filter(|s| !s.trim().is_empty()) {
        None => Ok(None),
        Some(n) => n
            .trim()
            .parse()
            .map(Some)
            .map_err(|_| ValidationError::new(key, "must be a whole number from 0, or empty")),
    }
}

/// `POST /admin/partnerships {space_acct, free_days, approval, notice_hours, max_visitors, days_open[]}`
pub async fn propose(ctx: web::Data<AppContext>, viewer: Viewer, p: Params) -> WebResult {
    viewer.check(&p)?;
    let me = viewer.require()?;
    let result = async {
        let terms = Terms {
            free_days_per_member_per_month: number(&p, "free_days")?,
            day_price: None,
            approval: p.str("approval").unwrap_or_default(),
            advance_notice_hours: number(&p, "notice_hours")?.unwrap_or(0),
            max_visitors_per_day: number(&p, "max_visitors")?,
            days_open: p.list("days_open"),
        };
        let acct = p.str("space_acct").unwrap_or_default();
        let acct = acct.trim().trim_start_matches('@');
        partnerships::propose(&ctx, &me.member.user, acct, &terms).await
    }
    .await;
    match result {
        Ok(_) => Ok(redirect("/admin/partnerships?done=partnership_proposed")),
        Err(e) => {
            let (_, m) = fixable(e)?;
            partnerships_page(&ctx, &viewer, &p, None, Some(&m), None).await
        }
    }
}

/// `POST /admin/partnerships/{id}/{accept|reject|end} {reason}`
pub async fn partnership_act(
    ctx: web::Data<AppContext>,
    viewer: Viewer,
    path: web::Path<(PartnershipId, String)>,
    p: Params,
) -> WebResult {
    viewer.check(&p)?;
    let me = viewer.require()?;
    let (id, action) = path.into_inner();
    let user = &me.member.user;
    let reason = p.str("reason");
    let result = match action.as_str() {
        "accept" => partnerships::accept(&ctx, user, &id).await,
        "reject" => partnerships::reject(&ctx, user, &id, reason).await,
        "end" => partnerships::end(&ctx, user, &id, reason).await,
        _ => return Err(WebError::NotFound),
    };
    match result {
        Ok(_) => Ok(redirect(&format!(
            "/admin/partnerships?done=partnership_{action}"
        ))),
        Err(e) => {
            let (_, m) = fixable(e)?;
            partnerships_page(&ctx, &viewer, &Params::default(), None, None, Some(&m)).await
        }
    }
}
