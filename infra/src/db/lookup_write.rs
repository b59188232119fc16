//! The writes of a lookup batch, set-based: one statement marks the batch's items finished (only those still
//! pending, and says which), one statement stores the results on their SKUs. A warm batch of thousands of
//! items is a handful of statements on either backend: multi-row `VALUES` on SQLite ([`super::bulk`]), and on
//! PostgreSQL `unnest` of one array parameter per column ([`super::bulk::pg_array`]), which the server reads
//! faster than a JSON object per row.
//!
//! Both statements join their input on the primary key. The SKU update keeps its tenant condition out of
//! the planners' reach (`+tenant_id` on SQLite, a `CASE` on PostgreSQL): without statistics on a freshly
//! imported table, an equality on the tenant index looked more selective than the key join, and each
//! statement walked every SKU of the tenant.

use super::bulk::{SQLITE_MAX_PARAMS, pg_array};
use super::job_repo::{ClaimedItem, LookupItemResult};
use super::RepoError;
use chrono::{DateTime, Utc};
use domain::job::ItemState;
use domain::sku::NtinSource;
use domain::tenant::TenantId;
use sea_orm::{ConnectionTrait, DbBackend, Statement, Value};
use std::collections::HashSet;
use uuid::Uuid;

/// Rows per PostgreSQL statement.
const PG_ROWS: usize = 10_000;

/// The item state, outcome and error a result finishes its item with.
pub(super) fn item_fields(r: &LookupItemResult) -> (ItemState, Option<&'static str>, Option<&str>) {
    match r {
        LookupItemResult::Found { .. } => (ItemState::Done, Some("FOUND"), None),
        LookupItemResult::Ambiguous { .. } => (ItemState::Done, Some("AMBIGUOUS"), None),
        LookupItemResult::NotFound => (ItemState::Done, Some("NOT_FOUND"), None),
        LookupItemResult::Failed { error } => (ItemState::Failed, None, Some(error.as_str())),
    }
}

/// The SKU's lookup state, found NTIN and stored candidates (JSON) for a result.
fn sku_fields(r: &LookupItemResult) -> (&'static str, Option<&str>, Option<&str>) {
    match r {
        LookupItemResult::Found { ntin, candidates } => ("FOUND", Some(ntin.as_str()), Some(candidates.as_str())),
        LookupItemResult::Ambiguous { candidates } => ("AMBIGUOUS", None, Some(candidates.as_str())),
        LookupItemResult::NotFound => ("NOT_FOUND", None, None),
        LookupItemResult::Failed { .. } => ("FAILED", None, None),
    }
}

/// Finishes the items of `results` that are still pending; returns the ids it finished. With `take`, the items
/// were not claimed: only those whose lease is free or expired are finished, taken by `take` in the same write
/// (attempts and lease owner as a claim leaves them).
pub async fn finish_items<C: ConnectionTrait>(
    conn: &C,
    results: &[(ClaimedItem, LookupItemResult)],
    now: DateTime<Utc>,
    take: Option<Uuid>,
) -> Result<HashSet<i64>, RepoError> {
    let backend = conn.get_database_backend();
    let pending = ItemState::Pending.as_str();
    // `now` and the owner (when taking).
    let (first, owner) = match backend {
        DbBackend::Postgres => ("$2", "$6"),
        _ => ("?", "?"),
    };
    let (taken, free) = match take {
        Some(_) => (
            format!(", lease_owner = {owner}, attempts = job_items.attempts + 1"),
            format!(" AND (job_items.leased_until IS NULL OR job_items.leased_until < {first})"),
        ),
        None => (String::new(), String::new()),
    };
    let mut finished = HashSet::with_capacity(results.len());
    match backend {
        DbBackend::Postgres => {
            let sql = format!(
                "UPDATE job_items SET state = x.state, outcome = x.outcome, error = x.error, leased_until = NULL, updated_at = $2{taken} \
                 FROM unnest($1::text::bigint[], $3::text::text[], $4::text::text[], $5::text::text[]) AS x(id, state, outcome, error) \
                 WHERE job_items.id = x.id AND job_items.state = '{pending}'{free} RETURNING job_items.id"
            );
            for chunk in results.chunks(PG_ROWS) {
                let fields: Vec<_> = chunk.iter().map(|(item, r)| (item.id.to_string(), item_fields(r))).collect();
                let mut values = vec![
                    Value::from(pg_array(fields.iter().map(|(id, _)| Some(id.as_str())))),
                    Value::from(now),
                    Value::from(pg_array(fields.iter().map(|(_, (state, _, _))| Some(state.as_str())))),
                    Value::from(pg_array(fields.iter().map(|(_, (_, outcome, _))| *outcome))),
                    Value::from(pg_array(fields.iter().map(|(_, (_, _, error))| *error))),
                ];
                values.extend(take.map(Value::from));
                let stmt = Statement::from_sql_and_values(backend, &sql, values);
                for row in conn.query_all_raw(stmt).await? {
                    finished.insert(row.try_get::<i64>("", "id")?);
                }
            }
        }
        _ => {
            for chunk in results.chunks(SQLITE_MAX_PARAMS / 4) {
                // Parameters in text order: `now` (and the owner), the rows, `now` again when taking.
                let sql = format!(
                    "UPDATE job_items SET state = v.column2, outcome = v.column3, error = v.column4, leased_until = NULL, updated_at = ?{taken} \
                     FROM (VALUES {}) AS v WHERE job_items.id = v.column1 AND job_items.state = '{pending}'{free} RETURNING job_items.id",
                    vec!["(?, ?, ?, ?)"; chunk.len()].join(", ")
                );
                let mut values = Vec::with_capacity(3 + chunk.len() * 4);
                values.push(Value::from(now));
                values.extend(take.map(Value::from));
                for (item, r) in chunk {
                    let (state, outcome, error) = item_fields(r);
                    values.extend([
                        Value::from(item.id),
                        Value::from(state.as_str()),
                        Value::from(outcome.map(str::to_owned)),
                        Value::from(error.map(str::to_owned)),
                    ]);
                }
                if take.is_some() {
                    values.push(Value::from(now));
                }
                for row in conn.query_all_raw(Statement::from_sql_and_values(backend, sql, values)).await? {
                    finished.insert(row.try_get::<i64>("", "id")?);
                }
            }
        }
    }
    Ok(finished)
}

/// Stores lookup results on their SKUs. A found NTIN fills `ntin` only where it is still empty (an NTIN set by
/// hand meanwhile wins; SQL evaluates every `SET` against the old row); a failure keeps the old candidates.
pub async fn write_skus<C: ConnectionTrait>(
    conn: &C,
    tenant: TenantId,
    results: &[(ClaimedItem, LookupItemResult)],
    now: DateTime<Utc>,
) -> Result<(), RepoError> {
    write_skus_at(conn, tenant, results, None, now).await
}

/// [`write_skus`], with each SKU's SQLite `rowid` when the caller read it (`rows`, one per result): SQLite then
/// finds each row by its `rowid` instead of through the index on `id`, one B-tree search instead of two. The
/// `id` is still compared on the row found, so a `rowid` reused meanwhile matches nothing. PostgreSQL ignores
/// `rows`.
pub(super) async fn write_skus_at<C: ConnectionTrait>(
    conn: &C,
    tenant: TenantId,
    results: &[(ClaimedItem, LookupItemResult)],
    rows: Option<&[i64]>,
    now: DateTime<Utc>,
) -> Result<(), RepoError> {
    if rows.is_some_and(|r| r.len() != results.len()) {
        return Err(RepoError::Unexpected(anyhow::anyhow!("rowids and lookup results differ in number")));
    }
    if results.is_empty() {
        return Ok(());
    }
    let backend = conn.get_database_backend();
    let lookup = NtinSource::Lookup.as_str();
    // `s` is the result's lookup state, `n` the found NTIN, `c` the candidates (JSON).
    let set = |s: &str, n: &str, c: &str| {
        format!(
            "ntin = CASE WHEN {s} = 'FOUND' THEN COALESCE(skus.ntin, {n}) ELSE skus.ntin END, \
             ntin_source = CASE WHEN {s} = 'FOUND' AND skus.ntin IS NULL THEN '{lookup}' ELSE skus.ntin_source END, \
             readiness_class = CASE WHEN {s} = 'FOUND' AND skus.ntin IS NULL THEN 'HAS_NTIN' ELSE skus.readiness_class END, \
             readiness_reason = CASE WHEN {s} = 'FOUND' AND skus.ntin IS NULL THEN NULL ELSE skus.readiness_reason END, \
             readiness_message = CASE WHEN {s} = 'FOUND' AND skus.ntin IS NULL THEN NULL ELSE skus.readiness_message END, \
             lookup_state = {s}, \
             lookup_candidates = CASE WHEN {s} = 'FAILED' THEN skus.lookup_candidates ELSE {c} END"
        )
    };
    match backend {
        DbBackend::Postgres => {
            let sql = format!(
                "UPDATE skus SET {}, looked_up_at = $2, updated_at = $2 \
                 FROM unnest($1::text::uuid[], $4::text::text[], $5::text::text[], $6::text::text[]) AS x(id, s, n, c) \
                 WHERE skus.id = x.id AND (CASE WHEN skus.tenant_id = $3 THEN true ELSE false END)",
                set("x.s", "x.n", "x.c")
            );
            for chunk in results.chunks(PG_ROWS) {
                let fields: Vec<_> = chunk.iter().map(|(item, r)| (item.sku_id.to_string(), sku_fields(r))).collect();
                let values = [
                    Value::from(pg_array(fields.iter().map(|(id, _)| Some(id.as_str())))),
                    Value::from(now),
                    Value::from(tenant.0),
                    Value::from(pg_array(fields.iter().map(|(_, (s, _, _))| Some(*s)))),
                    Value::from(pg_array(fields.iter().map(|(_, (_, n, _))| *n))),
                    Value::from(pg_array(fields.iter().map(|(_, (_, _, c))| *c))),
                ];
                conn.execute_raw(Statement::from_sql_and_values(backend, &sql, values)).await?;
            }
        }
        _ => {
            // By `rowid` (`+` keeps the planner off the `id` index) or by `id`.
            let (width, find) = match rows {
                Some(_) => (5, "skus.rowid = v.column5 AND +skus.id = v.column1"),
                None => (4, "skus.id = v.column1"),
            };
            for (k, chunk) in results.chunks(SQLITE_MAX_PARAMS / width).enumerate() {
                // Parameters in text order: the two times, the rows, the tenant.
                let row = if width == 5 { "(?, ?, ?, ?, ?)" } else { "(?, ?, ?, ?)" };
                let sql = format!(
                    "UPDATE skus SET {}, looked_up_at = ?, updated_at = ? FROM (VALUES {}) AS v \
                     WHERE {find} AND +skus.tenant_id = ?",
                    set("v.column2", "v.column3", "v.column4"),
                    vec![row; chunk.len()].join(", ")
                );
                let mut values = Vec::with_capacity(3 + chunk.len() * width);
                values.extend([Value::from(now), Value::from(now)]);
                let rowids = rows.map(|r| &r[k * (SQLITE_MAX_PARAMS / width)..][..chunk.len()]);
                for (i, (item, r)) in chunk.iter().enumerate() {
                    let (s, n, c) = sku_fields(r);
                    values.extend([Value::from(item.sku_id), Value::from(s), Value::from(n.map(str::to_owned)), Value::from(c.map(str::to_owned))]);
                    values.extend(rowids.map(|r| Value::from(r[i])));
                }
                values.push(Value::from(tenant.0));
                conn.execute_raw(Statement::from_sql_and_values(backend, sql, values)).await?;
            }
        }
    }
    Ok(())
}

/// On PostgreSQL, lets this transaction commit without waiting for its WAL flush: a crash may lose the last
/// few hundred milliseconds of lookup results, whose items are then still pending and simply looked up again.
/// The database stays consistent either way. A no-op on SQLite (WAL with `synchronous=NORMAL` already).
pub async fn relaxed_commit<C: ConnectionTrait>(conn: &C) -> Result<(), RepoError> {
    if conn.get_database_backend() == DbBackend::Postgres {
        conn.execute_unprepared("SET LOCAL synchronous_commit TO OFF").await?;
    }
    Ok(())
}
