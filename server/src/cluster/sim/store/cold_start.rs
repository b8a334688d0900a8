//! Cold starts: a real cluster pulls each image once before any pod using it starts, and a
//! database initialises a new volume before it is ready. A pod slower than `ready_delay` for
//! either carries when it will be ready as an annotation, so its state stays a pure function
//! of its age.

use std::time::Instant;

use serde_json::{json, Value};

use super::Store;
use crate::cluster::sim::pods::STARTS_AFTER;

impl Store {
    /// After a restart: the images of the pods it holds were pulled, and the namespaces with a
    /// database pod have initialised their data, as a real cluster's nodes and volumes keep.
    pub(super) fn remember_cold_starts(&mut self, now: Instant) {
        let pods = self
            .objects
            .iter()
            .filter(|(key, _)| key.plural == "pods")
            .map(|(key, entry)| (key.namespace.clone(), &entry.object));
        let mut pulled = Vec::new();
        let mut initialised = Vec::new();
        for (namespace, pod) in pods {
            let containers = pod["spec"]["containers"].as_array().into_iter().flatten();
            pulled.extend(containers.filter_map(|c| c["image"].as_str().map(str::to_owned)));
            let owner = &pod["metadata"]["ownerReferences"][0]["kind"];
            if owner == "StatefulSet" {
                initialised.push(namespace);
            }
        }
        for image in pulled {
            self.pulled.insert(image, now);
        }
        for namespace in initialised {
            self.initialised.insert(namespace, now);
        }
    }

    /// Decides when a new pod of `owner` is ready, pulling its images and initialising its
    /// namespace's database as needed, and notes it on the pod when that is later than
    /// `ready_delay`.
    pub(super) fn schedule_start(&mut self, owner: &Value, pod: &mut Value, now: Instant) {
        let pull = self.options.image_pull_delay;
        let images: Vec<String> = pod["spec"]["containers"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|c| c["image"].as_str().map(str::to_owned))
            .collect();
        let mut running = now;
        for image in images {
            let pulled = *self.pulled.entry(image).or_insert(now + pull);
            running = running.max(pulled);
        }
        let mut ready = running + self.options.ready_delay;
        if owner["kind"] == "StatefulSet" {
            let namespace = pod["metadata"]["namespace"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            let init = self.options.database_init_delay;
            let initialised = *self.initialised.entry(namespace).or_insert(ready + init);
            ready = ready.max(initialised);
        }
        let delay = ready.saturating_duration_since(now);
        if delay > self.options.ready_delay {
            let ms = delay.as_millis().to_string();
            let annotations = &mut pod["metadata"]["annotations"];
            if annotations.is_null() {
                *annotations = json!({});
            }
            annotations[STARTS_AFTER] = json!(ms);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::cluster::sim::pods::start_delay;
    use crate::cluster::sim::SimOptions;

    fn options() -> SimOptions {
        SimOptions {
            ready_delay: Duration::from_secs(1),
            image_pull_delay: Duration::from_secs(20),
            database_init_delay: Duration::from_secs(10),
            ..SimOptions::default()
        }
    }

    fn pod(namespace: &str, image: &str) -> Value {
        json!({
            "metadata": { "name": "p", "namespace": namespace },
            "spec": { "containers": [{ "name": "c", "image": image }] },
        })
    }

    fn started(store: &mut Store, owner: &str, mut pod: Value, at: Instant) -> Duration {
        store.schedule_start(&json!({ "kind": owner }), &mut pod, at);
        start_delay(&pod, &options())
    }

    #[test]
    fn an_image_is_pulled_once_for_the_whole_cluster() {
        let (mut store, now) = (Store::new(options()), Instant::now());
        let first = started(&mut store, "Deployment", pod("a", "shop:1"), now);
        assert_eq!(first, Duration::from_secs(21), "pulled, then ready");
        let meanwhile = started(
            &mut store,
            "Deployment",
            pod("b", "shop:1"),
            now + Duration::from_secs(5),
        );
        assert_eq!(
            meanwhile,
            Duration::from_secs(16),
            "waits for the same pull"
        );
        let later = started(
            &mut store,
            "Deployment",
            pod("c", "shop:1"),
            now + Duration::from_secs(60),
        );
        assert_eq!(later, Duration::from_secs(1), "the image is there");
    }

    #[test]
    fn a_database_initialises_its_volume_once_per_namespace() {
        let (mut store, now) = (Store::new(options()), Instant::now());
        let first = started(&mut store, "StatefulSet", pod("a", "postgres:16"), now);
        assert_eq!(first, Duration::from_secs(31), "pull, start, initialise");
        let restarted = started(
            &mut store,
            "StatefulSet",
            pod("a", "postgres:16"),
            now + Duration::from_secs(60),
        );
        assert_eq!(restarted, Duration::from_secs(1), "its data is there");
        let other = started(
            &mut store,
            "StatefulSet",
            pod("b", "postgres:16"),
            now + Duration::from_secs(60),
        );
        assert_eq!(
            other,
            Duration::from_secs(11),
            "a new namespace initialises its own"
        );
    }

    #[test]
    fn a_restarted_cluster_remembers_its_pulled_images_and_initialised_data() {
        let (mut store, now) = (Store::new(options()), Instant::now());
        let mut database = pod("a", "postgres:16");
        database["metadata"]["ownerReferences"] = json!([{ "kind": "StatefulSet" }]);
        let key = super::super::Key {
            plural: "pods",
            namespace: "a".into(),
            name: "database-0".into(),
        };
        let entry = super::super::Entry {
            object: database,
            created: now,
            generation_changed: now,
            managers: Default::default(),
        };
        store.objects.insert(key, entry);
        store.remember_cold_starts(now);
        let later = now + Duration::from_secs(5);
        let again = started(&mut store, "StatefulSet", pod("a", "postgres:16"), later);
        assert_eq!(
            again,
            Duration::from_secs(1),
            "pulled and initialised before"
        );
        let elsewhere = started(&mut store, "StatefulSet", pod("b", "postgres:16"), later);
        assert_eq!(
            elsewhere,
            Duration::from_secs(11),
            "pulled, but a new volume"
        );
    }
}
