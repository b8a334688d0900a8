//! The mail worker: claims due messages from the outbox under a lease, sends them, and
//! records the outcome. Several workers (in one process or many) can share one database:
//! every change to a claimed message is fenced by the claim's token.

use std::sync::Arc;
use std::time::Duration;

use sqlx::AnyPool;
use tokio::sync::watch;

use super::config::MailConfig;
use super::sender::{MailSender, SendError, SmtpSender, TransportError};
use crate::backoff::Backoff;
use crate::clock::now_ms;
use crate::db::lease;
use crate::db::outbox::{self, OutboxRecord};
use crate::db::DbError;

/// How a mail worker behaves.
#[derive(Debug, Clone)]
pub struct MailWorkerOptions {
    /// This worker's name in leases: unique per process.
    pub owner: String,
    /// How long a claim lasts; longer than any one delivery, so a message is only taken
    /// again when its worker died.
    pub lease: Duration,
    /// How often to look for due messages when idle.
    pub poll: Duration,
    /// Messages looked up at once.
    pub batch: usize,
    /// Waits between attempts; there is no last attempt.
    pub backoff: Backoff,
}

impl MailWorkerOptions {
    /// The options the settings describe, with a fresh owner name.
    pub fn from_config(config: &MailConfig) -> Self {
        Self {
            owner: format!("mail-{}", uuid::Uuid::new_v4().simple()),
            lease: config.timeout().saturating_mul(2) + Duration::from_secs(10),
            poll: Duration::from_millis(config.mail_poll_ms.max(10)),
            batch: 20,
            backoff: Backoff {
                base: Duration::from_millis(config.mail_backoff_ms.max(1)),
                max: Duration::from_millis(config.mail_backoff_max_ms.max(1)),
            },
        }
    }
}

/// Sends the outbox.
#[derive(Clone)]
pub struct MailWorker {
    pool: AnyPool,
    sender: Arc<dyn MailSender>,
    options: Arc<MailWorkerOptions>,
}

fn ms(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}

impl MailWorker {
    /// A worker over this pool, delivering with this sender.
    pub fn new(pool: AnyPool, sender: Arc<dyn MailSender>, options: MailWorkerOptions) -> Self {
        Self {
            pool,
            sender,
            options: Arc::new(options),
        }
    }

    /// The worker the settings describe, sending over SMTP; `None` without an SMTP URL.
    pub fn from_config(pool: AnyPool, config: &MailConfig) -> Result<Option<Self>, TransportError> {
        Ok(SmtpSender::from_config(config)?.map(|sender| {
            Self::new(
                pool,
                Arc::new(sender),
                MailWorkerOptions::from_config(config),
            )
        }))
    }

    /// Runs until `shutdown` turns true; a delivery in flight finishes first.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        loop {
            let handled = match self.deliver_due(Some(&shutdown)).await {
                Ok(handled) => handled,
                Err(error) => {
                    tracing::warn!(error = %error, "reading the mail outbox failed");
                    0
                }
            };
            if *shutdown.borrow() {
                break;
            }
            if handled < self.options.batch {
                tokio::select! {
                    _ = shutdown.changed() => break,
                    _ = tokio::time::sleep(self.options.poll) => {}
                }
            }
        }
    }

    /// Claims and delivers the messages due now, once; returns how many it attempted. For
    /// tests and tools.
    pub async fn run_due(&self) -> Result<usize, DbError> {
        self.deliver_due(None).await
    }

    async fn deliver_due(&self, stop: Option<&watch::Receiver<bool>>) -> Result<usize, DbError> {
        let limit = i64::try_from(self.options.batch.max(1)).unwrap_or(i64::MAX);
        let mut handled = 0;
        for id in outbox::due(&self.pool, now_ms(), limit).await? {
            if stop.is_some_and(|stop| *stop.borrow()) {
                break;
            }
            let token = lease::token(&self.options.owner);
            let claimed =
                outbox::claim(&self.pool, &id, &token, now_ms(), ms(self.options.lease)).await?;
            if let Some(message) = claimed {
                self.deliver(&message, &token).await?;
                handled += 1;
            }
        }
        Ok(handled)
    }

    async fn deliver(&self, message: &OutboxRecord, token: &str) -> Result<(), DbError> {
        let outcome = self.sender.send(message).await;
        let attempts = message.attempts.saturating_add(1);
        let kept = match &outcome {
            Ok(()) => {
                let kept = outbox::mark_sent(&self.pool, &message.id, token, now_ms()).await?;
                tracing::info!(mail_id = %message.id, kind = %message.mail.kind, "mail sent");
                kept
            }
            Err(SendError::Transient(error)) => {
                let wait = self.options.backoff.after(attempts);
                tracing::warn!(
                    mail_id = %message.id,
                    kind = %message.mail.kind,
                    attempts,
                    retry_in_ms = ms(wait),
                    error = %error,
                    "sending mail failed; will retry"
                );
                let until = now_ms().saturating_add(ms(wait));
                outbox::reschedule(&self.pool, &message.id, token, attempts, until, error).await?
            }
            Err(SendError::Permanent(error)) => {
                tracing::error!(
                    mail_id = %message.id,
                    kind = %message.mail.kind,
                    error = %error,
                    "mail rejected for good"
                );
                outbox::mark_failed(&self.pool, &message.id, token, attempts, error).await?
            }
        };
        if !kept {
            tracing::warn!(mail_id = %message.id, "the claim on a message lapsed during its delivery; another worker may send it again");
        }
        Ok(())
    }
}

/// Starts the mail worker the settings describe, stopped when `shutdown` turns true. Without
/// an SMTP URL nothing is sent: this says so once, and the messages wait in the outbox.
pub async fn spawn(
    pool: AnyPool,
    config: &MailConfig,
    shutdown: watch::Receiver<bool>,
) -> Result<Option<tokio::task::JoinHandle<()>>, TransportError> {
    match MailWorker::from_config(pool.clone(), config)? {
        Some(worker) => {
            if let Some(url) = &config.smtp_url {
                tracing::info!(smtp = %url.redacted(), "sending mail");
            }
            Ok(Some(tokio::spawn(worker.run(shutdown))))
        }
        None => {
            let waiting = outbox::pending_count(&pool).await.unwrap_or_default();
            tracing::info!(
                waiting,
                "no SMTP server configured (STOREFLEET_SMTP_URL): mail waits in the outbox"
            );
            Ok(None)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_claim_outlasts_any_delivery() {
        let config = MailConfig {
            mail_timeout_secs: 30,
            ..MailConfig::default()
        };
        let options = MailWorkerOptions::from_config(&config);
        assert!(options.lease > config.timeout() * 2);
    }
}
