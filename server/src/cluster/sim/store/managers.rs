//! Field managers, as server-side apply keeps them: each manager owns the fields of its last
//! applied configuration. Applying again sets what the manager applies now, removes what it
//! applied before and no longer does (unless another manager owns it too), and leaves every
//! other manager's fields alone. A field another manager set to a different value is a
//! conflict, unless the apply is forced, which takes it over.
//!
//! Simplified where storefleet does not need more: lists are atomic (owned whole, as the API
//! server treats lists without merge keys), and only labels and annotations of the metadata
//! are owned.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

/// A field's place in an object: its keys from the top.
pub type Path = Vec<String>;

/// Each manager's last applied configuration, by manager name.
pub type Managers = BTreeMap<String, Value>;

/// Every owned field of an applied configuration, with its value: objects are walked into,
/// anything else (lists too) is one field.
pub fn fields(config: &Value) -> BTreeMap<Path, Value> {
    let mut found = BTreeMap::new();
    if let Value::Object(top) = config {
        for (key, value) in top {
            match key.as_str() {
                "apiVersion" | "kind" | "status" => {}
                "metadata" => {
                    for owned in ["labels", "annotations"] {
                        if let Some(value) = value.get(owned) {
                            walk(&mut vec![key.clone(), owned.to_owned()], value, &mut found);
                        }
                    }
                }
                _ => walk(&mut vec![key.clone()], value, &mut found),
            }
        }
    }
    found
}

fn walk(path: &mut Path, value: &Value, found: &mut BTreeMap<Path, Value>) {
    match value {
        Value::Object(map) if !map.is_empty() => {
            for (key, inner) in map {
                path.push(key.clone());
                walk(path, inner, found);
                path.pop();
            }
        }
        other => {
            found.insert(path.clone(), other.clone());
        }
    }
}

/// A field another manager owns with a different value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    /// The other manager.
    pub manager: String,
    /// The field, dotted.
    pub field: String,
}

/// Applies `config` by `manager` onto `object` (the stored object, or `None` for a new one),
/// updating `managers`. Returns the new object, or the first conflict when not `force`d.
pub fn apply(
    object: Option<&Value>,
    managers: &mut Managers,
    manager: &str,
    config: &Value,
    force: bool,
) -> Result<Value, Conflict> {
    let applied = fields(config);
    let Some(stored) = object else {
        managers.clear();
        managers.insert(manager.to_owned(), config.clone());
        return Ok(config.clone());
    };
    // Fields other managers set to another value: a conflict, or taken over when forced.
    let mut others: BTreeMap<String, BTreeMap<Path, Value>> = managers
        .iter()
        .filter(|(name, _)| name.as_str() != manager)
        .map(|(name, config)| (name.clone(), fields(config)))
        .collect();
    for (other, owned) in &mut others {
        for (path, value) in &applied {
            if owned.get(path).is_some_and(|theirs| theirs != value) {
                if !force {
                    return Err(Conflict {
                        manager: other.clone(),
                        field: path.join("."),
                    });
                }
                owned.remove(path);
            }
        }
    }
    let before = managers.get(manager).map(fields).unwrap_or_default();
    let mut result = stored.clone();
    for path in before.keys() {
        let still_owned =
            applied.contains_key(path) || others.values().any(|o| o.contains_key(path));
        if !still_owned {
            remove(&mut result, path);
        }
    }
    for (path, value) in &applied {
        set(&mut result, path, value.clone());
    }
    for (other, owned) in others {
        match unflatten(&owned) {
            Some(config) => {
                managers.insert(other, config);
            }
            None => {
                managers.remove(&other);
            }
        }
    }
    managers.insert(manager.to_owned(), config.clone());
    Ok(result)
}

/// A configuration holding exactly these fields; `None` when there are none.
fn unflatten(owned: &BTreeMap<Path, Value>) -> Option<Value> {
    if owned.is_empty() {
        return None;
    }
    let mut config = Value::Object(Map::new());
    for (path, value) in owned {
        set(&mut config, path, value.clone());
    }
    Some(config)
}

fn set(object: &mut Value, path: &[String], value: Value) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    let mut here = object;
    for key in parents {
        if !here.get(key).is_some_and(Value::is_object) {
            if let Value::Object(map) = here {
                map.insert(key.clone(), Value::Object(Map::new()));
            } else {
                return;
            }
        }
        here = &mut here[key.as_str()];
    }
    if let Value::Object(map) = here {
        map.insert(last.clone(), value);
    }
}

fn remove(object: &mut Value, path: &[String]) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    let mut here = object;
    for key in parents {
        match here.get_mut(key.as_str()) {
            Some(inner) => here = inner,
            None => return,
        }
    }
    if let Value::Object(map) = here {
        map.remove(last);
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn config(labels: Value, data: Value) -> Value {
        json!({
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": { "name": "app", "labels": labels },
            "data": data,
        })
    }

    #[test]
    fn another_manager_changes_only_what_it_applies() {
        let mut managers = Managers::new();
        let ours = config(json!({ "tenant": "acme" }), json!({ "a": "1", "b": "2" }));
        let stored = apply(None, &mut managers, "storefleet", &ours, true).unwrap();

        // `kubectl apply --server-side` of one value: a conflict unless forced.
        let edit = json!({ "apiVersion": "v1", "kind": "ConfigMap",
                           "metadata": { "name": "app" }, "data": { "a": "by hand" } });
        let refused = apply(Some(&stored), &mut managers, "kubectl", &edit, false);
        assert_eq!(
            refused,
            Err(Conflict {
                manager: "storefleet".into(),
                field: "data.a".into()
            })
        );
        let edited = apply(Some(&stored), &mut managers, "kubectl", &edit, true).unwrap();
        assert_eq!(edited["data"], json!({ "a": "by hand", "b": "2" }));
        assert_eq!(edited["metadata"]["labels"], json!({ "tenant": "acme" }));

        // storefleet applies its render again, forced: its value is back.
        let back = apply(Some(&edited), &mut managers, "storefleet", &ours, true).unwrap();
        assert_eq!(back["data"], json!({ "a": "1", "b": "2" }));
        assert!(!managers.contains_key("kubectl"), "{managers:?}");
    }

    #[test]
    fn a_field_no_longer_applied_is_removed_unless_another_manager_owns_it() {
        let mut managers = Managers::new();
        let first = config(json!({ "tenant": "acme" }), json!({ "a": "1", "b": "2" }));
        let stored = apply(None, &mut managers, "storefleet", &first, true).unwrap();
        let extra = json!({ "apiVersion": "v1", "kind": "ConfigMap",
                            "metadata": { "name": "app" }, "data": { "c": "3" } });
        let stored = apply(Some(&stored), &mut managers, "kubectl", &extra, false).unwrap();
        let second = config(json!({ "tenant": "acme" }), json!({ "a": "1" }));
        let stored = apply(Some(&stored), &mut managers, "storefleet", &second, true).unwrap();
        assert_eq!(stored["data"], json!({ "a": "1", "c": "3" }));
        // Server-set fields (not applied by anyone) stay.
        let mut with_uid = stored.clone();
        with_uid["metadata"]["uid"] = json!("u-1");
        let again = apply(Some(&with_uid), &mut managers, "storefleet", &second, true).unwrap();
        assert_eq!(again["metadata"]["uid"], "u-1");
        assert_eq!(again, with_uid);
    }
}
