//! Queries on tenants' secret settings as stored: `sealed_secrets` (a JSON map of setting to
//! sealed value) and the plain `secrets` column older versions wrote, emptied once sealed.

use std::collections::BTreeMap;

use sqlx::{AnyPool, Row};

use super::{DbError, Result};

/// One tenant's stored secret settings, as its row holds them.
#[derive(Clone, PartialEq, Eq)]
pub struct StoredSecrets {
    /// The tenant.
    pub tenant_id: String,
    /// Plain values an older version left, not sealed yet.
    pub plain: BTreeMap<String, String>,
    /// Sealed values.
    pub sealed: BTreeMap<String, String>,
    raw_plain: String,
    raw_sealed: String,
}

impl std::fmt::Debug for StoredSecrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoredSecrets")
            .field("tenant_id", &self.tenant_id)
            .field("plain", &self.plain.keys().collect::<Vec<_>>())
            .field("sealed", &self.sealed.keys().collect::<Vec<_>>())
            .finish()
    }
}

fn map(tenant_id: &str, raw: &str) -> Result<BTreeMap<String, String>> {
    serde_json::from_str(raw).map_err(|_| {
        DbError::Corrupt(format!(
            "the secret settings of tenant {tenant_id} are not a JSON map"
        ))
    })
}

/// Serialises a map of secret settings as stored.
pub fn json(map: &BTreeMap<String, String>) -> String {
    serde_json::to_string(map).unwrap_or_else(|_| "{}".to_owned())
}

/// The tenant's sealed secret settings; empty when there is no tenant.
pub async fn sealed(pool: &AnyPool, tenant_id: &str) -> Result<BTreeMap<String, String>> {
    let raw: Option<String> =
        sqlx::query_scalar("SELECT sealed_secrets FROM tenants WHERE id = $1")
            .bind(tenant_id)
            .fetch_optional(pool)
            .await?;
    match raw {
        Some(raw) => map(tenant_id, &raw),
        None => Ok(BTreeMap::new()),
    }
}

/// Every tenant that stores a secret setting, sealed or plain.
pub async fn stored(pool: &AnyPool) -> Result<Vec<StoredSecrets>> {
    let rows = sqlx::query(
        "SELECT id, secrets, sealed_secrets FROM tenants \
         WHERE secrets <> '{}' OR sealed_secrets <> '{}' ORDER BY id",
    )
    .fetch_all(pool)
    .await?;
    rows.iter().map(stored_row).collect()
}

/// One tenant's stored secret settings, read again.
pub async fn stored_of(pool: &AnyPool, tenant_id: &str) -> Result<Option<StoredSecrets>> {
    let row = sqlx::query("SELECT id, secrets, sealed_secrets FROM tenants WHERE id = $1")
        .bind(tenant_id)
        .fetch_optional(pool)
        .await?;
    row.as_ref().map(stored_row).transpose()
}

fn stored_row(row: &sqlx::any::AnyRow) -> Result<StoredSecrets> {
    let tenant_id: String = row.try_get("id")?;
    let raw_plain: String = row.try_get("secrets")?;
    let raw_sealed: String = row.try_get("sealed_secrets")?;
    Ok(StoredSecrets {
        plain: map(&tenant_id, &raw_plain)?,
        sealed: map(&tenant_id, &raw_sealed)?,
        tenant_id,
        raw_plain,
        raw_sealed,
    })
}

/// Replaces the tenant's sealed values with `sealed` and empties its plain ones, unless the
/// row changed since `before` was read (then nothing is written and the answer is `false`).
pub async fn replace(
    pool: &AnyPool,
    before: &StoredSecrets,
    sealed: &BTreeMap<String, String>,
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE tenants SET sealed_secrets = $2, secrets = '{}' \
         WHERE id = $1 AND secrets = $3 AND sealed_secrets = $4",
    )
    .bind(&before.tenant_id)
    .bind(json(sealed))
    .bind(&before.raw_plain)
    .bind(&before.raw_sealed)
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}
