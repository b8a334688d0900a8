//! The database edge of sealing: a tenant's secrets opened for its Secret, new values sealed
//! into what it stores, plain values older versions left sealed at start-up, and every value
//! re-sealed under the current key. Each tenant's row is rewritten in one statement that
//! only lands if the row is unchanged, so an interrupted run leaves rows that are either
//! done or untouched, and the next run finishes.

use std::collections::BTreeMap;

use sqlx::AnyPool;

use super::seal::{key_id_of, Keyring, Place};
use super::{Result, SecretsError};
use crate::db::secrets::{self as stored, StoredSecrets};

/// How often a row that keeps changing under a re-seal is read again before giving up.
const ATTEMPTS: usize = 5;

/// How many stored values a pass sealed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Resealed {
    /// Plain values an older version left, now sealed.
    pub plain: usize,
    /// Values sealed under an earlier key, now under the current one.
    pub rotated: usize,
    /// Tenants whose row was rewritten.
    pub tenants: usize,
}

impl Resealed {
    fn add(&mut self, other: Resealed) {
        self.plain += other.plain;
        self.rotated += other.rotated;
        self.tenants += other.tenants;
    }
}

/// The tenant's secret settings, opened: what its Secret on the cluster carries.
pub async fn open_all(
    pool: &AnyPool,
    keyring: Option<&Keyring>,
    tenant_id: &str,
) -> Result<BTreeMap<String, String>> {
    let sealed = stored::sealed(pool, tenant_id).await?;
    if sealed.is_empty() {
        return Ok(sealed);
    }
    let keyring = keyring.ok_or(SecretsError::NoKey)?;
    sealed
        .iter()
        .map(|(setting, value)| {
            let place = Place { tenant_id, setting };
            Ok((setting.clone(), keyring.open(place, value)?))
        })
        .collect()
}

/// Seals `values` for the tenant into its map of sealed values, replacing older ones.
pub fn seal_into(
    keyring: &Keyring,
    tenant_id: &str,
    sealed: &mut BTreeMap<String, String>,
    values: &BTreeMap<String, String>,
) {
    for (setting, value) in values {
        let place = Place { tenant_id, setting };
        sealed.insert(setting.clone(), keyring.seal(place, value));
    }
}

/// Readies the stored secrets for a server sealing with `keyring`: checks that every sealed
/// value names a configured key, and seals plain values older versions left. Without a
/// keyring, refuses when anything is stored, rather than serve secrets it cannot open.
pub async fn prepare(pool: &AnyPool, keyring: Option<&Keyring>) -> Result<Resealed> {
    let rows = stored::stored(pool).await?;
    let Some(keyring) = keyring else {
        if rows.is_empty() {
            return Ok(Resealed::default());
        }
        return Err(SecretsError::StoredWithoutKey {
            tenants: rows.len(),
            keys: keys_in_use(&rows),
        });
    };
    let mut done = Resealed::default();
    let mut opened_under = Vec::new();
    for row in rows {
        check_keys(keyring, &row, &mut opened_under)?;
        if !row.plain.is_empty() {
            done.add(reseal(pool, keyring, row, false).await?);
        }
    }
    Ok(done)
}

/// Re-seals every stored secret under the keyring's current key (and seals plain ones);
/// values already under it are left alone, so a second run re-seals nothing.
pub async fn rotate(pool: &AnyPool, keyring: &Keyring) -> Result<Resealed> {
    let mut done = Resealed::default();
    for row in stored::stored(pool).await? {
        done.add(reseal(pool, keyring, row, true).await?);
    }
    Ok(done)
}

fn keys_in_use(rows: &[StoredSecrets]) -> String {
    let mut keys: Vec<&str> = rows
        .iter()
        .flat_map(|row| row.sealed.values().filter_map(|v| key_id_of(v)))
        .collect();
    if rows.iter().any(|row| !row.plain.is_empty()) {
        keys.push("(plain text, to seal)");
    }
    keys.sort_unstable();
    keys.dedup();
    keys.join(", ")
}

/// Checks that every sealed value of the row names a configured key, and opens the first
/// value under each key id, so that a wrong key given under the right id is refused at
/// start-up rather than at a tenant's next update.
fn check_keys(
    keyring: &Keyring,
    row: &StoredSecrets,
    opened_under: &mut Vec<String>,
) -> Result<()> {
    for (setting, value) in &row.sealed {
        let key = key_id_of(value).ok_or_else(|| SecretsError::Malformed(setting.clone()))?;
        if !keyring.has(key) {
            return Err(SecretsError::UnknownKey {
                setting: setting.clone(),
                key: key.to_owned(),
            });
        }
        if !opened_under.iter().any(|id| id == key) {
            let place = Place {
                tenant_id: &row.tenant_id,
                setting,
            };
            drop(zeroize::Zeroizing::new(keyring.open(place, value)?));
            opened_under.push(key.to_owned());
        }
    }
    Ok(())
}

/// Rewrites one tenant's row with [`resealed`], reading it again when it changed meanwhile.
async fn reseal(
    pool: &AnyPool,
    keyring: &Keyring,
    mut row: StoredSecrets,
    rotate: bool,
) -> Result<Resealed> {
    for _ in 0..ATTEMPTS {
        let (sealed, done) = resealed(keyring, &row, rotate)?;
        if done.tenants == 0 || stored::replace(pool, &row, &sealed).await? {
            return Ok(done);
        }
        match stored::stored_of(pool, &row.tenant_id).await? {
            Some(again) => row = again,
            None => return Ok(Resealed::default()),
        }
    }
    Err(SecretsError::Busy(row.tenant_id))
}

/// The row's sealed values after sealing its plain ones (newer than a sealed value of the
/// same setting, since only older versions write them) and, when rotating, re-sealing those
/// under other keys than the current one.
fn resealed(
    keyring: &Keyring,
    row: &StoredSecrets,
    rotate: bool,
) -> Result<(BTreeMap<String, String>, Resealed)> {
    let tenant_id = row.tenant_id.as_str();
    let mut sealed = row.sealed.clone();
    let mut done = Resealed::default();
    if rotate {
        let current = Some(keyring.current().as_str());
        for (setting, value) in &row.sealed {
            if row.plain.contains_key(setting) || key_id_of(value) == current {
                continue;
            }
            let place = Place { tenant_id, setting };
            let opened = zeroize::Zeroizing::new(keyring.open(place, value)?);
            sealed.insert(setting.clone(), keyring.seal(place, &opened));
            done.rotated += 1;
        }
    }
    seal_into(keyring, tenant_id, &mut sealed, &row.plain);
    done.plain = row.plain.len();
    done.tenants = usize::from(done.plain + done.rotated > 0);
    Ok((sealed, done))
}
