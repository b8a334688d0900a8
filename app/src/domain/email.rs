//! Email addresses of accounts.

use serde::{Deserialize, Serialize};
use std::fmt;

/// The longest address SMTP can carry (RFC 5321 path limit minus the angle brackets).
const MAX_LEN: usize = 254;
const MAX_LOCAL_LEN: usize = 64;

/// An email address that has been parsed: trimmed, lower-cased, of a plausible shape.
///
/// It is only constructible through [`Email::parse`], so holding one means it is valid.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

/// Why a text is not an email address; the message is written for the person typing it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EmailError {
    /// Nothing was typed.
    #[error("Enter your email address.")]
    Empty,
    /// Longer than any address a mail server accepts.
    #[error("An email address can be at most 254 characters long.")]
    TooLong,
    /// Not of the form `name@example.com`.
    #[error("Enter an email address like name@example.com.")]
    Malformed,
}

impl Email {
    /// Parses what a person typed into an email address.
    pub fn parse(raw: &str) -> Result<Self, EmailError> {
        let text = raw.trim().to_lowercase();
        if text.is_empty() {
            return Err(EmailError::Empty);
        }
        if text.len() > MAX_LEN {
            return Err(EmailError::TooLong);
        }
        let (local, domain) = text.split_once('@').ok_or(EmailError::Malformed)?;
        if !valid_local(local) || !valid_domain(domain) {
            return Err(EmailError::Malformed);
        }
        Ok(Self(text))
    }

    /// The address as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn valid_local(local: &str) -> bool {
    const SPECIAL: &str = "!#$%&'*+/=?^_`{|}~.-";
    !local.is_empty()
        && local.len() <= MAX_LOCAL_LEN
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || SPECIAL.contains(c))
}

fn valid_domain(domain: &str) -> bool {
    let labels: Vec<&str> = domain.split('.').collect();
    labels.len() >= 2
        && labels.iter().all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
        && labels
            .last()
            .is_some_and(|tld| tld.chars().all(|c| c.is_ascii_alphabetic()) && tld.len() >= 2)
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for Email {
    type Error = EmailError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Email> for String {
    fn from(value: Email) -> Self {
        value.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_ordinary_addresses_and_normalises_them() {
        let email = Email::parse("  Ada.Lovelace+shop@Example.COM ").unwrap();
        assert_eq!(email.as_str(), "ada.lovelace+shop@example.com");
        assert!(Email::parse("a@b.io").is_ok());
        assert!(Email::parse("o'brien@mail.example-shop.co.uk").is_ok());
    }

    #[test]
    fn refuses_empty_input() {
        assert_eq!(Email::parse("   "), Err(EmailError::Empty));
    }

    #[test]
    fn refuses_malformed_addresses() {
        for raw in [
            "plainaddress",
            "@example.com",
            "ada@",
            "ada@example",
            "ada@@example.com",
            "ada@exa mple.com",
            "ada lovelace@example.com",
            ".ada@example.com",
            "ada.@example.com",
            "ada..l@example.com",
            "ada@-example.com",
            "ada@example-.com",
            "ada@example..com",
            "ada@example.c0m",
            "ada@example.c",
            "ada\n@example.com",
            "<ada>@example.com",
        ] {
            assert_eq!(Email::parse(raw), Err(EmailError::Malformed), "{raw:?}");
        }
    }

    #[test]
    fn refuses_overlong_addresses() {
        let local = "a".repeat(65);
        assert_eq!(
            Email::parse(&format!("{local}@example.com")),
            Err(EmailError::Malformed)
        );
        let domain = format!("{}.com", "b".repeat(250));
        assert_eq!(
            Email::parse(&format!("a@{domain}")),
            Err(EmailError::TooLong)
        );
    }

    #[test]
    fn deserialising_runs_the_same_parser() {
        let ok: Email = serde_json::from_str("\"Ada@Example.com\"").unwrap();
        assert_eq!(ok.as_str(), "ada@example.com");
        assert!(serde_json::from_str::<Email>("\"nope\"").is_err());
    }
}
