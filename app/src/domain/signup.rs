//! Signing up for a store: what the customer asks for, and whether a subdomain is free. The
//! same rules run in the browser (instant feedback) and on the server (which decides).

use serde::{Deserialize, Serialize};

use super::subdomain::{Subdomain, SubdomainError};

/// The longest store name accepted, as the default blueprint's `store_name` setting allows.
pub const STORE_NAME_MAX_LEN: usize = 80;

/// The blueprint setting a new store's name is saved as.
pub const STORE_NAME_SETTING: &str = "store_name";

/// A customer's request for a new store, parsed: a store name, a subdomain and a plan's name.
/// Whether the plan exists and the subdomain is free only the server can tell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewStore {
    /// The store's name, trimmed.
    pub store_name: String,
    /// Its subdomain.
    pub subdomain: Subdomain,
    /// The chosen plan's name.
    pub plan: String,
}

/// Why a request for a new store is refused before anything is looked up.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NewStoreError {
    /// No store name.
    #[error("Give your store a name.")]
    NoStoreName,
    /// A store name over the limit.
    #[error("A store name can be at most 80 characters long.")]
    StoreNameTooLong,
    /// Line breaks or other control characters in the store name.
    #[error("A store name cannot contain line breaks or control characters.")]
    StoreNameControl,
    /// The subdomain breaks a rule.
    #[error(transparent)]
    Subdomain(#[from] SubdomainError),
    /// No plan chosen.
    #[error("Choose a plan.")]
    NoPlan,
}

impl NewStore {
    /// Parses the sign-up form's fields.
    pub fn parse(store_name: &str, subdomain: &str, plan: &str) -> Result<Self, NewStoreError> {
        let store_name = store_name.trim();
        if store_name.is_empty() {
            return Err(NewStoreError::NoStoreName);
        }
        if store_name.chars().any(char::is_control) {
            return Err(NewStoreError::StoreNameControl);
        }
        if store_name.chars().count() > STORE_NAME_MAX_LEN {
            return Err(NewStoreError::StoreNameTooLong);
        }
        let subdomain = Subdomain::parse(subdomain)?;
        let plan = plan.trim();
        if plan.is_empty() {
            return Err(NewStoreError::NoPlan);
        }
        Ok(Self {
            store_name: store_name.to_owned(),
            subdomain,
            plan: plan.to_owned(),
        })
    }
}

/// Whether a subdomain can be chosen for a new store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Availability {
    /// Free: the store would be reached at `host`.
    Available {
        /// The subdomain, normalised.
        subdomain: String,
        /// `<subdomain>.<base domain>`.
        host: String,
    },
    /// Another store has it (or had it: subdomains are never reused).
    Taken {
        /// The subdomain, normalised.
        subdomain: String,
    },
    /// Not a subdomain anyone may have; the reason is written for the customer.
    Invalid {
        /// Why.
        reason: String,
    },
}

impl Availability {
    /// The answer for a subdomain that breaks a rule.
    pub fn invalid(error: &SubdomainError) -> Self {
        Availability::Invalid {
            reason: error.to_string(),
        }
    }

    /// The answer for a valid subdomain, once it is known whether another store has it.
    pub fn checked(subdomain: &Subdomain, taken: bool, base_domain: &str) -> Self {
        if taken {
            Availability::Taken {
                subdomain: subdomain.to_string(),
            }
        } else {
            Availability::Available {
                host: format!("{subdomain}.{base_domain}"),
                subdomain: subdomain.to_string(),
            }
        }
    }

    /// Whether the subdomain can be chosen.
    pub fn is_available(&self) -> bool {
        matches!(self, Availability::Available { .. })
    }

    /// The line shown under the subdomain field.
    pub fn message(&self) -> String {
        match self {
            Availability::Available { host, .. } => format!("✓ {host} is available"),
            Availability::Taken { subdomain } => taken_message(subdomain),
            Availability::Invalid { reason } => reason.clone(),
        }
    }
}

/// What a customer reads when another store has the subdomain.
pub fn taken_message(subdomain: &str) -> String {
    format!("\"{subdomain}\" is already taken. Choose another subdomain.")
}

/// A monthly price for display, e.g. `19.00 / month`.
pub fn monthly_price(cents: i64) -> String {
    format!("{}.{:02} / month", cents / 100, cents % 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_is_trimmed_and_normalised() {
        let store = NewStore::parse("  Ada's Shop ", " Ada-Shop", "starter").unwrap();
        assert_eq!(store.store_name, "Ada's Shop");
        assert_eq!(store.subdomain.as_str(), "ada-shop");
        assert_eq!(store.plan, "starter");
    }

    #[test]
    fn each_bad_field_is_refused_with_its_reason() {
        use NewStoreError::*;
        for ((name, sub, plan), error) in [
            (("", "shop", "starter"), NoStoreName),
            (("   ", "shop", "starter"), NoStoreName),
            (("a\nb", "shop", "starter"), StoreNameControl),
            ((&*"x".repeat(81), "shop", "starter"), StoreNameTooLong),
            (
                ("Shop", "ab", "starter"),
                Subdomain(SubdomainError::TooShort),
            ),
            (
                ("Shop", "www", "starter"),
                Subdomain(SubdomainError::Reserved("www".into())),
            ),
            (("Shop", "shop", " "), NoPlan),
        ] {
            assert_eq!(
                NewStore::parse(name, sub, plan),
                Err(error),
                "{name:?} {sub:?}"
            );
        }
        assert!(NewStore::parse(&"x".repeat(80), "shop", "starter").is_ok());
    }

    #[test]
    fn availability_says_free_taken_or_why_not() {
        let shop = Subdomain::parse("My-Shop").unwrap();
        let free = Availability::checked(&shop, false, "shops.test");
        assert!(free.is_available());
        assert_eq!(free.message(), "✓ my-shop.shops.test is available");

        let taken = Availability::checked(&shop, true, "shops.test");
        assert!(!taken.is_available());
        assert_eq!(
            taken.message(),
            "\"my-shop\" is already taken. Choose another subdomain."
        );

        let reserved = Availability::invalid(&SubdomainError::Reserved("admin".into()));
        assert!(!reserved.is_available());
        assert_eq!(
            reserved.message(),
            "\"admin\" is reserved. Choose another subdomain."
        );
    }

    #[test]
    fn prices_show_cents() {
        assert_eq!(monthly_price(1900), "19.00 / month");
        assert_eq!(monthly_price(7905), "79.05 / month");
        assert_eq!(monthly_price(0), "0.00 / month");
    }
}
