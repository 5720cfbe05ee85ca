//! Partnerships between spaces: offered (new or amended) by one Group, answered or ended by
//! either.

use super::{answered, required, Received, Verdict};
use crate::protocol::inbound::Partnership;
use crate::FederationError;
use interspace_app::partnerships;

/// A new agreement is on its proposer's host; an amendment names one we share.
pub(super) async fn offered(r: &Received<'_>, p: &Partnership) -> Result<(), FederationError> {
    let uri = required(p.id.id(), "a Partnership needs an id")?;
    if !r.on_senders_host(uri)? && !partnerships::knows(r.ctx(), uri).await? {
        return Err(FederationError::BadRequest(
            "a new partnership is on its proposer's host".into(),
        ));
    }
    let terms: partnerships::Terms = serde_json::from_value(p.terms.clone())
        .map_err(|e| FederationError::BadRequest(format!("bad terms: {e}")))?;
    answered(partnerships::receive_offer(r.ctx(), r.actor, uri, &terms).await)
}

/// The partner's answer to our Offer. A partnership is agreed or not: there is no waiting list
/// for one.
pub(super) async fn answered_offer(
    r: &Received<'_>,
    verdict: Verdict,
    uri: &str,
    reason: Option<String>,
) -> Result<(), FederationError> {
    let answer = match verdict {
        Verdict::Accept => partnerships::Answer::Accept,
        Verdict::Reject => partnerships::Answer::Reject,
        Verdict::Tentative => return super::ignored(r, "a tentative answer to a partnership"),
    };
    answered(partnerships::receive_answer(r.ctx(), r.actor, uri, answer, reason).await)
}

/// Either side ends a partnership with its own Delete of the shared agreement.
pub(super) async fn ended(
    r: &Received<'_>,
    uri: &str,
    reason: Option<String>,
) -> Result<(), FederationError> {
    let end = partnerships::Answer::End;
    answered(partnerships::receive_answer(r.ctx(), r.actor, uri, end, reason).await)
}
