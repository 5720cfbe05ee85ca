//! Outgoing activities, built from outbox events at delivery time (what `delivery` sends):
//! the activity's JSON from the database-backed objects, and the inboxes it goes to.

use crate::protocol::Built;
use interspace_app::outbox::OutboxEvent;
use interspace_app::{
    accounts, domains, follows, outbox, remote, Account, AppContext, AppError, AppResult,
};
use interspace_core::delivery::{refuses_group_boosts, relay_shape, OutboxKind, RelayShape};
use serde_json::{json, Value};

fn follow_json(id: &str, actor: &str, object: &str) -> Value {
    json!({ "id": id, "type": "Follow", "actor": actor, "object": object })
}

/// The activity an outbox event becomes, as it goes on the wire (one context, no `null`,
/// see [`crate::protocol::context::document`]), and the inboxes it goes to.
pub async fn build(ctx: &AppContext, e: &OutboxEvent) -> AppResult<Option<Built>> {
    Ok(activity(ctx, e).await?.map(|b| Built {
        json: crate::protocol::context::document(b.json),
        ..b
    }))
}

async fn activity(ctx: &AppContext, e: &OutboxEvent) -> AppResult<Option<Built>> {
    let actor = accounts::get_any(ctx, &e.actor_id).await?;
    let target = match &e.target_id {
        Some(t) => Some(accounts::get_any(ctx, t).await?),
        None => None,
    };
    let to_target = |target: &Option<interspace_app::Account>| -> Vec<String> {
        target
            .iter()
            .filter(|t| !t.is_local())
            .map(|t| t.inbox_url.clone())
            .collect()
    };
    Ok(match e.kind {
        OutboxKind::Follow => {
            let target = target.as_ref().ok_or(AppError::NotFound("account"))?;
            let id = follows::follow_activity_id(ctx, &e.subject_id);
            Some(Built {
                json: follow_json(&id, &actor.uri, &target.uri),
                inboxes: to_target(&Some(target.clone())),
                id,
            })
        }
        OutboxKind::UndoFollow => {
            let target = target.as_ref().ok_or(AppError::NotFound("account"))?;
            let follow_id = follows::follow_activity_id(ctx, &e.subject_id);
            let id = format!("{follow_id}/undo");
            Some(Built {
                json: json!({
                    "id": id, "type": "Undo", "actor": actor.uri,
                    "object": follow_json(&follow_id, &actor.uri, &target.uri),
                }),
                inboxes: to_target(&Some(target.clone())),
                id,
            })
        }
        OutboxKind::AcceptFollow => {
            let follow = follows::get_follow(ctx, &e.subject_id).await?;
            let follower = target.as_ref().ok_or(AppError::NotFound("account"))?;
            let follow_id = follow
                .uri
                .clone()
                .unwrap_or_else(|| follows::follow_activity_id(ctx, &follow.id));
            let id = ctx
                .urls()
                .path(&format!("/accepts/{}", follow.id))
                .to_string();
            Some(Built {
                json: json!({
                    "id": id, "type": "Accept", "actor": actor.uri,
                    "object": follow_json(&follow_id, &follower.uri, &actor.uri),
                }),
                inboxes: to_target(&target),
                id,
            })
        }
        OutboxKind::RejectFollow => {
            let follower = target.as_ref().ok_or(AppError::NotFound("account"))?;
            let id = ctx
                .urls()
                .path(&format!("/rejects/{}", interspace_core::ids::new_id()))
                .to_string();
            Some(Built {
                json: json!({
                    "id": id, "type": "Reject", "actor": actor.uri,
                    "object": follow_json(&e.subject_id, &follower.uri, &actor.uri),
                }),
                inboxes: to_target(&target),
                id,
            })
        }
        OutboxKind::StatusCreate | OutboxKind::StatusUpdate | OutboxKind::StatusDelete => {
            let post = remote::status_for_delivery(ctx, &e.subject_id).await?;
            let (status, author, mentioned, _) = &post;
            let inboxes = recipients(ctx, author, status, e.kind, mentioned).await?;
            let what = match e.kind {
                OutboxKind::StatusUpdate => PostActivity::Update,
                OutboxKind::StatusDelete => PostActivity::Delete,
                _ => PostActivity::Create,
            };
            let (id, json) = post_activity_of(ctx, &post, what, None).await?;
            Some(Built { json, inboxes, id })
        }
        OutboxKind::Like | OutboxKind::UndoLike => {
            let (status, author, _, _) = remote::status_for_delivery(ctx, &e.subject_id).await?;
            if author.is_local() {
                return Ok(None);
            }
            let like_id = e
                .object_uri
                .clone()
                .unwrap_or_else(|| format!("{}/likes/{}", actor.uri, status.id));
            let like =
                json!({ "id": like_id, "type": "Like", "actor": actor.uri, "object": status.uri });
            let (id, json) = if e.kind == OutboxKind::Like {
                (like_id, like)
            } else {
                let id = format!("{like_id}/undo");
                (
                    id.clone(),
                    json!({ "id": id, "type": "Undo", "actor": actor.uri, "object": like }),
                )
            };
            Some(Built {
                json,
                inboxes: vec![shared_or_own(&author)],
                id,
            })
        }
        OutboxKind::Announce | OutboxKind::UndoAnnounce | OutboxKind::RelayAnnounce => {
            let (boost, _, _, _) = remote::status_for_delivery(ctx, &e.subject_id).await?;
            let of = boost
                .reblog_of_id
                .as_deref()
                .ok_or(AppError::NotFound("status"))?;
            let (original, original_author, _, _) = remote::status_for_delivery(ctx, of).await?;
            let announce = announce_json(&boost, &actor, &original, &original_author);
            let mut inboxes = follows::remote_follower_inboxes(ctx, &actor.id).await?;
            if !original_author.is_local() {
                inboxes.push(shared_or_own(&original_author));
            }
            inboxes.sort();
            inboxes.dedup();
            // A group's plain boost goes only where it is read (FEP-1b12): a relayed post's
            // to the servers that read boosts (the others get its `RelayCreate`), and none to
            // group software, which refuses it.
            let inboxes = if e.kind == OutboxKind::RelayAnnounce {
                reading(ctx, inboxes, RelayShape::Boost).await?
            } else if actor.actor_type == "Group" {
                inboxes_whose_software(ctx, inboxes, |s| !refuses_group_boosts(s)).await?
            } else {
                inboxes
            };
            let (id, json) = if e.kind == OutboxKind::UndoAnnounce {
                let id = format!("{}/undo", boost.uri);
                (
                    id.clone(),
                    json!({ "id": id, "type": "Undo", "actor": actor.uri, "to": [PUBLIC], "object": announce }),
                )
            } else {
                (boost.uri.clone(), announce)
            };
            Some(Built { json, inboxes, id })
        }
        OutboxKind::Pin | OutboxKind::Unpin => {
            // Mastodon's way: Add to (Remove from) the author's `featured` collection.
            let (status, _, _, _) = remote::status_for_delivery(ctx, &e.subject_id).await?;
            let (kind, word) = match e.kind {
                OutboxKind::Pin => ("Add", "add"),
                _ => ("Remove", "remove"),
            };
            let at = e.created_at.and_utc().timestamp_millis();
            let id = format!("{}#{word}-{at}", status.uri);
            Some(Built {
                json: json!({
                    "id": id, "type": kind, "actor": actor.uri, "to": [PUBLIC],
                    "object": status.uri,
                    "target": crate::objects::actor::featured_url(&actor.uri),
                }),
                inboxes: follows::remote_follower_inboxes(ctx, &actor.id).await?,
                id,
            })
        }
        OutboxKind::Block | OutboxKind::UndoBlock => {
            let target = target.as_ref().ok_or(AppError::NotFound("account"))?;
            let block_id = ctx
                .urls()
                .path(&format!("/blocks/{}", e.subject_id))
                .to_string();
            let block = json!({ "id": block_id, "type": "Block", "actor": actor.uri, "object": target.uri });
            let (id, json) = if e.kind == OutboxKind::Block {
                (block_id, block)
            } else {
                let id = format!("{block_id}/undo");
                (
                    id.clone(),
                    json!({ "id": id, "type": "Undo", "actor": actor.uri, "object": block }),
                )
            };
            Some(Built {
                json,
                inboxes: to_target(&Some(target.clone())),
                id,
            })
        }
        OutboxKind::Flag => {
            // A forwarded report, sent by the instance actor so the reporter stays anonymous.
            let target = target.as_ref().ok_or(AppError::NotFound("account"))?;
            let (report, status_uris) =
                interspace_app::reports::for_delivery(ctx, &e.subject_id).await?;
            let id = interspace_app::reports::flag_id(ctx, &report.id);
            let objects: Vec<String> = std::iter::once(target.uri.clone())
                .chain(status_uris)
                .collect();
            Some(Built {
                json: json!({
                    "id": id, "type": "Flag", "actor": actor.uri, "object": objects,
                    "content": report.comment,
                }),
                inboxes: to_target(&Some(target.clone())),
                id,
            })
        }
        OutboxKind::ActorDelete => {
            // One event per remote contact, all the same activity: each adds that contact's
            // (shared) inbox, and the queue sends it there once.
            let contact = target.as_ref().ok_or(AppError::NotFound("account"))?;
            let id = format!("{}#delete", actor.uri);
            Some(Built {
                json: json!({
                    "id": id, "type": "Delete", "actor": actor.uri, "to": [PUBLIC],
                    "object": actor.uri,
                }),
                inboxes: vec![shared_or_own(contact)],
                id,
            })
        }
        OutboxKind::RelayCreate | OutboxKind::RelayUpdate | OutboxKind::RelayDelete => {
            // FEP-1b12: the space re-shares the Create of a post addressed to it, whole, and
            // later its Update or Delete, to the servers that read activities (the others get
            // the space's boost, `RelayAnnounce`, and its Undo).
            let at = e.created_at.and_utc().timestamp_millis();
            let (what, announce_id) = match e.kind {
                OutboxKind::RelayCreate => (
                    PostActivity::Create,
                    format!("{}/relays/{}", actor.uri, e.subject_id),
                ),
                OutboxKind::RelayUpdate => (
                    PostActivity::Update,
                    format!("{}/relays/{}/update-{at}", actor.uri, e.subject_id),
                ),
                _ => (
                    PostActivity::Delete,
                    format!("{}/relays/{}/delete", actor.uri, e.subject_id),
                ),
            };
            let Some(json) = relay_json(
                ctx,
                &actor,
                &e.subject_id,
                what,
                e.object_uri.as_deref(),
                announce_id.clone(),
            )
            .await?
            else {
                return Ok(None);
            };
            let inboxes = follows::remote_follower_inboxes(ctx, &actor.id).await?;
            Some(Built {
                json,
                inboxes: reading(ctx, inboxes, RelayShape::Activity).await?,
                id: announce_id,
            })
        }
        OutboxKind::ActorUpdate => {
            let Some(which) = ctx.urls().local_actor(
                &url::Url::parse(&actor.uri).map_err(|e| AppError::Internal(e.to_string()))?,
            ) else {
                return Ok(None);
            };
            let view = interspace_app::actors::get_local(ctx, &which).await?;
            let object = serde_json::to_value(
                crate::objects::actor::local_actor_json(&view)
                    .map_err(|e| AppError::Internal(e.to_string()))?,
            )
            .map_err(|e| AppError::Internal(e.to_string()))?;
            let id = format!(
                "{}#update-{}",
                actor.uri,
                actor.updated_at.and_utc().timestamp_millis()
            );
            let json = json!({
                "id": id, "type": "Update", "actor": actor.uri, "to": [PUBLIC], "object": object,
            });
            let inboxes = follows::remote_follower_inboxes(ctx, &actor.id).await?;
            Some(Built { json, inboxes, id })
        }
        OutboxKind::OpportunityCreate
        | OutboxKind::OpportunityUpdate
        | OutboxKind::OpportunityDelete
        | OutboxKind::RelayOpportunity
        | OutboxKind::ApplicationOffer
        | OutboxKind::ApplicationWithdraw
        | OutboxKind::ApplicationAnswer
        | OutboxKind::TeamInvite
        | OutboxKind::TeamAccept
        | OutboxKind::TeamReject => Some(crate::objects::opportunity::build(ctx, e).await?),
        OutboxKind::EventCreate
        | OutboxKind::EventUpdate
        | OutboxKind::EventDelete
        | OutboxKind::RelayEvent => Some(event_activity(ctx, e, &actor).await?),
        OutboxKind::EventJoin
        | OutboxKind::EventLeave
        | OutboxKind::EventAccept
        | OutboxKind::EventReject
        | OutboxKind::EventTentative => Some(participation_activity(ctx, e).await?),
        OutboxKind::PartnershipOffer
        | OutboxKind::PartnershipAccept
        | OutboxKind::PartnershipReject
        | OutboxKind::PartnershipEnd
        | OutboxKind::VisitOffer
        | OutboxKind::VisitUndo
        | OutboxKind::VisitAccept
        | OutboxKind::VisitReject
        | OutboxKind::VisitTentative
        | OutboxKind::VisitUpdate => Some(crate::objects::visit::build(ctx, e).await?),
    })
}

pub use crate::protocol::values::PUBLIC;
use crate::protocol::values::{iso, shared_or_own};

/// The Note that a local post's id serves: public and unlisted posts only (others are not
/// found, deleted ones gone).
/// The `Create` or `Update` of a post.
fn post_activity(
    id: &str,
    activity_type: &str,
    status: &interspace_app::statuses::StatusRow,
    author: &Account,
    note: Value,
    to: &[String],
    cc: &[String],
) -> Value {
    json!({
        "id": id, "type": activity_type, "actor": author.uri, "to": to, "cc": cc,
        "published": iso(status.created_at), "object": note,
    })
}

/// A local account's boost as its `Announce`.
fn announce_json(
    boost: &interspace_app::statuses::StatusRow,
    booster: &Account,
    original: &interspace_app::statuses::StatusRow,
    original_author: &Account,
) -> Value {
    let followers = booster.followers_url.clone().unwrap_or_default();
    json!({
        "id": boost.uri, "type": "Announce", "actor": booster.uri,
        "published": iso(boost.created_at), "to": [PUBLIC],
        "cc": [original_author.uri, followers], "object": original.uri,
    })
}

/// One item of a local actor's `outbox`: the `Create` of a post (with its Note), or the
/// `Announce` of a boost; `None` when it went meanwhile.
pub async fn outbox_item(ctx: &AppContext, status_id: &str) -> AppResult<Option<Value>> {
    let Ok((status, author, _, _)) = remote::status_for_delivery(ctx, status_id).await else {
        return Ok(None);
    };
    if let Some(of) = status.reblog_of_id.as_deref() {
        let Ok((original, original_author, _, _)) = remote::status_for_delivery(ctx, of).await
        else {
            return Ok(None);
        };
        // A group's re-shares are listed as group software reads them (Lemmy loads a
        // community's recent posts from its outbox).
        if author.actor_type == "Group" {
            let id = format!("{}/relays/{}", author.uri, original.id);
            return relay_json(ctx, &author, &original.id, PostActivity::Create, None, id).await;
        }
        return Ok(Some(announce_json(
            &status,
            &author,
            &original,
            &original_author,
        )));
    }
    create_json(ctx, status_id, None).await
}

/// The Notes of an account's public and unlisted pinned posts, for its `featured` collection.
pub async fn featured(ctx: &AppContext, account_id: &str) -> AppResult<Vec<Value>> {
    let mut notes = Vec::new();
    for post in interspace_app::statuses::pinned(ctx, account_id, None).await? {
        if let Some(create) = create_json(ctx, &post.status.id, None).await? {
            notes.push(create["object"].clone());
        }
    }
    Ok(notes)
}

/// What a group re-shares of a post: its `Create`, its `Update` or its `Delete`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PostActivity {
    Create,
    Update,
    Delete,
}

/// A group's `Announce` of the whole `Create`, `Update` or `Delete` of a post, all marked with
/// the group as their `audience` (FEP-1b12); `None` when the post is gone from our database.
/// `announce_id`: the Announce's id, under the group's.
async fn relay_json(
    ctx: &AppContext,
    group: &Account,
    status_id: &str,
    what: PostActivity,
    activity_id: Option<&str>,
    announce_id: String,
) -> AppResult<Option<Value>> {
    let Some(mut inner) = post_json(ctx, status_id, what, activity_id).await? else {
        return Ok(None);
    };
    inner["audience"] = json!(group.uri);
    if what != PostActivity::Delete {
        inner["object"]["audience"] = json!(group.uri);
    }
    let followers = group.followers_url.clone().unwrap_or_default();
    Ok(Some(json!({
        "id": announce_id, "type": "Announce", "actor": group.uri, "to": [PUBLIC],
        "cc": [followers], "audience": group.uri, "object": inner,
    })))
}

/// The `Create` of a post, with its Note: ours as we sent it, or one from elsewhere as its
/// author's server sent it; `None` when the post went meanwhile.
async fn create_json(
    ctx: &AppContext,
    status_id: &str,
    create_id: Option<&str>,
) -> AppResult<Option<Value>> {
    post_json(ctx, status_id, PostActivity::Create, create_id).await
}

/// The `Create` or `Update` of a post (with its Note) or its `Delete`; `None` when the post went
/// meanwhile (a `Delete` is still built). See [`post_activity_of`].
async fn post_json(
    ctx: &AppContext,
    status_id: &str,
    what: PostActivity,
    activity_id: Option<&str>,
) -> AppResult<Option<Value>> {
    let Ok(post) = remote::status_for_delivery(ctx, status_id).await else {
        return Ok(None);
    };
    if post.0.deleted_at.is_some() && what != PostActivity::Delete {
        return Ok(None);
    }
    Ok(Some(
        post_activity_of(ctx, &post, what, activity_id).await?.1,
    ))
}

/// A post as deliveries need it: the row, its author, the accounts it mentions, its tags.
type Post = (
    interspace_app::statuses::StatusRow,
    Account,
    Vec<Account>,
    Vec<String>,
);

/// The `Create` or `Update` of a post (with its Note) or its `Delete` (of a `Tombstone`), and
/// its id: the one its author's server gave it (`activity_id`, for a post from elsewhere), else
/// the one ours gives it (for a post from elsewhere that we fetched: `{post}#create`, ...).
async fn post_activity_of(
    ctx: &AppContext,
    (status, author, mentioned, tags): &Post,
    what: PostActivity,
    activity_id: Option<&str>,
) -> AppResult<(String, Value)> {
    let (to, cc) = addressing(&status.visibility, author, mentioned);
    let edited = status
        .edited_at
        .unwrap_or(status.created_at)
        .and_utc()
        .timestamp();
    let id = match (activity_id, what) {
        (Some(id), _) => id.to_string(),
        (None, PostActivity::Create) if author.is_local() => format!("{}/activity", status.uri),
        (None, PostActivity::Create) => format!("{}#create", status.uri),
        (None, PostActivity::Update) => format!("{}#update-{edited}", status.uri),
        (None, PostActivity::Delete) => format!("{}#delete", status.uri),
    };
    if what == PostActivity::Delete {
        let json = json!({
            "id": id, "type": "Delete", "actor": author.uri, "to": to, "cc": cc,
            "object": { "id": status.uri, "type": "Tombstone" },
        });
        return Ok((id, json));
    }
    let note = note(ctx, status, author, mentioned, tags, &to, &cc).await?;
    let kind = if what == PostActivity::Update {
        "Update"
    } else {
        "Create"
    };
    let json = post_activity(&id, kind, status, author, note, &to, &cc);
    Ok((id, json))
}

/// The inboxes among `inboxes` whose server's software (NodeInfo's name, if known) passes
/// `keep`.
async fn inboxes_whose_software(
    ctx: &AppContext,
    inboxes: Vec<String>,
    keep: impl Fn(Option<&str>) -> bool,
) -> AppResult<Vec<String>> {
    Ok(with_software(ctx, inboxes)
        .await?
        .into_iter()
        .filter(|(_, software)| keep(software.as_deref()))
        .map(|(inbox, _)| inbox)
        .collect())
}

/// The inboxes among `inboxes` whose server reads a relayed post in `shape`.
async fn reading(
    ctx: &AppContext,
    inboxes: Vec<String>,
    shape: RelayShape,
) -> AppResult<Vec<String>> {
    inboxes_whose_software(ctx, inboxes, |s| relay_shape(s) == shape).await
}

/// Each inbox with the software its server runs (see [`domains::software_of`]).
async fn with_software(
    ctx: &AppContext,
    inboxes: Vec<String>,
) -> AppResult<Vec<(String, Option<String>)>> {
    let domain = |inbox: &str| {
        url::Url::parse(inbox)
            .ok()
            .and_then(|u| interspace_core::urls::domain_of(&u))
    };
    let mut names: Vec<String> = inboxes.iter().filter_map(|i| domain(i)).collect();
    names.sort();
    names.dedup();
    let known = domains::software_of(ctx, &names).await?;
    Ok(inboxes
        .into_iter()
        .map(|inbox| {
            let software = domain(&inbox).and_then(|d| known.get(&d).cloned().flatten());
            (inbox, software)
        })
        .collect())
}

/// A local post's Note for `reader` (the verified signer of the GET, if any): public and
/// unlisted posts for anyone, others only for an actor who may see them (a follower of the
/// author for followers-only posts, the mentioned); 404 otherwise, as if it did not exist.
pub async fn note_document(
    ctx: &AppContext,
    username: &str,
    id: &str,
    reader: Option<&Account>,
) -> AppResult<Value> {
    let (status, author, mentioned, tags) = remote::status_for_delivery(ctx, id)
        .await
        .map_err(|_| AppError::NotFound("status"))?;
    if !author.is_local() || author.username != username || status.reblog_of_id.is_some() {
        return Err(AppError::NotFound("status"));
    }
    if !matches!(status.visibility.as_str(), "public" | "unlisted") {
        let Some(reader) = reader else {
            return Err(AppError::NotFound("status"));
        };
        interspace_app::statuses::get_visible(ctx, id, Some(&reader.id))
            .await
            .map_err(|_| AppError::NotFound("status"))?;
    }
    if status.deleted_at.is_some() || author.deleted_at.is_some() {
        return Err(AppError::Gone("status"));
    }
    let (to, cc) = addressing(&status.visibility, &author, &mentioned);
    note(ctx, &status, &author, &mentioned, &tags, &to, &cc).await
}

/// `to` and `cc` of a post, as Mastodon addresses each visibility.
pub fn addressing(
    visibility: &str,
    author: &Account,
    mentioned: &[Account],
) -> (Vec<String>, Vec<String>) {
    let followers = author.followers_url.clone().unwrap_or_default();
    let mentions: Vec<String> = mentioned.iter().map(|a| a.uri.clone()).collect();
    match visibility {
        "public" => (vec![PUBLIC.into()], [vec![followers], mentions].concat()),
        "unlisted" => (vec![followers], [vec![PUBLIC.into()], mentions].concat()),
        "private" => (vec![followers], mentions),
        _ => (mentions, vec![]),
    }
}

/// The inboxes a post's activity goes to: remote followers (except for direct messages), or,
/// for the Update or Delete of a private post, where its Create went (also a follower who left
/// since: they hold a copy; never one who came later); and the remote accounts it mentions.
/// Each shared inbox once.
async fn recipients(
    ctx: &AppContext,
    author: &Account,
    status: &interspace_app::statuses::StatusRow,
    kind: OutboxKind,
    mentioned: &[Account],
) -> AppResult<Vec<String>> {
    let private = matches!(status.visibility.as_str(), "private" | "direct");
    let mut inboxes = if kind != OutboxKind::StatusCreate && private {
        outbox::audience_of(ctx, &format!("{}/activity", status.uri)).await?
    } else if status.visibility == "direct" {
        vec![]
    } else {
        follows::remote_follower_inboxes(ctx, &author.id).await?
    };
    inboxes.extend(
        mentioned
            .iter()
            .filter(|a| !a.is_local())
            .map(shared_or_own),
    );
    inboxes.sort();
    inboxes.dedup();
    Ok(inboxes)
}

async fn note(
    ctx: &AppContext,
    status: &interspace_app::statuses::StatusRow,
    author: &Account,
    mentioned: &[Account],
    tags: &[String],
    to: &[String],
    cc: &[String],
) -> AppResult<Value> {
    let in_reply_to = match &status.in_reply_to_id {
        Some(id) => Some(remote::status_for_delivery(ctx, id).await?.0.uri),
        None => None,
    };
    let mut tag: Vec<Value> = mentioned
        .iter()
        .map(|a| json!({ "type": "Mention", "href": a.uri, "name": format!("@{}", accounts::acct_with_domain(ctx, a)) }))
        .collect();
    tag.extend(tags.iter().map(|t| json!({ "type": "Hashtag", "href": ctx.urls().path(&format!("/tags/{t}")), "name": format!("#{t}") })));
    let media = interspace_app::statuses::media_of(ctx, &status.id).await?;
    let attachment: Vec<Value> = media
        .iter()
        .map(|m| json!({
            "type": "Document", "mediaType": m.content_type, "url": interspace_app::media::url(ctx, m),
            "name": m.description, "width": m.width, "height": m.height,
        }))
        .collect();
    Ok(json!({
        "id": status.uri,
        "type": "Note",
        "attributedTo": author.uri,
        "url": status.url,
        "content": status.content,
        "summary": if status.spoiler_text.is_empty() { Value::Null } else { json!(status.spoiler_text) },
        "sensitive": status.sensitive,
        "published": iso(status.created_at),
        "updated": status.edited_at.map(iso),
        "inReplyTo": in_reply_to,
        "to": to,
        "cc": cc,
        "tag": tag,
        "attachment": attachment,
        "contentMap": status.language.as_ref().map(|l| json!({ l.as_str(): status.content })),
    }))
}

/// `Create`, `Update` or `Delete` of a local event by its organiser, or the space's
/// `Announce(Create(Event))` re-share. Updates and deletions also reach every participant's
/// and the space's followers' instances.
async fn event_activity(ctx: &AppContext, e: &OutboxEvent, actor: &Account) -> AppResult<Built> {
    use crate::objects::event::event_json;
    let (view, participants) = interspace_app::events::for_delivery(ctx, &e.subject_id).await?;
    let organizer = &view.organizer;
    let mut inboxes = follows::remote_follower_inboxes(ctx, &organizer.id).await?;
    let object = event_json(&view);
    let (to, cc) = (object["to"].clone(), object["cc"].clone());
    let uri = &view.event.uri;
    let (id, json) = match e.kind {
        OutboxKind::EventCreate => {
            let id = format!("{uri}/activity");
            (
                id.clone(),
                json!({ "id": id, "type": "Create", "actor": organizer.uri, "to": to, "cc": cc, "object": object }),
            )
        }
        OutboxKind::RelayEvent => {
            inboxes = follows::remote_follower_inboxes(ctx, &actor.id).await?;
            let create = json!({
                "id": format!("{uri}/activity"), "type": "Create", "actor": organizer.uri,
                "to": to, "cc": cc, "object": object,
            });
            let id = format!("{}/relays/{}", actor.uri, view.event.id);
            let followers = actor.followers_url.clone().unwrap_or_default();
            (
                id.clone(),
                json!({ "id": id, "type": "Announce", "actor": actor.uri, "to": [PUBLIC], "cc": [followers], "object": create }),
            )
        }
        kind => {
            if let Some(space) = &view.space {
                if space.account.id != organizer.id {
                    inboxes.extend(follows::remote_follower_inboxes(ctx, &space.account.id).await?);
                }
            }
            inboxes.extend(participants.iter().map(shared_or_own));
            if kind == OutboxKind::EventDelete {
                let id = format!("{uri}#delete");
                (
                    id.clone(),
                    json!({
                        "id": id, "type": "Delete", "actor": organizer.uri, "to": to, "cc": cc,
                        "object": { "id": uri, "type": "Tombstone" },
                    }),
                )
            } else {
                // Seat counts change without a new sequence: every Update gets its own id.
                let id = format!("{uri}#updates/{}", interspace_core::ids::new_id());
                (
                    id.clone(),
                    json!({ "id": id, "type": "Update", "actor": organizer.uri, "to": to, "cc": cc, "object": object }),
                )
            }
        }
    };
    inboxes.sort();
    inboxes.dedup();
    Ok(Built { id, json, inboxes })
}

/// RSVPs: a local participant's `Join`/`Leave` to a remote organiser, or a local organiser's
/// `Accept`, `Reject` (with the reason) or `TentativeAccept` (waitlist) of a remote `Join`.
async fn participation_activity(ctx: &AppContext, e: &OutboxEvent) -> AppResult<Built> {
    let (p, event, participant, organizer) =
        interspace_app::events::participation_for_delivery(ctx, &e.subject_id).await?;
    let join_id = p
        .join_uri
        .clone()
        .ok_or_else(|| AppError::Internal("a federated participation without a Join id".into()))?;
    let join =
        json!({ "id": join_id, "type": "Join", "actor": participant.uri, "object": event.uri });
    let fresh = interspace_core::ids::new_id();
    let (id, json, to) = match e.kind {
        OutboxKind::EventJoin => {
            let mut join = join;
            join["participationMessage"] = json!(p.message);
            join["to"] = json!([organizer.uri]);
            (join_id.clone(), join, &organizer)
        }
        OutboxKind::EventLeave => {
            let id = format!("{join_id}/leave/{fresh}");
            (
                id.clone(),
                json!({
                    "id": id, "type": "Leave", "actor": participant.uri, "object": event.uri,
                    "to": [organizer.uri],
                }),
                &organizer,
            )
        }
        kind => {
            let (kind, code) = match kind {
                OutboxKind::EventAccept => ("Accept", None),
                OutboxKind::EventTentative => ("TentativeAccept", Some("waitlisted")),
                _ => (
                    "Reject",
                    Some(p.reason_code.as_deref().unwrap_or("rejected")),
                ),
            };
            let id = ctx
                .urls()
                .path(&format!("/participations/{}/{}", p.id, fresh))
                .to_string();
            (
                id.clone(),
                json!({
                    "id": id, "type": kind, "actor": organizer.uri, "object": join,
                    "to": [participant.uri], "content": p.reason, "reasonCode": code,
                }),
                &participant,
            )
        }
    };
    Ok(Built {
        id,
        json,
        inboxes: vec![shared_or_own(to)],
    })
}
