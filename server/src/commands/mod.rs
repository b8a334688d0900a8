//! What the command-line commands other than `serve` do.

pub mod admin;
pub mod backup;
pub mod bench;
pub mod bench_admin;
pub mod bench_backup;
pub mod bench_pool;
pub mod bench_progress;
pub mod bench_reconcile;
pub mod bench_rollout;
pub mod config;
pub mod db;
pub mod doctor;
pub mod manifests;
mod measure;
pub mod pool;
pub mod release;
pub mod rollout;
pub mod sample_data;
mod scratch;
pub mod secrets;
pub mod tenant;
pub mod token;
