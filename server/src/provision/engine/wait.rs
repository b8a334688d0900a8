//! Wait steps that say why: the namespace's recent Warning events about the awaited objects
//! fail a step at once when waiting cannot help, and are noted in the timeline otherwise.

use k8s_openapi::jiff::Timestamp;

use super::{cluster_error, db_error, Engine, POLL};
use crate::clock::now_ms;
use crate::db::jobs::{self, JobRecord};
use crate::jobs::worker::StepError;
use crate::jobs::StepOutcome;
use crate::provision::causes::{self, Target};
use crate::provision::readiness::{self, Readiness};
use app::domain::job_kind::{Step, StepName};
use app::domain::EventKind;

/// How much older than the job's apply an event may look and still count.
const CLOCK_MARGIN_MS: i64 = 2_000;

impl Engine {
    /// Judges a wait step: done when ready; else the namespace's recent Warning events about
    /// the awaited objects say why. A cause no wait can mend (a quota exceeded, an invalid
    /// spec, a missing image) fails the step at once with it; any other is noted once in the
    /// job's timeline while the step keeps waiting.
    pub(super) async fn wait(
        &self,
        job: &JobRecord,
        step: &Step,
        namespace: &str,
        readiness: Readiness,
        targets: &[Target<'_>],
    ) -> Result<StepOutcome, StepError> {
        if readiness == Readiness::Ready {
            return Ok(StepOutcome::Done);
        }
        let events = readiness::warnings(&self.client, namespace)
            .await
            .map_err(cluster_error)?;
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
            return Ok(StepOutcome::Wait(POLL));
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
        }
        Ok(StepOutcome::Wait(POLL))
    }
}
