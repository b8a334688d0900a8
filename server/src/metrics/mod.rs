//! Metrics for Prometheus, served on `/metrics` in the OpenMetrics text format through
//! `prometheus-client`: what this process measures as it works (HTTP latency by route, job
//! step durations by kind and step, calls to the cluster by verb and resource), and the fleet as the database holds it, read at each
//! scrape (stores by state and plan, jobs by kind and state, the job queue's depth and its
//! oldest wait, the outbox's pending mail and its oldest, backups by state). The database's
//! figures are the same whichever replica is scraped.
//!
//! Only a caller with the configured bearer token (`STOREFLEET_METRICS_TOKEN`) may read them;
//! without one the endpoint answers 404.

pub mod fleet;

use std::sync::LazyLock;
use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;
use sqlx::AnyPool;

use crate::db::DbError;

/// Why the metrics could not be served.
#[derive(Debug, thiserror::Error)]
pub enum MetricsError {
    /// The database could not be read.
    #[error(transparent)]
    Db(#[from] DbError),
    /// The text could not be written.
    #[error("writing the metrics: {0}")]
    Write(#[from] std::fmt::Error),
}

/// A job step, as its duration is counted.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct StepLabels {
    /// The job's kind, e.g. `provision`.
    pub kind: String,
    /// The step, e.g. `workloads`.
    pub step: String,
}

/// An answered request, as its latency is counted.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RequestLabels {
    /// The route's pattern, e.g. `/stores/{subdomain}`: never the path itself, whose
    /// subdomains and ids would make a series each.
    pub route: String,
    /// `GET`, `POST`, …
    pub method: String,
    /// The status class: `2xx`, `4xx`, …
    pub status: String,
}

/// A Stripe event received, as it is counted.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct WebhookLabels {
    /// Its type, e.g. `invoice.paid`; `unknown` when it could not be read.
    pub r#type: String,
    /// `handled`, `duplicate`, `failed` (answered 500, Stripe sends it again), `refused` (bad
    /// signature) or `unreadable`.
    pub outcome: String,
}

/// A call to the cluster's API server, as its latency is counted.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ClusterLabels {
    /// The verb, as RBAC names it (`get`, `list`, `watch`, `create`, `update`, `patch`,
    /// `delete`, `deletecollection`); a server-side apply is a `patch`.
    pub verb: String,
    /// The resource, e.g. `deployments` or `pods/log`.
    pub resource: String,
}

/// A call to the cluster that failed, as it is counted.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ClusterErrorLabels {
    /// The verb.
    pub verb: String,
    /// The resource.
    pub resource: String,
    /// The HTTP status of the answer (`404`, `409`, `503`, …), or `unreachable` when none came.
    pub answer: String,
}

/// A read of a job's progress for the pages watching it, as it is counted.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ProgressReadLabels {
    /// `catch_up`: a watched job's first read in this process, which its watchers catch up
    /// from; `fan_out`: the job read again for them all (a word without the change, a missed
    /// change, the fallback period).
    pub reason: String,
}

/// What this process measures, kept for its lifetime.
struct Process {
    requests: Family<RequestLabels, Histogram>,
    cluster_calls: Family<ClusterLabels, Histogram>,
    cluster_errors: Family<ClusterErrorLabels, Counter>,
    steps: Family<StepLabels, Histogram>,
    ready: Histogram,
    webhooks: Family<WebhookLabels, Counter>,
    progress_reads: Family<ProgressReadLabels, Counter>,
}

fn request_buckets() -> Histogram {
    // 1 ms to about 8 s.
    Histogram::new(exponential_buckets(0.001, 2.0, 14))
}

fn step_buckets() -> Histogram {
    // 10 ms to about 40 min.
    Histogram::new(exponential_buckets(0.01, 2.0, 18))
}

static PROCESS: LazyLock<Process> = LazyLock::new(|| Process {
    requests: Family::new_with_constructor(request_buckets),
    cluster_calls: Family::new_with_constructor(request_buckets),
    cluster_errors: Family::default(),
    steps: Family::new_with_constructor(step_buckets),
    ready: step_buckets(),
    webhooks: Family::default(),
    progress_reads: Family::default(),
});

/// Counts a store ready for the first time, `took_ms` after it was signed up for.
pub fn signed_up_to_ready(took_ms: i64) {
    PROCESS.ready.observe(took_ms.max(0) as f64 / 1000.0);
}

/// Counts a Stripe event received.
pub fn webhook_event(kind: &str, outcome: &str) {
    PROCESS
        .webhooks
        .get_or_create(&WebhookLabels {
            r#type: kind.to_owned(),
            outcome: outcome.to_owned(),
        })
        .inc();
}

/// Counts a finished job step that took `took`.
pub fn step_done(kind: &str, step: &str, took: Duration) {
    PROCESS
        .steps
        .get_or_create(&StepLabels {
            kind: kind.to_owned(),
            step: step.to_owned(),
        })
        .observe(took.as_secs_f64());
}

/// Counts a call to the cluster that took `took` and was answered with `status` (`None`: no
/// answer came).
pub fn cluster_call(verb: &str, resource: &str, status: Option<u16>, took: Duration) {
    let labels = ClusterLabels {
        verb: verb.to_owned(),
        resource: resource.to_owned(),
    };
    PROCESS
        .cluster_calls
        .get_or_create(&labels)
        .observe(took.as_secs_f64());
    let answer = match status {
        Some(code) if code < 400 => return,
        Some(code) => code.to_string(),
        None => "unreachable".to_owned(),
    };
    PROCESS
        .cluster_errors
        .get_or_create(&ClusterErrorLabels {
            verb: labels.verb,
            resource: labels.resource,
            answer,
        })
        .inc();
}

/// Counts a read of a job's progress for its watchers, for `reason` (see
/// [`ProgressReadLabels`]).
pub fn progress_read(reason: &str) {
    PROCESS
        .progress_reads
        .get_or_create(&ProgressReadLabels {
            reason: reason.to_owned(),
        })
        .inc();
}

/// Counts an answered request.
pub fn request_done(labels: &RequestLabels, took: Duration) {
    PROCESS
        .requests
        .get_or_create(labels)
        .observe(took.as_secs_f64());
}

/// Everything, as the scrape's text: the process's measures and the fleet read now.
pub async fn render(pool: &AnyPool) -> Result<String, MetricsError> {
    let mut registry = Registry::with_prefix("storefleet");
    registry.register(
        "http_request_duration_seconds",
        "Time to answer a request, by route, method and status class",
        PROCESS.requests.clone(),
    );
    registry.register(
        "cluster_request_duration_seconds",
        "Time the cluster's API server took to answer, by verb and resource",
        PROCESS.cluster_calls.clone(),
    );
    registry.register(
        "cluster_request_errors",
        "Calls to the cluster's API server that failed, by verb, resource and answer",
        PROCESS.cluster_errors.clone(),
    );
    registry.register(
        "job_step_duration_seconds",
        "Time a job step took from its first attempt to its end, by job kind and step",
        PROCESS.steps.clone(),
    );
    registry.register(
        "signup_to_ready_seconds",
        "Time from a store's sign-up to its first being ready",
        PROCESS.ready.clone(),
    );
    registry.register(
        "webhook_events",
        "Stripe events received, by type and outcome",
        PROCESS.webhooks.clone(),
    );
    registry.register(
        "progress_reads",
        "Reads of jobs' progress for the pages watching them, by reason",
        PROCESS.progress_reads.clone(),
    );
    fleet::register(&mut registry, pool).await?;
    let mut text = String::new();
    prometheus_client::encoding::text::encode(&mut text, &registry)?;
    Ok(text)
}
