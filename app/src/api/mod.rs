//! Server functions: the API contract between the browser and the server. Each one reads the
//! session, checks who may call it, makes one service call and maps the error.

pub mod account;
pub mod audit_log;
pub mod backups;
pub mod catalog;
pub mod cluster_info;
pub mod fleet;
pub mod job_progress;
pub mod log_in;
pub mod log_out;
pub mod overview;
pub mod pools;
pub mod set_role;
pub mod sign_up;
pub mod store_signup;
pub mod stores;
pub mod system;
pub mod tenants;
pub mod users;
pub mod whoami;

#[cfg(feature = "ssr")]
pub mod guard;

pub use account::{account, Account};
pub use audit_log::{search_audit, SearchAudit};
pub use catalog::{get_catalog, Catalog, GetCatalog};
pub use cluster_info::{simulated_cluster, SimulatedCluster};
pub use job_progress::{watch_job, WatchJob};
pub use log_in::{log_in, LogIn};
pub use log_out::{log_out, LogOut};
pub use overview::{get_overview, GetOverview};
pub use set_role::{set_role, SetRole};
pub use sign_up::{sign_up, SignUp};
pub use system::{system_checks, SystemChecks};
pub use tenants::TenantPageData;
pub use users::{list_users, ListUsers};
pub use whoami::{whoami, Whoami};
