//! Backups, restores and copies between databases: every row of every table (accounts and
//! their keys, posts, events, visits, opportunities, ...) and the uploaded files.
//!
//! An archive is a gzip-compressed tar, whatever its file is called:
//! - `manifest.json` first: format, domain, the migrations that made the schema, rows per
//!   table, media files;
//! - `config.txt`: the effective configuration, secrets left out (for the operator's eyes;
//!   a restore reads its own configuration);
//! - `tables/NAME/NNNNNN.jsonl`: the rows, one JSON object per line, parents' tables first;
//! - `media/FILE`: the uploaded files.
//!
//! Rows are read from one snapshot, so an archive made while the server runs is consistent.
//! A restore or a copy fills an empty database at the schema the rows were read from, in one
//! transaction, checks the counts, then runs the newer migrations: an archive of an older
//! version restores into a newer binary.

use crate::{AppError, AppResult};
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use interspace_db::transfer::{self, Reader, Row, TableSpec};
use interspace_db::{DbConn, DbPool};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::{BufRead, Read, Write};
use std::path::{Component, Path, PathBuf};

const FORMAT: &str = "interspace-backup";
const FORMAT_VERSION: u32 = 1;
const MANIFEST: &str = "manifest.json";
/// Rows per read, per write and per archive entry.
const BATCH: usize = 500;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    pub format_version: u32,
    pub software_version: String,
    pub created_at: String,
    pub domain: String,
    /// `sqlite` or `postgres`: where the rows were read (they restore into either).
    pub backend: String,
    pub migrations: Vec<String>,
    pub tables: BTreeMap<String, u64>,
    pub media_files: u64,
}

/// Where a long operation is: rows of `table` done out of `total`.
pub struct Progress<'a> {
    pub table: &'a str,
    pub done: u64,
    pub total: u64,
}

pub type OnProgress<'a> = &'a mut dyn FnMut(Progress<'_>);

#[derive(Debug, Clone, Default)]
pub struct Summary {
    pub tables: usize,
    pub rows: u64,
    pub media_files: u64,
    /// The migrations run after the rows went in (the archive or source was older).
    pub migrated_after: usize,
}

fn unusable(why: impl std::fmt::Display) -> AppError {
    AppError::Unprocessable(format!("the archive cannot be restored: {why}"))
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> AppError + '_ {
    move |e| AppError::Internal(format!("{}: {e}", path.display()))
}

fn backend_name(db: &DbPool) -> &'static str {
    match db.backend() {
        interspace_db::Backend::Sqlite => "sqlite",
        interspace_db::Backend::Postgres => "postgres",
    }
}

/// Writes an archive of the database and the media folder to `output` (replaced whole at the
/// end, never left half-written; readable by its owner only: it holds every key).
pub async fn backup(
    db: &DbPool,
    media_dir: &Path,
    domain: &str,
    config_text: &str,
    output: &Path,
    progress: OnProgress<'_>,
) -> AppResult<Summary> {
    let partial = PathBuf::from(format!("{}.partial", output.display()));
    let result = write_archive(db, media_dir, domain, config_text, &partial, progress).await;
    match result {
        Ok(summary) => {
            std::fs::rename(&partial, output).map_err(io(output))?;
            Ok(summary)
        }
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            Err(e)
        }
    }
}

fn media_files(media_dir: &Path) -> AppResult<Vec<(String, PathBuf)>> {
    let mut files = Vec::new();
    let entries = match std::fs::read_dir(media_dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(files),
        Err(e) => return Err(io(media_dir)(e)),
    };
    for entry in entries {
        let entry = entry.map_err(io(media_dir))?;
        if entry.file_type().map_err(io(media_dir))?.is_file() {
            if let Some(name) = entry.file_name().to_str() {
                files.push((name.to_string(), entry.path()));
            }
        }
    }
    files.sort();
    Ok(files)
}

fn header(size: u64) -> tar::Header {
    let mut h = tar::Header::new_gnu();
    h.set_size(size);
    h.set_mode(0o600);
    h.set_mtime(chrono::Utc::now().timestamp().max(0) as u64);
    h.set_entry_type(tar::EntryType::Regular);
    h
}

async fn write_archive(
    db: &DbPool,
    media_dir: &Path,
    domain: &str,
    config_text: &str,
    path: &Path,
    progress: OnProgress<'_>,
) -> AppResult<Summary> {
    use std::os::unix::fs::OpenOptionsExt;
    let file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .map_err(io(path))?;
    let mut tar = tar::Builder::new(GzEncoder::new(file, flate2::Compression::default()));
    let mut snapshot = db.snapshot().await?;
    let migrations = transfer::applied_migrations(&mut snapshot).await?;
    if migrations.is_empty() {
        return Err(AppError::Conflict(
            "the database has no Interspace schema: nothing to back up".into(),
        ));
    }
    let tables = transfer::tables(&mut snapshot).await?;
    let mut counts = BTreeMap::new();
    for t in &tables {
        counts.insert(t.name.clone(), count(&mut snapshot, &t.name).await?);
    }
    let media = media_files(media_dir)?;
    let manifest = Manifest {
        format: FORMAT.into(),
        format_version: FORMAT_VERSION,
        software_version: crate::SOFTWARE_VERSION.into(),
        created_at: chrono::Utc::now().to_rfc3339(),
        domain: domain.into(),
        backend: backend_name(db).into(),
        migrations,
        tables: counts.clone(),
        media_files: media.len() as u64,
    };
    let json =
        serde_json::to_vec_pretty(&manifest).map_err(|e| AppError::Internal(e.to_string()))?;
    tar.append_data(&mut header(json.len() as u64), MANIFEST, json.as_slice())
        .map_err(io(path))?;
    tar.append_data(
        &mut header(config_text.len() as u64),
        "config.txt",
        config_text.as_bytes(),
    )
    .map_err(io(path))?;
    let mut summary = Summary {
        tables: tables.len(),
        ..Summary::default()
    };
    for t in &tables {
        let total = counts[&t.name];
        let mut reader = Reader::new(t);
        let (mut done, mut part) = (0u64, 0u32);
        loop {
            let rows = reader.next(&mut snapshot, BATCH).await?;
            if rows.is_empty() {
                break;
            }
            let mut lines = Vec::new();
            for row in &rows {
                serde_json::to_writer(&mut lines, row)
                    .map_err(|e| AppError::Internal(e.to_string()))?;
                lines.push(b'\n');
            }
            part += 1;
            let name = format!("tables/{}/{part:06}.jsonl", t.name);
            tar.append_data(&mut header(lines.len() as u64), name, lines.as_slice())
                .map_err(io(path))?;
            done += rows.len() as u64;
            progress(Progress {
                table: &t.name,
                done,
                total,
            });
        }
        if done != total {
            return Err(AppError::Internal(format!(
                "{}: read {done} rows of {total}",
                t.name
            )));
        }
        summary.rows += done;
    }
    snapshot.rollback().await?;
    for (name, file) in &media {
        // A file deleted since the listing (a pruned upload) is left out.
        let Ok(mut f) = std::fs::File::open(file) else {
            continue;
        };
        let size = f.metadata().map_err(io(file))?.len();
        tar.append_data(&mut header(size), format!("media/{name}"), &mut f)
            .map_err(io(file))?;
        summary.media_files += 1;
    }
    let gz = tar.into_inner().map_err(io(path))?;
    let file = gz.finish().map_err(io(path))?;
    file.sync_all().map_err(io(path))?;
    Ok(summary)
}

async fn count(conn: &mut DbConn, table: &str) -> AppResult<u64> {
    Ok(transfer::count(conn, table).await?.max(0) as u64)
}

fn open_archive(
    path: &Path,
) -> AppResult<tar::Archive<GzDecoder<std::io::BufReader<std::fs::File>>>> {
    let file =
        std::fs::File::open(path).map_err(|e| unusable(format!("{}: {e}", path.display())))?;
    let mut reader = std::io::BufReader::new(file);
    let magic = reader.fill_buf().map_err(unusable)?;
    if !magic.starts_with(&[0x1f, 0x8b]) {
        return Err(unusable("it is not an Interspace backup (not gzip data)"));
    }
    Ok(tar::Archive::new(GzDecoder::new(reader)))
}

/// What an archive says it holds (its first entry), without reading the rest.
pub fn manifest(path: &Path) -> AppResult<Manifest> {
    read_manifest(&mut open_archive(path)?)
}

/// An archive entry, by what it holds.
enum Entry {
    Manifest,
    Config,
    Rows(String),
    Media(String),
}

fn classify(path: &Path) -> AppResult<Entry> {
    let parts: Vec<&str> = path
        .components()
        .map(|c| match c {
            Component::Normal(p) => p.to_str().ok_or_else(|| unusable("a name is not UTF-8")),
            _ => Err(unusable(format!("unsafe path {}", path.display()))),
        })
        .collect::<AppResult<_>>()?;
    match parts.as_slice() {
        [MANIFEST] => Ok(Entry::Manifest),
        ["config.txt"] => Ok(Entry::Config),
        ["tables", table, _] => Ok(Entry::Rows((*table).to_string())),
        ["media", name] => Ok(Entry::Media((*name).to_string())),
        _ => Err(unusable(format!("unexpected entry {}", path.display()))),
    }
}

fn read_manifest(archive: &mut tar::Archive<impl Read>) -> AppResult<Manifest> {
    let mut entries = archive.entries().map_err(unusable)?;
    let mut first = entries
        .next()
        .ok_or_else(|| unusable("it is empty"))?
        .map_err(unusable)?;
    if !matches!(classify(&first.path().map_err(unusable)?)?, Entry::Manifest) {
        return Err(unusable("it does not start with a manifest"));
    }
    let mut text = String::new();
    first.read_to_string(&mut text).map_err(unusable)?;
    let manifest: Manifest = serde_json::from_str(&text).map_err(unusable)?;
    if manifest.format != FORMAT || manifest.format_version != FORMAT_VERSION {
        return Err(unusable(format!(
            "format {} version {} (this Interspace reads {FORMAT} version {FORMAT_VERSION})",
            manifest.format, manifest.format_version
        )));
    }
    Ok(manifest)
}

fn parse_rows(table: &TableSpec, bytes: &[u8]) -> AppResult<Vec<Row>> {
    let mut rows = Vec::new();
    for line in bytes.split(|b| *b == b'\n').filter(|l| !l.is_empty()) {
        let row: Row =
            serde_json::from_slice(line).map_err(|e| unusable(format!("{}: {e}", table.name)))?;
        table.check(&row).map_err(unusable)?;
        rows.push(row);
    }
    Ok(rows)
}

/// What must hold before anything is written into the target: its schema is a step on the
/// way to `migrations` (or none yet), every table is empty, every migration is one this binary
/// has.
async fn check_target(db: &DbPool, migrations: &[String]) -> AppResult<()> {
    let known = db.known_migrations();
    if let Some(unknown) = migrations.iter().find(|m| !known.contains(m)) {
        return Err(AppError::Conflict(format!(
            "the data comes from a newer Interspace (migration {unknown} is unknown here): \
             upgrade this binary first"
        )));
    }
    let mut conn = db.get().await?;
    let applied = transfer::applied_migrations(&mut conn).await?;
    if !migrations.starts_with(&applied) {
        return Err(AppError::Conflict(
            "the target database has a newer schema than the data: use a new, empty database"
                .into(),
        ));
    }
    if !applied.is_empty() {
        let tables = transfer::tables(&mut conn).await?;
        if let Some(table) = transfer::first_non_empty(&mut conn, &tables).await? {
            return Err(AppError::Conflict(format!(
                "the target database is not empty (table {table} has rows): \
                 restore and copy only fill an empty database"
            )));
        }
    }
    Ok(())
}

async fn verify_counts(conn: &mut DbConn, expected: &BTreeMap<String, u64>) -> AppResult<u64> {
    let mut rows = 0;
    for (table, n) in expected {
        let found = count(conn, table).await?;
        if found != *n {
            return Err(AppError::Internal(format!(
                "{table}: {found} rows written, {n} expected"
            )));
        }
        rows += found;
    }
    Ok(rows)
}

/// Rebuilds an instance from an archive into the configured database, which must be empty (a
/// new PostgreSQL database, or a SQLite file that did not exist), and the media folder, which
/// must be empty too. The archive must be of the same domain: an instance's identity on the
/// federation is its domain and its keys. The whole archive is checked before anything is
/// written; a failure half-way leaves the database and the folder as they were.
pub async fn restore(
    db: &DbPool,
    media_dir: &Path,
    domain: &str,
    input: &Path,
    progress: OnProgress<'_>,
) -> AppResult<Summary> {
    let manifest = manifest(input)?;
    if manifest.domain != domain {
        return Err(AppError::Conflict(format!(
            "the archive is of {}, this instance is configured as {domain}: \
             an instance keeps its domain (set server.domain = \"{}\" to restore it)",
            manifest.domain, manifest.domain
        )));
    }
    check_target(db, &manifest.migrations).await?;
    if !media_files(media_dir)?.is_empty() {
        return Err(AppError::Conflict(format!(
            "the media folder {} is not empty",
            media_dir.display()
        )));
    }
    db.migrate_until(manifest.migrations.last().cloned())
        .await?;
    let mut conn = db.get().await?;
    let specs: BTreeMap<String, TableSpec> = transfer::tables(&mut conn)
        .await?
        .into_iter()
        .map(|t| (t.name.clone(), t))
        .collect();
    drop(conn);
    if specs.keys().ne(manifest.tables.keys()) {
        return Err(unusable("its tables are not those of its schema"));
    }
    // First pass: every row parses and fits, counts match, names are safe.
    let mut seen: BTreeMap<String, u64> = BTreeMap::new();
    let mut media = 0u64;
    let mut archive = open_archive(input)?;
    for entry in archive.entries().map_err(unusable)?.skip(1) {
        let mut entry = entry.map_err(unusable)?;
        match classify(&entry.path().map_err(unusable)?)? {
            Entry::Manifest => return Err(unusable("it has two manifests")),
            Entry::Config => {}
            Entry::Rows(table) => {
                let spec = specs
                    .get(&table)
                    .ok_or_else(|| unusable(format!("unknown table {table}")))?;
                let mut bytes = Vec::new();
                entry.read_to_end(&mut bytes).map_err(unusable)?;
                *seen.entry(table).or_default() += parse_rows(spec, &bytes)?.len() as u64;
            }
            Entry::Media(_) => {
                std::io::copy(&mut entry, &mut std::io::sink()).map_err(unusable)?;
                media += 1;
            }
        }
    }
    for (table, n) in &manifest.tables {
        let found = seen.get(table).copied().unwrap_or(0);
        if found != *n {
            return Err(unusable(format!(
                "{table} holds {found} rows, its manifest says {n}"
            )));
        }
    }
    if media != manifest.media_files {
        return Err(unusable(format!(
            "{media} media files, its manifest says {}",
            manifest.media_files
        )));
    }
    // Second pass: write.
    let mut written = Vec::new();
    let result = load(
        db,
        media_dir,
        input,
        &specs,
        &manifest,
        &mut written,
        progress,
    )
    .await;
    if result.is_err() {
        for file in written {
            let _ = std::fs::remove_file(file);
        }
    }
    let mut summary = result?;
    summary.migrated_after = db.migrate().await?;
    Ok(summary)
}

async fn load(
    db: &DbPool,
    media_dir: &Path,
    input: &Path,
    specs: &BTreeMap<String, TableSpec>,
    manifest: &Manifest,
    written: &mut Vec<PathBuf>,
    progress: OnProgress<'_>,
) -> AppResult<Summary> {
    use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
    let mut tx = db.begin().await?;
    let mut done: BTreeMap<String, u64> = BTreeMap::new();
    let mut summary = Summary {
        tables: specs.len(),
        ..Summary::default()
    };
    let mut archive = open_archive(input)?;
    for entry in archive.entries().map_err(unusable)?.skip(1) {
        let mut entry = entry.map_err(unusable)?;
        match classify(&entry.path().map_err(unusable)?)? {
            Entry::Manifest | Entry::Config => {}
            Entry::Rows(table) => {
                let spec = &specs[&table];
                let mut bytes = Vec::new();
                entry.read_to_end(&mut bytes).map_err(unusable)?;
                let rows = parse_rows(spec, &bytes)?;
                transfer::write(&mut tx, spec, &rows).await?;
                let n = done.entry(table.clone()).or_default();
                *n += rows.len() as u64;
                progress(Progress {
                    table: &table,
                    done: *n,
                    total: manifest.tables[&table],
                });
            }
            Entry::Media(name) => {
                if written.is_empty() {
                    std::fs::DirBuilder::new()
                        .recursive(true)
                        .mode(0o700)
                        .create(media_dir)
                        .map_err(io(media_dir))?;
                }
                let path = media_dir.join(&name);
                let mut file = std::fs::OpenOptions::new()
                    .write(true)
                    .create_new(true)
                    .mode(0o600)
                    .open(&path)
                    .map_err(io(&path))?;
                written.push(path.clone());
                std::io::copy(&mut entry, &mut file).map_err(io(&path))?;
                file.flush().map_err(io(&path))?;
                summary.media_files += 1;
            }
        }
    }
    summary.rows = verify_counts(&mut tx, &manifest.tables).await?;
    tx.commit().await?;
    Ok(summary)
}

/// Copies every row of `from` into `to`, which must be empty (it is migrated first; a SQLite
/// file is created). One read snapshot of the source, one transaction on the target: an
/// interrupted copy leaves the target empty, and running it again starts over. Row counts are
/// compared per table before the commit.
pub async fn copy(from: &DbPool, to: &DbPool, progress: OnProgress<'_>) -> AppResult<Summary> {
    let mut source = from.snapshot().await?;
    let migrations = transfer::applied_migrations(&mut source).await?;
    if migrations.is_empty() {
        return Err(AppError::Conflict(
            "the source database has no Interspace schema".into(),
        ));
    }
    check_target(to, &migrations).await?;
    to.migrate_until(migrations.last().cloned()).await?;
    let tables = transfer::tables(&mut source).await?;
    let mut counts = BTreeMap::new();
    for t in &tables {
        counts.insert(t.name.clone(), count(&mut source, &t.name).await?);
    }
    let mut tx = to.begin().await?;
    for t in &tables {
        let total = counts[&t.name];
        let mut reader = Reader::new(t);
        let mut done = 0;
        loop {
            let rows = reader.next(&mut source, BATCH).await?;
            if rows.is_empty() {
                break;
            }
            transfer::write(&mut tx, t, &rows).await?;
            done += rows.len() as u64;
            progress(Progress {
                table: &t.name,
                done,
                total,
            });
        }
    }
    let rows = verify_counts(&mut tx, &counts).await?;
    tx.commit().await?;
    source.rollback().await?;
    Ok(Summary {
        tables: tables.len(),
        rows,
        media_files: 0,
        migrated_after: to.migrate().await?,
    })
}
