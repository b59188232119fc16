//! Who acts: the tenant an object belongs to, the caller's role, and what each role may do.
//!
//! Only the auth edge builds a [`TenantId`], from a verified token; repositories take it first on every
//! tenant-owned read and write, so an unscoped query of a tenant's rows cannot be written with these types.

use serde::{Deserialize, Serialize};

/// Tenant identifier.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TenantId(pub uuid::Uuid);

impl std::fmt::Display for TenantId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// Roles, from most to least powerful within a tenant. `Admin` is platform-wide and holds no tenant.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
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

impl Role {
    /// Parses `owner|editor|viewer|reseller|admin`, in any case.
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        match s.to_ascii_lowercase().as_str() {
            "admin" => Some(Self::Admin),
            "reseller" => Some(Self::Reseller),
            "owner" => Some(Self::Owner),
            "editor" => Some(Self::Editor),
            "viewer" => Some(Self::Viewer),
            _ => None,
        }
    }

    /// Whether this role may do what `perm` names within a tenant. `Admin` acts on no tenant's data.
    #[must_use]
    pub fn allows(self, perm: Permission) -> bool {
        match (self, perm) {
            (Role::Admin, _) => false,
            (Role::Owner | Role::Reseller, _) => true,
            (Role::Editor, Permission::Read | Permission::Write) => true,
            (Role::Viewer, Permission::Read) => true,
            _ => false,
        }
    }
}

/// What an action needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Permission {
    /// Read tenant data.
    Read,
    /// Change catalogs and SKUs, import, start jobs.
    Write,
    /// Manage the tenant's NCT key and other owner settings.
    Manage,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_role_matrix_gives_each_role_exactly_its_permissions() {
        use Permission::*;
        let table = [
            (Role::Admin, [false, false, false]),
            (Role::Reseller, [true, true, true]),
            (Role::Owner, [true, true, true]),
            (Role::Editor, [true, true, false]),
            (Role::Viewer, [true, false, false]),
        ];
        for (role, expected) in table {
            assert_eq!([role.allows(Read), role.allows(Write), role.allows(Manage)], expected, "{role:?}");
        }
    }

    #[test]
    fn roles_parse_in_any_case_and_nothing_else() {
        assert_eq!(Role::parse("Owner"), Some(Role::Owner));
        assert_eq!(Role::parse("root"), None);
    }
}
