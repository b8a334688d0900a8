//! Changing a tenant's settings: the owner's form values checked against the blueprint, and
//! what changed, with secrets redacted. Pure, shared by the browser and the server.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::setting::{SettingError, SettingSpec, SettingValue};

/// One field of the settings form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SettingField {
    /// What the field is.
    pub spec: SettingSpec,
    /// The current value; always `None` for a secret, which is never shown back.
    pub value: Option<String>,
    /// For a secret: whether one is set.
    pub is_set: bool,
}

/// One setting's change in the history. Secrets show neither value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SettingChange {
    /// The setting's key.
    pub key: String,
    /// Its label.
    pub label: String,
    /// The value before (`None` for a secret).
    pub from: Option<String>,
    /// The value after (`None` for a secret).
    pub to: Option<String>,
}

/// A saved change of settings: who, when, what.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SettingChangeView {
    /// When, RFC 3339.
    pub at: String,
    /// Who.
    pub actor_email: String,
    /// What changed.
    pub changes: Vec<SettingChange>,
}

/// The settings page of one tenant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SettingsForm {
    /// The form's fields, in blueprint order.
    pub fields: Vec<SettingField>,
    /// Changes, newest first.
    pub history: Vec<SettingChangeView>,
}

/// Valid new values, split by where they are kept.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Accepted {
    /// New values of plain settings (all of them, changed or not).
    pub settings: BTreeMap<String, String>,
    /// New values of secret settings that were given.
    pub secrets: BTreeMap<String, String>,
    /// What changed.
    pub changes: Vec<SettingChange>,
}

/// Why a change of settings was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChangeError {
    /// The form names a setting the blueprint does not have.
    #[error("There is no setting named \"{0}\".")]
    Unknown(String),
    /// Values that do not parse, one message per field.
    #[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join(" "))]
    Invalid(Vec<SettingError>),
    /// Nothing differs from what is saved.
    #[error("Nothing changed.")]
    Unchanged,
}

/// Checks the submitted values against the blueprint's settings. A field left out keeps its
/// value; an empty secret field keeps the secret. `current` are the saved plain settings,
/// `secrets_set` the secrets that have a value. Nothing is accepted unless everything is valid.
pub fn accept(
    specs: &[SettingSpec],
    current: &BTreeMap<String, String>,
    submitted: &BTreeMap<String, String>,
) -> Result<Accepted, ChangeError> {
    if let Some(unknown) = submitted
        .keys()
        .find(|k| !specs.iter().any(|s| &s.key == *k))
    {
        return Err(ChangeError::Unknown(unknown.chars().take(64).collect()));
    }
    let mut accepted = Accepted::default();
    let mut errors = Vec::new();
    for spec in specs {
        let before = current
            .get(&spec.key)
            .cloned()
            .unwrap_or_else(|| spec.default.clone());
        let Some(raw) = submitted.get(&spec.key) else {
            if !spec.is_secret() {
                accepted.settings.insert(spec.key.clone(), before);
            }
            continue;
        };
        if spec.is_secret() && raw.trim().is_empty() {
            continue;
        }
        match SettingValue::parse(spec, raw) {
            Err(error) => errors.push(error),
            Ok(value) if spec.is_secret() => {
                accepted
                    .secrets
                    .insert(spec.key.clone(), value.as_str().to_owned());
                accepted.changes.push(SettingChange {
                    key: spec.key.clone(),
                    label: spec.label.clone(),
                    from: None,
                    to: None,
                });
            }
            Ok(value) => {
                let after = value.as_str().to_owned();
                if after != before {
                    accepted.changes.push(SettingChange {
                        key: spec.key.clone(),
                        label: spec.label.clone(),
                        from: Some(before),
                        to: Some(after.clone()),
                    });
                }
                accepted.settings.insert(spec.key.clone(), after);
            }
        }
    }
    if !errors.is_empty() {
        return Err(ChangeError::Invalid(errors));
    }
    if accepted.changes.is_empty() {
        return Err(ChangeError::Unchanged);
    }
    Ok(accepted)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::setting::SettingKind;

    fn spec(key: &str, kind: SettingKind, default: &str) -> SettingSpec {
        SettingSpec {
            key: key.into(),
            label: key.to_uppercase(),
            kind,
            default: default.into(),
            config_map: "web".into(),
        }
    }

    fn specs() -> Vec<SettingSpec> {
        vec![
            spec("theme_color", SettingKind::Color, "#2456d6"),
            spec("store_name", SettingKind::Text { max_len: 20 }, "My store"),
            spec("api_key", SettingKind::Secret { min_len: 8 }, ""),
        ]
    }

    fn form(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn a_changed_colour_is_recorded_from_default_to_new() {
        let accepted = accept(
            &specs(),
            &BTreeMap::new(),
            &form(&[("theme_color", "#FF0000")]),
        )
        .unwrap();
        assert_eq!(accepted.settings["theme_color"], "#ff0000");
        assert_eq!(accepted.settings["store_name"], "My store");
        assert_eq!(
            accepted.changes,
            vec![SettingChange {
                key: "theme_color".into(),
                label: "THEME_COLOR".into(),
                from: Some("#2456d6".into()),
                to: Some("#ff0000".into()),
            }]
        );
    }

    #[test]
    fn secrets_are_kept_apart_and_never_in_the_history() {
        let accepted = accept(
            &specs(),
            &BTreeMap::new(),
            &form(&[("api_key", "sk_fake_12345678"), ("theme_color", "#2456d6")]),
        )
        .unwrap();
        assert_eq!(accepted.secrets["api_key"], "sk_fake_12345678");
        assert!(!accepted.settings.contains_key("api_key"));
        assert_eq!(accepted.changes.len(), 1);
        assert_eq!(
            (
                accepted.changes[0].from.clone(),
                accepted.changes[0].to.clone()
            ),
            (None, None)
        );
        assert_eq!(
            accept(&specs(), &BTreeMap::new(), &form(&[("api_key", "  ")])),
            Err(ChangeError::Unchanged)
        );
    }

    #[test]
    fn one_bad_value_refuses_everything_with_every_reason() {
        let error = accept(
            &specs(),
            &BTreeMap::new(),
            &form(&[
                ("theme_color", "red; }"),
                ("store_name", "a\\nb"),
                ("api_key", "short"),
            ]),
        )
        .unwrap_err();
        let ChangeError::Invalid(errors) = &error else {
            panic!("{error:?}")
        };
        assert_eq!(errors.len(), 2, "{error}");
        assert!(error.to_string().contains("THEME_COLOR"));
        assert!(error.to_string().contains("API_KEY: at least 8 characters"));
    }

    #[test]
    fn unknown_fields_are_refused() {
        assert_eq!(
            accept(&specs(), &BTreeMap::new(), &form(&[("evil", "x")])),
            Err(ChangeError::Unknown("evil".into()))
        );
    }
}
