//! A job's progress counters, kept on its `jobs` row.
//!
//! Whoever finishes items adds to the counters in the same transaction ([`add`]), counting only the rows its
//! own `UPDATE … WHERE state = 'PENDING'` changed, so two workers racing for one item count it once. Reading
//! progress is then part of reading the job: one primary-key read, whatever the job's size and however many
//! clients watch or poll it. [`recount`] derives the same figures from the items (a check and a repair tool,
//! never on a hot path).

use super::RepoError;
use super::entity::{job, job_item};
use domain::job::ItemState;
use sea_orm::sea_query::{Expr, ExprTrait as _};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect};
use uuid::Uuid;

/// A job's progress counts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Progress {
    /// Items in the job.
    pub total: u64,
    /// Items in a final state.
    pub processed: u64,
    /// Lookups that stored one NTIN.
    pub found: u64,
    /// Lookups with several candidates (a person chooses).
    pub ambiguous: u64,
    /// Lookups NCT has no card for.
    pub not_found: u64,
    /// Items failed after retries.
    pub failed: u64,
    /// Items skipped by a cancel.
    pub skipped: u64,
}

impl From<&job::Model> for Progress {
    fn from(m: &job::Model) -> Self {
        let n = |v: i64| u64::try_from(v).unwrap_or(0);
        Self {
            total: n(m.total),
            processed: n(m.processed),
            found: n(m.found),
            ambiguous: n(m.ambiguous),
            not_found: n(m.not_found),
            failed: n(m.failed),
            skipped: n(m.skipped),
        }
    }
}

/// What finishing some items adds to a job's counters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ProgressDelta {
    /// `DONE` with outcome `FOUND`.
    pub found: u64,
    /// `DONE` with outcome `AMBIGUOUS`.
    pub ambiguous: u64,
    /// `DONE` with outcome `NOT_FOUND`.
    pub not_found: u64,
    /// `DONE` with any other outcome (card jobs: `SENT`, `HAS_NTIN`, a card status…).
    pub other_done: u64,
    /// `FAILED`.
    pub failed: u64,
    /// `SKIPPED`.
    pub skipped: u64,
}

impl ProgressDelta {
    /// `n` items moved to `state` (with `outcome` when `DONE`).
    #[must_use]
    pub fn of(state: ItemState, outcome: Option<&str>, n: u64) -> Self {
        let mut d = Self::default();
        match (state, outcome) {
            (ItemState::Pending, _) => {}
            (ItemState::Failed, _) => d.failed = n,
            (ItemState::Skipped, _) => d.skipped = n,
            (ItemState::Done, Some("FOUND")) => d.found = n,
            (ItemState::Done, Some("AMBIGUOUS")) => d.ambiguous = n,
            (ItemState::Done, Some("NOT_FOUND")) => d.not_found = n,
            (ItemState::Done, _) => d.other_done = n,
        }
        d
    }

    /// Items this delta moves to a final state.
    #[must_use]
    pub fn processed(&self) -> u64 {
        self.found + self.ambiguous + self.not_found + self.other_done + self.failed + self.skipped
    }
}

impl std::ops::AddAssign for ProgressDelta {
    fn add_assign(&mut self, o: Self) {
        self.found += o.found;
        self.ambiguous += o.ambiguous;
        self.not_found += o.not_found;
        self.other_done += o.other_done;
        self.failed += o.failed;
        self.skipped += o.skipped;
    }
}

impl std::iter::Sum for ProgressDelta {
    fn sum<I: Iterator<Item = Self>>(iter: I) -> Self {
        iter.fold(Self::default(), |mut acc, d| {
            acc += d;
            acc
        })
    }
}

/// Adds `d` to the counters of job `job_id`. Call it in the transaction that finished the items.
///
/// # Errors
/// The database error.
pub async fn add(conn: &impl ConnectionTrait, job_id: Uuid, d: ProgressDelta) -> Result<(), DbErr> {
    if d.processed() == 0 {
        return Ok(());
    }
    let plus = |c: job::Column, n: u64| (c, Expr::col(c).add(i64::try_from(n).unwrap_or(i64::MAX)));
    let mut q = job::Entity::update_many().filter(job::Column::Id.eq(job_id));
    for (col, n) in [
        (job::Column::Processed, d.processed()),
        (job::Column::Found, d.found),
        (job::Column::Ambiguous, d.ambiguous),
        (job::Column::NotFound, d.not_found),
        (job::Column::Failed, d.failed),
        (job::Column::Skipped, d.skipped),
    ] {
        if n > 0 {
            let (c, e) = plus(col, n);
            q = q.col_expr(c, e);
        }
    }
    q.exec(conn).await?;
    Ok(())
}

/// The progress derived from the items (one `GROUP BY`) and a scan's cache hits, which have none
/// ([`super::lookup_scan`]): what the counters must equal.
///
/// # Errors
/// The database error.
pub async fn recount(conn: &impl ConnectionTrait, job_id: Uuid) -> Result<Progress, RepoError> {
    let rows: Vec<(String, Option<String>, i64)> = job_item::Entity::find()
        .select_only()
        .column(job_item::Column::State)
        .column(job_item::Column::Outcome)
        .column_as(job_item::Column::Id.count(), "n")
        .filter(job_item::Column::JobId.eq(job_id))
        .group_by(job_item::Column::State)
        .group_by(job_item::Column::Outcome)
        .into_tuple()
        .all(conn)
        .await?;
    let mut p = Progress::default();
    for (state, outcome, n) in rows {
        let n = u64::try_from(n).unwrap_or(0);
        p.total += n;
        let d = ItemState::parse(&state).map_or_else(ProgressDelta::default, |s| ProgressDelta::of(s, outcome.as_deref(), n));
        p.processed += d.processed();
        p.found += d.found;
        p.ambiguous += d.ambiguous;
        p.not_found += d.not_found;
        p.failed += d.failed;
        p.skipped += d.skipped;
    }
    // A scan's cache hits have no item: it counts them on the job.
    let hits: Option<(i64, i64, i64)> = job::Entity::find_by_id(job_id)
        .select_only()
        .column(job::Column::ScanFound)
        .column(job::Column::ScanAmbiguous)
        .column(job::Column::ScanNotFound)
        .into_tuple()
        .one(conn)
        .await?;
    if let Some((found, ambiguous, not_found)) = hits {
        let n = |v: i64| u64::try_from(v).unwrap_or(0);
        let (found, ambiguous, not_found) = (n(found), n(ambiguous), n(not_found));
        p.total += found + ambiguous + not_found;
        p.processed += found + ambiguous + not_found;
        p.found += found;
        p.ambiguous += ambiguous;
        p.not_found += not_found;
    }
    Ok(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_delta_counts_each_final_state_once() {
        let mut d = ProgressDelta::of(ItemState::Done, Some("FOUND"), 3);
        d += ProgressDelta::of(ItemState::Done, Some("SENT"), 2);
        d += ProgressDelta::of(ItemState::Failed, None, 1);
        d += ProgressDelta::of(ItemState::Skipped, None, 4);
        d += ProgressDelta::of(ItemState::Pending, None, 9);
        assert_eq!(d.processed(), 10);
        assert_eq!((d.found, d.other_done, d.failed, d.skipped), (3, 2, 1, 4));
    }
}
