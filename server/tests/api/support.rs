//! Starting the real server against a fresh database of either engine.

use std::path::PathBuf;

use reqwest::header::{HeaderMap, HeaderValue, ACCEPT};
use reqwest::{Client, Response};
use server::config::{DbConfig, ServeConfig};
use server::serve::{self, Running};
use sqlx::{Connection, Executor, PgConnection};

/// The database engine a test runs on.
#[derive(Debug, Clone, Copy)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Generates one test per engine from an `async fn(Backend)`.
#[macro_export]
macro_rules! on_both_databases {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name($crate::support::Backend::Sqlite).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                super::$name($crate::support::Backend::Postgres).await
            }
        }
    )*};
}

/// A fresh, empty database for one test.
pub struct TestDb {
    pub url: String,
    _dir: Option<tempfile::TempDir>,
}

/// The PostgreSQL server for tests: `STOREFLEET_TEST_POSTGRES_URL` names a role that may
/// create databases. `make test` starts one and sets it.
fn postgres_admin_url() -> Option<String> {
    let url = std::env::var("STOREFLEET_TEST_POSTGRES_URL").ok();
    if url.is_none() && std::env::var("STOREFLEET_REQUIRE_POSTGRES").is_ok() {
        panic!("STOREFLEET_REQUIRE_POSTGRES is set but STOREFLEET_TEST_POSTGRES_URL is not");
    }
    url
}

impl TestDb {
    /// Creates an empty database; `None` when PostgreSQL is not available to this run.
    pub async fn create(backend: Backend) -> Option<Self> {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("temp dir");
                let url = format!("sqlite://{}", dir.path().join("storefleet.db").display());
                Some(Self {
                    url,
                    _dir: Some(dir),
                })
            }
            Backend::Postgres => {
                let Some(admin) = postgres_admin_url() else {
                    eprintln!("skipped on PostgreSQL: STOREFLEET_TEST_POSTGRES_URL is not set");
                    return None;
                };
                let name = format!("storefleet_test_{}", uuid::Uuid::new_v4().simple());
                let mut conn = PgConnection::connect(&admin)
                    .await
                    .expect("connect to PostgreSQL");
                conn.execute(format!("CREATE DATABASE {name}").as_str())
                    .await
                    .expect("create test database");
                let mut url = url::Url::parse(&admin).expect("postgres url");
                url.set_path(&name);
                Some(Self {
                    url: url.to_string(),
                    _dir: None,
                })
            }
        }
    }
}

/// The server under test, and a browser-like client with a cookie jar.
pub struct TestApp {
    pub db: TestDb,
    pub base: String,
    pub client: Client,
    pub config: ServeConfig,
    running: Option<Running>,
}

/// The key tests seal secret settings with (`ID:BASE64` of 32 bytes).
pub const TEST_SECRET_KEY: &str = "test:dGVzdC1vbmx5LWtleS1uZXZlci11c2UtaXQtMzJieXQ=";

/// Serve settings for tests: an ephemeral port, default limits.
pub fn test_config() -> ServeConfig {
    ServeConfig {
        bind: "127.0.0.1:0".parse().unwrap(),
        public_url: "http://127.0.0.1:3000".parse().unwrap(),
        site_root: PathBuf::from("target/site"),
        trust_forwarded_for: false,
        metrics_token: None,
        session_idle_days: 14,
        login_max_failures_per_account: 5,
        login_max_failures_per_client: 20,
        login_window_secs: 900,
        cluster_mode: server::config::ClusterMode::Simulated,
        sim_ready_delay_ms: 150,
        sim_failing_images: vec!["never-ready".to_owned()],
        sim_state_file: None,
        sim_postgres_url: None,
        job_concurrency: 8,
        job_max_attempts: 2,
        job_backoff_ms: 100,
        job_step_timeout_secs: Some(3),
        job_lease_secs: 30,
        reconcile_every_secs: 0,
        rollout_tick_ms: 100,
        pool_tick_ms: 100,
        pool_parallel: 2,
        pool_health_secs: 1,
        // Progress reaches pages only when pushed: a change said nowhere shows as a hang.
        progress_fallback_secs: 3600,
        sim_image_pull_ms: 0,
        sim_database_init_ms: 0,
        backup_tick_ms: 100,
        backup_retry_secs: 1,
        backup_part_mib: 5,
        backup_parallel: 4,
        backup_parts: 64,
        cluster_outage_tolerance_secs: 1800,
        cluster: server::config::ClusterConfig {
            namespace_prefix: "store".into(),
            base_domain: "shops.test".into(),
            ingress_namespace: "ingress-nginx".into(),
            exposure: server::config::ExposureKind::Ingress,
            ingress_class: String::new(),
            tls: server::provision::manifests::Tls::None,
            storage_class: String::new(),
        },
        mail: Box::default(),
        dns: Box::default(),
        billing: Box::new(server::billing::BillingConfig::off()),
        storage: server::storage::StorageConfig::default(),
        db_backup: server::control_backup::ScheduleConfig::default(),
        drills: server::drills::DrillConfig {
            drill_postgres_url: None,
            drill_every_hours: 168,
            drill_parallel: 2,
            drill_tick_ms: 100,
        },
        secrets: server::secrets::SecretKeyConfig::with_key(TEST_SECRET_KEY),
        tracing: server::telemetry::TracingConfig::default(),
    }
}

/// A client like a browser's fetch from the hydrated UI: cookies kept, JSON answers.
pub fn client() -> Client {
    Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

impl TestApp {
    /// Starts the server on a fresh database; `None` when the engine is not available.
    pub async fn spawn(backend: Backend) -> Option<Self> {
        Self::spawn_with(backend, test_config()).await
    }

    /// Starts the server with these settings.
    pub async fn spawn_with(backend: Backend, config: ServeConfig) -> Option<Self> {
        let _ = server::telemetry::init(None);
        let db = TestDb::create(backend).await?;
        let mut app = Self {
            db,
            base: String::new(),
            client: client(),
            config,
            running: None,
        };
        app.start().await;
        Some(app)
    }

    async fn start(&mut self) {
        let db = DbConfig {
            database_url: self.db.url.clone(),
        };
        let running = serve::start(&db, &self.config)
            .await
            .expect("server starts");
        self.base = format!("http://{}", running.addr);
        self.running = Some(running);
    }

    /// Stops the server gracefully and starts a new one on the same database.
    pub async fn restart(&mut self) {
        if let Some(running) = self.running.take() {
            running.stop().await.expect("server stops");
        }
        self.start().await;
    }

    /// Calls a server function the way the hydrated UI does (form-encoded POST, JSON back).
    pub async fn call(&self, function: &str, form: &[(&str, &str)]) -> Response {
        self.client
            .post(format!("{}/api/{function}", self.base))
            .header("origin", &self.base)
            .form(form)
            .send()
            .await
            .expect("request")
    }

    /// Posts a form the way a browser without JavaScript does.
    pub async fn post_form(
        &self,
        function: &str,
        referer: &str,
        form: &[(&str, &str)],
    ) -> Response {
        let mut headers = HeaderMap::new();
        headers.insert(
            ACCEPT,
            HeaderValue::from_static("text/html,application/xhtml+xml"),
        );
        self.client
            .post(format!("{}/api/{function}", self.base))
            .headers(headers)
            .header("origin", &self.base)
            .header("referer", format!("{}{referer}", self.base))
            .form(form)
            .send()
            .await
            .expect("request")
    }

    /// Fetches a page.
    pub async fn get(&self, path: &str) -> Response {
        self.client
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .expect("request")
    }

    /// Signs up with a fresh client and returns it, signed in.
    pub async fn signed_up(&self, email: &str, password: &str) -> Client {
        let client = client();
        let response = client
            .post(format!("{}/api/sign_up", self.base))
            .form(&[("email", email), ("password", password)])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "sign up {email}");
        client
    }

    /// A client of the simulated cluster this server drives.
    pub fn cluster(&self) -> kube::Client {
        self.running
            .as_ref()
            .and_then(|r| r.simulated.as_ref())
            .expect("the test server drives the simulated cluster")
            .client()
    }

    /// Stops the simulated cluster's listener, keeping its objects: an API server outage.
    pub async fn pause_cluster(&mut self) {
        self.simulated().pause().await.expect("the cluster stops");
    }

    /// Starts the simulated cluster's listener again on the same port.
    pub async fn resume_cluster(&mut self) {
        self.simulated()
            .resume()
            .await
            .expect("the cluster listens again");
    }

    fn simulated(&mut self) -> &mut server::cluster::SimCluster {
        self.running
            .as_mut()
            .and_then(|r| r.simulated.as_mut())
            .expect("the test server drives the simulated cluster")
    }

    /// The tenant service over the test's database, laid out as the server lays tenants out.
    pub async fn tenants(&self) -> server::tenants::TenantService {
        let db = server::db::Db::connect(&self.db.url).await.unwrap();
        server::tenants::TenantService::new(db.pool, self.config.cluster.settings())
    }

    /// The namespace of the tenant with this subdomain, as recorded when it was made
    /// (`<prefix>-<namespace key>`).
    pub async fn namespace(&self, subdomain: &str) -> String {
        let key = self
            .text(&format!(
                "SELECT namespace_key FROM tenants WHERE subdomain = '{subdomain}'"
            ))
            .await;
        self.config.cluster.settings().namespace(&key)
    }

    /// A pool on the test's database, for the services the server runs.
    pub async fn pool(&self) -> sqlx::AnyPool {
        server::db::Db::connect(&self.db.url).await.unwrap().pool
    }

    /// Runs a query against the test's database directly, to check what was stored.
    pub async fn scalar(&self, sql: &str) -> i64 {
        sqlx::any::install_default_drivers();
        let pool = sqlx::AnyPool::connect(&self.db.url).await.unwrap();
        let value: i64 = sqlx::query_scalar(sql).fetch_one(&pool).await.unwrap();
        pool.close().await;
        value
    }

    /// Reads one text value from the test's database directly.
    pub async fn text(&self, sql: &str) -> String {
        sqlx::any::install_default_drivers();
        let pool = sqlx::AnyPool::connect(&self.db.url).await.unwrap();
        let value: String = sqlx::query_scalar(sql).fetch_one(&pool).await.unwrap();
        pool.close().await;
        value
    }

    /// Runs a statement against the test's database directly, to arrange a state.
    pub async fn execute(&self, sql: &str) {
        sqlx::any::install_default_drivers();
        let pool = sqlx::AnyPool::connect(&self.db.url).await.unwrap();
        sqlx::query(sql).execute(&pool).await.unwrap();
        pool.close().await;
    }
}

/// The JSON error a failed server function answered with.
pub async fn error_of(response: Response) -> app::error::AppError {
    response.json().await.expect("an AppError body")
}

/// The seconds a response's `Retry-After` header asks a client to wait, if it has one.
pub fn retry_after(response: &Response) -> Option<u64> {
    response
        .headers()
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .parse()
        .ok()
}

/// Calls a server function as `as_client` (the hydrated UI's way: a form-encoded POST).
pub async fn post(
    app: &TestApp,
    as_client: &Client,
    function: &str,
    form: &[(&str, &str)],
) -> Response {
    as_client
        .post(format!("{}/api/{function}", app.base))
        .form(form)
        .send()
        .await
        .unwrap()
}

/// Signs up `root@example.com` and makes it an admin; returns its signed-in client.
pub async fn admin(app: &TestApp) -> Client {
    let admin = app
        .signed_up("root@example.com", "correct horse battery")
        .await;
    app.execute("UPDATE users SET role = 'admin' WHERE email = 'root@example.com'")
        .await;
    admin
}

/// The operator the tests act as when they call the services directly.
pub fn operator() -> app::domain::Actor {
    app::domain::Actor::operator("test")
}

/// One Server-Sent Event of a job's progress stream: its `id` and its progress; `None` for a
/// keep-alive comment.
pub fn progress_message(block: &str) -> Option<(i64, app::domain::JobProgress)> {
    let mut id = 0;
    let mut data = String::new();
    for line in block.lines() {
        if let Some(value) = line.strip_prefix("id:") {
            id = value.trim().parse().unwrap();
        } else if let Some(value) = line.strip_prefix("data:") {
            data.push_str(value.trim_start());
        }
    }
    (!data.is_empty()).then(|| (id, serde_json::from_str(&data).unwrap()))
}
