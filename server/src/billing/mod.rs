//! Billing: what customers pay, through Stripe, and what happens to their stores when they
//! do not.

pub mod config;
pub mod error;
pub mod events;
pub mod lifecycle;
pub mod notices;
pub mod off;
pub mod process;
pub mod signature;
pub mod stripe_api;
pub mod sweep;
pub mod verify;
pub mod webhook;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use app::ports::Billing;

pub use config::BillingConfig;
pub use error::BillingError;
pub use off::BillingOff;
pub use process::Processor;
pub use stripe_api::StripeBilling;

use crate::tenants::TenantService;

/// Why billing cannot start.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    /// The settings are inconsistent.
    #[error(transparent)]
    Config(#[from] config::BillingConfigError),
    /// The Stripe client cannot be built.
    #[error(transparent)]
    Client(#[from] stripe_api::ClientError),
}

/// The billing service for these settings: Stripe when both keys are set, off when neither
/// is; refuses one key without the other.
pub fn service(
    tenants: &TenantService,
    config: &BillingConfig,
    public_url: &url::Url,
) -> Result<Arc<dyn Billing>, SetupError> {
    Ok(match config.keys()? {
        Some(keys) => Arc::new(StripeBilling::new(
            tenants.pool().clone(),
            &keys,
            config,
            public_url,
        )?),
        None => Arc::new(BillingOff),
    })
}

/// The processor of events and decisions over these tenants.
pub fn processor(
    tenants: &TenantService,
    config: &BillingConfig,
    public_url: &url::Url,
) -> Processor {
    Processor::new(tenants.clone(), config, public_url)
}

/// The webhook route (answering 404 while billing is off).
pub fn routes<S: Clone + Send + Sync + 'static>(
    tenants: &TenantService,
    config: &BillingConfig,
    public_url: &url::Url,
) -> Router<S> {
    let webhook = config.keys().ok().flatten().map(|keys| {
        webhook::Webhook::new(
            &keys.webhook_secret,
            config.webhook_tolerance_secs,
            processor(tenants, config, public_url),
        )
    });
    webhook::routes(webhook)
}

/// Starts the periodic sweep when billing is on; it ends when `stop` turns true.
pub fn spawn_sweep(
    tenants: &TenantService,
    config: &BillingConfig,
    public_url: &url::Url,
    stop: watch::Receiver<bool>,
) -> Option<JoinHandle<()>> {
    matches!(config.keys(), Ok(Some(_))).then(|| {
        sweep::spawn(
            processor(tenants, config, public_url),
            Duration::from_secs(config.sweep_secs),
            stop,
        )
    })
}
