//! Jobs' progress, as the pages watching them read it: the job, its new events, the time
//! left, and who besides admins may watch.

use async_trait::async_trait;

use app::domain::job::estimate_remaining_ms;
use app::domain::{JobId, JobProgress, UserId};
use app::error::AppError;
use app::ports::JobProgressFeed;

use super::error::{answer, TenantError};
use super::service::job_view;
use super::TenantService;
use crate::clock::now_ms;
use crate::db::{jobs, tenants};

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
            let estimate_ms = if record.finished_at.is_some() {
                Some(0)
            } else {
                let history = jobs::recent_step_durations(self.pool(), record.kind, 20).await?;
                let elapsed = record
                    .step_started_at
                    .map_or(0, |at| (now_ms() - at).max(0));
                estimate_remaining_ms(&history, record.step, elapsed)
            };
            Ok(JobProgress {
                job: job_view(&record),
                events,
                estimate_ms,
            })
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
