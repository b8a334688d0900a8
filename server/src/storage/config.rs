//! Where backups are kept: any S3-compatible object storage (AWS S3, Cloudflare R2, Backblaze
//! B2, MinIO, SeaweedFS), set by flags and environment variables. Without a bucket, backups
//! are off.

use clap::Args;

use crate::dns::secret::Secret;

/// Object storage settings.
#[derive(Debug, Clone, Args, Default)]
pub struct StorageConfig {
    /// The bucket backups are kept in; unset: backups are off.
    #[arg(long = "s3-bucket", env = "STOREFLEET_S3_BUCKET")]
    pub bucket: Option<String>,

    /// The storage's address, e.g. `https://<account>.r2.cloudflarestorage.com` or
    /// `http://127.0.0.1:8333`; unset: AWS S3 in the region.
    #[arg(long = "s3-endpoint", env = "STOREFLEET_S3_ENDPOINT")]
    pub endpoint: Option<String>,

    /// The region (`auto` for R2).
    #[arg(
        long = "s3-region",
        env = "STOREFLEET_S3_REGION",
        default_value = "us-east-1"
    )]
    pub region: String,

    /// A folder inside the bucket every key starts with, e.g. `storefleet/`.
    #[arg(long = "s3-prefix", env = "STOREFLEET_S3_PREFIX", default_value = "")]
    pub prefix: String,

    /// The access key's id.
    #[arg(long = "s3-access-key-id", env = "AWS_ACCESS_KEY_ID")]
    pub access_key_id: Option<String>,

    /// The access key's secret: never logged.
    #[arg(
        long = "s3-secret-access-key",
        env = "AWS_SECRET_ACCESS_KEY",
        hide_env_values = true
    )]
    pub secret_access_key: Option<Secret>,

    /// Address buckets by path (`endpoint/bucket/key`) rather than by host name, as MinIO and
    /// SeaweedFS want.
    #[arg(
        long = "s3-path-style",
        env = "STOREFLEET_S3_PATH_STYLE",
        default_value_t = false
    )]
    pub path_style: bool,
}

/// Object storage settings the server refuses to start with.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum StorageConfigError {
    /// A bucket without keys.
    #[error("STOREFLEET_S3_BUCKET is set but AWS_ACCESS_KEY_ID or AWS_SECRET_ACCESS_KEY is not")]
    MissingKeys,
    /// An endpoint that is not an http(s) address.
    #[error("STOREFLEET_S3_ENDPOINT must be an http:// or https:// address, not {0:?}")]
    BadEndpoint(String),
}

impl StorageConfig {
    /// Whether backups are on.
    pub fn is_on(&self) -> bool {
        self.bucket.is_some()
    }

    /// Checks what is set belongs together.
    pub fn check(&self) -> Result<(), StorageConfigError> {
        if self.bucket.is_none() {
            return Ok(());
        }
        if self.access_key_id.is_none() || self.secret_access_key.is_none() {
            return Err(StorageConfigError::MissingKeys);
        }
        if let Some(endpoint) = &self.endpoint {
            if !(endpoint.starts_with("http://") || endpoint.starts_with("https://")) {
                return Err(StorageConfigError::BadEndpoint(endpoint.clone()));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn on() -> StorageConfig {
        StorageConfig {
            bucket: Some("backups".into()),
            access_key_id: Some("id".into()),
            secret_access_key: Some(Secret::from("not-a-real-secret".to_owned())),
            ..StorageConfig::default()
        }
    }

    #[test]
    fn a_bucket_needs_keys_and_an_http_endpoint() {
        assert_eq!(StorageConfig::default().check(), Ok(()));
        assert!(!StorageConfig::default().is_on());
        assert_eq!(on().check(), Ok(()));
        let keyless = StorageConfig {
            secret_access_key: None,
            ..on()
        };
        assert_eq!(keyless.check(), Err(StorageConfigError::MissingKeys));
        let odd = StorageConfig {
            endpoint: Some("s3.example.com".into()),
            ..on()
        };
        assert!(matches!(
            odd.check(),
            Err(StorageConfigError::BadEndpoint(_))
        ));
    }

    #[test]
    fn the_secret_never_shows() {
        assert!(!format!("{:?}", on()).contains("not-a-real-secret"));
    }
}
