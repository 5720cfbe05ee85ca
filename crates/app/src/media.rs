//! Uploaded images: checked by their bytes, stored on disk under the media folder, described,
//! attached to posts, used as avatars and headers.

use crate::{AppContext, AppError, AppResult};
use interspace_core::ids::new_id;
use interspace_core::images;
use interspace_db::accounts::Account;
use interspace_db::media as db_media;
pub use interspace_db::media::Media;
use interspace_db::now;

/// Largest upload.
pub const MAX_BYTES: usize = 10 * 1024 * 1024;
pub const MAX_DESCRIPTION: usize = 1500;

#[derive(Debug, Clone)]
pub struct Upload {
    pub bytes: Vec<u8>,
}

fn check_description(d: Option<&str>) -> AppResult<Option<String>> {
    match d.map(str::trim).filter(|d| !d.is_empty()) {
        Some(d) if d.chars().count() > MAX_DESCRIPTION => Err(AppError::Unprocessable(format!(
            "Validation failed: description is longer than {MAX_DESCRIPTION} characters"
        ))),
        other => Ok(other.map(String::from)),
    }
}

/// Stores an image and records it as the account's unattached upload.
pub async fn upload(
    ctx: &AppContext,
    account: &Account,
    file: Upload,
    description: Option<&str>,
) -> AppResult<Media> {
    if file.bytes.is_empty() {
        return Err(AppError::Unprocessable(
            "Validation failed: the file is empty".into(),
        ));
    }
    if file.bytes.len() > MAX_BYTES {
        return Err(AppError::Unprocessable(format!(
            "Validation failed: files may be at most {MAX_BYTES} bytes"
        )));
    }
    let description = check_description(description)?;
    // Decoding takes tens of milliseconds on a phone photo: off the async threads.
    let original = file.bytes;
    let cleaned = tokio::task::spawn_blocking(move || images::clean(&original))
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?
        .map_err(|e| AppError::Unprocessable(format!("Validation failed: {e}")))?;
    let info = cleaned.info;
    let id = new_id();
    let name = format!("{}.{}", id.to_lowercase(), info.extension);
    let dir = ctx.settings.media_dir.clone();
    // The folder 0700 and files 0600: the instance serves them itself, to whom may see them.
    if !tokio::fs::try_exists(&dir).await.unwrap_or(false) {
        let mut folder = tokio::fs::DirBuilder::new();
        folder.recursive(true).mode(0o700);
        folder
            .create(&dir)
            .await
            .map_err(|e| AppError::Internal(format!("media folder {}: {e}", dir.display())))?;
    }
    // Write under a temporary name, then rename: a crash never leaves half a file in place.
    let tmp = dir.join(format!("{name}.part"));
    write_private(&tmp, &cleaned.bytes)
        .await
        .map_err(|e| AppError::Internal(format!("writing media: {e}")))?;
    tokio::fs::rename(&tmp, dir.join(&name))
        .await
        .map_err(|e| AppError::Internal(format!("writing media: {e}")))?;
    let media = Media {
        id,
        account_id: account.id.clone(),
        status_id: None,
        kind: "image".into(),
        content_type: info.content_type.into(),
        file_path: Some(name),
        remote_url: None,
        description,
        width: Some(info.width as i32),
        height: Some(info.height as i32),
        blurhash: cleaned.blurhash,
        created_at: now(),
    };
    let mut conn = ctx.db.get().await?;
    db_media::insert_media(&mut conn, &media).await?;
    Ok(media)
}

/// One's own upload.
pub async fn get_own(ctx: &AppContext, account: &Account, id: &str) -> AppResult<Media> {
    let mut conn = ctx.db.get().await?;
    db_media::find_media(&mut conn, id)
        .await?
        .filter(|m| m.account_id == account.id)
        .ok_or(AppError::NotFound("media"))
}

pub async fn describe(
    ctx: &AppContext,
    account: &Account,
    id: &str,
    description: Option<&str>,
) -> AppResult<Media> {
    let media = get_own(ctx, account, id).await?;
    let description = check_description(description)?;
    let mut conn = ctx.db.get().await?;
    db_media::update_description(&mut conn, &media.id, description.as_deref()).await?;
    drop(conn);
    get_own(ctx, account, id).await
}

/// The public URL of a stored file.
pub fn url(ctx: &AppContext, media: &Media) -> String {
    match (&media.file_path, &media.remote_url) {
        (Some(file), _) => ctx.urls().path(&format!("/media/{file}")).to_string(),
        (None, Some(remote)) => remote.clone(),
        (None, None) => String::new(),
    }
}

/// Reads a stored file by name for serving; names are ours (ULID + extension), nothing else.
pub async fn read_file(ctx: &AppContext, name: &str) -> AppResult<(Vec<u8>, &'static str)> {
    let valid = name.len() < 64
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '.')
        && name.matches('.').count() == 1;
    if !valid {
        return Err(AppError::NotFound("media"));
    }
    let content_type = match name.rsplit('.').next() {
        Some("png") => "image/png",
        Some("jpg") => "image/jpeg",
        Some("gif") => "image/gif",
        Some("webp") => "image/webp",
        _ => return Err(AppError::NotFound("media")),
    };
    let bytes = tokio::fs::read(ctx.settings.media_dir.join(name))
        .await
        .map_err(|_| AppError::NotFound("media"))?;
    Ok((bytes, content_type))
}

/// Writes a new file readable by this user only.
async fn write_private(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    use tokio::io::AsyncWriteExt;
    let mut f = tokio::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .await?;
    f.write_all(bytes).await?;
    f.sync_all().await
}

/// What [`prune`] removed.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Pruned {
    /// Uploads never attached to a post nor shown as an avatar or header.
    pub unattached: usize,
    /// Files in the media folder that no upload refers to (left by a crash or a deleted row).
    pub orphan_files: usize,
    pub bytes: u64,
}

/// Removes what the media folder keeps for nothing, older than `days`: uploads never
/// attached to a post and not in use as an avatar or header, and files no row refers to.
/// Remote posts' media are not copied here (their URLs point at their servers), so there is no
/// remote cache to empty.
pub async fn prune(ctx: &AppContext, days: u32) -> AppResult<Pruned> {
    let older_than = chrono::Duration::days(i64::from(days));
    let before = now() - older_than;
    let mut pruned = Pruned::default();
    let dir = &ctx.settings.media_dir;
    let mut conn = ctx.db.get().await?;
    for media in db_media::unattached_before(&mut conn, before).await? {
        if interspace_db::accounts::shows_image(&mut conn, &url(ctx, &media)).await? {
            continue;
        }
        if !db_media::delete_unattached(&mut conn, &media.id).await? {
            continue;
        }
        pruned.unattached += 1;
        if let Some(file) = &media.file_path {
            pruned.bytes += remove_file(&dir.join(file)).await;
        }
    }
    let known: std::collections::HashSet<String> =
        db_media::file_names(&mut conn).await?.into_iter().collect();
    drop(conn);
    let Ok(mut entries) = tokio::fs::read_dir(dir).await else {
        return Ok(pruned);
    };
    let cutoff = std::time::SystemTime::now()
        .checked_sub(older_than.to_std().unwrap_or_default())
        .unwrap_or(std::time::UNIX_EPOCH);
    while let Ok(Some(entry)) = entries.next_entry().await {
        let Ok(meta) = entry.metadata().await else {
            continue;
        };
        let name = entry.file_name().to_string_lossy().into_owned();
        let old = meta.modified().is_ok_and(|m| m < cutoff);
        if meta.is_file() && old && !known.contains(&name) {
            pruned.bytes += remove_file(&entry.path()).await;
            pruned.orphan_files += 1;
        }
    }
    Ok(pruned)
}

/// Removes a file; its size, or 0 when it was not there.
async fn remove_file(path: &std::path::Path) -> u64 {
    let size = tokio::fs::metadata(path)
        .await
        .map(|m| m.len())
        .unwrap_or(0);
    match tokio::fs::remove_file(path).await {
        Ok(()) => size,
        Err(_) => 0,
    }
}
