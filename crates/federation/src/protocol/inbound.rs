//! What an inbox acts on, typed: one structure per activity kind, tagged by `type`, and per
//! kind of object those activities carry. Anything else is [`Activity::Unknown`] (or, for an
//! object, [`Node::Other`]), acknowledged and ignored.
//!
//! Peers write ids as strings or as objects carrying them, texts where we expect them or not at
//! all: references and texts are read leniently ([`Reference`], [`Text`]), so that a shape we do
//! not use never makes a whole activity fail. Whole objects (events, posts, agreements, actors)
//! stay JSON here and are read by their own module in `objects`, which checks them.

use super::values::{id_of, strings};
use serde::{Deserialize, Deserializer};
use serde_json::Value;

/// The activities the inbox acts on.
#[derive(Debug, Deserialize)]
#[serde(tag = "type")]
pub enum Activity {
    Follow(Targeted),
    Accept(Answer),
    Reject(Answer),
    TentativeAccept(Answer),
    Offer(Offer),
    Invite(Invite),
    Undo(Undo),
    Create(Create),
    Update(Update),
    Delete(Delete),
    Join(Join),
    Leave(Targeted),
    Flag(Flag),
    Block(Targeted),
    Like(Targeted),
    EmojiReact(Targeted),
    Announce(Announce),
    #[serde(other)]
    Unknown,
}

/// An id, given as a string or as an object carrying it; any other shape reads as no id.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reference(pub Option<String>);

impl Reference {
    pub fn id(&self) -> Option<&str> {
        self.0.as_deref()
    }
}

impl<'de> Deserialize<'de> for Reference {
    fn deserialize<D: Deserializer<'de>>(de: D) -> Result<Self, D::Error> {
        Ok(Self(id_of(&Value::deserialize(de)?).map(String::from)))
    }
}

/// A text, when it is one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Text(pub Option<String>);

impl Text {
    pub fn get(&self) -> Option<&str> {
        self.0.as_deref()
    }
}

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(de: D) -> Result<Self, D::Error> {
        Ok(Self(Value::deserialize(de)?.as_str().map(String::from)))
    }
}

/// One id or a list of them (addressing, Mastodon's Flag objects).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Ids(pub Vec<String>);

impl<'de> Deserialize<'de> for Ids {
    fn deserialize<D: Deserializer<'de>>(de: D) -> Result<Self, D::Error> {
        let v = Value::deserialize(de)?;
        Ok(Self(match &v {
            Value::Array(_) => strings(Some(&v)),
            other => id_of(other).map(String::from).into_iter().collect(),
        }))
    }
}

/// An activity's object: one of the kinds `T` names, or anything else (an id, an object of
/// another kind, nothing), kept as it came.
#[derive(Debug)]
pub enum Node<T> {
    Typed(T),
    Other(Value),
}

impl<T> Default for Node<T> {
    fn default() -> Self {
        Self::Other(Value::Null)
    }
}

impl<'de, T: serde::de::DeserializeOwned> Deserialize<'de> for Node<T> {
    fn deserialize<D: Deserializer<'de>>(de: D) -> Result<Self, D::Error> {
        let v = Value::deserialize(de)?;
        // Only objects can be typed; an object of a kind `T` does not name (or one we cannot
        // read as that kind) is kept as it came.
        if !v.is_object() {
            return Ok(Self::Other(v));
        }
        Ok(match T::deserialize(&v) {
            Ok(t) => Self::Typed(t),
            Err(_) => Self::Other(v),
        })
    }
}

impl<T> Node<T> {
    /// An untyped object: an id alone, or an embedded object without `type`.
    pub fn untyped(&self) -> Option<&Value> {
        match self {
            Self::Other(v) if v.get("type").is_none() => Some(v),
            _ => None,
        }
    }
}

/// An activity of one party embedded in another's, read by its references: what an answer,
/// an Undo or an Announce names.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Embedded {
    pub id: Reference,
    pub actor: Reference,
    pub object: Reference,
    /// The new state of an updated Offer.
    pub state: Text,
}

impl Embedded {
    /// Whatever was embedded, read leniently (an id alone has only its id).
    pub fn of(v: &Value) -> Self {
        Self::deserialize(v).unwrap_or_else(|_| Self {
            id: Reference(id_of(v).map(String::from)),
            ..Self::default()
        })
    }
}

/// `Follow`, `Leave`, `Block`, `Like`, `EmojiReact`: one target.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Targeted {
    pub object: Reference,
}

/// `Accept`, `Reject`, `TentativeAccept`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Answer {
    pub object: Node<Answered>,
    pub content: Text,
    pub summary: Text,
    #[serde(rename = "reasonCode")]
    pub reason_code: Text,
}

/// What an answer answers, when embedded with its type.
#[derive(Debug, Deserialize)]
#[serde(tag = "type")]
pub enum Answered {
    Join(Embedded),
    Invite(Embedded),
    Offer(Embedded),
    Follow(Embedded),
}

/// `Offer`: of a partnership, a visit or an application.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Offer {
    pub object: Node<Offered>,
}

#[derive(Debug, Deserialize)]
#[serde(tag = "type")]
pub enum Offered {
    Partnership(Partnership),
    Visit(Visit),
    Agreement(Value),
}

/// A partnership's agreement; its terms are read by `app` (a 400 names what is wrong).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Partnership {
    pub id: Reference,
    pub terms: Value,
}

/// A visit as its home space offers it and as its host space updates it.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Visit {
    pub id: Reference,
    pub home_space: Reference,
    pub host_space: Reference,
    pub attributed_to: Ids,
    pub start_date: Text,
    pub end_date: Text,
    pub content: Text,
    pub state: Text,
    pub checked_in_at: Text,
    pub checked_out_at: Text,
}

/// `Invite`: a team invitation, the applicant's Agreement, addressed to the invitees.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Invite {
    pub object: Node<Offered>,
    pub to: Ids,
}

/// `Undo`: of an Offer, a Follow, a Block, a Like, an EmojiReact or an Announce; or of one of
/// the actor's activities named by id alone.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Undo {
    pub object: Node<Undone>,
}

#[derive(Debug, Deserialize)]
#[serde(tag = "type")]
pub enum Undone {
    Offer(Embedded),
    Follow(Embedded),
    Block(Embedded),
    Like(Embedded),
    EmojiReact(Embedded),
    Announce(Embedded),
}

/// `Create`: of a post or an event.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Create {
    pub object: Node<Created>,
}

/// A post or an event, kept whole for `objects` to read.
#[derive(Debug, Deserialize)]
#[serde(tag = "type")]
pub enum Created {
    Event(Value),
    Note(Value),
    Article(Value),
    Page(Value),
    Question(Value),
}

/// `Update`: of a post, an event, a visit, an Offer's state, or the actor itself.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Update {
    pub object: Node<Updated>,
    pub content: Text,
}

#[derive(Debug, Deserialize)]
#[serde(tag = "type")]
pub enum Updated {
    Offer(Embedded),
    Visit(Visit),
    Event(Value),
    Note(Value),
    Article(Value),
    Page(Value),
    Question(Value),
    Person(Value),
    Group(Value),
    Service(Value),
    Application(Value),
    Organization(Value),
}

impl Updated {
    /// An updated actor document, with the type its tag carried.
    pub fn actor(self) -> Option<Value> {
        let (kind, mut doc) = match self {
            Self::Person(d) => ("Person", d),
            Self::Group(d) => ("Group", d),
            Self::Service(d) => ("Service", d),
            Self::Application(d) => ("Application", d),
            Self::Organization(d) => ("Organization", d),
            _ => return None,
        };
        doc.as_object_mut()?.insert("type".into(), kind.into());
        Some(doc)
    }
}

/// `Delete`: of a post, of a shared partnership, or of the actor itself.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Delete {
    pub object: Reference,
    pub content: Text,
}

/// `Join`: an RSVP.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Join {
    pub object: Reference,
    pub participation_message: Text,
}

/// `Flag`: a report of an account and its posts (Mastodon sends a list).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Flag {
    pub object: Ids,
    pub content: Text,
}

/// `Announce`: a boost of a post, or a FEP-1b12 group relaying a whole activity.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Announce {
    pub object: Node<Announced>,
}

#[derive(Debug, Deserialize)]
#[serde(tag = "type")]
pub enum Announced {
    Create(Embedded),
    Update(Embedded),
    Delete(Embedded),
    Like(Embedded),
    Announce(Embedded),
    Undo(Embedded),
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn read(v: Value) -> Activity {
        Activity::deserialize(&v).expect("an activity")
    }

    #[test]
    fn lemmy_posts_in_a_community_and_its_announces_read_as_posts() {
        use crate::objects::event::tests::fixture;
        let Activity::Create(c) = read(fixture(
            "from-lemmy/lemmy/activities/create_or_update/create_page.json",
        )) else {
            panic!("a Create")
        };
        assert!(matches!(c.object, Node::Typed(Created::Page(_))));
        let Activity::Announce(a) = read(fixture(
            "from-lemmy/lemmy/activities/community/announce_create_page.json",
        )) else {
            panic!("an Announce")
        };
        let Node::Typed(Announced::Create(create)) = a.object else {
            panic!("the announced Create")
        };
        assert_eq!(
            create.object.id(),
            Some("http://enterprise.lemmy.ml/post/7"),
            "what is fetched and boosted"
        );
    }

    #[test]
    fn references_are_strings_or_objects_with_ids() {
        let Activity::Follow(f) = read(json!({"type": "Follow", "object": "https://b/u/x"})) else {
            panic!("a Follow")
        };
        assert_eq!(f.object.id(), Some("https://b/u/x"));
        let Activity::Like(l) = read(json!({"type": "Like", "object": {"id": "https://b/n/1"}}))
        else {
            panic!("a Like")
        };
        assert_eq!(l.object.id(), Some("https://b/n/1"));
        let Activity::Block(b) = read(json!({"type": "Block", "object": 7})) else {
            panic!("a Block")
        };
        assert_eq!(b.object.id(), None);
    }

    #[test]
    fn unknown_kinds_and_objects_are_kept_apart() {
        assert!(matches!(
            read(json!({"type": "Arrive", "object": "x"})),
            Activity::Unknown
        ));
        let Activity::Create(c) =
            read(json!({"type": "Create", "object": {"type": "ChatMessage"}}))
        else {
            panic!("a Create")
        };
        assert!(matches!(c.object, Node::Other(_)));
        assert!(c.object.untyped().is_none());
        let Activity::Undo(u) = read(json!({"type": "Undo", "object": "https://b/likes/1"})) else {
            panic!("an Undo")
        };
        assert!(u.object.untyped().is_some());
    }

    #[test]
    fn answers_say_what_they_answer() {
        let a = read(json!({
            "type": "Reject", "reasonCode": "full", "content": "sorry",
            "object": {"type": "Join", "id": "https://a/join/1"}
        }));
        let Activity::Reject(a) = a else {
            panic!("a Reject")
        };
        assert!(
            matches!(&a.object, Node::Typed(Answered::Join(j)) if j.id.id() == Some("https://a/join/1"))
        );
        assert_eq!(a.reason_code.get(), Some("full"));
        assert_eq!(a.content.get(), Some("sorry"));
    }

    #[test]
    fn flags_name_one_or_many() {
        let Activity::Flag(f) =
            read(json!({"type": "Flag", "object": ["https://b/u/x", {"id": "https://b/n/1"}]}))
        else {
            panic!("a Flag")
        };
        assert_eq!(f.object.0, vec!["https://b/u/x", "https://b/n/1"]);
        assert_eq!(f.content.get(), None);
    }

    #[test]
    fn an_updated_actor_keeps_its_type() {
        let Activity::Update(u) =
            read(json!({"type": "Update", "object": {"type": "Service", "id": "https://b/bot"}}))
        else {
            panic!("an Update")
        };
        let Node::Typed(updated) = u.object else {
            panic!("a typed object")
        };
        let doc = updated.actor().expect("an actor");
        assert_eq!(doc["type"], "Service");
        assert_eq!(doc["id"], "https://b/bot");
    }
}
