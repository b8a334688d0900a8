//! API tokens: how an automation (CI) calls storefleet. Each has a name and scopes; the token
//! itself is shown once, when it is made, and kept only as a hash.

use serde::{Deserialize, Serialize};

/// The longest token name.
pub const MAX_NAME_LEN: usize = 64;

/// What a token may do.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::EnumString,
)]
pub enum Scope {
    /// Announce releases: `POST /api/v1/releases`.
    #[strum(serialize = "releases:write")]
    #[serde(rename = "releases:write")]
    ReleasesWrite,
    /// Start and steer rollouts.
    #[strum(serialize = "rollouts:write")]
    #[serde(rename = "rollouts:write")]
    RolloutsWrite,
}

impl Scope {
    /// Every scope.
    pub const ALL: [Scope; 2] = [Scope::ReleasesWrite, Scope::RolloutsWrite];

    /// The stored and written name, e.g. `releases:write`.
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// Scopes from their names separated by spaces or commas; an unknown name is an error
    /// naming it, and at least one scope is needed.
    pub fn parse_list(text: &str) -> Result<Vec<Scope>, String> {
        let mut scopes = Vec::new();
        for name in text.split([' ', ',']).filter(|n| !n.is_empty()) {
            let scope = name.parse::<Scope>().map_err(|_| {
                let known: Vec<&str> = Scope::ALL.iter().map(|s| s.as_str()).collect();
                format!("unknown scope {name:?} (known: {})", known.join(", "))
            })?;
            if !scopes.contains(&scope) {
                scopes.push(scope);
            }
        }
        if scopes.is_empty() {
            return Err("a token needs at least one scope".to_owned());
        }
        scopes.sort();
        Ok(scopes)
    }

    /// Scopes as stored: names separated by one space.
    pub fn join(scopes: &[Scope]) -> String {
        scopes
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// Whether `name` names a token: 1 to 64 lowercase letters, digits, '-' or '_'.
pub fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= MAX_NAME_LEN
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '_'))
}

/// A token as admins see it: never the token itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenView {
    /// Its name, e.g. `github-actions`.
    pub name: String,
    /// What it may do.
    pub scopes: Vec<Scope>,
    /// Who made it.
    pub created_by: String,
    /// When, RFC 3339.
    pub created_at: String,
    /// When it was last used, RFC 3339.
    pub last_used_at: Option<String>,
    /// When it was revoked, RFC 3339; a revoked token is refused.
    pub revoked_at: Option<String>,
}

/// A token just made: how admins see it, and the token itself, shown this once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MadeToken {
    /// How admins see it.
    pub view: TokenView,
    /// The token to give the automation; never shown again.
    pub secret: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_parse_from_their_names() {
        assert_eq!(
            Scope::parse_list("rollouts:write, releases:write releases:write"),
            Ok(vec![Scope::ReleasesWrite, Scope::RolloutsWrite])
        );
        assert!(Scope::parse_list("").is_err());
        let unknown = Scope::parse_list("releases:read").unwrap_err();
        assert!(unknown.contains("releases:read"), "{unknown}");
        for scope in Scope::ALL {
            assert_eq!(scope.as_str().parse::<Scope>().ok(), Some(scope));
        }
        assert_eq!(Scope::join(&Scope::ALL), "releases:write rollouts:write");
    }

    #[test]
    fn token_names_are_short_and_plain() {
        assert!(valid_name("github-actions"));
        assert!(valid_name("ci_2"));
        assert!(!valid_name(""));
        assert!(!valid_name("CI"));
        assert!(!valid_name("a b"));
        assert!(!valid_name(&"a".repeat(65)));
    }
}
