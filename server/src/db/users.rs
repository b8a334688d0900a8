//! Queries on accounts.

use sqlx::{any::AnyRow, AnyPool, Row};

use super::outbox;
use super::{is_unique_violation, DbError, Result};
use app::domain::Mail;
use app::domain::Role;

/// An account as stored.
#[derive(Debug, Clone)]
pub struct UserRecord {
    /// Unique id (a UUID).
    pub id: String,
    /// Normalised email address.
    pub email: String,
    /// Argon2id hash in PHC string form.
    pub password_hash: String,
    /// What the account may do.
    pub role: Role,
    /// Creation time, ms since the epoch.
    pub created_at: i64,
}

/// Outcome of inserting an account.
#[derive(Debug, PartialEq, Eq)]
pub enum Inserted {
    /// The account was created.
    Created,
    /// An account with this email already exists; nothing changed.
    DuplicateEmail,
}

const COLUMNS: &str = "id, email, password_hash, role, created_at";

fn from_row(row: &AnyRow) -> Result<UserRecord> {
    let role: String = row.try_get("role")?;
    Ok(UserRecord {
        id: row.try_get("id")?,
        email: row.try_get("email")?,
        password_hash: row.try_get("password_hash")?,
        role: role
            .parse::<Role>()
            .ok()
            .ok_or_else(|| DbError::Corrupt(format!("role {role:?}")))?,
        created_at: row.try_get("created_at")?,
    })
}

/// Stores a new account.
pub async fn insert(pool: &AnyPool, user: &UserRecord) -> Result<Inserted> {
    insert_in(pool, user).await
}

/// Stores a new account and writes `mail` (its welcome) to the outbox in the same
/// transaction: both or neither. Nothing is written for a duplicate email.
pub async fn insert_with_mail(
    pool: &AnyPool,
    user: &UserRecord,
    mail: &Mail,
    now: i64,
) -> Result<Inserted> {
    let mut tx = pool.begin().await?;
    match insert_in(&mut *tx, user).await? {
        Inserted::Created => {
            outbox::enqueue(&mut tx, mail, now).await?;
            tx.commit().await?;
            Ok(Inserted::Created)
        }
        Inserted::DuplicateEmail => {
            tx.rollback().await?;
            Ok(Inserted::DuplicateEmail)
        }
    }
}

async fn insert_in<'e, E>(executor: E, user: &UserRecord) -> Result<Inserted>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let result = sqlx::query(
        "INSERT INTO users (id, email, password_hash, role, created_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(&user.id)
    .bind(&user.email)
    .bind(&user.password_hash)
    .bind(user.role.as_str())
    .bind(user.created_at)
    .execute(executor)
    .await;
    match result {
        Ok(_) => Ok(Inserted::Created),
        Err(error) if is_unique_violation(&error) => Ok(Inserted::DuplicateEmail),
        Err(error) => Err(error.into()),
    }
}

/// The account with this (normalised) email address.
pub async fn by_email(pool: &AnyPool, email: &str) -> Result<Option<UserRecord>> {
    let sql = format!("SELECT {COLUMNS} FROM users WHERE email = $1");
    let row = sqlx::query(&sql).bind(email).fetch_optional(pool).await?;
    row.as_ref().map(from_row).transpose()
}

/// The account with this id.
pub async fn by_id(pool: &AnyPool, id: &str) -> Result<Option<UserRecord>> {
    let sql = format!("SELECT {COLUMNS} FROM users WHERE id = $1");
    let row = sqlx::query(&sql).bind(id).fetch_optional(pool).await?;
    row.as_ref().map(from_row).transpose()
}

/// Every account, oldest first.
pub async fn list(pool: &AnyPool) -> Result<Vec<UserRecord>> {
    let sql = format!("SELECT {COLUMNS} FROM users ORDER BY created_at, email");
    let rows = sqlx::query(&sql).fetch_all(pool).await?;
    rows.iter().map(from_row).collect()
}

/// Changes an account's role. Demoting refuses to leave the fleet without an admin: the
/// update only happens while another admin exists. Returns whether a row changed.
pub async fn set_role(pool: &AnyPool, id: &str, role: Role) -> Result<bool> {
    let sql = match role {
        Role::Admin => "UPDATE users SET role = $2 WHERE id = $1",
        Role::Customer => {
            "UPDATE users SET role = $2 WHERE id = $1 \
             AND (SELECT COUNT(*) FROM users WHERE role = 'admin' AND id <> $1) > 0"
        }
    };
    let result = sqlx::query(sql)
        .bind(id)
        .bind(role.as_str())
        .execute(pool)
        .await?;
    Ok(result.rows_affected() > 0)
}

/// The email addresses of every admin account, in order.
pub async fn admin_emails(pool: &AnyPool) -> Result<Vec<String>> {
    let rows = sqlx::query("SELECT email FROM users WHERE role = 'admin' ORDER BY email")
        .fetch_all(pool)
        .await?;
    rows.iter()
        .map(|row| row.try_get("email").map_err(Into::into))
        .collect()
}
