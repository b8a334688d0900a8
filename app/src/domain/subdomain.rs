//! Subdomains: the name of a tenant's store, `<subdomain>.<base domain>`.

use serde::{Deserialize, Serialize};
use std::fmt;

/// The shortest subdomain accepted.
pub const MIN_LEN: usize = 3;
/// The longest subdomain accepted (well inside a DNS label's 63, leaving room for the
/// namespace prefix).
pub const MAX_LEN: usize = 40;

/// Names kept for the operator's own hosts.
pub const RESERVED: &[&str] = &[
    "admin",
    "api",
    "app",
    "assets",
    "auth",
    "billing",
    "blog",
    "cdn",
    "dashboard",
    "dev",
    "dns",
    "docs",
    "ftp",
    "help",
    "imap",
    "internal",
    "kubernetes",
    "localhost",
    "login",
    "mail",
    "mx",
    "ns",
    "ns1",
    "ns2",
    "pop",
    "pop3",
    "portal",
    "root",
    "signup",
    "smtp",
    "staging",
    "static",
    "status",
    "storefleet",
    "support",
    "test",
    "webmail",
    "www",
];

/// How a standby store's placeholder subdomain starts, `standby-<key>`: no customer may
/// choose one.
pub const STANDBY_PREFIX: &str = "standby-";

/// A valid, available-in-principle subdomain: a DNS label of 3–40 characters from a–z, 0–9
/// and `-`, neither starting nor ending with `-`, not `xn--…`, not reserved.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Subdomain(String);

/// Why a text is not a subdomain; the message is written for the person choosing it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SubdomainError {
    /// Fewer than three characters.
    #[error("A subdomain needs at least 3 characters.")]
    TooShort,
    /// More than forty characters.
    #[error("A subdomain can be at most 40 characters long.")]
    TooLong,
    /// A character outside a–z, 0–9 and `-`.
    #[error("Use only lowercase letters a–z, digits and hyphens.")]
    BadCharacter,
    /// Starts or ends with a hyphen.
    #[error("A subdomain cannot start or end with a hyphen.")]
    EdgeHyphen,
    /// An internationalised-name prefix.
    #[error("A subdomain cannot start with \"xn--\".")]
    Punycode,
    /// Kept for the operator.
    #[error("\"{0}\" is reserved. Choose another subdomain.")]
    Reserved(String),
}

impl Subdomain {
    /// Parses what a person typed. Surrounding spaces are dropped and letters lower-cased, so
    /// `My-Shop` becomes `my-shop`.
    pub fn parse(raw: &str) -> Result<Self, SubdomainError> {
        let subdomain = Self::well_formed(raw.trim().to_ascii_lowercase())?;
        if RESERVED.contains(&subdomain.as_str()) || subdomain.0.starts_with(STANDBY_PREFIX) {
            return Err(SubdomainError::Reserved(subdomain.0));
        }
        Ok(subdomain)
    }

    /// Reads a subdomain stored when it was chosen: checked for form only, so that a store
    /// named before its word was reserved stays readable.
    pub fn stored(text: String) -> Result<Self, SubdomainError> {
        Self::well_formed(text)
    }

    fn well_formed(text: String) -> Result<Self, SubdomainError> {
        let length = text.chars().count();
        if length < MIN_LEN {
            return Err(SubdomainError::TooShort);
        }
        if length > MAX_LEN {
            return Err(SubdomainError::TooLong);
        }
        if !text
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        {
            return Err(SubdomainError::BadCharacter);
        }
        if text.starts_with('-') || text.ends_with('-') {
            return Err(SubdomainError::EdgeHyphen);
        }
        if text.starts_with("xn--") {
            return Err(SubdomainError::Punycode);
        }
        Ok(Self(text))
    }

    /// The subdomain as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Subdomain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for Subdomain {
    type Error = SubdomainError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Subdomain> for String {
    fn from(value: Subdomain) -> Self {
        value.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_dns_labels_and_normalises_case() {
        assert_eq!(Subdomain::parse(" My-Shop ").unwrap().as_str(), "my-shop");
        assert!(Subdomain::parse("abc").is_ok());
        assert!(Subdomain::parse("shop-42").is_ok());
        assert!(Subdomain::parse(&"a".repeat(40)).is_ok());
    }

    #[test]
    fn refuses_each_broken_rule_with_its_reason() {
        use SubdomainError::*;
        for (raw, error) in [
            ("ab", TooShort),
            ("", TooShort),
            (&*"a".repeat(41), TooLong),
            ("my_shop", BadCharacter),
            ("my.shop", BadCharacter),
            ("café", BadCharacter),
            ("-shop", EdgeHyphen),
            ("shop-", EdgeHyphen),
            ("xn--shop", Punycode),
            ("www", Reserved("www".into())),
            ("Admin", Reserved("admin".into())),
            ("mail", Reserved("mail".into())),
            ("standby-k7x2mq9bz4", Reserved("standby-k7x2mq9bz4".into())),
        ] {
            assert_eq!(Subdomain::parse(raw), Err(error), "{raw:?}");
        }
    }

    #[test]
    fn control_characters_never_pass() {
        assert_eq!(
            Subdomain::parse("sh\nop"),
            Err(SubdomainError::BadCharacter)
        );
        assert_eq!(
            Subdomain::parse("shop;rm"),
            Err(SubdomainError::BadCharacter)
        );
    }

    #[test]
    fn a_stored_name_stays_readable_after_its_word_is_reserved_but_must_be_well_formed() {
        assert_eq!(
            Subdomain::stored("admin".to_owned()).unwrap().as_str(),
            "admin"
        );
        assert!(Subdomain::parse("admin").is_err());
        assert_eq!(
            Subdomain::stored("My-Shop".to_owned()),
            Err(SubdomainError::BadCharacter)
        );
    }
}
