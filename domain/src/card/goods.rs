//! Goods or not. NCT is the national catalog of *goods*: every card needs a TN VED code (the customs
//! code of goods) and a unit of measure (NCT-API.md §4), and its moderator refuses anything else. OKTRU,
//! though, classifies goods, works and services alike (DOMAIN.md §3), and NCT's dictionary items carry no
//! goods/services flag (`getItems`: `code`, `level`, `hasChild`, names). So the check reads the names:
//!
//! - a category whose own name, or an ancestor's, names works or services is refused by NCT: an
//!   **error** ([`Verdict::Service`]);
//! - a category of digital or electronically delivered goods (software keys, subscriptions, e-books) has
//!   a TN VED code but no physical item: the spec does not say whether NCT takes it, so a **warning**
//!   ([`Verdict::Digital`]);
//! - a product name that reads like a service or a digital good, in a goods category: a **warning**
//!   ([`Verdict::NameLikeService`]); names are free text and repair kits are goods.

/// What the names say.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Goods, as far as the names tell.
    Goods,
    /// The category (named here) is one of works or services: NCT refuses it.
    Service(String),
    /// The category (named here) is one of digital goods: NCT may refuse it.
    Digital(String),
    /// The product name (the matched words) reads like a service or a digital good.
    NameLikeService(String),
}

/// Stems that mark a category of works or services (Russian and Kazakh), matched at word starts.
const SERVICE_WORDS: &[&str] = &["услуг", "работы и услуг", "работы", "қызмет", "жұмыстар"];

/// Stems of digital goods categories.
const DIGITAL_WORDS: &[&str] = &[
    "программное обеспечение",
    "цифровые ключи",
    "цифровой контент",
    "цифровые товары",
    "электронная поставка",
    "электронные книги",
    "подписк",
    "бағдарламалық",
];

/// Words a service-like product name starts with.
const NAME_STARTS: &[&str] = &["услуга", "услуги", "ремонт ", "доставка", "монтаж", "установка", "аренда", "подписка", "обучение", "консультация"];

/// Phrases of a digital good anywhere in the name.
const NAME_PHRASES: &[&str] = &["ключ активации", "цифровой код", "электронная версия", "лицензия на", "онлайн-курс", "электронный ключ"];

/// Whether `text` has a word starting with one of `stems`.
fn has_stem(text: &str, stems: &[&'static str]) -> Option<&'static str> {
    let lower = text.to_lowercase();
    let words: Vec<&str> = lower.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).collect();
    let joined = words.join(" ");
    stems.iter().copied().find(|stem| {
        if stem.contains(' ') {
            joined.contains(stem)
        } else {
            words.iter().any(|w| w.starts_with(stem))
        }
    })
}

/// Reads the category path (root first, the category itself last) and the product name.
#[must_use]
pub fn classify(category_path: &[String], product_name: Option<&str>) -> Verdict {
    if let Some(name) = category_path.iter().find(|n| has_stem(n, SERVICE_WORDS).is_some()) {
        return Verdict::Service(name.clone());
    }
    if let Some(name) = category_path.iter().rev().find(|n| has_stem(n, DIGITAL_WORDS).is_some()) {
        return Verdict::Digital(name.clone());
    }
    let Some(product) = product_name.map(str::trim).filter(|n| !n.is_empty()) else {
        return Verdict::Goods;
    };
    let lower = product.to_lowercase();
    if let Some(w) = NAME_STARTS.iter().find(|w| lower.starts_with(**w) || lower == w.trim()) {
        return Verdict::NameLikeService(w.trim().to_owned());
    }
    if let Some(p) = NAME_PHRASES.iter().find(|p| lower.contains(**p)) {
        return Verdict::NameLikeService((*p).to_owned());
    }
    Verdict::Goods
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn a_category_of_works_or_services_is_refused_and_digital_goods_are_doubtful() {
        let repair = path(&["Работы и услуги", "Услуги по ремонту", "Ремонт электронной техники", "Услуги по ремонту мобильных телефонов"]);
        assert_eq!(classify(&repair, Some("Замена экрана")), Verdict::Service("Работы и услуги".into()));
        let keys = path(&["Средства связи", "Оборудование связи", "Программное обеспечение", "Цифровые ключи активации"]);
        assert!(matches!(classify(&keys, Some("Антивирус на 1 год")), Verdict::Digital(_)));
        let bars = path(&["Продукты питания и напитки", "Кондитерские изделия", "Шоколад", "Шоколадные батончики"]);
        assert_eq!(classify(&bars, Some("Батончик Рахат")), Verdict::Goods);
        // "обработка" is not "работы"; a repair kit is goods.
        let tools = path(&["Инструменты", "Наборы для обработки и ремонта"]);
        assert_eq!(classify(&tools, Some("Набор для ремонта велосипеда")), Verdict::Goods);
    }

    #[test]
    fn a_service_like_name_in_a_goods_category_is_a_warning_case() {
        let phones = path(&["Средства связи", "Мобильные телефоны"]);
        assert!(matches!(classify(&phones, Some("Ремонт телефона срочный")), Verdict::NameLikeService(_)));
        assert!(matches!(classify(&phones, Some("Ключ активации Windows 11")), Verdict::NameLikeService(_)));
        assert_eq!(classify(&phones, Some("Телефон Nomad X1")), Verdict::Goods);
        assert_eq!(classify(&phones, None), Verdict::Goods);
    }
}
