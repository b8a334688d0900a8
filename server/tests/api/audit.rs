//! The audit log: every admin and owner action that succeeded, with who, what, which
//! target, when and from where; refused actions leave no entry.

use std::time::Duration;

use app::domain::{ActorKind, AuditEntryView, AuditPage};
use app::error::AppError;

use crate::cli::command_line;
use crate::on_both_databases;
use crate::support::{client, error_of, post, Backend, TestApp};

const PASSWORD: &str = "correct horse battery";

on_both_databases!(
    actions_are_recorded_with_actor_target_and_address,
    a_refused_demotion_of_the_last_admin_is_not_recorded,
    only_admins_read_the_audit_log,
    the_command_line_is_audited_as_the_web_ui_is,
);

async fn audit(app: &TestApp, admin: &reqwest::Client, form: &[(&str, &str)]) -> AuditPage {
    let response = post(app, admin, "admin/audit", form).await;
    assert_eq!(response.status(), 200, "{form:?}");
    response.json().await.unwrap()
}

fn actions(page: &AuditPage) -> Vec<(&str, &str, &str)> {
    let mut found: Vec<_> = page
        .rows
        .iter()
        .map(|e| (e.actor_email.as_str(), e.action.as_str(), e.target.as_str()))
        .collect();
    found.sort_unstable();
    found
}

/// Waits (at most 30 s) until every job has finished, so that it can be made to fail.
async fn jobs_finished(app: &TestApp) {
    for _ in 0..300 {
        let open = app
            .scalar("SELECT COUNT(*) FROM jobs WHERE state IN ('queued', 'running')")
            .await;
        if open == 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("jobs did not finish");
}

async fn actions_are_recorded_with_actor_target_and_address(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let customer = app.signed_up("eve@example.com", PASSWORD).await;
    let admin = app.signed_up("root@example.com", PASSWORD).await;
    app.execute("UPDATE users SET role = 'admin' WHERE email = 'root@example.com'")
        .await;

    let created = post(
        &app,
        &admin,
        "admin/tenants/create",
        &[
            ("subdomain", "acme"),
            ("plan", "starter"),
            ("owner_email", "eve@example.com"),
        ],
    )
    .await;
    assert_eq!(created.status(), 200);
    // A refused action leaves no entry.
    let taken = post(
        &app,
        &admin,
        "admin/tenants/create",
        &[
            ("subdomain", "acme"),
            ("plan", "starter"),
            ("owner_email", ""),
        ],
    )
    .await;
    assert_eq!(taken.status(), 409);
    let not_failed = post(
        &app,
        &admin,
        "admin/tenants/retry",
        &[("subdomain", "acme")],
    )
    .await;
    assert_eq!(not_failed.status(), 409);

    jobs_finished(&app).await;
    app.execute(
        "UPDATE jobs SET state = 'failed', last_error = 'made to fail' WHERE kind = 'provision'",
    )
    .await;
    app.execute("UPDATE tenants SET state = 'failed' WHERE subdomain = 'acme'")
        .await;
    let retried = post(
        &app,
        &admin,
        "admin/tenants/retry",
        &[("subdomain", "acme")],
    )
    .await;
    assert_eq!(retried.status(), 200);
    jobs_finished(&app).await;
    let deleted = post(
        &app,
        &admin,
        "admin/tenants/delete",
        &[("subdomain", "acme"), ("confirm", "acme")],
    )
    .await;
    assert_eq!(deleted.status(), 200);

    let eve_id: String = {
        let me: app::domain::UserView = post(&app, &customer, "account", &[])
            .await
            .json()
            .await
            .unwrap();
        me.id.to_string()
    };
    let promoted = post(
        &app,
        &admin,
        "admin/set_role",
        &[("user_id", &eve_id), ("role", "admin")],
    )
    .await;
    assert_eq!(promoted.status(), 200);

    let wrong = post(
        &app,
        &client(),
        "log_in",
        &[
            ("email", "eve@example.com"),
            ("password", "wrong password here"),
        ],
    )
    .await;
    assert_eq!(wrong.status(), 401);
    let logged_out = post(&app, &customer, "log_out", &[]).await;
    assert!(logged_out.status().is_redirection() || logged_out.status().is_success());
    let again = client();
    let logged_in = post(
        &app,
        &again,
        "log_in",
        &[("email", "eve@example.com"), ("password", PASSWORD)],
    )
    .await;
    assert!(logged_in.status().is_redirection() || logged_in.status().is_success());

    let all = audit(&app, &admin, &[]).await;
    assert_eq!(
        actions(&all),
        [
            ("eve@example.com", "account.log_in", "eve@example.com"),
            ("eve@example.com", "account.log_out", "eve@example.com"),
            ("eve@example.com", "account.sign_up", "eve@example.com"),
            ("root@example.com", "account.sign_up", "root@example.com"),
            ("root@example.com", "tenant.create", "acme"),
            ("root@example.com", "tenant.delete", "acme"),
            ("root@example.com", "tenant.retry", "acme"),
            ("root@example.com", "user.set_role", "eve@example.com"),
        ]
    );
    assert_eq!((all.total, all.page, all.pages), (8, 1, 1));
    for entry in &all.rows {
        assert_eq!(entry.client_addr, "127.0.0.1", "{entry:?}");
        assert!(entry.at.starts_with("20"), "{entry:?}");
        assert!(!entry.detail.contains(PASSWORD), "{entry:?}");
    }
    let entry = |action: &str| -> AuditEntryView {
        all.rows
            .iter()
            .find(|e| e.action == action)
            .unwrap()
            .clone()
    };
    assert_eq!(
        entry("tenant.create").detail,
        "plan=starter owner=eve@example.com"
    );
    assert_eq!(entry("user.set_role").detail, "role=admin");
    assert!(entry("tenant.retry").detail.starts_with("job="));
    // Newest first.
    assert_eq!(all.rows[0].action, "account.log_in");

    // Filters: actor, action and target text, any case.
    let by_actor = audit(&app, &admin, &[("actor", "ROOT@")]).await;
    assert_eq!(by_actor.total, 5);
    let by_action = audit(&app, &admin, &[("action", "tenant.create")]).await;
    assert_eq!(
        actions(&by_action),
        [("root@example.com", "tenant.create", "acme")]
    );
    assert_eq!(by_action.total, 1);
    let by_target = audit(&app, &admin, &[("target", "acm"), ("actor", "root")]).await;
    assert_eq!(by_target.total, 3);
    let nothing = audit(&app, &admin, &[("target", "%")]).await;
    assert_eq!(nothing.total, 0);
    let refused = post(&app, &admin, "admin/audit", &[("action", "drop.table")]).await;
    assert_eq!(refused.status(), 422);

    // The page shows the same, filtered by its URL.
    let html = admin
        .get(format!("{}/admin/audit?action=tenant.create", app.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
        .replace("<!>", "");
    assert!(html.contains("1 entry · page 1 of 1"), "{html}");
    assert!(html.contains("<td>acme</td>"), "{html}");
    assert!(
        html.contains("href=\"/admin/audit\""),
        "the admin nav links the page: {html}"
    );
}

async fn a_refused_demotion_of_the_last_admin_is_not_recorded(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let admin = app.signed_up("root@example.com", PASSWORD).await;
    app.execute("UPDATE users SET role = 'admin' WHERE email = 'root@example.com'")
        .await;
    let me: app::domain::UserView = post(&app, &admin, "account", &[])
        .await
        .json()
        .await
        .unwrap();
    let refused = post(
        &app,
        &admin,
        "admin/set_role",
        &[("user_id", me.id.as_str()), ("role", "customer")],
    )
    .await;
    assert_eq!(refused.status(), 409);
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM users WHERE role = 'admin'")
            .await,
        1
    );
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'user.set_role'")
            .await,
        0
    );
    let all = audit(&app, &admin, &[]).await;
    assert_eq!(
        actions(&all),
        [("root@example.com", "account.sign_up", "root@example.com")]
    );
}

async fn only_admins_read_the_audit_log(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let customer = app.signed_up("eve@example.com", PASSWORD).await;
    let refused = post(&app, &customer, "admin/audit", &[]).await;
    assert_eq!(refused.status(), 403);
    assert_eq!(error_of(refused).await, AppError::Forbidden);
    let refused = post(&app, &client(), "admin/audit", &[("actor", "eve")]).await;
    assert_eq!(refused.status(), 401);
    assert_eq!(error_of(refused).await, AppError::Unauthenticated);
    let html = customer
        .get(format!("{}/admin/audit", app.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!html.contains("<td>eve@example.com</td>"), "{html}");
}

async fn the_command_line_is_audited_as_the_web_ui_is(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    app.signed_up("eve@example.com", PASSWORD).await;
    let admin = app.signed_up("root@example.com", PASSWORD).await;
    app.execute("UPDATE users SET role = 'admin' WHERE email = 'root@example.com'")
        .await;

    // The same two actions, once in the admin panel and once at the command line.
    let created = post(
        &app,
        &admin,
        "admin/tenants/create",
        &[
            ("subdomain", "by-ui"),
            ("plan", "starter"),
            ("owner_email", "eve@example.com"),
        ],
    )
    .await;
    assert_eq!(created.status(), 200);
    command_line(
        &app,
        &[
            "tenant",
            "create",
            "--subdomain",
            "by-cli",
            "--plan",
            "starter",
            "--owner-email",
            "eve@example.com",
        ],
    )
    .await;
    jobs_finished(&app).await;
    let deleted = post(
        &app,
        &admin,
        "admin/tenants/delete",
        &[("subdomain", "by-ui"), ("confirm", "by-ui")],
    )
    .await;
    assert_eq!(deleted.status(), 200);
    command_line(&app, &["tenant", "delete", "by-cli"]).await;

    let entries = audit(&app, &admin, &[("target", "by-")]).await;
    let entry = |action: &str, target: &str| -> AuditEntryView {
        entries
            .rows
            .iter()
            .find(|e| e.action == action && e.target == target)
            .unwrap_or_else(|| panic!("no {action} of {target} in {:?}", entries.rows))
            .clone()
    };
    assert_eq!(entries.total, 4, "{:?}", entries.rows);
    for action in ["tenant.create", "tenant.delete"] {
        let by_ui = entry(action, "by-ui");
        let by_cli = entry(action, "by-cli");
        assert_eq!(
            (
                by_ui.actor_kind,
                by_ui.actor_email.as_str(),
                by_ui.client_addr.as_str()
            ),
            (ActorKind::User, "root@example.com", "127.0.0.1")
        );
        assert_eq!(
            (
                by_cli.actor_kind,
                by_cli.actor_email.as_str(),
                by_cli.client_addr.as_str()
            ),
            (ActorKind::Operator, "ops", "command line")
        );
        if action == "tenant.create" {
            assert_eq!(by_ui.detail, "plan=starter owner=eve@example.com");
            assert_eq!(by_cli.detail, by_ui.detail);
        } else {
            // Each names the job that deletes its tenant.
            for e in [&by_ui, &by_cli] {
                let job: String = app
                    .text(&format!(
                        "SELECT j.id FROM jobs j JOIN tenants t ON t.id = j.tenant_id \
                         WHERE j.kind = 'delete' AND t.subdomain = '{}'",
                        e.target
                    ))
                    .await;
                assert_eq!(e.detail, format!("job={job}"));
            }
        }
    }

    // The audit page says what kind of actor an operator is.
    let html = admin
        .get(format!("{}/admin/audit?target=by-cli", app.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
        .replace("<!>", "");
    assert!(html.contains("<td>ops (operator)</td>"), "{html}");
}
