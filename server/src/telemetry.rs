//! Structured logs through `tracing`, filtered by `RUST_LOG`.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use tracing::{Event, Level, Subscriber};
use tracing_subscriber::filter::Targets;
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{fmt, EnvFilter, Layer};

/// Installs the log subscriber: human-readable lines, or JSON when
/// `STOREFLEET_LOG_FORMAT=json`. Safe to call more than once (later calls do nothing).
pub fn init() {
    install(None);
}

/// Installs the log subscriber as [`init`] does, and counts every statement the database
/// pools run (sqlx reports each one as a `sqlx::query` event), for benchmarks.
pub fn init_counting_statements() -> Statements {
    let statements = Statements::default();
    install(Some(statements.clone()));
    statements
}

fn install(statements: Option<Statements>) {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_sessions=warn"));
    let json = std::env::var("STOREFLEET_LOG_FORMAT").is_ok_and(|v| v == "json");
    let lines = if json {
        fmt::layer().json().with_writer(std::io::stderr).boxed()
    } else {
        fmt::layer().with_writer(std::io::stderr).boxed()
    };
    let counter = statements.map(|statements| {
        statements.with_filter(Targets::new().with_target("sqlx::query", Level::TRACE))
    });
    let _ = tracing_subscriber::registry()
        .with(lines.with_filter(filter))
        .with(counter)
        .try_init();
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
