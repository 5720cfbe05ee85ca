//! Fetching an object another activity only names (a boosted post, a relayed opportunity, an
//! object a member looked up): a signed GET by the instance actor, then the same checks as if
//! it had come in a Create from its author.

use super::opportunity;
use crate::objects::event::parse_event;
use crate::objects::note::parse_note;
use crate::protocol::limits;
use crate::protocol::values::{id_of, strings};
use crate::{Data, FederationError};
use interspace_app::{accounts, domains, events, remote, AppError};
use serde_json::Value;
use url::Url;

/// An object by a signed GET from its origin: within our bounds, and with the id it was asked
/// by.
async fn fetch_checked(data: &Data, uri: &str) -> Result<Value, FederationError> {
    let url = Url::parse(uri)?;
    let fetched = activitypub_federation::fetch::fetch_object_http::<_, Value>(&url, data).await?;
    let object = fetched.object;
    limits::check(&object)
        .map_err(|reason| FederationError::BadRequest(format!("the fetched object {reason}")))?;
    if id_of(&object) != Some(uri) {
        return Err(FederationError::BadRequest(
            "the fetched object has another id".into(),
        ));
    }
    Ok(object)
}

/// Fetches a post, an opportunity or an event by its id, checks it and stores it.
pub(crate) async fn fetch_object(data: &Data, uri: &str) -> Result<(), FederationError> {
    let ctx = data.app_data();
    let url = Url::parse(uri)?;
    if domains::is_blocked(ctx, &accounts::domain_of(&url)?).await? {
        return Err(FederationError::NotFound);
    }
    let object = fetch_checked(data, uri).await?;
    let kind = object.get("type").and_then(Value::as_str);
    let author = strings(object.get("attributedTo"))
        .into_iter()
        .next()
        .map(|a| Url::parse(&a))
        .transpose()?;
    if kind == Some("Event") {
        // The organiser is an actor of the event's own host.
        let organizer =
            author.ok_or_else(|| FederationError::BadRequest("an object without author".into()))?;
        if !crate::objects::actor::same_origin(&organizer, &url) {
            return Err(FederationError::BadRequest(
                "the object is attributed to another host".into(),
            ));
        }
        let organizer = ctx.resolver()?.resolve_actor(ctx, &organizer).await?;
        let (_, event) = parse_event(&organizer, &object)?;
        return Ok(events::receive_event(ctx, &organizer, event).await?);
    }
    let author =
        author.ok_or_else(|| FederationError::BadRequest("a post without author".into()))?;
    let author = ctx.resolver()?.resolve_actor(ctx, &author).await?;
    if kind == Some("Note") && opportunity::is_one(&object) {
        return opportunity::received(data, &author, &object).await;
    }
    let note = parse_note(&author, &object)?;
    Ok(remote::receive_note(ctx, &author, note).await?)
}

/// A post we have, fetched again from its origin (a group announced its `Update`; the embedded
/// copy is not trusted): the origin's version replaces ours.
pub(crate) async fn refetch_post(data: &Data, uri: &str) -> Result<(), FederationError> {
    let ctx = data.app_data();
    let object = fetch_checked(data, uri).await?;
    let author = strings(object.get("attributedTo"))
        .into_iter()
        .next()
        .map(|a| Url::parse(&a))
        .transpose()?
        .ok_or_else(|| FederationError::BadRequest("a post without author".into()))?;
    let author = ctx.resolver()?.resolve_actor(ctx, &author).await?;
    let note = parse_note(&author, &object)?;
    Ok(remote::receive_update(ctx, &author, note).await?)
}

/// Whether a post's origin says it is gone (410, or a document that is not the post: a
/// `Tombstone`, an error page); `false` while it still serves it. Whether it could not be
/// reached is an error (transient or not, see [`is_transient`]).
pub(crate) async fn gone_at_origin(data: &Data, uri: &str) -> Result<bool, FederationError> {
    use activitypub_federation::error::Error as E;
    let url = Url::parse(uri)?;
    match activitypub_federation::fetch::fetch_object_http::<_, Value>(&url, data).await {
        Err(E::ObjectDeleted(_) | E::NotFound) => Ok(true),
        Err(e) => Err(e.into()),
        Ok(fetched) => Ok(id_of(&fetched.object) != Some(uri)
            || fetched.object.get("type").and_then(Value::as_str) == Some("Tombstone")),
    }
}

/// Whether a failed fetch may succeed later (the origin could not be reached or timed out):
/// the activity that needs it is then not acknowledged, so its sender retries. What our guard
/// refused, and whatever the origin answered, is final.
pub(super) fn is_transient(e: &FederationError) -> bool {
    use activitypub_federation::error::Error as E;
    match e {
        FederationError::Protocol(E::ReqwestMiddleware(m)) => !crate::http_client::is_refused(m),
        FederationError::Protocol(E::Reqwest(_)) => true,
        _ => false,
    }
}

/// 503 (with `Retry-After`): the activity is released, and processed when the sender retries.
pub(super) fn retry_later(target: &str, e: FederationError) -> FederationError {
    AppError::Unavailable(format!("cannot fetch {target} now: {e}")).into()
}
