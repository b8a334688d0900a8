//! Billing when no Stripe keys are configured: plans are free.

use async_trait::async_trait;

use app::domain::{Actor, TenantId};
use app::error::AppError;
use app::ports::Billing;

use super::BillingError;

/// Billing switched off: nothing to pay, no portal.
#[derive(Debug, Clone, Copy, Default)]
pub struct BillingOff;

#[async_trait]
impl Billing for BillingOff {
    fn enabled(&self) -> bool {
        false
    }

    async fn checkout(&self, _actor: &Actor, _tenant_id: &TenantId) -> Result<String, AppError> {
        Err(BillingError::Off.into())
    }

    async fn portal(&self, _actor: &Actor, _tenant_id: &TenantId) -> Result<String, AppError> {
        Err(BillingError::Off.into())
    }
}
