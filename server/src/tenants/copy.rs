//! A new store made as a copy of another's backup, for an admin to inspect: the tenant, its
//! provisioning and the restore waiting for it to be ready are written together.

use app::domain::{Actor, JobId, TenantView};

use super::error::TenantError;
use super::TenantService;
use crate::db::restores;

impl TenantService {
    /// Creates the store `subdomain` on `plan`, unowned, whose data will be that of the stored
    /// backup `backup_id` once it is ready.
    pub async fn create_copy(
        &self,
        actor: &Actor,
        subdomain: &str,
        plan: &str,
        backup_id: &str,
    ) -> Result<(TenantView, JobId), TenantError> {
        let (record, owner) = self.new_tenant(subdomain, plan, None).await?;
        let created = restores::create_copy(
            self.pool(),
            &record,
            &actor.cause(),
            backup_id,
            record.created_at,
        )
        .await?;
        self.created(actor, &record, owner, created).await
    }
}
