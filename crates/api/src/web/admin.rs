//! Operator pages: dashboard, members and invites, space settings, federation health and
//! domain blocks, reports.

use super::parts::{self, display_name, handle};
use super::session::Done;
use super::session::{fixable, redirect, Viewer, WebError, WebResult};
use crate::extract::Params;
use crate::layout::{alert, csrf_field, notice, page, page_with, Frame};
use actix_web::web;
use interspace_app::members::{self, Member, MemberAction};
use interspace_app::reports::{self, ReportAction};
use interspace_app::sessions::SignedIn;
use interspace_app::spaces::{self, Money, SpaceUpdate};
use interspace_app::{domains, outbox, registrations, AppContext, AppError};
use interspace_core::roles::Role;
use maud::{html, Markup};

/// Hosts see the dashboard and reports; operators change things.
fn staff(viewer: &Viewer) -> Result<&SignedIn, WebError> {
    let me = viewer.require()?;
    members::require_staff(&me.member.user)?;
    Ok(me)
}

fn operator(viewer: &Viewer) -> Result<&SignedIn, WebError> {
    let me = viewer.require()?;
    members::require_operator(&me.member.user)?;
    Ok(me)
}

pub(super) fn admin_nav() -> Markup {
    html! {
        nav aria-label="Administration" {
            ul {
                li { a href="/admin" { "Dashboard" } }
                li { a href="/admin/members" { "Members" } }
                li { a href="/admin/space" { "Space settings" } }
                li { a href="/admin/federation" { "Federation" } }
                li { a href="/admin/reports" { "Reports" } }
                li { a href="/admin/visits" { "Visits" } }
                li { a href="/admin/partnerships" { "Partnerships" } }
            }
        }
    }
}

/// `GET /admin`
pub async fn dashboard(ctx: web::Data<AppContext>, viewer: Viewer) -> WebResult {
    staff(&viewer)?;
    let space = spaces::show(&ctx).await?;
    let all = members::list(&ctx).await?;
    let pending: Vec<&Member> = all.iter().filter(|m| !m.user.approved).collect();
    let open_reports = reports::count_open(&ctx).await?;
    let (queued, failed, _) = outbox::depth(&ctx).await?;
    let frame = viewer.frame();
    let main = html! {
        h1 { "Dashboard" }
        (admin_nav())
        div.grid {
            div.card { span.stat { (space.members_count) } "members" }
            div.card { span.stat { (pending.len()) } a href="/admin/members" { "pending sign-ups" } }
            div.card { span.stat { (open_reports) } a href="/admin/reports" { "open reports" } }
            div.card { span.stat { (queued) } a href="/admin/federation" { "deliveries queued" } " (" (failed) " given up)" }
        }
        section aria-labelledby="visitors" {
            h2 #visitors { "Today's visitors" }
            p { a href="/admin/visits" { "Open the front desk" } ": today's visitors and the requests to decide. Visitors come from the " a href="/admin/partnerships" { "partner spaces" } "." }
        }
        @if !pending.is_empty() {
            section aria-labelledby="pending" {
                h2 #pending { "Waiting for approval" }
                (members_table(&frame, &pending))
            }
        }
    };
    Ok(page(&frame, "Dashboard", main))
}

fn members_table(frame: &Frame, list: &[&Member]) -> Markup {
    html! {
        table {
            thead { tr { th scope="col" { "Member" } th scope="col" { "E-mail" } th scope="col" { "Role" } th scope="col" { "State" } th scope="col" { "Actions" } } }
            tbody {
                @for m in list {
                    @let a = &m.account;
                    @let action = format!("/admin/members/{}", a.id);
                    tr {
                        td { a href={ "/@" (a.username) } { (display_name(a)) } br; span.muted { (handle(a)) } }
                        td { (m.user.email) }
                        td {
                            form.inline method="post" action=(action) {
                                (csrf_field(frame.csrf))
                                input type="hidden" name="action" value="role";
                                label.sr-only for={ "role-" (a.id) } { "Role of " (a.username) }
                                select id={ "role-" (a.id) } name="role" {
                                    @for r in [Role::Member, Role::Host, Role::Operator] {
                                        option value=(r.as_str()) selected[m.role() == r] { (r.as_str()) }
                                    }
                                }
                                " " button.secondary type="submit" { "Set role" }
                            }
                        }
                        td {
                            @if a.suspended_at.is_some() { "suspended" }
                            @else if !m.user.approved { "waiting for approval" @if let Some(r) = &m.user.reason { br; span.muted { (r) } } }
                            @else { "active" }
                        }
                        td {
                            @if !m.user.approved { (action_button(frame, &action, "approve", "Approve", "")) " " }
                            @if a.suspended_at.is_some() { (action_button(frame, &action, "unsuspend", "Unsuspend", "secondary")) }
                            @else { (action_button(frame, &action, "suspend", "Suspend", "danger")) }
                            " " (action_button(frame, &action, "reset", "Reset link", "secondary"))
                        }
                    }
                }
            }
        }
    }
}

fn action_button(frame: &Frame, url: &str, action: &str, label: &str, class: &str) -> Markup {
    html! {
        form.inline method="post" action=(url) {
            (csrf_field(frame.csrf))
            input type="hidden" name="action" value=(action);
            button type="submit" class=(class) { (label) }
        }
    }
}

async fn members_page(
    ctx: &AppContext,
    viewer: &Viewer,
    done: Option<&str>,
    extra: Markup,
    error: Option<&str>,
) -> WebResult {
    operator(viewer)?;
    let all = members::list(ctx).await?;
    let list: Vec<&Member> = all.iter().collect();
    let invites = registrations::list_invites(ctx).await?;
    let frame = viewer.frame();
    let main = html! {
        h1 { "Members" }
        (admin_nav())
        (notice(done))
        (alert(error))
        (extra)
        section aria-labelledby="invite" {
            h2 #invite { "Invite someone" }
            form.stack method="post" action="/admin/invites" {
                (csrf_field(frame.csrf))
                div {
                    label for="invite-email" {
                        "Their e-mail "
                        span.hint {
                            @if interspace_app::mail::enabled(ctx) { "(optional: the link is mailed to it)" }
                            @else { "(optional: you get a link to send them)" }
                        }
                    }
                    input #invite-email name="email" type="email" autocomplete="off";
                }
                div {
                    label for="invite-role" { "They join as" }
                    select #invite-role name="role" {
                        option value="member" selected { "member" }
                        option value="host" { "host" }
                        option value="operator" { "operator" }
                    }
                }
                div {
                    label for="invite-uses" { "How many people can use it" }
                    input #invite-uses name="max_uses" type="number" min="1" value="1";
                }
                div {
                    label for="invite-days" { "Valid for (days)" }
                    input #invite-days name="expires_in_days" type="number" min="1" max="3650" value="7";
                }
                div { button type="submit" { "Create invite" } }
            }
        }
        section aria-labelledby="all" {
            h2 #all { "All members" }
            (members_table(&frame, &list))
        }
        section aria-labelledby="invites" {
            h2 #invites { "Invites" }
            @if invites.is_empty() { p.muted { "No invites yet." } }
            @else {
                table {
                    thead { tr { th scope="col" { "Code" } th scope="col" { "For" } th scope="col" { "Used" } th scope="col" { "Expires" } } }
                    tbody {
                        @for i in &invites {
                            tr {
                                td { code { (i.code) } }
                                td { (i.email.as_deref().unwrap_or("anyone with the link")) }
                                td { (i.uses) @if let Some(m) = i.max_uses { " of " (m) } }
                                td { @if let Some(e) = i.expires_at { (parts::time(e)) } @else { "never" } }
                            }
                        }
                    }
                }
            }
        }
    };
    let status = if error.is_some() {
        actix_web::http::StatusCode::UNPROCESSABLE_ENTITY
    } else {
        actix_web::http::StatusCode::OK
    };
    Ok(page_with(status, &frame, "Members", main))
}

/// `GET /admin/members`
pub async fn members_list(
    ctx: web::Data<AppContext>,
    viewer: Viewer,
    q: web::Query<Done>,
) -> WebResult {
    members_page(&ctx, &viewer, q.done.as_deref(), html! {}, None).await
}

/// `POST /admin/invites {email, max_uses, expires_in_days}`: shows the link to hand out.
pub async fn create_invite(ctx: web::Data<AppContext>, viewer: Viewer, p: Params) -> WebResult {
    let me = operator(&viewer)?;
    viewer.check(&p)?;
    let number = |k: &'static str, min: i64, max: i64| -> Result<Option<i64>, AppError> {
        match p
            .str(k)
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
        {
            None => Ok(None),
            Some(v) => v
                .parse::<i64>()
                .ok()
                .filter(|n| (min..=max).contains(n))
                .map(Some)
                .ok_or_else(|| {
                    interspace_core::ValidationError::new(
                        k,
                        format!("must be a whole number from {min} to {max}"),
                    )
                    .into()
                }),
        }
    };
    let result = async {
        let uses = number("max_uses", 1, 10_000)?;
        let days = number("expires_in_days", 1, 3650)?;
        let role = match p.str("role").filter(|r| !r.trim().is_empty()) {
            Some(r) => Role::parse(&r)?,
            None => Role::Member,
        };
        registrations::create_invite(
            &ctx,
            registrations::NewInvite {
                created_by: Some(&me.member.user.id),
                max_uses: uses.map(|n| n as i32),
                expires_in_days: days,
                email: p.str("email").as_deref(),
                role,
            },
        )
        .await
    }
    .await;
    match result {
        Ok(invite) => {
            let link = registrations::invite_url(&ctx, &invite);
            let mail = invite.email.as_ref().map(|e| {
                let body: String = url::form_urlencoded::byte_serialize(
                    format!("Join our space on Interspace: {link}").as_bytes(),
                )
                .collect();
                format!("mailto:{e}?subject=Your%20invitation&body={body}")
            });
            let extra = html! {
                section.notice role="status" aria-labelledby="new-invite" {
                    h2 #new-invite { "Invite created" }
                    @if invite.email.is_some() && interspace_app::mail::enabled(&ctx) {
                        p { "The link was mailed to " (invite.email.as_deref().unwrap_or_default()) ": " a #invite-link href=(link) { (link) } }
                    } @else {
                        p { "Send this link: " a #invite-link href=(link) { (link) } }
                        @if let Some(m) = mail { p { a href=(m) { "Open it in your e-mail program" } } }
                    }
                }
            };
            members_page(&ctx, &viewer, None, extra, None).await
        }
        Err(e) => {
            let (_, m) = fixable(e)?;
            members_page(&ctx, &viewer, None, html! {}, Some(&m)).await
        }
    }
}

/// `POST /admin/members/{account_id} {action: role|approve|suspend|unsuspend|reset, role}`
pub async fn member_action(
    ctx: web::Data<AppContext>,
    viewer: Viewer,
    id: web::Path<String>,
    p: Params,
) -> WebResult {
    let me = operator(&viewer)?;
    viewer.check(&p)?;
    let action = match p.str("action").as_deref() {
        Some("role") => MemberAction::SetRole(
            Role::parse(&p.str("role").unwrap_or_default()).map_err(AppError::from)?,
        ),
        Some("approve") => MemberAction::Approve,
        Some("suspend") => MemberAction::Suspend,
        Some("unsuspend") => MemberAction::Unsuspend,
        Some("reset") => {
            let link = interspace_app::sessions::issue_reset(&ctx, &me.member.user, &id).await?;
            let extra = html! {
                section.notice role="status" aria-labelledby="reset" {
                    h2 #reset { "Password reset link" }
                    p { "Give this link to the member; it works once, for 2 days: " a #reset-link href=(link) { (link) } }
                }
            };
            return members_page(&ctx, &viewer, None, extra, None).await;
        }
        _ => return Err(WebError::BadRequest("unknown action".into())),
    };
    match members::act(&ctx, &me.member.user, &id, action).await {
        Ok(_) => Ok(redirect("/admin/members?done=member")),
        Err(e) => {
            let (_, m) = fixable(e)?;
            members_page(&ctx, &viewer, None, html! {}, Some(&m)).await
        }
    }
}

fn space_form(
    frame: &Frame,
    s: &spaces::SpaceDetails,
    error: Option<&str>,
    done: Option<&str>,
) -> Markup {
    let loc = &s.location;
    let note = interspace_core::html::to_text(&s.account.note);
    let policy = &s.visit_policy;
    let text = |id: &str, name: &str, label: &str, value: &str| {
        html! {
            div { label for=(id) { (label) } input id=(id) name=(name) type="text" value=(value); }
        }
    };
    html! {
        h1 { "Space settings" }
        (admin_nav())
        (notice(done))
        (alert(error))
        form.stack method="post" action="/admin/space" {
            (csrf_field(frame.csrf))
            (text("space-name", "name", "Name", &s.account.display_name))
            div { label for="space-summary" { "Description" } textarea #space-summary name="summary" maxlength="500" { (note) } }
            fieldset {
                legend { "Address" }
                (text("space-street", "address", "Street", loc.street.as_deref().unwrap_or_default()))
                (text("space-postal", "postal_code", "Postal code", loc.postal_code.as_deref().unwrap_or_default()))
                (text("space-city", "locality", "City", loc.locality.as_deref().unwrap_or_default()))
                (text("space-country", "country", "Country", loc.country.as_deref().unwrap_or_default()))
            }
            (text("space-hours", "hours", "Opening hours", &s.space.hours))
            (text("space-tz", "timezone", "Time zone (IANA, for example Europe/Paris)", &s.space.timezone))
            div {
                label for="space-price" { "Day price " span.hint { "(for example 25.00; empty for none)" } }
                input #space-price name="day_price_amount" type="text" inputmode="decimal" value=(s.day_price.as_ref().map(|p| p.amount.as_str()).unwrap_or_default());
            }
            (text("space-currency", "day_price_currency", "Currency (ISO code)", s.day_price.as_ref().map(|p| p.currency.as_str()).unwrap_or("EUR")))
            div {
                label for="space-policy" { "Visit policy" }
                select #space-policy name="visit_policy" {
                    @for (v, l) in [("closed", "Closed to visitors"), ("partners_only", "Members of partner spaces only"), ("on_request", "Anyone, on request"), ("open", "Open to anyone")] {
                        option value=(v) selected[policy.mode == v] { (l) }
                    }
                }
            }
            div { button type="submit" { "Save settings" } }
        }
    }
}

/// `GET /admin/space`
pub async fn space_page(
    ctx: web::Data<AppContext>,
    viewer: Viewer,
    q: web::Query<Done>,
) -> WebResult {
    operator(&viewer)?;
    let s = spaces::show(&ctx).await?;
    let frame = viewer.frame();
    Ok(page(
        &frame,
        "Space settings",
        space_form(&frame, &s, None, q.done.as_deref()),
    ))
}

/// `POST /admin/space`
pub async fn space(ctx: web::Data<AppContext>, viewer: Viewer, p: Params) -> WebResult {
    let me = operator(&viewer)?;
    viewer.check(&p)?;
    let current = spaces::show(&ctx).await?;
    let amount = p
        .str("day_price_amount")
        .unwrap_or_default()
        .trim()
        .to_string();
    let day_price = if amount.is_empty() {
        Some(None)
    } else {
        Some(Some(Money {
            amount,
            currency: p
                .str("day_price_currency")
                .unwrap_or_default()
                .trim()
                .to_uppercase(),
        }))
    };
    let mut policy = current.visit_policy.clone();
    if let Some(mode) = p.str("visit_policy") {
        policy.mode = mode;
    }
    let change = SpaceUpdate {
        name: p.str("name"),
        summary: p.str("summary"),
        address: p.str("address"),
        postal_code: p.str("postal_code"),
        locality: p.str("locality"),
        country: p.str("country"),
        hours: p.str("hours"),
        timezone: p.str("timezone"),
        day_price,
        visit_policy: Some(policy),
        ..Default::default()
    };
    match spaces::update_by(&ctx, &me.member.user, &current.space.id, change).await {
        Ok(_) => Ok(redirect("/admin/space?done=space")),
        Err(e) => {
            let (status, m) = fixable(e)?;
            let frame = viewer.frame();
            Ok(page_with(
                status,
                &frame,
                "Space settings",
                space_form(&frame, &current, Some(&m), None),
            ))
        }
    }
}

/// `GET /admin/federation`: known servers, delivery health, domain blocks.
pub async fn federation(
    ctx: web::Data<AppContext>,
    viewer: Viewer,
    q: web::Query<Done>,
) -> WebResult {
    operator(&viewer)?;
    federation_page(&ctx, &viewer, q.done.as_deref(), None).await
}

async fn federation_page(
    ctx: &AppContext,
    viewer: &Viewer,
    done: Option<&str>,
    error: Option<&str>,
) -> WebResult {
    let list = domains::overview(ctx).await?;
    let (queued, failed, events) = outbox::depth(ctx).await?;
    let frame = viewer.frame();
    let main = html! {
        h1 { "Federation" }
        (admin_nav())
        (notice(done))
        (alert(error))
        p { (queued) " deliveries queued, " (failed) " given up, " (events) " activities waiting to be sent." }
        section aria-labelledby="block" {
            h2 #block { "Block a domain" }
            p.muted { "Nothing is accepted from a blocked server or sent to it; follows with its accounts end. A block covers its subdomains." }
            form.stack method="post" action="/admin/domains" {
                (csrf_field(frame.csrf))
                div { label for="block-domain" { "Domain" } input #block-domain name="domain" type="text" required autocomplete="off"; }
                div { label for="block-reason" { "Reason " span.hint { "(for the other operators)" } } input #block-reason name="reason" type="text"; }
                div { button.danger type="submit" { "Block" } }
            }
        }
        section aria-labelledby="servers" {
            h2 #servers { "Known servers" }
            @if list.is_empty() { p.muted { "No other server known yet." } }
            @else {
                table {
                    thead { tr { th scope="col" { "Domain" } th scope="col" { "Accounts" } th scope="col" { "Queued" } th scope="col" { "State" } th scope="col" { span.sr-only { "Action" } } } }
                    tbody {
                        @for d in &list {
                            @let st = d.state.as_ref();
                            tr {
                                td { (d.domain) }
                                td { (d.accounts) }
                                td { (d.pending_deliveries) }
                                td {
                                    @if let Some(b) = st.and_then(|s| s.blocked_at) { "blocked since " (parts::time(b)) @if let Some(r) = st.and_then(|s| s.block_reason.as_deref()) { br; span.muted { (r) } } }
                                    @else if let Some(u) = st.and_then(|s| s.unavailable_at) { "unavailable since " (parts::time(u)) }
                                    @else if st.is_some_and(|s| s.failures > 0) { (st.map(|s| s.failures).unwrap_or_default()) " failed attempts" }
                                    @else { "ok" }
                                }
                                td {
                                    @if st.is_some_and(|s| s.blocked_at.is_some()) {
                                        form.inline method="post" action="/admin/domains/unblock" {
                                            (csrf_field(frame.csrf))
                                            input type="hidden" name="domain" value=(d.domain);
                                            button.secondary type="submit" { "Unblock" }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    let status = if error.is_some() {
        actix_web::http::StatusCode::UNPROCESSABLE_ENTITY
    } else {
        actix_web::http::StatusCode::OK
    };
    Ok(page_with(status, &frame, "Federation", main))
}

/// `POST /admin/domains {domain, reason}`
pub async fn domain_block(ctx: web::Data<AppContext>, viewer: Viewer, p: Params) -> WebResult {
    domain_change(&ctx, &viewer, &p, true).await
}

/// `POST /admin/domains/unblock {domain}`
pub async fn domain_unblock(ctx: web::Data<AppContext>, viewer: Viewer, p: Params) -> WebResult {
    domain_change(&ctx, &viewer, &p, false).await
}

async fn domain_change(ctx: &AppContext, viewer: &Viewer, p: &Params, block: bool) -> WebResult {
    operator(viewer)?;
    viewer.check(p)?;
    let domain = p.str("domain").unwrap_or_default();
    let result = if block {
        let reason = p.str("reason").filter(|r| !r.trim().is_empty());
        domains::block(ctx, &domain, reason.as_deref())
            .await
            .map(|_| "blocked")
    } else {
        domains::unblock(ctx, &domain).await.map(|_| "unblocked")
    };
    match result {
        Ok(done) => Ok(redirect(&format!("/admin/federation?done={done}"))),
        Err(e) => {
            let (_, m) = fixable(e)?;
            federation_page(ctx, viewer, None, Some(&m)).await
        }
    }
}

/// `GET /admin/reports`
pub async fn reports_list(
    ctx: web::Data<AppContext>,
    viewer: Viewer,
    q: web::Query<Done>,
) -> WebResult {
    let me = staff(&viewer)?;
    let list = reports::list(&ctx, &me.member.user, false).await?;
    let frame = viewer.frame();
    let main = html! {
        h1 { "Reports" }
        (admin_nav())
        (notice(q.done.as_deref()))
        @if list.is_empty() { p.muted { "No reports." } }
        @else {
            table {
                thead { tr { th scope="col" { "About" } th scope="col" { "By" } th scope="col" { "Reason" } th scope="col" { "Filed" } th scope="col" { "State" } } }
                tbody {
                    @for r in &list {
                        tr {
                            td { a href={ "/admin/reports/" (r.report.id) } { (handle(&r.target)) } }
                            td { (handle(&r.reporter)) }
                            td { (r.report.category) }
                            td { (parts::time(r.report.created_at)) }
                            td { @if let Some(res) = &r.report.resolution { "resolved: " (res.replace('_', " ")) } @else { strong { "open" } } }
                        }
                    }
                }
            }
        }
    };
    Ok(page(&frame, "Reports", main))
}

/// `GET /admin/reports/{id}`
pub async fn report(
    ctx: web::Data<AppContext>,
    viewer: Viewer,
    id: web::Path<String>,
) -> WebResult {
    let me = staff(&viewer)?;
    let r = reports::get(&ctx, &me.member.user, &id).await?;
    let frame = viewer.frame();
    let url = format!("/admin/reports/{}", r.report.id);
    let local = r.target.is_local();
    let main = html! {
        h1 { "Report about " (handle(&r.target)) }
        (admin_nav())
        dl.facts {
            dt { "Reported account" } dd { a href=(parts::account_href(&frame, &r.target)) { (display_name(&r.target)) } " " (handle(&r.target)) }
            dt { "Reported by" } dd { (handle(&r.reporter)) @if !r.reporter.is_local() { " (their server sent it)" } }
            dt { "Reason" } dd { (r.report.category) }
            dt { "Comment" } dd { @if r.report.comment.is_empty() { span.muted { "none" } } @else { (r.report.comment) } }
            dt { "Filed" } dd { (parts::time(r.report.created_at)) }
            @if r.report.forwarded { dt { "Forwarded" } dd { "A copy went to " (r.target.domain.as_deref().unwrap_or_default()) } }
            dt { "State" } dd { @if let Some(res) = &r.report.resolution { "resolved: " (res.replace('_', " ")) } @else { "open" } }
        }
        @if !r.statuses.is_empty() {
            h2 { "Reported posts" }
            @for s in &r.statuses { article.card { div { (crate::layout::safe_html(&s.content)) } footer { (parts::time(s.created_at)) } } }
        }
        @if r.report.action_taken_at.is_none() {
            h2 { "Resolve" }
            p {
                (action_button(&frame, &url, "dismiss", "Resolve without action", "secondary")) " "
                @if local { (action_button(&frame, &url, "suspend", "Suspend the account", "danger")) }
                @else {
                    (action_button(&frame, &url, "silence", "Silence the account", "danger")) " "
                    (action_button(&frame, &url, "block_domain", "Block their server", "danger"))
                }
            }
        }
    };
    Ok(page(&frame, "Report", main))
}

/// `POST /admin/reports/{id} {action}`
pub async fn resolve_report(
    ctx: web::Data<AppContext>,
    viewer: Viewer,
    id: web::Path<String>,
    p: Params,
) -> WebResult {
    let me = operator(&viewer)?;
    viewer.check(&p)?;
    let action = ReportAction::parse(&p.str("action").unwrap_or_default())?;
    reports::resolve(&ctx, &me.member.user, &id, action).await?;
    Ok(redirect("/admin/reports?done=resolved"))
}
