//! The admin's fleet at a glance: stores by state and plan, what needs attention now, and the
//! last 30 days as charts. The charts arrive drawn (SVG, made on the server), so the page shows
//! them without JavaScript and the browser's bundle carries no charting code.

use serde::{Deserialize, Serialize};

/// A count of stores under a name (a state or a plan), with the filtered list it links to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Count {
    /// The state or plan.
    pub name: String,
    /// How many stores.
    pub count: i64,
    /// The tenants list filtered to them.
    pub href: String,
}

/// Something that needs an admin now: what it is, how many, where to look, and the first few
/// by name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attention {
    /// What it is, e.g. "Stores failed".
    pub label: String,
    /// Why it matters, in a sentence.
    pub detail: String,
    /// How many.
    pub count: i64,
    /// The list showing all of them.
    pub href: String,
    /// The first few, each with its own page: (name, link).
    pub items: Vec<(String, String)>,
}

/// One chart, drawn.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Chart {
    /// Its heading.
    pub title: String,
    /// The SVG, with its own accessible title and description.
    pub svg: String,
}

/// The overview.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FleetOverview {
    /// Stores not deleted.
    pub total: i64,
    /// Stores by state, every state listed.
    pub by_state: Vec<Count>,
    /// Stores not deleted, by plan.
    pub by_plan: Vec<Count>,
    /// What needs attention; empty when nothing does.
    pub attention: Vec<Attention>,
    /// Today so far: sign-ups, stores ready, job failures (label, figure).
    pub today: Vec<(String, String)>,
    /// The last 30 days.
    pub charts: Vec<Chart>,
    /// Each plan's pool of standby stores and how fast stores became ready, drawn on the
    /// server as an HTML section.
    pub pools_html: String,
}
