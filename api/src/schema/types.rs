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
#[derive(SimpleObject, Clone, Debug)]
pub struct ReadinessItem {
    /// 1-based position in the input.
    pub line: u64,
    /// The input as given.
    pub input: String,
    /// Normalized GTIN-14, when the code is a well-formed GTIN.
    pub gtin14: Option<String>,
    /// The class.
    pub class: ReadinessClass,
    /// Why, when not ready (or a duplicate).
    pub reason: Option<Reason>,
}

/// Result of a readiness check.
#[derive(SimpleObject, Clone, Debug)]
pub struct ReadinessReport {
    /// Counts.
    pub summary: ReadinessSummary,
    /// Every line, in input order.
    pub items: Vec<ReadinessItem>,
}

impl From<r::ReadinessReport> for ReadinessReport {
    fn from(rep: r::ReadinessReport) -> Self {
        Self {
            summary: rep.summary.into(),
            items: rep
                .items
                .into_iter()
                .map(|i| ReadinessItem {
                    line: i.line as u64,
                    input: i.input,
                    gtin14: i.gtin14,
                    class: i.class.into(),
                    reason: i.reason.map(|x| Reason {
                        code: x.code.into(),
                        message: x.message,
                    }),
                })
                .collect(),
        }
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
    /// A person confirmed a name-search match (`confirmMatch`): an existing card, no new one.
    Match,
}
