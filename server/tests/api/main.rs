//! The server's integration tests: the real server started on port 0, real HTTP, on SQLite
//! and on PostgreSQL. One binary, one module per area.

mod support;

mod accounts;
mod admin_tenants;
mod audit;
mod authorisation;
mod backups;
mod billing;
mod body_limit;
mod cli;
mod cluster;
mod converge;
mod csrf;
mod deploy;
mod dns;
mod doctor;
mod drift;
mod every_function;
mod fleet_admin;
mod headers;
mod inspection;
mod jobs;
mod lifecycle;
mod mail;
mod malformed;
mod metrics;
mod operations;
mod operators;
mod outage;
mod overview;
mod owner;
mod owner_access;
mod page_status;
mod processes;
mod provisioning;
mod pruning;
mod rate_limit;
mod releases;
mod rollout_processes;
mod rollouts;
mod sealed_secrets;
mod signup;
mod static_binary;
mod tenant_api;
mod traces;
