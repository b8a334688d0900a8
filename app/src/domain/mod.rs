//! Domain rules that the browser and the server share: parsers that only let valid values exist.

pub mod blueprint;
pub mod email;
pub mod password;
pub mod plan;
pub mod setting;
pub mod subdomain;
pub mod user;

pub use blueprint::Blueprint;
pub use email::Email;
pub use password::Password;
pub use plan::Plan;
pub use setting::{SettingSpec, SettingValue};
pub use subdomain::Subdomain;
pub use user::{Role, UserView};
