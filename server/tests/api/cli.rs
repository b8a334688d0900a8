//! The `storefleet` binary's commands.

use std::io::Write;
use std::process::{Command, Stdio};

use app::domain::{Role, UserView};

use crate::on_both_databases;
use crate::support::{Backend, TestApp};

on_both_databases!(admin_create_reads_the_password_from_stdin);

fn storefleet(database_url: &str, args: &[&str], stdin: &str) -> std::process::Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_storefleet"))
        .args(args)
        .env("DATABASE_URL", database_url)
        .env("RUST_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run storefleet");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

async fn admin_create_reads_the_password_from_stdin(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let url = app.db.url.clone();

    let weak = tokio::task::spawn_blocking({
        let url = url.clone();
        move || {
            storefleet(
                &url,
                &["admin", "create", "--email", "root@example.com"],
                "short\n",
            )
        }
    })
    .await
    .unwrap();
    assert!(!weak.status.success());
    assert!(String::from_utf8_lossy(&weak.stderr).contains("at least 12 characters"));

    let created = tokio::task::spawn_blocking({
        let url = url.clone();
        move || {
            storefleet(
                &url,
                &["admin", "create", "--email", "Root@Example.com"],
                "an admin password\n",
            )
        }
    })
    .await
    .unwrap();
    assert!(
        created.status.success(),
        "{}",
        String::from_utf8_lossy(&created.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&created.stdout),
        "created admin root@example.com\n"
    );

    let twice = tokio::task::spawn_blocking(move || {
        storefleet(
            &url,
            &["admin", "create", "--email", "root@example.com"],
            "an admin password\n",
        )
    })
    .await
    .unwrap();
    assert!(!twice.status.success());
    assert!(String::from_utf8_lossy(&twice.stderr).contains("already exists"));

    let response = app
        .call(
            "log_in",
            &[
                ("email", "root@example.com"),
                ("password", "an admin password"),
            ],
        )
        .await;
    assert_eq!(response.status(), 200);
    let users: Vec<UserView> = app.call("admin/users", &[]).await.json().await.unwrap();
    assert_eq!(users.len(), 1);
    assert_eq!(users[0].role, Role::Admin);
}
