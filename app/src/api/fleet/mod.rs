//! Releases, API tokens and rollouts, for admins.

pub mod releases;
pub mod rollouts;
pub mod tokens;

pub use releases::{create_release, list_releases, CreateRelease, ListReleases};
pub use rollouts::{
    list_rollouts, rollback_rollout_store, show_rollout, start_rollout, steer_rollout,
    ListRollouts, RollbackRolloutStore, ShowRollout, StartRollout, SteerRollout,
};
pub use tokens::{create_token, list_tokens, revoke_token, CreateToken, ListTokens, RevokeToken};
