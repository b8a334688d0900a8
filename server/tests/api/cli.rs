//! The `storefleet` binary's commands.

use std::io::Write;
use std::process::{Command, Stdio};

use app::domain::{Role, UserView};

use crate::on_both_databases;
use crate::support::{Backend, TestApp};

on_both_databases!(
    admin_create_reads_the_password_from_stdin,
    serve_stops_gracefully_on_sigterm,
);

/// Runs `storefleet` on this database as the operator `ops`, with `stdin` as its input.
pub(crate) fn storefleet(database_url: &str, args: &[&str], stdin: &str) -> std::process::Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_storefleet"))
        .args(args)
        .env("DATABASE_URL", database_url)
        .env("RUST_LOG", "warn")
        .env("STOREFLEET_OPERATOR", "ops")
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

/// Runs `storefleet` with these arguments off the async runtime and returns what it printed;
/// fails the test on an error.
pub(crate) async fn command_line(app: &TestApp, args: &[&str]) -> String {
    let url = app.db.url.clone();
    let args: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
    let output = tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        storefleet(&url, &args, "")
    })
    .await
    .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("storefleet prints text")
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

async fn serve_stops_gracefully_on_sigterm(backend: Backend) {
    let Some(db) = crate::support::TestDb::create(backend).await else {
        return;
    };
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_storefleet"))
        .arg("serve")
        .env("DATABASE_URL", &db.url)
        .env("STOREFLEET_BIND", format!("127.0.0.1:{port}"))
        .env("RUST_LOG", "info")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run storefleet serve");

    let client = crate::support::client();
    let mut ready = false;
    for _ in 0..100 {
        if let Ok(response) = client
            .get(format!("http://127.0.0.1:{port}/readyz"))
            .send()
            .await
        {
            ready = response.status() == 200;
            if ready {
                break;
            }
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(ready, "the server became ready");

    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let output = tokio::task::spawn_blocking(move || {
        let status = child.wait().unwrap();
        let mut log = String::new();
        std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut log).unwrap();
        (status, log)
    })
    .await
    .unwrap();
    assert!(
        output.0.success(),
        "exit status {:?}\n{}",
        output.0,
        output.1
    );
    assert!(output.1.contains("shutting down"), "{}", output.1);
}

on_both_databases!(manifests_render_writes_one_file_per_object);

async fn manifests_render_writes_one_file_per_object(backend: Backend) {
    let Some(db) = crate::support::TestDb::create(backend).await else {
        return;
    };
    let out = tempfile::tempdir().unwrap();
    let folder = out.path().join("acme");
    let url = db.url.clone();
    let args = [
        "manifests",
        "render",
        "--subdomain",
        "acme",
        "--plan",
        "starter",
        "--out",
        folder.to_str().unwrap(),
        "--tls",
        "cert-manager:letsencrypt",
    ]
    .map(String::from);
    let rendered = tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        storefleet(&url, &args, "")
    })
    .await
    .unwrap();
    assert!(
        rendered.status.success(),
        "{}",
        String::from_utf8_lossy(&rendered.stderr)
    );

    let mut files: Vec<String> = std::fs::read_dir(&folder)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    files.sort();
    assert_eq!(files.len(), 19, "{files:?}");
    // A store that does not exist yet is rendered with a fresh namespace key, which the
    // command names.
    let stderr = String::from_utf8_lossy(&rendered.stderr);
    let namespace = stderr
        .lines()
        .find_map(|l| l.strip_prefix("namespace "))
        .unwrap_or_else(|| panic!("the namespace is named: {stderr}"));
    assert!(namespace.starts_with("store-"), "{namespace}");
    assert_ne!(namespace, "store-acme", "a new key, not the subdomain");
    assert_eq!(files[0], format!("01-namespace-{namespace}.yaml"));
    assert_eq!(files[18], "19-ingress-public.yaml");
    let ingress = std::fs::read_to_string(folder.join(&files[18])).unwrap();
    assert!(ingress.contains("host: acme.localhost"), "{ingress}");
    assert!(
        ingress.contains("cert-manager.io/cluster-issuer: letsencrypt"),
        "{ingress}"
    );
    let secret = std::fs::read_to_string(folder.join("06-secret-store.yaml")).unwrap();
    assert!(secret.contains("DATABASE_PASSWORD: <redacted>"), "{secret}");

    let url = db.url.clone();
    let refused_folder = out.path().join("www");
    let target = refused_folder.to_str().unwrap().to_owned();
    let refused = tokio::task::spawn_blocking(move || {
        storefleet(
            &url,
            &[
                "manifests",
                "render",
                "--subdomain",
                "www",
                "--plan",
                "starter",
                "--out",
                &target,
            ],
            "",
        )
    })
    .await
    .unwrap();
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("\"www\" is reserved"));
    assert!(
        !refused_folder.exists(),
        "nothing written for a refused subdomain"
    );
}
