//! The port boundary, where a service's own error becomes the error the caller may see. Each
//! service keeps its cause in its own error type; the conversion to [`AppError`] happens
//! once, here or beside that type, and logs what it does not show.

use app::error::AppError;

use crate::db::DbError;

/// A database failure: logged with its cause, shown as "something went wrong".
impl From<DbError> for AppError {
    fn from(error: DbError) -> Self {
        tracing::error!(error = %error, "a database query failed");
        AppError::Internal
    }
}
