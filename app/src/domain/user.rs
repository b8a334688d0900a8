//! Accounts as the UI sees them.

use serde::{Deserialize, Serialize};

use super::ids::UserId;

/// What an account may do.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::EnumString,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Role {
    /// A customer: signs up, owns stores.
    Customer,
    /// An admin: runs the whole fleet.
    Admin,
}

impl Role {
    /// The name stored in the database and shown in the UI.
    pub fn as_str(self) -> &'static str {
        self.into()
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
            assert_eq!(role.as_str().parse::<Role>().ok(), Some(role));
        }
        assert_eq!("root".parse::<Role>().ok(), None);
    }
}
