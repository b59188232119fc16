//! [`check_card`] and the rules on the card's identity fields: OKTRU, names, TN VED, measure and
//! country. The code fields (barcode, NTIN, XTIN) are in `codes.rs`; the schema-driven, group and
//! extended-card rules in `groups.rs`.

use super::codes::{check_barcode, check_ntin, check_xtin};
use super::groups;
use super::model::{CardDraft, CardSchema, Dictionaries, filled};
use super::problem::{CardProblem, CardProblemCode as Code, Problems};
use super::goods;
use super::values::{check_pattern, oktru_level, parse_decimal};

/// Longest name when the schema gives no `maxLength` for it.
pub const DEFAULT_NAME_MAX_LENGTH: u32 = 1024;

/// Letters that exist in Kazakh but not in Russian: a name with one of them is Kazakh.
const KAZAKH_LETTERS: &str = "әғқңөұүһіӘҒҚҢӨҰҮҺІ";

/// Checks a draft before anything is sent to NCT and lists its problems, errors first, then by
/// field. The schema and dictionaries come in as arguments (the infra cache); nothing is fetched.
///
/// The rules follow NCT-API.md §4 and what the moderator checks at `PUT …/moderation`; a draft
/// with no [`super::Severity::Error`] should not be returned for revision for any rule the spec
/// states. See the module docs of [`crate::card`] for the field names used.
#[must_use]
pub fn check_card(
    draft: &CardDraft,
    schema: &CardSchema,
    dicts: &dyn Dictionaries,
) -> Vec<CardProblem> {
    let mut out = Problems::default();
    check_oktru(draft, dicts, &mut out);
    check_names(draft, schema, &mut out);
    check_barcode(draft, &mut out);
    check_ntin(draft, &mut out);
    check_xtin(draft, &mut out);
    check_tnved(draft, dicts, &mut out);
    check_measure(draft, schema, dicts, &mut out);
    check_country(draft, schema, dicts, &mut out);
    groups::check_schema_fields(draft, schema, dicts, &mut out);
    groups::check_groups(draft, schema, dicts, &mut out);
    groups::check_extended_card(draft, schema, &mut out);
    groups::check_files(draft, &mut out);
    super::edit::check_edit(draft, &mut out);
    out.finish()
}

/// NCT-API.md §4: `oktru` is required even for a draft, and old cards with `oktru: null` must get a
/// current one. The moderator wants an existing level-4 (leaf) category: a group code (1 to 3 parts of
/// the 4-4-4-9 shape, e.g. `1071-0001-0004`) that the dictionary has is `OKTRU_NOT_LEAF`, not unknown.
/// Works and services are not registered in NCT at all, and digital goods may not be (`goods.rs`).
fn check_oktru(draft: &CardDraft, dicts: &dyn Dictionaries, out: &mut Problems) {
    let Some(code) = filled(draft.oktru.as_ref()) else {
        out.error(
            "oktru",
            Code::MissingOktru,
            "the OKTRU category is missing; choose the level-4 OKTRU category of the product",
        );
        return;
    };
    let Some(level) = oktru_level(code) else {
        out.error(
            "oktru",
            Code::UnknownOktru,
            format!(
                "OKTRU \"{code}\" is not a category code: codes are written CCCC-GGGG-KKKK-VVVVVVVVV (4-4-4-9 digits, e.g. 1020-0011-0003-100006374)"
            ),
        );
        return;
    };
    let Some(node) = dicts.oktru(code) else {
        out.error(
            "oktru",
            Code::UnknownOktru,
            format!(
                "OKTRU {code} is not in the OKTRU dictionary; choose a current category from it"
            ),
        );
        return;
    };
    let mut path = node.path.clone();
    path.push(node.name_ru.clone());
    match goods::classify(&path, filled(draft.name_ru.as_ref())) {
        goods::Verdict::Goods => {}
        goods::Verdict::Service(category) => out.error(
            "oktru",
            Code::ServiceNotGoods,
            format!(
                "OKTRU {code} belongs to \"{category}\", a category of works or services: NCT registers goods only and refuses such a card; a service needs no NCT card"
            ),
        ),
        goods::Verdict::Digital(category) => out.warning(
            "oktru",
            Code::ServiceNotGoods,
            format!(
                "OKTRU {code} belongs to \"{category}\", a category of digital goods: NCT registers physical goods and may refuse a card for goods sold without a physical item; check before you submit"
            ),
        ),
        goods::Verdict::NameLikeService(words) => out.warning(
            "name_ru",
            Code::ServiceNotGoods,
            format!(
                "the name reads like a service or a digital good (\"{words}\"): NCT registers goods only; if this is a physical product, name it as such"
            ),
        ),
    }
    if level < 4 || !node.is_leaf {
        out.error(
            "oktru",
            Code::OktruNotLeaf,
            format!(
                "OKTRU {code} ({}) is a group with subcategories; choose one of its level-4 categories",
                node.name_ru
            ),
        );
    }
}

/// `name_ru` is required for any request and `name_kk` at moderation (required base attribute);
/// both are limited by the schema's `maxLength`. Short names are limited the same way.
fn check_names(draft: &CardDraft, schema: &CardSchema, out: &mut Problems) {
    let name_ru = filled(draft.name_ru.as_ref());
    let name_kk = filled(draft.name_kk.as_ref());
    if name_ru.is_none() {
        out.error(
            "name_ru",
            Code::MissingNameRu,
            "the full product name in Russian is missing; fill in name_ru",
        );
    }
    match name_kk {
        None => out.error(
            "name_kk",
            Code::MissingNameKk,
            "the full product name in Kazakh is missing; fill in name_kk",
        ),
        Some(kk) if name_ru.is_some_and(|ru| looks_untranslated(ru, kk)) => out.warning(
            "name_kk",
            Code::MissingNameKk,
            "the Kazakh name is the same as the Russian one and has no Kazakh letters (ә, ғ, қ, ң, ө, ұ, ү, һ, і): it is probably not translated; write the name in Kazakh",
        ),
        Some(_) => {}
    }
    for (field, value) in [
        ("name_ru", name_ru),
        ("name_kk", name_kk),
        ("short_name_ru", filled(draft.short_name_ru.as_ref())),
        ("short_name_kk", filled(draft.short_name_kk.as_ref())),
    ] {
        let Some(value) = value else { continue };
        let def = schema.base_def(field);
        let max = def
            .and_then(|d| d.max_length)
            .unwrap_or(DEFAULT_NAME_MAX_LENGTH);
        let len = value.chars().count();
        if len > max as usize {
            out.error(
                field,
                Code::NameTooLong,
                format!("{field} has {len} characters, at most {max} are allowed; shorten it"),
            );
        }
        if let Some(def) = def {
            check_pattern(def, field, value, out);
        }
    }
}

/// Same text in both languages (ignoring case), some Russian Cyrillic, and no Kazakh-only letter.
/// Latin-only names (brands) are legitimately the same in both languages.
fn looks_untranslated(ru: &str, kk: &str) -> bool {
    ru.to_lowercase() == kk.to_lowercase()
        && kk
            .chars()
            .any(|c| matches!(c, 'а'..='я' | 'А'..='Я' | 'ё' | 'Ё'))
        && !kk.chars().any(|c| KAZAKH_LETTERS.contains(c))
}

/// `tnved` is a required base attribute (DOMAIN.md §3: 10 digits), checked against the TNVED
/// dictionary at moderation.
fn check_tnved(draft: &CardDraft, dicts: &dyn Dictionaries, out: &mut Problems) {
    let Some(tnved) = filled(draft.tnved.as_ref()) else {
        out.error(
            "tnved",
            Code::MissingTnved,
            "the TN VED EAEU code is missing; fill in the product's 10-digit customs code",
        );
        return;
    };
    if !(tnved.len() == 10 && tnved.bytes().all(|b| b.is_ascii_digit())) {
        out.error(
            "tnved",
            Code::TnvedFormat,
            format!(
                "TN VED \"{tnved}\" must be exactly 10 digits (e.g. 1806321000), without spaces or dots"
            ),
        );
    } else if !dicts.tnved_exists(tnved) {
        out.error(
            "tnved",
            Code::UnknownTnved,
            format!("TN VED {tnved} is not in the TN VED EAEU dictionary; check the code"),
        );
    }
}

/// `measure` is a required compound attribute (NCT-API.md §4 "Composite attributes"):
/// `measure_unit` from the MEASURE dictionary and a positive `quantity`.
fn check_measure(
    draft: &CardDraft,
    schema: &CardSchema,
    dicts: &dyn Dictionaries,
    out: &mut Problems,
) {
    let unit = filled(draft.measure_unit.as_ref());
    let qty = filled(draft.measure_qty.as_ref());
    match (unit, qty) {
        (None, None) => out.error(
            "measure",
            Code::MissingMeasure,
            "the unit of measure and the quantity are missing; fill in both (e.g. unit 796 = piece, quantity 1)",
        ),
        (None, Some(_)) => out.error(
            "measure",
            Code::MissingMeasure,
            "the unit of measure is missing; choose one from the MEASURE dictionary (e.g. 796 = piece, 166 = kilogram)",
        ),
        (Some(_), None) => out.error(
            "measure",
            Code::MissingMeasure,
            "the quantity is missing; fill in how many units the product holds (e.g. 1)",
        ),
        (Some(_), Some(_)) => {}
    }
    if let Some(qty) = qty
        && !parse_decimal(qty).is_some_and(|q| q > 0.0)
    {
        out.error(
            "quantity",
            Code::InvalidMeasure,
            format!(
                "quantity \"{qty}\" must be a positive number, written with a dot for decimals (e.g. 0.5)"
            ),
        );
    }
    if let Some(unit) = unit {
        // The spec names no unit dictionary: its examples use OKEI numbers (`796`, `55`). The unit's
        // dictionary is whatever NCT's own base schema gives `measure` → `measure_unit` as
        // `dictionaryCode`; without one, only the OKEI form (1 to 3 digits) is checked.
        let dictionary = schema
            .base_def("measure")
            .and_then(|m| m.children.iter().find(|c| c.code == "measure_unit"))
            .and_then(|u| u.dictionary_code.as_deref());
        // OKEI codes are written with or without leading zeros (`55` = `055`).
        let forms = [unit.to_owned(), unit.trim_start_matches('0').to_owned(), format!("{unit:0>3}")];
        let known = dictionary.and_then(|d| {
            let answers: Vec<Option<bool>> = forms.iter().map(|f| dicts.dictionary_has(d, f)).collect();
            answers.iter().any(Option::is_some).then(|| answers.contains(&Some(true)))
        });
        match (dictionary, known) {
            (Some(d), Some(false)) => out.error(
                "measure_unit",
                Code::InvalidMeasure,
                format!(
                    "unit \"{unit}\" is not in NCT's {d} dictionary; choose a unit code from it (e.g. 796 = piece)"
                ),
            ),
            (None, _) if !(1..=3).contains(&unit.len()) || !unit.bytes().all(|b| b.is_ascii_digit()) => out.error(
                "measure_unit",
                Code::InvalidMeasure,
                format!("unit \"{unit}\" is not an OKEI unit code (1 to 3 digits, e.g. 796 = piece, 166 = kilogram)"),
            ),
            _ => {}
        }
    }
}

/// `country` is a COUNTRY dictionary attribute (ISO 3166-1 alpha-2). Missing is an error only when
/// the schema marks it required; the moderator then returns the card (reason `MISSING_COUNTRY`).
fn check_country(
    draft: &CardDraft,
    schema: &CardSchema,
    dicts: &dyn Dictionaries,
    out: &mut Problems,
) {
    let def = schema.base_def("country");
    let Some(country) = filled(draft.country.as_ref()) else {
        let message = "the country of origin is missing; fill in its ISO code (e.g. KZ)";
        if def.is_some_and(|d| d.required) {
            out.error("country", Code::MissingCountry, message);
        } else {
            out.warning("country", Code::MissingCountry, message);
        }
        return;
    };
    if !(country.len() == 2 && country.bytes().all(|b| b.is_ascii_uppercase())) {
        out.error(
            "country",
            Code::UnknownCountry,
            format!(
                "country \"{country}\" is not an ISO 3166-1 alpha-2 code; write two capital letters, e.g. KZ, RU, CN"
            ),
        );
        return;
    }
    let dictionary = def
        .and_then(|d| d.dictionary_code.as_deref())
        .unwrap_or("COUNTRY");
    if dicts.dictionary_has(dictionary, country) == Some(false) {
        out.error(
            "country",
            Code::UnknownCountry,
            format!("country {country} is not in the {dictionary} dictionary; check the code"),
        );
    }
}
