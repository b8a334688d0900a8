//! `storefleet doctor` and the admin's system page: the configuration and every dependency it
//! names — database, cluster, Stripe, DNS, SMTP, object storage, the drills' PostgreSQL —
//! checked one by one, each failure with what to do about it.

mod checks;
mod cluster;
pub mod permissions;
mod service;

use std::future::Future;
use std::time::Duration;

pub use app::domain::system::{CheckOutcome, SystemCheck};
pub use service::SystemService;

use crate::config::ServeConfig;
use crate::db::Db;

/// The longest one check may take: a dependency that does not answer by then fails.
const CHECK_TIMEOUT: Duration = Duration::from_secs(15);

/// The cluster as the checks see it.
pub struct ClusterSubject<'a> {
    /// The engine's client.
    pub client: &'a kube::Client,
    /// Whether it is the simulated cluster.
    pub simulated: bool,
}

/// What the checks look at: the settings, and the connections already made (or why they
/// could not be).
pub struct Subjects<'a> {
    /// The settings.
    pub config: &'a ServeConfig,
    /// The database's URL (shown without its password).
    pub database_url: &'a str,
    /// The database, or why it could not be connected to.
    pub database: Result<&'a Db, String>,
    /// The cluster, or why it could not be connected to.
    pub cluster: Result<ClusterSubject<'a>, String>,
}

/// Runs every check at once, each bounded by its timeout, in a fixed order.
pub async fn examine(subjects: &Subjects<'_>) -> Vec<SystemCheck> {
    let config = subjects.config;
    let (keys, database, cluster, stripe, dns, smtp, storage, drills) = tokio::join!(
        bounded("secret keys", async { checks::secret_keys(config) }),
        bounded(
            "database",
            checks::database(
                subjects.database_url,
                subjects.database.as_ref().map(|db| *db)
            )
        ),
        bounded("cluster", cluster::check(subjects.cluster.as_ref())),
        bounded("stripe", checks::stripe(&config.billing)),
        bounded("dns", checks::dns(&config.dns, &config.cluster.base_domain)),
        bounded("smtp", checks::smtp(&config.mail)),
        bounded("storage", checks::storage(&config.storage)),
        bounded("drills", checks::drills(&config.drills)),
    );
    let mut checks = vec![keys, database, cluster, stripe, dns, smtp, storage, drills];
    for check in &mut checks {
        check.detail = one_line(&check.detail);
    }
    checks
}

/// The longest detail shown: a dependency's error can carry a whole XML document.
const DETAIL_CHARS: usize = 300;

/// `text` on one line, cut to [`DETAIL_CHARS`].
fn one_line(text: &str) -> String {
    let line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match line.char_indices().nth(DETAIL_CHARS) {
        Some((cut, _)) => format!("{}…", &line[..cut]),
        None => line,
    }
}

async fn bounded(name: &str, check: impl Future<Output = SystemCheck>) -> SystemCheck {
    tokio::time::timeout(CHECK_TIMEOUT, check)
        .await
        .unwrap_or_else(|_| {
            SystemCheck::failed(
                name,
                format!("no answer within {} s", CHECK_TIMEOUT.as_secs()),
                format!("check that the {name} server runs and that this host can reach it"),
            )
        })
}

/// Whether nothing failed (a feature left off is not a failure).
pub fn all_passed(checks: &[SystemCheck]) -> bool {
    checks.iter().all(|c| c.outcome != CheckOutcome::Failed)
}

/// The checks as the terminal shows them: one line each, and the fix under a failure.
pub fn render(checks: &[SystemCheck]) -> String {
    let width = checks.iter().map(|c| c.name.len()).max().unwrap_or(0);
    let mut out = String::new();
    for check in checks {
        let mark = match check.outcome {
            CheckOutcome::Passed => "ok  ",
            CheckOutcome::Failed => "FAIL",
            CheckOutcome::Off => "off ",
        };
        out.push_str(&format!(
            "{mark}  {:width$}  {}\n",
            check.name, check.detail
        ));
        if let Some(fix) = check.fix.as_deref() {
            let lead = match check.outcome {
                CheckOutcome::Failed => "fix",
                CheckOutcome::Off => "to turn on",
                CheckOutcome::Passed => "note",
            };
            out.push_str(&format!("      {:width$}  {lead}: {fix}\n", ""));
        }
    }
    let failed = checks
        .iter()
        .filter(|c| c.outcome == CheckOutcome::Failed)
        .count();
    out.push_str(&match failed {
        0 => "all checks passed\n".to_owned(),
        1 => "1 check failed\n".to_owned(),
        n => format!("{n} checks failed\n"),
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failure_is_shown_with_its_fix_and_counted() {
        let checks = [
            SystemCheck::passed("database", "SQLite, schema up to date"),
            SystemCheck::failed("smtp", "connection refused", "start the SMTP server"),
            SystemCheck::off("storage", "backups are off", "set STOREFLEET_S3_BUCKET"),
        ];
        let text = render(&checks);
        assert!(
            text.contains("ok    database  SQLite, schema up to date\n"),
            "{text}"
        );
        assert!(
            text.contains("FAIL  smtp      connection refused\n"),
            "{text}"
        );
        assert!(text.contains("fix: start the SMTP server\n"), "{text}");
        assert!(
            text.contains("to turn on: set STOREFLEET_S3_BUCKET\n"),
            "{text}"
        );
        assert!(text.ends_with("1 check failed\n"), "{text}");
        assert!(!all_passed(&checks));
        assert!(all_passed(&[checks[0].clone(), checks[2].clone()]));
    }

    #[test]
    fn a_detail_is_one_line_of_bounded_length() {
        assert_eq!(
            one_line("refused:\n  <Error>\n</Error>"),
            "refused: <Error> </Error>"
        );
        let long = one_line(&"é".repeat(500));
        assert_eq!(long.chars().count(), DETAIL_CHARS + 1);
        assert!(long.ends_with('…'));
    }
}
