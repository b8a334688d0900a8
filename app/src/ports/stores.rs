//! A customer's stores: signing up for one, paying for it, and its settings.

use std::collections::BTreeMap;

use async_trait::async_trait;

use super::ClientAddr;
use crate::domain::{
    Actor, Availability, Email, JobId, NewStore, Password, SettingsForm, TenantDetail, TenantId,
    TenantView, UserId, UserView,
};
use crate::error::AppError;

/// Who asks for a new store.
#[derive(Debug, Clone)]
pub enum Applicant {
    /// An account already signed in.
    SignedIn(UserView),
    /// Someone new, whose account is created with the store.
    New {
        /// The new account's email.
        email: Email,
        /// Its password.
        password: Password,
    },
}

/// A store just created at sign-up.
#[derive(Debug, Clone)]
pub struct StoreCreated {
    /// Its owner; new when the account was created on the way.
    pub owner: UserView,
    /// Whether the owner's account was created with it (the caller starts its session).
    pub account_created: bool,
    /// The store.
    pub tenant: TenantView,
    /// Where the browser goes next: the checkout, or the page watching the store being built.
    pub next: String,
}

/// Why a store was not created at sign-up. An account created on the way stays, so its
/// owner is signed in with it and can try another subdomain.
#[derive(Debug, Clone)]
pub struct SignupRefused {
    /// The account created before the store was refused, if one was.
    pub account_created: Option<UserView>,
    /// Why the store was refused.
    pub error: AppError,
}

impl From<AppError> for SignupRefused {
    fn from(error: AppError) -> Self {
        Self {
            account_created: None,
            error,
        }
    }
}

/// Signing up for a store.
#[async_trait]
pub trait StoreSignup: Send + Sync {
    /// The domain stores live under: a store is reached at `<subdomain>.<base domain>`.
    fn base_domain(&self) -> String;

    /// Whether a subdomain, as typed, can be chosen for a new store.
    async fn subdomain_available(&self, subdomain: &str) -> Result<Availability, AppError>;

    /// Creates a store for the applicant, who may sign up on the way: checks the store
    /// first (nothing is created when it is refused), creates the account if it is new, then
    /// the store, which with billing on waits for its first payment at the checkout and is
    /// otherwise built at once. A subdomain taken meanwhile is a conflict.
    async fn create_store(
        &self,
        applicant: Applicant,
        store: &NewStore,
        client: &ClientAddr,
    ) -> Result<StoreCreated, SignupRefused>;
}

/// A customer's own stores and their settings.
#[async_trait]
pub trait Stores: Send + Sync {
    /// The tenants an account owns, newest first.
    async fn owned(&self, owner_id: &UserId) -> Result<Vec<TenantView>, AppError>;

    /// A store with its jobs, newest first, for its owner only: anyone else is told it does
    /// not exist.
    async fn owned_store(
        &self,
        subdomain: &str,
        owner_id: &UserId,
    ) -> Result<TenantDetail, AppError>;

    /// The id of the account owning the tenant, if any; `NotFound` when there is no tenant.
    async fn owner_id(&self, subdomain: &str) -> Result<Option<UserId>, AppError>;

    /// The settings form of a tenant: current values (never a secret's) and the history.
    async fn settings_form(&self, subdomain: &str) -> Result<SettingsForm, AppError>;

    /// Saves a change of settings, records it, and starts the update job; returns its id.
    async fn update_settings(
        &self,
        actor: &Actor,
        subdomain: &str,
        submitted: &BTreeMap<String, String>,
    ) -> Result<JobId, AppError>;
}

/// Billing: Stripe Checkout for a tenant's first payment and the billing portal for its owner.
#[async_trait]
pub trait Billing: Send + Sync {
    /// Whether customers pay. Off when no Stripe keys are configured: plans are then free and
    /// a new store is provisioned at once.
    fn enabled(&self) -> bool;

    /// The Stripe Checkout page where the actor pays for a tenant waiting for its first
    /// payment; recorded in the audit log.
    async fn checkout(&self, actor: &Actor, tenant_id: &TenantId) -> Result<String, AppError>;

    /// The Stripe billing portal of the tenant's subscription; recorded in the audit log.
    async fn portal(&self, actor: &Actor, tenant_id: &TenantId) -> Result<String, AppError>;
}
