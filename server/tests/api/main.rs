//! The server's integration tests: the real server started on port 0, real HTTP, on SQLite
//! and on PostgreSQL. One binary, one module per area.

mod support;

mod accounts;
mod admin_tenants;
mod audit;
mod authorisation;
mod cli;
mod cluster;
mod csrf;
mod jobs;
mod operations;
mod processes;
mod provisioning;
mod rate_limit;
mod tenant_api;
