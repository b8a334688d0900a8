//! Claiming a standby store: a customer's store built for the first time takes over a ready
//! standby of its plan, inside the transaction that queues its first job.

use sqlx::Row;

use super::transitions::record_transition;
use super::Result;
use app::domain::TenantState;

/// Hands a ready standby store of the tenant's plan to the tenant, inside the caller's
/// transaction: the standby is marked claimed (and deleted: its row stays as history), and
/// the tenant takes over its namespace and release. None when the tenant is a standby itself
/// or no standby of its plan is ready. Two claims at once never take the same standby: the
/// update is conditioned on the standby being unclaimed, and a loser tries the next one.
pub(super) async fn claim_in(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    tenant_id: &str,
    now: i64,
) -> Result<Option<String>> {
    let tenant = sqlx::query("SELECT plan, standby FROM tenants WHERE id = $1")
        .bind(tenant_id)
        .fetch_optional(&mut **tx)
        .await?;
    let Some(tenant) = tenant else {
        return Ok(None);
    };
    if tenant.try_get::<i64, _>("standby")? != 0 {
        return Ok(None);
    }
    let plan: String = tenant.try_get("plan")?;
    // Each lost race means another claim took a standby; a handful of tries is plenty.
    for _ in 0..8 {
        let candidate = sqlx::query(
            "SELECT id, namespace_key, release_id FROM tenants \
             WHERE standby = 1 AND claimed_by IS NULL AND plan = $1 AND state = 'ready' \
             ORDER BY created_at, id LIMIT 1",
        )
        .bind(&plan)
        .fetch_optional(&mut **tx)
        .await?;
        let Some(candidate) = candidate else {
            return Ok(None);
        };
        let standby_id: String = candidate.try_get("id")?;
        let key: String = candidate.try_get("namespace_key")?;
        let release: Option<String> = candidate.try_get("release_id")?;
        let taken = sqlx::query(
            "UPDATE tenants SET state = 'deleted', claimed_by = $2, claimed_at = $3, \
             updated_at = $3 \
             WHERE id = $1 AND standby = 1 AND claimed_by IS NULL AND state = 'ready'",
        )
        .bind(&standby_id)
        .bind(tenant_id)
        .bind(now)
        .execute(&mut **tx)
        .await?
        .rows_affected()
            == 1;
        if !taken {
            continue;
        }
        let cause = format!("claimed by tenant {tenant_id}");
        record_transition(
            tx,
            &standby_id,
            Some(TenantState::Ready),
            TenantState::Deleted,
            &cause,
            now,
        )
        .await?;
        sqlx::query(
            "UPDATE tenants SET namespace_key = $2, release_id = $3, updated_at = $4 \
             WHERE id = $1",
        )
        .bind(tenant_id)
        .bind(&key)
        .bind(release)
        .bind(now)
        .execute(&mut **tx)
        .await?;
        return Ok(Some(standby_id));
    }
    Ok(None)
}
