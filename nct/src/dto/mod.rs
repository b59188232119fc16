//! Wire types of the NCT portal API, one per component schema of `nct-openapi.json` (all 28), plus the
//! shapes the spec leaves untyped ([`DictionaryItemDto`], [`PortalProductRequestDetailsDto`]) and
//! [`GtinLookupResponse`] for the v2 lookup that answers with an array although it declares an object.
//!
//! These types are shared by [`super::client::NctClient`] and the simulator crate `nct-sim`; nobody
//! re-declares them. They are built to *read* an untrusted upstream:
//! - every struct is `#[serde(default)]`, so missing fields never fail a parse, and unknown fields are ignored;
//! - strings the spec types loosely (`value`, `gtin`, `minValue`…) accept a JSON string, number or boolean;
//! - fields the spec declares as a single `$ref` but uses as an array accept both forms;
//! - enums the spec and its own examples disagree on (`imageType` lower vs upper case, `attributeType`,
//!   `dataType`) are kept as `String`, with [`ImageType`] to build and compare them.
//!
//! On serialize, `None` and (except in [`PortalEditProductResponseDto`], which the spec says always carries
//! every list) empty lists are skipped, which is what the status response requires ("empty fields are omitted").
//! Dates are kept as the local date-time strings NCT sends (`2025-10-26T00:02:06`); see [`parse_nct_datetime`].
//!
//! # Layout
//! - `requests`: create/update/edit bodies, uploads, duplicates, NCT's error body.
//! - `status`: a request's status, remarks and the paged request list.
//! - `cards`: attribute definitions, cards (lookups), dictionaries, request details.
//! - `search`: the search gateway under `/gw` (not in the portal spec).

mod cards;
mod requests;
mod search;
mod status;

pub use cards::*;
pub use requests::*;
pub use search::*;
pub use status::*;


/// Serde helpers for the loosely typed parts of the spec.
pub(crate) mod lenient {
    use serde::{Deserialize, Deserializer};

    /// Reads a JSON string, number or boolean as a `String`; `null` (or an object/array) becomes `None`.
    pub fn string<'de, D: Deserializer<'de>>(de: D) -> Result<Option<String>, D::Error> {
        let value = Option::<serde_json::Value>::deserialize(de)?;
        Ok(match value {
            Some(serde_json::Value::String(s)) => Some(s),
            Some(serde_json::Value::Number(n)) => Some(n.to_string()),
            Some(serde_json::Value::Bool(b)) => Some(b.to_string()),
            _ => None,
        })
    }

    /// One value or an array of them.
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany<T> {
        Many(Vec<T>),
        One(T),
    }

    /// Reads either `[T]`, a single `T` or `null` into a `Vec<T>`.
    pub fn one_or_many<'de, D, T>(de: D) -> Result<Vec<T>, D::Error>
    where
        D: Deserializer<'de>,
        T: Deserialize<'de>,
    {
        Ok(match Option::<OneOrMany<T>>::deserialize(de)? {
            Some(OneOrMany::Many(v)) => v,
            Some(OneOrMany::One(one)) => vec![one],
            None => Vec::new(),
        })
    }

    /// Reads a list, treating `null` as empty.
    pub fn list<'de, D, T>(de: D) -> Result<Vec<T>, D::Error>
    where
        D: Deserializer<'de>,
        T: Deserialize<'de>,
    {
        Ok(Option::<Vec<T>>::deserialize(de)?.unwrap_or_default())
    }

    /// Reads a boolean, treating `null` as `false`.
    pub fn flag<'de, D: Deserializer<'de>>(de: D) -> Result<bool, D::Error> {
        Ok(Option::<bool>::deserialize(de)?.unwrap_or_default())
    }

    /// Reads a string, treating `null` as empty.
    pub fn text<'de, D: Deserializer<'de>>(de: D) -> Result<String, D::Error> {
        Ok(string(de)?.unwrap_or_default())
    }
}

/// Parses NCT's zone-less date-time (`2025-10-26T00:02:06`, optionally with fractional seconds).
pub fn parse_nct_datetime(s: &str) -> Option<chrono::NaiveDateTime> {
    chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f").ok()
}

/// Photo sides accepted in `imageType`. The schema enum is lower case while the spec's examples send
/// `FRONT`/`BACK`; [`ImageType::parse`] accepts both, [`ImageType::as_str`] gives the schema's form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ImageType {
    /// Front side (required for extended cards at moderation).
    Front,
    /// Back side (required for extended cards at moderation).
    Back,
    /// Left side.
    Left,
    /// Right side.
    Right,
    /// Top view.
    Top,
    /// Bottom view.
    Bottom,
}

impl ImageType {
    /// Case-insensitive parse of an `imageType` value.
    pub fn parse(s: &str) -> Option<Self> {
        match s.to_ascii_lowercase().as_str() {
            "front" => Some(Self::Front),
            "back" => Some(Self::Back),
            "left" => Some(Self::Left),
            "right" => Some(Self::Right),
            "top" => Some(Self::Top),
            "bottom" => Some(Self::Bottom),
            _ => None,
        }
    }

    /// The schema's lower-case spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Front => "front",
            Self::Back => "back",
            Self::Left => "left",
            Self::Right => "right",
            Self::Top => "top",
            Self::Bottom => "bottom",
        }
    }
}

#[cfg(test)]
mod tests;
