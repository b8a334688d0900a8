//! Billing: what customers pay, through Stripe, and what happens to their stores when they
//! do not.

pub mod off;

pub use off::BillingOff;
