//! Cloudflare, through the local stand-in of its API.

use app::domain::TenantState;
use app::ports::TenantAdmin;
use server::dns::config::DnsKind;
use server::dns::DnsConfig;

use super::cloudflare_api::CloudflareApi;
use super::{settled, steps_done, stored, unique};
use crate::on_both_databases;
use crate::support::operator;
use crate::support::{test_config, Backend, TestApp};

on_both_databases!(
    a_record_is_created_updated_not_duplicated_and_removed,
    a_wrong_token_fails_the_step_for_good_with_the_reason,
);

const ZONE: &str = "0123456789abcdef0123456789abcdef";

fn cloudflare(api: &CloudflareApi, token: &str) -> DnsConfig {
    DnsConfig {
        dns_provider: DnsKind::Cloudflare,
        dns_ttl: 120,
        cloudflare_api_url: api.url.parse().unwrap(),
        cloudflare_zone_id: Some(ZONE.into()),
        cloudflare_api_token: Some(token.to_owned().into()),
        ..DnsConfig::default()
    }
}

async fn a_record_is_created_updated_not_duplicated_and_removed(backend: Backend) {
    let api = CloudflareApi::start(ZONE, "cf-token").await;
    let mut config = test_config();
    *config.dns = cloudflare(&api, "cf-token");
    let Some(app) = TestApp::spawn_with(backend, config).await else {
        return;
    };
    let tenants = app.tenants().await;
    let sub = unique("cf");
    let host = format!("{sub}.shops.test");
    let (tenant, job) = tenants
        .create(&operator(), &sub, "starter", None)
        .await
        .unwrap();
    settled(&tenants, &sub, TenantState::Ready).await;
    assert!(steps_done(&tenants, job.as_str())
        .await
        .contains(&"dns".to_owned()));

    let records = api.records();
    assert_eq!(records.len(), 1, "{records:?}");
    let record = &records[0];
    assert_eq!(
        (record.record_type.as_str(), record.name.as_str()),
        ("A", host.as_str())
    );
    assert_eq!(
        record.content, "127.0.0.1",
        "the simulated cluster's address"
    );
    assert_eq!((record.ttl, record.proxied), (120, false));
    let row = stored(&app, tenant.id.as_str())
        .await
        .expect("the record is stored");
    assert_eq!(row.provider, "cloudflare");
    assert_eq!(row.record_id.as_deref(), Some(record.id.as_str()));
    assert_eq!(
        (row.name.as_str(), row.record_type.as_str()),
        (host.as_str(), "A")
    );

    // Someone changed the record; provisioning again puts it back in place, no second one.
    api.set_content(&record.id, "203.0.113.9");
    app.execute(&format!(
        "UPDATE tenants SET state = 'failed' WHERE subdomain = '{sub}'"
    ))
    .await;
    let db = server::db::Db::connect(&app.db.url).await.unwrap();
    server::db::tenants::transition(
        &db.pool,
        tenant.id.as_str(),
        TenantState::Failed,
        TenantState::Provisioning,
        "test",
        Some(server::jobs::JobKind::Provision),
        &[],
        server::clock::now_ms(),
    )
    .await
    .unwrap()
    .expect("re-provisioning queued");
    settled(&tenants, &sub, TenantState::Ready).await;
    let again = api.records();
    assert_eq!(again.len(), 1, "updated, not duplicated: {again:?}");
    assert_eq!(again[0].id, record.id);
    assert_eq!(again[0].content, "127.0.0.1");
    let put = format!("PUT /dns_records/{}", record.id);
    assert!(api.calls().contains(&put), "{:?}", api.calls());

    tenants.delete(&operator(), &sub).await.unwrap();
    settled(&tenants, &sub, TenantState::Deleted).await;
    assert_eq!(api.records(), vec![], "removed with the tenant");
    let delete = format!("DELETE /dns_records/{}", record.id);
    assert!(api.calls().contains(&delete), "removed by its stored id");
    assert!(
        stored(&app, tenant.id.as_str()).await.is_none(),
        "and forgotten"
    );
}

async fn a_wrong_token_fails_the_step_for_good_with_the_reason(backend: Backend) {
    let api = CloudflareApi::start(ZONE, "the-right-token").await;
    let mut config = test_config();
    *config.dns = cloudflare(&api, "a-wrong-token");
    config.job_max_attempts = 5;
    let Some(app) = TestApp::spawn_with(backend, config).await else {
        return;
    };
    let tenants = app.tenants().await;
    let sub = unique("cf");
    let (tenant, job_id) = tenants
        .create(&operator(), &sub, "starter", None)
        .await
        .unwrap();

    let detail = settled(&tenants, &sub, TenantState::Failed).await;
    let job = &detail.jobs[0];
    assert_eq!(job.state.as_str(), "failed");
    assert_eq!(job.steps_done, 5, "failed at the DNS step");
    let reason = format!(
        "dns: cloudflare: listing the records of {sub}.shops.test was refused (HTTP 403): \
         Authentication error (10000)"
    );
    assert_eq!(job.last_error.as_deref(), Some(reason.as_str()));
    let events = tenants.events(&job_id, 0).await.unwrap();
    assert!(
        !events.iter().any(|e| e.kind.as_str() == "retrying"),
        "a refused token is not retried"
    );
    assert_eq!(api.calls().len(), 1, "one attempt: {:?}", api.calls());
    assert!(api.records().is_empty());
    assert!(stored(&app, tenant.id.as_str()).await.is_none());
    assert!(!reason.contains("a-wrong-token"));
}
