//! The control plane's own health: its configuration and each dependency it names, checked
//! one by one (`storefleet doctor`, and the admin's system page).

use serde::{Deserialize, Serialize};

/// How one check went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum CheckOutcome {
    /// The dependency answered as it should.
    Passed,
    /// It did not; the check says what to do.
    Failed,
    /// Not configured, so the feature it serves is off; nothing to check.
    Off,
}

impl CheckOutcome {
    /// The word shown for it.
    pub fn label(self) -> &'static str {
        match self {
            CheckOutcome::Passed => "ok",
            CheckOutcome::Failed => "failed",
            CheckOutcome::Off => "off",
        }
    }
}

/// One check of the configuration or of a dependency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SystemCheck {
    /// What was checked: `database`, `cluster`, `stripe`, `dns`, `smtp`, `storage`, …
    pub name: String,
    /// How it went.
    pub outcome: CheckOutcome,
    /// What was seen: the version, the zone, the error.
    pub detail: String,
    /// What to do about a failure (or how to turn an `Off` feature on).
    pub fix: Option<String>,
}

impl SystemCheck {
    /// A check that passed.
    pub fn passed(name: &str, detail: impl Into<String>) -> Self {
        Self {
            name: name.to_owned(),
            outcome: CheckOutcome::Passed,
            detail: detail.into(),
            fix: None,
        }
    }

    /// A check that failed, and its fix.
    pub fn failed(name: &str, detail: impl Into<String>, fix: impl Into<String>) -> Self {
        Self {
            name: name.to_owned(),
            outcome: CheckOutcome::Failed,
            detail: detail.into(),
            fix: Some(fix.into()),
        }
    }

    /// A feature left off, and how to turn it on.
    pub fn off(name: &str, detail: impl Into<String>, fix: impl Into<String>) -> Self {
        Self {
            name: name.to_owned(),
            outcome: CheckOutcome::Off,
            detail: detail.into(),
            fix: Some(fix.into()),
        }
    }
}
