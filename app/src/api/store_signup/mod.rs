//! A customer's own store: the plans on offer, the live subdomain check, creating the store
//! at sign-up, paying for it, and watching it being built.

pub mod available;
pub mod create;
pub mod offer;
pub mod pay;
pub mod progress;

pub use available::{subdomain_available, SubdomainAvailable};
pub use create::{create_store, CreateStore};
pub use offer::{signup_offer, SignupOffer, SignupOfferData};
pub use pay::{pay_for_store, PayForStore};
pub use progress::{store_progress, StoreProgress, StoreProgressData};
