//! The admin's overview against a seeded fleet of 200 stores in mixed states: its counts by
//! state and plan, what it says needs attention (two failed jobs among them), today's figures
//! and its charts, as the server function returns them and as the page shows them.

use app::domain::overview::FleetOverview;
use server::clock::now_ms;

use crate::on_both_databases;
use crate::support::{admin, Backend, TestApp};

on_both_databases!(the_overview_counts_a_seeded_fleet_and_names_what_needs_attention);

const MINUTE: i64 = 60_000;
const DAY: i64 = 86_400_000;

/// Which state the `n`th of 200 stores is in.
fn state_of(n: usize) -> &'static str {
    match n {
        0..=1 => "failed",
        2..=11 => "suspended",
        12..=19 => "archived",
        20..=24 => "deleted",
        25..=44 => "provisioning",
        45..=49 => "updating",
        _ => "ready",
    }
}

async fn seed(app: &TestApp, now: i64) {
    for n in 0..200 {
        let plan = if n % 4 == 0 { "pro" } else { "starter" };
        let created = now - (n as i64 % 30) * DAY;
        app.execute(&format!(
            "INSERT INTO tenants (id, subdomain, plan, state, settings, created_at, updated_at) \
             VALUES ('t{n}', 'shop{n:03}', '{plan}', '{}', '{{}}', {created}, {created})",
            state_of(n)
        ))
        .await;
    }
    // Two failed jobs: the two failed stores' provisionings, today.
    for n in 0..2 {
        app.execute(&format!(
            "INSERT INTO jobs (id, tenant_id, kind, state, step, attempts, next_run_at, \
             last_error, created_at, updated_at, finished_at) VALUES ('failed{n}', 't{n}', \
             'provision', 'failed', 3, 2, 0, 'image not found', {}, {now}, {now})",
            now - 5 * MINUTE
        ))
        .await;
    }
    // Provisionings that succeeded today, 20 to 40 seconds each, and the steps' history.
    for n in 50..60 {
        let took = (20 + (n - 50) * 2) as i64 * 1000;
        app.execute(&format!(
            "INSERT INTO jobs (id, tenant_id, kind, state, step, attempts, next_run_at, \
             created_at, updated_at, finished_at) VALUES ('done{n}', 't{n}', 'provision', \
             'succeeded', 9, 0, 0, {}, {now}, {now})",
            now - took
        ))
        .await;
        app.execute(&format!(
            "INSERT INTO tenant_transitions (id, tenant_id, from_state, to_state, cause, at) \
             VALUES ('tr{n}', 't{n}', 'provisioning', 'ready', 'provisioned', {now})"
        ))
        .await;
        for (seq, kind, at) in [(1, "started", now - 40_000), (2, "succeeded", now - 39_000)] {
            app.execute(&format!(
                "INSERT INTO job_events (job_id, seq, at, step, step_name, kind, message) \
                 VALUES ('done{n}', {seq}, {at}, 3, 'workloads', '{kind}', 'x')"
            ))
            .await;
        }
    }
    // One store building, its workloads step under way for an hour (it usually takes 1 s)…
    app.execute(&format!(
        "INSERT INTO jobs (id, tenant_id, kind, state, step, attempts, step_started_at, \
         next_run_at, created_at, updated_at) VALUES ('stuck', 't25', 'provision', 'queued', 3, \
         0, {}, {}, {}, {now})",
        now - 60 * MINUTE,
        now + DAY,
        now - 61 * MINUTE
    ))
    .await;
    // …and another only just started its step: not stuck.
    app.execute(&format!(
        "INSERT INTO jobs (id, tenant_id, kind, state, step, attempts, step_started_at, \
         next_run_at, created_at, updated_at) VALUES ('fresh', 't26', 'provision', 'queued', 3, \
         0, {}, {}, {now}, {now})",
        now - MINUTE,
        now + DAY
    ))
    .await;
    // Three stores in grace after a failed payment.
    for n in 60..63 {
        app.execute(&format!(
            "INSERT INTO subscriptions (subscription_id, tenant_id, customer_id, status, \
             status_at, past_due_since, updated_at) VALUES ('sub{n}', 't{n}', 'cus{n}', \
             'past_due', {now}, {now}, {now})"
        ))
        .await;
    }
    // A halted rollout and a failed restore drill.
    app.execute(&format!(
        "INSERT INTO releases (id, blueprint, name, images, notes, created_by, created_at) \
         VALUES ('rel1', 'store', '2.0.0', '{{}}', '', 'root', {now})"
    ))
    .await;
    app.execute(&format!(
        "INSERT INTO rollouts (id, release_id, state, options, reason, created_by, created_at, \
         updated_at, next_at) VALUES ('ro1', 'rel1', 'halted', '{{}}', 'too many failed', \
         'root', {now}, {now}, {})",
        i64::MAX
    ))
    .await;
    app.execute(&format!(
        "INSERT INTO drills (id, tenant_id, backup_id, state, error, requested_by, created_at, \
         finished_at, next_at) VALUES ('dr1', 't70', 'b1', 'failed', 'no table', 'schedule', \
         {now}, {now}, {})",
        i64::MAX
    ))
    .await;
}

async fn the_overview_counts_a_seeded_fleet_and_names_what_needs_attention(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    seed(&app, now_ms()).await;
    let admin = admin(&app).await;
    let answer = admin
        .post(format!("{}/api/admin/overview", app.base))
        .header("origin", &app.base)
        .header("accept", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    let overview: FleetOverview = answer.json().await.unwrap();

    assert_eq!(overview.total, 195, "200 stores, 5 of them deleted");
    let state = |name: &str| {
        overview
            .by_state
            .iter()
            .find(|c| c.name == name)
            .unwrap()
            .count
    };
    for (name, count) in [
        ("ready", 150),
        ("provisioning", 20),
        ("updating", 5),
        ("suspended", 10),
        ("archived", 8),
        ("deleted", 5),
        ("failed", 2),
        ("pending_payment", 0),
    ] {
        assert_eq!(state(name), count, "{name}");
    }
    let plan = |name: &str| overview.by_plan.iter().find(|c| c.name == name).unwrap();
    // Every fourth store is on pro: 50, two of them (shop020 and shop024) deleted.
    assert_eq!(plan("pro").count, 48);
    assert_eq!(plan("starter").count, 147);
    assert_eq!(plan("pro").href, "/admin/tenants?plan=pro");

    let attention: Vec<(&str, i64)> = overview
        .attention
        .iter()
        .map(|a| (a.label.as_str(), a.count))
        .collect();
    assert_eq!(
        attention,
        [
            ("Stores failed", 2),
            ("Stores stuck in a step", 1),
            ("Stores in grace after a failed payment", 3),
            ("Stores suspended", 10),
            ("Rollouts halted", 1),
            ("Restore drills failed", 1),
        ]
    );
    let failed = &overview.attention[0];
    assert_eq!(failed.href, "/admin/tenants?state=failed");
    let mut named: Vec<&str> = failed.items.iter().map(|(name, _)| name.as_str()).collect();
    named.sort_unstable();
    assert_eq!(named, ["shop000", "shop001"]);
    assert_eq!(
        overview.attention[1].items,
        [("shop025".to_owned(), "/admin/tenants/shop025".to_owned())]
    );
    assert_eq!(overview.attention[4].items[0].1, "/admin/rollouts/ro1");

    let today: Vec<(&str, &str)> = overview
        .today
        .iter()
        .map(|(label, figure)| (label.as_str(), figure.as_str()))
        .collect();
    assert_eq!(
        today,
        [
            ("Sign-ups", "7"),
            ("Stores ready", "10"),
            ("Jobs failed", "2")
        ],
        "stores 0, 30, …, 180 signed up today"
    );
    let titles: Vec<&str> = overview.charts.iter().map(|c| c.title.as_str()).collect();
    assert_eq!(
        titles,
        [
            "Sign-ups per day",
            "Stores ready per day",
            "Provisioning time per day",
            "Job failures per day"
        ]
    );
    assert!(overview.charts[0]
        .svg
        .contains("200 sign-ups in the last 30 days"));
    assert!(
        overview.charts[2]
            .svg
            .contains("10 stores provisioned in the last 30 days: half in 28 s or less"),
        "{}",
        overview.charts[2].svg
    );

    // The page, rendered on the server: the figures and the drawn charts are in it.
    let page = admin
        .get(format!("{}/admin", app.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Needs attention"), "{page}");
    assert!(page.contains("Stores stuck in a step"));
    assert!(page.contains("<svg class=\"chart\""));
    assert!(page.contains("195 stores"));
}
