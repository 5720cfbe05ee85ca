//! Use-case tests without HTTP: a fresh instance on SQLite in memory (a file on the tmpfs
//! `/dev/shm` where there is one, so that the pool's connections share it; the temporary
//! folder otherwise), migrated and set up as on first start. `cargo test -p interspace-app`.

use crate::accounts::{self, RemoteActor};
use crate::members::{self, NewMember};
use crate::{setup, AppContext, FederationSettings, InstanceSettings};
use interspace_core::roles::RegistrationMode;
use interspace_core::roles::Role;
use interspace_core::urls::UrlScheme;
use interspace_db::accounts::Account;
use interspace_db::users::User;
use interspace_db::DbPool;
use std::path::PathBuf;

/// One instance; its files go when it is dropped.
pub(crate) struct TestApp {
    pub ctx: AppContext,
    dir: PathBuf,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl TestApp {
    pub async fn new() -> Self {
        let shm = PathBuf::from("/dev/shm");
        let base = if shm.is_dir() {
            shm
        } else {
            std::env::temp_dir()
        };
        let dir = base.join(format!("interspace-app-{}", interspace_core::ids::new_id()));
        std::fs::create_dir_all(&dir).expect("test folder");
        let url = format!("sqlite://{}", dir.join("db.sqlite").display());
        let db = DbPool::connect(&url, 4).await.expect("database");
        db.migrate().await.expect("migrations");
        let settings = InstanceSettings {
            urls: UrlScheme::new("coworking.test", true).expect("domain"),
            registrations: RegistrationMode::Closed,
            space_handle: "hub".into(),
            space_name: "The Hub".into(),
            space_timezone: "Europe/Paris".into(),
            operator_username: "admin".into(),
            media_dir: dir.join("media"),
            event_reminder: std::time::Duration::from_secs(3600),
            federation: FederationSettings::default(),
            mail: None,
        };
        let ctx = AppContext::new(db, settings);
        setup::ensure_instance(&ctx).await.expect("first run");
        Self { ctx, dir }
    }

    /// A member with `role`.
    pub async fn member(&self, name: &str, role: Role) -> (User, Account) {
        let added = members::add(
            &self.ctx,
            NewMember {
                username: name.into(),
                email: format!("{name}@coworking.test"),
                password: Some("correct horse battery staple".into()),
                role,
                display_name: None,
                approved: true,
            },
        )
        .await
        .expect("member");
        (added.member.user, added.member.account)
    }

    /// An account of another server, as the federation layer stores it after checking it.
    pub async fn remote(&self, uri: &str) -> Account {
        let uri = url::Url::parse(uri).expect("actor id");
        let base = format!("{}://{}", uri.scheme(), uri.host_str().expect("host"));
        let at = |path: &str| url::Url::parse(&format!("{base}{path}")).expect("url");
        let username = uri
            .path()
            .rsplit('/')
            .next()
            .unwrap_or("someone")
            .to_string();
        accounts::upsert_remote(
            &self.ctx,
            RemoteActor {
                actor_type: "Person".into(),
                display_name: username.clone(),
                note: String::new(),
                url: Some(uri.to_string()),
                inbox: at(&format!("/users/{username}/inbox")),
                shared_inbox: Some(at("/inbox")),
                outbox: None,
                followers: None,
                following: None,
                public_key_pem: crate::keys::generate().await.expect("key").public_pem,
                locked: false,
                discoverable: false,
                fields: vec![],
                skills: vec![],
                home_space: None,
                avatar: None,
                header: None,
                published: None,
                username,
                uri,
            },
        )
        .await
        .expect("remote account")
    }
}
