//! Server-side apply, the verb the engine uses for everything it renders.

use std::time::Instant;

use serde_json::{json, Value};

use super::{label_namespace, Key, Store};
use crate::cluster::sim::api_error::{ApiError, Result};
use crate::cluster::sim::incoming::{prepare, same_spec, Verb};
use crate::cluster::sim::resources::Resource;

/// Metadata the server sets, which an apply keeps (the `resourceVersion` only if nothing
/// changes).
const KEPT_METADATA: [&str; 5] = [
    "uid",
    "creationTimestamp",
    "deletionTimestamp",
    "generation",
    "resourceVersion",
];

impl Store {
    /// Server-side apply by the one field manager there is: creates the object if missing,
    /// else replaces everything but `status` and server-set metadata. Returns the object and
    /// whether it was created. Applying what is already stored changes nothing, as on a real
    /// API server; a spec change bumps `generation` and restarts the simulated rollout.
    pub fn apply(
        &mut self,
        resource: &'static Resource,
        namespace: Option<&str>,
        name: &str,
        body: Value,
        now: Instant,
    ) -> Result<(Value, bool)> {
        self.reap(now);
        let incoming = prepare(resource, namespace, Some(name), body, Verb::Apply)?;
        let key = Key::new(resource, namespace, name);
        let conflict = || ApiError::Conflict {
            plural: resource.plural,
            group: resource.group,
            name: name.to_owned(),
        };
        let Some(entry) = self.objects.get(&key) else {
            if incoming.resource_version.is_some() {
                return Err(conflict());
            }
            self.admit_new(resource, namespace, name)?;
            let mut object = incoming.object;
            self.admit(resource, namespace, name, &mut object)?;
            self.insert_new(resource, key, object, now);
            self.settle(resource, namespace, now);
            return Ok((self.rendered(resource, namespace, name, now)?, true));
        };
        let stored_metadata = &entry.object["metadata"];
        let stored_version = stored_metadata["resourceVersion"].as_str();
        if incoming
            .resource_version
            .is_some_and(|sent| Some(sent.as_str()) != stored_version)
        {
            return Err(conflict());
        }
        let mut object = incoming.object;
        if let Some(metadata) = object.get_mut("metadata").and_then(Value::as_object_mut) {
            for field in KEPT_METADATA {
                if let Some(value) = stored_metadata.get(field) {
                    metadata.insert(field.to_owned(), value.clone());
                }
            }
            label_namespace(resource, name, metadata);
        }
        if object == entry.object {
            return Ok((self.render(resource, entry, now), false));
        }
        let spec_changed = !same_spec(&entry.object, &object);
        let generation = stored_metadata["generation"].as_i64().unwrap_or(1);
        let revision = self.next_revision();
        let Some(entry) = self.objects.get_mut(&key) else {
            return Err(ApiError::not_found(resource, name));
        };
        if let Some(metadata) = object.get_mut("metadata").and_then(Value::as_object_mut) {
            metadata.insert("resourceVersion".into(), json!(revision));
            if spec_changed {
                metadata.insert("generation".into(), json!(generation + 1));
            }
        }
        if spec_changed {
            entry.generation_changed = now;
        }
        entry.object = object;
        self.settle(resource, namespace, now);
        Ok((self.rendered(resource, namespace, name, now)?, false))
    }
}
