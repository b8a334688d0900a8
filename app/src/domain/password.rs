//! The password policy for accounts.

use std::fmt;

/// The shortest password accepted, counted in characters.
pub const MIN_LEN: usize = 12;
/// The longest password accepted, so hashing cost stays bounded.
pub const MAX_LEN: usize = 1024;

/// A password that satisfies the policy for the account it belongs to.
///
/// Its `Debug` output is redacted so it never reaches a log.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

/// Why a password is refused; the message is written for the person choosing it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasswordError {
    /// Fewer than [`MIN_LEN`] characters.
    #[error("Choose a password of at least 12 characters.")]
    TooShort,
    /// More than [`MAX_LEN`] characters.
    #[error("A password can be at most 1024 characters long.")]
    TooLong,
    /// The same as the account's email address.
    #[error("Your password must not be your email address.")]
    SameAsEmail,
}

impl Password {
    /// Checks a new password chosen for the account with the given email address.
    pub fn parse(raw: &str, email: &str) -> Result<Self, PasswordError> {
        let length = raw.chars().count();
        if length < MIN_LEN {
            return Err(PasswordError::TooShort);
        }
        if length > MAX_LEN {
            return Err(PasswordError::TooLong);
        }
        if raw.trim().eq_ignore_ascii_case(email.trim()) {
            return Err(PasswordError::SameAsEmail);
        }
        Ok(Self(raw.to_owned()))
    }

    /// The password itself, for hashing.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_twelve_characters_or_more() {
        assert!(Password::parse("correct horse", "ada@example.com").is_ok());
        assert!(Password::parse("abcdefghijkl", "ada@example.com").is_ok());
    }

    #[test]
    fn counts_characters_not_bytes() {
        // Eleven characters but 22 bytes: still too short.
        assert_eq!(
            Password::parse("ééééééééééé", "ada@example.com"),
            Err(PasswordError::TooShort)
        );
        assert!(Password::parse("éééééééééééé", "ada@example.com").is_ok());
    }

    #[test]
    fn refuses_short_passwords() {
        assert_eq!(
            Password::parse("abcdefghijk", "ada@example.com"),
            Err(PasswordError::TooShort)
        );
        assert_eq!(
            Password::parse("", "ada@example.com"),
            Err(PasswordError::TooShort)
        );
    }

    #[test]
    fn refuses_overlong_passwords() {
        let long = "x".repeat(MAX_LEN + 1);
        assert_eq!(
            Password::parse(&long, "ada@example.com"),
            Err(PasswordError::TooLong)
        );
    }

    #[test]
    fn refuses_the_email_address_in_any_case() {
        assert_eq!(
            Password::parse("Ada.Lovelace@Example.com", "ada.lovelace@example.com"),
            Err(PasswordError::SameAsEmail)
        );
    }

    #[test]
    fn debug_output_hides_the_password() {
        let password = Password::parse("a secret phrase", "ada@example.com").unwrap();
        assert!(!format!("{password:?}").contains("secret"));
    }
}
