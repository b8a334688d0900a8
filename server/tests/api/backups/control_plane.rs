//! `storefleet db backup|restore`: the control plane's own database, backed up to SeaweedFS
//! through the binary and restored from it, on both engines.

use server::config::DbConfig;
use server::storage::{Storage, StorageConfig};

use super::s3_config;
use crate::cli::storefleet;
use crate::on_both_databases;
use crate::support::{Backend, TestDb};

on_both_databases!(
    a_restore_brings_back_the_data_backed_up,
    a_restore_without_yes_changes_nothing,
    what_is_not_a_backup_is_refused_and_changes_nothing,
    wrong_keys_fail_clearly_without_the_secret,
);

/// The storage flags of `storefleet db`, for these settings.
fn storage_flags(config: &StorageConfig) -> Vec<String> {
    vec![
        "--s3-endpoint".into(),
        config.endpoint.clone().unwrap(),
        "--s3-access-key-id".into(),
        config.access_key_id.clone().unwrap(),
        "--s3-secret-access-key".into(),
        config
            .secret_access_key
            .as_ref()
            .unwrap()
            .expose()
            .to_owned(),
        "--s3-path-style".into(),
    ]
}

/// The address of `name` under the test's prefix.
fn address(config: &StorageConfig, name: &str) -> String {
    format!(
        "s3://{}/{}/{name}",
        config.bucket.as_deref().unwrap(),
        config.prefix
    )
}

/// Runs `storefleet db <flags> <args>` off the runtime: (succeeded, stdout, stderr).
async fn db_command(url: &str, flags: Vec<String>, args: &[&str]) -> (bool, String, String) {
    let url = url.to_owned();
    let mut all = vec!["db".to_owned()];
    all.extend(flags);
    all.extend(args.iter().map(|a| (*a).to_owned()));
    let output = tokio::task::spawn_blocking(move || {
        let all: Vec<&str> = all.iter().map(String::as_str).collect();
        storefleet(&url, &all, "")
    })
    .await
    .unwrap();
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// The value of a `name<TAB>value` line.
fn field<'a>(printed: &'a str, name: &str) -> &'a str {
    printed
        .lines()
        .find_map(|line| line.strip_prefix(name)?.strip_prefix('\t'))
        .unwrap_or_else(|| panic!("no {name} in {printed:?}"))
}

/// A migrated database holding two users.
async fn database(backend: Backend) -> Option<TestDb> {
    let db = TestDb::create(backend).await?;
    let opened = server::serve::open_database(&DbConfig {
        database_url: db.url.clone(),
    })
    .await
    .unwrap();
    for (id, email) in [("u1", "ada@example.com"), ("u2", "grace@example.com")] {
        sqlx::query(
            "INSERT INTO users (id, email, password_hash, role, created_at) \
             VALUES ($1, $2, 'x', 'customer', 1)",
        )
        .bind(id)
        .bind(email)
        .execute(&opened.pool)
        .await
        .unwrap();
    }
    opened.pool.close().await;
    Some(db)
}

/// The users' emails, in order.
async fn emails(url: &str) -> Vec<String> {
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(url).await.unwrap();
    let emails = sqlx::query_scalar("SELECT email FROM users ORDER BY email")
        .fetch_all(&pool)
        .await
        .unwrap();
    pool.close().await;
    emails
}

async fn execute(url: &str, sql: &str) {
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(url).await.unwrap();
    sqlx::query(sql).execute(&pool).await.unwrap();
    pool.close().await;
}

async fn a_restore_brings_back_the_data_backed_up(backend: Backend) {
    let Some(config) = s3_config() else {
        return;
    };
    let Some(db) = database(backend).await else {
        return;
    };
    let to = address(&config, "control.dump");

    let (ok, printed, said) = db_command(
        &db.url,
        storage_flags(&config),
        &["backup", "--to", to.as_str()],
    )
    .await;
    assert!(ok, "{said}");
    assert_eq!(field(&printed, "key"), to);
    let stored = Storage::from_config(&config)
        .unwrap()
        .unwrap()
        .digest("control.dump")
        .await
        .unwrap()
        .expect("the backup is stored");
    assert!(stored.size > 0);
    assert_eq!(field(&printed, "size"), stored.size.to_string());
    assert_eq!(field(&printed, "sha256"), stored.sha256);

    execute(&db.url, "DELETE FROM users WHERE id = 'u1'").await;
    execute(
        &db.url,
        "INSERT INTO users (id, email, password_hash, role, created_at) \
         VALUES ('u3', 'mallory@example.com', 'x', 'admin', 2)",
    )
    .await;
    assert_eq!(
        emails(&db.url).await,
        ["grace@example.com", "mallory@example.com"]
    );

    let (ok, printed, said) = db_command(
        &db.url,
        storage_flags(&config),
        &["restore", "--from", to.as_str(), "--yes"],
    )
    .await;
    assert!(ok, "{said}");
    assert_eq!(field(&printed, "sha256"), stored.sha256);
    assert_eq!(field(&printed, "size"), stored.size.to_string());
    assert_eq!(
        emails(&db.url).await,
        ["ada@example.com", "grace@example.com"]
    );

    // The restored database is one the server opens and migrates as it is.
    server::serve::open_database(&DbConfig {
        database_url: db.url.clone(),
    })
    .await
    .unwrap();
}

async fn a_restore_without_yes_changes_nothing(backend: Backend) {
    let Some(config) = s3_config() else {
        return;
    };
    let Some(db) = database(backend).await else {
        return;
    };
    let to = address(&config, "control.dump");
    let (ok, _, said) = db_command(
        &db.url,
        storage_flags(&config),
        &["backup", "--to", to.as_str()],
    )
    .await;
    assert!(ok, "{said}");
    execute(&db.url, "DELETE FROM users WHERE id = 'u1'").await;

    let (ok, _, said) = db_command(
        &db.url,
        storage_flags(&config),
        &["restore", "--from", to.as_str()],
    )
    .await;
    assert!(!ok);
    assert!(said.contains("--yes"), "{said}");
    assert!(said.contains("stop every `storefleet serve`"), "{said}");
    assert_eq!(emails(&db.url).await, ["grace@example.com"]);

    let missing = address(&config, "none.dump");
    let (ok, _, said) = db_command(
        &db.url,
        storage_flags(&config),
        &["restore", "--from", missing.as_str(), "--yes"],
    )
    .await;
    assert!(!ok);
    assert!(
        said.contains(&format!("there is no backup at {missing}")),
        "{said}"
    );
    assert_eq!(emails(&db.url).await, ["grace@example.com"]);

    let (ok, _, said) = db_command(
        &db.url,
        storage_flags(&config),
        &["backup", "--to", "backups/control.dump"],
    )
    .await;
    assert!(!ok);
    assert!(said.contains("use s3://BUCKET/KEY"), "{said}");
}

async fn wrong_keys_fail_clearly_without_the_secret(backend: Backend) {
    let Some(config) = s3_config() else {
        return;
    };
    let Some(db) = database(backend).await else {
        return;
    };
    let to = address(&config, "control.dump");
    let wrong_secret = "not-the-secret-4f9d2c";
    let mut flags = storage_flags(&config);
    let secret_at = flags
        .iter()
        .position(|f| f == "--s3-secret-access-key")
        .unwrap();
    flags[secret_at + 1] = wrong_secret.to_owned();

    let (ok, _, said) = db_command(&db.url, flags.clone(), &["backup", "--to", to.as_str()]).await;
    assert!(!ok);
    assert!(said.contains("object storage"), "{said}");
    assert!(said.contains("403"), "{said}");
    assert!(!said.contains(wrong_secret), "{said}");
    assert_eq!(
        Storage::from_config(&config)
            .unwrap()
            .unwrap()
            .digest("control.dump")
            .await
            .unwrap(),
        None
    );

    let (ok, _, said) =
        db_command(&db.url, flags, &["restore", "--from", to.as_str(), "--yes"]).await;
    assert!(!ok);
    assert!(said.contains("object storage"), "{said}");
    assert!(!said.contains(wrong_secret), "{said}");
    assert_eq!(
        emails(&db.url).await,
        ["ada@example.com", "grace@example.com"]
    );

    let (ok, _, said) = db_command(&db.url, Vec::new(), &["backup", "--to", to.as_str()]).await;
    assert!(!ok);
    assert!(said.contains("no object storage is configured"), "{said}");
}

async fn what_is_not_a_backup_is_refused_and_changes_nothing(backend: Backend) {
    let Some(config) = s3_config() else {
        return;
    };
    let Some(db) = database(backend).await else {
        return;
    };
    let garbage = vec![7u8; 100_000];
    Storage::from_config(&config)
        .unwrap()
        .unwrap()
        .upload("garbage.dump", garbage.as_slice())
        .await
        .unwrap();
    let from = address(&config, "garbage.dump");

    let (ok, _, said) = db_command(
        &db.url,
        storage_flags(&config),
        &["restore", "--from", from.as_str(), "--yes"],
    )
    .await;
    assert!(!ok);
    let expected = match backend {
        Backend::Sqlite => format!("{from} is not a storefleet SQLite database"),
        Backend::Postgres => "pg_restore failed".to_owned(),
    };
    assert!(said.contains(&expected), "{said}");
    assert_eq!(
        emails(&db.url).await,
        ["ada@example.com", "grace@example.com"]
    );
}
