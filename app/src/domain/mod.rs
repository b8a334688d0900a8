//! Domain rules that the browser and the server share: parsers that only let valid values exist.

pub mod actor;
pub mod audit;
pub mod blueprint;
pub mod email;
pub mod health;
pub mod ids;
pub mod job;
pub mod job_kind;
pub mod paging;
pub mod password;
pub mod plan;
pub mod setting;
pub mod settings_change;
pub mod signup;
pub mod subdomain;
pub mod subscription;
pub mod tenant;
pub mod tenant_query;
pub mod user;

pub use actor::{Actor, ActorKind};
pub use audit::{AuditEntryView, AuditPage, AuditQuery, NewAuditEntry};
pub use blueprint::Blueprint;
pub use email::Email;
pub use health::{ClusterObjectView, TenantHealth, WorkloadHealth};
pub use ids::{JobId, TenantId, UserId};
pub use job::{EventKind, JobEventView, JobProgress, JobState, JobView};
pub use job_kind::JobKind;
pub use password::Password;
pub use plan::Plan;
pub use setting::{SettingSpec, SettingValue};
pub use settings_change::{SettingChange, SettingChangeView, SettingField, SettingsForm};
pub use signup::{Availability, NewStore};
pub use subdomain::Subdomain;
pub use tenant::{TenantDetail, TenantState, TenantView};
pub use tenant_query::{TenantPage, TenantQuery, TenantSort};
pub use user::{Role, UserView};
