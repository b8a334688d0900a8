//! PowerDNS as a real peer: records written through its HTTP API, answers read with `dig`.

use app::domain::TenantState;
use app::ports::TenantAdmin;
use server::dns::config::DnsKind;
use server::dns::{DnsConfig, Record};

use super::{settled, steps_done, stored, unique};
use crate::on_both_databases;
use crate::support::operator;
use crate::support::{test_config, Backend, TestApp};

on_both_databases!(a_tenant_resolves_while_it_exists);

/// The PowerDNS server `scripts/test.sh` starts.
struct Peer {
    api: String,
    key: String,
    zone: String,
    dns_port: String,
}

fn peer() -> Option<Peer> {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let found = (|| {
        Some(Peer {
            api: var("STOREFLEET_TEST_POWERDNS_API")?,
            key: var("STOREFLEET_TEST_POWERDNS_KEY")?,
            zone: var("STOREFLEET_TEST_POWERDNS_ZONE")?,
            dns_port: var("STOREFLEET_TEST_POWERDNS_DNS_PORT")?,
        })
    })();
    if found.is_none() {
        if std::env::var("STOREFLEET_REQUIRE_PEERS").is_ok_and(|v| v == "1") {
            panic!("STOREFLEET_REQUIRE_PEERS=1 but STOREFLEET_TEST_POWERDNS_* are not set");
        }
        eprintln!("skipped: STOREFLEET_TEST_POWERDNS_API and friends are not set");
    }
    found
}

/// What the DNS server answers for `name`, one line per record (`dig +short`).
async fn dig(peer: &Peer, name: &str) -> Vec<String> {
    let port = peer.dns_port.clone();
    let name = name.to_owned();
    let output = tokio::task::spawn_blocking(move || {
        std::process::Command::new("dig")
            .args(["@127.0.0.1", "-p", &port, &name, "A", "+short"])
            .args(["+time=2", "+tries=3"])
            .output()
            .expect("dig runs (dnsutils)")
    })
    .await
    .unwrap();
    assert!(output.status.success(), "dig failed: {output:?}");
    String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

fn powerdns(peer: &Peer) -> DnsConfig {
    DnsConfig {
        dns_provider: DnsKind::Powerdns,
        dns_ttl: 60,
        powerdns_api_url: Some(peer.api.parse().unwrap()),
        powerdns_api_key: Some(peer.key.clone().into()),
        powerdns_zone: Some(peer.zone.clone()),
        ..DnsConfig::default()
    }
}

/// Publishes as the DNS step does: an answer worth retrying (PowerDNS's sqlite backend
/// answers 500 when its file is busy under the suite's load) is tried again, a few times.
async fn publish_as_a_step_does(provider: &dyn server::dns::DnsProvider, record: &Record) {
    for attempt in 1..=5 {
        match provider.publish(record).await {
            Ok(_) => return,
            Err(error) if error.retryable() && attempt < 5 => {
                tokio::time::sleep(std::time::Duration::from_millis(200 * attempt)).await;
            }
            Err(error) => panic!("publishing {record:?}: {error}"),
        }
    }
}

async fn a_tenant_resolves_while_it_exists(backend: Backend) {
    let Some(peer) = peer() else {
        return;
    };
    let mut config = test_config();
    config.cluster.base_domain = peer.zone.clone();
    *config.dns = powerdns(&peer);
    let provider = config.dns.provider(&peer.zone).unwrap();
    let Some(app) = TestApp::spawn_with(backend, config).await else {
        return;
    };
    let tenants = app.tenants().await;
    let sub = unique("pdns");
    let host = format!("{sub}.{}", peer.zone);
    assert_eq!(
        dig(&peer, &host).await,
        Vec::<String>::new(),
        "not there yet"
    );

    let (tenant, job) = tenants
        .create(&operator(), &sub, "starter", None)
        .await
        .unwrap();
    settled(&tenants, &sub, TenantState::Ready).await;
    assert!(steps_done(&tenants, job.as_str())
        .await
        .contains(&"dns".to_owned()));
    assert_eq!(dig(&peer, &host).await, ["127.0.0.1"]);
    let row = stored(&app, tenant.id.as_str())
        .await
        .expect("the record is stored");
    assert_eq!(row.provider, "powerdns");
    assert_eq!(row.record_id, Some(format!("{host}./A")));
    assert_eq!(row.content, "127.0.0.1");

    // Publishing the same record again (as a retried step does) leaves one record.
    let record = Record::for_address(&host, "127.0.0.1").unwrap();
    for _ in 0..2 {
        publish_as_a_step_does(provider.as_ref(), &record).await;
    }
    assert_eq!(dig(&peer, &host).await, ["127.0.0.1"], "one record");

    tenants.delete(&operator(), &sub).await.unwrap();
    settled(&tenants, &sub, TenantState::Deleted).await;
    assert_eq!(
        dig(&peer, &host).await,
        Vec::<String>::new(),
        "no longer resolves"
    );
    assert!(stored(&app, tenant.id.as_str()).await.is_none());
    provider
        .withdraw(&host, None)
        .await
        .expect("withdrawing again succeeds");
}
