//! Backups against real peers: SeaweedFS as the S3 server (started by `scripts/test.sh`,
//! `STOREFLEET_TEST_S3="ENDPOINT BUCKET KEY_ID SECRET"`), PostgreSQL as the tenants' databases.

mod archive;
mod control_plane;
mod copy;
mod demo;
mod drills;
mod flow;
mod kills;
mod pages;
mod parallel;
mod parts;
mod pre_update;
mod quota;
mod retention;
mod storage;

use server::dns::secret::Secret;
use server::storage::StorageConfig;

/// Storage settings for the SeaweedFS peer, each test under its own prefix; `None` (the test
/// skips) when the peer is not there, unless `STOREFLEET_REQUIRE_PEERS=1`.
pub(crate) fn s3_config() -> Option<StorageConfig> {
    let peer = std::env::var("STOREFLEET_TEST_S3")
        .ok()
        .filter(|v| !v.is_empty());
    let Some(peer) = peer else {
        if std::env::var("STOREFLEET_REQUIRE_PEERS").is_ok_and(|v| v == "1") {
            panic!("STOREFLEET_REQUIRE_PEERS=1 but STOREFLEET_TEST_S3 is not set");
        }
        eprintln!("skipped: STOREFLEET_TEST_S3 is not set");
        return None;
    };
    let parts: Vec<&str> = peer.split_whitespace().collect();
    let [endpoint, bucket, key_id, secret] = parts[..] else {
        panic!("STOREFLEET_TEST_S3 is ENDPOINT BUCKET KEY_ID SECRET, not {peer:?}");
    };
    Some(StorageConfig {
        bucket: Some(bucket.to_owned()),
        endpoint: Some(endpoint.to_owned()),
        region: "us-east-1".to_owned(),
        prefix: format!("test-{}", uuid::Uuid::new_v4().simple()),
        access_key_id: Some(key_id.to_owned()),
        secret_access_key: Some(Secret::from(secret.to_owned())),
        path_style: true,
    })
}

/// Multipart uploads begun under the test's prefix and neither completed nor aborted, as the
/// S3 server itself lists them.
pub(crate) async fn open_uploads(config: &StorageConfig) -> usize {
    let (endpoint, bucket) = (config.endpoint.as_deref(), config.bucket.as_deref());
    let mut url = url::Url::parse(&format!("{}/{}", endpoint.unwrap(), bucket.unwrap())).unwrap();
    url.query_pairs_mut()
        .append_pair("uploads", "")
        .append_pair("prefix", &config.prefix);
    let signer = server::storage::presign::Signer {
        key_id: config.access_key_id.as_deref().unwrap(),
        secret: config.secret_access_key.as_ref().unwrap().expose(),
        token: None,
        region: &config.region,
    };
    let now = time::OffsetDateTime::now_utc();
    let link = signer.presign("GET", &url, now, std::time::Duration::from_secs(60));
    let answer = reqwest::get(link).await.unwrap();
    assert!(answer.status().is_success(), "{}", answer.status());
    let listed = answer.text().await.unwrap();
    assert!(listed.contains("<ListMultipartUploadsResult"), "{listed}");
    listed.matches("<Upload>").count()
}
