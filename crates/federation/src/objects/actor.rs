//! Every actor, local or remote, as the federation crate's `Object` + `Actor`.

use crate::protocol::actor::{first_href, property_value, property_values, Actor, Endpoints};
use crate::{Data, FederationError};
use activitypub_federation::protocol::public_key::PublicKey;
use activitypub_federation::traits::{Actor as ApActor, Object};
use chrono::{DateTime, Utc};
use interspace_app::accounts::{self, RemoteActor};
use interspace_app::actors::{self, LocalActorView};
use interspace_app::{Account, AppContext};
use interspace_core::html::{escape, sanitize};
use interspace_core::urls::UrlScheme;
use serde_json::Value;
use url::Url;

/// Longest display name and summary we keep from a remote actor.
const MAX_NAME: usize = 200;
const MAX_SUMMARY: usize = 20_000;
const MAX_FIELDS: usize = 20;

#[derive(Debug, Clone)]
pub struct DbActor {
    pub account: Account,
    id: Url,
}

impl DbActor {
    pub fn new(account: Account) -> Result<Self, FederationError> {
        let id = Url::parse(&account.uri)?;
        Ok(Self { account, id })
    }
}

fn utc(ts: chrono::NaiveDateTime) -> DateTime<Utc> {
    DateTime::from_naive_utc_and_offset(ts, Utc)
}

fn url_of(s: &Option<String>) -> Result<Option<Url>, FederationError> {
    Ok(s.as_deref().map(Url::parse).transpose()?)
}

/// The actor document of a local actor, as served at its id.
pub fn local_actor_json(view: &LocalActorView) -> Result<Actor, FederationError> {
    let account = view.account();
    let id = Url::parse(&account.uri)?;
    let mut attachment: Vec<Value> = accounts::fields(account)
        .iter()
        .map(|(n, v)| property_value(n, v))
        .collect();
    let mut actor = Actor {
        kind: account.actor_type.clone(),
        preferred_username: account.username.clone(),
        name: Some(if account.display_name.is_empty() {
            account.username.clone()
        } else {
            account.display_name.clone()
        }),
        summary: Some(account.note.clone()),
        url: account.url.clone().map(Value::String),
        inbox: Url::parse(&account.inbox_url)?,
        outbox: url_of(&account.outbox_url)?,
        followers: url_of(&account.followers_url)?,
        following: url_of(&account.following_url)?,
        endpoints: Some(Endpoints {
            shared_inbox: url_of(&account.shared_inbox_url)?,
        }),
        public_key: PublicKey {
            id: UrlScheme::key_id(&id).to_string(),
            owner: id.clone(),
            public_key_pem: account.public_key_pem.clone(),
        },
        manually_approves_followers: Some(account.locked),
        discoverable: Some(account.discoverable),
        published: Some(utc(account.created_at)),
        updated: Some(utc(account.updated_at)),
        icon: account
            .avatar_url
            .clone()
            .map(|u| serde_json::json!({"type": "Image", "url": u})),
        image: account
            .header_url
            .clone()
            .map(|u| serde_json::json!({"type": "Image", "url": u})),
        attachment: vec![],
        location: None,
        attributed_to: vec![],
        // Skills travel only for members listed in the directory (they opted in): other
        // instances' directories list the people whose actors carry them.
        skills: match view {
            LocalActorView::Person {
                directory_opt_in: true,
                ..
            } => accounts::skills(account)
                .into_iter()
                .map(Value::String)
                .collect(),
            _ => vec![],
        },
        home_space: None,
        members: None,
        assertion_method: crate::protocol::actor::rsa_multikey(
            UrlScheme::key_id(&id).as_str(),
            id.as_str(),
            &account.public_key_pem,
        )
        .into_iter()
        .collect(),
        moderators: None,
        posting_restricted_to_mods: None,
        featured: None,
        upcoming_events: None,
        visit_policy: None,
        timezone: None,
        id,
    };
    match view {
        LocalActorView::Person { home_space, .. } => {
            actor.home_space = Some(Url::parse(&home_space.account.uri)?);
            actor.featured = Some(Url::parse(&featured_url(&account.uri))?);
        }
        LocalActorView::Group(space) => {
            actor.members = Some(Url::parse(&format!("{}/members", space.account.uri))?);
            actor.upcoming_events = Some(Url::parse(&format!("{}/events", space.account.uri))?);
            let loc = &space.location;
            let address = loc.one_line();
            let mut place = serde_json::json!({
                "type": "Place",
                "name": loc.name.clone().unwrap_or_else(|| space.account.display_name.clone()),
            });
            let postal = [
                ("streetAddress", &loc.street),
                ("postalCode", &loc.postal_code),
                ("addressLocality", &loc.locality),
                ("addressRegion", &loc.region),
                ("addressCountry", &loc.country),
            ];
            if postal.iter().any(|(_, v)| v.is_some()) {
                let mut address = serde_json::json!({ "type": "PostalAddress" });
                for (key, value) in postal {
                    if let Some(v) = value {
                        address[key] = Value::String(v.clone());
                    }
                }
                place["address"] = address;
            }
            if let (Some(lat), Some(lon)) = (loc.latitude, loc.longitude) {
                place["latitude"] = serde_json::json!(lat);
                place["longitude"] = serde_json::json!(lon);
            }
            actor.location = Some(place);
            if !address.is_empty() {
                attachment.push(property_value("Address", &escape(&address)));
            }
            if !space.space.hours.is_empty() {
                attachment.push(property_value("Hours", &escape(&space.space.hours)));
            }
            if let Some(price) = &space.day_price {
                attachment.push(property_value(
                    "Day price",
                    &escape(&format!("{} {}", price.amount, price.currency)),
                ));
            }
            attachment.push(property_value(
                "Visit policy",
                &escape(&space.visit_policy.mode.replace('_', " ")),
            ));
            // Its staff (hosts and operators), as a collection that group software reads.
            let moderators = Url::parse(&format!("{}/moderators", space.account.uri))?;
            actor.attributed_to = vec![Value::String(moderators.to_string())];
            actor.moderators = Some(moderators);
            // Its followers post in it: what they address to it is re-shared.
            actor.posting_restricted_to_mods = Some(false);
            actor.visit_policy = Some(serde_json::to_value(&space.visit_policy)?);
            actor.timezone = Some(space.space.timezone.clone());
        }
        LocalActorView::Application(_) => {}
    }
    actor.attachment = attachment;
    Ok(actor)
}

/// Where an actor's pinned posts are listed (Mastodon's `featured`).
pub fn featured_url(actor_uri: &str) -> String {
    format!("{actor_uri}/collections/featured")
}

/// Same scheme, host and port.
pub fn same_origin(a: &Url, b: &Url) -> bool {
    a.scheme() == b.scheme()
        && a.host_str().map(str::to_lowercase) == b.host_str().map(str::to_lowercase)
        && a.port_or_known_default() == b.port_or_known_default()
}

fn truncate(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}

/// The origin rules for an actor document fetched from `expected`: its id, inbox, outbox,
/// collections and key all live on the host it was fetched from, and the key belongs to it.
pub fn verify_actor(json: &Actor, expected: &Url) -> Result<(), FederationError> {
    let bad = |why: &str| {
        Err(FederationError::Invalid(format!(
            "actor {}: {why}",
            json.id
        )))
    };
    if !same_origin(&json.id, expected) {
        return bad("id is not on the host it was fetched from");
    }
    if !same_origin(&json.inbox, &json.id) {
        return bad("inbox is on another host");
    }
    for url in [&json.outbox, &json.followers, &json.following]
        .into_iter()
        .flatten()
    {
        if !same_origin(url, &json.id) {
            return bad("a collection is on another host");
        }
    }
    if let Some(shared) = json
        .endpoints
        .as_ref()
        .and_then(|e| e.shared_inbox.as_ref())
    {
        if !same_origin(shared, &json.id) {
            return bad("shared inbox is on another host");
        }
    }
    if json.public_key.owner != json.id {
        return bad("public key has another owner");
    }
    match Url::parse(&json.public_key.id) {
        Ok(key_id) if same_origin(&key_id, &json.id) => {}
        _ => return bad("public key id is on another host"),
    }
    if json.preferred_username.trim().is_empty() || json.preferred_username.len() > 100 {
        return bad("preferredUsername is missing or too long");
    }
    Ok(())
}

/// A verified remote actor document as the value `app` stores.
pub fn remote_actor(json: Actor) -> RemoteActor {
    let fields = property_values(&json.attachment)
        .into_iter()
        .take(MAX_FIELDS)
        .map(|(n, v)| (truncate(&n, MAX_NAME), sanitize(&truncate(&v, 2_000))))
        .collect();
    RemoteActor {
        actor_type: json.kind,
        username: json.preferred_username,
        display_name: truncate(json.name.as_deref().unwrap_or("").trim(), MAX_NAME),
        note: sanitize(&truncate(
            json.summary.as_deref().unwrap_or(""),
            MAX_SUMMARY,
        )),
        url: json.url.as_ref().and_then(first_href),
        inbox: json.inbox,
        shared_inbox: json.endpoints.and_then(|e| e.shared_inbox),
        outbox: json.outbox,
        followers: json.followers,
        following: json.following,
        public_key_pem: json.public_key.public_key_pem,
        locked: json.manually_approves_followers.unwrap_or(false),
        discoverable: json.discoverable.unwrap_or(false),
        fields,
        skills: json
            .skills
            .iter()
            .filter_map(|s| s.as_str().map(|s| truncate(s, 100)))
            .take(50)
            .collect(),
        home_space: json.home_space,
        avatar: json.icon.as_ref().and_then(first_href),
        header: json.image.as_ref().and_then(first_href),
        published: json.published.map(|p| p.naive_utc()),
        uri: json.id,
    }
}

#[async_trait::async_trait]
impl Object for DbActor {
    type DataType = AppContext;
    type Kind = Actor;
    type Error = FederationError;

    fn id(&self) -> &Url {
        &self.id
    }

    fn last_refreshed_at(&self) -> Option<DateTime<Utc>> {
        self.account.fetched_at.map(utc)
    }

    async fn read_from_id(object_id: Url, data: &Data) -> Result<Option<Self>, Self::Error> {
        accounts::find_by_uri(data.app_data(), object_id.as_str())
            .await?
            .map(DbActor::new)
            .transpose()
    }

    async fn into_json(self, data: &Data) -> Result<Self::Kind, Self::Error> {
        let which = data
            .app_data()
            .urls()
            .local_actor(&self.id)
            .ok_or(FederationError::NotFound)?;
        let view = actors::get_local(data.app_data(), &which).await?;
        local_actor_json(&view)
    }

    async fn verify(
        json: &Self::Kind,
        expected_domain: &Url,
        _data: &Data,
    ) -> Result<(), Self::Error> {
        verify_actor(json, expected_domain)
    }

    async fn from_json(json: Self::Kind, data: &Data) -> Result<Self, Self::Error> {
        let account = accounts::upsert_remote(data.app_data(), remote_actor(json)).await?;
        DbActor::new(account)
    }
}

impl ApActor for DbActor {
    fn public_key_pem(&self) -> &str {
        &self.account.public_key_pem
    }

    fn private_key_pem(&self) -> Option<String> {
        self.account.private_key_pem.clone()
    }

    fn inbox(&self) -> Url {
        Url::parse(&self.account.inbox_url).unwrap_or_else(|_| self.id.clone())
    }

    fn shared_inbox(&self) -> Option<Url> {
        self.account
            .shared_inbox_url
            .as_deref()
            .and_then(|u| Url::parse(u).ok())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn fixtures() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures/fediverse")
    }

    /// Every actor document that other servers publish parses, passes the origin rules when
    /// fetched from its own id, and converts to what `app` stores (sanitised).
    #[test]
    fn actors_from_other_servers_parse() {
        let root = fixtures();
        assert!(
            root.is_dir(),
            "shared fixtures missing at {}",
            root.display()
        );
        let mut files: Vec<PathBuf> = Vec::new();
        for dir in std::fs::read_dir(root.join("from-lemmy"))
            .expect("dir")
            .flatten()
        {
            for name in [
                "person.json",
                "person_1.json",
                "person_2.json",
                "group.json",
                "instance.json",
            ] {
                let p = dir.path().join("objects").join(name);
                if p.is_file() {
                    files.push(p);
                }
            }
        }
        for name in ["mastodon-actor.json", "gancio-actor.json"] {
            files.push(root.join("from-mobilizon").join(name));
        }
        assert!(
            files.len() >= 20,
            "found only {} actor fixtures",
            files.len()
        );
        // Deliberate refusals: GNU social's group signs with a key owned by another actor, so a
        // signature with it would not prove that the group acted.
        let refused = [(
            "gnusocial/objects/group.json",
            "public key has another owner",
        )];
        let mut parsed = 0;
        for path in &files {
            let text = std::fs::read_to_string(path).expect("read");
            let json: Actor = match serde_json::from_str(&text) {
                Ok(j) => j,
                Err(e) => panic!("{}: {e}", path.display()),
            };
            let verdict = verify_actor(&json, &json.id.clone());
            if let Some((_, why)) = refused.iter().find(|(f, _)| path.ends_with(f)) {
                let err = verdict.expect_err("must be refused").to_string();
                assert!(err.contains(why), "{}: {err}", path.display());
                parsed += 1;
                continue;
            }
            verdict.unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let other = Url::parse("https://attacker.example/x").expect("url");
            assert!(verify_actor(&json, &other).is_err(), "{}", path.display());
            let remote = remote_actor(json);
            assert!(!remote.username.is_empty());
            assert!(
                remote.public_key_pem.contains("PUBLIC KEY"),
                "{}",
                path.display()
            );
            assert!(!remote.note.contains("<script"));
            parsed += 1;
        }
        assert_eq!(parsed, files.len());
    }

    #[test]
    fn origin_rules_refuse_foreign_parts() {
        let text =
            std::fs::read_to_string(fixtures().join("from-lemmy/mastodon/objects/person.json"))
                .expect("read");
        let good: Actor = serde_json::from_str(&text).expect("parse");
        let id = good.id.clone();
        let foreign = Url::parse("https://elsewhere.example/inbox").expect("url");

        let mut bad = good.clone();
        bad.inbox = foreign.clone();
        assert!(verify_actor(&bad, &id).is_err(), "inbox on another host");

        let mut bad = good.clone();
        bad.public_key.owner = foreign.clone();
        assert!(
            verify_actor(&bad, &id).is_err(),
            "key owned by another actor"
        );

        let mut bad = good.clone();
        bad.public_key.id = "https://elsewhere.example/key".into();
        assert!(verify_actor(&bad, &id).is_err(), "key id on another host");

        let mut other_port = id.clone();
        other_port.set_port(Some(8443)).expect("port");
        assert!(
            verify_actor(&good, &other_port).is_err(),
            "same host, other port"
        );
        let mut other_scheme = id.clone();
        other_scheme.set_scheme("http").expect("scheme");
        assert!(
            verify_actor(&good, &other_scheme).is_err(),
            "same host, other scheme"
        );
    }
}
