//! Sealing and opening one value: XChaCha20-Poly1305 under the keyring's current key, with a
//! fresh random nonce per value and the tenant and setting as associated data. Pure code.

use std::fmt;

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use zeroize::Zeroizing;

use super::{Result, SecretsError};

/// What every sealed value starts with; the version names the cipher and the layout.
const PREFIX: &str = "sealed:v1:";
const NONCE_LEN: usize = 24;
const TAG_LEN: usize = 16;
const KEY_LEN: usize = 32;

/// The name of a key, stored beside every value it seals, so that values sealed under an
/// older key can still be opened and found for re-sealing.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KeyId(String);

impl KeyId {
    /// Parses an id: 1 to 32 ASCII letters, digits, `-` or `_`.
    pub fn parse(raw: &str) -> Result<Self> {
        let valid = (1..=32).contains(&raw.len())
            && raw
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if valid {
            Ok(Self(raw.to_owned()))
        } else {
            Err(SecretsError::BadKey(format!(
                "{:?} is not a key id: use 1 to 32 letters, digits, - or _",
                raw.chars().take(40).collect::<String>()
            )))
        }
    }

    /// The id as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One key: its id and the cipher keyed with it. Its `Debug` shows the id only, and the
/// cipher wipes the key when dropped.
pub struct SecretKey {
    id: KeyId,
    cipher: XChaCha20Poly1305,
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SecretKey")
            .field("id", &self.id)
            .field("key", &"<redacted>")
            .finish()
    }
}

impl SecretKey {
    /// The key with this id and these 32 bytes.
    pub fn new(id: KeyId, bytes: &[u8; KEY_LEN]) -> Self {
        Self {
            id,
            cipher: XChaCha20Poly1305::new(bytes.into()),
        }
    }

    /// Parses `ID:KEY`, the key being 32 bytes in base64 (or 64 hex digits). `source` names
    /// where the text came from; errors say that, never the text.
    pub fn parse(text: &str, source: &str) -> Result<Self> {
        let bad = || {
            SecretsError::BadKey(format!(
                "{source} is not a secret key: write ID:BASE64 of 32 random bytes \
                 (`storefleet secrets generate-key` makes one)"
            ))
        };
        let (id, encoded) = text.trim().split_once(':').ok_or_else(bad)?;
        let id = KeyId::parse(id).map_err(|_| bad())?;
        let bytes = Zeroizing::new(decode(encoded).ok_or_else(bad)?);
        let bytes: &[u8; KEY_LEN] = bytes.as_slice().try_into().map_err(|_| bad())?;
        Ok(Self::new(id, bytes))
    }

    /// A new random key with this id, and its text (`ID:BASE64`) to keep.
    pub fn generate(id: KeyId) -> (Self, Zeroizing<String>) {
        let bytes = Zeroizing::new(<[u8; KEY_LEN]>::from(XChaCha20Poly1305::generate_key(
            &mut OsRng,
        )));
        let text = Zeroizing::new(format!("{id}:{}", STANDARD.encode(bytes.as_slice())));
        (Self::new(id, &bytes), text)
    }

    /// Its id.
    pub fn id(&self) -> &KeyId {
        &self.id
    }
}

fn decode(encoded: &str) -> Option<Vec<u8>> {
    if encoded.len() == 2 * KEY_LEN && encoded.bytes().all(|b| b.is_ascii_hexdigit()) {
        return hex::decode(encoded).ok();
    }
    STANDARD.decode(encoded).ok()
}

/// Where a value belongs. It is bound into the seal, so a value moved to another tenant or
/// setting does not open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Place<'a> {
    /// The tenant's id (never its subdomain, which a standby store does not have yet).
    pub tenant_id: &'a str,
    /// The setting's key.
    pub setting: &'a str,
}

impl Place<'_> {
    /// The associated data: each part length-prefixed, so no two places share it.
    fn associated_data(&self, key: &KeyId) -> Vec<u8> {
        let mut data = b"storefleet secret setting v1".to_vec();
        for part in [key.as_str(), self.tenant_id, self.setting] {
            data.extend_from_slice(&(part.len() as u64).to_be_bytes());
            data.extend_from_slice(part.as_bytes());
        }
        data
    }
}

/// The keys in use: the current one seals, every one opens what names it.
pub struct Keyring {
    current: SecretKey,
    previous: Vec<SecretKey>,
}

impl fmt::Debug for Keyring {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Keyring")
            .field("current", &self.current.id)
            .field(
                "previous",
                &self.previous.iter().map(|k| &k.id).collect::<Vec<_>>(),
            )
            .finish()
    }
}

impl Keyring {
    /// A keyring sealing under `current` and still opening values under `previous`.
    pub fn new(current: SecretKey, previous: Vec<SecretKey>) -> Result<Self> {
        let mut ids: Vec<&KeyId> = vec![&current.id];
        for key in &previous {
            if ids.contains(&&key.id) {
                return Err(SecretsError::DuplicateKeyId(key.id.to_string()));
            }
            ids.push(&key.id);
        }
        Ok(Self { current, previous })
    }

    /// The id of the key new values are sealed under.
    pub fn current(&self) -> &KeyId {
        &self.current.id
    }

    /// Whether a key with this id is configured.
    pub fn has(&self, id: &str) -> bool {
        self.key(id).is_some()
    }

    fn key(&self, id: &str) -> Option<&SecretKey> {
        std::iter::once(&self.current)
            .chain(&self.previous)
            .find(|k| k.id.as_str() == id)
    }

    /// Seals `value` for `place` under the current key, with a fresh random nonce.
    pub fn seal(&self, place: Place<'_>, value: &str) -> String {
        let key = &self.current;
        let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        let aad = place.associated_data(&key.id);
        let ciphertext = key
            .cipher
            .encrypt(
                &nonce,
                Payload {
                    msg: value.as_bytes(),
                    aad: &aad,
                },
            )
            .expect("XChaCha20-Poly1305 seals any value shorter than 256 GiB");
        let mut payload = nonce.to_vec();
        payload.extend_from_slice(&ciphertext);
        format!("{PREFIX}{}:{}", key.id, URL_SAFE_NO_PAD.encode(payload))
    }

    /// Opens a value sealed for `place` by [`Keyring::seal`] under any configured key.
    pub fn open(&self, place: Place<'_>, sealed: &str) -> Result<String> {
        let malformed = || SecretsError::Malformed(place.setting.to_owned());
        let (id, encoded) = split(sealed).ok_or_else(malformed)?;
        let key = self.key(id).ok_or_else(|| SecretsError::UnknownKey {
            setting: place.setting.to_owned(),
            key: id.to_owned(),
        })?;
        let payload = URL_SAFE_NO_PAD.decode(encoded).map_err(|_| malformed())?;
        if payload.len() < NONCE_LEN + TAG_LEN {
            return Err(malformed());
        }
        let (nonce, ciphertext) = payload.split_at(NONCE_LEN);
        let unopenable = || SecretsError::Unopenable {
            setting: place.setting.to_owned(),
            key: id.to_owned(),
        };
        let opened = key
            .cipher
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: ciphertext,
                    aad: &place.associated_data(&key.id),
                },
            )
            .map_err(|_| unopenable())?;
        String::from_utf8(opened).map_err(|_| unopenable())
    }
}

/// The id of the key a sealed value names; `None` when it is not a sealed value.
pub fn key_id_of(sealed: &str) -> Option<&str> {
    split(sealed).map(|(id, _)| id)
}

fn split(sealed: &str) -> Option<(&str, &str)> {
    sealed.strip_prefix(PREFIX)?.split_once(':')
}

#[cfg(test)]
mod tests {
    use super::*;

    const TENANT: &str = "6f1c2a9e-0000-4000-8000-000000000001";

    fn key(id: &str, byte: u8) -> SecretKey {
        SecretKey::new(KeyId::parse(id).unwrap(), &[byte; KEY_LEN])
    }

    fn ring(id: &str, byte: u8) -> Keyring {
        Keyring::new(key(id, byte), Vec::new()).unwrap()
    }

    fn place(setting: &str) -> Place<'_> {
        Place {
            tenant_id: TENANT,
            setting,
        }
    }

    #[test]
    fn a_sealed_value_opens_to_what_was_sealed_and_does_not_show_it() {
        let ring = ring("k1", 7);
        let sealed = ring.seal(place("api_key"), "sk_live_very_secret");
        assert!(sealed.starts_with("sealed:v1:k1:"), "{sealed}");
        assert!(!sealed.contains("sk_live_very_secret"));
        assert_eq!(key_id_of(&sealed), Some("k1"));
        assert_eq!(
            ring.open(place("api_key"), &sealed).unwrap(),
            "sk_live_very_secret"
        );
    }

    #[test]
    fn the_same_value_seals_differently_each_time() {
        let ring = ring("k1", 7);
        assert_ne!(
            ring.seal(place("api_key"), "same"),
            ring.seal(place("api_key"), "same")
        );
    }

    #[test]
    fn another_key_with_the_same_id_does_not_open_it() {
        let sealed = ring("k1", 7).seal(place("api_key"), "secret value");
        let error = ring("k1", 8).open(place("api_key"), &sealed).unwrap_err();
        assert!(matches!(error, SecretsError::Unopenable { .. }), "{error}");
        assert!(error.to_string().contains("`api_key`"));
        assert!(!error.to_string().contains("secret value"));
    }

    #[test]
    fn a_value_under_a_key_not_configured_names_that_key() {
        let sealed = ring("old", 7).seal(place("api_key"), "secret value");
        let error = ring("new", 8).open(place("api_key"), &sealed).unwrap_err();
        assert!(matches!(error, SecretsError::UnknownKey { .. }));
        assert!(error.to_string().contains("key `old`"), "{error}");
    }

    #[test]
    fn a_previous_key_still_opens_its_values() {
        let sealed = ring("old", 7).seal(place("api_key"), "secret value");
        let rotated = Keyring::new(key("new", 8), vec![key("old", 7)]).unwrap();
        assert_eq!(rotated.current().as_str(), "new");
        assert_eq!(
            rotated.open(place("api_key"), &sealed).unwrap(),
            "secret value"
        );
        assert_eq!(
            key_id_of(&rotated.seal(place("api_key"), "secret value")),
            Some("new")
        );
    }

    #[test]
    fn a_tampered_value_does_not_open() {
        let ring = ring("k1", 7);
        let sealed = ring.seal(place("api_key"), "secret value");
        let (head, payload) = sealed.rsplit_once(':').unwrap();
        let mut bytes = URL_SAFE_NO_PAD.decode(payload).unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        let tampered = format!("{head}:{}", URL_SAFE_NO_PAD.encode(bytes));
        assert!(matches!(
            ring.open(place("api_key"), &tampered),
            Err(SecretsError::Unopenable { .. })
        ));
        let truncated = &sealed[..sealed.len() - 30];
        assert!(ring.open(place("api_key"), truncated).is_err());
    }

    #[test]
    fn a_value_moved_to_another_tenant_or_setting_does_not_open() {
        let ring = ring("k1", 7);
        let sealed = ring.seal(place("api_key"), "secret value");
        let other_tenant = Place {
            tenant_id: "6f1c2a9e-0000-4000-8000-000000000002",
            setting: "api_key",
        };
        for moved in [other_tenant, place("smtp_password")] {
            let error = ring.open(moved, &sealed).unwrap_err();
            assert!(matches!(error, SecretsError::Unopenable { .. }), "{error}");
        }
    }

    #[test]
    fn a_relabelled_key_id_does_not_open() {
        let rotated = Keyring::new(key("new", 7), vec![key("old", 7)]).unwrap();
        let sealed = rotated.seal(place("api_key"), "secret value");
        let relabelled = sealed.replacen(":new:", ":old:", 1);
        assert!(rotated.open(place("api_key"), &relabelled).is_err());
    }

    #[test]
    fn plain_text_is_not_taken_for_a_sealed_value() {
        let error = ring("k1", 7)
            .open(place("api_key"), "sk_live_plain")
            .unwrap_err();
        assert!(matches!(error, SecretsError::Malformed(_)));
        assert_eq!(key_id_of("sk_live_plain"), None);
    }

    #[test]
    fn keys_parse_from_base64_or_hex_and_never_show() {
        let (generated, text) = SecretKey::generate(KeyId::parse("k2026").unwrap());
        let parsed = SecretKey::parse(&text, "STOREFLEET_SECRET_KEY").unwrap();
        let sealed = Keyring::new(generated, Vec::new())
            .unwrap()
            .seal(place("api_key"), "v");
        let ring = Keyring::new(parsed, Vec::new()).unwrap();
        assert_eq!(ring.open(place("api_key"), &sealed).unwrap(), "v");
        let encoded = text.split_once(':').unwrap().1;
        assert!(!format!("{ring:?}").contains(encoded));
        assert!(format!("{ring:?}").contains("k2026"));

        let hex_key = format!("k3:{}", "ab".repeat(32));
        assert!(SecretKey::parse(&hex_key, "the key file").is_ok());
    }

    #[test]
    fn a_bad_key_says_where_it_came_from_and_not_what_it_is() {
        for bad in [
            "no-colon",
            "k1:c2hvcnQ=",
            ":AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
            "k 1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
        ] {
            let error = SecretKey::parse(bad, "STOREFLEET_SECRET_KEY").unwrap_err();
            let message = error.to_string();
            assert!(message.contains("STOREFLEET_SECRET_KEY"), "{message}");
            assert!(!message.contains(bad), "{message}");
        }
    }

    #[test]
    fn two_keys_may_not_share_an_id() {
        let error = Keyring::new(key("k1", 7), vec![key("k1", 8)]).unwrap_err();
        assert!(matches!(error, SecretsError::DuplicateKeyId(id) if id == "k1"));
    }
}
