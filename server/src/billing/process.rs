//! Handling a verified Stripe event once, and doing to the tenant what billing decides. The
//! webhook and the sweep both come through here.

use app::domain::audit::action as audit_action;
use app::domain::Actor;

use super::events::{Observed, StripeEvent};
use super::lifecycle::{self, Action, Periods, Subscription, SuspendReason, TenantFacts};
use super::notices::{self, Recipient};
use crate::audit::Recorder;
use crate::db::tenants::{self, TenantRecord};
use crate::db::{billing, outbox, users, DbError};
use crate::tenants::{Move, MoveError, TenantService};

/// Why an event could not be handled (it is then not recorded, and Stripe sends it again).
#[derive(Debug, thiserror::Error)]
pub enum ProcessError {
    /// The database failed.
    #[error(transparent)]
    Db(#[from] DbError),
    /// The database failed inside a transaction.
    #[error(transparent)]
    Sqlx(#[from] sqlx::Error),
}

/// Result of handling events.
pub type Result<T, E = ProcessError> = std::result::Result<T, E>;

fn recipient<'a>(email: &'a str, tenant: &'a TenantRecord) -> Recipient<'a> {
    Recipient {
        email,
        subdomain: tenant.subdomain.as_str(),
    }
}

/// What came of an event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Already handled before: nothing done.
    Duplicate,
    /// Recorded; `action` is what was done to the tenant.
    Handled {
        /// What billing decided for the tenant.
        action: Action,
    },
}

/// Handles events and applies billing's decisions.
#[derive(Clone)]
pub struct Processor {
    tenants: TenantService,
    audit: Recorder,
    periods: Periods,
    grace_days: u32,
    public_url: String,
}

impl Processor {
    /// A processor over the tenant service, with these periods.
    pub fn new(
        tenants: TenantService,
        config: &super::config::BillingConfig,
        public_url: &url::Url,
    ) -> Self {
        Self {
            audit: Recorder::new(tenants.pool().clone()),
            tenants,
            periods: config.periods(),
            grace_days: config.grace_days,
            public_url: public_url.as_str().trim_end_matches('/').to_owned(),
        }
    }

    pub(super) fn pool(&self) -> &sqlx::AnyPool {
        self.tenants.pool()
    }

    /// Records the event (once: a redelivery is a [`Outcome::Duplicate`]), folds it into its
    /// subscription, writes the owner's mail when a grace period starts, all in one
    /// transaction; then does what billing decides for the tenant.
    pub async fn handle(&self, event: &StripeEvent, now: i64) -> Result<Outcome> {
        let mut tx = self.pool().begin().await?;
        if !billing::insert_event(&mut tx, &event.id, &event.kind, event.created_ms, now).await? {
            return Ok(Outcome::Duplicate);
        }
        let Some(change) = &event.change else {
            tx.commit().await?;
            return Ok(Outcome::Handled {
                action: Action::Keep,
            });
        };
        let current = billing::lock(&mut tx, &change.subscription_id, now).await?;
        let (next, grace_started) = lifecycle::apply(&current, change, event.created_ms);
        billing::save(&mut tx, &change.subscription_id, &next, now).await?;
        if grace_started {
            if let Some(tenant_id) = &next.tenant_id {
                self.write_grace_mail(&mut tx, tenant_id, &event.id, now)
                    .await?;
            }
        }
        tx.commit().await?;
        tracing::info!(event = %event.id, kind = %event.kind, subscription = %change.subscription_id,
                       status = next.status.as_str(), "stripe event recorded");
        // The tenant's move is its own transaction: if it fails here, the event stays
        // recorded and the sweep, deciding from the same stored subscription, makes it.
        let action = self
            .act(&Actor::webhook("stripe"), &next, &event.id, now)
            .await?;
        Ok(Outcome::Handled { action })
    }

    async fn write_grace_mail(
        &self,
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        tenant_id: &str,
        event_id: &str,
        now: i64,
    ) -> Result<()> {
        // Read in the transaction: a read from the pool could wait for a connection while
        // this one holds the write lock that the pool's other connections are waiting for.
        let Some(tenant) = tenants::by_id(&mut **tx, tenant_id).await? else {
            return Ok(());
        };
        let Some(email) = billing::owner_email(tx, tenant_id).await? else {
            return Ok(());
        };
        let mail = notices::payment_failed(
            event_id,
            Recipient {
                email: &email,
                subdomain: tenant.subdomain.as_str(),
            },
            now + i64::from(self.grace_days) * 86_400_000,
            &format!("{}/stores/{}", self.public_url, tenant.subdomain),
        );
        outbox::enqueue(tx, &mail, now).await?;
        Ok(())
    }

    /// Decides for the subscription's tenant at `now` and does it. `cause` names what led
    /// here (an event id, or the sweep) and keys the owner's mail.
    pub async fn act(
        &self,
        actor: &Actor,
        subscription: &Subscription,
        cause: &str,
        now: i64,
    ) -> Result<Action> {
        let Some(tenant_id) = &subscription.tenant_id else {
            return Ok(Action::Keep);
        };
        let Some(tenant) = tenants::by_id(self.pool(), tenant_id).await? else {
            tracing::warn!(tenant = %tenant_id, "a subscription names a tenant that does not exist");
            return Ok(Action::Keep);
        };
        let facts = TenantFacts {
            state: tenant.state,
            suspended_by_billing: billing::suspended_by_billing(self.pool(), &tenant.id).await?,
            resuming: billing::resuming(self.pool(), &tenant.id).await?,
        };
        let action = lifecycle::decide(subscription, facts, now, self.periods);
        if action == Action::Keep {
            return Ok(action);
        }
        let done = self.apply(&tenant, subscription, action, cause).await;
        match done {
            Ok(job_id) => {
                tracing::info!(tenant = %tenant.subdomain, ?action, job_id, cause, "billing acted");
                let audited = match action {
                    Action::Keep => None,
                    Action::Provision => Some(audit_action::TENANT_PROVISION),
                    Action::Resume => Some(audit_action::TENANT_RESUME),
                    Action::Suspend(_) => Some(audit_action::TENANT_SUSPEND),
                    Action::Archive => Some(audit_action::TENANT_ARCHIVE),
                };
                if let Some(name) = audited {
                    let detail = format!("job={job_id} cause={cause}");
                    self.audit
                        .record(actor, name, tenant.subdomain.as_str(), &detail)
                        .await;
                }
                Ok(action)
            }
            Err(MoveError::Db(error)) => Err(error.into()),
            Err(error) => {
                // Another delivery or the sweep got there first; the next sweep looks again.
                tracing::info!(tenant = %tenant.subdomain, ?action, error = %error, "billing's action not taken");
                Ok(Action::Keep)
            }
        }
    }

    async fn apply(
        &self,
        tenant: &TenantRecord,
        subscription: &Subscription,
        action: Action,
        cause: &str,
    ) -> Result<String, MoveError> {
        let owner = match &tenant.owner_id {
            Some(id) => users::by_id(self.pool(), id).await?.map(|u| u.email),
            None => None,
        };
        match action {
            Action::Keep => Ok(String::new()),
            Action::Provision => {
                self.tenants
                    .move_tenant(
                        tenant,
                        Move::FirstPayment,
                        &format!("billing: first payment ({cause})"),
                        &[],
                    )
                    .await
            }
            Action::Resume => {
                self.tenants
                    .resume_record(tenant, &format!("billing: paid again ({cause})"))
                    .await
            }
            Action::Suspend(reason) => {
                let canceled = reason == SuspendReason::Canceled;
                let why = if canceled {
                    "subscription canceled"
                } else {
                    "payment overdue"
                };
                let mail: Vec<_> = owner
                    .as_deref()
                    .map(|email| notices::suspended(cause, recipient(email, tenant), canceled))
                    .into_iter()
                    .collect();
                self.tenants
                    .move_tenant(
                        tenant,
                        Move::Suspend,
                        &format!("{} {why} ({cause})", lifecycle::SUSPEND_CAUSE_PREFIX),
                        &mail,
                    )
                    .await
            }
            Action::Archive => {
                debug_assert_eq!(subscription.status, Observed::Canceled);
                let mail: Vec<_> = owner
                    .as_deref()
                    .map(|email| notices::archived(cause, recipient(email, tenant)))
                    .into_iter()
                    .collect();
                self.tenants
                    .move_tenant(
                        tenant,
                        Move::Archive,
                        &format!("billing: retention over ({cause})"),
                        &mail,
                    )
                    .await
            }
        }
    }
}
