//! Mail: messages rendered by pure functions, written to the outbox with the change that
//! causes them, and sent over SMTP by a background worker that retries until the server
//! takes them.

pub mod config;
pub mod messages;
pub mod sender;
pub mod worker;

pub use config::MailConfig;
