//! `wire_names!`: one list of variant/name pairs gives an enum its `ALL`, `as_str` and `parse`, so the
//! stable names stored in the database and shown in GraphQL are written once.

/// Implements `ALL`, `as_str` and `parse` from one list of variant/name pairs.
macro_rules! wire_names {
    ($ty:ident { $($variant:ident => $name:literal),+ $(,)? }) => {
        impl $ty {
            /// Every variant, in declaration order.
            pub const ALL: [Self; [$($name),+].len()] = [$(Self::$variant),+];

            /// Stable wire name (the same as the serde form).
            #[must_use]
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $name),+
                }
            }

            /// Inverse of `as_str`; exact match only.
            #[must_use]
            pub fn parse(s: &str) -> Option<Self> {
                Self::ALL.into_iter().find(|v| v.as_str() == s)
            }
        }
    };
}

pub(crate) use wire_names;
