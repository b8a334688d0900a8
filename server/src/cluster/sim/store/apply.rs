//! Server-side apply, the verb the engine uses for everything it renders.

use std::time::Instant;

use serde_json::{json, Value};

use super::{label_namespace, managers, Key, Store};
use crate::cluster::sim::api_error::{ApiError, Result};
use crate::cluster::sim::incoming::{prepare, same_spec, Verb};
use crate::cluster::sim::resources::Resource;

/// Who applies: a field manager, and whether it takes over fields other managers own.
#[derive(Debug, Clone, Copy)]
pub struct Applier<'a> {
    /// The field manager (`?fieldManager=`).
    pub manager: &'a str,
    /// Whether conflicts are overridden (`?force=true`).
    pub force: bool,
}

impl Store {
    /// Server-side apply by storefleet's field manager, forced.
    #[cfg(test)]
    pub fn apply(
        &mut self,
        resource: &'static Resource,
        namespace: Option<&str>,
        name: &str,
        body: Value,
        now: Instant,
    ) -> Result<(Value, bool)> {
        let by = Applier {
            manager: "storefleet",
            force: true,
        };
        self.apply_as(resource, namespace, name, body, by, now)
    }

    /// Server-side apply by a field manager: creates the object if missing, else sets the
    /// fields the manager applies, removes those it applied before and no longer does, and
    /// keeps other managers' fields, `status` and server-set metadata (`managers.rs`).
    /// Returns the object and whether it was created. Applying what is already stored
    /// changes nothing, as on a real API server; a spec change bumps `generation` and
    /// restarts the simulated rollout.
    pub fn apply_as(
        &mut self,
        resource: &'static Resource,
        namespace: Option<&str>,
        name: &str,
        body: Value,
        by: Applier<'_>,
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
            let config = object.clone();
            self.admit(resource, namespace, name, &mut object)?;
            self.insert_new(resource, key.clone(), object, now);
            if let Some(entry) = self.objects.get_mut(&key) {
                entry.managers.insert(by.manager.to_owned(), config);
            }
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
        let mut managers = entry.managers.clone();
        let mut object = managers::apply(
            Some(&entry.object),
            &mut managers,
            by.manager,
            &incoming.object,
            by.force,
        )
        .map_err(|conflict| ApiError::ApplyConflict {
            plural: resource.plural,
            group: resource.group,
            name: name.to_owned(),
            manager: conflict.manager,
            field: conflict.field,
        })?;
        if let Some(metadata) = object.get_mut("metadata").and_then(Value::as_object_mut) {
            label_namespace(resource, name, metadata);
        }
        if object == entry.object {
            let rendered = self.render(resource, entry, now);
            if let Some(entry) = self.objects.get_mut(&key) {
                entry.managers = managers;
            }
            return Ok((rendered, false));
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
        entry.managers = managers;
        self.settle(resource, namespace, now);
        Ok((self.rendered(resource, namespace, name, now)?, false))
    }
}
