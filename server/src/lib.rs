//! The storefleet server: configuration, the HTTP edge, the database and the services the
//! UI calls. `main.rs` is only the command line on top of this library, so tests can start
//! the real server in-process.

pub mod accounts;
pub mod audit;
pub mod backoff;
pub mod backups;
pub mod billing;
pub mod catalog;
pub mod cli;
pub mod clock;
pub mod cluster;
pub mod commands;
pub mod config;
pub mod control_backup;
pub mod db;
pub mod dns;
pub mod doctor;
pub mod drills;
pub mod http;
pub mod jobs;
pub mod mail;
pub mod metrics;
pub mod overview;
pub mod pools;
pub mod port;
pub mod provision;
pub mod releases;
pub mod rollouts;
pub mod secrets;
pub mod serve;
pub mod storage;
pub mod telemetry;
pub mod tenants;
pub mod ticker;
pub mod tokens;
