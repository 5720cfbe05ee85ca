//! The post that carries a public opportunity into Mastodon timelines (its text is also the
//! Note's `content` on the wire).

use super::OpportunityView;
use crate::signals::Events;
use crate::spaces::SpaceDetails;
use crate::AppResult;
use interspace_core::html::{escape, sanitize};
use interspace_core::opportunities::{Status, Visibility};
use interspace_db::opportunities::Opportunity;
use interspace_db::DbConn;

/// The post of an opportunity: what it is, skills as hashtags, where, budget, deadline, its
/// status when not open, the description and the link.
pub fn post_html(v: &OpportunityView, link: &str) -> String {
    let o = &v.opportunity;
    let mut lines = vec![format!(
        "{} \u{00B7} {}",
        kind_label(&o.kind),
        where_text(o, v.location_space.as_ref())
    )];
    if let Some(b) = &v.budget {
        lines.push(format!("Budget: {}", b.text()));
    }
    if let Some(d) = o.deadline {
        lines.push(format!("Apply by {d}"));
    }
    if o.team_size > 1 {
        lines.push(format!("Team of {}", o.team_size));
    }
    if o.status != Status::Open.as_str() {
        lines.push(format!("Status: {}", o.status.replace('_', " ")));
    }
    let lines: Vec<String> = lines.iter().map(|l| escape(l)).collect();
    let tags: Vec<String> = v
        .skills
        .iter()
        .map(|t| {
            format!(
                "<a href=\"{}\" class=\"mention hashtag\" rel=\"tag\">#<span>{}</span></a>",
                escape(&format!("{}/tags/{t}", link_base(link))),
                escape(t)
            )
        })
        .collect();
    sanitize(&format!(
        "<p><strong>{}</strong></p><p>{}</p>{}{}<p><a href=\"{link}\">{link}</a></p>",
        escape(&o.title),
        lines.join("<br>"),
        if tags.is_empty() {
            String::new()
        } else {
            format!("<p>{}</p>", tags.join(" "))
        },
        o.description,
        link = escape(link),
    ))
}

fn link_base(link: &str) -> String {
    url::Url::parse(link)
        .map(|u| u.origin().ascii_serialization())
        .unwrap_or_default()
}

pub fn kind_label(kind: &str) -> &'static str {
    match kind {
        "project" => "Project request",
        "job" => "Job",
        "collaboration" => "Collaboration",
        "help" => "Help wanted",
        _ => "Offer of services",
    }
}

/// "Remote", "On site in Lyon", "Hybrid at The Hive".
pub fn where_text(o: &Opportunity, space: Option<&SpaceDetails>) -> String {
    let place = space
        .map(|s| format!("at {}", s.account.display_name))
        .or_else(|| o.location_city.as_ref().map(|c| format!("in {c}")));
    match (o.location_mode.as_str(), place) {
        ("remote", _) => "Remote".into(),
        ("onsite", Some(p)) => format!("On site {p}"),
        ("hybrid", Some(p)) => format!("Hybrid, {p}"),
        ("hybrid", None) => "Hybrid".into(),
        (_, _) => "On site".into(),
    }
}

/// Keeps the post of a local or received opportunity in step with it.
pub(super) async fn sync_post(
    tx: &mut DbConn,
    events: &mut Events,
    v: &mut OpportunityView,
    content: Option<String>,
) -> AppResult<()> {
    let o = &v.opportunity;
    let link = o.url.clone().unwrap_or_else(|| o.uri.clone());
    let content = content.unwrap_or_else(|| post_html(v, &link));
    let mut status_id = o.status_id.clone();
    let companion = crate::companion::Companion {
        uri: &o.uri,
        url: &link,
        author: &v.author,
        content,
        tags: &v.skills,
        is_local: o.is_local,
        created_at: o.created_at,
        wanted: o.visibility == Visibility::Public.as_str() && o.deleted_at.is_none(),
    };
    crate::companion::sync(tx, events, &mut status_id, companion).await?;
    v.opportunity.status_id = status_id;
    Ok(())
}
