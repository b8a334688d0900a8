//! Jobs' progress, as the pages watching them read it: the job, its new events, the time
//! left, and who besides admins may watch.

use async_trait::async_trait;

use app::domain::{JobId, JobProgress, UserId};
use app::error::AppError;
use app::ports::JobProgressFeed;

use super::error::{answer, TenantError};
use super::TenantService;
use crate::clock::now_ms;
use crate::db::{jobs, tenants};
use crate::jobs::estimate;

#[async_trait]
impl JobProgressFeed for TenantService {
    async fn progress(&self, job_id: &JobId, after: i64) -> Result<JobProgress, AppError> {
        answer(async {
            // The events are read before the job: a job read as finished then has every
            // event it wrote, and one read as unfinished has not had its last event read
            // either (a job ends and writes its last event in one transaction).
            let mut events = self.events(job_id, after).await?;
            let record = jobs::get(self.pool(), job_id.as_str())
                .await?
                .ok_or(TenantError::NotFound)?;
            if record.finished_at.is_some() {
                let seen = events.last().map_or(after, |e| e.seq);
                events.extend(self.events(job_id, seen).await?);
            }
            let history = self.estimates().history(record.kind).await?;
            Ok(estimate::progress(&record, events, &history, now_ms()))
        })
        .await
    }

    async fn job_owner(&self, job_id: &JobId) -> Result<Option<UserId>, AppError> {
        answer(async {
            let job = jobs::get(self.pool(), job_id.as_str())
                .await?
                .ok_or(TenantError::NotFound)?;
            let Some(tenant_id) = job.tenant_id else {
                return Ok(None);
            };
            Ok(tenants::by_id(self.pool(), &tenant_id)
                .await?
                .and_then(|t| t.owner_id)
                .map(UserId::new))
        })
        .await
    }
}
