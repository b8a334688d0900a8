//! Owners' secret settings sealed at rest: the cipher and its keys (pure), where the keys
//! come from, and the database edge that seals, opens and re-seals what tenants store.
//!
//! A stored value reads `sealed:v1:<key id>:<base64 of nonce and ciphertext>`, sealed with
//! XChaCha20-Poly1305 under the key the id names, and bound to its tenant and setting, so a
//! value copied to another tenant or setting does not open.

pub mod keys;
pub mod seal;
pub mod store;

pub use keys::SecretKeyConfig;
pub use seal::{KeyId, Keyring, Place, SecretKey};

use crate::db::DbError;

/// Why a secret could not be sealed or opened, or a key not read.
#[derive(Debug, thiserror::Error)]
pub enum SecretsError {
    /// A key is not written as `ID:BASE64` of 32 bytes; says where it came from, never the key.
    #[error("{0}")]
    BadKey(String),
    /// Two configured keys share an id.
    #[error("two secret keys have the id `{0}`: every key needs its own")]
    DuplicateKeyId(String),
    /// The key file could not be read or written.
    #[error("secret key file {path}: {source}")]
    KeyFile {
        /// The file.
        path: String,
        /// What went wrong.
        #[source]
        source: std::io::Error,
    },
    /// Something must be sealed or opened, but no key is configured.
    #[error(
        "secret settings need a key: set STOREFLEET_SECRET_KEY or STOREFLEET_SECRET_KEY_FILE \
         (`storefleet secrets generate-key` makes one)"
    )]
    NoKey,
    /// Tenants store secret settings, but no key is configured to open them.
    #[error(
        "{tenants} tenants store secret settings (keys: {keys}) but no secret key is \
         configured: set STOREFLEET_SECRET_KEY or STOREFLEET_SECRET_KEY_FILE to the key \
         they were sealed under"
    )]
    StoredWithoutKey {
        /// How many tenants.
        tenants: usize,
        /// The ids of the keys their values name.
        keys: String,
    },
    /// A tenant's row kept changing while its secrets were being re-sealed.
    #[error("the secret settings of tenant {0} kept changing; run again")]
    Busy(String),
    /// A stored value is not in the sealed form.
    #[error("the secret setting `{0}` is not a sealed value")]
    Malformed(String),
    /// A value is sealed under a key that is not configured.
    #[error(
        "the secret setting `{setting}` is sealed under key `{key}`, which is not configured: \
         add that key to STOREFLEET_SECRET_KEYS_PREVIOUS (or the key file)"
    )]
    UnknownKey {
        /// The setting.
        setting: String,
        /// The id it names.
        key: String,
    },
    /// The value does not open under the key its id names.
    #[error(
        "the secret setting `{setting}` does not open under key `{key}`: it was altered, sealed \
         for another tenant or setting, or the key with that id is not the one that sealed it"
    )]
    Unopenable {
        /// The setting.
        setting: String,
        /// The id it names.
        key: String,
    },
    /// A query failed.
    #[error(transparent)]
    Db(#[from] DbError),
}

/// Result of sealing, opening and key handling.
pub type Result<T, E = SecretsError> = std::result::Result<T, E>;
