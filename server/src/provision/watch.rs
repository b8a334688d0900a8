//! Readiness by watches: the engine watches the kinds its waiting steps read (claims,
//! StatefulSets, Deployments, Services, Ingresses, and Warning events), cluster-wide and by
//! its own label, and makes the waiting jobs of a tenant whose objects changed due at once.
//! While every watch is open, a waiting step looks again only after [`WATCHED_POLL`]: the
//! watch wakes it sooner. Steps stay level-triggered: a wake-up only makes a job look again,
//! and a missed one costs at most that long.

use std::collections::BTreeSet;
use std::fmt::Debug;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use futures_util::{StreamExt, TryStreamExt};
use k8s_openapi::api::apps::v1::{Deployment, StatefulSet};
use k8s_openapi::api::core::v1::{Event, PersistentVolumeClaim, Service};
use k8s_openapi::api::networking::v1::Ingress;
use kube::api::{Api, WatchEvent, WatchParams};
use kube::{Client, ResourceExt};
use serde::de::DeserializeOwned;
use sqlx::AnyPool;
use tokio::sync::{mpsc, watch, Notify};

use super::labels::{MANAGED_BY, MANAGER};
use crate::clock::now_ms;
use crate::db::jobs;

/// How often a waiting step looks again without a watch.
pub const POLL: Duration = Duration::from_millis(500);

/// How often a waiting step looks again while the watches are open.
pub const WATCHED_POLL: Duration = Duration::from_secs(5);

/// How long one watch request lasts before it is opened again, under the client's read
/// timeout.
const WATCH_SECONDS: u32 = 25;

/// How long to wait before opening a watch the cluster refused or cut.
const REOPEN_AFTER: Duration = Duration::from_secs(1);

/// How long changes are gathered before the jobs they concern are made due, so a burst of
/// changes (a Deployment, its pods' status) is one database write.
const GATHER: Duration = Duration::from_millis(10);

/// The kinds watched: what the waiting steps read.
const KINDS: usize = 6;

/// Whether the engine's watches are all open, shared between the watches and the engine.
#[derive(Debug, Clone, Default)]
pub struct Watching(Arc<AtomicUsize>);

impl Watching {
    /// How long a waiting step waits before it looks again.
    pub fn poll(&self) -> Duration {
        if self.0.load(Ordering::Acquire) >= KINDS {
            WATCHED_POLL
        } else {
            POLL
        }
    }

    fn opened(&self) {
        self.0.fetch_add(1, Ordering::AcqRel);
    }

    fn closed(&self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

/// The engine's watches over one cluster.
pub struct ClusterWatch {
    client: Client,
    pool: AnyPool,
    /// The tenants' namespaces are `<prefix>-<namespace key>`.
    prefix: String,
    /// Wakes the worker when jobs were made due.
    wake: Arc<Notify>,
    watching: Watching,
}

impl ClusterWatch {
    /// Watches over the cluster `client` drives, for the tenants whose namespaces begin with
    /// `namespace_prefix`, making their jobs due in `pool` and waking the worker with `wake`.
    pub fn new(
        client: Client,
        pool: AnyPool,
        namespace_prefix: &str,
        wake: Arc<Notify>,
        watching: Watching,
    ) -> Self {
        Self {
            client,
            pool,
            prefix: format!("{namespace_prefix}-"),
            wake,
            watching,
        }
    }

    /// Watches until `shutdown`.
    pub async fn run(self, shutdown: watch::Receiver<bool>) {
        let (changed, mut changes) = mpsc::channel::<String>(1024);
        let ours = WatchParams::default()
            .labels(&format!("{MANAGED_BY}={MANAGER}"))
            .timeout(WATCH_SECONDS);
        let warnings = WatchParams::default()
            .fields("type=Warning")
            .timeout(WATCH_SECONDS);
        let mut watches = tokio::task::JoinSet::new();
        let follow = |params: &WatchParams| Follow {
            client: self.client.clone(),
            params: params.clone(),
            changed: changed.clone(),
            watching: self.watching.clone(),
            shutdown: shutdown.clone(),
        };
        watches.spawn(follow(&ours).run::<PersistentVolumeClaim>());
        watches.spawn(follow(&ours).run::<StatefulSet>());
        watches.spawn(follow(&ours).run::<Deployment>());
        watches.spawn(follow(&ours).run::<Service>());
        watches.spawn(follow(&ours).run::<Ingress>());
        watches.spawn(follow(&warnings).run::<Event>());
        drop(changed);
        let mut stop = shutdown.clone();
        loop {
            let first = tokio::select! {
                _ = stop.changed() => break,
                first = changes.recv() => first,
            };
            let Some(first) = first else { break };
            tokio::time::sleep(GATHER).await;
            let mut namespaces = BTreeSet::from([first]);
            while let Ok(more) = changes.try_recv() {
                namespaces.insert(more);
            }
            let keys: Vec<String> = namespaces
                .iter()
                .filter_map(|namespace| namespace.strip_prefix(&self.prefix))
                .map(str::to_owned)
                .collect();
            self.wake_for(&keys).await;
        }
        watches.shutdown().await;
    }

    async fn wake_for(&self, keys: &[String]) {
        for chunk in keys.chunks(500) {
            match jobs::wake_waiting(&self.pool, chunk, now_ms()).await {
                Ok(0) => {}
                Ok(_) => self.wake.notify_one(),
                Err(error) => {
                    tracing::warn!(%error, "making the jobs of changed tenants due failed");
                }
            }
        }
    }
}

/// One kind's watch, opened again whenever it ends.
struct Follow {
    client: Client,
    params: WatchParams,
    changed: mpsc::Sender<String>,
    watching: Watching,
    shutdown: watch::Receiver<bool>,
}

impl Follow {
    async fn run<K>(self)
    where
        K: kube::Resource<DynamicType = ()> + Clone + Debug + DeserializeOwned + Send + 'static,
    {
        let api: Api<K> = Api::all(self.client.clone());
        let mut shutdown = self.shutdown.clone();
        // Where the next watch resumes: "0" is "from what the cluster has now", every object
        // sent as added (a wake-up for every waiting job, which only makes them look again).
        let mut version = "0".to_owned();
        loop {
            let ended = tokio::select! {
                _ = shutdown.changed() => return,
                ended = self.follow(&api, &mut version) => ended,
            };
            if let Err(error) = ended {
                tracing::debug!(kind = %K::kind(&()), %error, "a watch ended; opening it again");
                version = "0".to_owned();
                tokio::select! {
                    _ = shutdown.changed() => return,
                    () = tokio::time::sleep(REOPEN_AFTER) => {}
                }
            }
        }
    }

    /// Follows one watch request to its end, keeping `version` at the last one seen.
    async fn follow<K>(&self, api: &Api<K>, version: &mut String) -> Result<(), String>
    where
        K: kube::Resource<DynamicType = ()> + Clone + Debug + DeserializeOwned + Send + 'static,
    {
        let stream = api
            .watch(&self.params, version)
            .await
            .map_err(|e| e.to_string())?;
        self.watching.opened();
        let followed = async {
            let mut stream = std::pin::pin!(stream.map_err(|e| e.to_string()));
            while let Some(event) = stream.next().await {
                let object = match event? {
                    WatchEvent::Added(object)
                    | WatchEvent::Modified(object)
                    | WatchEvent::Deleted(object) => object,
                    WatchEvent::Bookmark(bookmark) => {
                        *version = bookmark.metadata.resource_version;
                        continue;
                    }
                    // 410 Gone: the version is too old to resume from.
                    WatchEvent::Error(status) => return Err(status.message),
                };
                if let Some(seen) = object.resource_version() {
                    *version = seen;
                }
                if let Some(namespace) = object.namespace() {
                    if self.changed.send(namespace).await.is_err() {
                        return Ok(());
                    }
                }
            }
            Ok(())
        }
        .await;
        self.watching.closed();
        followed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waiting_steps_look_again_less_often_only_while_every_watch_is_open() {
        let watching = Watching::default();
        assert_eq!(watching.poll(), POLL);
        for _ in 0..KINDS - 1 {
            watching.opened();
        }
        assert_eq!(watching.poll(), POLL, "one kind is not watched yet");
        watching.opened();
        assert_eq!(watching.poll(), WATCHED_POLL);
        watching.closed();
        assert_eq!(watching.poll(), POLL, "a watch was cut");
    }
}
