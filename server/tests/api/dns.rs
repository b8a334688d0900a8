//! DNS for tenants as a step of their jobs: PowerDNS as a real peer (answers checked with
//! `dig`), Cloudflare through a local stand-in of its documented API, and the wildcard mode.

mod cloudflare;
mod cloudflare_api;
mod powerdns;

use std::time::Duration;

use app::domain::{TenantDetail, TenantState};
use app::ports::TenantAdmin;
use server::db::dns_records::{self, DnsRecordRow};
use server::dns::config::DnsKind;
use server::dns::DnsConfig;
use server::serve;
use server::tenants::TenantService;

use crate::support::operator;
use crate::support::{test_config, Backend, TestApp, TestDb};
use cloudflare_api::CloudflareApi;

/// A subdomain no other test uses (tests of both databases share one DNS zone).
fn unique(prefix: &str) -> String {
    format!(
        "{prefix}{}",
        &uuid::Uuid::new_v4().simple().to_string()[..10]
    )
}

/// Waits until the tenant is in `wanted` and its newest job has ended.
async fn settled(tenants: &TenantService, subdomain: &str, wanted: TenantState) -> TenantDetail {
    for _ in 0..400 {
        let detail = tenants.show(subdomain).await.unwrap();
        let done = detail.jobs.first().is_none_or(|job| job.is_finished());
        if detail.tenant.state == wanted && done {
            return detail;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{subdomain} never became {}", wanted.as_str());
}

/// The record stored for the tenant, read straight from the database.
async fn stored(app: &TestApp, tenant_id: &str) -> Option<DnsRecordRow> {
    let db = server::db::Db::connect(&app.db.url).await.unwrap();
    let row = dns_records::get(&db.pool, tenant_id).await.unwrap();
    db.pool.close().await;
    row
}

/// The names of the steps that succeeded in a job, in order.
async fn steps_done(tenants: &TenantService, job_id: &str) -> Vec<String> {
    tenants
        .events(&app::domain::JobId::new(job_id), 0)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.kind.as_str() == "succeeded")
        .map(|e| e.step_name)
        .collect()
}

crate::on_both_databases!(
    with_a_wildcard_record_nothing_is_published,
    an_unreachable_provider_is_retried_then_fails_visibly,
);

async fn with_a_wildcard_record_nothing_is_published(backend: Backend) {
    // A Cloudflare stand-in is configured but not chosen: it must hear nothing.
    let api = CloudflareApi::start("zone-w", "token-w").await;
    let mut config = test_config();
    *config.dns = DnsConfig {
        dns_provider: DnsKind::Wildcard,
        cloudflare_api_url: api.url.parse().unwrap(),
        cloudflare_zone_id: Some("zone-w".into()),
        cloudflare_api_token: Some("token-w".to_owned().into()),
        ..DnsConfig::default()
    };
    let Some(app) = TestApp::spawn_with(backend, config).await else {
        return;
    };
    let tenants = app.tenants().await;
    let (tenant, job) = tenants
        .create(&operator(), "acme", "starter", None)
        .await
        .unwrap();
    settled(&tenants, "acme", TenantState::Ready).await;
    assert!(steps_done(&tenants, job.as_str())
        .await
        .contains(&"dns".to_owned()));
    assert!(stored(&app, tenant.id.as_str()).await.is_none());

    let job = tenants.delete(&operator(), "acme").await.unwrap();
    settled(&tenants, "acme", TenantState::Deleted).await;
    assert!(steps_done(&tenants, job.as_str())
        .await
        .contains(&"dns".to_owned()));
    assert_eq!(api.calls(), Vec::<String>::new(), "no DNS API was called");
}

#[tokio::test]
async fn a_provider_without_its_settings_stops_the_server_from_starting() {
    let db = TestDb::create(Backend::Sqlite).await.unwrap();
    let mut config = test_config();
    *config.dns = DnsConfig {
        dns_provider: DnsKind::Cloudflare,
        cloudflare_zone_id: Some("zone-1".into()),
        ..DnsConfig::default()
    };
    let db_config = server::config::DbConfig {
        database_url: db.url.clone(),
    };
    let error = serve::start(&db_config, &config).await.err().unwrap();
    assert_eq!(
        format!("{error:#}"),
        "DNS settings: STOREFLEET_DNS=cloudflare needs STOREFLEET_CLOUDFLARE_API_TOKEN"
    );
}

async fn an_unreachable_provider_is_retried_then_fails_visibly(backend: Backend) {
    // Nothing listens there: a bound-then-closed port, on a loopback address no test server
    // binds (they all use 127.0.0.1), so another test cannot take the port meanwhile.
    let port = std::net::TcpListener::bind("127.0.0.2:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut config = test_config();
    *config.dns = DnsConfig {
        dns_provider: DnsKind::Powerdns,
        powerdns_api_url: Some(format!("http://127.0.0.2:{port}").parse().unwrap()),
        powerdns_api_key: Some("key".to_owned().into()),
        powerdns_zone: Some("shops.test".into()),
        ..DnsConfig::default()
    };
    let Some(app) = TestApp::spawn_with(backend, config).await else {
        return;
    };
    let tenants = app.tenants().await;
    let (_, job_id) = tenants
        .create(&operator(), "acme", "starter", None)
        .await
        .unwrap();
    let detail = settled(&tenants, "acme", TenantState::Failed).await;
    let error = detail.jobs[0].last_error.clone().unwrap_or_default();
    assert!(
        error.starts_with("dns: powerdns: replacing the A record of acme.shops.test got no answer"),
        "{error}"
    );
    let events = tenants.events(&job_id, 0).await.unwrap();
    assert!(
        events
            .iter()
            .any(|e| e.kind.as_str() == "retrying" && e.step_name == "dns"),
        "an unreachable provider is retried"
    );
}
