//! Restore drills: proof that a store's latest backup restores. Which stores are due for one
//! (each at its own moment of the period, so drills spread over it), which are overdue (no
//! passed drill within the period), and the fleet's drill health as the admin pages show it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::backup::BackupState;

/// Where a drill stands.
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
pub enum DrillState {
    /// Waiting for its turn.
    Queued,
    /// Its backup is being restored into a scratch database.
    Running,
    /// The backup restored; its tables and row counts are recorded.
    Passed,
    /// The backup did not restore (or did not match its catalogue entry); the error says why.
    Failed,
}

impl DrillState {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// Whether nothing more happens to it.
    pub fn is_final(self) -> bool {
        matches!(self, DrillState::Passed | DrillState::Failed)
    }
}

/// The offset of a store's drill moment within each period of `every_ms`: stable for the
/// store (FNV-1a of its id), so the fleet's drills spread over the period.
pub fn moment(tenant_id: &str, every_ms: i64) -> i64 {
    let hash = tenant_id
        .bytes()
        .fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| {
            (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
        });
    let every = u64::try_from(every_ms.max(1)).unwrap_or(1);
    i64::try_from(hash % every).unwrap_or(0)
}

/// When the store is next due for a drill: its first moment after its last drill was asked
/// for, so never more than a period after it; a store never drilled is due at its moment of
/// the period holding `now` (at once, when that moment has passed).
pub fn next_due(tenant_id: &str, last_drill_at: Option<i64>, every_ms: i64, now: i64) -> i64 {
    let every = every_ms.max(1);
    let offset = moment(tenant_id, every);
    let moment_in = |at: i64| at - at.rem_euclid(every) + offset;
    match last_drill_at {
        None => moment_in(now),
        Some(last) => {
            let at = moment_in(last);
            if at <= last {
                at + every
            } else {
                at
            }
        }
    }
}

/// What planning knows of one store with a stored backup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DrillFacts {
    /// The store's tenant id.
    pub tenant_id: String,
    /// When its oldest stored backup was taken.
    pub first_backup_at: i64,
    /// When its last drill was asked for, whatever came of it.
    pub last_drill_at: Option<i64>,
    /// When its last passed drill finished.
    pub last_passed_at: Option<i64>,
    /// Whether a drill of it is queued or running now.
    pub active: bool,
}

/// The stores to drill at `now`, most overdue first, at most `room`: those without a drill
/// under way whose moment has come. A period of 0 plans none (drills on demand only).
pub fn due(stores: &[DrillFacts], now: i64, every_ms: i64, room: usize) -> Vec<&str> {
    if every_ms <= 0 {
        return Vec::new();
    }
    let mut due: Vec<(i64, &str)> = stores
        .iter()
        .filter(|store| !store.active)
        .map(|store| {
            let at = next_due(&store.tenant_id, store.last_drill_at, every_ms, now);
            (at, store.tenant_id.as_str())
        })
        .filter(|(at, _)| *at <= now)
        .collect();
    due.sort();
    due.into_iter().take(room).map(|(_, id)| id).collect()
}

/// Whether a store is overdue at `now`: no drill passed within the last period, although its
/// backups have been stored for longer than one. A period of 0 makes none overdue.
pub fn is_overdue(
    first_backup_at: i64,
    last_passed_at: Option<i64>,
    now: i64,
    every_ms: i64,
) -> bool {
    if every_ms <= 0 {
        return false;
    }
    let since = last_passed_at.unwrap_or(first_backup_at);
    now - since > every_ms
}

/// A drill as pages and the CLI show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DrillView {
    /// Its id.
    pub id: String,
    /// The store's subdomain.
    pub subdomain: String,
    /// The backup it restores.
    pub backup_id: String,
    /// Where it stands.
    pub state: DrillState,
    /// Each restored table of the public schema with its exact row count, once passed.
    pub tables: BTreeMap<String, u64>,
    /// Why it failed.
    pub error: Option<String>,
    /// Who asked for it (`schedule` for planned ones).
    pub requested_by: String,
    /// When it was asked for, RFC 3339.
    pub created_at: String,
    /// When it passed or failed, RFC 3339.
    pub finished_at: Option<String>,
}

/// One store's backup and drill health.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoreDrillHealth {
    /// The store's subdomain.
    pub subdomain: String,
    /// When its last backup was asked for, RFC 3339.
    pub last_backup_at: Option<String>,
    /// Where its last backup stands.
    pub last_backup_state: Option<BackupState>,
    /// Its last finished drill.
    pub last_drill: Option<DrillView>,
    /// When its last drill passed, RFC 3339.
    pub last_passed_at: Option<String>,
    /// No drill passed within the period although it has had stored backups for longer.
    pub overdue: bool,
}

/// The fleet's restore drills, as the admin page shows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DrillHealth {
    /// Whether drills can run at all (storage and the drill PostgreSQL are configured).
    pub enabled: bool,
    /// Each store is drilled at least once per this many hours (0: on demand only).
    pub every_hours: u64,
    /// Every store with a backup, by subdomain.
    pub stores: Vec<StoreDrillHealth>,
    /// Subdomains of the stores whose last drill failed.
    pub last_failed: Vec<String>,
    /// Subdomains of the stores with no passed drill within the period.
    pub overdue: Vec<String>,
}

impl DrillHealth {
    /// The fleet's health from each store's, the lists drawn from them.
    pub fn of(enabled: bool, every_hours: u64, stores: Vec<StoreDrillHealth>) -> Self {
        let last_failed = stores
            .iter()
            .filter(|s| {
                s.last_drill
                    .as_ref()
                    .is_some_and(|d| d.state == DrillState::Failed)
            })
            .map(|s| s.subdomain.clone())
            .collect();
        let overdue = stores
            .iter()
            .filter(|s| s.overdue)
            .map(|s| s.subdomain.clone())
            .collect();
        Self {
            enabled,
            every_hours,
            stores,
            last_failed,
            overdue,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOUR: i64 = 3_600_000;
    const WEEK: i64 = 168 * HOUR;
    /// 2026-06-15T12:00:00Z.
    const NOW: i64 = 1_781_524_800_000;

    fn store(id: &str, last_drill_at: Option<i64>) -> DrillFacts {
        DrillFacts {
            tenant_id: id.into(),
            first_backup_at: NOW - 30 * 24 * HOUR,
            last_drill_at,
            last_passed_at: last_drill_at,
            active: false,
        }
    }

    #[test]
    fn a_store_drilled_longer_than_a_period_ago_is_due() {
        let stale = store("t-stale", Some(NOW - WEEK - HOUR));
        let fresh = store("t-fresh", Some(NOW - HOUR));
        let stores = [fresh, stale];
        assert_eq!(due(&stores, NOW, WEEK, 10), ["t-stale"]);
    }

    #[test]
    fn the_next_drill_is_never_more_than_a_period_after_the_last() {
        for id in ["a", "b", "tenant-42", "0f9c"] {
            for last in [NOW, NOW + 1, NOW + 5 * HOUR, NOW + WEEK - 1] {
                let next = next_due(id, Some(last), WEEK, NOW);
                assert!(next > last && next <= last + WEEK, "{id} {last} {next}");
                assert_eq!((next - moment(id, WEEK)).rem_euclid(WEEK), 0);
            }
        }
    }

    #[test]
    fn moments_spread_over_the_period() {
        let moments: Vec<i64> = (0..200)
            .map(|i| moment(&format!("tenant-{i}"), WEEK))
            .collect();
        assert!(moments.iter().all(|m| (0..WEEK).contains(m)));
        let first_half = moments.iter().filter(|m| **m < WEEK / 2).count();
        assert!((60..140).contains(&first_half), "{first_half}");
    }

    #[test]
    fn no_more_than_the_room_and_none_already_under_way() {
        let mut busy = store("busy", None);
        busy.active = true;
        let stores = [
            store("a", Some(NOW - 3 * WEEK)),
            store("b", Some(NOW - 2 * WEEK)),
            busy,
        ];
        assert_eq!(due(&stores, NOW, WEEK, 1), ["a"]);
        assert_eq!(due(&stores, NOW, WEEK, 5), ["a", "b"]);
        assert!(
            due(&stores, NOW, 0, 5).is_empty(),
            "a period of 0 plans none"
        );
    }

    #[test]
    fn overdue_without_a_passed_drill_within_the_period() {
        let old_backup = NOW - 2 * WEEK;
        assert!(is_overdue(old_backup, None, NOW, WEEK));
        assert!(is_overdue(old_backup, Some(NOW - WEEK - 1), NOW, WEEK));
        assert!(!is_overdue(old_backup, Some(NOW - HOUR), NOW, WEEK));
        // A store backed up only lately has had no period to be drilled in yet.
        assert!(!is_overdue(NOW - HOUR, None, NOW, WEEK));
        assert!(!is_overdue(old_backup, None, NOW, 0));
    }

    #[test]
    fn the_fleet_lists_failed_and_overdue_stores() {
        let drill = |state| DrillView {
            id: "d".into(),
            subdomain: "s".into(),
            backup_id: "b".into(),
            state,
            tables: BTreeMap::new(),
            error: None,
            requested_by: "schedule".into(),
            created_at: String::new(),
            finished_at: None,
        };
        let health = |name: &str, last: Option<DrillView>, overdue| StoreDrillHealth {
            subdomain: name.into(),
            last_backup_at: None,
            last_backup_state: Some(BackupState::Done),
            last_drill: last,
            last_passed_at: None,
            overdue,
        };
        let fleet = DrillHealth::of(
            true,
            168,
            vec![
                health("good", Some(drill(DrillState::Passed)), false),
                health("broken", Some(drill(DrillState::Failed)), true),
                health("never", None, true),
            ],
        );
        assert_eq!(fleet.last_failed, ["broken"]);
        assert_eq!(fleet.overdue, ["broken", "never"]);
    }

    #[test]
    fn states_round_trip() {
        for state in [
            DrillState::Queued,
            DrillState::Running,
            DrillState::Passed,
            DrillState::Failed,
        ] {
            assert_eq!(state.as_str().parse::<DrillState>(), Ok(state));
        }
    }
}
