//! A tenant's history of states: each move, recorded with what caused it.

use app::domain::TenantState;

use super::Result;

/// Records that the tenant moved from `from` (none: it was just made) to `to`, and why,
/// inside the caller's transaction.
pub(super) async fn record_transition(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    tenant_id: &str,
    from: Option<TenantState>,
    to: TenantState,
    cause: &str,
    now: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO tenant_transitions (id, tenant_id, from_state, to_state, cause, at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(uuid::Uuid::new_v4().to_string())
    .bind(tenant_id)
    .bind(from.map(|s| s.as_str().to_owned()))
    .bind(to.as_str())
    .bind(cause)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
