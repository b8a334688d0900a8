//! Structured logs through `tracing`, filtered by `RUST_LOG`; and, when a collector is
//! configured, the same spans (requests, server functions, job steps) as OpenTelemetry traces.

mod otlp;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use clap::Args;
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::filter::Targets;
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{fmt, EnvFilter, Layer};
use url::Url;

/// Where traces go.
#[derive(Debug, Clone, Args)]
pub struct TracingConfig {
    /// An OpenTelemetry collector's OTLP/HTTP address, e.g. `http://otel-collector:4318`:
    /// every request, server function and job step is sent there as a span, with the tenant
    /// and job it concerns. Unset: no traces are sent.
    #[arg(long = "otlp-endpoint", env = "OTEL_EXPORTER_OTLP_ENDPOINT")]
    pub otlp_endpoint: Option<Url>,

    /// The service name traces carry.
    #[arg(
        long = "otel-service-name",
        env = "OTEL_SERVICE_NAME",
        default_value = "storefleet"
    )]
    pub service_name: String,
}

impl Default for TracingConfig {
    fn default() -> Self {
        Self {
            otlp_endpoint: None,
            service_name: "storefleet".to_owned(),
        }
    }
}

/// The spans exported as traces: storefleet's own, at info and above.
fn traced() -> Targets {
    Targets::new()
        .with_target("server", Level::INFO)
        .with_target("app", Level::INFO)
}

/// What was installed; [`Telemetry::shutdown`] sends the traces still buffered.
#[must_use = "shut it down at exit, or the last traces are lost"]
pub struct Telemetry {
    traces: Option<SdkTracerProvider>,
}

impl Telemetry {
    /// Sends what is buffered and stops exporting.
    pub async fn shutdown(self) {
        if let Some(provider) = self.traces {
            let flushed = tokio::task::spawn_blocking(move || provider.shutdown()).await;
            if let Ok(Err(error)) = flushed {
                eprintln!("warning: sending the last traces failed: {error}");
            }
        }
    }
}

/// Installs the log subscriber: human-readable lines, or JSON when
/// `STOREFLEET_LOG_FORMAT=json`; and the trace exporter when `tracing` names a collector.
/// Safe to call more than once (later calls install nothing).
pub fn init(tracing: Option<&TracingConfig>) -> Telemetry {
    let exporter = tracing
        .map(otlp::provider)
        .transpose()
        .unwrap_or_else(|error| {
            eprintln!("warning: traces are off: the OTLP exporter could not be built: {error}");
            None
        });
    let (provider, tracer) = match exporter.flatten() {
        Some((provider, tracer)) => (Some(provider), Some(tracer)),
        None => (None, None),
    };
    let traces = tracer.map(|tracer| {
        tracing_opentelemetry::layer()
            .with_tracer(tracer)
            .with_filter(traced())
    });
    let installed = tracing_subscriber::registry()
        .with(lines())
        .with(traces)
        .try_init()
        .is_ok();
    Telemetry {
        traces: provider.filter(|_| installed),
    }
}

/// Installs the log subscriber as [`init`] does, and counts every statement the database
/// pools run (sqlx reports each one as a `sqlx::query` event), for benchmarks.
pub fn init_counting_statements() -> Statements {
    let statements = Statements::default();
    let counter = statements
        .clone()
        .with_filter(Targets::new().with_target("sqlx::query", Level::TRACE));
    let _ = tracing_subscriber::registry()
        .with(lines())
        .with(counter)
        .try_init();
    statements
}

/// Log lines on standard error, filtered by `RUST_LOG`.
fn lines<S>() -> impl Layer<S>
where
    S: Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
{
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_sessions=warn"));
    let json = std::env::var("STOREFLEET_LOG_FORMAT").is_ok_and(|v| v == "json");
    let lines = if json {
        fmt::layer().json().with_writer(std::io::stderr).boxed()
    } else {
        fmt::layer().with_writer(std::io::stderr).boxed()
    };
    lines.with_filter(filter)
}

/// How many database statements have run since [`init_counting_statements`].
#[derive(Debug, Clone, Default)]
pub struct Statements(Arc<AtomicU64>);

impl Statements {
    /// Statements run so far.
    pub fn count(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

impl<S: Subscriber> Layer<S> for Statements {
    fn on_event(&self, _event: &Event<'_>, _ctx: Context<'_, S>) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }
}
