//! The public readiness check and the registration deadlines.

use super::types::ReadinessReport;
use crate::error::ApiError;
use async_graphql::{Enum, Object, SimpleObject};
use domain::deadlines;
use domain::readiness::{MAX_READINESS_LINES, classify_all};

/// Classifications running at once: one per core; more wait their turn.
static CLASSIFIERS: std::sync::LazyLock<tokio::sync::Semaphore> = std::sync::LazyLock::new(|| {
    tokio::sync::Semaphore::new(std::thread::available_parallelism().map_or(2, |n| n.get()))
});

/// Public queries: no token needed.
#[derive(Default)]
pub struct ReadinessQuery;

/// A business segment's NCT deadline.
#[derive(SimpleObject)]
pub struct Deadline {
    /// Segment code.
    pub segment: Segment,
    /// Human name.
    pub title: String,
    /// The date products must be in NCT.
    pub date: chrono::NaiveDate,
    /// Status relative to today.
    pub status: DeadlineStatus,
    /// Days left (negative once passed).
    pub days_left: i64,
}

/// Business segments.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum Segment {
    /// Importers and manufacturers.
    ImportersManufacturers,
    /// Retail chains.
    RetailChains,
    /// Small and micro business.
    SmallMicroBusiness,
}

/// Where a deadline stands.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum DeadlineStatus {
    /// Already passed.
    Passed,
    /// 30 days or fewer left.
    DueSoon,
    /// Further away.
    Upcoming,
}

#[Object]
impl ReadinessQuery {
    /// Classifies barcodes, one per list element, in input order. At most 200,000 lines per call; for files
    /// up to a million lines, `POST /readiness` streams the same answers as NDJSON or CSV.
    async fn readiness(&self, barcodes: Vec<String>) -> Result<ReadinessReport, ApiError> {
        if barcodes.len() > MAX_READINESS_LINES {
            return Err(ApiError::LimitExceeded(format!(
                "readiness accepts at most {MAX_READINESS_LINES} lines per request, got {}",
                barcodes.len()
            )));
        }
        // Classifying and building 200,000 items is CPU work: it runs on a blocking thread, a few at a time
        // (one per core), never on the threads that serve requests.
        let _permit = CLASSIFIERS.acquire().await.map_err(|e| ApiError::Internal(e.into()))?;
        tokio::task::spawn_blocking(move || ReadinessReport(classify_all(&barcodes)))
            .await
            .map_err(|e| ApiError::Internal(anyhow::anyhow!("readiness classification failed: {e}")))
    }

    /// NCT registration deadlines per segment, relative to today (UTC+5, Kazakhstan).
    async fn deadlines(&self) -> Vec<Deadline> {
        let today = (chrono::Utc::now() + chrono::Duration::hours(5)).date_naive();
        deadlines::Segment::ALL
            .into_iter()
            .map(|s| Deadline {
                segment: match s {
                    deadlines::Segment::ImportersManufacturers => Segment::ImportersManufacturers,
                    deadlines::Segment::RetailChains => Segment::RetailChains,
                    deadlines::Segment::SmallMicroBusiness => Segment::SmallMicroBusiness,
                },
                title: s.title().to_owned(),
                date: s.deadline(),
                status: match deadlines::status(s, today) {
                    deadlines::DeadlineStatus::Passed => DeadlineStatus::Passed,
                    deadlines::DeadlineStatus::DueSoon => DeadlineStatus::DueSoon,
                    deadlines::DeadlineStatus::Upcoming => DeadlineStatus::Upcoming,
                },
                days_left: deadlines::days_left(s, today),
            })
            .collect()
    }
}
