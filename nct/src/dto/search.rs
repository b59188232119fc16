//! The search gateway (`POST https://nationalcatalog.kz/gw/search/api/v1/search`), which is not part of the
//! portal OpenAPI. Its shape comes from public clients of the gateway (DOMAIN.md §5): the body is
//! `{query, page, size}` (`pageNumber`/`pageSize` give a 400), the answer is `pageInfo` plus `items` with the
//! names, GTIN, NTIN, the four category levels and the card's attributes.
//!
//! Paging: the NCT web site sends `page: 0` for the first page, other public clients send `1`; we send 0-based
//! pages (Spring's convention, which the gateway's `pageInfo` follows). Treat that as unverified.

use super::lenient;
use serde::{Deserialize, Serialize};

/// Body of a search.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SearchRequestDto {
    /// Free text (names, brand, a GTIN or NTIN).
    #[serde(deserialize_with = "lenient::text")]
    pub query: String,
    /// Page number, from 0.
    pub page: u32,
    /// Items per page.
    pub size: u32,
}

/// One page of search results.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SearchResponseDto {
    /// Paging facts.
    pub page_info: SearchPageInfoDto,
    /// The cards of this page, best first.
    #[serde(deserialize_with = "lenient::list")]
    pub items: Vec<SearchItemDto>,
}

/// `pageInfo` of a search answer.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SearchPageInfoDto {
    /// This page's number.
    pub page: i64,
    /// Items per page.
    pub size: i64,
    /// Pages in all.
    pub total_pages: i64,
    /// Cards matching the query (NCT's search is broad: "Milka" gives over a thousand).
    pub total_size: i64,
}

/// One card in a search answer.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SearchItemDto {
    /// NCT card id.
    pub id: i64,
    /// Russian name.
    #[serde(skip_serializing_if = "Option::is_none", deserialize_with = "lenient::string")]
    pub name_ru: Option<String>,
    /// Kazakh name.
    #[serde(skip_serializing_if = "Option::is_none", deserialize_with = "lenient::string")]
    pub name_kk: Option<String>,
    /// English name (rarely filled).
    #[serde(skip_serializing_if = "Option::is_none", deserialize_with = "lenient::string")]
    pub name_en: Option<String>,
    /// Short Russian name.
    #[serde(skip_serializing_if = "Option::is_none", deserialize_with = "lenient::string")]
    pub short_name_ru: Option<String>,
    /// GTIN as NCT has it (may be missing, `-` or a short internal code).
    #[serde(skip_serializing_if = "Option::is_none", deserialize_with = "lenient::string")]
    pub gtin: Option<String>,
    /// KZTIN.
    #[serde(skip_serializing_if = "Option::is_none", deserialize_with = "lenient::string")]
    pub kztin: Option<String>,
    /// NTIN.
    #[serde(skip_serializing_if = "Option::is_none", deserialize_with = "lenient::string")]
    pub ntin: Option<String>,
    /// Leaf OKTRU code (`CCCC-GGGG-KKKK-VVVVVVVVV`).
    #[serde(skip_serializing_if = "Option::is_none", deserialize_with = "lenient::string")]
    pub full_category_code: Option<String>,
    /// Level-1 code.
    #[serde(rename = "categoryCodeL1", skip_serializing_if = "Option::is_none", deserialize_with = "lenient::string")]
    pub category_code_l1: Option<String>,
    /// Level-2 code.
    #[serde(rename = "categoryCodeL2", skip_serializing_if = "Option::is_none", deserialize_with = "lenient::string")]
    pub category_code_l2: Option<String>,
    /// Level-3 code.
    #[serde(rename = "categoryCodeL3", skip_serializing_if = "Option::is_none", deserialize_with = "lenient::string")]
    pub category_code_l3: Option<String>,
    /// Level-4 code.
    #[serde(rename = "categoryCodeL4", skip_serializing_if = "Option::is_none", deserialize_with = "lenient::string")]
    pub category_code_l4: Option<String>,
    /// Level-1 Russian name.
    #[serde(rename = "categoryNameRuL1", skip_serializing_if = "Option::is_none", deserialize_with = "lenient::string")]
    pub category_name_ru_l1: Option<String>,
    /// Level-2 Russian name.
    #[serde(rename = "categoryNameRuL2", skip_serializing_if = "Option::is_none", deserialize_with = "lenient::string")]
    pub category_name_ru_l2: Option<String>,
    /// Level-3 Russian name.
    #[serde(rename = "categoryNameRuL3", skip_serializing_if = "Option::is_none", deserialize_with = "lenient::string")]
    pub category_name_ru_l3: Option<String>,
    /// Level-4 Russian name.
    #[serde(rename = "categoryNameRuL4", skip_serializing_if = "Option::is_none", deserialize_with = "lenient::string")]
    pub category_name_ru_l4: Option<String>,
    /// Some of the card's attributes (`brand`, producer…).
    #[serde(skip_serializing_if = "Vec::is_empty", deserialize_with = "lenient::list")]
    pub attributes: Vec<SearchAttributeDto>,
}

/// An attribute of a search item.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SearchAttributeDto {
    /// Attribute code (`brand`, …).
    #[serde(deserialize_with = "lenient::text")]
    pub code: String,
    /// Russian name of the attribute.
    #[serde(skip_serializing_if = "Option::is_none", deserialize_with = "lenient::string")]
    pub name_ru: Option<String>,
    /// Raw value.
    #[serde(skip_serializing_if = "Option::is_none", deserialize_with = "lenient::string")]
    pub value: Option<String>,
    /// Russian display value.
    #[serde(skip_serializing_if = "Option::is_none", deserialize_with = "lenient::string")]
    pub value_ru: Option<String>,
}

impl SearchItemDto {
    /// The leaf category code: `fullCategoryCode`, else `categoryCodeL4`.
    pub fn oktru(&self) -> Option<&str> {
        [&self.full_category_code, &self.category_code_l4]
            .into_iter()
            .flatten()
            .map(|s| s.trim())
            .find(|s| !s.is_empty())
    }

    /// The value of attribute `code` (`valueRu`, else `value`), trimmed, when not empty.
    pub fn attribute(&self, code: &str) -> Option<&str> {
        self.attributes
            .iter()
            .filter(|a| a.code.eq_ignore_ascii_case(code))
            .flat_map(|a| [&a.value_ru, &a.value])
            .flatten()
            .map(|s| s.trim())
            .find(|s| !s.is_empty())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_gateway_answer_parses_with_its_level_fields_and_loose_types() {
        let json = r#"{"pageInfo":{"page":0,"size":2,"totalPages":613,"totalSize":1226},
            "items":[{"id":18,"nameRu":"Шоколад Milka","gtin":4870000000017,"ntin":"0200000000017",
              "fullCategoryCode":null,"categoryCodeL4":"1020-0011-0003-100006375",
              "categoryNameRuL4":"Шоколад плиточный","unknown":true,
              "attributes":[{"code":"brand","nameRu":"Бренд","value":"milka","valueRu":"Milka"}]},
              {"id":19,"nameRu":null,"attributes":null}]}"#;
        let r: SearchResponseDto = serde_json::from_str(json).unwrap();
        assert_eq!(r.page_info.total_size, 1226);
        assert_eq!(r.items.len(), 2);
        let first = &r.items[0];
        assert_eq!(first.gtin.as_deref(), Some("4870000000017"));
        assert_eq!(first.oktru(), Some("1020-0011-0003-100006375"));
        assert_eq!(first.attribute("BRAND"), Some("Milka"));
        assert_eq!(r.items[1].attribute("brand"), None);
        let body = serde_json::to_value(SearchRequestDto { query: "milka".into(), page: 0, size: 20 }).unwrap();
        assert_eq!(body, serde_json::json!({"query": "milka", "page": 0, "size": 20}));
    }
}
