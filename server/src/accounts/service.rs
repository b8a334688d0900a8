//! The account service the UI calls through `app::ports::Accounts`.

use async_trait::async_trait;
use sqlx::AnyPool;
use tokio::sync::{OnceCell, Semaphore};

use app::domain::audit::action;
use app::domain::{password, Actor, Email, Password, Role, UserId, UserView};
use app::error::AppError;
use app::ports::{Accounts, ClientAddr};

use super::error::{answer, AccountError};
use super::hashing;
use super::rate_limit::{self, LoginLimits, Verdict};
use crate::audit::Recorder;
use crate::clock::{now_ms, rfc3339};
use crate::db::{login_failures, users, users::Inserted, users::UserRecord};
use crate::mail::messages;

/// Sign-up, log-in and look-ups over the database.
pub struct AccountService {
    pool: AnyPool,
    limits: LoginLimits,
    /// Bounds the hashes computed at once: each takes about 19 MiB and a core's worth of time,
    /// so a burst of sign-ups or log-ins queues instead of exhausting memory.
    hashing: Semaphore,
    /// A hash to verify against when the account does not exist, so that a wrong email
    /// costs as much time as a wrong password.
    decoy_hash: OnceCell<String>,
    /// Where people log in, linked from the welcome mail; empty: no link.
    site_url: String,
    audit: Recorder,
}

impl AccountService {
    /// A service over this pool with these log-in limits.
    pub fn new(pool: AnyPool, limits: LoginLimits) -> Self {
        let cores = std::thread::available_parallelism().map_or(2, usize::from);
        Self {
            audit: Recorder::new(pool.clone()),
            pool,
            limits,
            hashing: Semaphore::new(cores),
            decoy_hash: OnceCell::new(),
            site_url: String::new(),
        }
    }

    /// Links the welcome mail to this URL (the server's public URL).
    pub fn with_site_url(mut self, site_url: impl Into<String>) -> Self {
        self.site_url = site_url.into();
        self
    }

    /// Creates an account with the given role.
    pub async fn create(
        &self,
        email: Email,
        password: Password,
        role: Role,
    ) -> Result<UserView, AccountError> {
        self.create_with(email, password, role, false).await
    }

    /// Creates an account; with `welcome`, its welcome mail is written to the outbox in the
    /// same transaction.
    async fn create_with(
        &self,
        email: Email,
        password: Password,
        role: Role,
        welcome: bool,
    ) -> Result<UserView, AccountError> {
        let permit = self
            .hashing
            .acquire()
            .await
            .map_err(|_| AccountError::Closed)?;
        let password_hash = hashing::hash(password.expose().to_owned()).await?;
        drop(permit);
        let record = UserRecord {
            id: uuid::Uuid::new_v4().to_string(),
            email: email.as_str().to_owned(),
            password_hash,
            role,
            created_at: now_ms(),
        };
        let inserted = if welcome {
            let mail = messages::welcome(
                &format!("welcome:{}", record.id),
                &record.email,
                &self.site_url,
            );
            users::insert_with_mail(&self.pool, &record, &mail, record.created_at).await
        } else {
            users::insert(&self.pool, &record).await
        };
        match inserted? {
            Inserted::Created => {
                tracing::info!(user_id = %record.id, role = role.as_str(), "account created");
                Ok(view(&record))
            }
            Inserted::DuplicateEmail => Err(AccountError::Exists(record.email)),
        }
    }

    async fn decoy_hash(&self) -> Result<&str, AccountError> {
        Ok(self
            .decoy_hash
            .get_or_try_init(|| hashing::hash("storefleet decoy password".to_owned()))
            .await?)
    }
}

fn view(record: &UserRecord) -> UserView {
    UserView {
        id: UserId::new(record.id.clone()),
        email: record.email.clone(),
        role: record.role,
        created_at: rfc3339(record.created_at),
    }
}

#[async_trait]
impl Accounts for AccountService {
    async fn sign_up(
        &self,
        email: Email,
        password: Password,
        client: &ClientAddr,
    ) -> Result<UserView, AppError> {
        answer(async {
            let user = self
                .create_with(email, password, Role::Customer, true)
                .await?;
            let actor = Actor::user(&user, &client.0);
            self.audit
                .record(&actor, action::ACCOUNT_SIGN_UP, &user.email, "")
                .await;
            Ok(user)
        })
        .await
    }

    async fn log_in(
        &self,
        email: &str,
        password: String,
        client: &ClientAddr,
    ) -> Result<UserView, AppError> {
        answer(async {
            let normalised: String = email.trim().to_lowercase().chars().take(254).collect();
            let account_subject = format!("account:{normalised}");
            let client_subject = format!("client:{}", client.0);
            let now = now_ms();
            let since = now - self.limits.window_ms;

            login_failures::prune(&self.pool, since).await?;
            // The attempt counts as a failure before it is checked, so simultaneous attempts see
            // each other; a success takes it back.
            let pending =
                login_failures::record(&self.pool, &[&account_subject, &client_subject], now)
                    .await?;
            let prior = |mut failures: rate_limit::Failures| {
                failures.count = failures.count.saturating_sub(1);
                failures
            };
            let account = login_failures::since(&self.pool, &account_subject, since).await?;
            let from_client = login_failures::since(&self.pool, &client_subject, since).await?;
            if let Verdict::Limited { retry_after_secs } =
                rate_limit::verdict(&self.limits, prior(account), prior(from_client), now)
            {
                // Refused unchecked: it neither counts nor extends the wait.
                login_failures::forget(&self.pool, &pending).await?;
                tracing::warn!(client = %client.0, "log-in refused: too many failures");
                return Err(AccountError::RateLimited { retry_after_secs });
            }

            let record = match Email::parse(email) {
                Ok(email) => users::by_email(&self.pool, email.as_str()).await?,
                Err(_) => None,
            };
            let phc = match &record {
                Some(record) => record.password_hash.clone(),
                None => self.decoy_hash().await?.to_owned(),
            };
            let plausible = password.chars().count() <= password::MAX_LEN;
            let matches = if plausible {
                let _permit = self
                    .hashing
                    .acquire()
                    .await
                    .map_err(|_| AccountError::Closed)?;
                hashing::verify(password, phc).await?
            } else {
                false
            };

            match record {
                Some(record) if matches => {
                    login_failures::clear(&self.pool, &account_subject).await?;
                    login_failures::forget(&self.pool, &pending).await?;
                    tracing::info!(user_id = %record.id, "logged in");
                    let user = view(&record);
                    let actor = Actor::user(&user, &client.0);
                    self.audit
                        .record(&actor, action::ACCOUNT_LOG_IN, &user.email, "")
                        .await;
                    Ok(user)
                }
                _ => {
                    tracing::info!(client = %client.0, "log-in failed");
                    Err(AccountError::BadCredentials)
                }
            }
        })
        .await
    }

    async fn log_out(&self, actor: &Actor) {
        self.audit
            .record(actor, action::ACCOUNT_LOG_OUT, &actor.name, "")
            .await;
    }

    async fn user(&self, id: &UserId) -> Result<Option<UserView>, AppError> {
        answer(async {
            let record = users::by_id(&self.pool, id.as_str()).await?;
            Ok(record.as_ref().map(view))
        })
        .await
    }

    async fn list_users(&self) -> Result<Vec<UserView>, AppError> {
        answer(async {
            let records = users::list(&self.pool).await?;
            Ok(records.iter().map(view).collect())
        })
        .await
    }

    async fn set_role(&self, actor: &Actor, id: &UserId, role: Role) -> Result<UserView, AppError> {
        answer(async {
            let user_id = id.as_str();
            let existing = users::by_id(&self.pool, user_id).await?;
            let Some(existing) = existing else {
                return Err(AccountError::NotFound);
            };
            let changed = if existing.role == role {
                view(&existing)
            } else {
                if !users::set_role(&self.pool, user_id, role).await? {
                    return Err(AccountError::LastAdmin);
                }
                tracing::info!(user_id, role = role.as_str(), "role changed");
                users::by_id(&self.pool, user_id)
                    .await?
                    .map(|record| view(&record))
                    .ok_or(AccountError::NotFound)?
            };
            let detail = format!("role={}", changed.role.as_str());
            self.audit
                .record(actor, action::USER_SET_ROLE, &changed.email, &detail)
                .await;
            Ok(changed)
        })
        .await
    }
}
