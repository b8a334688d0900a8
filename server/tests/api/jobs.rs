//! Durable jobs: leases keep each job to one worker at a time, failures retry and then fail
//! visibly, and a job whose worker died resumes where it stopped.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use app::domain::job_kind::Step;
use async_trait::async_trait;
use server::clock::now_ms;
use server::db::jobs::{self, JobRecord, JobState};
use server::jobs::policy::RetryPolicy;
use server::jobs::worker::StepError;
use server::jobs::{JobHandler, JobKind, StepOutcome, Worker, WorkerOptions};
use sqlx::AnyPool;
use std::sync::atomic::{AtomicU32, Ordering};
use tokio::sync::watch;

use crate::on_both_databases;
use crate::support::{Backend, TestDb};

on_both_databases!(
    two_workers_run_each_of_twenty_jobs_exactly_once,
    a_failing_step_retries_then_fails_visibly_and_an_admin_can_retry,
    a_job_whose_worker_died_resumes_at_its_step,
    an_unreachable_cluster_spends_no_attempts_until_the_tolerance_runs_out,
    a_stop_cuts_off_an_attempt_the_cluster_never_answers,
    a_step_ends_at_its_deadline_however_often_it_is_retried,
    a_superseded_job_moves_its_tenant_no_more,
);

/// Records every step it runs in `step_runs`, and any overlap of one job with itself.
struct Recorder {
    pool: AnyPool,
    in_flight: Mutex<HashSet<String>>,
    overlaps: Mutex<Vec<String>>,
    fail_step: Option<&'static str>,
    failures: Mutex<Vec<String>>,
}

impl Recorder {
    fn new(pool: AnyPool, fail_step: Option<&'static str>) -> Arc<Self> {
        Arc::new(Self {
            pool,
            in_flight: Mutex::new(HashSet::new()),
            overlaps: Mutex::new(Vec::new()),
            fail_step,
            failures: Mutex::new(Vec::new()),
        })
    }
}

#[async_trait]
impl JobHandler for Recorder {
    async fn run_step(&self, job: &JobRecord, step: &Step) -> Result<StepOutcome, StepError> {
        if !self.in_flight.lock().unwrap().insert(job.id.clone()) {
            self.overlaps.lock().unwrap().push(job.id.clone());
        }
        tokio::time::sleep(Duration::from_millis(3)).await;
        self.in_flight.lock().unwrap().remove(&job.id);
        if self.fail_step == Some(step.name.as_str()) {
            return Err(StepError::transient("the database never became ready"));
        }
        sqlx::query("INSERT INTO step_runs (job_id, step) VALUES ($1, $2)")
            .bind(&job.id)
            .bind(step.name.as_str())
            .execute(&self.pool)
            .await
            .map_err(|e| StepError::transient(e.to_string()))?;
        Ok(StepOutcome::Done)
    }

    async fn on_failed(&self, job: &JobRecord, error: &str) {
        self.failures
            .lock()
            .unwrap()
            .push(format!("{}: {error}", job.id));
    }
}

async fn database(backend: Backend) -> Option<(TestDb, AnyPool)> {
    let db = TestDb::create(backend).await?;
    let url = db.url.clone();
    let migrated = server::db::Db::connect(&url).await.unwrap();
    server::catalog::prepare(&migrated).await.unwrap();
    sqlx::query("CREATE TABLE step_runs (job_id TEXT NOT NULL, step TEXT NOT NULL)")
        .execute(&migrated.pool)
        .await
        .unwrap();
    Some((db, migrated.pool))
}

/// Queues a provisioning job (with no tenant: the recorder needs none); returns its id.
async fn queue_provision(pool: &AnyPool) -> String {
    let id = uuid::Uuid::new_v4().to_string();
    jobs::enqueue(pool, &id, None, JobKind::Provision, now_ms())
        .await
        .unwrap();
    id
}

async fn count(pool: &AnyPool, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(pool).await.unwrap()
}

fn options(owner: &str) -> WorkerOptions {
    WorkerOptions {
        owner: owner.to_owned(),
        lease: Duration::from_secs(5),
        poll: Duration::from_millis(20),
        concurrency: 4,
        retry: RetryPolicy {
            base: Duration::from_millis(10),
            max: Duration::from_millis(20),
            max_attempts: 3,
            outage_tolerance: Duration::from_secs(60),
        },
        step_timeout_cap: None,
        stop_grace: Duration::from_secs(3),
        signals: server::jobs::JobSignals::local(),
        wake: Default::default(),
    }
}

async fn wait_until_finished(pool: &AnyPool, expected: i64) {
    for _ in 0..1000 {
        let done = count(
            pool,
            "SELECT COUNT(*) FROM jobs WHERE state IN ('succeeded', 'failed')",
        )
        .await;
        if done == expected {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("jobs did not finish");
}

async fn two_workers_run_each_of_twenty_jobs_exactly_once(backend: Backend) {
    let Some((db, pool)) = database(backend).await else {
        return;
    };
    for _ in 0..20 {
        queue_provision(&pool).await;
    }
    // Two workers with pools of their own, as two server processes would have.
    let second = server::db::Db::connect(&db.url).await.unwrap().pool;
    let recorder = Recorder::new(pool.clone(), None);
    let (stop, stopped) = watch::channel(false);
    let a = tokio::spawn(
        Worker::new(pool.clone(), recorder.clone(), options("a")).run(stopped.clone()),
    );
    let b = tokio::spawn(Worker::new(second, recorder.clone(), options("b")).run(stopped));

    wait_until_finished(&pool, 20).await;
    stop.send(true).unwrap();
    a.await.unwrap();
    b.await.unwrap();

    let steps = i64::try_from(JobKind::Provision.steps().len()).unwrap();
    assert_eq!(
        count(&pool, "SELECT COUNT(*) FROM jobs WHERE state = 'succeeded'").await,
        20
    );
    assert_eq!(
        count(&pool, "SELECT COUNT(*) FROM step_runs").await,
        20 * steps
    );
    assert_eq!(
        count(
            &pool,
            "SELECT COUNT(*) FROM (SELECT DISTINCT job_id, step FROM step_runs) AS d"
        )
        .await,
        20 * steps,
        "no step ran twice"
    );
    assert!(
        recorder.overlaps.lock().unwrap().is_empty(),
        "a job ran in two places at once"
    );
    assert_eq!(
        count(
            &pool,
            "SELECT COUNT(*) FROM jobs WHERE lease_owner IS NOT NULL"
        )
        .await,
        0
    );
}

async fn a_failing_step_retries_then_fails_visibly_and_an_admin_can_retry(backend: Backend) {
    let Some((_db, pool)) = database(backend).await else {
        return;
    };
    let id = queue_provision(&pool).await;

    let failing = Recorder::new(pool.clone(), Some("database"));
    let worker = Worker::new(pool.clone(), failing.clone(), options("a"));
    for _ in 0..200 {
        worker.run_due().await.unwrap();
        if jobs::get(&pool, &id).await.unwrap().unwrap().state == JobState::Failed {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let job = jobs::get(&pool, &id).await.unwrap().unwrap();
    assert_eq!(job.state, JobState::Failed);
    assert_eq!(
        job.last_error.as_deref(),
        Some("the database never became ready")
    );
    assert_eq!(job.step, 2, "failed at the database step");
    assert_eq!(failing.failures.lock().unwrap().len(), 1);

    let events = jobs::events_after(&pool, &id, 0).await.unwrap();
    let kinds: Vec<&str> = events
        .iter()
        .filter(|e| e.step == 2)
        .map(|e| e.kind.as_str())
        .collect();
    assert_eq!(kinds, ["started", "retrying", "retrying", "failed"]);
    assert!(
        events.windows(2).all(|w| w[1].seq == w[0].seq + 1),
        "events are numbered in order"
    );

    // An admin retries; the cause is gone, so the job runs again from its first step.
    assert!(jobs::retry_failed(&pool, &id, now_ms()).await.unwrap());
    let healthy = Worker::new(
        pool.clone(),
        Recorder::new(pool.clone(), None),
        options("b"),
    );
    healthy.run_due().await.unwrap();
    let job = jobs::get(&pool, &id).await.unwrap().unwrap();
    assert_eq!(job.state, JobState::Succeeded);
    assert_eq!(
        count(&pool, "SELECT COUNT(*) FROM step_runs WHERE step = 'apply'").await,
        2,
        "a retried job starts over; its steps are idempotent"
    );
    assert_eq!(
        count(
            &pool,
            "SELECT COUNT(*) FROM step_runs WHERE step = 'database'"
        )
        .await,
        1
    );
}

async fn a_job_whose_worker_died_resumes_at_its_step(backend: Backend) {
    let Some((_db, pool)) = database(backend).await else {
        return;
    };
    let id = queue_provision(&pool).await;

    // A worker claims the job, gets three steps done, and dies without releasing it.
    let job = jobs::claim(&pool, &id, "dead", now_ms(), 200)
        .await
        .unwrap()
        .unwrap();
    for next in 1..=3 {
        assert!(jobs::advance(&pool, &job.id, "dead", next, now_ms())
            .await
            .unwrap());
    }
    assert!(
        !jobs::advance(&pool, &job.id, "dead", 3, now_ms())
            .await
            .unwrap(),
        "a step is advanced past once only"
    );

    let survivor = Worker::new(
        pool.clone(),
        Recorder::new(pool.clone(), None),
        options("b"),
    );
    assert_eq!(
        survivor.run_due().await.unwrap(),
        0,
        "a live lease is respected"
    );
    tokio::time::sleep(Duration::from_millis(250)).await;
    assert_eq!(
        survivor.run_due().await.unwrap(),
        1,
        "an expired lease is taken over"
    );

    let job = jobs::get(&pool, &id).await.unwrap().unwrap();
    assert_eq!(job.state, JobState::Succeeded);
    let ran: Vec<String> = sqlx::query_scalar("SELECT step FROM step_runs ORDER BY step")
        .fetch_all(&pool)
        .await
        .unwrap();
    let mut expected: Vec<String> = JobKind::Provision.steps()[3..]
        .iter()
        .map(|s| s.name.as_str().to_owned())
        .collect();
    expected.sort();
    assert_eq!(ran, expected);
    // The dead worker can no longer change the job.
    assert!(!jobs::advance(&pool, &id, "dead", 5, now_ms())
        .await
        .unwrap());
}

/// A cluster that cannot be reached by the `database` step's first `outage` attempts.
struct Outage {
    outage: u32,
    tries: AtomicU32,
    failures: Mutex<Vec<String>>,
}

#[async_trait]
impl JobHandler for Outage {
    async fn run_step(&self, _job: &JobRecord, step: &Step) -> Result<StepOutcome, StepError> {
        if step.name.as_str() == "database"
            && self.tries.fetch_add(1, Ordering::SeqCst) < self.outage
        {
            return Err(StepError::cluster_unreachable(
                "cluster: reading StatefulSet database: connection refused",
            ));
        }
        Ok(StepOutcome::Done)
    }

    async fn on_failed(&self, _job: &JobRecord, error: &str) {
        self.failures.lock().unwrap().push(error.to_owned());
    }
}

async fn run_until_finished(worker: &Worker, pool: &AnyPool, id: &str) -> JobRecord {
    for _ in 0..500 {
        worker.run_due().await.unwrap();
        let job = jobs::get(pool, id).await.unwrap().unwrap();
        if matches!(job.state, JobState::Succeeded | JobState::Failed) {
            return job;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("job {id} did not finish");
}

async fn an_unreachable_cluster_spends_no_attempts_until_the_tolerance_runs_out(backend: Backend) {
    let Some((_db, pool)) = database(backend).await else {
        return;
    };
    // Twice the attempts the policy allows: an outage is not the store's fault.
    let id = queue_provision(&pool).await;
    let handler = Arc::new(Outage {
        outage: 6,
        tries: AtomicU32::new(0),
        failures: Mutex::new(Vec::new()),
    });
    let worker = Worker::new(pool.clone(), handler.clone(), options("a"));
    let job = run_until_finished(&worker, &pool, &id).await;
    assert_eq!(job.state, JobState::Succeeded);
    assert_eq!(job.attempts, 0);
    assert_eq!(job.outage_since, None);
    assert!(handler.failures.lock().unwrap().is_empty());
    let events = jobs::events_after(&pool, &id, 0).await.unwrap();
    let database: Vec<(&str, &str)> = events
        .iter()
        .filter(|e| e.step_name == "database")
        .map(|e| (e.kind.as_str(), e.message.as_str()))
        .collect();
    assert_eq!(database.len(), 9, "{database:?}");
    assert_eq!(database[0].0, "started");
    for (kind, message) in &database[1..7] {
        assert_eq!(*kind, "waiting");
        assert!(
            message.starts_with("Cluster unreachable since ")
                && message.contains("without spending an attempt"),
            "{message}"
        );
    }
    assert!(
        database[7].0 == "resumed" && database[7].1.starts_with("Cluster reachable again"),
        "{database:?}"
    );
    assert_eq!(database[8].0, "succeeded");

    // An outage longer than the tolerance fails the job, saying so.
    let id = queue_provision(&pool).await;
    let handler = Arc::new(Outage {
        outage: u32::MAX,
        tries: AtomicU32::new(0),
        failures: Mutex::new(Vec::new()),
    });
    let mut impatient = options("b");
    impatient.retry.outage_tolerance = Duration::from_millis(300);
    let worker = Worker::new(pool.clone(), handler.clone(), impatient);
    let job = run_until_finished(&worker, &pool, &id).await;
    assert_eq!(job.state, JobState::Failed);
    assert_eq!(job.attempts, 0);
    let error = job.last_error.unwrap();
    assert!(
        error.starts_with("Cluster unreachable since ")
            && error.contains("longer than the 300 ms tolerated: cluster: reading StatefulSet"),
        "{error}"
    );
    assert_eq!(*handler.failures.lock().unwrap(), [error]);
}

/// A step stuck on a cluster that accepts connections and never answers.
struct Hanging;

#[async_trait]
impl JobHandler for Hanging {
    async fn run_step(&self, _job: &JobRecord, _step: &Step) -> Result<StepOutcome, StepError> {
        std::future::pending().await
    }

    async fn on_failed(&self, _job: &JobRecord, _error: &str) {}
}

async fn a_stop_cuts_off_an_attempt_the_cluster_never_answers(backend: Backend) {
    let Some((_db, pool)) = database(backend).await else {
        return;
    };
    let id = queue_provision(&pool).await;
    let mut quick = options("a");
    quick.stop_grace = Duration::from_millis(100);
    let (stop, stopped) = watch::channel(false);
    let worker = tokio::spawn(Worker::new(pool.clone(), Arc::new(Hanging), quick).run(stopped));
    for _ in 0..500 {
        if jobs::get(&pool, &id)
            .await
            .unwrap()
            .unwrap()
            .lease_owner
            .is_some()
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    stop.send(true).unwrap();
    // The attempt never ends by itself: without the cut the worker would never stop.
    tokio::time::timeout(Duration::from_secs(60), worker)
        .await
        .expect("the worker stopped")
        .unwrap();
    let job = jobs::get(&pool, &id).await.unwrap().unwrap();
    assert_eq!(job.state, JobState::Running, "left to the next holder");
    assert_eq!(job.step, 0);
}

async fn a_step_ends_at_its_deadline_however_often_it_is_retried(backend: Backend) {
    let Some((_db, pool)) = database(backend).await else {
        return;
    };
    let id = queue_provision(&pool).await;
    // Retries enough for a minute; the step's deadline is one second.
    let mut patient = options("a");
    patient.retry = RetryPolicy {
        base: Duration::from_millis(50),
        max: Duration::from_millis(50),
        max_attempts: 1_000,
        outage_tolerance: Duration::from_secs(60),
    };
    patient.step_timeout_cap = Some(Duration::from_secs(1));
    let worker = Worker::new(
        pool.clone(),
        Recorder::new(pool.clone(), Some("database")),
        patient,
    );
    for _ in 0..300 {
        worker.run_due().await.unwrap();
        if jobs::get(&pool, &id).await.unwrap().unwrap().state == JobState::Failed {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let job = jobs::get(&pool, &id).await.unwrap().unwrap();
    assert_eq!(job.state, JobState::Failed, "the deadline ended the job");
    let error = job.last_error.unwrap_or_default();
    assert!(
        error.starts_with("Wait for the database: not done 1 s after it began (waiting since "),
        "{error}"
    );
    assert!(job.attempts < 100, "{} attempts", job.attempts);
}

/// A job that a newer one ended while its step ran moves its tenant no more: a rollback's
/// update keeps the store updating, whatever the forward update's last step still does.
async fn a_superseded_job_moves_its_tenant_no_more(backend: Backend) {
    use app::domain::TenantState::{Ready, Updating};
    use app::ports::TenantAdmin;
    use server::db::tenants;

    let Some((_db, pool)) = database(backend).await else {
        return;
    };
    let service = server::tenants::TenantService::new(
        pool.clone(),
        crate::support::test_config().cluster.settings(),
    );
    let (_, forward) = service
        .create(&crate::support::operator(), "shop", "starter", None)
        .await
        .unwrap();
    let forward = forward.to_string();
    let job = jobs::claim(&pool, &forward, "worker-1", now_ms(), 60_000)
        .await
        .unwrap()
        .unwrap();
    let tenant_id = job.tenant_id.clone().unwrap();
    sqlx::query("UPDATE tenants SET state = 'updating' WHERE id = $1")
        .bind(&tenant_id)
        .execute(&pool)
        .await
        .unwrap();
    let state = || async {
        tenants::by_id(&pool, &tenant_id)
            .await
            .unwrap()
            .unwrap()
            .state
    };

    // While its step runs, a rollback queues the store's update back, ending this job.
    let back = tenants::transition(
        &pool,
        &tenant_id,
        Updating,
        Updating,
        "rolled back",
        Some(JobKind::Update),
        &[],
        now_ms(),
    )
    .await
    .unwrap()
    .expect("the rollback's job is queued");

    let moved = tenants::transition_by_job(
        &pool,
        &forward,
        &tenant_id,
        Updating,
        Ready,
        "done",
        &[],
        now_ms(),
    )
    .await
    .unwrap();
    assert!(!moved, "the ended job moves nothing");
    assert_eq!(state().await, Updating, "the store stays with the rollback");

    jobs::claim(&pool, &back, "worker-2", now_ms(), 60_000)
        .await
        .unwrap()
        .expect("the rollback's job is due");
    let moved = tenants::transition_by_job(
        &pool,
        &back,
        &tenant_id,
        Updating,
        Ready,
        "done",
        &[],
        now_ms(),
    )
    .await
    .unwrap();
    assert!(moved, "the running job moves its tenant");
    assert_eq!(state().await, Ready);
}
