//! Catalog sources: a marketplace feed or a CSV file at a URL that a catalog follows, pulled on a schedule.
//!
//! What lives here is the vocabulary and the pure rules: the source formats and what they import as, the
//! outcome of a pull, how long to wait after failures, and what "removed" means. Fetching and storing are in
//! `infra::feeds`.
//!
//! **Removed** means "this SKU was in the catalog but not in the latest successfully imported file". It is a
//! mark (`feed_removed_at`), never a deletion: the SKU keeps its NTIN, card and moderation state, and the mark
//! clears when the SKU comes back in a later file. A record that names its SKU but was refused (a bad price,
//! a duplicate) still counts as present, so one bad row never marks its SKU removed.

use std::collections::HashSet;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::import::ImportFormat;
use crate::wire::wire_names;

/// Shortest schedule a source may have (the operator can lower it, e.g. for tests).
pub const DEFAULT_MIN_INTERVAL: Duration = Duration::from_secs(15 * 60);
/// Longest schedule a source may have.
pub const MAX_INTERVAL: Duration = Duration::from_secs(7 * 24 * 3600);
/// The schedule a new source gets when none is given: hourly, as Kaspi polls.
pub const DEFAULT_INTERVAL: Duration = Duration::from_secs(3600);
/// Longest source URL, in bytes.
pub const MAX_URL_LEN: usize = 2048;

/// What a source URL serves.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SourceFormat {
    /// The Kaspi XML price list (`kaspi_catalog`).
    KaspiXml,
    /// The OMarket XML price list (`catalog`, or Kaspi's format).
    OmarketXml,
    /// The Jmart XML price list (`jmart_catalog`).
    JmartXml,
    /// A CSV table with a header line, as `importCatalog` takes it.
    Csv,
}

wire_names!(SourceFormat {
    KaspiXml => "KASPI_XML",
    OmarketXml => "OMARKET_XML",
    JmartXml => "JMART_XML",
    Csv => "CSV",
});

impl SourceFormat {
    /// The parser a pull runs.
    #[must_use]
    pub fn import_format(self) -> ImportFormat {
        match self {
            Self::KaspiXml => ImportFormat::KaspiXml,
            Self::OmarketXml => ImportFormat::OmarketXml,
            Self::JmartXml => ImportFormat::JmartXml,
            Self::Csv => ImportFormat::Csv,
        }
    }
}

/// How a pull ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PullOutcome {
    /// The file was read and imported (row errors, if any, are listed with the pull).
    Imported,
    /// Nothing new: the server answered `304 Not Modified`, or sent the same bytes as the last import.
    NotModified,
    /// Nothing was imported: the URL could not be fetched, was refused, or the file could not be read as a whole.
    Failed,
}

wire_names!(PullOutcome {
    Imported => "IMPORTED",
    NotModified => "NOT_MODIFIED",
    Failed => "FAILED",
});

/// What started a pull.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PullTrigger {
    /// The source's schedule.
    Schedule,
    /// A person asked for it (`pullCatalogSource`).
    Manual,
}

wire_names!(PullTrigger {
    Schedule => "SCHEDULE",
    Manual => "MANUAL",
});

/// How long to wait before the next pull after `failures` failed pulls in a row: one minute, doubling, but
/// never longer than the source's own `interval`. With no failure it is the interval.
#[must_use]
pub fn next_pull_delay(failures: u32, interval: Duration) -> Duration {
    if failures == 0 {
        return interval;
    }
    let backoff = Duration::from_secs(60).saturating_mul(1u32 << (failures - 1).min(16));
    backoff.min(interval)
}

/// Which stored SKUs change their removal mark after a file was imported.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RemovalPlan<Id> {
    /// Not in the file and not marked yet: mark them removed.
    pub mark: Vec<Id>,
    /// Marked removed, and in the file again: clear the mark.
    pub restore: Vec<Id>,
}

/// Compares the stored SKUs of a catalog (`id`, seller SKU, currently marked removed) with the SKUs present in
/// the imported file.
pub fn plan_removals<Id, S: AsRef<str>>(
    stored: impl IntoIterator<Item = (Id, S, bool)>,
    present: &HashSet<String>,
) -> RemovalPlan<Id> {
    let mut plan = RemovalPlan { mark: Vec::new(), restore: Vec::new() };
    for (id, sku, removed) in stored {
        match (present.contains(sku.as_ref()), removed) {
            (false, false) => plan.mark.push(id),
            (true, true) => plan.restore.push(id),
            _ => {}
        }
    }
    plan
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn removal_marks_only_what_left_and_restores_what_came_back() {
        // Arrange
        let present: HashSet<String> = ["A", "C"].into_iter().map(String::from).collect();
        let stored = [(1, "A", false), (2, "B", false), (3, "C", true), (4, "D", true)];

        // Act
        let plan = plan_removals(stored, &present);

        // Assert: B left (mark), C came back (restore), D stays marked, A stays present.
        assert_eq!(plan, RemovalPlan { mark: vec![2], restore: vec![3] });
    }

    #[test]
    fn failures_back_off_from_a_minute_up_to_the_interval() {
        let hour = Duration::from_secs(3600);
        let delays: Vec<u64> = (0..=8).map(|f| next_pull_delay(f, hour).as_secs()).collect();
        assert_eq!(delays, [3600, 60, 120, 240, 480, 960, 1920, 3600, 3600]);
        assert_eq!(next_pull_delay(u32::MAX, hour), hour);
    }

    #[test]
    fn every_source_format_has_a_parser_and_a_stable_name() {
        for f in SourceFormat::ALL {
            assert_eq!(SourceFormat::parse(f.as_str()), Some(f));
            let _ = f.import_format();
        }
        assert_eq!(SourceFormat::Csv.import_format(), ImportFormat::Csv);
    }
}
