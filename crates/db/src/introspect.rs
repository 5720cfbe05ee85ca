//! What a database's schema is, read from the database itself (SQLite's pragmas, PostgreSQL's
//! catalogs) in one shape for both: the two migration trees must produce the same one.

use crate::{run, DbConn, DbResult};
use diesel::sql_types::Text;
use diesel::QueryableByName;
use diesel_async::RunQueryDsl;
use std::collections::{BTreeMap, BTreeSet};

/// A column's type, by family: what both backends store alike.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Family {
    Text,
    Integer,
    Float,
    Boolean,
    Timestamp,
    Date,
    Bytes,
    Other,
}

impl Family {
    /// A declared SQLite type or a PostgreSQL `data_type`.
    fn of(declared: &str) -> Self {
        let t = declared.to_ascii_lowercase();
        if t.starts_with("timestamp") || t == "datetime" {
            Family::Timestamp
        } else if t == "date" {
            Family::Date
        } else if t.starts_with("bool") {
            Family::Boolean
        } else if t.contains("int") {
            Family::Integer
        } else if t.contains("char") || t.contains("text") || t.contains("clob") {
            Family::Text
        } else if t.contains("real") || t.contains("floa") || t.contains("doub") {
            Family::Float
        } else if t == "blob" || t == "bytea" {
            Family::Bytes
        } else {
            Family::Other
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    pub family: Family,
    pub not_null: bool,
}

/// An index other than the primary key's: its columns in order, whether unique, whether
/// partial (`WHERE ...`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Index {
    pub columns: Vec<String>,
    pub unique: bool,
    pub partial: bool,
}

/// A foreign key column: the column it references and what a delete there does.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ForeignKey {
    pub column: String,
    pub references: String,
    pub on_delete: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Table {
    pub columns: BTreeMap<String, Column>,
    pub primary_key: BTreeSet<String>,
    pub indexes: BTreeSet<Index>,
    pub foreign_keys: BTreeSet<ForeignKey>,
}

/// Every table but the migration harness's own.
pub type Schema = BTreeMap<String, Table>;

/// One catalog row, every value as text (both backends' queries cast to it).
#[derive(QueryableByName)]
struct Row {
    #[diesel(sql_type = Text)]
    t: String,
    #[diesel(sql_type = Text)]
    a: String,
    #[diesel(sql_type = Text)]
    b: String,
    #[diesel(sql_type = Text)]
    c: String,
    #[diesel(sql_type = Text)]
    d: String,
}

/// Columns: name, declared type, not null, position in the primary key (0: not in it).
const SQLITE_COLUMNS: &str = "SELECT m.name AS t, p.name AS a, p.type AS b, \
     CAST(p.\"notnull\" AS TEXT) AS c, CAST(p.pk AS TEXT) AS d \
     FROM sqlite_master m, pragma_table_info(m.name) p WHERE m.type = 'table' \
     AND m.name NOT LIKE 'sqlite_%' AND m.name <> '__diesel_schema_migrations'";

/// Index columns: index, unique, partial, `position:column`; the primary key's left out.
const SQLITE_INDEXES: &str = "SELECT m.name AS t, il.name AS a, \
     CAST(il.\"unique\" AS TEXT) AS b, CAST(il.partial AS TEXT) AS c, \
     printf('%03d:%s', ii.seqno, ii.name) AS d \
     FROM sqlite_master m, pragma_index_list(m.name) il, pragma_index_info(il.name) ii \
     WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' \
     AND m.name <> '__diesel_schema_migrations' AND il.origin <> 'pk'";

/// Foreign keys: column, referenced table, referenced column, on delete.
const SQLITE_FOREIGN_KEYS: &str = "SELECT m.name AS t, f.\"from\" AS a, f.\"table\" AS b, \
     COALESCE(f.\"to\", '') AS c, f.on_delete AS d \
     FROM sqlite_master m, pragma_foreign_key_list(m.name) f WHERE m.type = 'table' \
     AND m.name NOT LIKE 'sqlite_%' AND m.name <> '__diesel_schema_migrations'";

const PG_COLUMNS: &str = "SELECT c.table_name::text AS t, c.column_name::text AS a, \
     c.data_type::text AS b, CASE WHEN c.is_nullable = 'NO' THEN '1' ELSE '0' END AS c, \
     COALESCE((SELECT k.ordinal_position::text FROM information_schema.table_constraints tc \
       JOIN information_schema.key_column_usage k ON k.constraint_name = tc.constraint_name \
        AND k.table_schema = tc.table_schema \
       WHERE tc.constraint_type = 'PRIMARY KEY' AND tc.table_schema = c.table_schema \
        AND tc.table_name = c.table_name AND k.column_name = c.column_name), '0') AS d \
     FROM information_schema.columns c \
     WHERE c.table_schema = current_schema() AND c.table_name <> '__diesel_schema_migrations'";

const PG_INDEXES: &str = "SELECT t.relname::text AS t, i.relname::text AS a, \
     CASE WHEN ix.indisunique THEN '1' ELSE '0' END AS b, \
     CASE WHEN ix.indpred IS NULL THEN '0' ELSE '1' END AS c, \
     lpad((k.n - 1)::text, 3, '0') || ':' || COALESCE(a.attname::text, '(expression)') AS d \
     FROM pg_index ix JOIN pg_class t ON t.oid = ix.indrelid \
     JOIN pg_class i ON i.oid = ix.indexrelid JOIN pg_namespace ns ON ns.oid = t.relnamespace \
     CROSS JOIN LATERAL unnest(ix.indkey::int2[]) WITH ORDINALITY AS k(attnum, n) \
     LEFT JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum \
     WHERE ns.nspname = current_schema() AND NOT ix.indisprimary \
     AND t.relname <> '__diesel_schema_migrations'";

const PG_FOREIGN_KEYS: &str = "SELECT cl.relname::text AS t, a.attname::text AS a, \
     rc.relname::text AS b, ra.attname::text AS c, \
     CASE con.confdeltype WHEN 'c' THEN 'CASCADE' WHEN 'n' THEN 'SET NULL' \
       WHEN 'd' THEN 'SET DEFAULT' WHEN 'r' THEN 'RESTRICT' ELSE 'NO ACTION' END AS d \
     FROM pg_constraint con JOIN pg_class cl ON cl.oid = con.conrelid \
     JOIN pg_class rc ON rc.oid = con.confrelid JOIN pg_namespace ns ON ns.oid = cl.relnamespace \
     CROSS JOIN LATERAL unnest(con.conkey, con.confkey) AS k(a1, a2) \
     JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.a1 \
     JOIN pg_attribute ra ON ra.attrelid = con.confrelid AND ra.attnum = k.a2 \
     WHERE con.contype = 'f' AND ns.nspname = current_schema()";

/// The schema of the database behind `conn`.
pub async fn describe(conn: &mut DbConn) -> DbResult<Schema> {
    let [columns, indexes, foreign_keys] = match conn.any() {
        crate::AnyConn::Sqlite(_) => [SQLITE_COLUMNS, SQLITE_INDEXES, SQLITE_FOREIGN_KEYS],
        crate::AnyConn::Pg(_) => [PG_COLUMNS, PG_INDEXES, PG_FOREIGN_KEYS],
    };
    let mut schema = Schema::new();
    for r in load(conn, columns).await? {
        let table = schema.entry(r.t).or_default();
        if r.d != "0" {
            table.primary_key.insert(r.a.clone());
        }
        table.columns.insert(
            r.a,
            Column {
                family: Family::of(&r.b),
                not_null: r.c == "1",
            },
        );
    }
    // SQLite's primary key columns may be NULL unless declared otherwise (a historical quirk);
    // PostgreSQL's never are. Compare what either would accept: none.
    for table in schema.values_mut() {
        for column in &table.primary_key {
            if let Some(c) = table.columns.get_mut(column) {
                c.not_null = true;
            }
        }
    }
    let mut by_index: BTreeMap<(String, String), (Index, Vec<String>)> = BTreeMap::new();
    for r in load(conn, indexes).await? {
        let entry = by_index.entry((r.t, r.a)).or_insert_with(|| {
            (
                Index {
                    columns: vec![],
                    unique: r.b == "1",
                    partial: r.c == "1",
                },
                vec![],
            )
        });
        entry.1.push(r.d);
    }
    for ((table, _), (mut index, mut positioned)) in by_index {
        positioned.sort();
        index.columns = positioned
            .into_iter()
            .map(|p| p.split_once(':').map(|(_, c)| c.to_string()).unwrap_or(p))
            .collect();
        schema.entry(table).or_default().indexes.insert(index);
    }
    for r in load(conn, foreign_keys).await? {
        schema
            .entry(r.t)
            .or_default()
            .foreign_keys
            .insert(ForeignKey {
                column: r.a,
                references: format!("{}.{}", r.b, r.c),
                on_delete: r.d.to_ascii_uppercase(),
            });
    }
    Ok(schema)
}

async fn load(conn: &mut DbConn, query: &str) -> DbResult<Vec<Row>> {
    Ok(run!(conn, |c| diesel::sql_query(query)
        .load::<Row>(c)
        .await)?)
}

/// What differs between two schemas, one line per difference (empty when they agree).
pub fn differences(left: &Schema, right: &Schema) -> Vec<String> {
    let mut out = Vec::new();
    let tables: BTreeSet<&String> = left.keys().chain(right.keys()).collect();
    for name in tables {
        let (Some(l), Some(r)) = (left.get(name), right.get(name)) else {
            out.push(format!("table {name}: only on one side"));
            continue;
        };
        let columns: BTreeSet<&String> = l.columns.keys().chain(r.columns.keys()).collect();
        for c in columns {
            let (lc, rc) = (l.columns.get(c), r.columns.get(c));
            if lc != rc {
                out.push(format!("{name}.{c}: {lc:?} / {rc:?}"));
            }
        }
        if l.primary_key != r.primary_key {
            out.push(format!(
                "{name} primary key: {:?} / {:?}",
                l.primary_key, r.primary_key
            ));
        }
        for i in l.indexes.symmetric_difference(&r.indexes) {
            let side = if l.indexes.contains(i) {
                "left"
            } else {
                "right"
            };
            out.push(format!("{name}: index {i:?} only on the {side}"));
        }
        for f in l.foreign_keys.symmetric_difference(&r.foreign_keys) {
            let side = if l.foreign_keys.contains(f) {
                "left"
            } else {
                "right"
            };
            out.push(format!("{name}: foreign key {f:?} only on the {side}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_fall_into_families_alike_on_both_backends() {
        for (sqlite, pg) in [
            ("TEXT", "text"),
            ("VARCHAR(255)", "character varying"),
            ("INTEGER", "integer"),
            ("BIGINT", "bigint"),
            ("BOOLEAN", "boolean"),
            ("TIMESTAMP", "timestamp without time zone"),
            ("DOUBLE", "double precision"),
            ("BLOB", "bytea"),
        ] {
            assert_eq!(Family::of(sqlite), Family::of(pg), "{sqlite} / {pg}");
            assert_ne!(Family::of(sqlite), Family::Other, "{sqlite}");
        }
    }
}
