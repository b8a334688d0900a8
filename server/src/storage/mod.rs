//! Object storage for backups: presigned links minted for one object at a time (a tenant's
//! backup Job uploads through the part links of one multipart upload, an owner downloads
//! through another link, and no storage credential ever leaves the control plane), streamed
//! uploads of the control plane's own files
//! (multipart, aborted on failure), and the size and SHA-256 of what is stored, read back as
//! a stream, never held whole in memory.

pub mod config;
pub mod presign;

use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::multipart::MultipartStore;
use object_store::path::Path;
use object_store::signer::Signer;
use object_store::{ObjectStore, WriteMultipart};
use reqwest::Method;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use url::Url;

pub use config::{StorageConfig, StorageConfigError};

/// A part of a multipart upload: S3 wants at least 5 MiB for all but the last.
const PART_SIZE: usize = 8 * 1024 * 1024;

/// What went wrong with the storage. Its text names the key and the cause, never a credential.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// The storage answered with an error, or could not be reached.
    #[error("object storage: {0}")]
    Store(#[from] object_store::Error),
    /// Reading what was to be uploaded failed.
    #[error("reading the upload: {0}")]
    Read(#[from] std::io::Error),
}

/// The size and SHA-256 of a stored object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectDigest {
    /// Its length in bytes.
    pub size: u64,
    /// Its SHA-256, lower-case hex.
    pub sha256: String,
}

/// A multipart upload that someone without credentials can carry out: a link per part, in
/// order, and one that completes the upload. Each lasts as long as it was asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadLinks {
    /// The storage's id of the upload, to abort it with.
    pub upload_id: String,
    /// `PUT` links for parts 1, 2, … in order.
    pub parts: Vec<String>,
    /// The `POST` link that completes the upload from its parts' ETags.
    pub complete: String,
}

/// The storage backups are kept in.
#[derive(Debug, Clone)]
pub struct Storage {
    store: Arc<AmazonS3>,
    prefix: String,
    region: String,
}

impl Storage {
    /// The storage these settings name; `None` when backups are off.
    pub fn from_config(config: &StorageConfig) -> Result<Option<Self>, StorageError> {
        Self::build(config, object_store::RetryConfig::default())
    }

    /// The storage these settings name, for a quick look (the doctor's): a request that gets
    /// no answer is tried once more, not for minutes as a backup's upload is.
    pub fn for_check(config: &StorageConfig) -> Result<Option<Self>, StorageError> {
        Self::build(
            config,
            object_store::RetryConfig {
                max_retries: 1,
                retry_timeout: Duration::from_secs(5),
                ..object_store::RetryConfig::default()
            },
        )
    }

    fn build(
        config: &StorageConfig,
        retry: object_store::RetryConfig,
    ) -> Result<Option<Self>, StorageError> {
        let Some(bucket) = &config.bucket else {
            return Ok(None);
        };
        let mut builder = AmazonS3Builder::new()
            .with_retry(retry)
            .with_bucket_name(bucket)
            .with_region(&config.region)
            .with_virtual_hosted_style_request(!config.path_style);
        if let Some(endpoint) = &config.endpoint {
            builder = builder
                .with_endpoint(endpoint)
                .with_allow_http(endpoint.starts_with("http://"));
        }
        if let Some(id) = &config.access_key_id {
            builder = builder.with_access_key_id(id);
        }
        if let Some(secret) = &config.secret_access_key {
            builder = builder.with_secret_access_key(secret.expose());
        }
        let prefix = config.prefix.trim_matches('/');
        Ok(Some(Self {
            store: Arc::new(builder.build()?),
            prefix: if prefix.is_empty() {
                String::new()
            } else {
                format!("{prefix}/")
            },
            region: config.region.clone(),
        }))
    }

    fn path(&self, key: &str) -> Path {
        Path::from(format!("{}{key}", self.prefix))
    }

    /// A link that lets its holder upload `key` (one PUT) until it expires.
    pub async fn upload_link(&self, key: &str, expires_in: Duration) -> Result<Url, StorageError> {
        Ok(self
            .store
            .signed_url(Method::PUT, &self.path(key), expires_in)
            .await?)
    }

    /// Begins a multipart upload of `key` with links for up to `parts` parts and its
    /// completion, valid for `expires_in`. Whoever begins one aborts it if it is not completed.
    pub async fn begin_upload(
        &self,
        key: &str,
        parts: usize,
        expires_in: Duration,
    ) -> Result<UploadLinks, StorageError> {
        let path = self.path(key);
        let upload_id = self.store.create_multipart(&path).await?;
        let links = self.upload_links(key, &upload_id, parts, expires_in).await;
        if links.is_err() {
            let _ = self.abort_upload(key, &upload_id).await;
        }
        links
    }

    async fn upload_links(
        &self,
        key: &str,
        upload_id: &str,
        parts: usize,
        expires_in: Duration,
    ) -> Result<UploadLinks, StorageError> {
        // The object's address exactly as the store spells it, without its signature.
        let mut object = self.upload_link(key, expires_in).await?;
        object.set_query(None);
        let credential = self.store.credentials().get_credential().await?;
        let signer = presign::Signer {
            key_id: &credential.key_id,
            secret: &credential.secret_key,
            token: credential.token.as_deref(),
            region: &self.region,
        };
        let now = OffsetDateTime::now_utc();
        let with = |pairs: &[(&str, &str)]| {
            let mut url = object.clone();
            url.query_pairs_mut().extend_pairs(pairs);
            url
        };
        let parts = (1..=parts)
            .map(|number| {
                let number = number.to_string();
                let url = with(&[("partNumber", &number), ("uploadId", upload_id)]);
                signer.presign("PUT", &url, now, expires_in).to_string()
            })
            .collect();
        let complete = with(&[("uploadId", upload_id)]);
        Ok(UploadLinks {
            upload_id: upload_id.to_owned(),
            parts,
            complete: signer
                .presign("POST", &complete, now, expires_in)
                .to_string(),
        })
    }

    /// Aborts the multipart upload `upload_id` of `key`: its parts are removed. Nothing when it
    /// is gone already (completed or aborted).
    pub async fn abort_upload(&self, key: &str, upload_id: &str) -> Result<(), StorageError> {
        let id = upload_id.to_owned();
        match self.store.abort_multipart(&self.path(key), &id).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(error) => Err(error.into()),
        }
    }

    /// A link that lets its holder download `key` until it expires.
    pub async fn download_link(
        &self,
        key: &str,
        expires_in: Duration,
    ) -> Result<Url, StorageError> {
        Ok(self
            .store
            .signed_url(Method::GET, &self.path(key), expires_in)
            .await?)
    }

    /// The size and SHA-256 of `key` as stored, read as a stream; `None` when there is no such
    /// object.
    pub async fn digest(&self, key: &str) -> Result<Option<ObjectDigest>, StorageError> {
        let found = match self.store.get(&self.path(key)).await {
            Ok(found) => found,
            Err(object_store::Error::NotFound { .. }) => return Ok(None),
            Err(error) => return Err(error.into()),
        };
        let mut hash = Sha256::new();
        let mut size = 0u64;
        let mut chunks = found.into_stream();
        while let Some(chunk) = chunks.next().await {
            let chunk = chunk?;
            size += chunk.len() as u64;
            hash.update(&chunk);
        }
        Ok(Some(ObjectDigest {
            size,
            sha256: hex::encode(hash.finalize()),
        }))
    }

    /// Uploads what `reader` gives to `key` in parts, hashing as it goes; on any failure the
    /// upload is aborted, so no part is left behind.
    pub async fn upload(
        &self,
        key: &str,
        mut reader: impl AsyncRead + Unpin,
    ) -> Result<ObjectDigest, StorageError> {
        let upload = self.store.put_multipart(&self.path(key)).await?;
        let mut parts = WriteMultipart::new_with_chunk_size(upload, PART_SIZE);
        let mut hash = Sha256::new();
        let mut size = 0u64;
        let mut buffer = vec![0u8; 256 * 1024];
        loop {
            let read = match reader.read(&mut buffer).await {
                Ok(0) => break,
                Ok(read) => read,
                Err(error) => {
                    let _ = parts.abort().await;
                    return Err(error.into());
                }
            };
            if let Err(error) = parts.wait_for_capacity(4).await {
                let _ = parts.abort().await;
                return Err(error.into());
            }
            hash.update(&buffer[..read]);
            size += read as u64;
            parts.write(&buffer[..read]);
        }
        parts.finish().await?;
        Ok(ObjectDigest {
            size,
            sha256: hex::encode(hash.finalize()),
        })
    }

    /// Writes a small object under `key` and deletes it again: the doctor's check that
    /// backups can be stored.
    pub async fn check_writable(&self, key: &str) -> Result<(), StorageError> {
        let payload = object_store::PutPayload::from_static(b"storefleet doctor\n");
        self.store.put(&self.path(key), payload).await?;
        self.delete(key).await
    }

    /// Deletes `key`; nothing when it is not there.
    pub async fn delete(&self, key: &str) -> Result<(), StorageError> {
        match self.store.delete(&self.path(key)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(error) => Err(error.into()),
        }
    }

    /// Writes `key` as stored into `writer` as a stream, hashing as it goes, never holding it
    /// whole in memory; [`object_store::Error::NotFound`] when there is no such object.
    pub async fn download(
        &self,
        key: &str,
        mut writer: impl AsyncWrite + Unpin,
    ) -> Result<ObjectDigest, StorageError> {
        let found = self.store.get(&self.path(key)).await?;
        let mut hash = Sha256::new();
        let mut size = 0u64;
        let mut chunks = found.into_stream();
        while let Some(chunk) = chunks.next().await {
            let chunk = chunk?;
            size += chunk.len() as u64;
            hash.update(&chunk);
            writer.write_all(&chunk).await?;
        }
        writer.flush().await?;
        Ok(ObjectDigest {
            size,
            sha256: hex::encode(hash.finalize()),
        })
    }
}
