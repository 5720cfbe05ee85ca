//! Partnerships and visits on the wire (DESIGN.md section 5): always between the two space
//! Groups, never public. A partnership is an `Offer` of an `is:Partnership` answered with
//! `Accept` or `Reject` and ended with `Delete`; a visit is an `Offer` of an `is:Visit` by the
//! visitor's home space, answered by the host space with `Accept`, `Reject` (with
//! `reasonCode`) or `TentativeAccept`, withdrawn with `Undo`, and followed with `Update`s.

use crate::protocol::values::{iso, shared_or_own};
use crate::protocol::Built;
use interspace_app::outbox::OutboxEvent;
use interspace_app::partnerships::{self, Terms};
use interspace_app::visits::{self, VisitView};
use interspace_app::{AppContext, AppError, AppResult};
use interspace_core::delivery::OutboxKind;
use serde_json::{json, Value};

fn fresh_id(ctx: &AppContext) -> String {
    ctx.urls()
        .path(&format!("/activities/{}", interspace_core::ids::new_id()))
        .to_string()
}

pub fn visit_json(v: &VisitView) -> Value {
    json!({
        "id": v.visit.uri,
        "type": "Visit",
        "attributedTo": v.visitor.uri,
        "homeSpace": v.home.account.uri,
        "hostSpace": v.host.account.uri,
        "startDate": v.visit.date_from.to_string(),
        "endDate": v.visit.date_to.to_string(),
        "content": v.visit.note,
        "state": v.visit.state,
        "checkedInAt": v.visit.checked_in_at.map(iso),
        "checkedOutAt": v.visit.checked_out_at.map(iso),
    })
}

fn offer_of(v: &VisitView) -> Value {
    json!({
        "id": format!("{}/offer", v.visit.uri), "type": "Offer",
        "actor": v.home.account.uri, "object": v.visit.uri,
    })
}

/// Builds the activity of a `partnership.*` or `visit.*` outbox event.
pub async fn build(ctx: &AppContext, e: &OutboxEvent) -> AppResult<Built> {
    let (id, json, to) = if e.kind.as_str().starts_with("partnership.") {
        let (p, ours, partner) = partnerships::for_delivery(ctx, &e.subject_id).await?;
        let id = fresh_id(ctx);
        let object = |terms: Option<Terms>| {
            let mut o = json!({ "id": p.uri, "type": "Partnership" });
            if let Some(t) = terms {
                o["terms"] = json!(t);
            }
            o
        };
        let (a, b) = (&ours.account, &partner.account);
        let json = match e.kind {
            OutboxKind::PartnershipOffer => {
                let terms = match (&p.pending_terms, p.pending_from_us) {
                    (Some(t), true) => partnerships::terms_of(t),
                    _ => partnerships::terms_of(&p.terms),
                };
                json!({ "id": id, "type": "Offer", "actor": a.uri, "to": [b.uri], "object": object(Some(terms)) })
            }
            OutboxKind::PartnershipEnd => json!({
                "id": id, "type": "Delete", "actor": a.uri, "to": [b.uri],
                "object": object(None), "content": p.reason,
            }),
            kind => json!({
                "id": id, "type": if kind == OutboxKind::PartnershipAccept { "Accept" } else { "Reject" },
                "actor": a.uri, "to": [b.uri], "content": p.reason,
                "object": { "type": "Offer", "actor": b.uri, "object": object(None) },
            }),
        };
        (id, json, partner.account)
    } else {
        let v = visits::for_delivery(ctx, &e.subject_id).await?;
        let (home, host) = (&v.home.account, &v.host.account);
        let to_host = [host.uri.clone()];
        let to_home = [home.uri.clone(), v.visitor.uri.clone()];
        let (id, json, to) = match e.kind {
            OutboxKind::VisitOffer => {
                let id = format!("{}/offer", v.visit.uri);
                (
                    id.clone(),
                    json!({
                        "id": id, "type": "Offer", "actor": home.uri, "to": to_host,
                        "cc": [v.visitor.uri], "object": visit_json(&v),
                    }),
                    host,
                )
            }
            OutboxKind::VisitUndo => {
                let id = fresh_id(ctx);
                (
                    id.clone(),
                    json!({
                        "id": id, "type": "Undo", "actor": home.uri, "to": to_host, "object": offer_of(&v),
                    }),
                    host,
                )
            }
            OutboxKind::VisitUpdate => {
                let id = fresh_id(ctx);
                // The visitor's note is for the host who decides: it does not travel back to
                // the home space's staff.
                let mut object = visit_json(&v);
                if let Some(o) = object.as_object_mut() {
                    o.remove("content");
                }
                (
                    id.clone(),
                    json!({
                        "id": id, "type": "Update", "actor": host.uri, "to": to_home, "object": object,
                    }),
                    home,
                )
            }
            kind => {
                let id = fresh_id(ctx);
                let kind = match kind {
                    OutboxKind::VisitAccept => "Accept",
                    OutboxKind::VisitTentative => "TentativeAccept",
                    _ => "Reject",
                };
                (
                    id.clone(),
                    json!({
                        "id": id, "type": kind, "actor": host.uri, "to": to_home,
                        "object": offer_of(&v), "reasonCode": v.visit.reason_code, "content": v.visit.reason,
                    }),
                    home,
                )
            }
        };
        (id, json, to.clone())
    };
    if to.is_local() {
        return Err(AppError::Internal(
            "a space activity addressed to ourselves".into(),
        ));
    }
    Ok(Built {
        id,
        json,
        inboxes: vec![shared_or_own(&to)],
    })
}
