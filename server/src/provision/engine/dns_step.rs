//! The DNS steps of tenants' jobs: publish the store's record once the cluster gave it an
//! address (provision), remove it (delete). Both are idempotent, like every step.

use std::time::Duration;

use sqlx::AnyPool;

use crate::clock::now_ms;
use crate::db::dns_records::{self, DnsRecordRow};
use crate::db::DbError;
use crate::dns::{DnsError, DnsProvider, Record, RecordId};
use crate::jobs::worker::StepError;
use crate::jobs::StepOutcome;

/// How long to wait for the address when the cluster has none (yet, or again).
const ADDRESS_POLL: Duration = Duration::from_millis(500);

fn db_error(error: DbError) -> StepError {
    StepError::transient(format!("database: {error}"))
}

fn dns_error(error: DnsError) -> StepError {
    let message = format!("dns: {error}");
    if error.retryable() {
        StepError::transient(message)
    } else {
        StepError::permanent(message)
    }
}

/// Publishes `host` → `address` for the tenant and stores the provider's record id. Waits
/// while the cluster reports no address.
pub async fn publish(
    pool: &AnyPool,
    dns: &dyn DnsProvider,
    tenant_id: &str,
    host: &str,
    address: Option<String>,
) -> Result<StepOutcome, StepError> {
    let Some(address) = address else {
        return Ok(StepOutcome::Wait(ADDRESS_POLL));
    };
    let record = Record::for_address(host, &address).ok_or_else(|| {
        StepError::permanent(format!(
            "dns: the address {address:?} is neither an IP address nor a host name"
        ))
    })?;
    let Some(id) = dns.publish(&record).await.map_err(dns_error)? else {
        return Ok(StepOutcome::Done);
    };
    let row = DnsRecordRow {
        tenant_id: tenant_id.to_owned(),
        provider: dns.name().to_owned(),
        name: record.name,
        record_type: record.record_type.as_str().to_owned(),
        content: record.content,
        record_id: Some(id.0),
        updated_at: now_ms(),
    };
    dns_records::save(pool, &row).await.map_err(db_error)?;
    Ok(StepOutcome::Done)
}

/// Removes the tenant's record (by its stored id when this provider wrote it) and forgets it.
pub async fn withdraw(
    pool: &AnyPool,
    dns: &dyn DnsProvider,
    tenant_id: &str,
    host: &str,
) -> Result<StepOutcome, StepError> {
    let stored = dns_records::get(pool, tenant_id).await.map_err(db_error)?;
    let (name, id) = match &stored {
        Some(row) if row.provider == dns.name() => {
            (row.name.as_str(), row.record_id.clone().map(RecordId))
        }
        _ => (host, None),
    };
    dns.withdraw(name, id.as_ref()).await.map_err(dns_error)?;
    if stored.is_some() {
        dns_records::forget(pool, tenant_id)
            .await
            .map_err(db_error)?;
    }
    Ok(StepOutcome::Done)
}
