//! The periodic sweep: grace periods and retentions run out without any event, so every
//! subscription is looked at again with the time passed in.

use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinHandle;

use app::domain::Actor;

use super::lifecycle::Action;
use super::process::{Processor, Result};
use crate::db::billing;

/// What one sweep did: the actions taken, per tenant.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Swept {
    /// `(tenant id, action)` for every tenant billing acted on.
    pub actions: Vec<(String, Action)>,
}

/// Looks at every subscription naming a tenant, at `now_ms`, and does what billing decides.
/// The mail a sweep writes is keyed by the subscription and the start of what ran out, so a
/// repeated sweep never sends it twice.
pub async fn sweep(processor: &Processor, now_ms: i64) -> Result<Swept> {
    let mut swept = Swept::default();
    for (subscription_id, subscription) in billing::with_tenants(processor.pool()).await? {
        let since = subscription
            .canceled_at
            .or(subscription.past_due_since)
            .unwrap_or(subscription.status_at);
        let cause = format!("sweep:{subscription_id}:{since}");
        let action = processor
            .act(
                &Actor::system("billing sweep"),
                &subscription,
                &cause,
                now_ms,
            )
            .await?;
        if action != Action::Keep {
            if let Some(tenant) = subscription.tenant_id {
                swept.actions.push((tenant, action));
            }
        }
    }
    Ok(swept)
}

/// Sweeps every `every` until `stop` turns true.
pub fn spawn(
    processor: Processor,
    every: Duration,
    mut stop: watch::Receiver<bool>,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(every.max(Duration::from_secs(1)));
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = ticks.tick() => {
                    if let Err(error) = sweep(&processor, crate::clock::now_ms()).await {
                        tracing::warn!(error = %error, "billing sweep failed");
                    }
                }
                _ = stop.changed() => return,
            }
            if *stop.borrow() {
                return;
            }
        }
    })
}
