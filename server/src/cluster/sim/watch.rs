//! Watches: `GET <collection>?watch=true` answers with a stream, one JSON line per change of
//! the objects its selectors match (`{"type":"MODIFIED","object":{...}}`), as a real API server
//! does. Every object matching when the watch starts comes first as `ADDED`, as for a watch
//! from resource version `0`; the simulation keeps no history to resume from, so any resource
//! version given is answered the same way, which a client's cache takes as a fresh start.
//!
//! The simulated controllers report status computed from time (pods start after a delay,
//! claims are bound a moment after they are made), not written by any request. So a watch
//! looks at the objects every [`TICK`], with their status as of then, and sends what differs
//! from what it sent: a status that changed with time arrives as `MODIFIED`, as a
//! controller's write would. It does not run the controllers itself (that is done by the
//! requests that read the namespace), so watching costs the cluster a read, not a pass; and it
//! copies and sends again only an object whose resource version or status moved.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::http::header::CONTENT_TYPE;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

use super::resources::Resource;
use super::selector::Selector;
use super::store::{Observed, Store};

/// How often a watch looks for changes.
const TICK: Duration = Duration::from_millis(100);

/// How long a watch lasts when the client names no `timeoutSeconds` (a real API server picks
/// between its minimum and twice that, 30 to 60 minutes by default).
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30 * 60);

/// What a watch looks at.
pub struct Watched {
    pub resource: &'static Resource,
    pub namespace: Option<String>,
    pub labels: Selector,
    pub fields: Selector,
    pub timeout: Option<Duration>,
}

/// The streamed answer to a watch over `store`. It ends at its timeout, or when the cluster
/// stops listening (the store's watch epoch moves on).
pub fn respond(store: Arc<Mutex<Store>>, watched: Watched) -> Response {
    let epoch = lock(&store).watch_epoch();
    let deadline = Instant::now() + watched.timeout.unwrap_or(DEFAULT_TIMEOUT);
    let watched = Arc::new(watched);
    let state = (BTreeMap::new(), true);
    let stream = futures_util::stream::unfold(state, move |(mut seen, first)| {
        let (store, watched) = (store.clone(), watched.clone());
        async move {
            if !first {
                tokio::time::sleep(TICK).await;
            }
            loop {
                if Instant::now() >= deadline {
                    return None;
                }
                let events = {
                    let store = lock(&store);
                    if store.watch_epoch() != epoch {
                        return None;
                    }
                    let now = store.observed(
                        watched.resource,
                        watched.namespace.as_deref(),
                        &watched.labels,
                        &watched.fields,
                        Instant::now(),
                    );
                    changes(&mut seen, now)
                };
                if !events.is_empty() {
                    let bytes = Bytes::from(lines(&events));
                    return Some((Ok::<_, Infallible>(bytes), (seen, false)));
                }
                tokio::time::sleep(TICK).await;
            }
        }
    });
    (
        StatusCode::OK,
        [(CONTENT_TYPE, "application/json")],
        Body::from_stream(stream),
    )
        .into_response()
}

/// What a watch last sent of an object: its resource version and status, which tell
/// whether it changed, and the object, for the `DELETED` event.
#[derive(Debug)]
pub struct Sent {
    version: String,
    status: Option<Value>,
    object: Value,
}

/// The watch events that take `seen` (objects by namespace and name, as last sent) to the
/// objects `now` holds, oldest key first; `seen` is brought up to date. Only an object whose
/// resource version or status moved is rendered and sent again.
pub fn changes(seen: &mut BTreeMap<String, Sent>, now: Vec<Observed<'_>>) -> Vec<Value> {
    let mut events = Vec::new();
    let mut kept = BTreeMap::new();
    for observed in now {
        let key = format!("{}/{}", observed.namespace, observed.name);
        let before = seen.remove(&key);
        let same = before.as_ref().is_some_and(|before| {
            before.version == observed.version() && before.status == observed.status
        });
        let sent = match before {
            Some(before) if same => before,
            before => {
                let object = observed.rendered();
                let kind = if before.is_some() {
                    "MODIFIED"
                } else {
                    "ADDED"
                };
                events.push(json!({ "type": kind, "object": object }));
                Sent {
                    version: observed.version().to_owned(),
                    status: observed.status,
                    object,
                }
            }
        };
        kept.insert(key, sent);
    }
    for (_, gone) in std::mem::replace(seen, kept) {
        events.push(json!({ "type": "DELETED", "object": gone.object }));
    }
    events
}

fn lines(events: &[Value]) -> String {
    events.iter().fold(String::new(), |mut text, event| {
        text.push_str(&event.to_string());
        text.push('\n');
        text
    })
}

fn lock(store: &Mutex<Store>) -> std::sync::MutexGuard<'_, Store> {
    store.lock().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    use futures_util::StreamExt;
    use k8s_openapi::api::apps::v1::Deployment;
    use k8s_openapi::api::core::v1::Namespace;
    use kube::api::{Api, Patch, PatchParams, PostParams, WatchEvent, WatchParams};

    use crate::cluster::sim::{SimCluster, SimOptions};

    /// A Deployment's pods start a moment after it is applied, with no request in between:
    /// a watch on it is told, as a real controller's status write would tell it.
    #[tokio::test]
    async fn a_watch_is_told_when_a_deployment_becomes_available_with_time() {
        let sim = SimCluster::start(SimOptions {
            ready_delay: Duration::from_millis(200),
            ..SimOptions::default()
        })
        .await
        .unwrap();
        let namespace: Namespace =
            serde_json::from_value(json!({ "metadata": { "name": "shop" } })).unwrap();
        Api::<Namespace>::all(sim.client())
            .create(&PostParams::default(), &namespace)
            .await
            .unwrap();
        let api: Api<Deployment> = Api::namespaced(sim.client(), "shop");
        let deployment = json!({
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": { "name": "web", "labels": { "app": "web" } },
            "spec": {
                "replicas": 1,
                "selector": { "matchLabels": { "app": "web" } },
                "template": {
                    "metadata": { "labels": { "app": "web" } },
                    "spec": { "containers": [{ "name": "web", "image": "nginx" }] },
                },
            },
        });
        api.patch(
            "web",
            &PatchParams::apply("test"),
            &Patch::Apply(&deployment),
        )
        .await
        .unwrap();

        let params = WatchParams::default().labels("app=web").timeout(10);
        let mut events = std::pin::pin!(api.watch(&params, "0").await.unwrap());
        let mut seen = Vec::new();
        while let Some(event) = events.next().await {
            let (kind, object) = match event.unwrap() {
                WatchEvent::Added(object) => ("ADDED", object),
                WatchEvent::Modified(object) => ("MODIFIED", object),
                other => panic!("unexpected {other:?}"),
            };
            let ready = object
                .status
                .and_then(|status| status.ready_replicas)
                .unwrap_or(0);
            seen.push((kind, ready));
            if ready == 1 {
                break;
            }
        }
        assert_eq!(seen.first(), Some(&("ADDED", 0)), "{seen:?}");
        assert_eq!(seen.last(), Some(&("MODIFIED", 1)), "{seen:?}");

        // Labels select: a watch for another app hears nothing of this one.
        let others = WatchParams::default().labels("app=other").timeout(1);
        let heard = api.watch(&others, "0").await.unwrap().count().await;
        assert_eq!(heard, 0);
        sim.stop().await.unwrap();
    }

    fn pod(name: &str, version: &str) -> Value {
        json!({ "metadata": { "namespace": "shop", "name": name, "resourceVersion": version } })
    }

    fn observed<'a>(objects: &'a [(Value, bool)]) -> Vec<Observed<'a>> {
        objects
            .iter()
            .map(|(object, ready)| Observed {
                namespace: "shop",
                name: object["metadata"]["name"].as_str().unwrap(),
                object,
                status: Some(json!({ "ready": ready })),
            })
            .collect()
    }

    fn types(events: &[Value]) -> Vec<(String, String)> {
        events
            .iter()
            .map(|e| {
                (
                    e["type"].as_str().unwrap().to_owned(),
                    e["object"]["metadata"]["name"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    }

    #[test]
    fn a_watch_sends_what_is_there_then_what_changed() {
        let mut seen = BTreeMap::new();
        let (a, b, c) = (pod("a", "1"), pod("b", "2"), pod("c", "3"));
        let first = changes(
            &mut seen,
            observed(&[(a.clone(), false), (b.clone(), false)]),
        );
        assert_eq!(
            types(&first),
            [("ADDED".into(), "a".into()), ("ADDED".into(), "b".into())]
        );

        let unchanged = changes(
            &mut seen,
            observed(&[(a.clone(), false), (b.clone(), false)]),
        );
        assert!(unchanged.is_empty(), "nothing changed, nothing is sent");

        // a's status moves with time, b is deleted, c is new.
        let later = changes(&mut seen, observed(&[(a.clone(), true), (c, false)]));
        assert_eq!(
            types(&later),
            [
                ("MODIFIED".into(), "a".into()),
                ("ADDED".into(), "c".into()),
                ("DELETED".into(), "b".into()),
            ]
        );
        assert_eq!(later[0]["object"]["status"]["ready"], true);
        assert_eq!(seen.len(), 2);

        // A write moves a's resource version: sent again with the same status.
        let written = changes(
            &mut seen,
            observed(&[(pod("a", "4"), true), (pod("c", "3"), false)]),
        );
        assert_eq!(types(&written), [("MODIFIED".into(), "a".into())]);
        assert_eq!(written[0]["object"]["metadata"]["resourceVersion"], "4");
    }
}
