//! API tokens, kept as a SHA-256 of the token: the token itself is never stored.

use sqlx::any::AnyRow;
use sqlx::{AnyPool, Row};

use super::{is_unique_violation, Result};

/// A stored token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRecord {
    /// Unique id.
    pub id: String,
    /// Its unique name.
    pub name: String,
    /// Its scopes, separated by spaces.
    pub scopes: String,
    /// Who made it.
    pub created_by: String,
    /// When.
    pub created_at: i64,
    /// When it was last used.
    pub last_used_at: Option<i64>,
    /// When it was revoked.
    pub revoked_at: Option<i64>,
}

const COLUMNS: &str = "id, name, scopes, created_by, created_at, last_used_at, revoked_at";

fn from_row(row: &AnyRow) -> Result<TokenRecord> {
    Ok(TokenRecord {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        scopes: row.try_get("scopes")?,
        created_by: row.try_get("created_by")?,
        created_at: row.try_get("created_at")?,
        last_used_at: row.try_get("last_used_at")?,
        revoked_at: row.try_get("revoked_at")?,
    })
}

/// Stores a new token by the hash of its secret; false when the name is taken.
pub async fn insert(pool: &AnyPool, token: &TokenRecord, token_hash: &str) -> Result<bool> {
    let inserted = sqlx::query(&format!(
        "INSERT INTO api_tokens ({COLUMNS}, token_hash) VALUES ($1, $2, $3, $4, $5, NULL, NULL, $6)"
    ))
    .bind(&token.id)
    .bind(&token.name)
    .bind(&token.scopes)
    .bind(&token.created_by)
    .bind(token.created_at)
    .bind(token_hash)
    .execute(pool)
    .await;
    match inserted {
        Ok(_) => Ok(true),
        Err(error) if is_unique_violation(&error) => Ok(false),
        Err(error) => Err(error.into()),
    }
}

/// The token whose secret hashes to `token_hash`, revoked or not.
pub async fn by_hash(pool: &AnyPool, token_hash: &str) -> Result<Option<TokenRecord>> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM api_tokens WHERE token_hash = $1"
    ))
    .bind(token_hash)
    .fetch_optional(pool)
    .await?;
    row.as_ref().map(from_row).transpose()
}

/// Notes a use of the token.
pub async fn used(pool: &AnyPool, id: &str, at: i64) -> Result<()> {
    sqlx::query("UPDATE api_tokens SET last_used_at = $2 WHERE id = $1")
        .bind(id)
        .bind(at)
        .execute(pool)
        .await?;
    Ok(())
}

/// Revokes the token of this name; false when there is none not revoked already.
pub async fn revoke(pool: &AnyPool, name: &str, at: i64) -> Result<bool> {
    let done =
        sqlx::query("UPDATE api_tokens SET revoked_at = $2 WHERE name = $1 AND revoked_at IS NULL")
            .bind(name)
            .bind(at)
            .execute(pool)
            .await?;
    Ok(done.rows_affected() == 1)
}

/// Every token, newest first.
pub async fn all(pool: &AnyPool) -> Result<Vec<TokenRecord>> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM api_tokens ORDER BY created_at DESC, name"
    ))
    .fetch_all(pool)
    .await?;
    rows.iter().map(from_row).collect()
}
