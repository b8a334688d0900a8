//! Label selectors as list requests send them (`tier=web,app!=db,release,!canary`,
//! `tier in (web,api)`): parsing and matching. Pure, unit-tested below.

use std::collections::BTreeMap;

/// A selector term that cannot be read.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum SelectorError {
    /// The term is not one of the forms a label selector allows.
    #[error("unable to parse requirement {term:?}: {why}")]
    Invalid {
        /// The offending term.
        term: String,
        /// What is wrong with it.
        why: &'static str,
    },
}

/// Result of parsing a selector.
pub type Result<T> = std::result::Result<T, SelectorError>;

/// One comma-separated term of a selector.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Requirement {
    /// `key=value` or `key==value`.
    Equals(String, String),
    /// `key!=value`: also true when the label is missing.
    NotEquals(String, String),
    /// `key`: the label is present.
    Exists(String),
    /// `!key`: the label is missing.
    NotExists(String),
    /// `key in (a,b)`.
    In(String, Vec<String>),
    /// `key notin (a,b)`: also true when the label is missing.
    NotIn(String, Vec<String>),
}

/// A parsed label selector: every requirement must hold. The empty selector matches all.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selector(Vec<Requirement>);

impl Selector {
    /// Parses the `labelSelector` query parameter.
    pub fn parse(text: &str) -> Result<Self> {
        if text.trim().is_empty() {
            return Ok(Self::default());
        }
        split_terms(text)
            .into_iter()
            .map(requirement)
            .collect::<Result<Vec<_>>>()
            .map(Self)
    }

    /// Whether an object whose labels `label` looks up satisfies every requirement.
    pub fn matches<'a>(&self, label: impl Fn(&str) -> Option<&'a str>) -> bool {
        self.0.iter().all(|requirement| match requirement {
            Requirement::Equals(key, value) => label(key) == Some(value.as_str()),
            Requirement::NotEquals(key, value) => label(key) != Some(value.as_str()),
            Requirement::Exists(key) => label(key).is_some(),
            Requirement::NotExists(key) => label(key).is_none(),
            Requirement::In(key, values) => {
                label(key).is_some_and(|v| values.iter().any(|x| x == v))
            }
            Requirement::NotIn(key, values) => {
                !label(key).is_some_and(|v| values.iter().any(|x| x == v))
            }
        })
    }

    /// The keys the requirements are about.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(|requirement| match requirement {
            Requirement::Equals(key, _)
            | Requirement::NotEquals(key, _)
            | Requirement::Exists(key)
            | Requirement::NotExists(key)
            | Requirement::In(key, _)
            | Requirement::NotIn(key, _) => key.as_str(),
        })
    }

    /// [`Selector::matches`] over a map of labels.
    pub fn matches_labels(&self, labels: &BTreeMap<String, String>) -> bool {
        self.matches(|key| labels.get(key).map(String::as_str))
    }
}

/// Splits at the commas that are not inside `( )`.
fn split_terms(text: &str) -> Vec<&str> {
    let mut terms = Vec::new();
    let (mut depth, mut start) = (0usize, 0usize);
    for (i, c) in text.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => {
                terms.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    terms.push(&text[start..]);
    terms
}

fn requirement(term: &str) -> Result<Requirement> {
    let invalid = |why| SelectorError::Invalid {
        term: term.to_owned(),
        why,
    };
    let trimmed = term.trim();
    if trimmed.is_empty() {
        return Err(invalid("empty requirement"));
    }
    let requirement = if let Some(key) = trimmed.strip_prefix('!') {
        Requirement::NotExists(key.trim().to_owned())
    } else if let Some((head, list)) = trimmed.split_once('(') {
        let list = list
            .strip_suffix(')')
            .ok_or_else(|| invalid("missing ')'"))?;
        let values = list.split(',').map(|v| v.trim().to_owned()).collect();
        match head.split_whitespace().collect::<Vec<_>>().as_slice() {
            [key, "in"] => Requirement::In((*key).to_owned(), values),
            [key, "notin"] => Requirement::NotIn((*key).to_owned(), values),
            _ => return Err(invalid("expected `key in (...)` or `key notin (...)`")),
        }
    } else if let Some((key, value)) = trimmed.split_once("!=") {
        Requirement::NotEquals(key.trim().to_owned(), value.trim().to_owned())
    } else if let Some((key, value)) = trimmed.split_once("==").or_else(|| trimmed.split_once('='))
    {
        Requirement::Equals(key.trim().to_owned(), value.trim().to_owned())
    } else {
        Requirement::Exists(trimmed.to_owned())
    };
    check(&requirement).map_err(invalid)?;
    Ok(requirement)
}

fn check(requirement: &Requirement) -> std::result::Result<(), &'static str> {
    let (key, values): (&str, &[String]) = match requirement {
        Requirement::Equals(key, value) | Requirement::NotEquals(key, value) => {
            (key, std::slice::from_ref(value))
        }
        Requirement::Exists(key) | Requirement::NotExists(key) => (key, &[]),
        Requirement::In(key, values) | Requirement::NotIn(key, values) => (key, values),
    };
    let name = key.rsplit('/').next().unwrap_or_default();
    if key.is_empty() || name.is_empty() || key.matches('/').count() > 1 || !allowed(key, true) {
        return Err("invalid label key");
    }
    if values.iter().any(|v| v.len() > 63 || !allowed(v, false)) {
        return Err("invalid label value");
    }
    Ok(())
}

fn allowed(text: &str, key: bool) -> bool {
    text.chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') || (key && c == '/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    fn matching(selector: &str, objects: &[BTreeMap<String, String>]) -> Vec<usize> {
        let selector = Selector::parse(selector).expect("valid selector");
        (0..objects.len())
            .filter(|&i| selector.matches_labels(&objects[i]))
            .collect()
    }

    #[test]
    fn reads_every_form() {
        let selector = Selector::parse(
            "a=1, b==2,c!=3,d,!e,storefleet.io/tenant=alice,f in (x, y),g notin (z)",
        )
        .unwrap();
        let s = |v: &str| v.to_owned();
        assert_eq!(
            selector.0,
            vec![
                Requirement::Equals(s("a"), s("1")),
                Requirement::Equals(s("b"), s("2")),
                Requirement::NotEquals(s("c"), s("3")),
                Requirement::Exists(s("d")),
                Requirement::NotExists(s("e")),
                Requirement::Equals(s("storefleet.io/tenant"), s("alice")),
                Requirement::In(s("f"), vec![s("x"), s("y")]),
                Requirement::NotIn(s("g"), vec![s("z")]),
            ]
        );
        assert_eq!(Selector::parse(" ").unwrap(), Selector::default());
        let keys: Vec<&str> = selector.keys().collect();
        assert_eq!(
            keys,
            ["a", "b", "c", "d", "e", "storefleet.io/tenant", "f", "g"]
        );
    }

    #[test]
    fn refuses_malformed_terms() {
        for text in [
            "a=1,,b=2",
            "=x",
            "a=b c",
            "a in (x",
            "a within (x)",
            "a/b/c",
            "!",
            "a=%",
        ] {
            assert!(Selector::parse(text).is_err(), "{text:?} should not parse");
        }
    }

    #[test]
    fn matches_exactly_the_selected_objects() {
        let objects = [
            labels(&[("tier", "web"), ("app", "shop")]),
            labels(&[("tier", "db"), ("app", "shop")]),
            labels(&[("app", "blog")]),
        ];
        assert_eq!(matching("", &objects), [0, 1, 2]);
        assert_eq!(matching("tier=web", &objects), [0]);
        assert_eq!(matching("tier!=web", &objects), [1, 2]);
        assert_eq!(matching("tier", &objects), [0, 1]);
        assert_eq!(matching("!tier", &objects), [2]);
        assert_eq!(matching("app=shop,tier!=db", &objects), [0]);
        assert_eq!(matching("tier in (db,cache)", &objects), [1]);
        assert_eq!(matching("tier notin (db)", &objects), [0, 2]);
        assert_eq!(matching("app=nothing", &objects), Vec::<usize>::new());
    }
}
