//! Rules on the three code fields: the barcode (sent as `gtin`), the NTIN of an edit request and
//! the XTIN. Shared with `request.rs` through [`barcode_use`], so what is checked is what is sent.

use super::model::{CardDraft, filled};
use super::problem::{CardProblemCode as Code, Problems};
use super::values::is_xtin_shape;
use crate::barcode::{Gtin, Ntin};
use crate::readiness::{ReadinessClass, classify};

/// What the barcode field holds, as far as the `gtin` attribute is concerned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum BarcodeUse {
    /// Nothing typed.
    Absent,
    /// A valid GTIN. `send` is the `gtin` value: 13 or 14 digits as typed, a GTIN-8 or GTIN-12
    /// left-padded to 13 (NCT keeps GTINs with 13 or 14 digits, NCT-API.md §4 "tin").
    /// `restricted` is the readiness message when the prefix is a restricted range.
    Gtin {
        send: String,
        restricted: Option<String>,
    },
    /// A 13-digit NTIN (`02…`, valid check digit).
    Ntin,
    /// A 12- or 14-digit code whose GTIN-13 form is an NTIN: an NTIN that lost or gained a zero.
    NtinReshaped { ntin: String },
    /// `004` + 10 digits: an XTIN.
    Xtin,
    /// Not a GTIN; the readiness reason says why.
    Invalid(String),
}

/// Reads the barcode field with [`classify`], the same rules as the readiness check.
pub(super) fn barcode_use(barcode: Option<&String>) -> BarcodeUse {
    let Some(code) = filled(barcode) else {
        return BarcodeUse::Absent;
    };
    let c = classify(code);
    match c.class {
        ReadinessClass::HasNtin => BarcodeUse::Ntin,
        ReadinessClass::TemporaryXtin => BarcodeUse::Xtin,
        _ => match (c.gtin14, c.reason) {
            (Some(gtin14), reason) => {
                let gtin13 = gtin14.get(1..).unwrap_or_default();
                if matches!(code.len(), 12 | 14) && Ntin::parse(gtin13).is_ok() {
                    return BarcodeUse::NtinReshaped {
                        ntin: gtin13.to_owned(),
                    };
                }
                let send = if code.len() >= 13 {
                    code.to_owned()
                } else {
                    gtin13.to_owned()
                };
                BarcodeUse::Gtin {
                    send,
                    restricted: reason.map(|r| r.message),
                }
            }
            (None, reason) => {
                BarcodeUse::Invalid(reason.map_or_else(|| "not a GTIN".to_owned(), |r| r.message))
            }
        },
    }
}

/// DOMAIN.md §2: an NTIN is a 13-digit `02…` code with a GS1 check digit, an XTIN is `004` + 10
/// digits; neither is a GTIN. A barcode that is not a valid GTIN is only a warning: the card can be
/// made without a GTIN, and the `gtin` attribute is then left out of the request.
pub(super) fn check_barcode(draft: &CardDraft, out: &mut Problems) {
    const OMITTED: &str =
        "the card can still be made without a GTIN, and the gtin attribute is then left out";
    match barcode_use(draft.barcode.as_ref()) {
        BarcodeUse::Absent | BarcodeUse::Gtin { restricted: None, .. } => {}
        BarcodeUse::Gtin {
            send,
            restricted: Some(reason),
        } => out.warning(
            "gtin",
            Code::InvalidBarcode,
            format!(
                "barcode {send} is a valid GTIN but {reason}; check that it is the code printed on the product"
            ),
        ),
        BarcodeUse::Ntin => out.error(
            "gtin",
            Code::GtinNtinMixup,
            "this is an NTIN, not a GTIN (13 digits starting 02 with a valid check digit); move it to the NTIN field, and put the product's GTIN in the barcode field or leave it empty",
        ),
        BarcodeUse::NtinReshaped { ntin } => out.warning(
            "gtin",
            Code::GtinNtinMixup,
            format!(
                "this looks like the NTIN {ntin} with a zero lost or added, not a GTIN; if it is, move {ntin} to the NTIN field; until then it is not sent as gtin"
            ),
        ),
        BarcodeUse::Xtin => out.error(
            "gtin",
            Code::GtinNtinMixup,
            "this is an XTIN (004 followed by 10 digits), NCT's temporary code, not a GTIN; move it to the XTIN field",
        ),
        BarcodeUse::Invalid(reason) => out.warning(
            "gtin",
            Code::InvalidBarcode,
            format!("the barcode is not a valid GTIN ({reason}); fix it, or {OMITTED}"),
        ),
    }
}

/// The NTIN field names the card an edit request changes (NCT-API.md §4 "Edit"); it must be a real
/// NTIN, and a GTIN typed there is the mirror mix-up of an NTIN in the barcode field.
pub(super) fn check_ntin(draft: &CardDraft, out: &mut Problems) {
    let Some(ntin) = filled(draft.ntin.as_ref()) else {
        return;
    };
    let Err(err) = Ntin::parse(ntin) else {
        return;
    };
    if Gtin::parse(ntin).is_ok() {
        out.error(
            "ntin",
            Code::GtinNtinMixup,
            format!(
                "{ntin} is a GTIN, not an NTIN; move it to the barcode field (the NTIN field is only for editing an existing NCT card)"
            ),
        );
    } else {
        out.error(
            "ntin",
            Code::InvalidBarcode,
            format!(
                "{ntin} is not an NTIN ({err}); an NTIN has 13 digits, starts 02 and ends with a GS1 check digit"
            ),
        );
    }
}

/// NCT-API.md §4 "XTIN": checked at moderation when filled; exactly 13 digits starting `004`,
/// anything else is a business error. No check digit is required.
pub(super) fn check_xtin(draft: &CardDraft, out: &mut Problems) {
    if let Some(xtin) = filled(draft.xtin.as_ref())
        && !is_xtin_shape(xtin)
    {
        out.error(
            "xtin",
            Code::InvalidXtin,
            format!(
                "XTIN \"{xtin}\" is malformed: an XTIN is 004 followed by 10 digits (13 digits, e.g. 0041234567890); correct it or clear the field"
            ),
        );
    }
}
