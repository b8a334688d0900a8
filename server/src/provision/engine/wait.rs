//! Wait steps that say why: the namespace's recent Warning events about the awaited objects
//! fail a step at once when waiting cannot help, and are noted in the timeline otherwise.

use std::time::{Duration, Instant};

use k8s_openapi::jiff::Timestamp;

use super::{cluster_error, db_error, mode_of, Engine};
use crate::clock::now_ms;
use crate::db::jobs::{self, JobRecord};
use crate::db::tenants::TenantRecord;
use crate::jobs::worker::StepError;
use crate::jobs::StepOutcome;
use crate::provision::causes::{self, Target};
use crate::provision::readiness::{self, Readiness};
use app::domain::job_kind::{Step, StepName};
use app::domain::EventKind;

/// How often a waiting step compares the tenant's objects with their render.
const CONVERGE_EVERY: Duration = Duration::from_secs(5);

/// How much older than the job's apply an event may look and still count.
const CLOCK_MARGIN_MS: i64 = 2_000;

impl Engine {
    /// Whether the job's waiting step should compare the objects again: at its first look
    /// (after a restart too), then every [`CONVERGE_EVERY`].
    pub(super) fn due_to_converge(&self, job_id: &str) -> bool {
        let now = Instant::now();
        let mut last = self.converged.lock().unwrap_or_else(|e| e.into_inner());
        last.retain(|_, at| now.duration_since(*at) < CONVERGE_EVERY * 20);
        match last.get(job_id) {
            Some(at) if now.duration_since(*at) < CONVERGE_EVERY => false,
            _ => {
                last.insert(job_id.to_owned(), now);
                true
            }
        }
    }

    /// Judges a wait step: done when ready; else the namespace's recent Warning events about
    /// the awaited objects say why. A cause no wait can mend (a quota exceeded, an invalid
    /// spec, a missing image) fails the step at once with it; any other is noted once in the
    /// job's timeline while the step keeps waiting.
    pub(super) async fn wait(
        &self,
        job: &JobRecord,
        step: &Step,
        tenant: &TenantRecord,
        readiness: Readiness,
        targets: &[Target<'_>],
    ) -> Result<StepOutcome, StepError> {
        if readiness == Readiness::Ready {
            return Ok(StepOutcome::Done);
        }
        if self.due_to_converge(&job.id)
            && self
                .converge(job, step, tenant, mode_of(job.kind, step.name))
                .await?
        {
            return Ok(self.wait_on_cluster());
        }
        let namespace = &self.namespace(tenant);
        let mut events = readiness::warnings(&self.client, namespace)
            .await
            .map_err(cluster_error)?;
        // A Deployment's pods of the version being replaced may still fail (an update away
        // from an image that never started), and a gone pod's events stay behind: only the
        // pods of the version waited for decide.
        let of_deployments = |e: &k8s_openapi::api::core::v1::Event| {
            e.involved_object.kind.as_deref() == Some("Pod")
                && targets
                    .iter()
                    .any(|t| matches!(t, Target::Deployment(_)) && t.concerns(e))
        };
        if events.iter().any(of_deployments) {
            let current = readiness::current_pods(&self.client, namespace)
                .await
                .map_err(cluster_error)?;
            events.retain(|e| {
                !of_deployments(e)
                    || e.involved_object
                        .name
                        .as_ref()
                        .is_some_and(|name| current.contains(name))
            });
        }
        let timeline = jobs::events_after(&self.pool, &job.id, 0)
            .await
            .map_err(db_error)?;
        // Events older than this job's apply (or, without one, this step) are about an
        // earlier state of the objects. Event times have whole seconds and another clock.
        let since = timeline
            .iter()
            .rev()
            .find(|e| e.step_name == StepName::Apply.as_str() && e.kind == EventKind::Started)
            .map(|e| e.at)
            .or(job.step_started_at)
            .and_then(|ms| Timestamp::from_millisecond(ms - CLOCK_MARGIN_MS).ok());
        let Some(cause) = causes::newest(&events, targets, since) else {
            return Ok(self.wait_on_cluster());
        };
        let message = format!("{}: {}", step.title, cause.text);
        if cause.permanent {
            return Err(StepError::permanent(message));
        }
        let noted = timeline
            .iter()
            .rev()
            .find(|e| e.step == job.step && e.kind == EventKind::Waiting)
            .is_some_and(|e| e.message == message);
        if !noted {
            jobs::append_event(
                &self.pool,
                &job.id,
                job.step,
                step.name.as_str(),
                EventKind::Waiting,
                &message,
                now_ms(),
            )
            .await
            .map_err(db_error)?;
            self.signals.changed(&job.id).await;
        }
        Ok(self.wait_on_cluster())
    }
}
