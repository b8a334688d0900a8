//! Tenants, for admins.

pub mod create;
pub mod delete;
pub mod detail;
pub mod list;
pub mod retry;

pub use create::{create_tenant, CreateTenant};
pub use delete::{delete_tenant, DeleteTenant};
pub use detail::{tenant_page, TenantPage, TenantPageData};
pub use list::{list_tenants, ListTenants};
pub use retry::{retry_tenant_job, RetryTenantJob};
