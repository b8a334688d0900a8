//! Delivery of one outbox message to the SMTP server, with lettre.

use std::time::Duration;

use async_trait::async_trait;
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::response::Code;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use super::config::{MailConfig, SmtpUrl};
use crate::db::outbox::OutboxRecord;

/// Why a delivery failed, and whether trying again may help.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// Worth another attempt: the server is unreachable, slow, or answered 4xx.
    #[error("{0}")]
    Transient(String),
    /// No retry will mend it: the server rejected the message (5xx), or it cannot be built.
    #[error("{0}")]
    Permanent(String),
}

/// Why the transport could not be built from the settings.
#[derive(Debug, thiserror::Error)]
#[error("STOREFLEET_SMTP_URL ({url}) is not usable: {reason}")]
pub struct TransportError {
    /// The URL without credentials.
    url: String,
    /// What lettre said.
    reason: String,
}

/// Hands a message to a mail server; the worker's only way out.
#[async_trait]
pub trait MailSender: Send + Sync {
    /// Delivers one message. Must give up within a bounded time.
    async fn send(&self, message: &OutboxRecord) -> Result<(), SendError>;
}

/// Sends over SMTP, one connection per message.
pub struct SmtpSender {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    timeout: Duration,
}

impl SmtpSender {
    /// A sender to the server at `url`, every message from `from`, each delivery bounded by
    /// `timeout`.
    pub fn new(url: &SmtpUrl, from: Mailbox, timeout: Duration) -> Result<Self, TransportError> {
        url.check().map_err(|reason| TransportError {
            url: url.redacted(),
            reason,
        })?;
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url.expose())
            .map_err(|error| TransportError {
                url: url.redacted(),
                reason: error.to_string(),
            })?
            .timeout(Some(timeout))
            .build();
        Ok(Self {
            transport,
            from,
            timeout,
        })
    }

    /// Connects to the SMTP server and greets it, as the doctor's check; sends nothing.
    pub async fn check(&self) -> Result<(), SendError> {
        match tokio::time::timeout(self.timeout, self.transport.test_connection()).await {
            Ok(Ok(true)) => Ok(()),
            Ok(Ok(false)) => Err(SendError::Transient(
                "the SMTP server did not answer the greeting".to_owned(),
            )),
            Ok(Err(error)) => Err(classify(&error)),
            Err(_) => Err(SendError::Transient(format!(
                "the SMTP server did not answer within {} s",
                self.timeout.as_secs()
            ))),
        }
    }

    /// The sender the settings describe; `None` without an SMTP URL.
    pub fn from_config(config: &MailConfig) -> Result<Option<Self>, TransportError> {
        config
            .smtp_url
            .as_ref()
            .map(|url| Self::new(url, config.mail_from.clone(), config.timeout()))
            .transpose()
    }
}

#[async_trait]
impl MailSender for SmtpSender {
    async fn send(&self, message: &OutboxRecord) -> Result<(), SendError> {
        let email = build_message(&self.from, message)?;
        // lettre's own timeout bounds each socket operation; this bounds the whole exchange.
        match tokio::time::timeout(self.timeout, self.transport.send(email)).await {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(error)) => Err(classify(&error)),
            Err(_) => Err(SendError::Transient(format!(
                "the SMTP server did not answer within {} s",
                self.timeout.as_secs()
            ))),
        }
    }
}

/// The email for an outbox message: plain text and HTML alternatives, and a Message-ID made
/// from the outbox id, so a copy sent again after a crash is recognisably the same message.
pub fn build_message(from: &Mailbox, message: &OutboxRecord) -> Result<Message, SendError> {
    let to: Mailbox = message.mail.to.parse().map_err(|error| {
        SendError::Permanent(format!("the recipient address is not valid: {error}"))
    })?;
    Message::builder()
        .from(from.clone())
        .to(to)
        .subject(message.mail.subject.clone())
        .message_id(Some(message_id(&message.id, from)))
        .multipart(MultiPart::alternative_plain_html(
            message.mail.text.clone(),
            message.mail.html.clone(),
        ))
        .map_err(|error| SendError::Permanent(format!("the message cannot be built: {error}")))
}

/// `<outbox id@sender's domain>`.
pub fn message_id(outbox_id: &str, from: &Mailbox) -> String {
    format!("<{outbox_id}@{}>", from.email.domain())
}

fn classify(error: &lettre::transport::smtp::Error) -> SendError {
    let text = error.to_string();
    if error.is_permanent() && rejects_the_message(error.status()) {
        SendError::Permanent(text)
    } else {
        SendError::Transient(text)
    }
}

/// Whether a 5xx reply is about the message rather than about this server's settings: a
/// refused log-in (530, 534, 535, 538) is fixed by the operator, and the message must wait
/// for that, not be given up.
fn rejects_the_message(code: Option<Code>) -> bool {
    !matches!(code.map(u16::from), Some(530 | 534 | 535 | 538))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::outbox::OutboxState;
    use app::domain::Mail;
    use lettre::transport::smtp::response::{Category, Detail, Severity};

    fn record(to: &str) -> OutboxRecord {
        OutboxRecord {
            id: "0b6f4a52-1f7e-4f37-9d58-0c3a9c3e1d10".into(),
            mail: Mail {
                key: "welcome:u1".into(),
                kind: "welcome".into(),
                to: to.into(),
                subject: "Welcome to storefleet".into(),
                text: "Hello in text".into(),
                html: "<p>Hello in HTML</p>".into(),
            },
            state: OutboxState::Pending,
            attempts: 0,
            next_attempt_at: 0,
            lease_owner: None,
            last_error: None,
            created_at: 0,
            sent_at: None,
        }
    }

    #[test]
    fn messages_carry_both_bodies_and_an_id_from_the_outbox() {
        let from: Mailbox = "storefleet <noreply@fleet.example.com>".parse().unwrap();
        let email = build_message(&from, &record("ann@example.com")).unwrap();
        let raw = String::from_utf8(email.formatted()).unwrap();
        assert!(
            raw.contains("Message-ID: <0b6f4a52-1f7e-4f37-9d58-0c3a9c3e1d10@fleet.example.com>")
        );
        assert!(raw.contains("To: ann@example.com"));
        assert!(raw.contains("multipart/alternative"));
        assert!(raw.contains("Hello in text"));
        assert!(raw.contains("<p>Hello in HTML</p>"));
    }

    #[test]
    fn a_recipient_that_is_no_address_fails_for_good() {
        let from: Mailbox = "noreply@localhost".parse().unwrap();
        let error = build_message(&from, &record("not an address")).unwrap_err();
        assert!(matches!(error, SendError::Permanent(_)), "{error}");
    }

    #[test]
    fn refused_log_ins_are_not_the_message_s_fault() {
        let code = |category, detail| {
            Some(Code::new(
                Severity::PermanentNegativeCompletion,
                category,
                detail,
            ))
        };
        assert!(rejects_the_message(code(
            Category::MailSystem,
            Detail::Zero
        ))); // 550
        assert!(rejects_the_message(code(
            Category::MailSystem,
            Detail::Four
        ))); // 554
        assert!(!rejects_the_message(code(
            Category::Unspecified3,
            Detail::Five
        ))); // 535
        assert!(!rejects_the_message(code(
            Category::Unspecified3,
            Detail::Zero
        ))); // 530
        assert!(rejects_the_message(None));
    }
}
