//! Settings a store owner may edit: typed, with defaults and validation shared by the browser
//! and the server.

use serde::{Deserialize, Serialize};

use super::Email;

/// The type of a setting, which decides what values it accepts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum SettingKind {
    /// One line of text, printable characters only.
    Text {
        /// Longest value accepted, in characters.
        max_len: usize,
    },
    /// A colour as `#rrggbb`.
    Color,
    /// An email address.
    Email,
    /// One of a fixed list.
    Choice {
        /// The accepted values.
        options: Vec<String>,
    },
    /// A secret (an API key, say): kept only in the tenant's Secret, never shown back.
    Secret {
        /// Shortest value accepted, in characters.
        min_len: usize,
    },
}

/// One editable setting of a blueprint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SettingSpec {
    /// Key, also the key in the ConfigMap or Secret, e.g. `store_name`.
    pub key: String,
    /// What the owner reads beside the field.
    pub label: String,
    /// Accepted values.
    pub kind: SettingKind,
    /// Value until the owner sets one (empty for secrets).
    pub default: String,
    /// The ConfigMap the value lands in; secrets land in the Secret instead.
    pub config_map: String,
}

impl SettingSpec {
    /// Whether the value lives only in the tenant's Secret.
    pub fn is_secret(&self) -> bool {
        matches!(self.kind, SettingKind::Secret { .. })
    }
}

/// Why a value is refused for a setting; the message names the setting.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{label}: {reason}")]
pub struct SettingError {
    /// The setting's label.
    pub label: String,
    /// What is wrong.
    pub reason: String,
}

/// A value that satisfies its setting's type.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SettingValue(String);

impl std::fmt::Debug for SettingValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Values may be secrets; logs never see them.
        f.write_str("SettingValue(..)")
    }
}

impl SettingValue {
    /// Checks a value against its setting.
    pub fn parse(spec: &SettingSpec, raw: &str) -> Result<Self, SettingError> {
        let refuse = |reason: &str| SettingError {
            label: spec.label.clone(),
            reason: reason.to_owned(),
        };
        let value = raw.trim();
        if value.chars().any(char::is_control) {
            return Err(refuse("line breaks and control characters are not allowed"));
        }
        // What a decoder puts in place of bytes that were not UTF-8.
        if value.contains(char::REPLACEMENT_CHARACTER) {
            return Err(refuse("the value is not valid text (UTF-8)"));
        }
        match &spec.kind {
            SettingKind::Text { max_len } => {
                if value.chars().count() > *max_len {
                    return Err(refuse(&format!("at most {max_len} characters")));
                }
            }
            SettingKind::Color => {
                let hex = value.strip_prefix('#').unwrap_or("");
                if hex.len() != 6 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
                    return Err(refuse("use a colour like #1a2b3c"));
                }
                return Ok(Self(value.to_ascii_lowercase()));
            }
            SettingKind::Email => {
                return Email::parse(value)
                    .map(|email| Self(email.as_str().to_owned()))
                    .map_err(|e| refuse(&e.to_string()));
            }
            SettingKind::Choice { options } => {
                if !options.iter().any(|o| o == value) {
                    return Err(refuse(&format!("choose one of {}", options.join(", "))));
                }
            }
            SettingKind::Secret { min_len } => {
                if value.chars().count() < *min_len {
                    return Err(refuse(&format!("at least {min_len} characters")));
                }
                if value.chars().count() > 4096 {
                    return Err(refuse("at most 4096 characters"));
                }
            }
        }
        Ok(Self(value.to_owned()))
    }

    /// The value as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(kind: SettingKind) -> SettingSpec {
        SettingSpec {
            key: "k".into(),
            label: "Field".into(),
            kind,
            default: String::new(),
            config_map: "app".into(),
        }
    }

    #[test]
    fn text_accepts_printable_lines_up_to_the_limit() {
        let text = spec(SettingKind::Text { max_len: 12 });
        assert_eq!(
            SettingValue::parse(&text, " Ada's {shop} ")
                .unwrap()
                .as_str(),
            "Ada's {shop}"
        );
        assert_eq!(
            SettingValue::parse(&text, "thirteen chars")
                .unwrap_err()
                .to_string(),
            "Field: at most 12 characters"
        );
    }

    #[test]
    fn bytes_that_were_not_utf8_are_refused() {
        let text = spec(SettingKind::Text { max_len: 12 });
        assert_eq!(
            SettingValue::parse(&text, "Shop \u{fffd}")
                .unwrap_err()
                .to_string(),
            "Field: the value is not valid text (UTF-8)"
        );
    }

    #[test]
    fn control_characters_are_refused_everywhere() {
        for kind in [
            SettingKind::Text { max_len: 100 },
            SettingKind::Secret { min_len: 1 },
            SettingKind::Color,
        ] {
            for raw in ["a\nb", "a\rb", "a\u{0}b", "a\u{1b}[31mb"] {
                assert!(
                    SettingValue::parse(&spec(kind.clone()), raw).is_err(),
                    "{raw:?}"
                );
            }
        }
    }

    #[test]
    fn colours_are_hex_triplets() {
        let color = spec(SettingKind::Color);
        assert_eq!(
            SettingValue::parse(&color, "#1A2B3C").unwrap().as_str(),
            "#1a2b3c"
        );
        for raw in ["1a2b3c", "#12345", "#12345g", "red", "#1a2b3c;"] {
            assert!(SettingValue::parse(&color, raw).is_err(), "{raw}");
        }
    }

    #[test]
    fn choices_and_emails() {
        let currency = spec(SettingKind::Choice {
            options: vec!["EUR".into(), "USD".into()],
        });
        assert!(SettingValue::parse(&currency, "EUR").is_ok());
        assert_eq!(
            SettingValue::parse(&currency, "GBP").unwrap_err().reason,
            "choose one of EUR, USD"
        );
        let email = spec(SettingKind::Email);
        assert_eq!(
            SettingValue::parse(&email, "Shop@Example.com")
                .unwrap()
                .as_str(),
            "shop@example.com"
        );
        assert!(SettingValue::parse(&email, "nope").is_err());
    }

    #[test]
    fn secrets_have_a_minimum_and_stay_out_of_debug_output() {
        let secret = spec(SettingKind::Secret { min_len: 8 });
        assert!(SettingValue::parse(&secret, "short").is_err());
        let value = SettingValue::parse(&secret, "sk_test_abcdefgh").unwrap();
        assert!(!format!("{value:?}").contains("abcdefgh"));
    }
}
