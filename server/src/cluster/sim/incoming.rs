//! Reading an object sent to the simulated cluster: the body must describe the object the path
//! names, and fields only the server sets are dropped. Pure, unit-tested below.

use serde_json::{json, Map, Value};

use super::api_error::{ApiError, Result};
use super::resources::Resource;

/// Fields of `metadata` only the server sets; whatever a client sends there is ignored.
const SERVER_METADATA: [&str; 8] = [
    "uid",
    "creationTimestamp",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
    "generation",
    "resourceVersion",
    "managedFields",
    "selfLink",
];

/// How the body was sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verb {
    /// `POST` to the collection: `apiVersion`/`kind` may be left out.
    Create,
    /// Server-side apply: `apiVersion`/`kind` are required, as for the real API server.
    Apply,
}

/// An object as sent, checked against the path and stripped of server fields.
#[derive(Debug, PartialEq)]
pub struct Incoming {
    /// The object, without `status` or server-set metadata, with `apiVersion`, `kind`,
    /// `metadata.name` and (for namespaced kinds) `metadata.namespace` filled in.
    pub object: Value,
    /// Its name.
    pub name: String,
    /// The `resourceVersion` the client sent, a precondition when present.
    pub resource_version: Option<String>,
}

/// Reads a request body: JSON, or YAML for server-side apply.
pub fn parse_body(body: &[u8], verb: Verb) -> Result<Value> {
    match serde_json::from_slice(body) {
        Ok(value) => Ok(value),
        Err(_) if verb == Verb::Apply => serde_yaml_ng::from_slice(body)
            .map_err(|e| ApiError::BadRequest(format!("the body is neither JSON nor YAML: {e}"))),
        Err(e) => Err(ApiError::BadRequest(format!("the body is not JSON: {e}"))),
    }
}

/// Checks `body` names an object of `resource` called `path_name` (when the path names one)
/// in `namespace`, and returns it ready to store.
pub fn prepare(
    resource: &Resource,
    namespace: Option<&str>,
    path_name: Option<&str>,
    body: Value,
    verb: Verb,
) -> Result<Incoming> {
    let label = path_name.unwrap_or_default();
    let Value::Object(mut object) = body else {
        return Err(ApiError::BadRequest("the body is not an object".to_owned()));
    };
    check_type(resource, &object, verb, label)?;
    object.remove("status");
    object.insert("apiVersion".into(), json!(resource.api_version()));
    object.insert("kind".into(), json!(resource.kind));

    let metadata = match object.remove("metadata") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(metadata)) => metadata,
        Some(_) => {
            return Err(ApiError::invalid(
                resource,
                label,
                "metadata: must be an object",
            ))
        }
    };
    let mut metadata = metadata;
    let name = match (metadata.get("name").and_then(Value::as_str), path_name) {
        (Some(body), Some(path)) if body != path => {
            let message = format!("metadata.name: the name of the object ({body}) does not match the name on the URL ({path})");
            return Err(ApiError::invalid(resource, path, message));
        }
        (Some(name), _) | (None, Some(name)) => name.to_owned(),
        (None, None) => {
            return Err(ApiError::invalid(
                resource,
                "",
                "metadata.name: Required value: name is required",
            ))
        }
    };
    if let Some(why) = resource.invalid_name(&name) {
        return Err(ApiError::invalid(
            resource,
            &name,
            format!("metadata.name: Invalid value: {why}"),
        ));
    }
    match (metadata.get("namespace").and_then(Value::as_str), namespace) {
        (Some(sent), Some(path)) if sent != path => {
            return Err(ApiError::BadRequest(format!(
                "the namespace of the provided object ({sent}) does not match the namespace sent on the request ({path})"
            )))
        }
        _ => {}
    }
    for field in ["labels", "annotations"] {
        if !string_map_or_absent(metadata.get(field)) {
            let message = format!("metadata.{field}: must map strings to strings");
            return Err(ApiError::invalid(resource, &name, message));
        }
    }
    let resource_version = metadata
        .get("resourceVersion")
        .and_then(Value::as_str)
        .filter(|rv| !rv.is_empty())
        .map(str::to_owned);
    for field in SERVER_METADATA {
        metadata.remove(field);
    }
    metadata.insert("name".into(), json!(name));
    match namespace {
        Some(namespace) => metadata.insert("namespace".into(), json!(namespace)),
        None => metadata.remove("namespace"),
    };
    object.insert("metadata".into(), Value::Object(metadata));
    Ok(Incoming {
        object: Value::Object(object),
        name,
        resource_version,
    })
}

fn check_type(
    resource: &Resource,
    object: &Map<String, Value>,
    verb: Verb,
    name: &str,
) -> Result<()> {
    let api_version = object.get("apiVersion").and_then(Value::as_str);
    let kind = object.get("kind").and_then(Value::as_str);
    if verb == Verb::Apply && (api_version.is_none() || kind.is_none()) {
        return Err(ApiError::BadRequest(
            "apiVersion and kind must be set for server-side apply".to_owned(),
        ));
    }
    let expected = resource.api_version();
    if api_version.is_some_and(|sent| sent != expected)
        || kind.is_some_and(|sent| sent != resource.kind)
    {
        let message = format!(
            "the object is a {}/{}, but the path is for {expected}/{}",
            api_version.unwrap_or_default(),
            kind.unwrap_or_default(),
            resource.kind
        );
        return Err(ApiError::invalid(resource, name, message));
    }
    Ok(())
}

fn string_map_or_absent(value: Option<&Value>) -> bool {
    match value {
        None | Some(Value::Null) => true,
        Some(Value::Object(map)) => map.values().all(Value::is_string),
        Some(_) => false,
    }
}

/// Whether two versions of an object have the same spec: everything but `metadata`, `status`,
/// `apiVersion` and `kind`. A change there bumps `metadata.generation`.
pub fn same_spec(old: &Value, new: &Value) -> bool {
    spec_fields(old).count() == spec_fields(new).count()
        && spec_fields(old).all(|(key, value)| new.get(key) == Some(value))
}

fn spec_fields(object: &Value) -> impl Iterator<Item = (&String, &Value)> {
    object
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(key, _)| !matches!(key.as_str(), "metadata" | "status" | "apiVersion" | "kind"))
}

#[cfg(test)]
mod tests;
