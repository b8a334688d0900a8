//! Billing on: Checkout Sessions and billing-portal sessions through Stripe's API.

use std::collections::HashMap;
use std::time::Duration;

use async_trait::async_trait;
use sqlx::AnyPool;
use stripe_billing::billing_portal_session::CreateBillingPortalSession;
use stripe_checkout::checkout_session::{
    CreateCheckoutSession, CreateCheckoutSessionLineItems, CreateCheckoutSessionSubscriptionData,
};
use stripe_checkout::CheckoutSessionMode;

use app::domain::audit::action;
use app::domain::{Actor, TenantId, TenantState};
use app::error::AppError;
use app::ports::Billing;

use super::config::{BillingConfig, StripeKeys};
use super::error::{answer, BillingError};
use crate::audit::Recorder;
use crate::db::tenants::{self, TenantRecord};
use crate::db::{billing, catalog, users};

/// How long one call to Stripe may take.
const CALL_TIMEOUT: Duration = Duration::from_secs(15);
/// Attempts of one call (same idempotency key, exponential backoff).
const ATTEMPTS: u32 = 3;

/// Billing through Stripe.
pub struct StripeBilling {
    client: stripe::Client,
    pool: AnyPool,
    public_url: String,
    audit: Recorder,
}

/// Why a Stripe client could not be built.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The API URL or a key is not usable in a request.
    #[error("the Stripe client cannot be configured: {0}")]
    Config(String),
}

impl StripeBilling {
    /// A Stripe client with these keys, calling the configured API.
    pub fn new(
        pool: AnyPool,
        keys: &StripeKeys,
        config: &BillingConfig,
        public_url: &url::Url,
    ) -> Result<Self, ClientError> {
        let client = stripe::ClientBuilder::new(keys.secret_key.clone())
            .url(config.api_base())
            .timeout(CALL_TIMEOUT)
            .request_strategy(stripe::RequestStrategy::ExponentialBackoff(ATTEMPTS))
            .app_info(
                "storefleet",
                Some(env!("CARGO_PKG_VERSION").to_owned()),
                None,
            )
            .build()
            .map_err(|e| ClientError::Config(e.to_string().replace(&keys.secret_key, "****")))?;
        Ok(Self {
            client,
            audit: Recorder::new(pool.clone()),
            pool,
            public_url: public_url.as_str().trim_end_matches('/').to_owned(),
        })
    }

    async fn tenant(&self, tenant_id: &str) -> Result<TenantRecord, BillingError> {
        tenants::by_id(&self.pool, tenant_id)
            .await?
            .ok_or(BillingError::NotFound)
    }
}

#[async_trait]
impl Billing for StripeBilling {
    fn enabled(&self) -> bool {
        true
    }

    async fn checkout(&self, actor: &Actor, tenant_id: &TenantId) -> Result<String, AppError> {
        answer(async {
        let tenant = self.tenant(tenant_id.as_str()).await?;
        if tenant.state != TenantState::PendingPayment {
            return Err(BillingError::NothingToPay {
                subdomain: tenant.subdomain,
                state: tenant.state.as_str(),
            });
        }
        let plan = catalog::plan(&self.pool, &tenant.plan)
            .await?
            .ok_or_else(|| BillingError::Inconsistent(format!("no plan {}", tenant.plan)))?;
        let price = plan
            .price_id
            .filter(|p| !p.is_empty())
            .ok_or(BillingError::NoPrice(plan.name))?;
        let owner_email = match &tenant.owner_id {
            Some(id) => users::by_id(&self.pool, id)
            .await?
                .map(|u| u.email),
            None => None,
        };
        let mut line = CreateCheckoutSessionLineItems::new();
        line.price = Some(price);
        line.quantity = Some(1);
        let mut subscription = CreateCheckoutSessionSubscriptionData::new();
        subscription.metadata = Some(HashMap::from([("tenant_id".to_owned(), tenant.id.clone())]));
        let mut request = CreateCheckoutSession::new()
            .mode(CheckoutSessionMode::Subscription)
            .line_items(vec![line])
            .client_reference_id(tenant.id.clone())
            .subscription_data(subscription)
            .success_url(format!(
                "{}/signup/{}/progress",
                self.public_url, tenant.subdomain
            ))
            .cancel_url(format!(
                "{}/signup?cancelled={}",
                self.public_url, tenant.subdomain
            ));
        if let Some(email) = owner_email {
            request = request.customer_email(email);
        }
        let session = request
            .send(&self.client)
            .await
            .map_err(|source| BillingError::Stripe {
                what: "creating a Checkout Session",
                source,
            })?;
        tracing::info!(tenant = %tenant.subdomain, session = %session.id.as_str(), "checkout started");
        let url = session.url.ok_or_else(|| {
            BillingError::Inconsistent(format!(
                "Stripe returned the Checkout Session {} without a URL",
                session.id.as_str()
            ))
        })?;
        self.audit
            .record(actor, action::BILLING_OPEN, tenant.subdomain.as_str(), "checkout")
            .await;
        Ok(url)
    }).await
    }

    async fn portal(&self, actor: &Actor, tenant_id: &TenantId) -> Result<String, AppError> {
        answer(async {
            let tenant = self.tenant(tenant_id.as_str()).await?;
            let customer = billing::for_tenant(&self.pool, &tenant.id)
                .await?
                .and_then(|(_, s)| s.customer_id)
                .ok_or_else(|| BillingError::NoSubscription(tenant.subdomain.clone()))?;
            let session = CreateBillingPortalSession::new()
                .customer(customer)
                .return_url(format!("{}/stores/{}", self.public_url, tenant.subdomain))
                .send(&self.client)
                .await
                .map_err(|source| BillingError::Stripe {
                    what: "creating a billing portal session",
                    source,
                })?;
            self.audit
                .record(
                    actor,
                    action::BILLING_OPEN,
                    tenant.subdomain.as_str(),
                    "portal",
                )
                .await;
            Ok(session.url)
        })
        .await
    }
}
