//! A job's progress: a bar, a timeline of its steps with times, and an estimate of the time
//! left. Server-rendered from what is known; once hydrated it follows the job live over
//! Server-Sent Events, and without JavaScript the page refreshes itself until the job ends.

use leptos::prelude::*;

use crate::domain::clock::time_of_day;
use crate::domain::{EventKind, JobEventView, JobProgress, JobState, JobView};

/// How one step stands, derived from the job's events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StepStatus {
    /// Not started.
    Pending,
    /// Started, not finished.
    Running,
    /// Started, and waiting: for an unreachable cluster, or on a cause the cluster reports,
    /// as this message says.
    Waiting(String),
    /// Finished, after this many milliseconds.
    Done(i64),
    /// The job failed here, with this message.
    Failed(String),
}

/// The status of every step, from the events so far.
pub fn step_statuses(job: &JobView, events: &[JobEventView]) -> Vec<StepStatus> {
    (0..job.steps_total)
        .map(|step| {
            let mine = events.iter().filter(|e| e.step == step);
            let mut status = StepStatus::Pending;
            let mut started = None;
            for event in mine {
                status = match event.kind {
                    EventKind::Started => {
                        started = Some(event.at);
                        StepStatus::Running
                    }
                    EventKind::Waiting => StepStatus::Waiting(event.message.clone()),
                    EventKind::Resumed => StepStatus::Running,
                    EventKind::Succeeded => {
                        StepStatus::Done(event.at - started.unwrap_or(event.at))
                    }
                    EventKind::Failed => StepStatus::Failed(event.message.clone()),
                    EventKind::Retrying | EventKind::Finished => status,
                };
            }
            status
        })
        .collect()
}

/// The line under the bar.
pub fn summary(job: &JobView, estimate_ms: Option<i64>) -> String {
    match job.state {
        JobState::Succeeded => "Done.".to_owned(),
        JobState::Failed => format!(
            "Failed: {}",
            job.last_error.as_deref().unwrap_or("unknown error")
        ),
        _ => {
            let steps = format!("{} of {} steps done", job.steps_done, job.steps_total);
            match estimate_ms {
                Some(ms) => format!("{steps} · about {} s left", (ms + 999) / 1000),
                None => steps,
            }
        }
    }
}

/// A step's class and the note beside it; a waiting step says since when it waits (its
/// deadline counts from then, across retries and restarts).
pub fn step_note(status: &StepStatus, started_at: Option<i64>) -> (&'static str, String) {
    match status {
        StepStatus::Pending => ("pending", String::new()),
        StepStatus::Running => ("running", "running…".to_owned()),
        StepStatus::Waiting(message) => match started_at {
            Some(at) => (
                "waiting",
                format!("{message} · waiting since {}", time_of_day(at)),
            ),
            None => ("waiting", message.clone()),
        },
        StepStatus::Done(ms) => ("done", seconds(*ms)),
        StepStatus::Failed(message) => ("failed", message.clone()),
    }
}

fn seconds(ms: i64) -> String {
    format!("{:.1} s", ms as f64 / 1000.0)
}

/// Shows a job's progress and keeps it current. `on_finish` runs once the job has ended.
#[component]
pub fn JobProgressView(
    initial: JobProgress,
    #[prop(into)] on_finish: Callback<()>,
) -> impl IntoView {
    let job = RwSignal::new(initial.job.clone());
    let events = RwSignal::new(initial.events.clone());
    let estimate = RwSignal::new(initial.estimate_ms);
    let finished = Memo::new(move |_| job.with(JobView::is_finished));

    #[cfg(feature = "hydrate")]
    live::follow(initial.job.id.clone(), job, events, estimate, on_finish);
    #[cfg(not(feature = "hydrate"))]
    let _ = on_finish;

    let percent = move || {
        job.with(|j| {
            if j.steps_total == 0 || j.state == JobState::Succeeded {
                100
            } else {
                j.steps_done * 100 / j.steps_total
            }
        })
    };
    let created = initial.job.created_at;
    let rows = move || {
        let view = job.get();
        let statuses = events.with(|e| step_statuses(&view, e));
        view.step_titles
            .iter()
            .zip(statuses)
            .enumerate()
            .map(|(index, (title, status))| {
                let started_at = events.with(|e| {
                    e.iter()
                        .find(|e| e.step == index && e.kind == EventKind::Started)
                        .map(|e| e.at)
                });
                let (class, note) = step_note(&status, started_at);
                let started_at = started_at.map(|at| at - created);
                view! {
                    <li class=class data-step=index>
                        <span class="step-title">{title.clone()}</span>
                        <span class="step-at" title="Began, after the job started">{started_at.map(|ms| format!("+{}", seconds(ms)))}</span>
                        <span class="step-note">{note}</span>
                    </li>
                }
            })
            .collect_view()
    };

    view! {
        <div class="progress" data-testid="job-progress" data-state=move || job.get().state.as_str()>
            <div class="bar" role="progressbar" aria-label="Progress" aria-valuemin="0" aria-valuemax="100" aria-valuenow=percent>
                <div class="fill" style:width=move || format!("{}%", percent())></div>
            </div>
            <p class="progress-summary" data-testid="progress-summary" aria-live="polite">
                {move || job.with(|j| summary(j, estimate.get()))}
            </p>
            <div class="timeline-head" aria-hidden="true">
                <span></span>
                <span>"Step"</span>
                <span>"Began"</span>
                <span>"Took, or where it stands"</span>
            </div>
            <ol class="timeline" aria-label="Steps">{rows}</ol>
            // Without JavaScript the page refreshes itself until the job ends. Set as inner HTML:
            // with scripting on, a browser keeps a noscript's content as inert text, so the
            // hydrated page never reloads.
            <Show when=move || !finished.get()>
                <noscript inner_html=r#"<meta http-equiv="refresh" content="2">"#></noscript>
            </Show>
        </div>
    }
}

#[cfg(feature = "hydrate")]
mod live {
    use leptos::prelude::*;
    use send_wrapper::SendWrapper;
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::JsCast;
    use web_sys::{EventSource, MessageEvent};

    use crate::domain::{JobEventView, JobId, JobProgress, JobView};

    /// Subscribes to the job's event stream from the last event shown; closes it when the
    /// job ends or the view goes away.
    pub fn follow(
        job_id: JobId,
        job: RwSignal<JobView>,
        events: RwSignal<Vec<JobEventView>>,
        estimate: RwSignal<Option<i64>>,
        on_finish: Callback<()>,
    ) {
        if job.with_untracked(JobView::is_finished) {
            return;
        }
        let after = events.with_untracked(|e| e.last().map_or(0, |e| e.seq));
        let url = format!("/api/jobs/{job_id}/events?after={after}");
        let Ok(source) = EventSource::new(&url) else {
            return;
        };
        let closer = source.clone();
        let on_progress = Closure::<dyn FnMut(MessageEvent)>::new(move |message: MessageEvent| {
            let Some(text) = message.data().as_string() else {
                return;
            };
            let Ok(progress) = serde_json::from_str::<JobProgress>(&text) else {
                return;
            };
            events.update(|shown| {
                let last = shown.last().map_or(0, |e| e.seq);
                shown.extend(progress.events.into_iter().filter(|e| e.seq > last));
            });
            estimate.set(progress.estimate_ms);
            let ended = progress.job.is_finished();
            job.set(progress.job);
            if ended {
                closer.close();
                on_finish.run(());
            }
        });
        let _ = source
            .add_event_listener_with_callback("progress", on_progress.as_ref().unchecked_ref());
        let held = SendWrapper::new((source, on_progress));
        on_cleanup(move || held.take().0.close());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::JobId;

    fn job(state: &str, done: usize) -> JobView {
        JobView {
            id: JobId::new("j"),
            kind: "provision".into(),
            state: state.parse::<JobState>().ok().unwrap(),
            steps_done: done,
            steps_total: 3,
            step_titles: vec!["a".into(), "b".into(), "c".into()],
            last_error: None,
            created_at: 0,
            finished_at: None,
        }
    }

    fn event(seq: i64, at: i64, step: usize, kind: &str) -> JobEventView {
        JobEventView {
            seq,
            at,
            step,
            step_name: format!("s{step}"),
            kind: kind.parse::<EventKind>().ok().unwrap(),
            message: format!("{kind} {step}"),
        }
    }

    #[test]
    fn statuses_follow_the_events() {
        let events = [
            event(1, 0, 0, "started"),
            event(2, 400, 0, "succeeded"),
            event(3, 400, 1, "started"),
            event(4, 900, 1, "retrying"),
        ];
        assert_eq!(
            step_statuses(&job("running", 1), &events),
            [
                StepStatus::Done(400),
                StepStatus::Running,
                StepStatus::Pending
            ]
        );
        let outage = [event(1, 0, 0, "started"), event(2, 10, 0, "waiting")];
        assert_eq!(
            step_statuses(&job("running", 0), &outage)[0],
            StepStatus::Waiting("waiting 0".into())
        );
        let over = [
            event(1, 0, 0, "started"),
            event(2, 10, 0, "waiting"),
            event(3, 20, 0, "resumed"),
        ];
        assert_eq!(
            step_statuses(&job("running", 0), &over)[0],
            StepStatus::Running
        );
        let failed = [event(1, 0, 0, "started"), event(2, 10, 0, "failed")];
        assert_eq!(
            step_statuses(&job("failed", 0), &failed)[0],
            StepStatus::Failed("failed 0".into())
        );
    }

    #[test]
    fn a_waiting_step_says_since_when() {
        let waiting = StepStatus::Waiting("re-applied 12 objects".into());
        assert_eq!(
            step_note(&waiting, Some(1_795_000_000_123)),
            (
                "waiting",
                "re-applied 12 objects · waiting since 11:06 UTC".into()
            )
        );
        assert_eq!(
            step_note(&waiting, None),
            ("waiting", "re-applied 12 objects".into())
        );
        assert_eq!(
            step_note(&StepStatus::Done(1500), Some(0)),
            ("done", "1.5 s".into())
        );
    }

    #[test]
    fn the_summary_says_what_is_left() {
        assert_eq!(
            summary(&job("running", 1), Some(2100)),
            "1 of 3 steps done · about 3 s left"
        );
        assert_eq!(summary(&job("running", 1), None), "1 of 3 steps done");
        assert_eq!(summary(&job("succeeded", 3), Some(0)), "Done.");
        let mut failed = job("failed", 1);
        failed.last_error = Some("image never started".into());
        assert_eq!(summary(&failed, None), "Failed: image never started");
    }
}
