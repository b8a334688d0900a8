//! Server functions: the API contract between the browser and the server. Each one reads the
//! session, checks who may call it, makes one service call and maps the error.

pub mod account;
pub mod log_in;
pub mod log_out;
pub mod set_role;
pub mod sign_up;
pub mod users;
pub mod whoami;

#[cfg(feature = "ssr")]
pub mod guard;

pub use account::{Account, account};
pub use log_in::{LogIn, log_in};
pub use log_out::{LogOut, log_out};
pub use set_role::{SetRole, set_role};
pub use sign_up::{SignUp, sign_up};
pub use users::{ListUsers, list_users};
pub use whoami::{Whoami, whoami};
