//! What a pool needs, from what it has: pure, so every case is a unit test.

use app::domain::TenantState;

/// A standby store as the refill sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Standby {
    /// Its tenant id.
    pub id: String,
    /// Where it is.
    pub state: TenantState,
    /// When it was made, ms since the epoch.
    pub created_at: i64,
}

/// What to do for one plan's pool.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Refill {
    /// Standbys to make now.
    pub make: u32,
    /// Standbys to remove: failed ones, and ready ones beyond the pool's size (newest first).
    pub remove: Vec<String>,
}

/// Whether a standby counts towards its pool: ready, or on its way there.
fn live(state: TenantState) -> bool {
    matches!(
        state,
        TenantState::Provisioning | TenantState::Updating | TenantState::Ready
    )
}

/// How many standbys to make: what is missing, no more than `parallel` being made at once.
pub fn to_make(size: u32, live: u32, building: u32, parallel: u32) -> u32 {
    size.saturating_sub(live)
        .min(parallel.saturating_sub(building))
}

/// What one plan's pool needs: failed standbys are replaced, a shrunk pool gives back its
/// newest ready standbys, and missing ones are made, at most `parallel` at a time.
pub fn decide(size: u32, standbys: &[Standby], parallel: u32) -> Refill {
    let mut remove: Vec<String> = standbys
        .iter()
        .filter(|s| s.state == TenantState::Failed)
        .map(|s| s.id.clone())
        .collect();
    let live_count = count(standbys.iter().filter(|s| live(s.state)));
    let building = count(
        standbys
            .iter()
            .filter(|s| live(s.state) && s.state != TenantState::Ready),
    );
    let mut ready: Vec<&Standby> = standbys
        .iter()
        .filter(|s| s.state == TenantState::Ready)
        .collect();
    ready.sort_by_key(|s| std::cmp::Reverse((s.created_at, s.id.clone())));
    let surplus = usize::try_from(live_count.saturating_sub(size)).unwrap_or(usize::MAX);
    remove.extend(ready.iter().take(surplus).map(|s| s.id.clone()));
    Refill {
        make: to_make(size, live_count, building, parallel),
        remove,
    }
}

fn count<'a>(standbys: impl Iterator<Item = &'a Standby>) -> u32 {
    u32::try_from(standbys.count()).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn standby(id: &str, state: TenantState, created_at: i64) -> Standby {
        Standby {
            id: id.to_owned(),
            state,
            created_at,
        }
    }

    #[test]
    fn an_empty_pool_is_filled_a_few_at_a_time() {
        assert_eq!(
            decide(3, &[], 2),
            Refill {
                make: 2,
                remove: vec![]
            }
        );
        let building = [standby("a", TenantState::Provisioning, 1)];
        assert_eq!(decide(3, &building, 2).make, 1);
        let both = [
            standby("a", TenantState::Provisioning, 1),
            standby("b", TenantState::Provisioning, 2),
        ];
        assert_eq!(decide(3, &both, 2).make, 0, "two being made is the limit");
    }

    #[test]
    fn a_full_pool_makes_nothing() {
        let full = [
            standby("a", TenantState::Ready, 1),
            standby("b", TenantState::Ready, 2),
            standby("c", TenantState::Updating, 3),
        ];
        assert_eq!(decide(3, &full, 2), Refill::default());
    }

    #[test]
    fn failed_standbys_are_removed_and_replaced() {
        let standbys = [
            standby("a", TenantState::Ready, 1),
            standby("b", TenantState::Failed, 2),
        ];
        let refill = decide(2, &standbys, 2);
        assert_eq!(refill.remove, vec!["b".to_owned()]);
        assert_eq!(refill.make, 1);
    }

    #[test]
    fn a_shrunk_pool_gives_back_its_newest_ready_standbys() {
        let standbys = [
            standby("old", TenantState::Ready, 1),
            standby("new", TenantState::Ready, 3),
            standby("mid", TenantState::Ready, 2),
            standby("building", TenantState::Provisioning, 4),
        ];
        let refill = decide(1, &standbys, 2);
        assert_eq!(
            refill.remove,
            vec!["new".to_owned(), "mid".to_owned(), "old".to_owned()]
        );
        assert_eq!(refill.make, 0);
        assert_eq!(decide(0, &standbys[..1], 2).remove, vec!["old".to_owned()]);
    }

    #[test]
    fn stores_being_removed_do_not_count() {
        let standbys = [standby("a", TenantState::Deleting, 1)];
        assert_eq!(decide(1, &standbys, 2).make, 1);
    }
}
