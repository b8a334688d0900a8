//! `/metrics`, scraped as Prometheus would and parsed with a real text-format parser: refused
//! without the token, and its figures move as the fleet does — a store provisioned (its
//! calls to the cluster counted), a job failed, a mail queued.

use app::domain::TenantState;
use app::ports::TenantAdmin;
use server::dns::secret::Secret;

use crate::on_both_databases;
use crate::owner::owned_store;
use crate::provisioning::wait_for_state;
use crate::support::{client, operator, test_config, Backend, TestApp};

on_both_databases!(metrics_are_for_the_token_holder_and_follow_the_fleet);

const TOKEN: &str = "metrics-test-token";

/// One scrape, parsed.
async fn scrape(app: &TestApp) -> prometheus_parse::Scrape {
    let answer = client()
        .get(format!("{}/metrics", app.base))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    let text = answer.text().await.unwrap();
    let lines = text.lines().map(|line| Ok(line.to_owned()));
    prometheus_parse::Scrape::parse(lines).unwrap()
}

/// The value of `metric` with exactly these labels, 0 when absent.
fn value(scrape: &prometheus_parse::Scrape, metric: &str, labels: &[(&str, &str)]) -> f64 {
    scrape
        .samples
        .iter()
        .filter(|s| s.metric == metric)
        .find(|s| labels.iter().all(|(k, v)| s.labels.get(k) == Some(*v)))
        .map_or(0.0, |s| match s.value {
            prometheus_parse::Value::Gauge(v)
            | prometheus_parse::Value::Counter(v)
            | prometheus_parse::Value::Untyped(v) => v,
            _ => f64::NAN,
        })
}

async fn metrics_are_for_the_token_holder_and_follow_the_fleet(backend: Backend) {
    let mut config = test_config();
    config.metrics_token = Some(Secret::from(TOKEN.to_owned()));
    let Some(app) = TestApp::spawn_with(backend, config).await else {
        return;
    };
    for bearer in [None, Some("wrong")] {
        let mut asked = client().get(format!("{}/metrics", app.base));
        if let Some(bearer) = bearer {
            asked = asked.bearer_auth(bearer);
        }
        assert_eq!(asked.send().await.unwrap().status(), 401, "{bearer:?}");
    }

    let before = scrape(&app).await;
    let ready = [("state", "ready"), ("plan", "starter")];
    assert_eq!(value(&before, "storefleet_tenants", &ready), 0.0);

    // A store provisioned: a ready store, a succeeded job, and its owner's mail queued.
    let (_owner, tenants) = owned_store(&app, "olga@example.com", "acme").await;
    // A store whose quota cannot hold it: its job fails.
    app.execute(
        r#"UPDATE plans SET quota = '{"cpu":"1","memory":"2Gi","storage":"20Gi","pods":10}' WHERE name = 'pro'"#,
    )
    .await;
    tenants
        .create(&operator(), "broken", "pro", None)
        .await
        .unwrap();
    wait_for_state(&tenants, "broken", TenantState::Failed).await;

    let after = scrape(&app).await;
    assert_eq!(value(&after, "storefleet_tenants", &ready), 1.0);
    let provisioned = [("kind", "provision"), ("state", "succeeded")];
    assert_eq!(value(&after, "storefleet_jobs", &provisioned), 1.0);
    let failed = [("kind", "provision"), ("state", "failed")];
    assert_eq!(value(&after, "storefleet_jobs", &failed), 1.0);
    let queued = value(&after, "storefleet_outbox_pending", &[]);
    assert!(
        queued > value(&before, "storefleet_outbox_pending", &[]),
        "{queued}"
    );
    assert_eq!(value(&after, "storefleet_job_queue_depth", &[]), 0.0);
    // The steps the jobs went through were timed.
    let timed = after.samples.iter().any(|s| {
        s.metric.starts_with("storefleet_job_step_duration_seconds")
            && s.labels.get("kind") == Some("provision")
            && s.labels.get("step") == Some("workloads")
    });
    assert!(timed, "no provision step timed");
    // So were the calls it made to the cluster, by verb and resource as RBAC names them.
    let applied = "storefleet_cluster_request_duration_seconds_count";
    let deployments = [("verb", "patch"), ("resource", "deployments")];
    assert!(
        value(&after, applied, &deployments) >= value(&before, applied, &deployments) + 1.0,
        "no server-side apply of a Deployment counted"
    );
    // The store signed up for became ready: its time from sign-up is counted (the histogram
    // is the process's, which other tests share, so it is read as a difference).
    let ready = "storefleet_signup_to_ready_seconds_count";
    assert!(value(&after, ready, &[]) >= value(&before, ready, &[]) + 1.0);
    // And the requests: the scrapes themselves, by their route.
    let scraped = after.samples.iter().any(|s| {
        s.metric
            .starts_with("storefleet_http_request_duration_seconds")
            && s.labels.get("route") == Some("/metrics")
    });
    assert!(scraped);
}

/// The `storefleet_…` metrics an expression names, without histogram and counter suffixes.
fn named_in(expr: &str) -> Vec<String> {
    expr.match_indices("storefleet_")
        .map(|(at, _)| {
            let name: String = expr[at..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            ["_bucket", "_count", "_sum", "_total"]
                .iter()
                .find_map(|suffix| name.strip_suffix(suffix))
                .unwrap_or(&name)
                .to_owned()
        })
        .collect()
}

/// Every metric the alert rules and the dashboard in `deploy/monitoring/` name.
fn monitored_metrics() -> Vec<String> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../deploy/monitoring");
    let read = |file: &str| std::fs::read_to_string(format!("{dir}/{file}")).unwrap();
    let rules: serde_yaml_ng::Value = serde_yaml_ng::from_str(&read("alerts.yaml")).unwrap();
    let mut names = Vec::new();
    for group in rules["groups"].as_sequence().unwrap() {
        for rule in group["rules"].as_sequence().unwrap() {
            names.extend(named_in(rule["expr"].as_str().unwrap()));
        }
    }
    let dashboard: serde_json::Value =
        serde_json::from_str(&read("grafana-dashboard.json")).unwrap();
    for panel in dashboard["panels"].as_array().unwrap() {
        for target in panel["targets"].as_array().unwrap() {
            names.extend(named_in(target["expr"].as_str().unwrap()));
        }
    }
    names
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_alerts_and_the_dashboard_name_only_metrics_the_server_serves() {
    let mut config = test_config();
    config.metrics_token = Some(Secret::from(TOKEN.to_owned()));
    let Some(app) = TestApp::spawn_with(Backend::Sqlite, config).await else {
        return;
    };
    // A store provisioned, so that job steps have been timed.
    owned_store(&app, "olga@example.com", "acme").await;
    let served = scrape(&app).await;
    let names = monitored_metrics();
    assert!(names.len() >= 14, "{names:?}");
    for name in names {
        assert!(
            served.docs.contains_key(&name),
            "{name} is not served: {:?}",
            served.docs
        );
    }
}
