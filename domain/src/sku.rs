//! Facts about a SKU that are not barcode rules: where its NTIN came from.

use serde::{Deserialize, Serialize};

use crate::wire::wire_names;

/// Where a SKU's NTIN came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum NtinSource {
    /// Typed or imported by a person; never overwritten by a lookup or a request.
    Manual,
    /// Found by GTIN lookup (or chosen by a person among a lookup's candidates).
    Lookup,
    /// From our own NCT request: the published card, or the existing card chosen in a duplicate review.
    Request,
    /// NCT rejected our request because the card already exists (`rejected` with `ntinCode`): the SKU
    /// takes that card's NTIN; NCT's comment says why.
    Existing,
    /// A person confirmed a match found by name search (`confirmMatch`): an existing card, no new one.
    Match,
}

wire_names!(NtinSource {
    Manual => "MANUAL",
    Lookup => "LOOKUP",
    Request => "REQUEST",
    Existing => "EXISTING",
    Match => "MATCH",
});
