//! Set-based writes: many rows in one statement, on either backend, for the paths that write thousands of rows
//! at a time (imports, lookup results). A statement per row costs a round trip each; sea-orm's `insert_many`
//! binds every value separately, and PostgreSQL plans a statement of tens of thousands of parameters slowly.
//!
//! - **PostgreSQL**: the rows travel as ONE JSON parameter read by `json_to_recordset`, so a batch of thousands
//!   of rows is one small statement whose plan does not depend on the batch size (a join on the primary key).
//!   A column with the same value in every row of a statement is bound once as a parameter of its own
//!   instead of once per row (`Layout`).
//! - **SQLite**: multi-row `VALUES` with bound parameters, up to [`SQLITE_MAX_PARAMS`] a statement. sqlx binds
//!   UUIDs as blobs and times in its own text format, so values are never spelled out in SQL text. A value
//!   shared by every row is bound once here too.
//!
//! The column lists come from the entity ([`Iterable`] over its columns), so a column added later by a
//! migration and the entity is written too.
//!
//! The one read here, [`tenant_rows_in`], is the other side of a page: a loader's rows by id, in chunks.

use sea_orm::sea_query::ColumnType;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait, IdenStatic, Iterable, ModelTrait, Statement,
    Value,
};
use std::fmt::Write as _;

/// Most bound parameters in one SQLite statement (its limit is 32,766 since 3.32).
pub const SQLITE_MAX_PARAMS: usize = 32_000;
/// Rows per PostgreSQL statement (one JSON parameter each).
pub const PG_ROWS: usize = 5_000;

/// `"name"`.
pub fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// The PostgreSQL type a column's JSON value is read as.
fn pg_type(t: &ColumnType) -> Result<&'static str, DbErr> {
    Ok(match t {
        ColumnType::Uuid => "uuid",
        ColumnType::String(_) | ColumnType::Text | ColumnType::Char(_) => "text",
        ColumnType::BigInteger => "bigint",
        ColumnType::Integer => "integer",
        ColumnType::SmallInteger => "smallint",
        ColumnType::Boolean => "boolean",
        ColumnType::TimestampWithTimeZone => "timestamptz",
        ColumnType::Timestamp | ColumnType::DateTime => "timestamp",
        ColumnType::Double => "double precision",
        ColumnType::Json => "json",
        ColumnType::JsonBinary => "jsonb",
        other => return Err(DbErr::Custom(format!("bulk write: column type {other:?} is not supported"))),
    })
}

/// Appends a value as JSON; `false` for NULL (the key is then left out, which `json_to_recordset` reads as NULL).
fn push_json(out: &mut String, v: &Value) -> Result<bool, DbErr> {
    let s = |out: &mut String, text: &str| {
        // Serializing a &str cannot fail.
        out.push_str(&serde_json::to_string(text).unwrap_or_default());
    };
    match v {
        Value::String(Some(x)) => s(out, x),
        Value::Uuid(Some(x)) => s(out, &x.to_string()),
        Value::ChronoDateTimeUtc(Some(x)) => s(out, &x.to_rfc3339()),
        Value::BigInt(Some(x)) => {
            let _ = write!(out, "{x}");
        }
        Value::Int(Some(x)) => {
            let _ = write!(out, "{x}");
        }
        Value::SmallInt(Some(x)) => {
            let _ = write!(out, "{x}");
        }
        Value::Bool(Some(x)) => out.push_str(if *x { "true" } else { "false" }),
        Value::Double(Some(x)) => out.push_str(&serde_json::to_string(x).unwrap_or_else(|_| "null".into())),
        Value::Json(Some(x)) => out.push_str(&x.to_string()),
        Value::String(None)
        | Value::Uuid(None)
        | Value::ChronoDateTimeUtc(None)
        | Value::BigInt(None)
        | Value::Int(None)
        | Value::SmallInt(None)
        | Value::Bool(None)
        | Value::Double(None)
        | Value::Json(None) => return Ok(false),
        other => return Err(DbErr::Custom(format!("bulk write: value {other:?} is not supported"))),
    }
    Ok(true)
}

/// A JSON array of objects, one per model, holding `cols` (NULLs left out).
pub fn json_rows<E: EntityTrait>(models: &[E::Model], cols: &[E::Column]) -> Result<String, DbErr> {
    let names: Vec<String> = cols.iter().map(|c| serde_json::to_string(c.as_str()).unwrap_or_default()).collect();
    let mut out = String::with_capacity(models.len() * 64 * cols.len().max(1));
    out.push('[');
    for (i, m) in models.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push('{');
        let mut first = true;
        for (c, name) in cols.iter().zip(&names) {
            let mark = out.len();
            if !first {
                out.push(',');
            }
            out.push_str(name);
            out.push(':');
            if push_json(&mut out, &m.get(*c))? {
                first = false;
            } else {
                out.truncate(mark);
            }
        }
        out.push('}');
    }
    out.push(']');
    Ok(out)
}

/// `x(c1 type, c2 type, …)`: the record shape `json_to_recordset` reads.
fn pg_record<E: EntityTrait>(cols: &[E::Column]) -> Result<String, DbErr> {
    let parts: Result<Vec<String>, DbErr> =
        cols.iter().map(|c| Ok(format!("{} {}", quoted(c.as_str()), pg_type(c.def().get_column_type())?))).collect();
    Ok(format!("x({})", parts?.join(", ")))
}

/// Where one column's value comes from in a bulk statement.
#[derive(Clone, Copy)]
enum Slot {
    /// The k-th (0-based) of the columns that vary between rows: each row carries it.
    Row(usize),
    /// The n-th (0-based) value shared by every row: bound once.
    Shared(usize),
}

/// The columns of a bulk statement split into those that vary between its rows and those with one value in
/// every row, which each backend binds once instead of once per row. In an import batch that is 29 of the
/// SKU's 36 columns (the tenant, the catalog, the times, the empty attribute list, the NULL columns); on
/// PostgreSQL, parsing them per row was 40% of the insert.
struct Layout<C> {
    /// Each column and where its value comes from.
    slots: Vec<(C, Slot)>,
    /// The varying columns, in row order.
    varying: Vec<C>,
    /// The shared values.
    shared: Vec<Value>,
}

impl<C: ColumnTrait> Layout<C> {
    /// Splits `cols` over `models`; `keep` (the key an update joins on) always varies, and a single row shares
    /// nothing.
    fn of<E: EntityTrait<Column = C>>(models: &[E::Model], cols: &[C], keep: Option<C>) -> Self {
        let mut out = Self { slots: Vec::new(), varying: Vec::new(), shared: Vec::new() };
        for c in cols {
            let shared = match models {
                [first, rest @ ..] if !rest.is_empty() && keep.map(|k| k.as_str()) != Some(c.as_str()) => {
                    let v = first.get(*c);
                    rest.iter().all(|m| m.get(*c) == v).then_some(v)
                }
                _ => None,
            };
            let slot = match shared {
                Some(v) => {
                    out.shared.push(v);
                    Slot::Shared(out.shared.len() - 1)
                }
                None => {
                    out.varying.push(*c);
                    Slot::Row(out.varying.len() - 1)
                }
            };
            out.slots.push((*c, slot));
        }
        out
    }

    fn slot(&self, col: C) -> Option<Slot> {
        self.slots.iter().find(|(c, _)| c.as_str() == col.as_str()).map(|(_, s)| *s)
    }

    /// PostgreSQL: `col`'s value in a row of `json_to_recordset($1) AS x(…)`, the shared values bound from `$2`.
    fn pg_expr(&self, col: C) -> Result<String, DbErr> {
        Ok(match self.slot(col) {
            Some(Slot::Row(_)) => format!("x.{}", quoted(col.as_str())),
            Some(Slot::Shared(n)) => format!("${}::{}", n + 2, pg_type(col.def().get_column_type())?),
            None => "NULL".to_owned(),
        })
    }

    /// PostgreSQL: the JSON rows of `models` (the varying columns) as `$1`, then the shared values.
    fn pg_values<E: EntityTrait<Column = C>>(&self, models: &[E::Model]) -> Result<Vec<Value>, DbErr> {
        let mut values = vec![Value::from(json_rows::<E>(models, &self.varying)?)];
        values.extend(self.shared.iter().cloned());
        Ok(values)
    }

    /// SQLite: `col`'s value in a row of [`Self::sqlite_source`].
    fn sqlite_expr(&self, col: C) -> String {
        match self.slot(col) {
            Some(Slot::Row(k)) => format!("v.column{}", k + 1),
            Some(Slot::Shared(n)) => format!("k.s{}", n + 1),
            None => "NULL".to_owned(),
        }
    }

    /// SQLite: rows per statement, as many as fit in [`SQLITE_MAX_PARAMS`] after the shared values.
    fn sqlite_rows_per_statement(&self) -> usize {
        (SQLITE_MAX_PARAMS.saturating_sub(self.shared.len()) / self.varying.len().max(1)).max(1)
    }

    /// SQLite: `(VALUES (?, ?), (?, ?), …) AS v[, (SELECT ? AS s1, …) AS k]` for `rows`, and every value of the
    /// statement in parameter order. The shared values sit in the one-row subquery `k` after the list, so every
    /// parameter is an anonymous `?` in text order: numbered `?n` parameters made an import three times slower
    /// (not analysed further).
    fn sqlite_source<E: EntityTrait<Column = C>>(&self, rows: &[E::Model]) -> (String, Vec<Value>) {
        let row = format!("({})", vec!["?"; self.varying.len()].join(", "));
        let mut sql = format!("(VALUES {}) AS v", vec![row.as_str(); rows.len()].join(", "));
        if !self.shared.is_empty() {
            let shared = (1..=self.shared.len()).map(|i| format!("? AS s{i}")).collect::<Vec<_>>().join(", ");
            let _ = write!(sql, ", (SELECT {shared}) AS k");
        }
        let mut values = Vec::with_capacity(rows.len() * self.varying.len() + self.shared.len());
        values.extend(rows.iter().flat_map(|m| self.varying.iter().map(move |c| m.get(*c))));
        values.extend(self.shared.iter().cloned());
        (sql, values)
    }
}

/// Inserts `models` with every column of the entity.
///
/// # Errors
/// The database's (a unique violation included).
pub async fn insert<E, C>(conn: &C, models: &[E::Model]) -> Result<(), DbErr>
where
    E: EntityTrait,
    C: ConnectionTrait,
{
    for statement in insert_statements::<E>(conn.get_database_backend(), models)? {
        conn.execute_raw(statement).await?;
    }
    Ok(())
}

/// The statements that insert `models` with every column of the entity on `backend`, built without touching
/// the database (a caller can build the next batch's while the database writes the last one).
///
/// # Errors
/// A column or value type the bulk writes do not support.
pub fn insert_statements<E: EntityTrait>(backend: DbBackend, models: &[E::Model]) -> Result<Vec<Statement>, DbErr> {
    let mut out = Vec::new();
    if models.is_empty() {
        return Ok(out);
    }
    let cols: Vec<E::Column> = E::Column::iter().collect();
    let table = quoted(E::default().table_name());
    let names = cols.iter().map(|c| quoted(c.as_str())).collect::<Vec<_>>().join(", ");
    match backend {
        DbBackend::Postgres => {
            for chunk in models.chunks(PG_ROWS) {
                let layout = Layout::of::<E>(chunk, &cols, None);
                let exprs = cols.iter().map(|c| layout.pg_expr(*c)).collect::<Result<Vec<_>, _>>()?.join(", ");
                let record = pg_record::<E>(&layout.varying)?;
                let sql = format!("INSERT INTO {table} ({names}) SELECT {exprs} FROM json_to_recordset($1::json) AS {record}");
                out.push(Statement::from_sql_and_values(DbBackend::Postgres, &sql, layout.pg_values::<E>(chunk)?));
            }
        }
        backend => {
            let layout = Layout::of::<E>(models, &cols, None);
            let exprs = cols.iter().map(|c| layout.sqlite_expr(*c)).collect::<Vec<_>>().join(", ");
            for chunk in models.chunks(layout.sqlite_rows_per_statement()) {
                let (source, values) = layout.sqlite_source::<E>(chunk);
                let sql = format!("INSERT INTO {table} ({names}) SELECT {exprs} FROM {source}");
                out.push(Statement::from_sql_and_values(backend, &sql, values));
            }
        }
    }
    Ok(out)
}

/// Sets `set` to each model's values on the row with the same `key` (the primary key).
///
/// # Errors
/// The database's.
pub async fn update<E, C>(conn: &C, models: &[E::Model], key: E::Column, set: &[E::Column]) -> Result<(), DbErr>
where
    E: EntityTrait,
    C: ConnectionTrait,
{
    for statement in update_statements::<E>(conn.get_database_backend(), models, key, set)? {
        conn.execute_raw(statement).await?;
    }
    Ok(())
}

/// The statements of [`update`], built without touching the database.
///
/// # Errors
/// A column or value type the bulk writes do not support.
pub fn update_statements<E: EntityTrait>(backend: DbBackend, models: &[E::Model], key: E::Column, set: &[E::Column]) -> Result<Vec<Statement>, DbErr> {
    let mut out = Vec::new();
    if models.is_empty() || set.is_empty() {
        return Ok(out);
    }
    let table = quoted(E::default().table_name());
    let mut cols = vec![key];
    cols.extend(set.iter().copied());
    match backend {
        DbBackend::Postgres => {
            let k = quoted(key.as_str());
            for chunk in models.chunks(PG_ROWS) {
                let layout = Layout::of::<E>(chunk, &cols, Some(key));
                let assign = set.iter().map(|c| Ok(format!("{} = {}", quoted(c.as_str()), layout.pg_expr(*c)?))).collect::<Result<Vec<_>, DbErr>>()?.join(", ");
                let record = pg_record::<E>(&layout.varying)?;
                let sql = format!("UPDATE {table} SET {assign} FROM json_to_recordset($1::json) AS {record} WHERE {table}.{k} = x.{k}");
                out.push(Statement::from_sql_and_values(DbBackend::Postgres, &sql, layout.pg_values::<E>(chunk)?));
            }
        }
        backend => {
            // `VALUES` columns are named column1, column2, … in SQLite; the key always varies and comes first.
            let layout = Layout::of::<E>(models, &cols, Some(key));
            let assign = set.iter().map(|c| format!("{} = {}", quoted(c.as_str()), layout.sqlite_expr(*c))).collect::<Vec<_>>().join(", ");
            for chunk in models.chunks(layout.sqlite_rows_per_statement()) {
                let (source, values) = layout.sqlite_source::<E>(chunk);
                let sql = format!("UPDATE {table} SET {assign} FROM {source} WHERE {table}.{} = v.column1", quoted(key.as_str()));
                out.push(Statement::from_sql_and_values(backend, &sql, values));
            }
        }
    }
    Ok(out)
}

/// Placeholder `n` (1-based) of `backend`: `$n` on PostgreSQL, `?` on SQLite.
pub fn ph(backend: DbBackend, n: usize) -> String {
    match backend {
        DbBackend::Postgres => format!("${n}"),
        _ => "?".to_owned(),
    }
}

/// A PostgreSQL array literal of `items` (`{"a","b",NULL}`), for one text parameter cast in SQL
/// (`$1::text::uuid[]`, `$1::text::text[]`) and read by `unnest`: the driver needs no array support, and the
/// server parses one array per column instead of a JSON object per row.
pub fn pg_array<'a>(items: impl IntoIterator<Item = Option<&'a str>>) -> String {
    let mut out = String::from("{");
    for (i, item) in items.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        match item {
            None => out.push_str("NULL"),
            Some(text) => {
                out.push('"');
                for ch in text.chars() {
                    if ch == '"' || ch == '\\' {
                        out.push('\\');
                    }
                    out.push(ch);
                }
                out.push('"');
            }
        }
    }
    out.push('}');
    out
}

/// A JSON array of strings, as one parameter (`json_array_elements_text` / `json_each`).
pub fn json_strings<'a>(items: impl IntoIterator<Item = &'a str>) -> String {
    let v: Vec<&str> = items.into_iter().collect();
    serde_json::to_string(&v).unwrap_or_else(|_| "[]".into())
}

/// The rows of `E` of `tenant` whose `key` is among `ids` (a page's rows, for its loader), read 500 ids at a
/// time; no query for no ids.
///
/// # Errors
/// The database's.
pub async fn tenant_rows_in<E, C>(conn: &C, tenant_col: E::Column, tenant: domain::tenant::TenantId, key: E::Column, ids: &[uuid::Uuid]) -> Result<Vec<E::Model>, DbErr>
where
    E: EntityTrait,
    C: ConnectionTrait,
{
    use sea_orm::QueryFilter as _;
    let mut out = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        out.extend(E::find().filter(tenant_col.eq(tenant.0)).filter(key.is_in(chunk.iter().copied())).all(conn).await?);
    }
    Ok(out)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::db::entity::job_item;

    #[test]
    fn pg_array_quotes_every_element_and_spells_null() {
        let text = pg_array([Some("a"), None, Some(r#"{"k":"v\\"}"#), Some(""), Some("NULL")]);
        assert_eq!(text, r#"{"a",NULL,"{\"k\":\"v\\\\\"}","","NULL"}"#);
        assert_eq!(pg_array(std::iter::empty()), "{}");
    }

    #[test]
    fn json_rows_leave_nulls_out_and_quote_text() {
        let m = job_item::Model {
            id: 7,
            tenant_id: uuid::Uuid::nil(),
            job_id: uuid::Uuid::nil(),
            sku_id: uuid::Uuid::nil(),
            gtin14: Some("a\"b".into()),
            state: "PENDING".into(),
            outcome: None,
            error: None,
            attempts: 0,
            leased_until: None,
            lease_owner: None,
            updated_at: chrono::DateTime::from_timestamp(0, 0).unwrap(),
        };
        let cols = [job_item::Column::Id, job_item::Column::Gtin14, job_item::Column::Outcome, job_item::Column::UpdatedAt];
        let json = json_rows::<job_item::Entity>(&[m], &cols).unwrap();
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(v[0]["id"], 7);
        assert_eq!(v[0]["gtin14"], "a\"b");
        assert!(v[0].get("outcome").is_none());
        assert_eq!(v[0]["updated_at"], "1970-01-01T00:00:00+00:00");
    }
}
