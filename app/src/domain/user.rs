//! Accounts as the UI sees them.

use serde::{Deserialize, Serialize};

use super::ids::UserId;

/// What an account may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// A customer: signs up, owns stores.
    Customer,
    /// An admin: runs the whole fleet.
    Admin,
}

impl Role {
    /// The name stored in the database and shown in the UI.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Customer => "customer",
            Role::Admin => "admin",
        }
    }

    /// Reads a role from its stored name.
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "customer" => Some(Role::Customer),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }
}

/// An account, without its secrets, as pages show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserView {
    /// The account's id.
    pub id: UserId,
    /// The account's email address.
    pub email: String,
    /// What the account may do.
    pub role: Role,
    /// When the account was created, as an RFC 3339 date-time in UTC.
    pub created_at: String,
}

impl UserView {
    /// Whether this account may use the admin panel.
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_names_round_trip() {
        for role in [Role::Customer, Role::Admin] {
            assert_eq!(Role::from_name(role.as_str()), Some(role));
        }
        assert_eq!(Role::from_name("root"), None);
    }
}
