//! Owners' secret settings sealed at rest: a dump of the database shows no secret value while
//! the store's Secret carries it; plain values from older versions are sealed at start-up;
//! `storefleet secrets rotate-key` re-seals under a new key.

use std::process::Command;

use app::domain::TenantState;
use k8s_openapi::api::core::v1::Secret;
use kube::Api;
use server::config::DbConfig;
use server::secrets::SecretKeyConfig;
use server::tenants::TenantService;

use crate::on_both_databases;
use crate::owner::owned_store;
use crate::provisioning::wait_for_state;
use crate::support::{post, Backend, TestApp, TEST_SECRET_KEY};

const SECRET_VALUE: &str = "sk_live_sealed_0123456789abcdef";
const OLD_KEY: &str = "old:AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=";
const NEW_KEY: &str = "new:AgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgI=";
/// Another key under the old key's id.
const IMPOSTOR_KEY: &str = "old:AwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwM=";

on_both_databases!(
    a_database_dump_shows_no_secret_value,
    plain_secrets_an_older_version_left_are_sealed_at_start_up,
    rotating_the_key_reseals_every_value_under_the_new_one,
);

/// The whole database as text: `sqlite3 .dump` or `pg_dump`.
async fn dump(app: &TestApp, backend: Backend) -> String {
    let url = app.db.url.clone();
    let output = tokio::task::spawn_blocking(move || match backend {
        Backend::Sqlite => Command::new("sqlite3")
            .arg(url.trim_start_matches("sqlite://"))
            .arg(".dump")
            .output(),
        Backend::Postgres => Command::new("pg_dump").arg(&url).output(),
    })
    .await
    .unwrap()
    .expect("sqlite3 and pg_dump are installed (scripts/setup.sh test)");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(text.contains("tenants"), "the dump holds the tenants table");
    text
}

/// The value the Secret of the store with this subdomain carries for `key` on the simulated
/// cluster.
async fn secret_in_cluster(app: &TestApp, subdomain: &str, key: &str) -> Option<String> {
    let secrets: Api<Secret> = Api::namespaced(app.cluster(), &app.namespace(subdomain).await);
    let secret = secrets
        .get(server::provision::manifests::config::SECRET)
        .await
        .unwrap();
    secret
        .data
        .unwrap_or_default()
        .get(key)
        .map(|v| String::from_utf8(v.0.clone()).unwrap())
}

/// Saves settings as the owner's browser does and waits until the store is updated.
async fn save(app: &TestApp, owner: &reqwest::Client, values: &[(&str, &str)]) {
    let mut form = vec![("subdomain", "acme")];
    form.extend_from_slice(values);
    let saved = post(app, owner, "stores/settings/save", &form).await;
    assert_eq!(saved.status(), 200, "{}", saved.text().await.unwrap());
    wait_for_state(&app.tenants().await, "acme", TenantState::Ready).await;
}

/// Runs `storefleet secrets …` on the test's database with these keys in the environment.
async fn secrets_command(app: &TestApp, args: &[&str], env: &[(&str, &str)]) -> (bool, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_storefleet"));
    command
        .arg("secrets")
        .args(args)
        .env("DATABASE_URL", &app.db.url)
        .env("RUST_LOG", "warn")
        .envs(env.iter().copied());
    let output = tokio::task::spawn_blocking(move || command.output())
        .await
        .unwrap()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.success(), text)
}

async fn a_database_dump_shows_no_secret_value(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let (owner, _) = owned_store(&app, "olga@example.com", "acme").await;
    save(&app, &owner, &[("values[payment_api_key]", SECRET_VALUE)]).await;

    assert_eq!(
        secret_in_cluster(&app, "acme", "PAYMENT_API_KEY")
            .await
            .as_deref(),
        Some(SECRET_VALUE)
    );
    let dump = dump(&app, backend).await;
    assert!(
        !dump.contains(SECRET_VALUE),
        "the dump shows the secret value"
    );
    assert!(
        dump.contains("sealed:v1:test:"),
        "the value is stored sealed"
    );
    let key = TEST_SECRET_KEY.split_once(':').unwrap().1;
    assert!(!dump.contains(key), "the dump shows the key");

    // A sealed value copied onto another tenant does not open there: its update fails
    // rather than hand that store the first one's secret.
    let (otto, tenants) = owned_store(&app, "otto@example.com", "other").await;
    app.execute(
        "UPDATE tenants SET sealed_secrets = \
         (SELECT sealed_secrets FROM tenants WHERE subdomain = 'acme') \
         WHERE subdomain = 'other'",
    )
    .await;
    let form = [("subdomain", "other"), ("values[theme_color]", "#00ff00")];
    let saved = post(&app, &otto, "stores/settings/save", &form).await;
    assert_eq!(saved.status(), 200, "{}", saved.text().await.unwrap());
    let job = finished_job(&tenants, "other").await;
    assert_eq!(job.state.as_str(), "failed");
    let error = job.last_error.unwrap_or_default();
    assert!(error.contains("`payment_api_key` does not open"), "{error}");
    assert_eq!(
        secret_in_cluster(&app, "other", "PAYMENT_API_KEY").await,
        None
    );
}

/// The tenant's latest job, once it has finished.
async fn finished_job(tenants: &TenantService, subdomain: &str) -> app::domain::JobView {
    for _ in 0..400 {
        let detail = tenants.show(subdomain).await.unwrap();
        if let Some(job) = detail.jobs.into_iter().next().filter(|j| j.is_finished()) {
            return job;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the job of {subdomain} never finished");
}

async fn plain_secrets_an_older_version_left_are_sealed_at_start_up(backend: Backend) {
    let Some(mut app) = TestApp::spawn(backend).await else {
        return;
    };
    let (owner, _) = owned_store(&app, "olga@example.com", "acme").await;
    // What versions before sealing stored.
    app.execute(&format!(
        "UPDATE tenants SET secrets = '{{\"payment_api_key\":\"{SECRET_VALUE}\"}}' \
         WHERE subdomain = 'acme'"
    ))
    .await;
    assert!(dump(&app, backend).await.contains(SECRET_VALUE));

    app.restart().await;
    let dump_after = dump(&app, backend).await;
    assert!(!dump_after.contains(SECRET_VALUE), "still in plain text");
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM tenants WHERE secrets <> '{}'")
            .await,
        0
    );
    // A second start finds nothing left to seal, and the sealed value is the one kept.
    app.restart().await;
    save(&app, &owner, &[("values[theme_color]", "#00ff00")]).await;
    assert_eq!(
        secret_in_cluster(&app, "acme", "PAYMENT_API_KEY")
            .await
            .as_deref(),
        Some(SECRET_VALUE)
    );
}

async fn rotating_the_key_reseals_every_value_under_the_new_one(backend: Backend) {
    let mut config = crate::support::test_config();
    config.secrets = SecretKeyConfig::with_key(OLD_KEY);
    let Some(mut app) = TestApp::spawn_with(backend, config).await else {
        return;
    };
    let (owner, _) = owned_store(&app, "olga@example.com", "acme").await;
    save(&app, &owner, &[("values[payment_api_key]", SECRET_VALUE)]).await;
    let under = |key: &str| {
        format!("SELECT COUNT(*) FROM tenants WHERE sealed_secrets LIKE '%sealed:v1:{key}:%'")
    };
    assert_eq!(app.scalar(&under("old")).await, 1);

    // A server given only the new key refuses the database instead of serving values it
    // cannot open; so does one given another key under the old id, or no key at all.
    let db = DbConfig {
        database_url: app.db.url.clone(),
    };
    for (keys, expected) in [
        (SecretKeyConfig::with_key(NEW_KEY), "sealed under key `old`"),
        (
            SecretKeyConfig::with_key(IMPOSTOR_KEY),
            "does not open under key `old`",
        ),
        (SecretKeyConfig::default(), "no secret key is configured"),
    ] {
        let mut config = app.config.clone();
        config.secrets = keys;
        match server::serve::start(&db, &config).await {
            Ok(running) => {
                running.stop().await.unwrap();
                panic!("a server started with keys that cannot open the stored secrets");
            }
            Err(error) => assert!(format!("{error:#}").contains(expected), "{error:#}"),
        }
    }

    let keys = [
        ("STOREFLEET_SECRET_KEY", NEW_KEY),
        ("STOREFLEET_SECRET_KEYS_PREVIOUS", OLD_KEY),
    ];
    let (ok, said) = secrets_command(&app, &["rotate-key"], &keys).await;
    assert!(ok, "{said}");
    assert!(
        said.contains("re-sealed 1 secret values under key new"),
        "{said}"
    );
    assert!(!said.contains(SECRET_VALUE) && !said.contains(&NEW_KEY[4..]));
    let (ok, again) = secrets_command(&app, &["rotate-key"], &keys).await;
    assert!(ok, "{again}");
    assert!(again.contains("re-sealed 0 secret values"), "{again}");
    assert_eq!(app.scalar(&under("new")).await, 1);
    assert_eq!(app.scalar(&under("old")).await, 0);

    // The old key can go: the server starts with the new one alone and still opens the value.
    app.config.secrets = SecretKeyConfig::with_key(NEW_KEY);
    app.restart().await;
    save(&app, &owner, &[("values[theme_color]", "#00ff00")]).await;
    assert_eq!(
        secret_in_cluster(&app, "acme", "PAYMENT_API_KEY")
            .await
            .as_deref(),
        Some(SECRET_VALUE)
    );
    assert!(!dump(&app, backend).await.contains(SECRET_VALUE));
}
