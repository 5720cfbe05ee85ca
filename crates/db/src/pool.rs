//! The connection pool over SQLite or PostgreSQL, chosen from the URL.

use crate::{DbError, DbResult};
use diesel::SqliteConnection;
use diesel_async::pooled_connection::deadpool::{Object, Pool};
use diesel_async::pooled_connection::{AsyncDieselConnectionManager, ManagerConfig};
use diesel_async::sync_connection_wrapper::{SpawnBlocking, SyncConnectionWrapper};
use diesel_async::{AsyncConnection, AsyncPgConnection, SimpleAsyncConnection, TransactionManager};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};
use futures::FutureExt;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Mutex, OwnedMutexGuard};

/// SQLite connections run their queries on blocking threads of the runtime that opened the pool.
pub type SqliteConn = SyncConnectionWrapper<SqliteConnection, Detached>;

/// Runs SQLite work with `spawn_blocking` and, unlike diesel-async's default, does not block
/// when the waiting future is dropped (a client went away, or a sibling extractor failed): the
/// task finishes on its own while holding the connection's lock. The default blocks in place,
/// which panics on actix's single-threaded workers.
pub struct Detached(tokio::runtime::Handle);

impl SpawnBlocking for Detached {
    fn spawn_blocking<'a, R>(
        &mut self,
        task: impl FnOnce() -> R + Send + 'static,
    ) -> futures::future::BoxFuture<'a, Result<R, Box<dyn std::error::Error + Send + Sync + 'static>>>
    where
        R: Send + 'static,
    {
        let handle = self.0.spawn_blocking(task);
        async move {
            handle
                .await
                .map_err(|e| Box::new(e) as Box<dyn std::error::Error + Send + Sync>)
        }
        .boxed()
    }

    fn get_runtime() -> Self {
        Detached(tokio::runtime::Handle::current())
    }
}

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations/sqlite");
const PG_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations/postgres");

/// Per-connection SQLite settings: WAL for concurrent readers, a busy timeout instead of
/// immediate SQLITE_BUSY errors, and foreign keys enforced.
/// How long a write transaction waits for SQLite's one writer: as long as its busy timeout.
const WRITER_WAIT: Duration = Duration::from_secs(10);

const SQLITE_PRAGMAS: &str = "PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 10000; \
    PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Clone)]
pub struct DbPool {
    kind: PoolKind,
}

#[derive(Clone)]
enum PoolKind {
    /// SQLite has one writer: write transactions take `writer` first so that they queue in
    /// process, then begin IMMEDIATE so that other writers (other processes, autocommit
    /// writes) wait on busy_timeout instead of breaking a transaction's snapshot.
    Sqlite {
        pool: Pool<SqliteConn>,
        path: String,
        writer: Arc<Mutex<()>>,
    },
    Pg {
        pool: Pool<AsyncPgConnection>,
        url: String,
    },
}

/// A pooled connection; from [`DbPool::begin`] it holds an open transaction.
pub struct DbConn {
    /// `None` only while it is dropped.
    conn: Option<ConnKind>,
    in_tx: bool,
    _writer: Option<OwnedMutexGuard<()>>,
}

// One lives per checkout and on the stack of one request: boxing would only add an allocation.
#[allow(clippy::large_enum_variant)]
enum ConnKind {
    Sqlite(Object<SqliteConn>),
    Pg(Object<AsyncPgConnection>),
}

/// A borrowed connection of either backend, matched by [`crate::run!`].
pub enum AnyConn<'a> {
    Sqlite(&'a mut SqliteConn),
    Pg(&'a mut AsyncPgConnection),
}

/// Turns `sqlite://relative/path`, `sqlite:///abs/path` or `sqlite:path` into a file path.
pub fn sqlite_path(url: &str) -> Option<String> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    if rest.is_empty() {
        return None;
    }
    Some(rest.to_string())
}

/// Creates the database's folder (0700) and file (0600) when they do not exist yet: it holds
/// every account's keys and password hashes. SQLite gives its -wal and -shm files the file's
/// mode. What exists already keeps the mode its operator chose.
fn create_private(path: &std::path::Path) -> std::io::Result<()> {
    use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        if !parent.exists() {
            std::fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(parent)?;
        }
    }
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
    {
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        other => other.map(drop),
    }
}

/// Columns that two released migrations gained by being edited in place: (migration version,
/// table, column, type). A database that ran them before the edit lacks the column. PostgreSQL
/// adds them in migration 000012 (`ADD COLUMN IF NOT EXISTS`); SQLite has no such clause, so
/// they are added here, before that migration runs, and only where the edited migration is
/// recorded as run (otherwise that migration adds the column itself).
const EDITED_IN_PLACE: [(&str, &str, &str, &str); 2] = [
    ("20261121000005", "outbox_events", "object_uri", "TEXT"),
    (
        "20261121000007",
        "event_participations",
        "reason_code",
        "TEXT",
    ),
];
const REPAIRED_BY: &str = "20261207000012";

fn repair_edited_migrations(conn: &mut SqliteConnection) -> DbResult<()> {
    use diesel::sql_types::{BigInt, Text};
    use diesel::{connection::SimpleConnection, RunQueryDsl};
    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }
    let count = |conn: &mut SqliteConnection, query: &str, binds: &[&str]| -> DbResult<i64> {
        let mut query = diesel::sql_query(query).into_boxed();
        for b in binds {
            query = query.bind::<Text, _>(*b);
        }
        Ok(query.get_result::<Count>(conn)?.n)
    };
    let migrated = count(
        conn,
        "SELECT COUNT(*) AS n FROM sqlite_master WHERE type = ? AND name = ?",
        &["table", "__diesel_schema_migrations"],
    )? > 0;
    if !migrated {
        // A new database: its migrations make every column.
        return Ok(());
    }
    let ran = |conn: &mut SqliteConnection, version: &str| -> DbResult<bool> {
        Ok(count(
            conn,
            "SELECT COUNT(*) AS n FROM __diesel_schema_migrations WHERE version = ?",
            &[version],
        )? > 0)
    };
    if ran(conn, REPAIRED_BY)? {
        return Ok(());
    }
    for (version, table, column, kind) in EDITED_IN_PLACE {
        let present = count(
            conn,
            "SELECT COUNT(*) AS n FROM pragma_table_info(?) WHERE name = ?",
            &[table, column],
        )? > 0;
        if ran(conn, version)? && !present {
            tracing::warn!(table, column, "adding a column an edited migration lacked");
            conn.batch_execute(&format!("ALTER TABLE {table} ADD COLUMN {column} {kind}"))?;
        }
    }
    Ok(())
}

impl DbPool {
    /// Connects to `sqlite://...` or `postgres://...`; creates the SQLite file and its folder.
    pub async fn connect(url: &str, max_size: usize) -> DbResult<Self> {
        let url = url.trim();
        let kind = if let Some(path) = sqlite_path(url) {
            if path != ":memory:" {
                create_private(std::path::Path::new(&path))
                    .map_err(|e| DbError::Unavailable(format!("cannot create {path}: {e}")))?;
            }
            let mut config = ManagerConfig::<SqliteConn>::default();
            let runtime = tokio::runtime::Handle::current();
            config.custom_setup = Box::new(move |path| {
                let path = path.to_string();
                let runtime = runtime.clone();
                async move {
                    let opened = runtime
                        .spawn_blocking(move || {
                            use diesel::{connection::SimpleConnection, Connection};
                            let mut conn = SqliteConnection::establish(&path)?;
                            conn.batch_execute(SQLITE_PRAGMAS)
                                .map_err(diesel::ConnectionError::CouldntSetupConfiguration)?;
                            Ok::<_, diesel::ConnectionError>(conn)
                        })
                        .await
                        .map_err(|e| diesel::ConnectionError::BadConnection(e.to_string()))??;
                    Ok(SqliteConn::with_runtime(opened, Detached(runtime)))
                }
                .boxed()
            });
            let manager = AsyncDieselConnectionManager::new_with_config(path.clone(), config);
            let pool = Pool::builder(manager)
                .max_size(max_size)
                .wait_timeout(Some(Duration::from_secs(10)))
                .create_timeout(Some(Duration::from_secs(10)))
                .runtime(deadpool::Runtime::Tokio1)
                .build()
                .map_err(|e| DbError::Unavailable(e.to_string()))?;
            PoolKind::Sqlite {
                pool,
                path,
                writer: Arc::new(Mutex::new(())),
            }
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let manager = AsyncDieselConnectionManager::<AsyncPgConnection>::new(url);
            let pool = Pool::builder(manager)
                .max_size(max_size)
                .wait_timeout(Some(Duration::from_secs(10)))
                .create_timeout(Some(Duration::from_secs(10)))
                .runtime(deadpool::Runtime::Tokio1)
                .build()
                .map_err(|e| DbError::Unavailable(e.to_string()))?;
            PoolKind::Pg {
                pool,
                url: url.to_string(),
            }
        } else {
            return Err(DbError::InvalidUrl(format!(
                "'{url}' is neither sqlite://PATH nor postgres://..."
            )));
        };
        let pool = Self { kind };
        // Fail early and clearly when the database cannot be reached.
        pool.get().await?;
        Ok(pool)
    }

    pub fn backend(&self) -> Backend {
        match self.kind {
            PoolKind::Sqlite { .. } => Backend::Sqlite,
            PoolKind::Pg { .. } => Backend::Postgres,
        }
    }

    /// A connection for reads (or single-statement writes).
    pub async fn get(&self) -> DbResult<DbConn> {
        let conn = match &self.kind {
            PoolKind::Sqlite { pool, .. } => {
                ConnKind::Sqlite(pool.get().await.map_err(unavailable)?)
            }
            PoolKind::Pg { pool, .. } => ConnKind::Pg(pool.get().await.map_err(unavailable)?),
        };
        Ok(DbConn {
            conn: Some(conn),
            in_tx: false,
            _writer: None,
        })
    }

    /// A connection with an open write transaction; finish it with [`DbConn::commit`]. Dropped
    /// without commit, the transaction rolls back and the pool discards the connection.
    pub async fn begin(&self) -> DbResult<DbConn> {
        let writer = match &self.kind {
            // Waits as long as SQLite's own busy timeout, then the database counts as busy
            // (503 with Retry-After), never a request hanging on.
            PoolKind::Sqlite { writer, .. } => Some(
                tokio::time::timeout(WRITER_WAIT, writer.clone().lock_owned())
                    .await
                    .map_err(|_| DbError::Unavailable("the database is busy".into()))?,
            ),
            PoolKind::Pg { .. } => None,
        };
        let mut conn = self.get().await?;
        conn._writer = writer;
        match conn.kind() {
            ConnKind::Sqlite(c) => {
                // IMMEDIATE takes the write lock now: a deferred transaction that read first
                // fails with SQLITE_BUSY_SNAPSHOT (no waiting) if another connection wrote
                // meanwhile, e.g. the delivery worker.
                c.spawn_blocking(|inner| {
                    diesel::connection::AnsiTransactionManager::begin_transaction_sql(
                        inner,
                        "BEGIN IMMEDIATE",
                    )
                })
                .await?
            }
            ConnKind::Pg(c) => {
                <AsyncPgConnection as AsyncConnection>::TransactionManager::begin_transaction(
                    &mut **c,
                )
                .await?
            }
        }
        conn.in_tx = true;
        Ok(conn)
    }

    /// Runs the pending embedded migrations of this backend.
    pub async fn migrate(&self) -> DbResult<usize> {
        self.migrate_until(None).await
    }

    /// Runs the pending migrations up to and including version `until` (all of them without
    /// it): a restore or a copy fills a database at the schema its rows were read from, then
    /// runs the rest.
    pub async fn migrate_until(&self, until: Option<String>) -> DbResult<usize> {
        fn run_pending<DB, H>(
            harness: &mut H,
            source: EmbeddedMigrations,
            until: Option<&str>,
        ) -> DbResult<usize>
        where
            DB: diesel::backend::Backend,
            H: MigrationHarness<DB>,
            EmbeddedMigrations: diesel::migration::MigrationSource<DB>,
        {
            let failed =
                |e: Box<dyn std::error::Error + Send + Sync>| DbError::Migration(e.to_string());
            let mut done = 0;
            for m in harness.pending_migrations(source).map_err(failed)? {
                if until.is_some_and(|u| m.name().version().to_string().as_str() > u) {
                    break;
                }
                harness.run_migration(&*m).map_err(failed)?;
                done += 1;
            }
            Ok(done)
        }
        match &self.kind {
            PoolKind::Sqlite { path, .. } => {
                let path = path.clone();
                tokio::task::spawn_blocking(move || -> DbResult<usize> {
                    use diesel::{connection::SimpleConnection, Connection};
                    let mut conn = SqliteConnection::establish(&path)
                        .map_err(|e| DbError::Unavailable(e.to_string()))?;
                    conn.batch_execute(SQLITE_PRAGMAS)?;
                    repair_edited_migrations(&mut conn)?;
                    run_pending(&mut conn, SQLITE_MIGRATIONS, until.as_deref())
                })
                .await
                .map_err(|e| DbError::Migration(e.to_string()))?
            }
            PoolKind::Pg { url, .. } => {
                let conn = AsyncPgConnection::establish(url)
                    .await
                    .map_err(|e| DbError::Unavailable(e.to_string()))?;
                // The harness drives the async connection with block_in_place: keep it off the
                // async worker threads.
                tokio::task::spawn_blocking(move || -> DbResult<usize> {
                    let mut harness = diesel_async::AsyncMigrationHarness::new(conn);
                    run_pending(&mut harness, PG_MIGRATIONS, until.as_deref())
                })
                .await
                .map_err(|e| DbError::Migration(e.to_string()))?
            }
        }
    }

    /// The versions of this binary's migrations for this backend, oldest first.
    pub fn known_migrations(&self) -> Vec<String> {
        use diesel::migration::MigrationSource;
        let versions = match self.kind {
            PoolKind::Sqlite { .. } => {
                MigrationSource::<diesel::sqlite::Sqlite>::migrations(&SQLITE_MIGRATIONS)
                    .map(|ms| ms.iter().map(|m| m.name().version().to_string()).collect())
            }
            PoolKind::Pg { .. } => MigrationSource::<diesel::pg::Pg>::migrations(&PG_MIGRATIONS)
                .map(|ms| ms.iter().map(|m| m.name().version().to_string()).collect()),
        };
        let mut versions: Vec<String> = versions.unwrap_or_default();
        versions.sort();
        versions
    }

    /// A connection holding a read-only snapshot: every read sees the database as it was at
    /// the first one, whatever other connections or processes write meanwhile (SQLite's WAL
    /// reader, PostgreSQL's REPEATABLE READ). Release it with [`DbConn::rollback`].
    pub async fn snapshot(&self) -> DbResult<DbConn> {
        let mut conn = self.get().await?;
        match conn.kind() {
            ConnKind::Sqlite(c) => {
                c.spawn_blocking(|inner| {
                    diesel::connection::AnsiTransactionManager::begin_transaction_sql(
                        inner, "BEGIN",
                    )
                })
                .await?
            }
            ConnKind::Pg(c) => {
                diesel_async::AnsiTransactionManager::begin_transaction_sql(
                    &mut **c,
                    "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
                )
                .await?
            }
        }
        conn.in_tx = true;
        Ok(conn)
    }

    /// Whether the database answers a trivial query.
    pub async fn ping(&self) -> DbResult<()> {
        let mut conn = self.get().await?;
        match conn.any() {
            AnyConn::Sqlite(c) => c.batch_execute("SELECT 1").await?,
            AnyConn::Pg(c) => c.batch_execute("SELECT 1").await?,
        }
        Ok(())
    }

    /// Closes every connection (tests drop their databases afterwards).
    pub fn close(&self) {
        match &self.kind {
            PoolKind::Sqlite { pool, .. } => pool.close(),
            PoolKind::Pg { pool, .. } => pool.close(),
        }
    }
}

fn unavailable<E: std::fmt::Display>(e: E) -> DbError {
    DbError::Unavailable(e.to_string())
}

impl Drop for DbConn {
    /// A transaction dropped without commit (an error returned half-way) is rolled back by
    /// closing its connection, now: back in the pool it would keep its locks (SQLite's write
    /// lock, PostgreSQL's row locks) until its next checkout, and every writer meanwhile would
    /// wait, then fail as busy.
    fn drop(&mut self) {
        if !self.in_tx {
            return;
        }
        match self.conn.take() {
            Some(ConnKind::Sqlite(c)) => drop(Object::take(c)),
            Some(ConnKind::Pg(c)) => drop(Object::take(c)),
            None => {}
        }
    }
}

impl DbConn {
    fn kind(&mut self) -> &mut ConnKind {
        self.conn
            .as_mut()
            .expect("a connection is open until it is dropped")
    }

    pub fn any(&mut self) -> AnyConn<'_> {
        match self.kind() {
            ConnKind::Sqlite(c) => AnyConn::Sqlite(c),
            ConnKind::Pg(c) => AnyConn::Pg(c),
        }
    }

    /// Commits the transaction opened by [`DbPool::begin`].
    pub async fn commit(mut self) -> DbResult<()> {
        if !self.in_tx {
            return Ok(());
        }
        match self.kind() {
            ConnKind::Sqlite(c) => {
                <SqliteConn as AsyncConnection>::TransactionManager::commit_transaction(&mut **c)
                    .await?
            }
            ConnKind::Pg(c) => {
                <AsyncPgConnection as AsyncConnection>::TransactionManager::commit_transaction(
                    &mut **c,
                )
                .await?
            }
        }
        self.in_tx = false;
        Ok(())
    }

    /// Rolls the transaction back explicitly (dropping does the same, less cheaply).
    pub async fn rollback(mut self) -> DbResult<()> {
        if !self.in_tx {
            return Ok(());
        }
        match self.kind() {
            ConnKind::Sqlite(c) => {
                <SqliteConn as AsyncConnection>::TransactionManager::rollback_transaction(&mut **c)
                    .await?
            }
            ConnKind::Pg(c) => {
                <AsyncPgConnection as AsyncConnection>::TransactionManager::rollback_transaction(
                    &mut **c,
                )
                .await?
            }
        }
        self.in_tx = false;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A database migrated before 000005 and 000007 were edited in place gets their columns
    /// back, once; a fresh one migrates as before.
    #[test]
    fn columns_of_migrations_edited_in_place_are_repaired() {
        use diesel::{connection::SimpleConnection, Connection, RunQueryDsl};
        let mut conn = SqliteConnection::establish(":memory:").expect("sqlite");
        conn.run_pending_migrations(SQLITE_MIGRATIONS)
            .expect("fresh");
        let columns = |conn: &mut SqliteConnection| -> i64 {
            #[derive(diesel::QueryableByName)]
            struct N {
                #[diesel(sql_type = diesel::sql_types::BigInt)]
                n: i64,
            }
            diesel::sql_query(
                "SELECT (SELECT COUNT(*) FROM pragma_table_info('outbox_events') \
                  WHERE name = 'object_uri') + (SELECT COUNT(*) FROM \
                  pragma_table_info('event_participations') WHERE name = 'reason_code') AS n",
            )
            .get_result::<N>(conn)
            .expect("count")
            .n
        };
        assert_eq!(columns(&mut conn), 2);
        // As such a database was: the columns missing, the repair not recorded.
        conn.batch_execute(
            "ALTER TABLE outbox_events DROP COLUMN object_uri; \
             ALTER TABLE event_participations DROP COLUMN reason_code; \
             DELETE FROM __diesel_schema_migrations WHERE version = '20261207000012';",
        )
        .expect("undo the edits");
        assert_eq!(columns(&mut conn), 0);
        repair_edited_migrations(&mut conn).expect("repair");
        conn.run_pending_migrations(SQLITE_MIGRATIONS)
            .expect("migrate");
        assert_eq!(columns(&mut conn), 2);
        // Recorded: running again changes nothing.
        repair_edited_migrations(&mut conn).expect("again");
        assert_eq!(columns(&mut conn), 2);
    }

    #[test]
    fn sqlite_urls() {
        assert_eq!(
            sqlite_path("sqlite://data/x.db").as_deref(),
            Some("data/x.db")
        );
        assert_eq!(
            sqlite_path("sqlite:///abs/x.db").as_deref(),
            Some("/abs/x.db")
        );
        assert_eq!(sqlite_path("sqlite:x.db").as_deref(), Some("x.db"));
        assert_eq!(sqlite_path("sqlite://"), None);
        assert_eq!(sqlite_path("postgres://x"), None);
    }
}
