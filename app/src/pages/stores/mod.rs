//! Owners' pages: their stores, and one store's dashboard and settings.

pub mod list;
pub mod store;

pub use list::StoresPage;
pub use store::StorePage;
