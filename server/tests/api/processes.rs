//! Real `storefleet serve` processes sharing one database and one cluster: a server killed in
//! the middle of a job leaves it to the next, and two servers run each job exactly once.

use std::collections::{BTreeMap, HashSet};
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use app::ports::TenantAdmin;
use k8s_openapi::api::apps::v1::{Deployment, StatefulSet};
use k8s_openapi::api::core::v1::{ConfigMap, PersistentVolumeClaim, Secret, Service};
use k8s_openapi::api::networking::v1::Ingress;
use kube::api::ListParams;
use kube::{Api, Client};
use rand::Rng;
use server::cluster::{SimCluster, SimOptions};
use server::jobs::JobKind;
use sqlx::AnyPool;

use crate::on_both_databases;
use crate::support::operator;
use crate::support::{test_config, Backend, TestDb};

on_both_databases!(
    a_killed_server_resumes_its_job_and_the_tenant_ends_ready,
    twenty_stores_provisioned_through_twenty_kills_all_end_ready,
);

/// One database and one simulated cluster, run by this test process, that every child
/// `storefleet` process shares; `dir` is the children's HOME and holds their kubeconfig and logs.
pub(crate) struct Shared {
    pub(crate) db: TestDb,
    pub(crate) sim: SimCluster,
    ready_delay: Duration,
    dir: tempfile::TempDir,
}

async fn simulated(ready_delay: Duration, databases: Option<String>) -> SimCluster {
    SimCluster::start(SimOptions {
        ready_delay,
        databases,
        ..SimOptions::default()
    })
    .await
    .expect("simulated cluster starts")
}

/// A kubeconfig for the simulated cluster, its token as the user's credentials.
fn write_kubeconfig(dir: &std::path::Path, sim: &SimCluster) {
    let kubeconfig = format!(
        "apiVersion: v1\nkind: Config\nclusters:\n- name: sim\n  cluster:\n    server: {}\n\
             users:\n- name: sim\n  user:\n    token: {}\n\
             contexts:\n- name: sim\n  context:\n    cluster: sim\n    user: sim\n\
             current-context: sim\n",
        sim.url(),
        sim.token()
    );
    std::fs::write(dir.join("kubeconfig"), kubeconfig).unwrap();
}

impl Shared {
    pub(crate) async fn start(backend: Backend, ready_delay: Duration) -> Option<Self> {
        Self::start_with(backend, ready_delay, None).await
    }

    /// The same, on a simulated cluster that behaves as `options` say.
    pub(crate) async fn start_on(backend: Backend, options: SimOptions) -> Option<Self> {
        let db = TestDb::create(backend).await?;
        let ready_delay = options.ready_delay;
        let sim = SimCluster::start(options)
            .await
            .expect("simulated cluster starts");
        let dir = tempfile::tempdir().unwrap();
        write_kubeconfig(dir.path(), &sim);
        Some(Self {
            db,
            sim,
            ready_delay,
            dir,
        })
    }

    /// The same, with a simulated cluster giving each store a real database on `databases`.
    pub(crate) async fn start_with(
        backend: Backend,
        ready_delay: Duration,
        databases: Option<String>,
    ) -> Option<Self> {
        let options = SimOptions {
            ready_delay,
            databases,
            ..SimOptions::default()
        };
        Self::start_on(backend, options).await
    }

    /// Replaces the cluster with an empty one, as a rebuilt cluster: servers started from
    /// now on talk to the new one.
    async fn rebuild_cluster(&mut self) {
        let fresh = simulated(self.ready_delay, None).await;
        write_kubeconfig(self.dir.path(), &fresh);
        let old = std::mem::replace(&mut self.sim, fresh);
        old.stop().await.unwrap();
    }

    /// `storefleet` with these arguments, on the shared database and cluster.
    fn command(&self, args: &[&str]) -> Command {
        let cluster = test_config().cluster;
        let mut command = Command::new(env!("CARGO_BIN_EXE_storefleet"));
        command
            .args(args)
            .env("DATABASE_URL", &self.db.url)
            .env("STOREFLEET_CLUSTER", "kubernetes")
            .env("KUBECONFIG", self.dir.path().join("kubeconfig"))
            // Not a developer's ~/.kube/config, nor a proxy kube would send requests through.
            .env("HOME", self.dir.path())
            .env_remove("HTTPS_PROXY")
            .env_remove("https_proxy")
            .env_remove("STOREFLEET_LOG_FORMAT")
            .env("STOREFLEET_NAMESPACE_PREFIX", &cluster.namespace_prefix)
            .env("STOREFLEET_BASE_DOMAIN", &cluster.base_domain)
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null());
        command
    }

    /// Runs a command-line client command to its end.
    pub(crate) async fn cli(&self, args: &[&str]) -> Output {
        let mut command = self.command(args);
        let output = tokio::task::spawn_blocking(move || command.output().expect("run storefleet"))
            .await
            .unwrap();
        assert!(
            output.status.success(),
            "storefleet {args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        output
    }

    /// Starts `storefleet serve` on a free port with these extra settings; waits until ready.
    pub(crate) async fn serve(&self, name: &str, settings: &[(&str, &str)]) -> Server {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let log = self.dir.path().join(format!("{name}.log"));
        let child = self
            .command(&["serve"])
            .env("STOREFLEET_BIND", format!("127.0.0.1:{port}"))
            .envs(settings.iter().copied())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .expect("run storefleet serve");
        let server = Server {
            name: name.to_owned(),
            child,
            log,
            base: format!("http://127.0.0.1:{port}"),
        };
        let client = crate::support::client();
        let readyz = format!("http://127.0.0.1:{port}/readyz");
        for _ in 0..200 {
            match client.get(&readyz).send().await {
                Ok(response) if response.status() == 200 => return server,
                _ => tokio::time::sleep(Duration::from_millis(50)).await,
            }
        }
        panic!("{name} never became ready\n{}", server.log());
    }

    pub(crate) async fn pool(&self) -> AnyPool {
        server::db::Db::connect(&self.db.url).await.unwrap().pool
    }

    /// The namespace of the tenant with this subdomain, as recorded when it was made
    /// (`<prefix>-<namespace key>`).
    pub(crate) async fn namespace(&self, subdomain: &str) -> String {
        let pool = self.pool().await;
        let key: String =
            sqlx::query_scalar("SELECT namespace_key FROM tenants WHERE subdomain = $1")
                .bind(subdomain)
                .fetch_one(&pool)
                .await
                .unwrap_or_else(|e| panic!("no tenant {subdomain}: {e}"));
        pool.close().await;
        test_config().cluster.settings().namespace(&key)
    }
}

/// A `storefleet serve` child; killed when dropped, so a failing test leaves none behind.
pub(crate) struct Server {
    name: String,
    child: Child,
    log: PathBuf,
    /// Where it serves, `http://127.0.0.1:<port>`.
    pub(crate) base: String,
}

impl Server {
    /// What it wrote to stderr, to show with a failed assertion.
    pub(crate) fn log(&self) -> String {
        let log = std::fs::read_to_string(&self.log).unwrap_or_default();
        format!("--- {} stderr ---\n{log}", self.name)
    }

    /// `kill -9`: no graceful shutdown, its leases stay behind.
    pub(crate) fn kill(&mut self) {
        assert!(
            self.child.try_wait().unwrap().is_none(),
            "{} was still running\n{}",
            self.name,
            self.log()
        );
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(crate) fn logs(servers: &[&Server]) -> String {
    servers
        .iter()
        .map(|s| s.log())
        .collect::<Vec<_>>()
        .join("\n")
}

/// Jobs that ended, counted once their last event is written too (it follows the state).
const FINISHED: &str = "SELECT COUNT(*) FROM jobs WHERE state IN ('succeeded', 'failed') \
    AND EXISTS (SELECT 1 FROM job_events AS e WHERE e.job_id = jobs.id \
    AND e.kind IN ('finished', 'failed'))";

pub(crate) async fn scalar(pool: &AnyPool, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(pool).await.unwrap()
}

/// Waits until the number `sql` selects is what `done` wants, at most `secs` seconds, and
/// returns the lease owners seen meanwhile (a finished job keeps none, so they are sampled).
pub(crate) async fn wait_until(
    pool: &AnyPool,
    sql: &str,
    done: impl Fn(i64) -> bool,
    secs: u64,
    servers: &[&Server],
) -> HashSet<String> {
    let started = Instant::now();
    let mut holders = HashSet::new();
    loop {
        let owners = "SELECT lease_owner FROM jobs WHERE lease_owner IS NOT NULL";
        let owners: Vec<String> = sqlx::query_scalar(owners).fetch_all(pool).await.unwrap();
        // A lease owner is `<worker>/<claim>`: the worker part names the process.
        holders.extend(
            owners
                .into_iter()
                .filter_map(|o| o.split('/').next().map(str::to_owned)),
        );
        let value = scalar(pool, sql).await;
        if done(value) {
            return holders;
        }
        assert!(
            started.elapsed() < Duration::from_secs(secs),
            "after {secs} s, {sql} is still {value}\n{}",
            logs(servers)
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Job id → step name → how many events of this kind the job has for that step.
async fn events_per_step(pool: &AnyPool, kind: &str) -> BTreeMap<String, BTreeMap<String, i64>> {
    let rows: Vec<(String, String, i64)> = sqlx::query_as(
        "SELECT job_id, step_name, COUNT(*) FROM job_events WHERE kind = $1 \
         GROUP BY job_id, step_name",
    )
    .bind(kind)
    .fetch_all(pool)
    .await
    .unwrap();
    let mut jobs: BTreeMap<String, BTreeMap<String, i64>> = BTreeMap::new();
    for (job, step, count) in rows {
        jobs.entry(job).or_default().insert(step, count);
    }
    jobs
}

/// Every provision step, once.
fn each_step_once() -> BTreeMap<String, i64> {
    let steps = JobKind::Provision.steps().iter();
    steps.map(|s| (s.name.as_str().to_owned(), 1)).collect()
}

/// How many objects of kind `K` in the tenant's namespace carry its subdomain's label.
async fn count<K>(client: &Client, namespace: &str, subdomain: &str) -> usize
where
    K: kube::Resource<Scope = k8s_openapi::NamespaceResourceScope, DynamicType = ()>
        + Clone
        + std::fmt::Debug
        + serde::de::DeserializeOwned,
{
    let api: Api<K> = Api::namespaced(client.clone(), namespace);
    let selector = format!("storefleet.io/subdomain={subdomain}");
    api.list(&ListParams::default().labels(&selector))
        .await
        .unwrap()
        .items
        .len()
}

async fn a_killed_server_resumes_its_job_and_the_tenant_ends_ready(backend: Backend) {
    // Workloads take 2 s to start, so the job sits in a waiting step when the server dies.
    let Some(shared) = Shared::start(backend, Duration::from_secs(2)).await else {
        return;
    };
    // A killed server's lease runs out on its own; a short one keeps the test quick.
    let mut first = shared
        .serve("first", &[("STOREFLEET_JOB_LEASE_SECS", "2")])
        .await;
    let create = [
        "tenant",
        "create",
        "--subdomain",
        "acme",
        "--plan",
        "starter",
    ];
    let created = shared.cli(&create).await;
    assert!(String::from_utf8_lossy(&created.stdout).starts_with("created tenant acme"));

    let pool = shared.pool().await;
    let past_apply = "SELECT step FROM jobs";
    wait_until(&pool, past_apply, |step| step >= 1, 30, &[&first]).await;
    first.kill();
    let kill_step = scalar(&pool, past_apply).await;
    let steps = JobKind::Provision.steps().len();
    assert!(
        kill_step < i64::try_from(steps).unwrap()
            && scalar(&pool, "SELECT COUNT(*) FROM jobs WHERE state = 'running'").await == 1,
        "killed mid-job, not after it (step {kill_step})\n{}",
        first.log()
    );

    let second = shared.serve("second", &[]).await;
    wait_until(&pool, FINISHED, |n| n == 1, 60, &[&first, &second]).await;

    // What an operator sees.
    let shown = shared.cli(&["tenant", "show", "acme", "--json"]).await;
    let shown: serde_json::Value = serde_json::from_slice(&shown.stdout).unwrap();
    let context = format!("{shown:#}\n{}", logs(&[&first, &second]));
    assert_eq!(shown["tenant"]["state"], "ready", "{context}");
    assert_eq!(shown["jobs"].as_array().unwrap().len(), 1, "{context}");
    assert_eq!(shown["jobs"][0]["state"], "succeeded", "{context}");
    assert_eq!(shown["jobs"][0]["steps_done"], steps, "{context}");

    let client = shared.sim.client();
    let ns = shared.namespace("acme").await;
    assert_eq!(count::<Deployment>(&client, &ns, "acme").await, 2);
    assert_eq!(count::<StatefulSet>(&client, &ns, "acme").await, 1);
    assert_eq!(count::<ConfigMap>(&client, &ns, "acme").await, 4);
    assert_eq!(count::<Secret>(&client, &ns, "acme").await, 1);
    assert_eq!(
        count::<PersistentVolumeClaim>(&client, &ns, "acme").await,
        2
    );
    assert_eq!(count::<Service>(&client, &ns, "acme").await, 3);
    assert_eq!(count::<Ingress>(&client, &ns, "acme").await, 1);

    // Steps done before the kill are not done again.
    let succeeded = events_per_step(&pool, "succeeded").await;
    assert_eq!(
        succeeded.values().next(),
        Some(&each_step_once()),
        "killed at step {kill_step}\n{context}"
    );
    // Each step's start is recorded exactly once: in the same transaction as the job change,
    // so the kill can neither lose it nor make the resumed step record it again.
    let started = events_per_step(&pool, "started").await;
    assert_eq!(
        started.values().next(),
        Some(&each_step_once()),
        "killed at step {kill_step}\n{context}"
    );
    let finished_events = "SELECT COUNT(*) FROM job_events WHERE kind = 'finished'";
    assert_eq!(scalar(&pool, finished_events).await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_server_processes_on_one_postgres_run_each_of_twenty_jobs_exactly_once() {
    let Some(shared) = Shared::start(Backend::Postgres, Duration::from_secs(1)).await else {
        return;
    };
    let settings = [("STOREFLEET_JOB_CONCURRENCY", "4")];
    let a = shared.serve("a", &settings).await;
    let b = shared.serve("b", &settings).await;

    let pool = shared.pool().await;
    let tenants =
        server::tenants::TenantService::new(pool.clone(), test_config().cluster.settings());
    let subdomains: Vec<String> = (1..=20).map(|i| format!("shop{i:02}")).collect();
    for subdomain in &subdomains {
        tenants
            .create(&operator(), subdomain, "starter", None)
            .await
            .unwrap();
    }

    let holders = wait_until(&pool, FINISHED, |n| n == 20, 120, &[&a, &b]).await;

    let context = logs(&[&a, &b]);
    let ready = "SELECT COUNT(*) FROM jobs JOIN tenants ON tenants.id = jobs.tenant_id \
                 WHERE jobs.state = 'succeeded' AND tenants.state = 'ready'";
    assert_eq!(scalar(&pool, ready).await, 20, "{context}");
    for (kind, expected) in [
        ("started", each_step_once()),
        ("succeeded", each_step_once()),
        ("finished", BTreeMap::from([("done".to_owned(), 1)])),
    ] {
        let per_job = events_per_step(&pool, kind).await;
        assert_eq!(per_job.len(), 20, "{kind} events of every job");
        for (job, steps) in per_job {
            assert_eq!(steps, expected, "{kind} events of job {job}\n{context}");
        }
    }
    assert_eq!(
        holders.len(),
        2,
        "both servers held jobs: {holders:?}\n{context}"
    );

    let client = shared.sim.client();
    for subdomain in &subdomains {
        let namespace = shared.namespace(subdomain).await;
        assert_eq!(
            count::<Deployment>(&client, &namespace, subdomain).await,
            2,
            "{subdomain}"
        );
    }
    let all: Api<Deployment> = Api::all(client);
    let deployments = all.list(&ListParams::default()).await.unwrap().items;
    assert_eq!(deployments.len(), 40, "no duplicates anywhere");
}

/// The objects of one store of the starter plan, by kind.
async fn object_counts(client: &Client, namespace: &str, subdomain: &str) -> [usize; 7] {
    [
        count::<Deployment>(client, namespace, subdomain).await,
        count::<StatefulSet>(client, namespace, subdomain).await,
        count::<ConfigMap>(client, namespace, subdomain).await,
        count::<Secret>(client, namespace, subdomain).await,
        count::<PersistentVolumeClaim>(client, namespace, subdomain).await,
        count::<Service>(client, namespace, subdomain).await,
        count::<Ingress>(client, namespace, subdomain).await,
    ]
}

async fn twenty_stores_provisioned_through_twenty_kills_all_end_ready(backend: Backend) {
    // Workloads take 8 s to start, so most kills land while jobs wait.
    let Some(mut shared) = Shared::start(backend, Duration::from_secs(8)).await else {
        return;
    };
    let settings = [
        ("STOREFLEET_JOB_LEASE_SECS", "2"),
        ("STOREFLEET_RECONCILE_EVERY_SECS", "1"),
    ];
    let pool = shared.pool().await;
    let mut server = shared.serve("server-0", &settings).await;
    let tenants =
        server::tenants::TenantService::new(pool.clone(), test_config().cluster.settings());
    let began = Instant::now();
    let stores: Vec<String> = (0..20).map(|i| format!("shop-{i:02}")).collect();
    for store in &stores {
        tenants
            .create(&operator(), store, "starter", None)
            .await
            .unwrap();
    }
    let mut killed = Vec::new();
    for kill in 1..=20 {
        let pause = rand::thread_rng().gen_range(200..1_500);
        tokio::time::sleep(Duration::from_millis(pause)).await;
        server.kill();
        killed.push(server);
        // Half-way, the cluster itself is rebuilt empty: what was applied is gone.
        if kill == 10 {
            shared.rebuild_cluster().await;
        }
        server = shared.serve(&format!("server-{kill}"), &settings).await;
    }

    let all: Vec<&Server> = killed.iter().chain([&server]).collect();
    wait_until(&pool, FINISHED, |n| n == 20, 180, &all).await;
    let ready = "SELECT COUNT(*) FROM tenants WHERE state = 'ready'";
    wait_until(&pool, ready, |n| n == 20, 30, &all).await;
    println!(
        "20 stores ready {:.1} s after the first was created, through 20 kills and a rebuilt cluster",
        began.elapsed().as_secs_f64()
    );
    let failed = "SELECT COUNT(*) FROM jobs WHERE state = 'failed'";
    assert_eq!(scalar(&pool, failed).await, 0, "{}", logs(&all));

    // Each job's steps recorded once, however often it was resumed.
    for kind in ["started", "succeeded"] {
        let per_job = events_per_step(&pool, kind).await;
        assert_eq!(per_job.len(), 20, "{kind}");
        for (job, steps) in &per_job {
            assert_eq!(steps, &each_step_once(), "{kind} events of job {job}");
        }
    }
    // Every store has every object, once each, on the rebuilt cluster too: the reconciler
    // puts back what stores that were ready before the rebuild lost.
    let client = shared.sim.client();
    let expected = [2, 1, 4, 1, 2, 3, 1];
    for store in &stores {
        let namespace = shared.namespace(store).await;
        let mut counts = object_counts(&client, &namespace, store).await;
        for _ in 0..100 {
            if counts == expected {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
            counts = object_counts(&client, &namespace, store).await;
        }
        assert_eq!(counts, expected, "{store}\n{}", logs(&all));
    }
}
