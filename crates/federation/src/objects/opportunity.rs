//! Opportunities on the wire: a `Note` (so every client shows a post) with a `name` and a
//! FEP-0837 `Proposal` attached that carries the structure; applications as `Offer`s of an
//! `Agreement` to the poster only; teams as `Invite`s answered by each teammate's own
//! instance, to the applicant and to the poster.

use crate::protocol::values::{id_of, is_public, iso, shared_or_own, strings, PUBLIC};
use crate::protocol::Built;
use crate::FederationError;
use interspace_app::opportunities::{
    self, ApplicationView, Budget, OpportunityView, RemoteApplication, RemoteOpportunity,
};
use interspace_app::outbox::OutboxEvent;
use interspace_app::{follows, Account, AppContext, AppError, AppResult};
use interspace_core::delivery::OutboxKind;
use interspace_core::opportunities::{ApplicationState, Visibility};
use serde_json::{json, Value};

fn fresh_id(ctx: &AppContext) -> String {
    ctx.urls()
        .path(&format!("/activities/{}", interspace_core::ids::new_id()))
        .to_string()
}

/// `to` and `cc` of an opportunity: the public and the author's followers, or the partner
/// spaces' Groups.
fn addressing(v: &OpportunityView, partners: &[Account]) -> (Vec<String>, Vec<String>) {
    if v.opportunity.visibility == Visibility::Public.as_str() {
        let followers = v.author.followers_url.clone().unwrap_or_default();
        (vec![PUBLIC.into()], vec![followers])
    } else {
        (partners.iter().map(|p| p.uri.clone()).collect(), vec![])
    }
}

/// The FEP-0837 Proposal of an opportunity: a request (or an offer of services) to deliver a
/// service for `teamSize` people, paid with the budget when there is one.
pub fn proposal_json(v: &OpportunityView) -> Value {
    let o = &v.opportunity;
    let purpose = if o.kind == "offer" {
        "offer"
    } else {
        "request"
    };
    let reciprocal = v.budget.as_ref().map(|b| {
        json!({
            "id": format!("{}#reciprocal", o.uri), "type": "Intent", "action": "transfer",
            "resourceConformsTo": format!("https://www.iso.org/iso-4217-currency-codes.html#{}", b.currency),
            "resourceQuantity": { "hasUnit": b.currency, "hasNumericalValue": b.amount },
        })
    });
    json!({
        "id": format!("{}#proposal", o.uri),
        "type": "Proposal",
        "purpose": purpose,
        "name": o.title,
        "content": o.description,
        "attributedTo": v.author.uri,
        "publishes": {
            "id": format!("{}#primary", o.uri), "type": "Intent", "action": "deliverService",
            "resourceQuantity": { "hasUnit": "one", "hasNumericalValue": o.team_size.to_string() },
        },
        "reciprocal": reciprocal,
        "unitBased": false,
        "opportunityKind": o.kind,
        "skills": v.skills,
        "workMode": o.location_mode,
        "location": o.location_city.as_ref().map(|c| json!({ "type": "Place", "name": c })),
        "budgetPeriod": v.budget.as_ref().map(|b| b.period.clone()),
        "deadline": o.deadline.map(|d| d.to_string()),
        "teamSize": o.team_size,
        "status": o.status,
        "visibility": o.visibility,
        "applicationsCount": o.applications_count,
    })
}

/// The Note of an opportunity, as served at its id and sent in `Create`/`Update`.
pub fn note_json(ctx: &AppContext, v: &OpportunityView, partners: &[Account]) -> Value {
    let o = &v.opportunity;
    let (to, cc) = addressing(v, partners);
    let link = o.url.clone().unwrap_or_else(|| o.uri.clone());
    let tag: Vec<Value> = v
        .skills
        .iter()
        .map(|t| json!({ "type": "Hashtag", "href": ctx.urls().path(&format!("/tags/{t}")), "name": format!("#{t}") }))
        .collect();
    // No `name` on a Note: snac and Mastodon read a named Note as a poll vote and hide it. The
    // content begins with the title, and the Proposal carries it as its `name`.
    json!({
        "id": o.uri,
        "type": "Note",
        "attributedTo": v.author.uri,
        "url": link,
        "content": opportunities::post_html(v, &link),
        "published": iso(o.created_at),
        "updated": iso(o.updated_at),
        "to": to,
        "cc": cc,
        "tag": tag,
        "attachment": [proposal_json(v)],
    })
}

/// The Proposal attached to a Note, if it carries one.
pub fn proposal_of(object: &Value) -> Option<&Value> {
    match object.get("attachment") {
        Some(Value::Array(items)) => items
            .iter()
            .find(|a| a.get("type").and_then(Value::as_str) == Some("Proposal")),
        Some(a @ Value::Object(_)) if a.get("type").and_then(Value::as_str) == Some("Proposal") => {
            Some(a)
        }
        _ => None,
    }
}

/// An opportunity from a Note with a Proposal, whose origin the caller has checked; `None`
/// for an ordinary post. `here` is our space's Group (a `partners` one is addressed to it).
pub fn parse(object: &Value, here: &str) -> Result<Option<RemoteOpportunity>, FederationError> {
    let Some(p) = proposal_of(object) else {
        return Ok(None);
    };
    let uri = id_of(object)
        .ok_or_else(|| FederationError::BadRequest("an opportunity needs an id".into()))?;
    let text = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).map(String::from);
    let to: Vec<String> = [strings(object.get("to")), strings(object.get("cc"))].concat();
    let visibility = if to.iter().any(|t| is_public(t)) {
        Visibility::Public
    } else if to.iter().any(|t| t == here) {
        Visibility::Partners
    } else {
        return Err(FederationError::BadRequest(
            "an opportunity is public or addressed to partner spaces".into(),
        ));
    };
    let budget = p.get("reciprocal").and_then(|r| {
        let q = r.get("resourceQuantity")?;
        opportunities::check_budget(
            "budget",
            &match q.get("hasNumericalValue")? {
                Value::String(s) => s.clone(),
                n => n.to_string(),
            },
            q.get("hasUnit")?.as_str()?,
            p.get("budgetPeriod").and_then(Value::as_str),
        )
        .ok()
    });
    let title = text(object, "name")
        .or_else(|| text(p, "name"))
        .filter(|t| !t.trim().is_empty())
        .ok_or_else(|| FederationError::BadRequest("an opportunity needs a name".into()))?;
    Ok(Some(RemoteOpportunity {
        uri: uri.to_string(),
        url: object
            .get("url")
            .and_then(crate::protocol::actor::first_href),
        title,
        content: text(object, "content").unwrap_or_default(),
        description: text(p, "content"),
        kind: text(p, "opportunityKind").or_else(|| {
            (text(p, "purpose").as_deref() == Some("offer")).then(|| "offer".to_string())
        }),
        skills: match p.get("skills") {
            Some(Value::Array(a)) => a
                .iter()
                .take(50)
                .filter_map(|s| s.as_str().map(String::from))
                .collect(),
            _ => vec![],
        },
        mode: text(p, "workMode"),
        city: p.get("location").and_then(|l| text(l, "name")),
        budget,
        deadline: text(p, "deadline")
            .and_then(|d| chrono::NaiveDate::parse_from_str(&d, "%Y-%m-%d").ok()),
        team_size: p.get("teamSize").and_then(Value::as_i64),
        status: text(p, "status"),
        visibility,
        applications_count: p.get("applicationsCount").and_then(Value::as_i64),
        published: text(object, "published")
            .and_then(|t| chrono::DateTime::parse_from_rfc3339(&t).ok())
            .map(|t| t.naive_utc()),
    }))
}

/// The Agreement an application offers (FEP-0837), with the cover note and the team.
pub fn agreement_json(v: &ApplicationView) -> Value {
    let a = &v.application;
    let budget: Option<Budget> = a
        .proposed_budget
        .as_deref()
        .and_then(|b| serde_json::from_str(b).ok());
    let links: Vec<String> = serde_json::from_str(&a.links).unwrap_or_default();
    json!({
        "id": a.uri,
        "type": "Agreement",
        "attributedTo": v.applicant.uri,
        "opportunity": v.opportunity.uri,
        "inReplyTo": v.opportunity.uri,
        "content": a.cover_note,
        "proposedBudget": budget,
        "links": links,
        "team": v.team.iter().map(|t| t.account.uri.clone()).collect::<Vec<_>>(),
        "stipulates": {
            "type": "Commitment",
            "satisfies": format!("{}#primary", v.opportunity.uri),
            "resourceQuantity": { "hasUnit": "one", "hasNumericalValue": (1 + v.team.len()).to_string() },
        },
    })
}

/// An Agreement from the wire; the caller checked that its id is on the applicant's host.
pub fn parse_agreement(object: &Value) -> Result<RemoteApplication, FederationError> {
    let uri = id_of(object)
        .ok_or_else(|| FederationError::BadRequest("an application needs an id".into()))?;
    let opportunity_uri = object
        .get("opportunity")
        .or_else(|| object.get("inReplyTo"))
        .and_then(id_of)
        .ok_or_else(|| {
            FederationError::BadRequest("an application names its opportunity".into())
        })?;
    Ok(RemoteApplication {
        uri: uri.to_string(),
        opportunity_uri: opportunity_uri.to_string(),
        cover_note: object
            .get("content")
            .and_then(Value::as_str)
            .map(interspace_core::html::to_text),
        proposed_budget: object
            .get("proposedBudget")
            .and_then(|b| serde_json::from_value::<Budget>(b.clone()).ok())
            .and_then(|b| {
                opportunities::check_budget("budget", &b.amount, &b.currency, Some(&b.period)).ok()
            }),
        links: strings(object.get("links")),
        team: strings(object.get("team")),
    })
}

fn offer_of(v: &ApplicationView) -> Value {
    json!({
        "id": format!("{}/offer", v.application.uri), "type": "Offer",
        "actor": v.applicant.uri, "object": v.application.uri,
    })
}

/// The inboxes of the remote accounts among `people`, each shared inbox once.
fn inboxes_of<'a>(people: impl IntoIterator<Item = &'a Account>) -> Vec<String> {
    let mut out: Vec<String> = people
        .into_iter()
        .filter(|a| !a.is_local())
        .map(shared_or_own)
        .collect();
    out.sort();
    out.dedup();
    out
}

/// Builds the activity of an `opportunity.*`, `relay.opportunity`, `application.*` or
/// `team.*` outbox event.
pub async fn build(ctx: &AppContext, e: &OutboxEvent) -> AppResult<Built> {
    let (id, json, inboxes) = if e.kind.as_str().starts_with("opportunity.")
        || e.kind == OutboxKind::RelayOpportunity
    {
        let (v, partners) = opportunities::for_delivery(ctx, &e.subject_id).await?;
        let o = &v.opportunity;
        let note = note_json(ctx, &v, &partners);
        let (to, cc) = (note["to"].clone(), note["cc"].clone());
        let public = o.visibility == Visibility::Public.as_str();
        let mut inboxes = if public {
            follows::remote_follower_inboxes(ctx, &v.author.id).await?
        } else {
            inboxes_of(&partners)
        };
        let create = |note: Value| {
            json!({
                "id": format!("{}/activity", o.uri), "type": "Create", "actor": v.author.uri,
                "to": to, "cc": cc, "published": iso(o.created_at), "object": note,
            })
        };
        let (id, json) = match e.kind {
            OutboxKind::OpportunityCreate => (format!("{}/activity", o.uri), create(note)),
            OutboxKind::RelayOpportunity => {
                // FEP-1b12: the space re-shares the whole Create, unchanged, to its
                // followers and its partner spaces.
                let space = interspace_app::accounts::get_any(ctx, &e.actor_id).await?;
                inboxes = follows::remote_follower_inboxes(ctx, &space.id).await?;
                inboxes.extend(inboxes_of(&partners));
                let id = format!("{}/relays/{}", space.uri, o.id);
                let followers = space.followers_url.clone().unwrap_or_default();
                (
                    id.clone(),
                    json!({
                        "id": id, "type": "Announce", "actor": space.uri, "to": [PUBLIC],
                        "cc": [followers], "object": create(note),
                    }),
                )
            }
            kind => {
                // Updates and deletions also reach where the space relayed it.
                if let Some(space) = &v.space {
                    if public && space.account.id != v.author.id {
                        inboxes.extend(
                            follows::remote_follower_inboxes(ctx, &space.account.id).await?,
                        );
                        inboxes.extend(inboxes_of(&partners));
                    }
                }
                if kind == OutboxKind::OpportunityDelete {
                    let id = format!("{}#delete", o.uri);
                    (
                        id.clone(),
                        json!({
                            "id": id, "type": "Delete", "actor": v.author.uri, "to": to, "cc": cc,
                            "object": { "id": o.uri, "type": "Tombstone" },
                        }),
                    )
                } else {
                    let id = format!("{}#updates/{}", o.uri, interspace_core::ids::new_id());
                    (
                        id.clone(),
                        json!({
                            "id": id, "type": "Update", "actor": v.author.uri, "to": to, "cc": cc,
                            "object": note,
                        }),
                    )
                }
            }
        };
        inboxes.sort();
        inboxes.dedup();
        (id, json, inboxes)
    } else {
        let v = opportunities::application_for_delivery(ctx, &e.subject_id).await?;
        let (applicant, poster) = (&v.applicant, &v.poster);
        let team: Vec<&Account> = v.team.iter().map(|t| &t.account).collect();
        match e.kind {
            OutboxKind::ApplicationOffer => {
                let id = format!("{}/offer", v.application.uri);
                (
                    id.clone(),
                    json!({
                        "id": id, "type": "Offer", "actor": applicant.uri, "to": [poster.uri],
                        "object": agreement_json(&v),
                    }),
                    inboxes_of([poster]),
                )
            }
            OutboxKind::ApplicationWithdraw => {
                // To the poster and to every teammate's instance.
                let id = fresh_id(ctx);
                let mut to = vec![poster.uri.clone()];
                to.extend(team.iter().map(|t| t.uri.clone()));
                (
                    id.clone(),
                    json!({ "id": id, "type": "Undo", "actor": applicant.uri, "to": to, "object": offer_of(&v) }),
                    inboxes_of(std::iter::once(poster).chain(team.iter().copied())),
                )
            }
            OutboxKind::ApplicationAnswer => {
                let id = fresh_id(ctx);
                let mut to = vec![applicant.uri.clone()];
                to.extend(team.iter().map(|t| t.uri.clone()));
                let kind = match v.application.state {
                    ApplicationState::Accepted => "Accept",
                    ApplicationState::Declined => "Reject",
                    _ => "Update",
                };
                let mut json = json!({
                    "id": id, "type": kind, "actor": poster.uri, "to": to,
                    "object": offer_of(&v), "content": v.application.message,
                });
                if kind == "Update" {
                    json["object"]["state"] = json!(v.application.state);
                }
                (
                    id,
                    json,
                    inboxes_of(std::iter::once(applicant).chain(team.iter().copied())),
                )
            }
            OutboxKind::TeamInvite => {
                let invitee = interspace_app::accounts::get_any(
                    ctx,
                    e.target_id.as_deref().unwrap_or_default(),
                )
                .await?;
                let id = format!("{}/invites/{}", v.application.uri, invitee.id);
                (
                    id.clone(),
                    json!({
                        "id": id, "type": "Invite", "actor": applicant.uri, "to": [invitee.uri],
                        "object": agreement_json(&v), "target": v.opportunity.uri,
                    }),
                    inboxes_of([&invitee]),
                )
            }
            kind => {
                // A teammate's answer, signed by them: to the applicant, and (consent) to
                // the poster.
                let teammate = interspace_app::accounts::get_any(ctx, &e.actor_id).await?;
                let invite = team_invite(ctx, &v, &teammate).await?;
                let id = fresh_id(ctx);
                let accept = kind == OutboxKind::TeamAccept;
                let mut to = vec![applicant.uri.clone()];
                if accept {
                    to.push(poster.uri.clone());
                }
                let recipients: Vec<&Account> = if accept {
                    vec![applicant, poster]
                } else {
                    vec![applicant]
                };
                (
                    id.clone(),
                    json!({
                        "id": id, "type": if accept { "Accept" } else { "Reject" },
                        "actor": teammate.uri, "to": to,
                        "object": {
                            "id": invite, "type": "Invite", "actor": applicant.uri,
                            "object": v.application.uri,
                        },
                    }),
                    inboxes_of(recipients),
                )
            }
        }
    };
    Ok(Built { id, json, inboxes })
}

/// The id of the invitation a teammate answers.
async fn team_invite(
    ctx: &AppContext,
    v: &ApplicationView,
    teammate: &Account,
) -> AppResult<String> {
    opportunities::invitation_uri(ctx, &v.application.id, &teammate.id)
        .await?
        .ok_or(AppError::NotFound("invitation"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const HERE: &str = "https://b.example/spaces/space";

    fn note(to: Value) -> Value {
        json!({
            "id": "https://a.example/opportunities/1", "type": "Note",
            "name": "Website for a bakery", "attributedTo": "https://a.example/users/alice",
            "content": "<p><strong>Website for a bakery</strong></p>", "to": to, "cc": [],
            "published": "2026-11-20T10:00:00Z",
            "attachment": [
                { "type": "PropertyValue", "name": "ignored", "value": "x" },
                {
                    "id": "https://a.example/opportunities/1#proposal", "type": "Proposal",
                    "purpose": "request", "content": "<p>A shop</p>",
                    "publishes": { "type": "Intent", "action": "deliverService",
                        "resourceQuantity": { "hasUnit": "one", "hasNumericalValue": "3" } },
                    "reciprocal": { "type": "Intent", "action": "transfer",
                        "resourceQuantity": { "hasUnit": "EUR", "hasNumericalValue": "1500.00" } },
                    "opportunityKind": "project", "skills": ["rust", "design"],
                    "workMode": "hybrid", "location": { "type": "Place", "name": "Lyon" },
                    "budgetPeriod": "fixed", "deadline": "2026-12-31", "teamSize": 3,
                    "status": "open", "applicationsCount": 2,
                },
            ],
        })
    }

    #[test]
    fn a_note_with_a_proposal_is_an_opportunity() {
        let r = parse(&note(json!([PUBLIC])), HERE)
            .expect("valid")
            .expect("an opportunity");
        assert_eq!(r.title, "Website for a bakery");
        assert_eq!(r.description.as_deref(), Some("<p>A shop</p>"));
        assert_eq!(r.kind.as_deref(), Some("project"));
        assert_eq!(r.skills, ["rust", "design"]);
        assert_eq!(r.mode.as_deref(), Some("hybrid"));
        assert_eq!(r.city.as_deref(), Some("Lyon"));
        let b = r.budget.expect("budget");
        assert_eq!(
            (b.amount.as_str(), b.currency.as_str(), b.period.as_str()),
            ("1500.00", "EUR", "fixed")
        );
        assert_eq!(
            r.deadline.map(|d| d.to_string()).as_deref(),
            Some("2026-12-31")
        );
        assert_eq!((r.team_size, r.applications_count), (Some(3), Some(2)));
        assert_eq!(r.visibility, Visibility::Public);
    }

    #[test]
    fn addressing_decides_visibility_and_plain_posts_are_not_opportunities() {
        let partners = parse(&note(json!([HERE])), HERE)
            .expect("valid")
            .expect("some");
        assert_eq!(partners.visibility, Visibility::Partners);
        assert!(parse(&note(json!(["https://c.example/spaces/space"])), HERE).is_err());
        let mut plain = note(json!([PUBLIC]));
        plain["attachment"] = json!([]);
        assert!(parse(&plain, HERE).expect("valid").is_none());
        let mut nameless = note(json!([PUBLIC]));
        nameless["name"] = json!("");
        nameless["attachment"][1]["name"] = Value::Null;
        assert!(parse(&nameless, HERE).is_err());
    }

    #[test]
    fn an_offer_of_services_and_a_bad_budget() {
        let mut n = note(json!([PUBLIC]));
        n["attachment"][1]["opportunityKind"] = Value::Null;
        n["attachment"][1]["purpose"] = json!("offer");
        n["attachment"][1]["reciprocal"]["resourceQuantity"]["hasUnit"] = json!("euros");
        let r = parse(&n, HERE).expect("valid").expect("some");
        assert_eq!(r.kind.as_deref(), Some("offer"));
        assert!(r.budget.is_none(), "an unreadable budget is left out");
    }

    #[test]
    fn agreements_name_their_opportunity() {
        let a = json!({
            "id": "https://b.example/applications/9", "type": "Agreement",
            "attributedTo": "https://b.example/users/bob",
            "opportunity": "https://a.example/opportunities/1",
            "content": "<p>I bake <b>websites</b></p>", "links": ["https://bob.example"],
            "team": ["https://c.example/users/carol"],
            "proposedBudget": { "amount": "900", "currency": "eur", "period": "day" },
        });
        let r = parse_agreement(&a).expect("valid");
        assert_eq!(r.opportunity_uri, "https://a.example/opportunities/1");
        assert_eq!(r.cover_note.as_deref(), Some("I bake websites"));
        assert_eq!(r.team, ["https://c.example/users/carol"]);
        let b = r.proposed_budget.expect("budget");
        assert_eq!(
            (b.amount.as_str(), b.currency.as_str(), b.period.as_str()),
            ("900.00", "EUR", "day")
        );
        let mut orphan = a.clone();
        orphan["opportunity"] = Value::Null;
        assert!(parse_agreement(&orphan).is_err());
    }
}
