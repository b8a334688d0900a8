//! `storefleet doctor` against the real peers of the suite: every check passes with them all
//! up, and with each one stopped (or pointed at a port nothing listens on) in turn, exactly
//! that check fails, with its fix, and the exit status says so. The system page shows the
//! same checks to admins; the cluster check names a permission the cluster denies.

use std::collections::BTreeMap;
use std::net::TcpListener;
use std::process::Command;

use server::cluster::{SimCluster, SimOptions};
use server::doctor::{self, CheckOutcome, ClusterSubject, Subjects};

use crate::backups::s3_config;
use crate::billing::peers::localstripe_url;
use crate::mail::maildev::{binary as maildev_binary, MailDev};
use crate::support::{admin, test_config, Backend, TestApp, TestDb, TEST_SECRET_KEY};

/// A local address nothing listens on: a stopped peer.
fn dead_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The environment of a doctor with every peer of the suite configured.
struct Peers {
    env: BTreeMap<&'static str, String>,
}

impl Peers {
    /// Every peer's settings, or `None` (the test skips) when one is missing.
    fn of_the_suite(database_url: &str, smtp_url: String) -> Option<Self> {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        let postgres = var("STOREFLEET_TEST_POSTGRES_URL");
        let powerdns = var("STOREFLEET_TEST_POWERDNS_API");
        if postgres.is_none() || powerdns.is_none() {
            assert!(
                std::env::var("STOREFLEET_REQUIRE_PEERS").as_deref() != Ok("1"),
                "STOREFLEET_REQUIRE_PEERS=1 but PostgreSQL or PowerDNS is not set"
            );
            eprintln!("skipped: PostgreSQL or PowerDNS is not set");
            return None;
        }
        let storage = s3_config()?;
        let zone = var("STOREFLEET_TEST_POWERDNS_ZONE")?;
        let mut env = BTreeMap::new();
        env.insert("DATABASE_URL", database_url.to_owned());
        env.insert("STOREFLEET_CLUSTER", "simulated".to_owned());
        env.insert("STOREFLEET_SECRET_KEY", TEST_SECRET_KEY.to_owned());
        env.insert("STOREFLEET_STRIPE_API_URL", localstripe_url()?);
        env.insert("STOREFLEET_STRIPE_SECRET_KEY", "sk_test_doctor".to_owned());
        env.insert(
            "STOREFLEET_STRIPE_WEBHOOK_SECRET",
            "whsec_doctor".to_owned(),
        );
        env.insert("STOREFLEET_DNS", "powerdns".to_owned());
        env.insert("STOREFLEET_POWERDNS_API_URL", powerdns?);
        env.insert(
            "STOREFLEET_POWERDNS_API_KEY",
            var("STOREFLEET_TEST_POWERDNS_KEY")?,
        );
        env.insert("STOREFLEET_BASE_DOMAIN", zone.clone());
        env.insert("STOREFLEET_POWERDNS_ZONE", zone);
        env.insert("STOREFLEET_SMTP_URL", smtp_url);
        env.insert("STOREFLEET_S3_BUCKET", storage.bucket.clone()?);
        env.insert("STOREFLEET_S3_ENDPOINT", storage.endpoint.clone()?);
        env.insert("STOREFLEET_S3_PATH_STYLE", "true".to_owned());
        env.insert("AWS_ACCESS_KEY_ID", storage.access_key_id.clone()?);
        env.insert(
            "AWS_SECRET_ACCESS_KEY",
            storage.secret_access_key.as_ref()?.expose().to_owned(),
        );
        env.insert("STOREFLEET_DRILL_POSTGRES_URL", postgres?);
        Some(Self { env })
    }

    /// Runs `storefleet doctor` with these settings, `changed` over them: its exit status and
    /// what it printed.
    fn doctor(&self, changed: &[(&'static str, String)]) -> (bool, String) {
        let mut env = self.env.clone();
        env.extend(changed.iter().cloned());
        let output = Command::new(env!("CARGO_BIN_EXE_storefleet"))
            .arg("doctor")
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("RUST_LOG", "error")
            .envs(&env)
            .output()
            .expect("storefleet runs");
        (
            output.status.success(),
            String::from_utf8_lossy(&output.stdout).into_owned(),
        )
    }
}

/// The checks that failed in the doctor's output, by name.
fn failed(output: &str) -> Vec<String> {
    output
        .lines()
        .filter_map(|line| line.strip_prefix("FAIL  "))
        .map(|rest| {
            rest.split("  ")
                .next()
                .unwrap_or_default()
                .trim()
                .to_owned()
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_doctor_passes_with_every_peer_up_and_names_each_one_stopped() {
    let Some(maildev) = maildev_binary() else {
        return;
    };
    let mut maildev = MailDev::start(maildev, &[]).await;
    let folder = tempfile::tempdir().unwrap();
    let database_url = format!("sqlite://{}/storefleet.db", folder.path().display());
    let Some(peers) = Peers::of_the_suite(&database_url, maildev.smtp_url()) else {
        return;
    };
    let peers = std::sync::Arc::new(peers);
    let run = |changed: Vec<(&'static str, String)>| {
        let peers = peers.clone();
        tokio::task::spawn_blocking(move || peers.doctor(&changed))
    };

    // Not migrated yet: the database check says so, and what to run.
    let (passed, output) = run(vec![]).await.unwrap();
    assert!(!passed, "{output}");
    assert_eq!(failed(&output), ["database"], "{output}");
    assert!(output.contains("no database file at"), "{output}");
    let migrated = Command::new(env!("CARGO_BIN_EXE_storefleet"))
        .args(["--database-url", &database_url, "migrate"])
        .env("RUST_LOG", "error")
        .status()
        .unwrap();
    assert!(migrated.success());

    let (passed, output) = run(vec![]).await.unwrap();
    assert!(passed, "{output}");
    for check in [
        "secret keys",
        "database",
        "cluster",
        "stripe",
        "dns",
        "smtp",
        "storage",
        "drills",
    ] {
        assert!(
            output
                .lines()
                .any(|l| l.starts_with(&format!("ok    {check} "))),
            "{check} did not pass:\n{output}"
        );
    }
    assert!(output.ends_with("all checks passed\n"), "{output}");

    // Each peer stopped in turn: that check alone fails, with a fix.
    let dead = |scheme: &str| format!("{scheme}127.0.0.1:{}", dead_port());
    let stopped: Vec<(&str, Vec<(&'static str, String)>)> = vec![
        (
            "database",
            vec![(
                "DATABASE_URL",
                format!("postgres://postgres@127.0.0.1:{}/postgres", dead_port()),
            )],
        ),
        (
            "stripe",
            vec![("STOREFLEET_STRIPE_API_URL", dead("http://"))],
        ),
        (
            "dns",
            vec![("STOREFLEET_POWERDNS_API_URL", dead("http://"))],
        ),
        ("storage", vec![("STOREFLEET_S3_ENDPOINT", dead("http://"))]),
        (
            "drills",
            vec![(
                "STOREFLEET_DRILL_POSTGRES_URL",
                format!("postgres://postgres@127.0.0.1:{}/postgres", dead_port()),
            )],
        ),
        (
            "cluster",
            vec![
                ("STOREFLEET_CLUSTER", "kubernetes".to_owned()),
                ("KUBECONFIG", kubeconfig_to_nowhere(folder.path())),
            ],
        ),
        (
            "secret keys",
            vec![("STOREFLEET_SECRET_KEY", "k1:not-base64".to_owned())],
        ),
    ];
    for (check, changed) in stopped {
        let (passed, output) = run(changed).await.unwrap();
        assert!(!passed, "{check}: {output}");
        assert_eq!(failed(&output), [check], "{output}");
        assert!(output.contains("fix: "), "{output}");
        assert!(output.ends_with("1 check failed\n"), "{output}");
    }
    // A wrong Stripe key and half the Stripe settings are named as such.
    let (_, output) = run(vec![("STOREFLEET_STRIPE_WEBHOOK_SECRET", String::new())])
        .await
        .unwrap();
    assert_eq!(failed(&output), ["stripe"], "{output}");
    assert!(
        output.contains("only STOREFLEET_STRIPE_SECRET_KEY is set"),
        "{output}"
    );

    // The SMTP server really stopped, then started again.
    maildev.pause();
    let (passed, output) = run(vec![]).await.unwrap();
    assert!(!passed);
    assert_eq!(failed(&output), ["smtp"], "{output}");
    assert!(
        output.contains("fix: check STOREFLEET_SMTP_URL"),
        "{output}"
    );
    maildev.resume().await;
    let (passed, output) = run(vec![]).await.unwrap();
    assert!(passed, "{output}");
}

/// A kubeconfig whose cluster is a port nothing listens on.
fn kubeconfig_to_nowhere(folder: &std::path::Path) -> String {
    let path = folder.join("kubeconfig");
    std::fs::write(
        &path,
        format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: gone\n  cluster:\n    server: \
             http://127.0.0.1:{}\ncontexts:\n- name: gone\n  context: {{cluster: gone, user: \
             nobody}}\ncurrent-context: gone\nusers:\n- name: nobody\n  user: {{token: fake}}\n",
            dead_port()
        ),
    )
    .unwrap();
    path.display().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cluster_check_names_each_permission_the_cluster_denies() {
    let cluster = SimCluster::start(SimOptions {
        denied: vec![
            "delete namespaces".to_owned(),
            "get services/proxy".to_owned(),
        ],
        ..SimOptions::default()
    })
    .await
    .unwrap();
    let client = cluster.engine_client().unwrap();
    let Some(test_db) = TestDb::create(Backend::Sqlite).await else {
        return;
    };
    let db = server::serve::open_database(&server::config::DbConfig {
        database_url: test_db.url.clone(),
    })
    .await
    .unwrap();
    let config = test_config();
    let checks = doctor::examine(&Subjects {
        config: &config,
        database_url: "sqlite://test.db",
        database: Ok(&db),
        cluster: Ok(ClusterSubject {
            client: &client,
            simulated: true,
        }),
    })
    .await;
    let check = checks.iter().find(|c| c.name == "cluster").unwrap();
    assert_eq!(check.outcome, CheckOutcome::Failed, "{check:?}");
    let needed = server::doctor::permissions::engine().len();
    assert!(
        check.detail.ends_with(&format!(
            "2 of {needed} permissions the engine needs are missing: may not delete \
             namespaces, get services/proxy"
        )),
        "{}",
        check.detail
    );
    assert!(check.fix.as_deref().unwrap().contains("rbac.yaml"));
    let database = checks.iter().find(|c| c.name == "database").unwrap();
    assert_eq!(database.outcome, CheckOutcome::Passed, "{database:?}");
    cluster.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admins_see_the_checks_on_the_system_page() {
    let Some(app) = TestApp::spawn(Backend::Sqlite).await else {
        return;
    };
    let admin = admin(&app).await;
    let answer = admin
        .post(format!("{}/api/admin/system", app.base))
        .header("accept", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    let checks: Vec<app::domain::system::SystemCheck> = answer.json().await.unwrap();
    let outcome = |name: &str| checks.iter().find(|c| c.name == name).map(|c| c.outcome);
    assert_eq!(
        outcome("database"),
        Some(CheckOutcome::Passed),
        "{checks:?}"
    );
    assert_eq!(outcome("cluster"), Some(CheckOutcome::Passed), "{checks:?}");
    assert_eq!(outcome("storage"), Some(CheckOutcome::Off), "{checks:?}");
    let page = admin
        .get(format!("{}/admin/system", app.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("All checks passed."), "{page}");
    assert!(page.contains("storefleet doctor"));
}
