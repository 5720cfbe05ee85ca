//! Every row of every table, read and written as JSON objects in one shape for both backends:
//! what a backup archives and what `interspace db copy` moves. Tables come parents first (a
//! row's foreign keys point at rows already written), rows in primary-key order, read in
//! batches by key (never by offset), and a table that refers to itself (a boost of a post)
//! gives the rows that refer to nothing first.
//!
//! The shape: a timestamp is `YYYY-MM-DD HH:MM:SS[.ffffff]` (what diesel writes to SQLite, and
//! what PostgreSQL reads), a boolean is `true`/`false`, a date `YYYY-MM-DD`, every other value
//! as the database has it.

use crate::introspect::{self, Family};
use crate::{run, DbConn, DbError, DbResult};
use diesel::sql_types::{BigInt, Text};
use diesel::QueryableByName;
use diesel_async::RunQueryDsl;
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};

/// One row: column name to value.
pub type Row = Map<String, Value>;

/// A table as the transfer reads and writes it.
#[derive(Debug, Clone)]
pub struct TableSpec {
    pub name: String,
    columns: Vec<(String, Family)>,
    key: Vec<String>,
    /// A column referring to this same table: rows where it is NULL are read first.
    self_ref: Option<String>,
}

impl TableSpec {
    /// Whether the row has exactly this table's columns, each of a plausible kind.
    pub fn check(&self, row: &Row) -> Result<(), String> {
        if row.len() != self.columns.len() {
            return Err(format!(
                "{}: a row has {} values, the table has {} columns",
                self.name,
                row.len(),
                self.columns.len()
            ));
        }
        for (column, family) in &self.columns {
            let Some(v) = row.get(column) else {
                return Err(format!("{}: a row has no {column}", self.name));
            };
            let fits = match (family, v) {
                (_, Value::Null) => true,
                (Family::Integer, Value::Number(n)) => n.is_i64(),
                (Family::Float, Value::Number(_)) => true,
                (Family::Boolean, Value::Bool(_)) => true,
                (Family::Timestamp, Value::String(s)) => parse_timestamp(s).is_some(),
                (Family::Date, Value::String(s)) => {
                    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok()
                }
                (Family::Text | Family::Other, Value::String(_)) => true,
                _ => false,
            };
            if !fits {
                return Err(format!("{}.{column}: unexpected value {v}", self.name));
            }
        }
        Ok(())
    }
}

/// The tables of the database behind `conn` (the migration harness's own left out), parents
/// before the tables that refer to them.
pub async fn tables(conn: &mut DbConn) -> DbResult<Vec<TableSpec>> {
    let schema = introspect::describe(conn).await?;
    let mut specs: BTreeMap<String, (TableSpec, BTreeSet<String>)> = BTreeMap::new();
    for (name, table) in schema {
        let mut parents = BTreeSet::new();
        let mut self_ref = None;
        for fk in &table.foreign_keys {
            let parent = fk.references.split('.').next().unwrap_or_default();
            if parent == name {
                self_ref = Some(fk.column.clone());
            } else {
                parents.insert(parent.to_string());
            }
        }
        let mut key: Vec<String> = table.primary_key.iter().cloned().collect();
        if key.is_empty() {
            key = table.columns.keys().cloned().collect();
        }
        let spec = TableSpec {
            columns: table
                .columns
                .iter()
                .map(|(c, col)| (c.clone(), col.family))
                .collect(),
            name: name.clone(),
            key,
            self_ref,
        };
        specs.insert(name, (spec, parents));
    }
    // Kahn's order, alphabetical among equals so that archives list tables alike.
    let mut ordered = Vec::with_capacity(specs.len());
    let mut placed = BTreeSet::new();
    while !specs.is_empty() {
        let ready: Vec<String> = specs
            .iter()
            .filter(|(_, (_, parents))| parents.iter().all(|p| placed.contains(p)))
            .map(|(name, _)| name.clone())
            .collect();
        if ready.is_empty() {
            let left: Vec<&String> = specs.keys().collect();
            return Err(DbError::Migration(format!(
                "foreign keys form a cycle among {left:?}"
            )));
        }
        for name in ready {
            if let Some((spec, _)) = specs.remove(&name) {
                ordered.push(spec);
                placed.insert(name);
            }
        }
    }
    Ok(ordered)
}

#[derive(QueryableByName)]
struct JsonRow {
    #[diesel(sql_type = Text)]
    j: String,
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// A value of our own database as an SQL literal, for the key of the last row read.
fn literal(v: &Value) -> DbResult<String> {
    match v {
        Value::String(s) => Ok(format!("'{}'", s.replace('\'', "''"))),
        Value::Number(n) if n.is_i64() => Ok(n.to_string()),
        other => Err(DbError::Migration(format!(
            "a primary key value cannot be read past: {other}"
        ))),
    }
}

/// Reads one table in batches.
pub struct Reader<'t> {
    table: &'t TableSpec,
    /// 0: rows not referring to the table itself (or every row when none can); 1: the others.
    pass: u8,
    after: Option<Vec<Value>>,
}

impl<'t> Reader<'t> {
    pub fn new(table: &'t TableSpec) -> Self {
        Self {
            table,
            pass: 0,
            after: None,
        }
    }

    /// The next at most `limit` rows, or an empty batch at the end.
    pub async fn next(&mut self, conn: &mut DbConn, limit: usize) -> DbResult<Vec<Row>> {
        loop {
            let rows = self.read(conn, limit).await?;
            if let Some(last) = rows.last() {
                self.after = Some(self.table.key.iter().map(|k| last[k].clone()).collect());
                return Ok(rows);
            }
            if self.pass == 0 && self.table.self_ref.is_some() {
                self.pass = 1;
                self.after = None;
                continue;
            }
            return Ok(rows);
        }
    }

    async fn read(&self, conn: &mut DbConn, limit: usize) -> DbResult<Vec<Row>> {
        let t = self.table;
        let mut conditions = Vec::new();
        if let Some(column) = &t.self_ref {
            let not = if self.pass == 0 { "" } else { "NOT " };
            conditions.push(format!("{} IS {not}NULL", quote_ident(column)));
        }
        let key: Vec<String> = t.key.iter().map(|k| quote_ident(k)).collect();
        let key = key.join(", ");
        if let Some(after) = &self.after {
            let values = after.iter().map(literal).collect::<DbResult<Vec<_>>>()?;
            conditions.push(format!("({key}) > ({})", values.join(", ")));
        }
        let filter = if conditions.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", conditions.join(" AND "))
        };
        let query = match conn.any() {
            crate::AnyConn::Sqlite(_) => {
                let pairs: Vec<String> = t
                    .columns
                    .iter()
                    .map(|(c, _)| format!("'{c}', {}", quote_ident(c)))
                    .collect();
                format!(
                    "SELECT json_object({}) AS j FROM {} {filter} ORDER BY {key} LIMIT {limit}",
                    pairs.join(", "),
                    quote_ident(&t.name)
                )
            }
            crate::AnyConn::Pg(_) => format!(
                "SELECT to_json(t)::text AS j FROM {} t {filter} ORDER BY {key} LIMIT {limit}",
                quote_ident(&t.name)
            ),
        };
        let raw = run!(conn, |c| diesel::sql_query(&query).load::<JsonRow>(c).await)?;
        raw.into_iter()
            .map(|r| {
                let Value::Object(row) = serde_json::from_str(&r.j)
                    .map_err(|e| DbError::Migration(format!("{}: {e}", t.name)))?
                else {
                    return Err(DbError::Migration(format!("{}: not an object", t.name)));
                };
                Ok(normalize(t, row))
            })
            .collect()
    }
}

fn parse_timestamp(s: &str) -> Option<chrono::NaiveDateTime> {
    ["%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S%.f"]
        .iter()
        .find_map(|f| chrono::NaiveDateTime::parse_from_str(s, f).ok())
}

/// Values as the module's header says, whichever backend gave them.
fn normalize(t: &TableSpec, mut row: Row) -> Row {
    for (column, family) in &t.columns {
        let Some(v) = row.get_mut(column) else {
            continue;
        };
        match (family, &*v) {
            (Family::Boolean, Value::Number(n)) => *v = Value::Bool(n.as_i64() != Some(0)),
            (Family::Timestamp, Value::String(s)) => {
                if let Some(ts) = parse_timestamp(s) {
                    *v = Value::String(ts.format("%Y-%m-%d %H:%M:%S%.f").to_string());
                }
            }
            _ => {}
        }
    }
    row
}

/// Writes rows read by a [`Reader`] (or from an archive, checked with [`TableSpec::check`])
/// into the same table of the database behind `conn`.
pub async fn write(conn: &mut DbConn, table: &TableSpec, rows: &[Row]) -> DbResult<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let json = serde_json::to_string(rows).map_err(|e| DbError::Migration(e.to_string()))?;
    let name = quote_ident(&table.name);
    let columns: Vec<String> = table.columns.iter().map(|(c, _)| quote_ident(c)).collect();
    let columns = columns.join(", ");
    let query = match conn.any() {
        crate::AnyConn::Sqlite(_) => {
            let values: Vec<String> = table
                .columns
                .iter()
                .map(|(c, _)| format!("json_extract(value, '$.\"{c}\"')"))
                .collect();
            format!(
                "INSERT INTO {name} ({columns}) SELECT {} FROM json_each(?)",
                values.join(", ")
            )
        }
        crate::AnyConn::Pg(_) => format!(
            "INSERT INTO {name} ({columns}) SELECT {columns} \
             FROM json_populate_recordset(NULL::{name}, $1::json)"
        ),
    };
    run!(conn, |c| diesel::sql_query(&query)
        .bind::<Text, _>(&json)
        .execute(c)
        .await)?;
    Ok(())
}

/// How many rows the table holds.
pub async fn count(conn: &mut DbConn, table: &str) -> DbResult<i64> {
    let query = format!("SELECT COUNT(*) AS n FROM {}", quote_ident(table));
    Ok(run!(conn, |c| diesel::sql_query(&query)
        .get_result::<Count>(c)
        .await)?
    .n)
}

/// The first table holding a row, if any (on a database that has the schema).
pub async fn first_non_empty(conn: &mut DbConn, tables: &[TableSpec]) -> DbResult<Option<String>> {
    for t in tables {
        if count(conn, &t.name).await? > 0 {
            return Ok(Some(t.name.clone()));
        }
    }
    Ok(None)
}

/// The migrations that made this database's schema, oldest first (none on a new database).
pub async fn applied_migrations(conn: &mut DbConn) -> DbResult<Vec<String>> {
    #[derive(QueryableByName)]
    struct Version {
        #[diesel(sql_type = Text)]
        version: String,
    }
    let exists = match conn.any() {
        crate::AnyConn::Sqlite(_) => {
            "SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table' \
             AND name = '__diesel_schema_migrations'"
        }
        crate::AnyConn::Pg(_) => {
            "SELECT COUNT(*) AS n FROM information_schema.tables \
             WHERE table_schema = current_schema() AND table_name = '__diesel_schema_migrations'"
        }
    };
    if run!(conn, |c| diesel::sql_query(exists)
        .get_result::<Count>(c)
        .await)?
    .n == 0
    {
        return Ok(vec![]);
    }
    let q = "SELECT version FROM __diesel_schema_migrations ORDER BY version";
    let rows = run!(conn, |c| diesel::sql_query(q).load::<Version>(c).await)?;
    Ok(rows.into_iter().map(|r| r.version).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> TableSpec {
        TableSpec {
            name: "t".into(),
            columns: vec![
                ("at".into(), Family::Timestamp),
                ("id".into(), Family::Text),
                ("n".into(), Family::Integer),
                ("on".into(), Family::Boolean),
            ],
            key: vec!["id".into()],
            self_ref: None,
        }
    }

    #[test]
    fn both_backends_values_read_alike() {
        let sqlite: Row =
            serde_json::from_str(r#"{"at":"2026-12-07 18:00:01.5","id":"a","n":3,"on":1}"#)
                .expect("json");
        let pg: Row =
            serde_json::from_str(r#"{"at":"2026-12-07T18:00:01.5","id":"a","n":3,"on":true}"#)
                .expect("json");
        let (a, b) = (normalize(&spec(), sqlite), normalize(&spec(), pg));
        assert_eq!(a, b);
        assert_eq!(a["at"], "2026-12-07 18:00:01.500");
        assert!(spec().check(&a).is_ok());
    }

    #[test]
    fn a_row_of_another_shape_is_refused() {
        let missing: Row = serde_json::from_str(r#"{"at":null,"id":"a","n":3}"#).expect("json");
        assert!(spec().check(&missing).is_err());
        let wrong: Row =
            serde_json::from_str(r#"{"at":"yesterday","id":"a","n":3,"on":true}"#).expect("json");
        assert!(spec().check(&wrong).expect_err("refused").contains("t.at"));
        let text_count: Row =
            serde_json::from_str(r#"{"at":null,"id":"a","n":"3","on":true}"#).expect("json");
        assert!(spec().check(&text_count).is_err());
    }

    #[test]
    fn keys_become_quoted_literals() {
        assert_eq!(literal(&Value::from("o'k")).expect("text"), "'o''k'");
        assert_eq!(literal(&Value::from(7)).expect("number"), "7");
        assert!(literal(&Value::Null).is_err());
    }
}
