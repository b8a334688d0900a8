//! Releases: named, immutable versions of a blueprint. Made by admins, operators at the
//! command line and CI with a token, all through [`ReleaseService::create`], which checks
//! the release against its blueprint and records who made it.

use app::domain::audit::action;
use app::domain::release::ReleaseProblem;
use app::domain::{Actor, NewRelease, ReleaseView};
use app::error::AppError;
use sqlx::AnyPool;

use crate::audit::Recorder;
use crate::clock::{now_ms, rfc3339};
use crate::db::releases::{self, ReleaseRecord};
use crate::db::{catalog, DbError};

/// How many releases the list shows.
const LISTED: i64 = 100;

/// Why a release was not made.
#[derive(Debug, thiserror::Error)]
pub enum ReleaseError {
    /// The release breaks a rule; nothing was stored.
    #[error(transparent)]
    Invalid(#[from] ReleaseProblem),
    /// No blueprint of that name.
    #[error("there is no blueprint {0:?}")]
    NoBlueprint(String),
    /// The blueprint has a release of that name already; releases never change.
    #[error(
        "blueprint {blueprint} already has a release {name}; releases never change, name a new one"
    )]
    Exists {
        /// The blueprint.
        blueprint: String,
        /// The name taken.
        name: String,
    },
    /// The database failed.
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<ReleaseError> for AppError {
    fn from(error: ReleaseError) -> Self {
        match error {
            ReleaseError::Invalid(_) | ReleaseError::NoBlueprint(_) => {
                AppError::Invalid(error.to_string())
            }
            ReleaseError::Exists { .. } => AppError::Conflict(error.to_string()),
            ReleaseError::Db(error) => error.into(),
        }
    }
}

/// Makes and lists releases.
#[derive(Clone)]
pub struct ReleaseService {
    pool: AnyPool,
    audit: Recorder,
}

impl ReleaseService {
    /// The releases of this database.
    pub fn new(pool: AnyPool) -> Self {
        Self {
            audit: Recorder::new(pool.clone()),
            pool,
        }
    }

    /// Checks and stores a release made by `actor`; audited as `release.create`.
    pub async fn create(
        &self,
        actor: &Actor,
        release: &NewRelease,
    ) -> Result<ReleaseView, ReleaseError> {
        let blueprint = catalog::blueprint(&self.pool, &release.blueprint)
            .await?
            .ok_or_else(|| ReleaseError::NoBlueprint(release.blueprint.clone()))?;
        release.check(&blueprint)?;
        let record = ReleaseRecord {
            id: uuid::Uuid::new_v4().to_string(),
            blueprint: release.blueprint.clone(),
            name: release.name.clone(),
            images: release.images.clone(),
            notes: release.notes.trim().to_owned(),
            created_by: actor.cause(),
            created_at: now_ms(),
        };
        if !releases::insert(&self.pool, &record).await? {
            return Err(ReleaseError::Exists {
                blueprint: record.blueprint,
                name: record.name,
            });
        }
        let images: Vec<String> = record
            .images
            .iter()
            .map(|(component, tag)| format!("{component}={tag}"))
            .collect();
        self.audit
            .record(
                actor,
                action::RELEASE_CREATE,
                &format!("{}/{}", record.blueprint, record.name),
                &images.join(" "),
            )
            .await;
        Ok(view(record))
    }

    /// The newest releases first.
    pub async fn list(&self) -> Result<Vec<ReleaseView>, ReleaseError> {
        let recent = releases::recent(&self.pool, LISTED).await?;
        Ok(recent.into_iter().map(view).collect())
    }
}

fn view(record: ReleaseRecord) -> ReleaseView {
    ReleaseView {
        id: record.id,
        blueprint: record.blueprint,
        name: record.name,
        images: record.images,
        notes: record.notes,
        created_by: record.created_by,
        created_at: rfc3339(record.created_at),
    }
}
