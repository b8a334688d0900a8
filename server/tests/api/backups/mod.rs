//! Backups against real peers: SeaweedFS as the S3 server (started by `scripts/test.sh`,
//! `STOREFLEET_TEST_S3="ENDPOINT BUCKET KEY_ID SECRET"`), PostgreSQL as the tenants' databases.

mod archive;
mod control_plane;
mod drills;
mod flow;
mod kills;
mod pages;
mod pre_update;
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
