//! What differs between a tenant's rendered objects and what the cluster holds. Pure: the
//! engine reads the live objects and hands them here.
//!
//! An object matches its render when every field the render sets is there with the same
//! value; fields the API server adds (status, defaults, its own metadata) are not drift.
//! A Secret is only checked for being there: its values are not compared, so that no part
//! of a secret is ever held side by side with another in a message.

use std::fmt;

use serde_json::Value;

/// How one object is not as rendered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// It is not in the cluster.
    Missing,
    /// It is there, but this field (a dotted path, e.g. `data.STORE_NAME`) differs.
    Differs(String),
}

/// One object that is not as rendered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Drift {
    /// Its kind, e.g. `Deployment`.
    pub kind: String,
    /// Its name.
    pub name: String,
    /// What is not as rendered.
    pub change: Change,
}

impl fmt::Display for Drift {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.change {
            Change::Missing => write!(f, "{} {} missing", self.kind, self.name),
            Change::Differs(path) => write!(f, "{} {} changed at {path}", self.kind, self.name),
        }
    }
}

/// Compares one rendered object with the live one of the same kind and name.
pub fn compare(kind: &str, rendered: &Value, live: Option<&Value>) -> Option<Change> {
    let live = live?;
    if kind == "Secret" {
        return None;
    }
    first_difference(rendered, live, "").map(Change::Differs)
}

/// Every drifted object of a render: `rendered` as (kind, name, object), `live` in the same
/// order (`None` for an object the cluster does not have).
pub fn drifts(rendered: &[(String, String, Value)], live: &[Option<Value>]) -> Vec<Drift> {
    rendered
        .iter()
        .zip(live)
        .filter_map(|((kind, name, object), live)| {
            let change = match live {
                None => Change::Missing,
                Some(live) => compare(kind, object, Some(live))?,
            };
            Some(Drift {
                kind: kind.clone(),
                name: name.clone(),
                change,
            })
        })
        .collect()
}

/// A short account of drifts for a timeline: the first few, and how many more.
pub fn summary(drifts: &[Drift]) -> String {
    const SHOWN: usize = 3;
    let mut text: Vec<String> = drifts.iter().take(SHOWN).map(Drift::to_string).collect();
    if drifts.len() > SHOWN {
        text.push(format!("{} more", drifts.len() - SHOWN));
    }
    text.join(", ")
}

fn first_difference(want: &Value, have: &Value, path: &str) -> Option<String> {
    let here = |key: &str| {
        if path.is_empty() {
            key.to_owned()
        } else {
            format!("{path}.{key}")
        }
    };
    match (want, have) {
        (Value::Object(want), Value::Object(have)) => want.iter().find_map(|(key, value)| {
            // The server fills in what a render leaves out; a null asks for nothing.
            if value.is_null() {
                return None;
            }
            match have.get(key) {
                Some(live) => first_difference(value, live, &here(key)),
                None => Some(here(key)),
            }
        }),
        (Value::Array(want), Value::Array(have)) => {
            if want.len() != have.len() {
                return Some(path.to_owned());
            }
            want.iter()
                .zip(have)
                .enumerate()
                .find_map(|(i, (w, h))| first_difference(w, h, &here(&i.to_string())))
        }
        (want, have) if want == have => None,
        _ => Some(path.to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn rendered(kind: &str, name: &str, object: Value) -> (String, String, Value) {
        (kind.to_owned(), name.to_owned(), object)
    }

    #[test]
    fn fields_the_server_adds_are_not_drift() {
        let want =
            json!({"metadata": {"name": "web", "labels": {"a": "1"}}, "spec": {"replicas": 1}});
        let have = json!({
            "metadata": {"name": "web", "labels": {"a": "1"}, "uid": "u", "resourceVersion": "7"},
            "spec": {"replicas": 1, "revisionHistoryLimit": 10},
            "status": {"readyReplicas": 1}
        });
        assert_eq!(compare("Deployment", &want, Some(&have)), None);
    }

    #[test]
    fn a_changed_value_names_its_path_and_a_missing_object_says_so() {
        let objects = [
            rendered(
                "ConfigMap",
                "config",
                json!({"data": {"STORE_NAME": "Acme"}}),
            ),
            rendered("Deployment", "web", json!({"spec": {"replicas": 1}})),
            rendered("Service", "web", json!({"spec": {"ports": [{"port": 80}]}})),
        ];
        let live = [
            Some(json!({"data": {"STORE_NAME": "Hacked"}})),
            None,
            Some(json!({"spec": {"ports": [{"port": 8080}]}})),
        ];
        let found = drifts(&objects, &live);
        let text: Vec<String> = found.iter().map(Drift::to_string).collect();
        assert_eq!(
            text,
            [
                "ConfigMap config changed at data.STORE_NAME",
                "Deployment web missing",
                "Service web changed at spec.ports.0.port",
            ]
        );
    }

    #[test]
    fn a_secret_is_checked_for_presence_only() {
        let objects = [rendered("Secret", "app", json!({"data": {"K": "YQ=="}}))];
        assert!(drifts(&objects, &[Some(json!({"data": {"K": "Yg=="}}))]).is_empty());
        assert_eq!(drifts(&objects, &[None])[0].change, Change::Missing);
    }

    #[test]
    fn a_summary_names_the_first_few() {
        let drift = |name: &str| Drift {
            kind: "ConfigMap".into(),
            name: name.into(),
            change: Change::Missing,
        };
        let all: Vec<Drift> = ["a", "b", "c", "d", "e"].into_iter().map(drift).collect();
        assert_eq!(
            summary(&all),
            "ConfigMap a missing, ConfigMap b missing, ConfigMap c missing, 2 more"
        );
    }
}
