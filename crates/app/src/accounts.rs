//! Accounts: building local actors, storing remote ones, looking them up.

use crate::{keys, AppContext, AppError, AppResult};
use interspace_core::delivery::OutboxKind;
use interspace_core::ids::new_id;
use interspace_db::accounts::{self as db_accounts, Account, NewAccount};
use interspace_db::{now, DbConn};

/// The instance actor's username: it cannot collide with validated names (they have no dot).
pub const INSTANCE_ACTOR_USERNAME: &str = "interspace.internal";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActorType {
    Person,
    Group,
    Application,
}

impl ActorType {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Person => "Person",
            Self::Group => "Group",
            Self::Application => "Application",
        }
    }
}

/// A new local actor with fresh keys; ids follow the instance's URL scheme.
pub(crate) async fn build_local(
    ctx: &AppContext,
    username: &str,
    actor_type: ActorType,
    display_name: &str,
    note_html: &str,
) -> AppResult<NewAccount> {
    let urls = ctx.urls();
    let uri = match actor_type {
        ActorType::Person => urls.user(username),
        ActorType::Group => urls.space(username),
        ActorType::Application => urls.instance_actor(),
    };
    let keys = keys::generate().await?;
    let ts = now();
    // Profile pages: `/@name` for people (as Mastodon and its clients expect), the id otherwise.
    let url = match actor_type {
        ActorType::Person => urls.path(&format!("/@{username}")),
        _ => uri.clone(),
    };
    Ok(NewAccount {
        id: new_id(),
        username: username.to_string(),
        domain: None,
        actor_type: actor_type.as_str().to_string(),
        display_name: display_name.to_string(),
        note: note_html.to_string(),
        url: Some(url.to_string()),
        inbox_url: urls.actor_sub(&uri, "inbox").to_string(),
        shared_inbox_url: Some(urls.shared_inbox().to_string()),
        outbox_url: Some(urls.actor_sub(&uri, "outbox").to_string()),
        followers_url: Some(urls.actor_sub(&uri, "followers").to_string()),
        following_url: Some(urls.actor_sub(&uri, "following").to_string()),
        uri: uri.to_string(),
        public_key_pem: keys.public_pem,
        private_key_pem: Some(keys.private_pem),
        locked: false,
        // The instance actor is a bot account nobody should stumble upon in directories.
        discoverable: actor_type != ActorType::Application,
        fields: "[]".into(),
        skills: "[]".into(),
        home_space_uri: None,
        avatar_url: None,
        header_url: None,
        created_at: ts,
        updated_at: ts,
        fetched_at: None,
        bot: actor_type == ActorType::Application,
    })
}

/// `acct` as Mastodon shows it: `user` for local accounts, `user@domain` for remote ones.
pub fn acct(account: &Account) -> String {
    match &account.domain {
        None => account.username.clone(),
        Some(domain) => format!("{}@{domain}", account.username),
    }
}

/// A local account by username, or `NotFound`.
pub async fn get_local_by_username(ctx: &AppContext, username: &str) -> AppResult<Account> {
    let mut conn = ctx.db.get().await?;
    db_accounts::find_local_account_by_username(&mut conn, username)
        .await?
        .filter(|a| a.deleted_at.is_none())
        .ok_or(AppError::NotFound("account"))
}

pub async fn find_by_uri(ctx: &AppContext, uri: &str) -> AppResult<Option<Account>> {
    let mut conn = ctx.db.get().await?;
    Ok(db_accounts::find_account_by_uri(&mut conn, uri).await?)
}

/// The instance actor (signs fetches).
pub async fn instance_actor(ctx: &AppContext) -> AppResult<Account> {
    get_local_by_username(ctx, INSTANCE_ACTOR_USERNAME).await
}

/// A remote actor as parsed and verified by the federation layer.
#[derive(Debug, Clone)]
pub struct RemoteActor {
    pub uri: url::Url,
    pub actor_type: String,
    pub username: String,
    pub display_name: String,
    /// Already sanitised HTML.
    pub note: String,
    pub url: Option<String>,
    pub inbox: url::Url,
    pub shared_inbox: Option<url::Url>,
    pub outbox: Option<url::Url>,
    pub followers: Option<url::Url>,
    pub following: Option<url::Url>,
    pub public_key_pem: String,
    pub locked: bool,
    pub discoverable: bool,
    pub fields: Vec<(String, String)>,
    pub skills: Vec<String>,
    pub home_space: Option<url::Url>,
    pub avatar: Option<String>,
    pub header: Option<String>,
    pub published: Option<chrono::NaiveDateTime>,
}

/// Stores or refreshes a remote actor. The federation layer has checked the origin rules: the
/// id, inbox and key live on one host, which must not be ours.
pub async fn upsert_remote(ctx: &AppContext, actor: RemoteActor) -> AppResult<Account> {
    if ctx.urls().is_local(&actor.uri) {
        return Err(AppError::Remote(
            "a remote actor cannot have a local id".into(),
        ));
    }
    let domain = domain_of(&actor.uri)?;
    let ts = now();
    let bot = matches!(actor.actor_type.as_str(), "Service" | "Application");
    let new = NewAccount {
        id: new_id(),
        username: actor.username,
        domain: Some(domain),
        actor_type: actor.actor_type,
        display_name: actor.display_name,
        note: actor.note,
        uri: actor.uri.to_string(),
        url: actor.url,
        inbox_url: actor.inbox.to_string(),
        shared_inbox_url: actor.shared_inbox.map(|u| u.to_string()),
        outbox_url: actor.outbox.map(|u| u.to_string()),
        followers_url: actor.followers.map(|u| u.to_string()),
        following_url: actor.following.map(|u| u.to_string()),
        public_key_pem: actor.public_key_pem,
        private_key_pem: None,
        locked: actor.locked,
        discoverable: actor.discoverable,
        fields: serde_json::to_string(
            &actor
                .fields
                .iter()
                .map(|(n, v)| serde_json::json!({"name": n, "value": v}))
                .collect::<Vec<_>>(),
        )
        .unwrap_or_else(|_| "[]".into()),
        skills: serde_json::to_string(&actor.skills).unwrap_or_else(|_| "[]".into()),
        home_space_uri: actor.home_space.map(|u| u.to_string()),
        avatar_url: actor.avatar,
        header_url: actor.header,
        created_at: actor.published.unwrap_or(ts),
        updated_at: ts,
        fetched_at: Some(ts),
        bot,
    };
    let mut conn: DbConn = ctx.db.get().await?;
    Ok(db_accounts::upsert_remote_account(&mut conn, &new).await?)
}

/// `host` or `host:port` of an actor id: the `domain` column and the part after `@` in `acct`.
pub fn domain_of(uri: &url::Url) -> AppResult<String> {
    interspace_core::urls::domain_of(uri)
        .ok_or_else(|| AppError::Remote(format!("{uri} has no host")))
}

/// Profile fields of an account as (name, value) pairs.
pub fn fields(account: &Account) -> Vec<(String, String)> {
    let parsed: Vec<serde_json::Value> = serde_json::from_str(&account.fields).unwrap_or_default();
    parsed
        .iter()
        .filter_map(|f| {
            Some((
                f.get("name")?.as_str()?.to_string(),
                f.get("value")?.as_str()?.to_string(),
            ))
        })
        .collect()
}

/// Skill tags of an account.
pub fn skills(account: &Account) -> Vec<String> {
    serde_json::from_str(&account.skills).unwrap_or_default()
}

/// Counters shown on an account.
#[derive(Debug, Clone, Default)]
pub struct AccountStats {
    pub followers: i64,
    pub following: i64,
    pub statuses: i64,
    /// The owner hides who follows them and whom they follow.
    pub hides_collections: bool,
}

/// The counters of many accounts at once: four queries whatever their number (what a page of
/// posts or notifications needs before it is rendered).
pub async fn stats_of(
    ctx: &AppContext,
    ids: &[String],
) -> AppResult<std::collections::HashMap<String, AccountStats>> {
    let mut out: std::collections::HashMap<String, AccountStats> = ids
        .iter()
        .map(|id| (id.clone(), AccountStats::default()))
        .collect();
    if ids.is_empty() {
        return Ok(out);
    }
    let mut conn = ctx.db.get().await?;
    for (id, n) in interspace_db::follows::count_followers_of(&mut conn, ids).await? {
        out.entry(id).or_default().followers = n;
    }
    for (id, n) in interspace_db::follows::count_following_of(&mut conn, ids).await? {
        out.entry(id).or_default().following = n;
    }
    for (id, n) in interspace_db::statuses::count_statuses_of(&mut conn, ids).await? {
        out.entry(id).or_default().statuses = n;
    }
    for id in interspace_db::users::hiding_collections_among(&mut conn, ids).await? {
        out.entry(id).or_default().hides_collections = true;
    }
    Ok(out)
}

/// An account by id (local or remote, not suspended, not the instance actor).
pub async fn get(ctx: &AppContext, id: &str) -> AppResult<Account> {
    let mut conn = ctx.db.get().await?;
    db_accounts::find_account_by_id(&mut conn, id)
        .await?
        .filter(|a| a.suspended_at.is_none() && a.actor_type != "Application")
        .ok_or(AppError::NotFound("account"))
}

/// `user` or `user@domain`: the database first; remote ones from the network when `resolve`.
pub async fn lookup(ctx: &AppContext, acct: &str, resolve: bool) -> AppResult<Account> {
    let acct = acct.trim().trim_start_matches('@');
    let (user, domain) = match acct.split_once('@') {
        Some((u, d)) => (u, Some(d)),
        None => (acct, None),
    };
    let local = domain.is_none_or(|d| d.eq_ignore_ascii_case(ctx.urls().domain()));
    if local {
        let account = get_local_by_username(ctx, &user.to_lowercase()).await?;
        if account.actor_type == "Application" {
            return Err(AppError::NotFound("account"));
        }
        return Ok(account);
    }
    let domain = domain.unwrap_or_default();
    {
        let mut conn = ctx.db.get().await?;
        if let Some(a) = db_accounts::find_remote_account_by_acct(&mut conn, user, domain).await? {
            return Ok(a);
        }
    }
    if !resolve {
        return Err(AppError::NotFound("account"));
    }
    ctx.resolver()?.resolve_acct(ctx, acct).await
}

/// An account by its actor id: ours, known, or fetched.
pub async fn resolve_uri(ctx: &AppContext, uri: &str) -> AppResult<Account> {
    if let Some(a) = find_by_uri(ctx, uri).await? {
        return Ok(a);
    }
    let url = url::Url::parse(uri)
        .map_err(|_| interspace_core::ValidationError::new("uri", "is not a URL"))?;
    ctx.resolver()?.resolve_actor(ctx, &url).await
}

/// Accounts matching a query: a handle (resolved when asked) or a name prefix.
pub async fn search(
    ctx: &AppContext,
    q: &str,
    resolve: bool,
    limit: i64,
) -> AppResult<Vec<Account>> {
    let q = q.trim();
    if q.is_empty() {
        return Ok(vec![]);
    }
    let handle = q.trim_start_matches('@');
    if handle.contains('@') {
        return match lookup(ctx, handle, resolve).await {
            Ok(a) => Ok(vec![a]),
            Err(AppError::NotFound(_))
            | Err(AppError::Remote(_))
            | Err(AppError::Validation(_)) => Ok(vec![]),
            Err(e) => Err(e),
        };
    }
    let mut conn = ctx.db.get().await?;
    Ok(db_accounts::search_accounts(&mut conn, handle, limit).await?)
}

pub use interspace_db::follows::Side as FollowSide;

/// A page of those who follow `account` (`Followers`) or whom it follows (`Following`),
/// newest follow first, each with the follow's id for paging.
pub async fn follow_page(
    ctx: &AppContext,
    account: &Account,
    side: FollowSide,
    page: &crate::Page,
) -> AppResult<Vec<(String, Account)>> {
    let mut conn = ctx.db.get().await?;
    Ok(interspace_db::follows::page_of(&mut conn, &account.id, side, page).await?)
}

/// Changes a member makes to their own profile; `None` keeps a value.
#[derive(Debug, Clone, Default)]
pub struct ProfileUpdate {
    pub display_name: Option<String>,
    /// Plain text; stored as HTML paragraphs.
    pub note: Option<String>,
    pub locked: Option<bool>,
    pub bot: Option<bool>,
    pub discoverable: Option<bool>,
    pub fields: Option<Vec<(String, String)>>,
    /// Skill tags; normalised to lowercase, without `#`.
    pub skills: Option<Vec<String>>,
    pub avatar: Option<crate::media::Upload>,
    pub header: Option<crate::media::Upload>,
    pub privacy: Option<String>,
    pub sensitive: Option<bool>,
    pub language: Option<String>,
    /// Hide who follows them and whom they follow (Mastodon's `hide_collections`).
    pub hide_collections: Option<bool>,
}

pub const MAX_FIELDS: usize = 4;
pub const MAX_SKILLS: usize = 20;

/// Skill tags as stored: lowercase letters, digits, `-` and `_`, at most 40 characters each.
pub fn normalize_skills(list: &[String]) -> Result<Vec<String>, interspace_core::ValidationError> {
    let mut out: Vec<String> = Vec::new();
    for raw in list.iter().flat_map(|s| s.split([',', ' '])) {
        let tag = raw.trim().trim_start_matches('#').to_lowercase();
        if tag.is_empty() {
            continue;
        }
        if tag.chars().count() > 40
            || !tag
                .chars()
                .all(|c| c.is_alphanumeric() || c == '-' || c == '_')
        {
            return Err(interspace_core::ValidationError::new(
                "skills",
                format!("'{tag}' is not a skill tag (letters, digits, - and _, up to 40)"),
            ));
        }
        if !out.contains(&tag) {
            out.push(tag);
        }
    }
    if out.len() > MAX_SKILLS {
        return Err(interspace_core::ValidationError::new(
            "skills",
            format!("at most {MAX_SKILLS} skills"),
        ));
    }
    Ok(out)
}
const MAX_NOTE: usize = 500;

pub async fn update_profile(
    ctx: &AppContext,
    me: &(interspace_db::users::User, Account),
    u: ProfileUpdate,
) -> AppResult<(interspace_db::users::User, Account)> {
    use interspace_core::ValidationError;
    let (user, account) = me;
    let display_name = u
        .display_name
        .as_deref()
        .map(interspace_core::names::validate_display_name)
        .transpose()?;
    if let Some(note) = &u.note {
        if note.chars().count() > MAX_NOTE {
            return Err(ValidationError::new(
                "note",
                format!("must be at most {MAX_NOTE} characters long"),
            )
            .into());
        }
    }
    let fields = match &u.fields {
        None => None,
        Some(list) => {
            let list: Vec<&(String, String)> = list
                .iter()
                .filter(|(n, v)| !n.trim().is_empty() || !v.trim().is_empty())
                .collect();
            if list.len() > MAX_FIELDS {
                return Err(ValidationError::new(
                    "fields_attributes",
                    format!("at most {MAX_FIELDS} fields"),
                )
                .into());
            }
            if list
                .iter()
                .any(|(n, v)| n.chars().count() > 255 || v.chars().count() > 255)
            {
                return Err(ValidationError::new(
                    "fields_attributes",
                    "names and values are at most 255 characters",
                )
                .into());
            }
            let json: Vec<serde_json::Value> = list
                .iter()
                .map(|(n, v)| serde_json::json!({ "name": n.trim(), "value": interspace_core::html::escape(v.trim()) }))
                .collect();
            Some(serde_json::to_string(&json).map_err(|e| AppError::Internal(e.to_string()))?)
        }
    };
    let skills = match &u.skills {
        Some(list) => Some(
            serde_json::to_string(&normalize_skills(list)?)
                .map_err(|e| AppError::Internal(e.to_string()))?,
        ),
        None => None,
    };
    let privacy = match u.privacy.as_deref().filter(|p| !p.is_empty()) {
        Some(p) => {
            let v = interspace_core::statuses::Visibility::parse(p)?;
            if v == interspace_core::statuses::Visibility::Direct {
                return Err(
                    ValidationError::new("privacy", "must be public, unlisted or private").into(),
                );
            }
            Some(v.as_str().to_string())
        }
        None => None,
    };
    let language = match u.language.as_deref().map(str::trim) {
        None => None,
        Some("") => Some(None),
        Some(l) if l.len() <= 16 && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') => {
            Some(Some(l.to_lowercase()))
        }
        Some(l) => {
            return Err(
                ValidationError::new("language", format!("'{l}' is not a language code")).into(),
            )
        }
    };
    let avatar = match u.avatar {
        Some(file) => Some(Some(crate::media::url(
            ctx,
            &crate::media::upload(ctx, account, file, None).await?,
        ))),
        None => None,
    };
    let header = match u.header {
        Some(file) => Some(Some(crate::media::url(
            ctx,
            &crate::media::upload(ctx, account, file, None).await?,
        ))),
        None => None,
    };
    ctx.write(async |tx, _| {
        let updated = db_accounts::update_account_profile(
            tx,
            &account.id,
            &db_accounts::AccountProfileChanges {
                display_name,
                note: u.note.as_deref().map(interspace_core::html::text_to_html),
                fields,
                locked: u.locked,
                discoverable: u.discoverable,
                bot: u.bot,
                avatar_url: avatar,
                header_url: header,
                skills,
                updated_at: None,
            },
        )
        .await?;
        interspace_db::users::update_user_preferences(
            tx,
            &user.id,
            &interspace_db::users::UserPreferenceChanges {
                default_privacy: privacy,
                default_sensitive: u.sensitive,
                default_language: language,
                hide_collections: u.hide_collections,
            },
        )
        .await?;
        let (user, _) = interspace_db::users::find_user_by_username(tx, &updated.username)
            .await?
            .ok_or(AppError::NotFound("member"))?;
        crate::outbox::enqueue(tx, OutboxKind::ActorUpdate, &account.id, &account.id, None).await?;
        Ok((user, updated))
    })
    .await
}

/// Whether the account's owner hides who follows them and whom they follow.
pub async fn hides_collections(ctx: &AppContext, account_id: &str) -> AppResult<bool> {
    let mut conn = ctx.db.get().await?;
    Ok(interspace_db::users::hides_collections(&mut conn, account_id).await?)
}

/// Any account by id, whatever its type or state (the delivery worker signs as it).
pub async fn get_any(ctx: &AppContext, id: &str) -> AppResult<Account> {
    let mut conn = ctx.db.get().await?;
    db_accounts::find_account_by_id(&mut conn, id)
        .await?
        .ok_or(AppError::NotFound("account"))
}

/// `user@domain` for any account, with this instance's domain for local ones.
pub fn acct_with_domain(ctx: &AppContext, account: &Account) -> String {
    match &account.domain {
        Some(d) => format!("{}@{d}", account.username),
        None => format!("{}@{}", account.username, ctx.urls().domain()),
    }
}

#[cfg(test)]
mod stats_tests {
    use crate::statuses::{self, NewStatus};
    use crate::testing::TestApp;
    use crate::{accounts, follows};
    use interspace_core::roles::Role;

    /// The counters a page loads in one batch are those each account shows on its own.
    #[tokio::test]
    async fn counters_in_a_batch_are_each_accounts_own() {
        let app = TestApp::new().await;
        let alice = app.member("alice", Role::Member).await;
        let (_, bob) = app.member("bob", Role::Member).await;
        let (_, carol) = app.member("carol", Role::Member).await;
        for follower in [&bob, &carol] {
            follows::follow(&app.ctx, follower, &alice.1.id, None, None)
                .await
                .expect("follow");
        }
        for text in ["Open desk day", "Roof terrace is open"] {
            let new = NewStatus {
                text: text.into(),
                ..NewStatus::default()
            };
            statuses::create(&app.ctx, &alice, new).await.expect("post");
        }
        let ids = [&alice.1, &bob, &carol].map(|a| a.id.clone());
        let batch = accounts::stats_of(&app.ctx, &ids).await.expect("batch");
        for (account, expected) in [
            (&alice.1, (2, 0, 2)),
            (&bob, (0, 1, 0)),
            (&carol, (0, 1, 0)),
        ] {
            let b = &batch[&account.id];
            assert_eq!(
                (b.followers, b.following, b.statuses),
                expected,
                "{}",
                account.username
            );
        }
    }
}
