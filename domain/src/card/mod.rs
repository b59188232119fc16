//! Pre-moderation card check: lists the problems of a card draft per field before anything is sent
//! to NCT, and builds the request body of a draft.
//!
//! [`check_card`] takes the draft, the attribute schema (base attributes and the category's
//! gov-attributes) and the cached dictionaries (OKTRU, TNVED, COUNTRY, MEASURE…) as arguments: no
//! I/O here. Each [`CardProblem`] has a stable [`CardProblemCode`], a [`Severity`] and an English
//! message saying how to fix it. [`is_submittable`] is true when there is no error, and
//! [`to_request_attributes`] builds the domain-side shape of the create/update request.
//!
//! The rules come from NCT-API.md §4 (validation rules stated in the spec) and DOMAIN.md §2–§3; the
//! comment on each rule names its source. The aim: a draft without errors is not returned for
//! revision for any rule the spec states.
//!
//! `CardProblem::field` is an attribute code (`name_kk`, `tnved`, `gtin` for the barcode field,
//! `ntin`, `xtin`, `brand`, `country`, `measure`, `measure_unit`, `quantity`, any schema code) or a
//! request part: `oktru`, `images`, `documents`, `attributes`, `main_extended`,
//! `additional_extended`, `custom_extended`, `is_gov`.
//!
//! # Layout
//! - `model`: the input types ([`CardDraft`], [`CardSchema`], [`Dictionaries`]…).
//! - `problem`: [`CardProblem`], codes and severities.
//! - `check`: [`check_card`] and the identity-field rules (OKTRU, names, TN VED, measure, country).
//! - `codes`: the barcode (`gtin`), NTIN and XTIN rules.
//! - `groups`: schema-driven rules, attribute groups, extended-card rules, files.
//! - `values`: value checks against an attribute definition (patterns, lengths, numbers,
//!   dictionaries).
//! - `request`: [`RequestBody`] and [`to_request_attributes`].
//! - `edit`: the unchanged-fields rule of an edit of a published card ([`LockedFields`]).
//! - `status`: [`RequestStatus`] (NCT's), [`CardStatus`] and [`Intent`] (ours), with the action rules.
//! - `follow`: following a request until NCT is done ([`FollowPolicy`], [`Waiting`]) and reconciling our
//!   steps with NCT's status ([`Step`], [`Plan`]).

mod check;
mod codes;
mod edit;
mod follow;
mod goods;
mod groups;
mod model;
mod problem;
mod request;
mod status;
mod values;

pub use check::{DEFAULT_NAME_MAX_LENGTH, check_card};
pub use groups::{CEF_MAIN_CODES, DEDICATED_CODES, FORM_FLAGS};
pub use model::{
    AttrValue, AttributeDef, AttributeGroup, CardDraft, CardSchema, CustomAttr, DataType,
    Dictionaries, ImageRef, ImageType, OktruNode,
};
pub use problem::{CardProblem, CardProblemCode, Severity, is_submittable};
pub use request::{RequestAttr, RequestBody, RequestFile, to_request_attributes};
pub use edit::LockedFields;
pub use goods::{Verdict as GoodsVerdict, classify as classify_goods};
pub use follow::{FollowPolicy, Plan, Seen, Step, Waiting, next_working_moment, resubmittable};
pub use status::{CardStatus, Intent, RequestStatus};

#[cfg(test)]
mod test_support;
#[cfg(test)]
mod tests_check;
#[cfg(test)]
mod tests_groups;
#[cfg(test)]
mod tests_request;
