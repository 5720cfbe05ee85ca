//! What the instance does with an activity it received, once the inbox has verified who sent
//! it and claimed its id: the activity is read into its type ([`protocol::inbound`]) and handed
//! to the module of its behaviour, which checks origin, ownership and audience next to what it
//! does. Kinds we do not act on are acknowledged and ignored.
//!
//! [`protocol::inbound`]: crate::protocol::inbound

mod actor;
mod event;
mod fetch;
mod follow;
mod moderation;
mod note;
mod opportunity;
mod partnership;
mod visit;

pub(crate) use fetch::fetch_object;

use crate::protocol::inbound::{Activity, Answer, Answered, Created, Embedded, Node, Undone};
use crate::protocol::values::id_of;
use crate::{Data, FederationError};
use interspace_app::{opportunities, partnerships, Account, AppContext, AppError, AppResult};
use serde::Deserialize;
use serde_json::Value;
use url::Url;

/// One verified activity: who sent it and its id.
pub(crate) struct Received<'a> {
    pub data: &'a Data,
    pub actor: &'a Account,
    pub id: &'a str,
}

impl Received<'_> {
    fn ctx(&self) -> &AppContext {
        self.data.app_data()
    }

    /// Whether `uri` lives on the sender's host.
    fn on_senders_host(&self, uri: &str) -> Result<bool, FederationError> {
        Ok(crate::objects::actor::same_origin(
            &Url::parse(uri)?,
            &Url::parse(&self.actor.uri)?,
        ))
    }
}

/// How an answer answers (`Accept`, `Reject`, `TentativeAccept`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verdict {
    Accept,
    Reject,
    Tentative,
}

/// Acts on one activity from `actor` (already verified as its sender).
pub async fn receive(
    data: &Data,
    actor: &Account,
    id: &str,
    activity: &Value,
) -> Result<(), FederationError> {
    let kind = activity.get("type");
    if !matches!(kind, Some(Value::String(_))) {
        tracing::debug!(id, ?kind, "ignoring an activity without one type");
        return Ok(());
    }
    let typed = Activity::deserialize(activity)
        .map_err(|e| FederationError::BadRequest(format!("a malformed activity: {e}")))?;
    let r = Received { data, actor, id };
    match typed {
        Activity::Follow(f) => follow::follow(&r, &f.object).await,
        Activity::Accept(a) => answer(&r, Verdict::Accept, a).await,
        Activity::Reject(a) => answer(&r, Verdict::Reject, a).await,
        Activity::TentativeAccept(a) => answer(&r, Verdict::Tentative, a).await,
        Activity::Offer(o) => match o.object {
            Node::Typed(offered) => offer(&r, offered).await,
            Node::Other(_) => ignored(&r, "an Offer of something else"),
        },
        Activity::Invite(i) => opportunity::invite(&r, i).await,
        Activity::Undo(u) => undo(&r, u.object).await,
        Activity::Create(c) => match c.object {
            Node::Typed(Created::Event(e)) => event::published(&r, &e).await,
            Node::Typed(Created::Note(n)) if opportunity::is_one(&n) => {
                opportunity::published(&r, &n).await
            }
            Node::Typed(Created::Note(n) | Created::Question(n)) => note::create(&r, &n).await,
            Node::Typed(Created::Article(n)) => note::create(&r, &with_type(n, "Article")).await,
            Node::Typed(Created::Page(n)) => note::create(&r, &with_type(n, "Page")).await,
            Node::Other(_) => ignored(&r, "a Create of something else"),
        },
        Activity::Update(u) => match u.object {
            Node::Typed(updated) => update(&r, updated, u.content.0).await,
            Node::Other(_) => ignored(&r, "an Update of something else"),
        },
        Activity::Delete(d) => {
            if d.object.id() == Some(actor.uri.as_str()) {
                return actor::deleted(&r).await;
            }
            let target = required(d.object.id(), "Delete without object")?;
            // Either side ends a partnership with its own Delete of the shared agreement.
            if partnerships::knows(r.ctx(), target).await? {
                return partnership::ended(&r, target, d.content.0).await;
            }
            note::delete(&r, target).await
        }
        Activity::Join(j) => event::join(&r, &j).await,
        Activity::Leave(l) => event::leave(&r, &l.object).await,
        Activity::Flag(f) => moderation::flag(&r, &f).await,
        Activity::Block(b) => moderation::block(&r, &b.object).await,
        Activity::Like(l) | Activity::EmojiReact(l) => note::like(&r, &l.object).await,
        Activity::Announce(a) => note::announce(&r, a.object).await,
        Activity::Unknown => ignored(&r, "a kind not handled"),
    }
}

fn ignored(r: &Received<'_>, what: &str) -> Result<(), FederationError> {
    tracing::debug!(id = r.id, actor = %r.actor.uri, "ignoring {what}");
    Ok(())
}

/// The id an activity cannot do without, or a 400 that says so.
/// An object routed by its `type` has lost it (serde takes the tag); a post's reader needs it
/// back (a Page's or an Article's `name` is its title).
fn with_type(mut object: Value, kind: &str) -> Value {
    if let Some(o) = object.as_object_mut() {
        o.insert("type".into(), Value::String(kind.into()));
    }
    object
}

fn required<'a>(id: Option<&'a str>, missing: &str) -> Result<&'a str, FederationError> {
    id.ok_or_else(|| FederationError::BadRequest(missing.to_string()))
}

/// What a use-case said, as the inbox answers it: something unknown here is dropped quietly,
/// a refusal of the sender is a 400.
fn answered(r: AppResult<()>) -> Result<(), FederationError> {
    match r {
        Err(AppError::NotFound(_)) => Ok(()),
        Err(AppError::Forbidden(m)) => Err(FederationError::BadRequest(m)),
        other => Ok(other?),
    }
}

/// `Accept`, `Reject` or `TentativeAccept`: of an RSVP, a team invitation, one of our Offers
/// (application, partnership, visit) or a Follow.
async fn answer(r: &Received<'_>, verdict: Verdict, a: Answer) -> Result<(), FederationError> {
    match &a.object {
        Node::Typed(Answered::Join(join)) => {
            let join = required(join.id.id(), "an answer without its Join")?;
            event::answered(r, verdict, join, &a).await
        }
        Node::Typed(Answered::Invite(invite)) => {
            opportunity::invite_answered(r, verdict, invite).await
        }
        Node::Typed(Answered::Offer(offer)) => offer_answered(r, verdict, offer, &a).await,
        Node::Typed(Answered::Follow(follow)) => follow::answered(r, verdict, follow).await,
        Node::Other(v) => {
            // A Join of ours may be named by id alone.
            if let Some(join) = a.object.untyped().and_then(id_of) {
                if interspace_app::events::knows_join(r.ctx(), join).await? {
                    return event::answered(r, verdict, join, &a).await;
                }
            }
            follow::answered(r, verdict, &Embedded::of(v)).await
        }
    }
}

/// An answer to one of our Offers: what it offered says which agreement it answers.
async fn offer_answered(
    r: &Received<'_>,
    verdict: Verdict,
    offer: &Embedded,
    a: &Answer,
) -> Result<(), FederationError> {
    let offered = required(offer.object.id(), "an answer without its Offer")?;
    let reason = a.content.0.clone();
    if opportunities::knows_application(r.ctx(), offered).await? {
        return opportunity::offer_answered(r, verdict, offered, reason).await;
    }
    if partnerships::knows(r.ctx(), offered).await? {
        return partnership::answered_offer(r, verdict, offered, reason).await;
    }
    visit::offer_answered(r, verdict, offered, reason, a.reason_code.0.clone()).await
}

async fn offer(
    r: &Received<'_>,
    offered: crate::protocol::inbound::Offered,
) -> Result<(), FederationError> {
    use crate::protocol::inbound::Offered;
    match offered {
        Offered::Partnership(p) => partnership::offered(r, &p).await,
        Offered::Visit(v) => visit::offered(r, &v).await,
        Offered::Agreement(a) => opportunity::applied(r, &a).await,
    }
}

async fn undo(r: &Received<'_>, object: Node<Undone>) -> Result<(), FederationError> {
    if let Some(v) = object.untyped() {
        // Named by id alone: one of the actor's own activities.
        let target = required(id_of(v), "Undo without object")?;
        return note::undone_by_id(r, target).await;
    }
    match object {
        Node::Typed(Undone::Offer(o)) => {
            let offered = required(o.object.id(), "an Undo without its Offer")?;
            if opportunities::knows_application(r.ctx(), offered).await? {
                return opportunity::withdrawn(r, offered).await;
            }
            visit::withdrawn(r, offered).await
        }
        Node::Typed(Undone::Follow(f)) => follow::undone(r, &f).await,
        Node::Typed(Undone::Block(b)) => moderation::unblock(r, &b).await,
        Node::Typed(Undone::Like(l) | Undone::EmojiReact(l)) => note::unliked(r, &l).await,
        Node::Typed(Undone::Announce(a)) => note::unannounced(r, &a).await,
        Node::Other(_) => ignored(r, "an Undo of something else"),
    }
}

async fn update(
    r: &Received<'_>,
    updated: crate::protocol::inbound::Updated,
    content: Option<String>,
) -> Result<(), FederationError> {
    use crate::protocol::inbound::Updated;
    match updated {
        Updated::Offer(o) => opportunity::shortlisted(r, &o, content).await,
        Updated::Visit(v) => visit::updated(r, &v).await,
        Updated::Event(e) => event::published(r, &e).await,
        Updated::Note(n) if opportunity::is_one(&n) => opportunity::published(r, &n).await,
        Updated::Note(n) | Updated::Question(n) => note::update(r, &n).await,
        Updated::Article(n) => note::update(r, &with_type(n, "Article")).await,
        Updated::Page(n) => note::update(r, &with_type(n, "Page")).await,
        actor @ (Updated::Person(_)
        | Updated::Group(_)
        | Updated::Service(_)
        | Updated::Application(_)
        | Updated::Organization(_)) => match actor.actor() {
            Some(doc) => actor::updated(r, doc).await,
            None => ignored(r, "an actor Update that is not an object"),
        },
    }
}
