//! Creating and dropping whole PostgreSQL databases (the test harness gives each instance one).

use crate::{DbError, DbResult};
use diesel_async::{AsyncConnection, AsyncPgConnection, SimpleAsyncConnection};

fn check_name(name: &str) -> DbResult<()> {
    if name.is_empty()
        || !name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    {
        return Err(DbError::InvalidUrl(format!("bad database name '{name}'")));
    }
    Ok(())
}

/// The URL of database `name` on the same server as `admin_url`.
pub fn database_url(admin_url: &str, name: &str) -> DbResult<String> {
    let mut url = url::Url::parse(admin_url).map_err(|e| DbError::InvalidUrl(e.to_string()))?;
    url.set_path(&format!("/{name}"));
    Ok(url.to_string())
}

/// Creates database `name` through the server at `admin_url`; returns its URL.
pub async fn create_database(admin_url: &str, name: &str) -> DbResult<String> {
    check_name(name)?;
    let mut conn = AsyncPgConnection::establish(admin_url)
        .await
        .map_err(|e| DbError::Unavailable(e.to_string()))?;
    conn.batch_execute(&format!("CREATE DATABASE {name}"))
        .await?;
    database_url(admin_url, name)
}

/// Drops database `name`, closing other sessions on it first.
pub async fn drop_database(admin_url: &str, name: &str) -> DbResult<()> {
    check_name(name)?;
    let mut conn = AsyncPgConnection::establish(admin_url)
        .await
        .map_err(|e| DbError::Unavailable(e.to_string()))?;
    conn.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .await?;
    Ok(())
}
