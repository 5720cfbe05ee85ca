//! Visits: the home space's Group offers one for its member (and withdraws it); the host
//! space's Group answers it and tells of check-in and check-out.

use super::{answered, required, Received, Verdict};
use crate::protocol::inbound::Visit;
use crate::FederationError;
use interspace_app::{spaces, visits};
use url::Url;

/// A home space's `Offer` of a visit: the Visit is the Group's, its visitor on the Group's
/// server (fetched, never trusted from the embed), naming the Group as home space and us as
/// host.
pub(super) async fn offered(r: &Received<'_>, v: &Visit) -> Result<(), FederationError> {
    let ctx = r.ctx();
    let group = r.actor;
    let bad = |m: &str| Err(FederationError::BadRequest(m.to_string()));
    if group.actor_type != "Group" {
        return bad("visits are vouched for by a space's Group");
    }
    let uri = required(v.id.id(), "a Visit needs an id")?;
    if !r.on_senders_host(uri)? {
        return bad("the Visit is not on its home space's host");
    }
    if v.home_space.id() != Some(group.uri.as_str()) {
        return bad("the Visit names another home space");
    }
    let here = spaces::show(ctx).await?;
    if v.host_space.id() != Some(here.account.uri.as_str()) {
        return bad("the Visit is for another space");
    }
    let visitor = Url::parse(required(
        v.attributed_to.0.first().map(String::as_str),
        "an object without author",
    )?)?;
    if !r.on_senders_host(visitor.as_str())? {
        return bad("the object is attributed to another host");
    }
    let visitor = ctx.resolver()?.resolve_actor(ctx, &visitor).await?;
    let text = |t: &crate::protocol::inbound::Text| t.get().unwrap_or_default().to_string();
    answered(
        visits::receive_offer(
            ctx,
            group,
            uri,
            &visitor,
            &text(&v.start_date),
            &text(&v.end_date),
            Some(text(&v.content)),
        )
        .await,
    )
}

/// The host's answer to our Offer of `offered`.
pub(super) async fn offer_answered(
    r: &Received<'_>,
    verdict: Verdict,
    offered: &str,
    reason: Option<String>,
    code: Option<String>,
) -> Result<(), FederationError> {
    let news = match verdict {
        Verdict::Accept => visits::HostNews::Accept,
        Verdict::Tentative => visits::HostNews::Tentative,
        Verdict::Reject => visits::HostNews::Reject { code, reason },
    };
    answered(visits::receive_host_news(r.ctx(), r.actor, offered, news).await)
}

/// The host's news of a visit: check-in, check-out, no-show, completion.
pub(super) async fn updated(r: &Received<'_>, v: &Visit) -> Result<(), FederationError> {
    let uri = required(v.id.id(), "a Visit needs an id")?;
    let time = |t: &crate::protocol::inbound::Text| {
        t.get()
            .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
            .map(|t| t.naive_utc())
    };
    let news = visits::HostNews::Update {
        state: v.state.get().unwrap_or_default().to_string(),
        checked_in_at: time(&v.checked_in_at),
        checked_out_at: time(&v.checked_out_at),
    };
    answered(visits::receive_host_news(r.ctx(), r.actor, uri, news).await)
}

/// The home space withdrawing its Offer.
pub(super) async fn withdrawn(r: &Received<'_>, offered: &str) -> Result<(), FederationError> {
    answered(visits::receive_withdrawal(r.ctx(), r.actor, offered).await)
}
