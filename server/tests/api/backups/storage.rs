//! The object storage client against SeaweedFS: what a presigned link uploads is stored with
//! the size and SHA-256 read back; a streamed upload in parts is whole; a download link gives
//! the bytes back; wrong keys and a wrong signature are refused.

use std::time::Duration;

use server::dns::secret::Secret;
use server::storage::{Storage, StorageConfig};
use sha2::{Digest, Sha256};

use super::s3_config;

fn storage(config: &StorageConfig) -> Storage {
    Storage::from_config(config)
        .unwrap()
        .expect("a bucket is set")
}

fn sha256(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

#[tokio::test]
async fn a_presigned_upload_is_stored_with_its_size_and_hash() {
    let Some(config) = s3_config() else {
        return;
    };
    let storage = storage(&config);
    let body: Vec<u8> = (0..300_000u32).flat_map(|n| n.to_le_bytes()).collect();
    // What a backup Job does: one PUT to the link, with no credential of its own.
    let link = storage
        .upload_link("t/one.dump", Duration::from_secs(60))
        .await
        .unwrap();
    assert!(!link
        .as_str()
        .contains(config.secret_access_key.as_ref().unwrap().expose()));
    let put = reqwest::Client::new()
        .put(link.clone())
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert!(put.status().is_success(), "{}", put.status());
    let digest = storage.digest("t/one.dump").await.unwrap().unwrap();
    assert_eq!(digest.size, body.len() as u64);
    assert_eq!(digest.sha256, sha256(&body));

    // The link names one object: it signs nothing else.
    let elsewhere = link.as_str().replace("one.dump", "two.dump");
    let refused = reqwest::Client::new()
        .put(elsewhere)
        .body("x")
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 403);
    assert_eq!(storage.digest("t/two.dump").await.unwrap(), None);

    // A download link gives the same bytes back.
    let down = storage
        .download_link("t/one.dump", Duration::from_secs(60))
        .await
        .unwrap();
    let got = reqwest::get(down).await.unwrap().bytes().await.unwrap();
    assert_eq!(sha256(&got), digest.sha256);

    storage.delete("t/one.dump").await.unwrap();
    assert_eq!(storage.digest("t/one.dump").await.unwrap(), None);
    // Deleting what is not there is no error.
    storage.delete("t/one.dump").await.unwrap();
}

#[tokio::test]
async fn a_streamed_upload_in_parts_is_whole() {
    let Some(config) = s3_config() else {
        return;
    };
    let storage = storage(&config);
    // 20 MiB: three parts.
    let body: Vec<u8> = (0..20 * 1024 * 1024u32).map(|n| (n % 251) as u8).collect();
    let digest = storage
        .upload("db/control.dump", std::io::Cursor::new(body.clone()))
        .await
        .unwrap();
    assert_eq!(digest.size, body.len() as u64);
    assert_eq!(digest.sha256, sha256(&body));
    assert_eq!(
        storage.digest("db/control.dump").await.unwrap(),
        Some(digest)
    );
}

#[tokio::test]
async fn wrong_keys_are_refused_with_a_clear_error_and_no_secret() {
    let Some(config) = s3_config() else {
        return;
    };
    let wrong = StorageConfig {
        secret_access_key: Some(Secret::from("wrong-secret-for-the-test".to_owned())),
        ..config
    };
    let storage = storage(&wrong);
    let error = storage
        .upload("x/y.dump", std::io::Cursor::new(vec![1u8; 10]))
        .await
        .unwrap_err()
        .to_string();
    assert!(error.starts_with("object storage:"), "{error}");
    assert!(!error.contains("wrong-secret-for-the-test"), "{error}");
    assert!(storage.digest("x/y.dump").await.is_err());
}
