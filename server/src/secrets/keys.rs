//! Where the keys come from: `STOREFLEET_SECRET_KEY` (and `STOREFLEET_SECRET_KEYS_PREVIOUS`),
//! or else a key file holding one key a line, the current one first. Never the database.

use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};

use clap::Args;

use super::seal::{KeyId, Keyring, SecretKey};
use super::{Result, SecretsError};

/// The key file read when none is named and `STOREFLEET_SECRET_KEY` is unset (`make run`
/// writes it beside the SQLite database).
pub const DEFAULT_KEY_FILE: &str = "data/secret.key";

const FILE_HEADER: &str = "\
# storefleet secret keys, one ID:BASE64 a line. The first seals owners' secret settings; every
# line opens what was sealed under it. Without these keys the secret settings are lost.
";

/// Settings of the keys that seal owners' secret settings.
#[derive(Clone, Default, Args)]
pub struct SecretKeyConfig {
    /// The key sealing secret settings, `ID:BASE64` of 32 random bytes. Prefer the
    /// environment or the key file to the command line, which other users can see.
    #[arg(long, env = "STOREFLEET_SECRET_KEY", hide_env_values = true)]
    pub secret_key: Option<String>,

    /// Earlier keys (comma-separated `ID:BASE64`) that values may still be sealed under,
    /// until `storefleet secrets rotate-key` re-seals them.
    #[arg(
        long,
        env = "STOREFLEET_SECRET_KEYS_PREVIOUS",
        hide_env_values = true,
        value_delimiter = ','
    )]
    pub secret_keys_previous: Vec<String>,

    /// A file of keys, one `ID:BASE64` a line, the current one first; read when
    /// STOREFLEET_SECRET_KEY is unset. Default: data/secret.key, when it exists.
    #[arg(long, env = "STOREFLEET_SECRET_KEY_FILE")]
    pub secret_key_file: Option<PathBuf>,
}

impl fmt::Debug for SecretKeyConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SecretKeyConfig")
            .field(
                "secret_key",
                &self.secret_key.as_ref().map(|_| "<redacted>"),
            )
            .field(
                "secret_keys_previous",
                &format_args!("<{} redacted>", self.secret_keys_previous.len()),
            )
            .field("secret_key_file", &self.secret_key_file)
            .finish()
    }
}

impl SecretKeyConfig {
    /// Settings with this one key (`ID:BASE64`) and no other.
    pub fn with_key(key: &str) -> Self {
        Self {
            secret_key: Some(key.to_owned()),
            ..Self::default()
        }
    }

    /// The keyring these settings describe; `None` when no key is configured at all.
    pub fn keyring(&self) -> Result<Option<Keyring>> {
        let previous: Vec<&String> = self
            .secret_keys_previous
            .iter()
            .filter(|k| !k.trim().is_empty())
            .collect();
        if let Some(current) = &self.secret_key {
            let current = SecretKey::parse(current, "STOREFLEET_SECRET_KEY")?;
            let previous = previous
                .into_iter()
                .map(|k| SecretKey::parse(k, "STOREFLEET_SECRET_KEYS_PREVIOUS"))
                .collect::<Result<Vec<_>>>()?;
            return Keyring::new(current, previous).map(Some);
        }
        if !previous.is_empty() {
            return Err(SecretsError::BadKey(
                "STOREFLEET_SECRET_KEYS_PREVIOUS is set but STOREFLEET_SECRET_KEY is not".into(),
            ));
        }
        let (path, named) = match &self.secret_key_file {
            Some(path) => (path.as_path(), true),
            None => (Path::new(DEFAULT_KEY_FILE), false),
        };
        match std::fs::read_to_string(path) {
            Ok(text) => parse_key_file(&text, &path.display().to_string()).map(Some),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !named => Ok(None),
            Err(source) => Err(key_file_error(path, source)),
        }
    }
}

fn key_file_error(path: &Path, source: std::io::Error) -> SecretsError {
    SecretsError::KeyFile {
        path: path.display().to_string(),
        source,
    }
}

/// The keys of a key file, in order; blank lines and `#` comments are skipped.
fn key_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines()
        .enumerate()
        .map(|(i, line)| (i + 1, line.trim()))
        .filter(|(_, line)| !line.is_empty() && !line.starts_with('#'))
}

/// Parses a key file: the first key is the current one, the others previous ones.
pub fn parse_key_file(text: &str, path: &str) -> Result<Keyring> {
    let mut keys = key_lines(text)
        .map(|(number, line)| SecretKey::parse(line, &format!("line {number} of {path}")))
        .collect::<Result<Vec<_>>>()?;
    if keys.is_empty() {
        return Err(SecretsError::BadKey(format!("{path} holds no key")));
    }
    let current = keys.remove(0);
    Keyring::new(current, keys)
}

/// A fresh id for a generated key: `k` and eight random hex digits.
pub fn new_key_id() -> KeyId {
    KeyId::parse(&format!("k{:08x}", rand::random::<u32>())).expect("k and hex digits")
}

/// Puts a new random key first in the key file at `path`, keeping the keys it holds as
/// previous ones, and returns its id. A missing file is created readable by its owner only.
/// The file is replaced whole (written aside, then renamed), so a crash never leaves it
/// half-written.
pub fn add_key_to_file(path: &Path) -> Result<KeyId> {
    let existing = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(source) => return Err(key_file_error(path, source)),
    };
    let kept: Vec<&str> = key_lines(&existing).map(|(_, line)| line).collect();
    if !kept.is_empty() {
        parse_key_file(&existing, &path.display().to_string())?;
    }
    let (key, text) = SecretKey::generate(new_key_id());
    let mut content = zeroize::Zeroizing::new(format!("{FILE_HEADER}{}\n", text.as_str()));
    for line in kept {
        content.push_str(line);
        content.push('\n');
    }
    if let Some(folder) = path.parent().filter(|f| !f.as_os_str().is_empty()) {
        std::fs::create_dir_all(folder).map_err(|e| key_file_error(path, e))?;
    }
    let aside = path.with_extension("key.new");
    write_private(&aside, content.as_bytes()).map_err(|e| key_file_error(&aside, e))?;
    std::fs::rename(&aside, path).map_err(|e| key_file_error(path, e))?;
    Ok(key.id().clone())
}

fn write_private(path: &Path, content: &[u8]) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    file.write_all(content)?;
    file.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secrets::Place;

    const PLACE: Place<'static> = Place {
        tenant_id: "t1",
        setting: "api_key",
    };

    fn key_text(id: &str, byte: u8) -> String {
        use base64::Engine as _;
        format!(
            "{id}:{}",
            base64::engine::general_purpose::STANDARD.encode([byte; 32])
        )
    }

    #[test]
    fn the_environment_key_seals_and_previous_keys_open() {
        let old = SecretKeyConfig::with_key(&key_text("old", 1))
            .keyring()
            .unwrap()
            .unwrap();
        let sealed = old.seal(PLACE, "value");
        let config = SecretKeyConfig {
            secret_key: Some(key_text("new", 2)),
            secret_keys_previous: vec![key_text("old", 1)],
            secret_key_file: None,
        };
        let ring = config.keyring().unwrap().unwrap();
        assert_eq!(ring.current().as_str(), "new");
        assert_eq!(ring.open(PLACE, &sealed).unwrap(), "value");
    }

    #[test]
    fn debug_output_shows_no_key() {
        let config = SecretKeyConfig {
            secret_key: Some(key_text("new", 2)),
            secret_keys_previous: vec![key_text("old", 1)],
            secret_key_file: None,
        };
        let shown = format!("{config:?}");
        let encoded = |text: String| text.split_once(':').unwrap().1.to_owned();
        assert!(!shown.contains(&encoded(key_text("new", 2))), "{shown}");
        assert!(!shown.contains(&encoded(key_text("old", 1))), "{shown}");
    }

    #[test]
    fn no_key_anywhere_is_none_but_a_named_missing_file_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("secret.key");
        let named = SecretKeyConfig {
            secret_key_file: Some(missing.clone()),
            ..SecretKeyConfig::default()
        };
        let error = named.keyring().unwrap_err();
        assert!(error.to_string().contains("secret.key"), "{error}");
        let orphan = SecretKeyConfig {
            secret_keys_previous: vec![key_text("old", 1)],
            ..SecretKeyConfig::default()
        };
        assert!(orphan.keyring().is_err());
    }

    #[test]
    fn adding_a_key_to_the_file_keeps_the_older_ones_as_previous() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("data").join("secret.key");
        let first = add_key_to_file(&path).unwrap();
        let config = SecretKeyConfig {
            secret_key_file: Some(path.clone()),
            ..SecretKeyConfig::default()
        };
        let before = config.keyring().unwrap().unwrap();
        assert_eq!(before.current(), &first);
        let sealed = before.seal(PLACE, "value");

        let second = add_key_to_file(&path).unwrap();
        assert_ne!(first, second);
        let after = config.keyring().unwrap().unwrap();
        assert_eq!(after.current(), &second);
        assert!(after.has(first.as_str()));
        assert_eq!(after.open(PLACE, &sealed).unwrap(), "value");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn a_bad_line_in_the_key_file_is_named() {
        let text = format!("# keys\n{}\nnot-a-key\n", key_text("k1", 1));
        let error = parse_key_file(&text, "data/secret.key").unwrap_err();
        assert!(
            error.to_string().contains("line 3 of data/secret.key"),
            "{error}"
        );
        assert!(parse_key_file("# nothing\n", "f").is_err());
    }
}
