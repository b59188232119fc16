//! Editing a published card (`POST …/{ntin}/edit-product`, or `POST …/requests` with `ntin`): the fields
//! NCT does not let an edit change (NCT-API.md §4 "Edit", §6): `name_ru`, `name_kk`, `ntin` and `tnved`.
//! A different value is refused with a validation error; an empty one is taken from the card. So the
//! check reports a changed locked field as an error, before anything is sent.

use super::model::{CardDraft, filled};
use super::problem::{CardProblemCode as Code, Problems};
use serde::{Deserialize, Serialize};

/// The published card's values of the fields an edit cannot change, as `edit-product` returned them.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LockedFields {
    /// The card's NTIN (the edit request carries it).
    pub ntin: String,
    /// Full name in Russian.
    pub name_ru: Option<String>,
    /// Full name in Kazakh.
    pub name_kk: Option<String>,
    /// TN VED code.
    pub tnved: Option<String>,
}

/// The unchanged-fields rule of an edit (no-op for a new card).
pub(super) fn check_edit(draft: &CardDraft, out: &mut Problems) {
    let Some(locked) = &draft.locked else { return };
    if filled(draft.ntin.as_ref()).is_some_and(|n| n != locked.ntin) {
        out.error(
            "ntin",
            Code::EditLockedField,
            format!("an edit is for the card with NTIN {}; the NTIN cannot change", locked.ntin),
        );
    }
    for (field, now, was) in [
        ("name_ru", &draft.name_ru, &locked.name_ru),
        ("name_kk", &draft.name_kk, &locked.name_kk),
        ("tnved", &draft.tnved, &locked.tnved),
    ] {
        let (Some(now), Some(was)) = (filled(now.as_ref()), filled(was.as_ref())) else { continue };
        if now != was {
            out.error(
                field,
                Code::EditLockedField,
                format!(
                    "{field} cannot change when a published card is edited (NCT refuses a different value): keep \"{was}\" or leave it empty to keep the card's"
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use super::*;
    use crate::card::{CardProblemCode, Severity};

    fn locked(d: &CardDraft) -> LockedFields {
        LockedFields { ntin: "0200000000017".to_owned(), name_ru: d.name_ru.clone(), name_kk: d.name_kk.clone(), tnved: d.tnved.clone() }
    }

    fn edit_problems(d: &CardDraft) -> Vec<(String, Severity)> {
        check(d).into_iter().filter(|p| p.code == CardProblemCode::EditLockedField).map(|p| (p.field, p.severity)).collect()
    }

    #[test]
    fn an_edit_keeping_the_locked_fields_or_leaving_them_empty_passes() {
        // Arrange: the card as edit-product returned it.
        let mut d = valid_draft();
        d.locked = Some(locked(&d));
        // Act / Assert: unchanged, then emptied (NCT keeps the card's value).
        assert!(edit_problems(&d).is_empty());
        d.name_kk = None;
        d.tnved = Some("  ".to_owned());
        assert!(edit_problems(&d).is_empty());
    }

    #[test]
    fn a_changed_locked_field_is_an_error_naming_the_field() {
        let mut d = valid_draft();
        d.locked = Some(locked(&d));
        d.name_ru = Some("Другое название".to_owned());
        d.tnved = Some("1806329000".to_owned());
        d.ntin = Some("0200000000024".to_owned());
        let mut got = edit_problems(&d);
        got.sort();
        assert_eq!(
            got,
            vec![("name_ru".to_owned(), Severity::Error), ("ntin".to_owned(), Severity::Error), ("tnved".to_owned(), Severity::Error)]
        );
    }

    #[test]
    fn a_new_card_has_no_locked_fields() {
        let mut d = valid_draft();
        d.name_ru = Some("Любое название".to_owned());
        assert!(edit_problems(&d).is_empty());
    }
}
