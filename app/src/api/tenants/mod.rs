//! Tenants, for admins.

pub mod create;
pub mod delete;
pub mod detail;
pub mod retry;
pub mod search;

pub use create::{create_tenant, CreateTenant};
pub use delete::{delete_tenant, DeleteTenant};
pub use detail::{tenant_page, TenantPage, TenantPageData};
pub use retry::{retry_tenant_job, RetryTenantJob};
pub use search::{search_tenants, SearchTenants};
