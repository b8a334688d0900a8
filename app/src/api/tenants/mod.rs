//! Tenants, for admins.

pub mod cancel;
pub mod create;
pub mod delete;
pub mod detail;
pub mod inspect;
pub mod pin;
pub mod reprovision;
pub mod resume;
pub mod retry;
pub mod search;
pub mod self_heal;
pub mod suspend;

pub use cancel::{cancel_tenant_job, CancelTenantJob};
pub use create::{create_tenant, CreateTenant};
pub use delete::{delete_tenant, DeleteTenant};
pub use detail::{tenant_page, TenantPage, TenantPageData};
pub use inspect::{inspect_tenant, InspectTenant, TenantInspection};
pub use pin::{pin_tenant, set_canary, PinTenant, SetCanary};
pub use reprovision::{reprovision_tenant, ReprovisionTenant};
pub use resume::{resume_tenant, ResumeTenant};
pub use retry::{retry_tenant_job, RetryTenantJob};
pub use search::{search_tenants, SearchTenants};
pub use self_heal::{set_self_heal, SetSelfHeal};
pub use suspend::{suspend_tenant, SuspendTenant};
