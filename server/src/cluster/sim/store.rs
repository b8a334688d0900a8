//! The simulated cluster's objects, by kind, namespace and name, with the bookkeeping a real
//! API server does: `resourceVersion`, `uid`, `creationTimestamp`, `generation`, namespace
//! termination. Status is not stored but computed on every read (see `status.rs`).
//! Time comes in as an argument, so the rules are testable without waiting.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use serde_json::{json, Map, Value};

use super::api_error::{self, ApiError, Result};
use super::databases;
use super::incoming::{prepare, Verb};
use super::jobs::Chore;
use super::pods;
use super::resources::{jobs as job_kind, namespaces, Resource};
use super::selector::Selector;
use super::status::{self, Age};
use super::SimOptions;

/// The label the API server puts on every Namespace, naming it (used by NetworkPolicies).
pub const NAMESPACE_NAME_LABEL: &str = "kubernetes.io/metadata.name";

/// The fields a field selector may name.
pub const SELECTABLE_FIELDS: [&str; 3] = [FIELD_NAME, FIELD_NAMESPACE, FIELD_TYPE];
const FIELD_NAME: &str = "metadata.name";
const FIELD_NAMESPACE: &str = "metadata.namespace";
/// An Event's `type` (`Normal`, `Warning`); other kinds have none.
const FIELD_TYPE: &str = "type";

/// Where an object is kept. Cluster-scoped objects have an empty namespace.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Key {
    plural: &'static str,
    namespace: String,
    name: String,
}

impl Key {
    fn new(resource: &Resource, namespace: Option<&str>, name: &str) -> Self {
        Self {
            plural: resource.plural,
            namespace: namespace.unwrap_or_default().to_owned(),
            name: name.to_owned(),
        }
    }
}

/// One stored object and the times its status depends on.
#[derive(Debug)]
struct Entry {
    /// The object without `status`.
    object: Value,
    created: Instant,
    generation_changed: Instant,
    /// Each field manager's last applied configuration.
    managers: managers::Managers,
}

/// An object as the cluster shows it at one moment: as stored, and its status then.
#[derive(Debug)]
pub struct Observed<'a> {
    /// Its namespace (empty for a cluster-scoped object).
    pub namespace: &'a str,
    /// Its name.
    pub name: &'a str,
    /// The object as stored, without `status`.
    pub object: &'a Value,
    /// Its status then, when the cluster computes one.
    pub status: Option<Value>,
}

impl Observed<'_> {
    /// The object with its status, as a read answers it.
    pub fn rendered(&self) -> Value {
        with_status(self.object, self.status.clone())
    }

    /// Its `metadata.resourceVersion`: moves on with every write.
    pub fn version(&self) -> &str {
        self.object["metadata"]["resourceVersion"]
            .as_str()
            .unwrap_or_default()
    }
}

/// Every object of the simulated cluster.
#[derive(Debug)]
pub struct Store {
    options: SimOptions,
    objects: BTreeMap<Key, Entry>,
    /// The last `resourceVersion` handed out; every write takes the next one.
    revision: u64,
    /// Namespaces being deleted, and since when.
    terminating: BTreeMap<String, Instant>,
    /// Why a controller (by namespace and name) cannot create its pods, while it cannot.
    failures: BTreeMap<(String, String), String>,
    /// When a controller that could not create a pod tries again.
    retry_at: BTreeMap<(String, String), Instant>,
    /// Objects were deleted since the garbage collector last looked for their dependents.
    owners_removed: bool,
    /// Where work for the host goes (Jobs to run, tenant databases): the cluster's worker.
    chores: Option<tokio::sync::mpsc::UnboundedSender<Chore>>,
    /// When each image the cluster has asked for is (or was) pulled.
    pulled: BTreeMap<String, Instant>,
    /// When each namespace's database has (or had) initialised its volume.
    initialised: BTreeMap<String, Instant>,
    /// Moves on each time the cluster stops listening: watches opened before end.
    watch_epoch: u64,
}

impl Store {
    /// The permissions access reviews are refused (see [`SimOptions::denied`]).
    pub fn denied(&self) -> Vec<String> {
        self.options.denied.clone()
    }

    /// An empty cluster that behaves as `options` say.
    pub fn new(options: SimOptions) -> Self {
        Self {
            options,
            objects: BTreeMap::new(),
            revision: 0,
            terminating: BTreeMap::new(),
            failures: BTreeMap::new(),
            retry_at: BTreeMap::new(),
            owners_removed: false,
            chores: None,
            pulled: BTreeMap::new(),
            initialised: BTreeMap::new(),
            watch_epoch: 0,
        }
    }

    /// Which listening period of the cluster this is, for watches to end with it.
    pub fn watch_epoch(&self) -> u64 {
        self.watch_epoch
    }

    /// Ends every open watch: the cluster stops listening.
    pub fn end_watches(&mut self) {
        self.watch_epoch += 1;
    }

    /// Sends the work the cluster's objects ask of the host (Jobs to run, tenant databases to
    /// make and drop) to `chores`, from now on.
    pub fn hand_chores_to(&mut self, chores: tokio::sync::mpsc::UnboundedSender<Chore>) {
        self.chores = Some(chores);
        // A restored cluster's tenants have their databases, made again if the server lost
        // them.
        let tenants: Vec<String> = self
            .objects
            .iter()
            .filter(|(key, entry)| {
                key.plural == "statefulsets" && databases::runs_postgres(&entry.object)
            })
            .map(|(key, _)| key.namespace.clone())
            .collect();
        for namespace in tenants {
            self.create_database(&namespace);
        }
    }

    /// `POST` to a collection: stores a new object; 409 if the name is taken.
    pub fn create(
        &mut self,
        resource: &'static Resource,
        namespace: Option<&str>,
        body: Value,
        now: Instant,
    ) -> Result<Value> {
        self.reap(now);
        let incoming = prepare(resource, namespace, None, body, Verb::Create)?;
        let key = Key::new(resource, namespace, &incoming.name);
        if self.objects.contains_key(&key) {
            return Err(ApiError::AlreadyExists {
                plural: resource.plural,
                group: resource.group,
                name: incoming.name,
            });
        }
        self.admit_new(resource, namespace, &incoming.name)?;
        let mut object = incoming.object;
        self.admit(resource, namespace, &incoming.name, &mut object)?;
        self.insert_new(resource, key.clone(), object, now);
        self.settle(resource, namespace, now);
        self.rendered(resource, namespace, &key.name, now)
    }

    /// Lets the controllers act on a request's namespace; on every namespace for a list of a
    /// namespaced kind across all of them. Cluster-scoped kinds (namespaces) have no
    /// controller behind them here.
    fn settle(&mut self, resource: &Resource, namespace: Option<&str>, now: Instant) {
        if resource.namespaced {
            self.reconcile(namespace, now);
        }
    }

    /// A stored object with its status as of `now`, without settling first.
    fn rendered(
        &self,
        resource: &Resource,
        namespace: Option<&str>,
        name: &str,
        now: Instant,
    ) -> Result<Value> {
        let entry = self
            .objects
            .get(&Key::new(resource, namespace, name))
            .ok_or_else(|| ApiError::not_found(resource, name))?;
        Ok(self.render(resource, entry, now))
    }

    /// Admission of a new object: pods and claims against the namespace's quota.
    fn admit(
        &self,
        resource: &Resource,
        namespace: Option<&str>,
        name: &str,
        object: &mut Value,
    ) -> Result<()> {
        match (resource.kind, namespace) {
            ("Pod", Some(namespace)) => self.admit_pod(namespace, name, object),
            ("PersistentVolumeClaim", _) => self.admit_claim(resource, namespace, name, object),
            ("Job", _) => super::jobs::rules::check_job(resource, name, object),
            _ => Ok(()),
        }
    }

    /// One object, with its status as of `now`.
    pub fn get(
        &mut self,
        resource: &'static Resource,
        namespace: Option<&str>,
        name: &str,
        now: Instant,
    ) -> Result<Value> {
        self.reap(now);
        self.settle(resource, namespace, now);
        self.rendered(resource, namespace, name, now)
    }

    /// The objects of a kind in `namespace` (all namespaces when `None`) that the label
    /// selector `labels` and the field selector `fields` (over `metadata.name` and
    /// `metadata.namespace`) match, as a `<Kind>List`.
    pub fn list(
        &mut self,
        resource: &'static Resource,
        namespace: Option<&str>,
        labels: &Selector,
        fields: &Selector,
        now: Instant,
    ) -> Value {
        self.reap(now);
        self.settle(resource, namespace, now);
        let items: Vec<Value> = self
            .observed(resource, namespace, labels, fields, now)
            .into_iter()
            .map(|observed| with_status(observed.object, observed.status))
            .collect();
        json!({
            "apiVersion": resource.api_version(),
            "kind": format!("{}List", resource.kind),
            "metadata": { "resourceVersion": self.revision.to_string() },
            "items": items,
        })
    }

    /// The objects [`Store::list`] shows, each with its status as of `now`, without running
    /// the controllers first: what a watch looks at. Pods start and claims bind with time;
    /// what only a controller's pass makes (new pods, a rollout's next step) waits for the
    /// next request that settles the namespace. Nothing is copied: a watch renders only
    /// what changed.
    pub fn observed(
        &self,
        resource: &'static Resource,
        namespace: Option<&str>,
        labels: &Selector,
        fields: &Selector,
        now: Instant,
    ) -> Vec<Observed<'_>> {
        let start = Key::new(resource, namespace, "");
        self.objects
            .range(start..)
            .take_while(|(key, _)| {
                key.plural == resource.plural && namespace.is_none_or(|ns| key.namespace == ns)
            })
            .filter(|(key, entry)| {
                let on = &entry.object["metadata"]["labels"];
                labels.matches(|label| on.get(label).and_then(Value::as_str))
                    && fields.matches(|field| match field {
                        FIELD_NAME => Some(key.name.as_str()),
                        FIELD_NAMESPACE if resource.namespaced => Some(key.namespace.as_str()),
                        FIELD_TYPE if resource.kind == "Event" => entry.object["type"].as_str(),
                        _ => None,
                    })
            })
            .map(|(key, entry)| Observed {
                namespace: &key.namespace,
                name: &key.name,
                object: &entry.object,
                status: self.status(resource, entry, now),
            })
            .collect()
    }

    /// Deletes an object. A Namespace starts terminating and is returned; it and everything
    /// in it disappear `namespace_delete_delay` later. Anything else goes at once and a
    /// success `Status` is returned, as the real API server does.
    pub fn delete(
        &mut self,
        resource: &'static Resource,
        namespace: Option<&str>,
        name: &str,
        now: Instant,
    ) -> Result<Value> {
        self.reap(now);
        let key = Key::new(resource, namespace, name);
        if !self.objects.contains_key(&key) {
            return Err(ApiError::not_found(resource, name));
        }
        if resource == namespaces() {
            if !self.terminating.contains_key(name) {
                let revision = self.next_revision();
                if let Some(metadata) = self
                    .objects
                    .get_mut(&key)
                    .and_then(|entry| entry.object.get_mut("metadata"))
                    .and_then(Value::as_object_mut)
                {
                    metadata.insert("deletionTimestamp".into(), timestamp());
                    metadata.insert("resourceVersion".into(), json!(revision));
                }
                self.terminating.insert(name.to_owned(), now);
            }
            return self.get(resource, namespace, name, now);
        }
        let removed = self.objects.remove(&key);
        self.owners_removed = true;
        self.next_revision();
        self.settle(resource, namespace, now);
        let mut details = api_error::details(name, resource.group, resource.plural);
        details["uid"] = removed
            .map(|entry| entry.object["metadata"]["uid"].clone())
            .unwrap_or_default();
        Ok(json!({
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Success",
            "details": details,
        }))
    }

    /// A new object may only go into a namespace that exists and is not being deleted.
    fn admit_new(&self, resource: &Resource, namespace: Option<&str>, name: &str) -> Result<()> {
        let Some(namespace) = namespace else {
            return Ok(());
        };
        if !self
            .objects
            .contains_key(&Key::new(namespaces(), None, namespace))
        {
            return Err(ApiError::not_found(namespaces(), namespace));
        }
        if self.terminating.contains_key(namespace) {
            return Err(ApiError::NamespaceTerminating {
                plural: resource.plural,
                name: name.to_owned(),
                namespace: namespace.to_owned(),
            });
        }
        Ok(())
    }

    fn insert_new(
        &mut self,
        resource: &'static Resource,
        key: Key,
        mut object: Value,
        now: Instant,
    ) -> Value {
        let revision = self.next_revision();
        if let Some(metadata) = object.get_mut("metadata").and_then(Value::as_object_mut) {
            metadata.insert("uid".into(), json!(uuid::Uuid::new_v4().to_string()));
            metadata.insert("creationTimestamp".into(), timestamp());
            metadata.insert("generation".into(), json!(1));
            metadata.insert("resourceVersion".into(), json!(revision));
            label_namespace(resource, &key.name, metadata);
        }
        if resource == job_kind() {
            super::jobs::rules::default_job(&mut object);
        }
        let entry = Entry {
            object,
            created: now,
            generation_changed: now,
            managers: managers::Managers::new(),
        };
        let rendered = self.render(resource, &entry, now);
        self.objects.insert(key.clone(), entry);
        self.on_new(resource, &key.namespace, &key.name);
        rendered
    }

    /// Removes the namespaces whose termination delay has passed, with everything in them.
    fn reap(&mut self, now: Instant) {
        let delay = self.options.namespace_delete_delay;
        let gone: BTreeSet<String> = self
            .terminating
            .iter()
            .filter(|(_, since)| now.saturating_duration_since(**since) >= delay)
            .map(|(name, _)| name.clone())
            .collect();
        if gone.is_empty() {
            return;
        }
        self.terminating.retain(|name, _| !gone.contains(name));
        let namespace_plural = namespaces().plural;
        self.objects.retain(|key, _| {
            let in_gone = gone.contains(&key.namespace);
            let is_gone = key.plural == namespace_plural && gone.contains(&key.name);
            !(in_gone || is_gone)
        });
        self.next_revision();
        for namespace in &gone {
            self.initialised.remove(namespace);
            self.drop_database(namespace);
        }
    }

    /// The stored object with the status its simulated controller reports at `now`.
    fn render(&self, resource: &Resource, entry: &Entry, now: Instant) -> Value {
        with_status(&entry.object, self.status(resource, entry, now))
    }

    /// The status `entry` shows at `now`, when the cluster computes one.
    fn status(&self, resource: &Resource, entry: &Entry, now: Instant) -> Option<Value> {
        let object = &entry.object;
        let since_generation = now.saturating_duration_since(entry.generation_changed);
        match resource.kind {
            // A Job's pod: its runner writes what happens to it.
            "Pod" if object.get("status").is_some() => None,
            "Pod" => {
                let age = now.saturating_duration_since(entry.created);
                let state = pods::state(object, age, &self.options);
                Some(pods::status(object, &state))
            }
            "Deployment" => {
                let census = self.census(resource, object, now);
                Some(status::deployment(object, &census, since_generation))
            }
            "ReplicaSet" => Some(status::replica_set(
                object,
                &self.census(resource, object, now),
            )),
            "StatefulSet" => Some(status::stateful_set(
                object,
                &self.census(resource, object, now),
            )),
            "ResourceQuota" => {
                let namespace = object["metadata"]["namespace"].as_str().unwrap_or_default();
                let rules = self.quota_rules(namespace);
                let quota = crate::cluster::admission::quota_of(object);
                let used: Map<String, Value> = rules
                    .used_by(&quota)
                    .into_iter()
                    .map(|(r, amount)| {
                        let text = amount.canonical(&r);
                        (r, json!(text))
                    })
                    .collect();
                Some(status::quota(object, &Value::Object(used)))
            }
            kind => {
                let age = Age {
                    since_creation: now.saturating_duration_since(entry.created),
                    since_generation,
                };
                status::status(kind, object, age, &self.options)
            }
        }
    }

    fn next_revision(&mut self) -> String {
        self.revision += 1;
        self.revision.to_string()
    }
}

/// A copy of `object` carrying `status`, when there is one.
fn with_status(object: &Value, status: Option<Value>) -> Value {
    let mut object = object.clone();
    if let (Some(status), Some(map)) = (status, object.as_object_mut()) {
        map.insert("status".into(), status);
    }
    object
}

/// Namespaces always carry their own name as a label.
fn label_namespace(resource: &Resource, name: &str, metadata: &mut Map<String, Value>) {
    if resource != namespaces() {
        return;
    }
    let labels = metadata.entry("labels").or_insert_with(|| json!({}));
    if labels.is_null() {
        *labels = json!({});
    }
    if let Some(labels) = labels.as_object_mut() {
        labels.insert(NAMESPACE_NAME_LABEL.into(), json!(name));
    }
}

/// Now, as Kubernetes writes times.
fn timestamp() -> Value {
    serde_json::to_value(Time(k8s_openapi::jiff::Timestamp::now())).unwrap_or_default()
}

mod admission;
mod apply;
mod census;
mod cold_start;
mod controllers;
mod events;
mod jobs;
mod managers;
mod snapshot;

pub use apply::Applier;
pub use jobs::PodStart;
pub use snapshot::Snapshot;
mod spawn;
#[cfg(test)]
mod tests;
