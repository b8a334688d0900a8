//! The ceiling a backup cannot beat on this machine: the same dump, `pg_dump --format=custom`
//! piped into `curl --upload-file` to a presigned link, with no control plane around it.

use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use futures_util::stream::{self, StreamExt, TryStreamExt};
use tokio::process::Command;

use crate::cluster::sim::databases::tenant_url;
use crate::storage::Storage;

/// How long a link works, and a dump may run.
const DEADLINE: Duration = Duration::from_secs(3600);

/// One store dumped and uploaded.
pub struct Dumped {
    /// Bytes stored.
    pub bytes: u64,
    /// Milliseconds from the start of its dump to the end of its upload.
    pub millis: i64,
}

/// Dumps and uploads the database of each store in `namespaces`, `parallel` at once, under
/// `bench-ceiling/` in the storage; returns each one's size and time, and the wall time.
pub async fn run(
    admin: &str,
    storage: &Storage,
    namespaces: &[String],
    parallel: usize,
) -> anyhow::Result<(Vec<Dumped>, Duration)> {
    let began = Instant::now();
    let timed: Vec<(String, i64)> = stream::iter(namespaces)
        .map(|namespace| async move {
            let key = format!("bench-ceiling/{namespace}.dump");
            let millis = dump(admin, storage, namespace, &key).await?;
            anyhow::Ok((key, millis))
        })
        .buffer_unordered(parallel)
        .try_collect()
        .await?;
    let wall = began.elapsed();
    let mut dumped = Vec::with_capacity(timed.len());
    for (key, millis) in timed {
        let digest = storage
            .digest(&key)
            .await?
            .with_context(|| format!("storage holds no {key}"))?;
        let _ = storage.delete(&key).await;
        dumped.push(Dumped {
            bytes: digest.size,
            millis,
        });
    }
    Ok((dumped, wall))
}

/// One store's `pg_dump | curl`; returns how long it took in milliseconds.
async fn dump(admin: &str, storage: &Storage, namespace: &str, key: &str) -> anyhow::Result<i64> {
    let url = tenant_url(admin, namespace)
        .with_context(|| format!("{namespace} is not a store's namespace"))?;
    let link = storage.upload_link(key, DEADLINE).await?;
    let began = Instant::now();
    let status = tokio::time::timeout(
        DEADLINE,
        Command::new("bash")
            .arg("-c")
            .arg(r#"set -o pipefail; pg_dump --format=custom "$1" | curl --fail -sS --upload-file - "$2""#)
            .arg("bash")
            .arg(&url)
            .arg(link.as_str())
            .kill_on_drop(true)
            .status(),
    )
    .await
    .with_context(|| format!("pg_dump | curl of {namespace} ran past its deadline"))?
    .context("starting bash")?;
    if !status.success() {
        bail!("pg_dump | curl of {namespace} failed: {status}");
    }
    Ok(i64::try_from(began.elapsed().as_millis())?)
}
