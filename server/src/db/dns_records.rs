//! The DNS record published for each tenant, and the provider's id of it.

use sqlx::{any::AnyRow, AnyPool, Row};

use super::Result;

/// A published record as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DnsRecordRow {
    /// The tenant it belongs to.
    pub tenant_id: String,
    /// The provider that published it (`cloudflare`, `powerdns`).
    pub provider: String,
    /// The host, e.g. `acme.shops.example.com`.
    pub name: String,
    /// A, AAAA or CNAME.
    pub record_type: String,
    /// The address or target.
    pub content: String,
    /// The provider's id of the record, when it gives one.
    pub record_id: Option<String>,
    /// When it was last written.
    pub updated_at: i64,
}

fn from_row(row: &AnyRow) -> Result<DnsRecordRow> {
    Ok(DnsRecordRow {
        tenant_id: row.try_get("tenant_id")?,
        provider: row.try_get("provider")?,
        name: row.try_get("name")?,
        record_type: row.try_get("record_type")?,
        content: row.try_get("content")?,
        record_id: row.try_get("record_id")?,
        updated_at: row.try_get("updated_at")?,
    })
}

/// The tenant's published record, if any.
pub async fn get(pool: &AnyPool, tenant_id: &str) -> Result<Option<DnsRecordRow>> {
    let row = sqlx::query(
        "SELECT tenant_id, provider, name, record_type, content, record_id, updated_at \
         FROM dns_records WHERE tenant_id = $1",
    )
    .bind(tenant_id)
    .fetch_optional(pool)
    .await?;
    row.as_ref().map(from_row).transpose()
}

/// Stores the tenant's record, replacing the one stored before.
pub async fn save(pool: &AnyPool, record: &DnsRecordRow) -> Result<()> {
    sqlx::query(
        "INSERT INTO dns_records \
         (tenant_id, provider, name, record_type, content, record_id, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) \
         ON CONFLICT (tenant_id) DO UPDATE SET provider = excluded.provider, \
         name = excluded.name, record_type = excluded.record_type, \
         content = excluded.content, record_id = excluded.record_id, \
         updated_at = excluded.updated_at",
    )
    .bind(&record.tenant_id)
    .bind(&record.provider)
    .bind(&record.name)
    .bind(&record.record_type)
    .bind(&record.content)
    .bind(&record.record_id)
    .bind(record.updated_at)
    .execute(pool)
    .await?;
    Ok(())
}

/// Forgets the tenant's record (after it was removed from DNS).
pub async fn forget(pool: &AnyPool, tenant_id: &str) -> Result<()> {
    sqlx::query("DELETE FROM dns_records WHERE tenant_id = $1")
        .bind(tenant_id)
        .execute(pool)
        .await?;
    Ok(())
}
