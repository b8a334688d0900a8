//! A backup whose server is killed (`kill -9`) while its dump Job runs: the restarted server
//! finds the Job where the cluster left it and records the backup once storage holds it —
//! one try, no second dump, no row that says done before its object is stored, and no
//! multipart upload left open.

use std::time::Duration;

use app::ports::TenantAdmin;

use super::flow::store_sql;
use super::{open_uploads, s3_config};
use crate::on_both_databases;
use crate::processes::{logs, scalar, Server, Shared};
use crate::support::{operator, test_config, Backend};

on_both_databases!(a_backup_survives_its_server_killed_mid_dump);

async fn a_backup_survives_its_server_killed_mid_dump(backend: Backend) {
    let (Some(storage), Ok(admin)) = (s3_config(), std::env::var("STOREFLEET_TEST_POSTGRES_URL"))
    else {
        return;
    };
    let Some(shared) =
        Shared::start_with(backend, Duration::from_millis(100), Some(admin.clone())).await
    else {
        return;
    };
    let secret = storage
        .secret_access_key
        .as_ref()
        .unwrap()
        .expose()
        .to_owned();
    let settings = [
        ("STOREFLEET_JOB_LEASE_SECS", "2"),
        ("STOREFLEET_BACKUP_TICK_MS", "100"),
        ("STOREFLEET_S3_BUCKET", storage.bucket.as_deref().unwrap()),
        (
            "STOREFLEET_S3_ENDPOINT",
            storage.endpoint.as_deref().unwrap(),
        ),
        ("STOREFLEET_S3_PREFIX", storage.prefix.as_str()),
        ("STOREFLEET_S3_PATH_STYLE", "true"),
        (
            "AWS_ACCESS_KEY_ID",
            storage.access_key_id.as_deref().unwrap(),
        ),
        ("AWS_SECRET_ACCESS_KEY", secret.as_str()),
    ];
    let mut server: Server = shared.serve("a", &settings).await;
    let pool = shared.pool().await;
    let store = format!("kb-{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
    let tenants =
        server::tenants::TenantService::new(pool.clone(), test_config().cluster.settings());
    tenants
        .create(&operator(), &store, "starter", None)
        .await
        .unwrap();
    let ready =
        format!("SELECT COUNT(*) FROM tenants WHERE subdomain = '{store}' AND state = 'ready'");
    for _ in 0..300 {
        if scalar(&pool, &ready).await == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(scalar(&pool, &ready).await, 1, "{}", server.log());
    // Enough data that the dump takes a moment.
    store_sql(
        &admin,
        &shared.namespace(&store).await,
        "CREATE TABLE filler AS SELECT g AS id, md5(g::text) AS a, md5((g * 7)::text) AS b \
         FROM generate_series(1, 300000) g;",
    )
    .await;

    let backups = server::backups::BackupService::new(
        pool.clone(),
        server::storage::Storage::from_config(&storage).unwrap(),
    );
    backups
        .request(&operator(), &store, app::domain::backup::BackupKind::Manual)
        .await
        .unwrap();
    let running = "SELECT COUNT(*) FROM backups WHERE state = 'running'";
    for _ in 0..300 {
        if scalar(&pool, running).await == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(scalar(&pool, running).await, 1, "{}", server.log());
    server.kill();
    // Nothing claims a stored backup while nobody watches.
    assert_eq!(
        scalar(&pool, "SELECT COUNT(*) FROM backups WHERE state = 'done'").await,
        0
    );
    let server = shared.serve("a2", &settings).await;

    let done = "SELECT COUNT(*) FROM backups WHERE state = 'done' AND attempts = 1";
    for _ in 0..600 {
        if scalar(&pool, done).await == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(scalar(&pool, done).await, 1, "{}", logs(&[&server]));
    // What is recorded is what storage holds.
    let (key, size, sha256): (String, i64, String) =
        sqlx::query_as("SELECT object_key, size, sha256 FROM backups")
            .fetch_one(&pool)
            .await
            .unwrap();
    let stored = server::storage::Storage::from_config(&storage)
        .unwrap()
        .unwrap()
        .digest(&key)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.size as i64, size);
    assert_eq!(stored.sha256, sha256);
    // The upload the killed server began was completed, not left open.
    assert_eq!(open_uploads(&storage).await, 0);
}
