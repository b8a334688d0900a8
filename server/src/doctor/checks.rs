//! The checks of the settings and of each dependency but the cluster.

use app::domain::system::SystemCheck;

use crate::billing::config::BillingConfig;
use crate::billing::verify::{self, VerifyError};
use crate::config::ServeConfig;
use crate::db::{self, Db};
use crate::dns::config::DnsKind;
use crate::dns::DnsConfig;
use crate::drills::DrillConfig;
use crate::mail::sender::SmtpSender;
use crate::mail::MailConfig;
use crate::storage::{Storage, StorageConfig};

/// The keys sealing owners' secret settings.
pub fn secret_keys(config: &ServeConfig) -> SystemCheck {
    const NAME: &str = "secret keys";
    match config.secrets.keyring() {
        Ok(Some(keyring)) => SystemCheck::passed(
            NAME,
            format!(
                "owners' secret settings are sealed under key {}",
                keyring.current()
            ),
        ),
        Ok(None) => SystemCheck::failed(
            NAME,
            "no key is configured: owners' secret settings would be stored unsealed",
            "run `storefleet secrets generate-key --file data/secret.key`, or set \
             STOREFLEET_SECRET_KEY (or STOREFLEET_SECRET_KEY_FILE) from a Kubernetes Secret",
        ),
        Err(error) => SystemCheck::failed(
            NAME,
            error.to_string(),
            "each key is `ID:BASE64` of 32 random bytes; make one with \
             `storefleet secrets generate-key`",
        ),
    }
}

/// The control plane's database: reachable, and migrated to this binary's schema.
pub async fn database(url: &str, database: Result<&Db, &String>) -> SystemCheck {
    const NAME: &str = "database";
    let shown = db::redact(url);
    let unreachable = |error: String| {
        SystemCheck::failed(
            NAME,
            format!("cannot reach {shown}: {error}"),
            "check DATABASE_URL, that the database server runs, and that it accepts this \
             user from here",
        )
    };
    let database = match database {
        Ok(database) => database,
        Err(error) => return unreachable(error.clone()),
    };
    if let Err(error) = database.ping().await {
        return unreachable(error.to_string());
    }
    let schema = match database.schema().await {
        Ok(schema) => schema,
        Err(error) => return unreachable(error.to_string()),
    };
    if let Some(first) = schema.pending.first() {
        return SystemCheck::failed(
            NAME,
            format!(
                "{shown}: {} of {} migrations not applied, from {first}",
                schema.pending.len(),
                schema.known
            ),
            "run `storefleet migrate` (`storefleet serve` also migrates as it starts)",
        );
    }
    let newer = match schema.unknown {
        0 => String::new(),
        n => format!("; {n} newer migrations applied by a newer storefleet"),
    };
    SystemCheck::passed(
        NAME,
        format!(
            "{shown}: schema up to date ({} migrations){newer}",
            schema.known
        ),
    )
}

/// Stripe: both keys set, and the secret key accepted.
pub async fn stripe(config: &BillingConfig) -> SystemCheck {
    const NAME: &str = "stripe";
    let keys = match config.keys() {
        Ok(Some(keys)) => keys,
        Ok(None) => {
            return SystemCheck::off(
                NAME,
                "billing is off: stores are free",
                "set STOREFLEET_STRIPE_SECRET_KEY and STOREFLEET_STRIPE_WEBHOOK_SECRET",
            )
        }
        Err(error) => {
            return SystemCheck::failed(
                NAME,
                error.to_string(),
                "set both Stripe settings, or neither",
            )
        }
    };
    let base = config.api_base();
    match verify::secret_key(&base, &keys.secret_key).await {
        Ok(()) => SystemCheck::passed(
            NAME,
            format!("{base} accepts the secret key; the webhook signing secret is set"),
        ),
        Err(error @ VerifyError::Refused(_)) => SystemCheck::failed(
            NAME,
            error.to_string(),
            "set STOREFLEET_STRIPE_SECRET_KEY to a secret key (`sk_…`) from the Stripe \
             dashboard's API keys page",
        ),
        Err(error) => SystemCheck::failed(
            NAME,
            error.to_string(),
            "check STOREFLEET_STRIPE_API_URL and that this host can reach it",
        ),
    }
}

/// The DNS provider: reachable, with rights on the zone.
pub async fn dns(config: &DnsConfig, base_domain: &str) -> SystemCheck {
    const NAME: &str = "dns";
    let fix = match config.dns_provider {
        DnsKind::Wildcard => "see the STOREFLEET_DNS settings in docs/configuration.md",
        DnsKind::Powerdns => {
            "check STOREFLEET_POWERDNS_API_URL and STOREFLEET_POWERDNS_API_KEY, and that \
             the zone STOREFLEET_POWERDNS_ZONE exists on that server"
        }
        DnsKind::Cloudflare => {
            "check that STOREFLEET_CLOUDFLARE_API_TOKEN may edit the DNS of the zone \
             STOREFLEET_CLOUDFLARE_ZONE_ID"
        }
    };
    let provider = match config.provider(base_domain) {
        Ok(provider) => provider,
        Err(error) => return SystemCheck::failed(NAME, error.to_string(), fix),
    };
    match provider.check().await {
        Ok(seen) => SystemCheck::passed(NAME, seen),
        Err(error) => SystemCheck::failed(NAME, error.to_string(), fix),
    }
}

/// The SMTP server: it answers a greeting.
pub async fn smtp(config: &MailConfig) -> SystemCheck {
    const NAME: &str = "smtp";
    let fix = "check STOREFLEET_SMTP_URL (host, port, TLS mode, credentials) and that the \
               SMTP server runs";
    let sender = match SmtpSender::from_config(config) {
        Ok(Some(sender)) => sender,
        Ok(None) => {
            return SystemCheck::off(
                NAME,
                "no SMTP server: mail waits in the outbox",
                "set STOREFLEET_SMTP_URL",
            )
        }
        Err(error) => return SystemCheck::failed(NAME, error.to_string(), fix),
    };
    let shown = config
        .smtp_url
        .as_ref()
        .map(|url| url.redacted())
        .unwrap_or_default();
    match sender.check().await {
        Ok(()) => SystemCheck::passed(NAME, format!("{shown} answers")),
        Err(error) => SystemCheck::failed(NAME, format!("{shown}: {error}"), fix),
    }
}

/// Object storage for backups: an object can be written and deleted.
pub async fn storage(config: &StorageConfig) -> SystemCheck {
    const NAME: &str = "storage";
    let fix = "check STOREFLEET_S3_BUCKET, STOREFLEET_S3_ENDPOINT and the access key, and \
               that the key may write and delete objects in the bucket";
    let storage = match Storage::for_check(config) {
        Ok(Some(storage)) => storage,
        Ok(None) => {
            return SystemCheck::off(
                NAME,
                "backups are off",
                "set STOREFLEET_S3_BUCKET and its access key",
            )
        }
        Err(error) => return SystemCheck::failed(NAME, error.to_string(), fix),
    };
    let bucket = config.bucket.clone().unwrap_or_default();
    let probe = format!(".storefleet-doctor/{}", uuid::Uuid::new_v4());
    match storage.check_writable(&probe).await {
        Ok(()) => SystemCheck::passed(
            NAME,
            format!("bucket {bucket}: an object was written and deleted"),
        ),
        Err(error) => SystemCheck::failed(NAME, format!("bucket {bucket}: {error}"), fix),
    }
}

/// The PostgreSQL server restore drills restore into.
pub async fn drills(config: &DrillConfig) -> SystemCheck {
    const NAME: &str = "drills";
    let Some(url) = config.postgres_url() else {
        return SystemCheck::off(
            NAME,
            "restore drills are off",
            "set STOREFLEET_DRILL_POSTGRES_URL",
        );
    };
    use sqlx::Connection;
    let shown = db::redact(url);
    match sqlx::postgres::PgConnection::connect(url).await {
        Ok(connection) => {
            let _ = connection.close().await;
            SystemCheck::passed(NAME, format!("{shown} accepts connections"))
        }
        Err(error) => SystemCheck::failed(
            NAME,
            format!("cannot reach {shown}: {error}"),
            "check STOREFLEET_DRILL_POSTGRES_URL and that its role may create databases",
        ),
    }
}
