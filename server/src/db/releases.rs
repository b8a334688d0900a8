//! Releases: immutable once stored.

use std::collections::BTreeMap;

use sqlx::any::AnyRow;
use sqlx::{AnyPool, Row};

use super::{is_unique_violation, DbError, Result};

/// A stored release.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReleaseRecord {
    /// Unique id.
    pub id: String,
    /// The blueprint it is a version of.
    pub blueprint: String,
    /// Its name, unique within the blueprint.
    pub name: String,
    /// The image tag of each component it sets.
    pub images: BTreeMap<String, String>,
    /// What changed.
    pub notes: String,
    /// Who made it, as the audit log names the actor.
    pub created_by: String,
    /// When.
    pub created_at: i64,
}

const COLUMNS: &str = "id, blueprint, name, images, notes, created_by, created_at";

fn from_row(row: &AnyRow) -> Result<ReleaseRecord> {
    let images: String = row.try_get("images")?;
    Ok(ReleaseRecord {
        id: row.try_get("id")?,
        blueprint: row.try_get("blueprint")?,
        name: row.try_get("name")?,
        images: serde_json::from_str(&images)
            .map_err(|e| DbError::Corrupt(format!("release images: {e}")))?,
        notes: row.try_get("notes")?,
        created_by: row.try_get("created_by")?,
        created_at: row.try_get("created_at")?,
    })
}

/// Stores a new release; false when the blueprint has one of that name already.
pub async fn insert(pool: &AnyPool, release: &ReleaseRecord) -> Result<bool> {
    let images = serde_json::to_string(&release.images).unwrap_or_else(|_| "{}".to_owned());
    let inserted = sqlx::query(&format!(
        "INSERT INTO releases ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)"
    ))
    .bind(&release.id)
    .bind(&release.blueprint)
    .bind(&release.name)
    .bind(images)
    .bind(&release.notes)
    .bind(&release.created_by)
    .bind(release.created_at)
    .execute(pool)
    .await;
    match inserted {
        Ok(_) => Ok(true),
        Err(error) if is_unique_violation(&error) => Ok(false),
        Err(error) => Err(error.into()),
    }
}

/// A blueprint's release by name.
pub async fn by_name(pool: &AnyPool, blueprint: &str, name: &str) -> Result<Option<ReleaseRecord>> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM releases WHERE blueprint = $1 AND name = $2"
    ))
    .bind(blueprint)
    .bind(name)
    .fetch_optional(pool)
    .await?;
    row.as_ref().map(from_row).transpose()
}

/// The release with this id.
pub async fn by_id(pool: &AnyPool, id: &str) -> Result<Option<ReleaseRecord>> {
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM releases WHERE id = $1"))
        .bind(id)
        .fetch_optional(pool)
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// The releases of any blueprint with this name.
pub async fn named(pool: &AnyPool, name: &str) -> Result<Vec<ReleaseRecord>> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM releases WHERE name = $1 ORDER BY blueprint"
    ))
    .bind(name)
    .fetch_all(pool)
    .await?;
    rows.iter().map(from_row).collect()
}

/// Sets the release new stores of `blueprint` start on: the one its latest finished (and not
/// rolled back) rollout reached, or none.
pub async fn refresh_current(pool: &AnyPool, blueprint: &str) -> Result<()> {
    sqlx::query(
        "UPDATE blueprints SET release_id = (SELECT o.release_id FROM rollouts o \
         JOIN releases r ON r.id = o.release_id WHERE r.blueprint = $1 AND o.state = 'done' \
         ORDER BY o.finished_at DESC LIMIT 1) WHERE name = $1",
    )
    .bind(blueprint)
    .execute(pool)
    .await?;
    Ok(())
}

/// The newest releases first, at most `limit`.
pub async fn recent(pool: &AnyPool, limit: i64) -> Result<Vec<ReleaseRecord>> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM releases ORDER BY created_at DESC, name LIMIT $1"
    ))
    .bind(limit)
    .fetch_all(pool)
    .await?;
    rows.iter().map(from_row).collect()
}

/// The releases of the newest `limit` rollouts, in one read.
pub async fn of_recent_rollouts(pool: &AnyPool, limit: i64) -> Result<Vec<ReleaseRecord>> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM releases WHERE id IN \
         (SELECT release_id FROM rollouts ORDER BY created_at DESC LIMIT $1)"
    ))
    .bind(limit)
    .fetch_all(pool)
    .await?;
    rows.iter().map(from_row).collect()
}
