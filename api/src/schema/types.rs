//! Shared GraphQL types: readiness reports, deadlines, roles, and the GraphQL faces of domain enums.

use async_graphql::{Enum, SimpleObject};
use domain::readiness as r;

/// Readiness class of a barcode.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "domain::readiness::ReadinessClass")]
pub enum ReadinessClass {
    /// Already an NTIN (13 digits, prefix 02, valid check digit).
    HasNtin,
    /// A valid GTIN-8/12/13/14 that NCT can be searched for.
    AutoLookupReady,
    /// A temporary XTIN (13 digits starting 004).
    TemporaryXtin,
    /// Needs a card created by hand.
    ManualCard,
}

/// Why a barcode is not ready.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "domain::readiness::ReasonCode")]
pub enum ReasonCode {
    /// Nothing given.
    Empty,
    /// Characters other than digits.
    NonDigit,
    /// Whitespace inside the code.
    InnerWhitespace,
    /// Not 8, 12, 13 or 14 digits.
    BadLength,
    /// The GS1 check digit does not match.
    BadCheckDigit,
    /// A GS1 restricted-circulation or coupon range.
    RestrictedPrefix,
    /// The same code appeared earlier in the input.
    DuplicateInInput,
}

/// A reason with its code and a human explanation.
#[derive(SimpleObject, Clone, Debug)]
pub struct Reason {
    /// Machine-readable code.
    pub code: ReasonCode,
    /// What exactly is wrong.
    pub message: String,
}

/// Counts per readiness class.
#[derive(SimpleObject, Clone, Debug, Default)]
pub struct ReadinessSummary {
    /// Lines or SKUs counted.
    pub total: u64,
    /// Already an NTIN.
    pub has_ntin: u64,
    /// Ready for auto-lookup.
    pub auto_lookup_ready: u64,
    /// Temporary XTIN.
    pub temporary_xtin: u64,
    /// Need a manual card.
    pub manual_card: u64,
    /// Repeats of an earlier code.
    pub duplicates: u64,
}

impl From<r::Summary> for ReadinessSummary {
    fn from(s: r::Summary) -> Self {
        Self {
            total: s.total,
            has_ntin: s.has_ntin,
            auto_lookup_ready: s.auto_lookup_ready,
            temporary_xtin: s.temporary_xtin,
            manual_card: s.manual_card,
            duplicates: s.duplicates,
        }
    }
}

/// One classified input line.
pub struct ReadinessItem<'a>(&'a r::ReportItem);

/// One classified input line.
#[async_graphql::Object]
impl ReadinessItem<'_> {
    /// 1-based position in the input.
    async fn line(&self) -> u64 {
        self.0.line as u64
    }
    /// The input as given.
    async fn input(&self) -> &str {
        &self.0.input
    }
    /// Normalized GTIN-14, when the code is a well-formed GTIN.
    async fn gtin14(&self) -> Option<&str> {
        self.0.gtin14.as_deref()
    }
    /// The class.
    async fn class(&self) -> ReadinessClass {
        self.0.class.into()
    }
    /// Why, when not ready (or a duplicate).
    async fn reason(&self) -> Option<Reason> {
        self.0.reason.as_ref().map(|x| Reason { code: x.code.into(), message: x.message.clone() })
    }
}

/// Result of a readiness check: the counts, and the lines, all of them or a filtered page.
pub struct ReadinessReport(pub r::ReadinessReport);

impl ReadinessReport {
    /// The lines matching the filter (no filter: every line), in input order.
    fn matching<'a>(
        &'a self,
        classes: Option<&[ReadinessClass]>,
        reasons: Option<&[ReasonCode]>,
    ) -> impl Iterator<Item = &'a r::ReportItem> {
        self.0.items.iter().filter(move |i| {
            classes.is_none_or(|c| c.contains(&i.class.into()))
                && reasons.is_none_or(|c| i.reason.as_ref().is_some_and(|x| c.contains(&x.code.into())))
        })
    }
}

/// Result of a readiness check: the counts, and the lines (all of them, or a filtered page).
#[async_graphql::Object]
impl ReadinessReport {
    /// Counts over every line.
    async fn summary(&self) -> ReadinessSummary {
        self.0.summary.clone().into()
    }
    /// The lines in input order: every line by default, or those of the given classes and/or reason codes,
    /// `first` of them after skipping `offset` (for paging through a big check; `itemCount` gives the total).
    async fn items(
        &self,
        classes: Option<Vec<ReadinessClass>>,
        reasons: Option<Vec<ReasonCode>>,
        #[graphql(default = 0)] offset: i32,
        first: Option<i32>,
    ) -> Result<Vec<ReadinessItem<'_>>, crate::error::ApiError> {
        let offset = usize::try_from(offset).map_err(|_| crate::error::ApiError::bad_input("offset", "offset must not be negative"))?;
        let first = match first {
            None => usize::MAX,
            Some(n) => usize::try_from(n).map_err(|_| crate::error::ApiError::bad_input("first", "first must not be negative"))?,
        };
        let page = self.matching(classes.as_deref(), reasons.as_deref()).skip(offset).take(first);
        Ok(page.map(ReadinessItem).collect())
    }
    /// How many lines match the classes and/or reason codes (every line without a filter).
    async fn item_count(&self, classes: Option<Vec<ReadinessClass>>, reasons: Option<Vec<ReasonCode>>) -> u64 {
        self.matching(classes.as_deref(), reasons.as_deref()).count() as u64
    }
}

/// Roles, from most to least powerful within a tenant. `Admin` is platform-wide and holds no tenant.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "domain::tenant::Role")]
pub enum Role {
    /// Platform operator: creates tenants and registers partners.
    Admin,
    /// A partner acting on the tenants it manages.
    Reseller,
    /// A tenant's owner: everything within the tenant, including the NCT key.
    Owner,
    /// Reads and changes catalogs, imports, runs jobs.
    Editor,
    /// Reads only.
    Viewer,
}

/// Where a SKU's NTIN came from.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "domain::sku::NtinSource")]
pub enum NtinSource {
    /// Typed or imported by a person; never overwritten by a lookup or a request.
    Manual,
    /// Found by GTIN lookup (or chosen by a person among a lookup's candidates).
    Lookup,
    /// From our own NCT request: the published card, or the existing card chosen in a duplicate review.
    Request,
    /// NCT rejected our request because the card already exists; the SKU took that card's NTIN
    /// (`Sku.ntinReason` says why).
    Existing,
    /// A person confirmed a name-search match (`confirmMatch`): an existing card, no new one.
    Match,
}
