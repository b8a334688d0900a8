//! Backups of a store's database: why one was taken, where it stands, and what the pages show.

use serde::{Deserialize, Serialize};

use super::TenantState;

/// Why a backup was taken.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::EnumString,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum BackupKind {
    /// On the store's schedule.
    Scheduled,
    /// Asked for by its owner, an admin or an operator.
    Manual,
    /// Before a rollout updates the store.
    PreUpdate,
    /// Before a restore overwrites the store's data.
    PreRestore,
    /// When the store is archived.
    Final,
}

/// Where a backup stands.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::EnumString,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum BackupState {
    /// Waiting for its turn (or for another try).
    Queued,
    /// Its dump runs in the store's namespace and uploads to storage.
    Running,
    /// Stored, with its size and SHA-256 read back from storage.
    Done,
    /// Given up after its tries; the error says why.
    Failed,
}

impl BackupKind {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// Whether a store in `state` has a database to dump for a backup of this kind: a running
    /// store always; an archived one only for its last backup, taken while its archive job
    /// keeps the database up.
    pub fn can_dump(self, state: TenantState) -> bool {
        match state {
            TenantState::Ready | TenantState::Updating => true,
            TenantState::Archived => self == BackupKind::Final,
            _ => false,
        }
    }
}

impl BackupState {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// Whether nothing more happens to it.
    pub fn is_final(self) -> bool {
        matches!(self, BackupState::Done | BackupState::Failed)
    }
}

/// A backup as pages and the CLI show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BackupView {
    /// Its id.
    pub id: String,
    /// The store's subdomain.
    pub subdomain: String,
    /// Why it was taken.
    pub kind: BackupKind,
    /// Where it stands.
    pub state: BackupState,
    /// Its size in bytes, once stored.
    pub size: Option<u64>,
    /// Its SHA-256, once stored.
    pub sha256: Option<String>,
    /// Why it failed, or why its last try did.
    pub error: Option<String>,
    /// Tries so far.
    pub attempts: u32,
    /// Who asked for it.
    pub requested_by: String,
    /// When it was asked for, RFC 3339.
    pub created_at: String,
    /// When it was stored or given up, RFC 3339.
    pub finished_at: Option<String>,
}

/// The key of a backup's object in storage, under the configured prefix.
pub fn object_key(tenant_id: &str, backup_id: &str) -> String {
    format!("tenants/{tenant_id}/{backup_id}.dump")
}

/// A store's backups as its pages show them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoreBackups {
    /// Whether backups can be taken at all (object storage is configured).
    pub enabled: bool,
    /// Whether the viewer may download them (the store's owner only).
    pub downloadable: bool,
    /// Whether the viewer may copy one into a new store (admins).
    pub clonable: bool,
    /// Newest first.
    pub backups: Vec<BackupView>,
}

/// "12.3 MB", "512 B": a size as people read it.
pub fn size_text(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["kB", "MB", "GB", "TB"];
    if bytes < 1000 {
        return format!("{bytes} B");
    }
    let mut value = bytes as f64 / 1000.0;
    let mut unit = 0;
    while value >= 1000.0 && unit < UNITS.len() - 1 {
        value /= 1000.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_a_last_backup_dumps_an_archived_store() {
        assert!(BackupKind::Manual.can_dump(TenantState::Ready));
        assert!(BackupKind::PreUpdate.can_dump(TenantState::Updating));
        assert!(BackupKind::Final.can_dump(TenantState::Archived));
        assert!(!BackupKind::Manual.can_dump(TenantState::Archived));
        assert!(!BackupKind::Scheduled.can_dump(TenantState::Suspended));
        assert!(!BackupKind::Final.can_dump(TenantState::Suspended));
    }

    use super::*;

    #[test]
    fn sizes_read_as_people_say_them() {
        assert_eq!(size_text(0), "0 B");
        assert_eq!(size_text(999), "999 B");
        assert_eq!(size_text(1_000), "1.0 kB");
        assert_eq!(size_text(12_345_678), "12.3 MB");
        assert_eq!(size_text(5_000_000_000_000_000), "5000.0 TB");
    }

    #[test]
    fn names_round_trip() {
        for kind in [
            BackupKind::Scheduled,
            BackupKind::Manual,
            BackupKind::PreUpdate,
            BackupKind::PreRestore,
            BackupKind::Final,
        ] {
            assert_eq!(kind.as_str().parse::<BackupKind>(), Ok(kind));
        }
        assert_eq!(BackupKind::PreUpdate.as_str(), "pre_update");
        for state in [
            BackupState::Queued,
            BackupState::Running,
            BackupState::Done,
            BackupState::Failed,
        ] {
            assert_eq!(state.as_str().parse::<BackupState>(), Ok(state));
        }
    }
}
