//! A job's progress, for whoever may watch it.

use leptos::prelude::*;

use crate::domain::JobProgress;
use crate::error::AppError;

/// A job with its events after `after`; admins, and the owner of the job's tenant.
#[server(prefix = "/api", endpoint = "jobs/progress")]
pub async fn watch_job(job_id: String, after: i64) -> Result<JobProgress, AppError> {
    use crate::api::guard::{answer, require_user, services};
    use crate::domain::JobId;

    let job_id = JobId::new(job_id);

    answer(
        async {
            let user = require_user().await?;
            let jobs = services()?.jobs.clone();
            if !user.is_admin() && jobs.job_owner(&job_id).await? != Some(user.id) {
                return Err(AppError::NotFound);
            }
            jobs.progress(&job_id, after).await
        }
        .await,
    )
}
