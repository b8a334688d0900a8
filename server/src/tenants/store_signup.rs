//! Signing up for a store, the whole journey in one call: the store is checked, the account
//! created when the applicant is new, the store created, and the checkout opened when
//! customers pay.

use std::sync::Arc;

use async_trait::async_trait;

use app::domain::{Actor, Availability, NewStore};
use app::error::AppError;
use app::ports::{
    Accounts, Applicant, Billing, ClientAddr, SignupRefused, StoreCreated, StoreSignup,
};

use super::TenantService;

/// The sign-up journey over the tenant and account services and billing.
pub struct SignupService {
    tenants: TenantService,
    accounts: Arc<dyn Accounts>,
    billing: Arc<dyn Billing>,
}

impl SignupService {
    /// Sign-up creating stores with `tenants`, accounts with `accounts`, paid through
    /// `billing`.
    pub fn new(
        tenants: TenantService,
        accounts: Arc<dyn Accounts>,
        billing: Arc<dyn Billing>,
    ) -> Self {
        Self {
            tenants,
            accounts,
            billing,
        }
    }
}

#[async_trait]
impl StoreSignup for SignupService {
    fn base_domain(&self) -> String {
        self.tenants.base_domain().to_owned()
    }

    async fn subdomain_available(&self, subdomain: &str) -> Result<Availability, AppError> {
        Ok(self.tenants.subdomain_available(subdomain).await?)
    }

    async fn create_store(
        &self,
        applicant: Applicant,
        store: &NewStore,
        client: &ClientAddr,
    ) -> Result<StoreCreated, SignupRefused> {
        // Checked before an account is created, so that a refused store leaves nothing.
        self.tenants
            .check_new_store(store)
            .await
            .map_err(AppError::from)?;
        let (owner, account_created) = match applicant {
            Applicant::SignedIn(user) => (user, false),
            Applicant::New { email, password } => {
                (self.accounts.sign_up(email, password, client).await?, true)
            }
        };
        let actor = Actor::user(&owner, &client.0);
        let pay_first = self.billing.enabled();
        let (tenant, _job) = self
            .tenants
            .sign_up_store(&actor, store, pay_first)
            .await
            .map_err(|error| SignupRefused {
                account_created: account_created.then(|| owner.clone()),
                error: error.into(),
            })?;
        let progress = format!("/signup/{}/progress", tenant.subdomain);
        let next = if pay_first {
            match self.billing.checkout(&actor, &tenant.id).await {
                Ok(checkout) => checkout,
                // The store exists and waits for its payment; its page offers the checkout
                // again, so the customer is sent there rather than shown a dead end.
                Err(error) => {
                    tracing::warn!(tenant = %tenant.subdomain, error = %error, "checkout failed");
                    progress
                }
            }
        } else {
            progress
        };
        Ok(StoreCreated {
            owner,
            account_created,
            tenant,
            next,
        })
    }
}
