//! Domain rules that the browser and the server share: parsers that only let valid values exist.

pub mod email;
pub mod password;
pub mod user;

pub use email::Email;
pub use password::Password;
pub use user::{Role, UserView};
