//! Inboxes: the shared `/inbox` and each actor's. Every POST must be signed by the actor it
//! claims (draft-cavage, with `(request-target)`, `host`, `date` and `digest` covered, Date
//! within an hour, Digest matching); replays of an activity id are no-ops.

use super::auth;
use crate::protocol::limits;
use crate::protocol::values::{id_of, is_public, strings};
use crate::signatures::SignedRequest;
use crate::{Data, FederationError};
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse};
use interspace_app::outbox::Claim;
use interspace_app::remote::{self, RemoteNote};
use interspace_app::{
    accounts, blocks, domains, events, follows, opportunities, outbox, partnerships, visits,
    Account, AppError,
};
use serde_json::Value;
use url::Url;

/// Largest activity accepted (actix answers 413 beyond it).
pub const MAX_BODY: usize = 1024 * 1024;

fn same_origin(a: &Url, b: &Url) -> bool {
    crate::objects::actor::same_origin(a, b)
}

pub async fn post(
    data: Data,
    req: HttpRequest,
    body: Bytes,
) -> Result<HttpResponse, FederationError> {
    let ctx = data.app_data();
    let activity: Value = serde_json::from_slice(&body)
        .map_err(|e| FederationError::BadRequest(format!("not JSON: {e}")))?;
    limits::check(&activity)
        .map_err(|reason| FederationError::BadRequest(format!("the activity {reason}")))?;
    let id = activity
        .get("id")
        .and_then(Value::as_str)
        .ok_or_else(|| FederationError::BadRequest("no id".into()))?;
    let actor_id = activity
        .get("actor")
        .and_then(id_of)
        .ok_or_else(|| FederationError::BadRequest("no actor".into()))?;
    let (id_url, actor_url) = (Url::parse(id)?, Url::parse(actor_id)?);
    if !same_origin(&id_url, &actor_url) {
        return Err(FederationError::BadRequest(
            "the activity id is not on its actor's host".into(),
        ));
    }
    // Blocked servers get the answer that tells them nothing, and are not even verified.
    let sender_domain = accounts::domain_of(&actor_url)?;
    let restrictions = domains::restrictions(ctx).await?;
    if restrictions.is_blocked(&sender_domain) {
        tracing::debug!(domain = %sender_domain, "dropping an activity from a blocked domain");
        return Ok(HttpResponse::Accepted().finish());
    }
    // An actor we never knew deleting itself: nothing to undo, and nothing left to verify with.
    if activity.get("type").and_then(Value::as_str) == Some("Delete")
        && activity.get("object").and_then(id_of) == Some(actor_id)
        && accounts::find_by_uri(ctx, actor_id).await?.is_none()
    {
        return Ok(HttpResponse::Accepted().finish());
    }
    // The signature: well formed, covering what it must, by a key of the claimed actor.
    let headers = auth::headers_of(&req);
    let signed =
        SignedRequest::parse_post(&headers, auth::path_of(&req), &body, chrono::Utc::now())
            .map_err(|e| FederationError::Unauthorized(e.to_string()))?;
    auth::signed_for_us(ctx, &headers)?;
    let actor = auth::verified_signer(ctx, &signed, &actor_url).await?;
    if actor.deleted_at.is_some() {
        return Ok(HttpResponse::Accepted().finish());
    }
    if !restrictions.may_deliver(&sender_domain) {
        domains::answered(ctx, &sender_domain).await?;
    }
    // Received means processed: the id is claimed now, and counts as seen only once the
    // processing committed; a failure releases it so that the sender's retry is processed.
    match outbox::claim(ctx, id).await? {
        Claim::Seen => return Ok(HttpResponse::Accepted().finish()),
        // A concurrent copy is being processed: 503 makes the sender retry, by which time
        // that copy has either committed (the retry is a replay) or failed (it is processed).
        Claim::Busy => {
            return Err(AppError::Unavailable("that activity is being processed".into()).into())
        }
        Claim::New => {}
    }
    match dispatch(&data, &actor, &activity).await {
        Ok(()) => {
            outbox::finished(ctx, id).await?;
            Ok(HttpResponse::Accepted().finish())
        }
        Err(e) => {
            if let Err(release) = outbox::released(ctx, id).await {
                tracing::warn!(error = %release, id, "releasing an activity that failed");
            }
            Err(e)
        }
    }
}

async fn dispatch(data: &Data, actor: &Account, activity: &Value) -> Result<(), FederationError> {
    let ctx = data.app_data();
    let kind = activity
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let object = activity.get("object").cloned().unwrap_or(Value::Null);
    let object_type = object
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let id = activity
        .get("id")
        .and_then(Value::as_str)
        .unwrap_or_default();
    match (kind, object_type) {
        ("Follow", _) => {
            let target = id_of(&object)
                .ok_or_else(|| FederationError::BadRequest("Follow without object".into()))?;
            match follows::receive_follow(ctx, actor, target, id).await {
                Err(AppError::NotFound(_)) => Ok(()),
                other => Ok(other?),
            }
        }
        ("Accept" | "Reject" | "TentativeAccept", _) if is_join_answer(ctx, &object).await? => {
            let join_id = id_of(&object)
                .ok_or_else(|| FederationError::BadRequest("an answer without its Join".into()))?;
            let answer = match kind {
                "Accept" => events::Answer::Accept,
                "TentativeAccept" => events::Answer::Tentative,
                _ => events::Answer::Reject {
                    reason: ["content", "summary"]
                        .iter()
                        .find_map(|k| activity.get(*k).and_then(Value::as_str))
                        .map(String::from),
                    code: activity
                        .get("reasonCode")
                        .and_then(Value::as_str)
                        .map(String::from),
                },
            };
            match events::receive_answer(ctx, actor, join_id, answer).await {
                Err(AppError::NotFound(_)) => Ok(()),
                Err(AppError::Forbidden(m)) => Err(FederationError::BadRequest(m)),
                other => Ok(other?),
            }
        }
        ("Offer", "Partnership") => {
            let uri = id_of(&object)
                .ok_or_else(|| FederationError::BadRequest("a Partnership needs an id".into()))?;
            // A new agreement is the proposer's; an amendment names one we share.
            if !same_origin(&Url::parse(uri)?, &Url::parse(&actor.uri)?)
                && !partnerships::knows(ctx, uri).await?
            {
                return Err(FederationError::BadRequest(
                    "a new partnership is on its proposer's host".into(),
                ));
            }
            let terms: partnerships::Terms =
                serde_json::from_value(object.get("terms").cloned().unwrap_or(Value::Null))
                    .map_err(|e| FederationError::BadRequest(format!("bad terms: {e}")))?;
            space_answer(partnerships::receive_offer(ctx, actor, uri, &terms).await)
        }
        ("Offer", "Visit") => receive_visit_offer(data, actor, &object).await,
        ("Offer", "Agreement") => {
            let r = own_agreement(actor, &object)?;
            space_answer(opportunities::receive_offer(ctx, actor, r).await)
        }
        ("Invite", "Agreement") => {
            let r = own_agreement(actor, &object)?;
            let mut handled = false;
            for uri in strings(activity.get("to")) {
                if let Some(invitee) = accounts::find_by_uri(ctx, &uri).await? {
                    if invitee.is_local() {
                        handled = true;
                        space_answer(
                            opportunities::receive_invite(ctx, actor, id, &invitee, r.clone())
                                .await,
                        )?;
                    }
                }
            }
            if !handled {
                tracing::info!(id, "an invitation for nobody here");
            }
            Ok(())
        }
        ("Accept" | "Reject", "Invite") => {
            let invite = id_of(&object).ok_or_else(|| {
                FederationError::BadRequest("an answer without its Invite".into())
            })?;
            let application = object.get("object").and_then(id_of).ok_or_else(|| {
                FederationError::BadRequest("an Invite without its application".into())
            })?;
            if kind == "Accept" {
                space_answer(
                    opportunities::receive_consent(ctx, actor, application, invite, id).await,
                )
            } else {
                space_answer(opportunities::receive_decline(ctx, actor, application).await)
            }
        }
        ("Accept" | "Reject" | "TentativeAccept", "Offer") => {
            // The object is our Offer; what it offered says which agreement this answers.
            let offered = object
                .get("object")
                .and_then(id_of)
                .ok_or_else(|| FederationError::BadRequest("an answer without its Offer".into()))?;
            let reason = activity
                .get("content")
                .and_then(Value::as_str)
                .map(String::from);
            if opportunities::knows_application(ctx, offered).await? {
                let decision = match kind {
                    "Accept" => opportunities::Decision::Accept,
                    "Reject" => opportunities::Decision::Decline,
                    _ => return Ok(()),
                };
                return space_answer(
                    opportunities::receive_answer(ctx, actor, offered, decision, reason).await,
                );
            }
            if partnerships::knows(ctx, offered).await? {
                let answer = match kind {
                    "Accept" => partnerships::Answer::Accept,
                    "Reject" => partnerships::Answer::Reject,
                    // A partnership is agreed or not: there is no waiting list for one.
                    _ => return Ok(()),
                };
                return space_answer(
                    partnerships::receive_answer(ctx, actor, offered, answer, reason).await,
                );
            }
            let news = match kind {
                "Accept" => visits::HostNews::Accept,
                "TentativeAccept" => visits::HostNews::Tentative,
                _ => visits::HostNews::Reject {
                    code: activity
                        .get("reasonCode")
                        .and_then(Value::as_str)
                        .map(String::from),
                    reason,
                },
            };
            space_answer(visits::receive_host_news(ctx, actor, offered, news).await)
        }
        ("Undo", "Offer") => {
            let offered = object
                .get("object")
                .and_then(id_of)
                .ok_or_else(|| FederationError::BadRequest("an Undo without its Offer".into()))?;
            if opportunities::knows_application(ctx, offered).await? {
                return space_answer(opportunities::receive_withdrawal(ctx, actor, offered).await);
            }
            space_answer(visits::receive_withdrawal(ctx, actor, offered).await)
        }
        ("Update", "Offer") => {
            // The poster's shortlist: the Offer with its new state.
            let offered = object
                .get("object")
                .and_then(id_of)
                .ok_or_else(|| FederationError::BadRequest("an Update without its Offer".into()))?;
            let decision = object
                .get("state")
                .and_then(Value::as_str)
                .and_then(opportunities::Decision::parse)
                .ok_or_else(|| {
                    FederationError::BadRequest("an Update of an Offer needs a state".into())
                })?;
            let message = activity
                .get("content")
                .and_then(Value::as_str)
                .map(String::from);
            space_answer(
                opportunities::receive_answer(ctx, actor, offered, decision, message).await,
            )
        }
        ("Update", "Visit") => {
            let uri = id_of(&object)
                .ok_or_else(|| FederationError::BadRequest("a Visit needs an id".into()))?;
            let time = |k: &str| {
                object
                    .get(k)
                    .and_then(Value::as_str)
                    .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
                    .map(|t| t.naive_utc())
            };
            let news = visits::HostNews::Update {
                state: object
                    .get("state")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string(),
                checked_in_at: time("checkedInAt"),
                checked_out_at: time("checkedOutAt"),
            };
            space_answer(visits::receive_host_news(ctx, actor, uri, news).await)
        }
        ("Accept" | "Reject", _) => {
            // Only the followed account answers: the Follow's object must be the sender.
            if let Some(followed) = object.get("object").and_then(id_of) {
                if followed != actor.uri {
                    return Err(FederationError::BadRequest(
                        "an answer for someone else's follow".into(),
                    ));
                }
            }
            let follow_id = id_of(&object);
            let follower = object.get("actor").and_then(id_of);
            match follows::receive_answer(ctx, actor, follow_id, follower, kind == "Accept").await {
                Err(AppError::NotFound(_)) => Ok(()),
                other => Ok(other?),
            }
        }
        ("Undo", "Follow") => {
            if object.get("actor").and_then(id_of) != Some(actor.uri.as_str()) {
                return Err(FederationError::BadRequest(
                    "only the follower undoes a follow".into(),
                ));
            }
            let target = object.get("object").and_then(id_of).unwrap_or_default();
            Ok(follows::receive_unfollow(ctx, actor, target).await?)
        }
        ("Create" | "Update", "Event") => {
            let (organizer, event) = crate::objects::event::parse_event(actor, &object)?;
            let organizer = if organizer.as_str() == actor.uri {
                actor.clone()
            } else {
                ctx.resolver()?.resolve_actor(ctx, &organizer).await?
            };
            match events::receive_event(ctx, &organizer, event).await {
                Err(AppError::Forbidden(m)) => Err(FederationError::BadRequest(m)),
                other => Ok(other?),
            }
        }
        ("Join", _) => {
            let event = id_of(&object)
                .ok_or_else(|| FederationError::BadRequest("Join without object".into()))?;
            let message = activity
                .get("participationMessage")
                .and_then(Value::as_str)
                .map(String::from);
            match events::receive_join(ctx, actor, id, event, message).await {
                Err(AppError::NotFound(_)) => Ok(()),
                other => Ok(other?),
            }
        }
        ("Leave", _) => {
            let event = id_of(&object)
                .ok_or_else(|| FederationError::BadRequest("Leave without object".into()))?;
            match events::receive_leave(ctx, actor, event).await {
                Err(AppError::NotFound(_)) => Ok(()),
                other => Ok(other?),
            }
        }
        ("Create" | "Update", "Note") if is_opportunity(&object) => {
            receive_opportunity(data, actor, &object).await
        }
        ("Create", "Note" | "Article" | "Page" | "Question") => {
            let note = parse_note(actor, &object)?;
            Ok(remote::receive_note(ctx, actor, note).await?)
        }
        ("Update", "Note" | "Article" | "Page" | "Question") => {
            let note = parse_note(actor, &object)?;
            match remote::receive_update(ctx, actor, note).await {
                Err(AppError::Forbidden(m)) => Err(FederationError::BadRequest(m)),
                other => Ok(other?),
            }
        }
        ("Update", "Person" | "Group" | "Service" | "Application" | "Organization") => {
            // Only actors update themselves; the new document must pass the same checks.
            if id_of(&object) != Some(actor.uri.as_str()) {
                return Err(FederationError::BadRequest(
                    "an actor updates only itself".into(),
                ));
            }
            let json: crate::protocol::actor::Actor = serde_json::from_value(object.clone())?;
            crate::objects::actor::verify_actor(&json, &Url::parse(&actor.uri)?)?;
            interspace_app::accounts::upsert_remote(ctx, crate::objects::actor::remote_actor(json))
                .await?;
            Ok(())
        }
        ("Delete", _) if id_of(&object) == Some(actor.uri.as_str()) => {
            Ok(remote::receive_actor_delete(ctx, actor).await?)
        }
        ("Flag", _) => {
            // Mastodon sends `object` as a list of the account and its posts.
            let objects: Vec<String> = match &object {
                Value::Array(items) => items.iter().filter_map(id_of).map(String::from).collect(),
                other => id_of(other).map(String::from).into_iter().collect(),
            };
            let content = activity
                .get("content")
                .and_then(Value::as_str)
                .unwrap_or_default();
            Ok(interspace_app::reports::receive_flag(ctx, actor, id, &objects, content).await?)
        }
        ("Block", _) => {
            let target = id_of(&object)
                .ok_or_else(|| FederationError::BadRequest("Block without object".into()))?;
            Ok(blocks::receive_block(ctx, actor, target, id, false).await?)
        }
        ("Undo", "Block") => {
            if object.get("actor").and_then(id_of) != Some(actor.uri.as_str()) {
                return Err(FederationError::BadRequest(
                    "only the blocker lifts a block".into(),
                ));
            }
            let target = object.get("object").and_then(id_of).unwrap_or_default();
            Ok(blocks::receive_block(ctx, actor, target, id, true).await?)
        }
        ("Delete", _) => {
            let target = id_of(&object)
                .ok_or_else(|| FederationError::BadRequest("Delete without object".into()))?;
            // Either side ends a partnership with its own Delete of the shared agreement.
            if partnerships::knows(ctx, target).await? {
                let reason = activity
                    .get("content")
                    .and_then(Value::as_str)
                    .map(String::from);
                return space_answer(
                    partnerships::receive_answer(
                        ctx,
                        actor,
                        target,
                        partnerships::Answer::End,
                        reason,
                    )
                    .await,
                );
            }
            if !same_origin(&Url::parse(target)?, &Url::parse(&actor.uri)?) {
                return Err(FederationError::BadRequest("only the owner deletes".into()));
            }
            match remote::receive_delete(ctx, actor, target).await {
                Err(AppError::Forbidden(m)) => Err(FederationError::BadRequest(m)),
                other => Ok(other?),
            }
        }
        ("Like" | "EmojiReact", _) => {
            let target = id_of(&object)
                .ok_or_else(|| FederationError::BadRequest("Like without object".into()))?;
            Ok(remote::receive_like(ctx, actor, id, target, false).await?)
        }
        ("Undo", "") => {
            // The object by id only: it names one of the actor's own activities.
            let target = id_of(&object)
                .ok_or_else(|| FederationError::BadRequest("Undo without object".into()))?;
            Ok(remote::receive_undo_by_id(ctx, actor, target).await?)
        }
        // FEP-1b12 groups also wrap whole activities. The plain Announce of the post is the
        // one recorded; a wrapped Create of something new (an opportunity relayed to a
        // partner space that does not follow) is fetched by its id, never taken from the
        // embed.
        ("Announce", "Create") => {
            if let Some(target) = object.get("object").and_then(id_of) {
                if !remote::knows_status(ctx, target).await?
                    && opportunities::of_status(ctx, target).await?.is_none()
                {
                    match fetch_object(data, target).await {
                        Err(e) if is_transient(&e) => return Err(retry_later(target, e)),
                        Err(e) => {
                            tracing::info!(error = %e, object = target, "cannot fetch a relayed object")
                        }
                        Ok(()) => {}
                    }
                }
            }
            Ok(())
        }
        ("Announce", "Update" | "Delete" | "Like" | "Announce" | "Undo") => Ok(()),
        ("Announce", _) => {
            // Never trust an embedded copy: only the id counts. A post we do not have is
            // fetched from its origin.
            let target = id_of(&object)
                .ok_or_else(|| FederationError::BadRequest("Announce without object".into()))?;
            if !remote::knows_status(ctx, target).await? {
                match fetch_object(data, target).await {
                    Err(e) if is_transient(&e) => return Err(retry_later(target, e)),
                    Err(e) => {
                        tracing::info!(error = %e, object = target, "cannot fetch a boosted post");
                        return Ok(());
                    }
                    Ok(()) => {}
                }
            }
            Ok(remote::receive_announce(ctx, actor, id, target, false).await?)
        }
        ("Undo", "Like" | "EmojiReact" | "Announce") => {
            if object.get("actor").and_then(id_of) != Some(actor.uri.as_str()) {
                return Err(FederationError::BadRequest(
                    "only the actor undoes its activity".into(),
                ));
            }
            let target = object.get("object").and_then(id_of).unwrap_or_default();
            if object_type != "Announce" {
                let like_id = id_of(&object).unwrap_or_default();
                Ok(remote::receive_like(ctx, actor, like_id, target, true).await?)
            } else {
                let announce_id = id_of(&object).unwrap_or_default();
                Ok(remote::receive_announce(ctx, actor, announce_id, target, true).await?)
            }
        }
        _ => {
            // Info, not debug: an activity we drop is what interop problems look like.
            tracing::info!(
                kind,
                object_type,
                id,
                "ignoring an activity of a kind not handled yet"
            );
            Ok(())
        }
    }
}

/// What a space activity's use-case said, as the inbox answers it: unknown things are
/// dropped quietly, refusals of the sender are 400.
fn space_answer(r: interspace_app::AppResult<()>) -> Result<(), FederationError> {
    match r {
        Err(AppError::NotFound(_)) => Ok(()),
        Err(AppError::Forbidden(m)) => Err(FederationError::BadRequest(m)),
        other => Ok(other?),
    }
}

/// A home space's `Offer` of a visit: the Visit is the Group's, its visitor on the Group's
/// server (fetched, never trusted from the embed), naming the Group as home space.
async fn receive_visit_offer(
    data: &Data,
    group: &Account,
    object: &Value,
) -> Result<(), FederationError> {
    let ctx = data.app_data();
    let bad = |m: &str| Err(FederationError::BadRequest(m.to_string()));
    if group.actor_type != "Group" {
        return bad("visits are vouched for by a space's Group");
    }
    let uri =
        id_of(object).ok_or_else(|| FederationError::BadRequest("a Visit needs an id".into()))?;
    let group_url = Url::parse(&group.uri)?;
    if !same_origin(&Url::parse(uri)?, &group_url) {
        return bad("the Visit is not on its home space's host");
    }
    if object.get("homeSpace").and_then(id_of) != Some(group.uri.as_str()) {
        return bad("the Visit names another home space");
    }
    let here = interspace_app::spaces::show(ctx).await?;
    if object.get("hostSpace").and_then(id_of) != Some(here.account.uri.as_str()) {
        return bad("the Visit is for another space");
    }
    let visitor_url = organizer_of(object, &group_url)?;
    let visitor = ctx.resolver()?.resolve_actor(ctx, &visitor_url).await?;
    let text = |k: &str| {
        object
            .get(k)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    space_answer(
        visits::receive_offer(
            ctx,
            group,
            uri,
            &visitor,
            &text("startDate"),
            &text("endDate"),
            Some(text("content")),
        )
        .await,
    )
}

/// Whether an Accept, Reject or TentativeAccept answers a Join (embedded, or one of ours by
/// id) rather than a Follow.
async fn is_join_answer(
    ctx: &interspace_app::AppContext,
    object: &Value,
) -> Result<bool, FederationError> {
    Ok(match object.get("type").and_then(Value::as_str) {
        Some("Join") => true,
        Some(_) => false,
        None => match id_of(object) {
            Some(id) => events::knows_join(ctx, id).await?,
            None => false,
        },
    })
}

/// Fetches a post or an event by its id (signed GET by the instance actor), checks it as if
/// it had come in a Create from its author, and stores it.
/// Whether a failed fetch may succeed later (the origin could not be reached or timed out):
/// the activity that needs it is then not acknowledged, so its sender retries. What our guard
/// refused, and whatever the origin answered, is final.
fn is_transient(e: &FederationError) -> bool {
    use activitypub_federation::error::Error as E;
    match e {
        FederationError::Protocol(E::ReqwestMiddleware(m)) => !crate::http_client::is_refused(m),
        FederationError::Protocol(E::Reqwest(_)) => true,
        _ => false,
    }
}

/// 503 (with `Retry-After`): the activity is released, and processed when the sender retries.
fn retry_later(target: &str, e: FederationError) -> FederationError {
    AppError::Unavailable(format!("cannot fetch {target} now: {e}")).into()
}

pub(crate) async fn fetch_object(data: &Data, uri: &str) -> Result<(), FederationError> {
    let ctx = data.app_data();
    let url = Url::parse(uri)?;
    if domains::is_blocked(ctx, &accounts::domain_of(&url)?).await? {
        return Err(FederationError::NotFound);
    }
    let fetched = activitypub_federation::fetch::fetch_object_http::<_, Value>(&url, data).await?;
    let object = fetched.object;
    limits::check(&object)
        .map_err(|reason| FederationError::BadRequest(format!("the fetched object {reason}")))?;
    if id_of(&object) != Some(uri) {
        return Err(FederationError::BadRequest(
            "the fetched object has another id".into(),
        ));
    }
    if object.get("type").and_then(Value::as_str) == Some("Event") {
        let organizer = ctx
            .resolver()?
            .resolve_actor(ctx, &organizer_of(&object, &url)?)
            .await?;
        let (_, event) = crate::objects::event::parse_event(&organizer, &object)?;
        return Ok(events::receive_event(ctx, &organizer, event).await?);
    }
    let author_uri = strings(object.get("attributedTo"))
        .into_iter()
        .next()
        .ok_or_else(|| FederationError::BadRequest("a post without author".into()))?;
    let author = ctx
        .resolver()?
        .resolve_actor(ctx, &Url::parse(&author_uri)?)
        .await?;
    if is_opportunity(&object) {
        return receive_opportunity(data, &author, &object).await;
    }
    let note = parse_note(&author, &object)?;
    Ok(remote::receive_note(ctx, &author, note).await?)
}

/// The actor an object is attributed to, on the object's own host.
fn organizer_of(object: &Value, origin: &Url) -> Result<Url, FederationError> {
    let url = strings(object.get("attributedTo"))
        .into_iter()
        .next()
        .map(|a| Url::parse(&a))
        .transpose()?
        .ok_or_else(|| FederationError::BadRequest("an object without author".into()))?;
    if !same_origin(&url, origin) {
        return Err(FederationError::BadRequest(
            "the object is attributed to another host".into(),
        ));
    }
    Ok(url)
}

/// A Note from the wire, checked: its id on its author's host, attributed to the sender.
fn parse_note(actor: &Account, object: &Value) -> Result<RemoteNote, FederationError> {
    let uri = object.get("id").and_then(Value::as_str).ok_or_else(|| {
        FederationError::BadRequest("a Note needs an embedded object with an id".into())
    })?;
    let actor_url = Url::parse(&actor.uri)?;
    if !same_origin(&Url::parse(uri)?, &actor_url) {
        return Err(FederationError::BadRequest(
            "the Note is not on its author's host".into(),
        ));
    }
    let attributed = strings(object.get("attributedTo"));
    if attributed.first().map(String::as_str) != Some(actor.uri.as_str()) {
        return Err(FederationError::BadRequest(
            "the Note is attributed to someone else".into(),
        ));
    }
    let to = strings(object.get("to"));
    let cc = strings(object.get("cc"));
    let followers = actor.followers_url.clone().unwrap_or_default();
    let visibility = if to.iter().any(|s| is_public(s)) {
        "public"
    } else if cc.iter().any(|s| is_public(s)) {
        "unlisted"
    } else if !followers.is_empty() && to.iter().chain(cc.iter()).any(|s| *s == followers) {
        "private"
    } else {
        "direct"
    };
    let tags: Vec<&Value> = match object.get("tag") {
        Some(Value::Array(a)) => a.iter().take(100).collect(),
        Some(v @ Value::Object(_)) => vec![v],
        _ => vec![],
    };
    let of_type = |t: &'static str| {
        tags.iter()
            .filter(move |x| x.get("type").and_then(Value::as_str) == Some(t))
    };
    let mut mentions: Vec<String> = of_type("Mention")
        .filter_map(|m| m.get("href").and_then(Value::as_str).map(String::from))
        .collect();
    // Direct messages name their recipients in `to`: count those as mentions too.
    mentions.extend(
        to.iter()
            .chain(cc.iter())
            .filter(|s| !is_public(s) && **s != followers)
            .cloned(),
    );
    mentions.sort();
    mentions.dedup();
    let hashtags = of_type("Hashtag")
        .filter_map(|h| h.get("name").and_then(Value::as_str).map(String::from))
        .collect();
    Ok(RemoteNote {
        uri: uri.to_string(),
        url: object
            .get("url")
            .and_then(crate::protocol::actor::first_href),
        content: object
            .get("content")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string(),
        summary: object
            .get("summary")
            .and_then(Value::as_str)
            .map(String::from)
            .filter(|s| !s.is_empty()),
        sensitive: object
            .get("sensitive")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        language: object
            .get("contentMap")
            .and_then(Value::as_object)
            .and_then(|m| m.keys().next().cloned()),
        published: object
            .get("published")
            .and_then(Value::as_str)
            .and_then(|p| chrono::DateTime::parse_from_rfc3339(p).ok())
            .map(|p| p.naive_utc()),
        in_reply_to: object.get("inReplyTo").and_then(id_of).map(String::from),
        visibility: visibility.to_string(),
        mentions,
        hashtags,
    })
}

fn is_opportunity(object: &Value) -> bool {
    object.get("type").and_then(Value::as_str) == Some("Note")
        && crate::objects::opportunity::proposal_of(object).is_some()
}

/// A Note with a Proposal from its author: checked as a post, then stored as an opportunity.
async fn receive_opportunity(
    data: &Data,
    author: &Account,
    object: &Value,
) -> Result<(), FederationError> {
    let ctx = data.app_data();
    parse_note(author, object)?;
    let here = interspace_app::spaces::show(ctx).await?.account.uri;
    let Some(r) = crate::objects::opportunity::parse(object, &here)? else {
        return Ok(());
    };
    space_answer(opportunities::receive_opportunity(ctx, author, r).await)
}

/// An application's Agreement, on its applicant's host and attributed to them.
fn own_agreement(
    actor: &Account,
    object: &Value,
) -> Result<opportunities::RemoteApplication, FederationError> {
    let r = crate::objects::opportunity::parse_agreement(object)?;
    if !same_origin(&Url::parse(&r.uri)?, &Url::parse(&actor.uri)?)
        || object.get("attributedTo").and_then(id_of) != Some(actor.uri.as_str())
    {
        return Err(FederationError::BadRequest(
            "an application is its applicant's own".into(),
        ));
    }
    Ok(r)
}
