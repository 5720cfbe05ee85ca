//! Opportunities: posted by a member of another space (a Note with a Proposal), applied to
//! (the applicant's Agreement in an Offer, or an Invite of teammates), answered by the poster
//! (Accept, Reject, or an Update of the Offer's state), and withdrawn. Applications go to the
//! poster only; every one is its applicant's own.

use super::{answered, required, Received, Verdict};
use crate::objects::note::parse_note;
use crate::objects::opportunity::{parse, parse_agreement, proposal_of};
use crate::protocol::inbound::{Embedded, Invite, Node, Offered};
use crate::{Data, FederationError};
use interspace_app::opportunities::{self, Decision, RemoteApplication};
use interspace_app::{accounts, spaces, Account};
use serde_json::Value;

/// Whether a Note carries a Proposal (and is an opportunity rather than a post).
pub(super) fn is_one(note: &Value) -> bool {
    proposal_of(note).is_some()
}

pub(super) async fn published(r: &Received<'_>, note: &Value) -> Result<(), FederationError> {
    received(r.data, r.actor, note).await
}

/// A Note with a Proposal from its author: checked as a post, then stored as an opportunity.
pub(super) async fn received(
    data: &Data,
    author: &Account,
    note: &Value,
) -> Result<(), FederationError> {
    let ctx = data.app_data();
    parse_note(author, note)?;
    let here = spaces::show(ctx).await?.account.uri;
    let Some(o) = parse(note, &here)? else {
        return Ok(());
    };
    answered(opportunities::receive_opportunity(ctx, author, o).await)
}

/// An application's Agreement, on its applicant's host and attributed to them.
fn own_agreement(r: &Received<'_>, object: &Value) -> Result<RemoteApplication, FederationError> {
    let a = parse_agreement(object)?;
    let attributed = object
        .get("attributedTo")
        .and_then(crate::protocol::values::id_of);
    if !r.on_senders_host(&a.uri)? || attributed != Some(r.actor.uri.as_str()) {
        return Err(FederationError::BadRequest(
            "an application is its applicant's own".into(),
        ));
    }
    Ok(a)
}

/// An `Offer` of an Agreement: an application to one of our opportunities.
pub(super) async fn applied(r: &Received<'_>, agreement: &Value) -> Result<(), FederationError> {
    let a = own_agreement(r, agreement)?;
    answered(opportunities::receive_offer(r.ctx(), r.actor, a).await)
}

/// An applicant inviting members here into the team of their application.
pub(super) async fn invite(r: &Received<'_>, i: Invite) -> Result<(), FederationError> {
    let Node::Typed(Offered::Agreement(agreement)) = &i.object else {
        return super::ignored(r, "an Invite of something else");
    };
    let a = own_agreement(r, agreement)?;
    let mut handled = false;
    for uri in &i.to.0 {
        if let Some(invitee) = accounts::find_by_uri(r.ctx(), uri).await? {
            if invitee.is_local() {
                handled = true;
                answered(
                    opportunities::receive_invite(r.ctx(), r.actor, r.id, &invitee, a.clone())
                        .await,
                )?;
            }
        }
    }
    if !handled {
        tracing::info!(id = r.id, "an invitation for nobody here");
    }
    Ok(())
}

/// A teammate's consent to (or refusal of) a team invitation we sent.
pub(super) async fn invite_answered(
    r: &Received<'_>,
    verdict: Verdict,
    invite: &Embedded,
) -> Result<(), FederationError> {
    let invite_id = required(invite.id.id(), "an answer without its Invite")?;
    let application = required(invite.object.id(), "an Invite without its application")?;
    let ctx = r.ctx();
    match verdict {
        Verdict::Accept => answered(
            opportunities::receive_consent(ctx, r.actor, application, invite_id, r.id).await,
        ),
        Verdict::Reject => {
            answered(opportunities::receive_decline(ctx, r.actor, application).await)
        }
        Verdict::Tentative => super::ignored(r, "a tentative answer to a team invitation"),
    }
}

/// The poster's decision on one of our applications.
pub(super) async fn offer_answered(
    r: &Received<'_>,
    verdict: Verdict,
    application: &str,
    reason: Option<String>,
) -> Result<(), FederationError> {
    let decision = match verdict {
        Verdict::Accept => Decision::Accept,
        Verdict::Reject => Decision::Decline,
        Verdict::Tentative => return Ok(()),
    };
    answered(opportunities::receive_answer(r.ctx(), r.actor, application, decision, reason).await)
}

/// The poster's shortlist: the Offer with its new state.
pub(super) async fn shortlisted(
    r: &Received<'_>,
    offer: &Embedded,
    message: Option<String>,
) -> Result<(), FederationError> {
    let application = required(offer.object.id(), "an Update without its Offer")?;
    let decision =
        offer.state.get().and_then(Decision::parse).ok_or_else(|| {
            FederationError::BadRequest("an Update of an Offer needs a state".into())
        })?;
    answered(opportunities::receive_answer(r.ctx(), r.actor, application, decision, message).await)
}

/// The applicant withdrawing an application.
pub(super) async fn withdrawn(r: &Received<'_>, application: &str) -> Result<(), FederationError> {
    answered(opportunities::receive_withdrawal(r.ctx(), r.actor, application).await)
}
