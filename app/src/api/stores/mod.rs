//! Owners' stores: the dashboard, settings and billing of the tenants an account owns.

pub mod list;
pub mod overview;
pub mod portal;
pub mod save_settings;
pub mod settings;

pub use list::{my_stores, MyStores};
pub use overview::{store_overview, StoreOverview, StoreOverviewData};
pub use portal::{billing_portal, BillingPortal};
pub use save_settings::{save_settings, SaveSettings};
pub use settings::{store_settings, StoreSettings};
