//! Mail settings: where the SMTP server is, who mail comes from, and how the worker paces
//! itself.

use std::fmt;
use std::time::Duration;

use clap::Args;
use lettre::message::Mailbox;

/// Default sender of every message.
pub const DEFAULT_FROM: &str = "storefleet <noreply@localhost>";
const DEFAULT_POLL_MS: u64 = 2000;
const DEFAULT_BACKOFF_MS: u64 = 5000;
const DEFAULT_BACKOFF_MAX_MS: u64 = 900_000;
const DEFAULT_TIMEOUT_SECS: u64 = 30;

/// How mail is sent.
#[derive(Debug, Clone, Args)]
pub struct MailConfig {
    /// SMTP server: `smtp://host:port` (plain), `smtp://host:port?tls=required` (STARTTLS),
    /// `smtps://host:port` (TLS from the start); credentials as `smtp://user:password@host`.
    /// Unset: messages wait in the outbox until it is set.
    // Checked when the sender is built, not by clap, whose error would repeat the value.
    #[arg(
        long,
        env = "STOREFLEET_SMTP_URL",
        hide_env_values = true,
        value_parser = SmtpUrl::unchecked
    )]
    pub smtp_url: Option<SmtpUrl>,

    /// Sender of every message, `Name <address>` or an address.
    #[arg(
        long,
        env = "STOREFLEET_MAIL_FROM",
        default_value = DEFAULT_FROM,
        value_parser = parse_mailbox
    )]
    pub mail_from: Mailbox,

    /// How often the mail worker looks for messages to send, in milliseconds.
    #[arg(long, env = "STOREFLEET_MAIL_POLL_MS", default_value_t = DEFAULT_POLL_MS)]
    pub mail_poll_ms: u64,

    /// Wait after a message's first failed attempt, in milliseconds; doubles after each.
    #[arg(long, env = "STOREFLEET_MAIL_BACKOFF_MS", default_value_t = DEFAULT_BACKOFF_MS)]
    pub mail_backoff_ms: u64,

    /// The longest wait between attempts of a message, in milliseconds.
    #[arg(
        long,
        env = "STOREFLEET_MAIL_BACKOFF_MAX_MS",
        default_value_t = DEFAULT_BACKOFF_MAX_MS
    )]
    pub mail_backoff_max_ms: u64,

    /// Seconds one delivery to the SMTP server may take before it counts as failed.
    #[arg(
        long,
        env = "STOREFLEET_MAIL_TIMEOUT_SECS",
        default_value_t = DEFAULT_TIMEOUT_SECS
    )]
    pub mail_timeout_secs: u64,
}

impl Default for MailConfig {
    /// The defaults of the command line: no SMTP server, so mail waits in the outbox.
    fn default() -> Self {
        Self {
            smtp_url: None,
            mail_from: parse_mailbox(DEFAULT_FROM).expect("the default sender parses"),
            mail_poll_ms: DEFAULT_POLL_MS,
            mail_backoff_ms: DEFAULT_BACKOFF_MS,
            mail_backoff_max_ms: DEFAULT_BACKOFF_MAX_MS,
            mail_timeout_secs: DEFAULT_TIMEOUT_SECS,
        }
    }
}

impl MailConfig {
    /// How long one delivery may take.
    pub fn timeout(&self) -> Duration {
        Duration::from_secs(self.mail_timeout_secs.max(1))
    }
}

/// An SMTP server URL. It may hold a password, so it is never shown: `Debug` and
/// [`SmtpUrl::redacted`] hide it.
#[derive(Clone, PartialEq, Eq)]
pub struct SmtpUrl(String);

impl SmtpUrl {
    /// Accepts `smtp://` and `smtps://` URLs with a host. The error never repeats the URL.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let url = Self(raw.to_owned());
        url.check()?;
        Ok(url)
    }

    /// Takes the value as given, for the command line; [`SmtpUrl::check`] judges it later.
    fn unchecked(raw: &str) -> Result<Self, std::convert::Infallible> {
        Ok(Self(raw.to_owned()))
    }

    /// Whether this is an `smtp://` or `smtps://` URL with a host; the error says what is
    /// wrong without repeating the URL.
    pub fn check(&self) -> Result<(), String> {
        let parsed = url::Url::parse(&self.0)
            .map_err(|_| "it is not a URL: use smtp://host:port".to_owned())?;
        if !matches!(parsed.scheme(), "smtp" | "smtps") {
            return Err(format!(
                "its scheme {:?} is not smtp:// or smtps://",
                parsed.scheme()
            ));
        }
        if parsed.host_str().is_none_or(str::is_empty) {
            return Err("it names no host".to_owned());
        }
        Ok(())
    }

    /// The URL itself, credentials included: only for building the transport.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The URL without user name and password, for logs.
    pub fn redacted(&self) -> String {
        match url::Url::parse(&self.0) {
            Ok(mut parsed) => {
                let _ = parsed.set_username("");
                let _ = parsed.set_password(None);
                parsed.to_string()
            }
            Err(_) => "unparsable".to_owned(),
        }
    }
}

impl fmt::Debug for SmtpUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("SmtpUrl").field(&self.redacted()).finish()
    }
}

fn parse_mailbox(raw: &str) -> Result<Mailbox, String> {
    raw.parse::<Mailbox>().map_err(|error| {
        format!("STOREFLEET_MAIL_FROM must be an address or `Name <address>`: {error}")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smtp_urls_parse_and_never_show_the_password() {
        let url = SmtpUrl::parse("smtps://mailer:hunter2@mail.example.com:465").unwrap();
        assert_eq!(url.redacted(), "smtps://mail.example.com:465");
        assert!(!format!("{url:?}").contains("hunter2"));
        assert!(!format!("{url:?}").contains("mailer"));
        assert!(SmtpUrl::parse("smtp://127.0.0.1:1025").is_ok());
        assert!(SmtpUrl::parse("smtp://h:587?tls=required").is_ok());
        assert!(SmtpUrl::parse("http://h").unwrap_err().contains("scheme"));
        let error = SmtpUrl::parse("smtp//user:hunter2@h").unwrap_err();
        assert!(!error.contains("hunter2"));
    }

    #[test]
    fn a_bad_smtp_url_on_the_command_line_is_refused_without_being_repeated() {
        #[derive(Debug, clap::Parser)]
        struct Cli {
            #[command(flatten)]
            mail: MailConfig,
        }
        let cli = <Cli as clap::Parser>::try_parse_from([
            "storefleet",
            "--smtp-url",
            "smtp//user:hunter2@host",
        ])
        .unwrap();
        let url = cli.mail.smtp_url.unwrap();
        let error = url.check().unwrap_err();
        assert!(error.contains("not a URL"), "{error}");
        assert!(!error.contains("hunter2"));
    }

    #[test]
    fn the_default_sender_parses() {
        let config = MailConfig::default();
        assert_eq!(config.mail_from.email.to_string(), "noreply@localhost");
        assert!(parse_mailbox("not an address").is_err());
        assert!(config.smtp_url.is_none());
    }
}
