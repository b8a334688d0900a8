//! A store's backups through the pages' server functions and the download link: its owner
//! backs up, lists, downloads and restores; an admin lists and restores but never downloads;
//! another customer and a visitor get nothing, no link is minted for them, and nothing changes.

use std::time::Duration;

use app::domain::backup::{BackupState, StoreBackups};
use app::domain::JobId;

use super::flow::backing_app;
use super::s3_config;
use crate::on_both_databases;
use crate::owner::{owned_store, PASSWORD};
use crate::support::{admin, client, post, Backend, TestApp};

on_both_databases!(the_owner_alone_downloads_and_only_those_allowed_back_up_and_restore);

fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

async fn listed(app: &TestApp, who: &reqwest::Client, store: &str) -> reqwest::Response {
    post(app, who, "stores/backups", &[("subdomain", store)]).await
}

async fn the_owner_alone_downloads_and_only_those_allowed_back_up_and_restore(backend: Backend) {
    let Some(storage) = s3_config() else {
        return;
    };
    let Some((app, _)) = backing_app(backend, storage).await else {
        return;
    };
    let store = format!("pg-{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
    let (owner, _) = owned_store(&app, "olga@example.com", &store).await;
    let mallory = app.signed_up("mallory@example.com", PASSWORD).await;
    let visitor = client();

    // Others cannot back it up.
    let form = [("subdomain", store.as_str())];
    assert_eq!(
        post(&app, &visitor, "stores/backups/create", &form)
            .await
            .status(),
        401
    );
    assert_eq!(
        post(&app, &mallory, "stores/backups/create", &form)
            .await
            .status(),
        404
    );
    assert_eq!(listed(&app, &mallory, &store).await.status(), 404);
    assert_eq!(app.scalar("SELECT COUNT(*) FROM backups").await, 0);

    // The owner backs it up and sees it stored.
    let made = post(&app, &owner, "stores/backups/create", &form).await;
    assert_eq!(made.status(), 200);
    let mut data: StoreBackups = StoreBackups {
        enabled: false,
        downloadable: false,
        clonable: false,
        backups: Vec::new(),
    };
    for _ in 0..300 {
        data = listed(&app, &owner, &store).await.json().await.unwrap();
        if data.backups.iter().all(|b| b.state.is_final()) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(data.enabled && data.downloadable);
    let backup = data.backups.first().unwrap().clone();
    assert_eq!(backup.state, BackupState::Done, "{:?}", backup.error);

    // The download link: the owner is sent to storage and gets the bytes stored.
    let path = format!("{}/stores/{store}/backups/{}/download", app.base, backup.id);
    let audited = "SELECT COUNT(*) FROM audit_log WHERE action = 'backup.download'";
    for (who, status) in [(&visitor, 401), (&mallory, 404)] {
        let answer = who.get(&path).send().await.unwrap();
        let got = answer.status();
        assert_eq!(got, status, "{}", answer.text().await.unwrap_or_default());
    }
    let root = admin(&app).await;
    assert_eq!(
        root.get(&path).send().await.unwrap().status(),
        404,
        "not even an admin"
    );
    let shown: StoreBackups = listed(&app, &root, &store).await.json().await.unwrap();
    assert!(!shown.downloadable, "an admin is offered no download");
    assert_eq!(app.scalar(audited).await, 0, "no link was minted for them");

    let olga = owned_client(&app, "olga@example.com").await;
    let answer = olga.get(&path).send().await.unwrap();
    assert_eq!(answer.status(), 303);
    let link = answer.headers()["location"].to_str().unwrap().to_owned();
    assert!(link.contains("X-Amz-Signature"), "{link}");
    let bytes = reqwest::get(&link).await.unwrap().bytes().await.unwrap();
    assert_eq!(Some(bytes.len() as u64), backup.size);
    assert_eq!(app.scalar(audited).await, 1);

    // Restoring: another customer cannot, even confirmed; the owner must confirm.
    let restore = |confirm: &str| {
        [
            ("subdomain", store.clone()),
            ("backup_id", backup.id.clone()),
            ("confirm", confirm.to_owned()),
        ]
    };
    let send = |who: &reqwest::Client, form: [(&'static str, String); 3]| {
        let who = who.clone();
        let url = format!("{}/api/stores/backups/restore", app.base);
        async move { who.post(url).form(&form).send().await.unwrap() }
    };
    assert_eq!(send(&mallory, restore(&store)).await.status(), 404);
    assert_eq!(send(&owner, restore("yes")).await.status(), 422);
    assert_eq!(app.scalar("SELECT COUNT(*) FROM restores").await, 0);
    let started = send(&owner, restore(&store)).await;
    assert_eq!(started.status(), 200);
    let job: JobId = started.json().await.unwrap();
    assert_eq!(
        app.text(&format!("SELECT kind FROM jobs WHERE id = '{job}'"))
            .await,
        "restore"
    );
}

/// A second signed-in client of an existing account, that does not follow redirects.
async fn owned_client(app: &TestApp, email: &str) -> reqwest::Client {
    let client = no_redirects();
    let answer = client
        .post(format!("{}/api/log_in", app.base))
        .header("Accept", "application/json")
        .form(&[("email", email), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert!(answer.status().is_success(), "{}", answer.status());
    client
}

on_both_databases!(an_admin_clones_a_store_from_its_backup_and_the_first_is_untouched);

async fn an_admin_clones_a_store_from_its_backup_and_the_first_is_untouched(backend: Backend) {
    use super::flow::{ready_store, settled, storage_of, store_sql, store_text};
    use app::domain::backup::BackupKind;
    use server::backups::BackupService;

    let Some(storage) = s3_config() else {
        return;
    };
    let Some((app, admin_url)) = backing_app(backend, storage).await else {
        return;
    };
    let store = ready_store(&app, "cl").await;
    let namespace = app.namespace(&store).await;
    store_sql(
        &admin_url,
        &namespace,
        "CREATE TABLE notes (body text); INSERT INTO notes VALUES ('first'), ('second');",
    )
    .await;
    let backups = BackupService::new(app.pool().await, Some(storage_of(&app)));
    let backup = backups
        .request(&crate::support::operator(), &store, BackupKind::Manual)
        .await
        .unwrap();
    assert_eq!(settled(&backups, &backup.id).await.state, BackupState::Done);
    // The store changes afterwards; the copy must have the backup's data.
    store_sql(
        &admin_url,
        &namespace,
        "INSERT INTO notes VALUES ('third');",
    )
    .await;

    let root = admin(&app).await;
    let copy = format!("{store}-copy");
    let form = [
        ("subdomain", store.as_str()),
        ("backup_id", backup.id.as_str()),
        ("into", copy.as_str()),
    ];
    let answer = post(&app, &root, "admin/backups/clone", &form).await;
    assert_eq!(answer.status(), 200);
    let made: String = answer.json().await.unwrap();
    assert_eq!(made, copy);
    let restored = "SELECT COUNT(*) FROM jobs j JOIN tenants t ON t.id = j.tenant_id \
        WHERE j.kind = 'restore' AND j.state = 'succeeded' AND t.state = 'ready'";
    for _ in 0..600 {
        if app.scalar(restored).await == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(app.scalar(restored).await, 1);
    let notes = "SELECT string_agg(body, ',' ORDER BY body) FROM notes";
    assert_eq!(
        store_text(&admin_url, &app.namespace(&copy).await, notes).await,
        "first,second"
    );
    assert_eq!(
        store_text(&admin_url, &namespace, notes).await,
        "first,second,third"
    );
}
