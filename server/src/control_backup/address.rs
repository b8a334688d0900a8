//! Where a backup of the control plane's database goes: `s3://BUCKET/KEY`, parsed once. The
//! bucket in the address is the one used (it overrides `STOREFLEET_S3_BUCKET`) and the key is
//! the whole key in it (`STOREFLEET_S3_PREFIX` is not added), so the address a backup prints is
//! the address a restore takes.

use std::fmt;

/// An address that is not `s3://BUCKET/KEY`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not an object address: use s3://BUCKET/KEY")]
pub struct AddressError(pub String);

/// One object: a bucket and a key in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectAddress {
    /// The bucket.
    pub bucket: String,
    /// The key, without a leading `/`.
    pub key: String,
}

impl ObjectAddress {
    /// Reads `s3://BUCKET/KEY`; the key names an object, so it is not empty and does not end
    /// with `/`.
    pub fn parse(text: &str) -> Result<Self, AddressError> {
        let (bucket, key) = split(text)?;
        if key.is_empty() || key.ends_with('/') {
            return Err(AddressError(text.to_owned()));
        }
        Ok(Self {
            bucket: bucket.to_owned(),
            key: key.to_owned(),
        })
    }
}

impl fmt::Display for ObjectAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "s3://{}/{}", self.bucket, self.key)
    }
}

/// A folder of backups: a bucket and a prefix in it, possibly empty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupFolder {
    /// The bucket.
    pub bucket: String,
    /// The prefix, without a leading or trailing `/`.
    pub prefix: String,
}

impl BackupFolder {
    /// Reads `s3://BUCKET` or `s3://BUCKET/PREFIX`.
    pub fn parse(text: &str) -> Result<Self, AddressError> {
        let (bucket, prefix) = split(text)?;
        Ok(Self {
            bucket: bucket.to_owned(),
            prefix: prefix.trim_end_matches('/').to_owned(),
        })
    }

    /// The address of the backup taken at `time` (RFC 3339): `<prefix>/control-<time>.dump`.
    pub fn object_at(&self, time: &str) -> ObjectAddress {
        let name = format!("control-{time}.dump");
        ObjectAddress {
            bucket: self.bucket.clone(),
            key: if self.prefix.is_empty() {
                name
            } else {
                format!("{}/{name}", self.prefix)
            },
        }
    }
}

/// `s3://BUCKET/REST` as the bucket and the rest, without its leading `/`s.
fn split(text: &str) -> Result<(&str, &str), AddressError> {
    let bad = || AddressError(text.to_owned());
    let rest = text.strip_prefix("s3://").ok_or_else(bad)?;
    let (bucket, key) = rest.split_once('/').unwrap_or((rest, ""));
    let valid_bucket = !bucket.is_empty()
        && bucket
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '.' | '_'));
    if !valid_bucket {
        return Err(bad());
    }
    Ok((bucket, key.trim_start_matches('/')))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_object_address_names_a_bucket_and_a_key() {
        let address = ObjectAddress::parse("s3://backups/control/2026-01-01.dump").unwrap();
        assert_eq!(address.bucket, "backups");
        assert_eq!(address.key, "control/2026-01-01.dump");
        assert_eq!(address.to_string(), "s3://backups/control/2026-01-01.dump");
        for bad in [
            "backups/control.dump",
            "https://backups/control.dump",
            "s3://backups",
            "s3://backups/",
            "s3://backups/control/",
            "s3:///control.dump",
            "s3://Back Ups/control.dump",
        ] {
            assert_eq!(
                ObjectAddress::parse(bad),
                Err(AddressError(bad.to_owned())),
                "{bad}"
            );
        }
    }

    #[test]
    fn a_folder_names_each_backup_by_its_time() {
        let time = "2026-01-01T03:00:00Z";
        let folder = BackupFolder::parse("s3://backups/storefleet/").unwrap();
        assert_eq!(
            folder.object_at(time).to_string(),
            "s3://backups/storefleet/control-2026-01-01T03:00:00Z.dump"
        );
        let root = BackupFolder::parse("s3://backups").unwrap();
        assert_eq!(
            root.object_at(time).key,
            "control-2026-01-01T03:00:00Z.dump"
        );
        assert!(BackupFolder::parse("backups").is_err());
    }
}
