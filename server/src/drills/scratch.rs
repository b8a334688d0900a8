//! Scratch databases on the drill server: `drill_<unix seconds>_<random>`, so that one left
//! behind by a killed run is known by its name and its age alone, and dropped once it is older
//! than an hour (a younger one may be another server's drill still running). Naming is pure;
//! the rest is I/O.

use std::time::Duration;

use sqlx::{Connection, Executor, PgConnection};

/// Every scratch database's name starts with this.
pub const PREFIX: &str = "drill_";

/// Age after which a scratch database is taken as left behind, in seconds.
const STALE_SECS: i64 = 3600;

/// How long connecting or one statement may take.
const TIMEOUT: Duration = Duration::from_secs(30);

/// A fresh scratch database's name, made at `now_ms`.
pub fn name(now_ms: i64) -> String {
    let random = uuid::Uuid::new_v4().simple().to_string();
    format!("{PREFIX}{}_{}", now_ms.div_euclid(1000), &random[..12])
}

/// Whether `name` is a scratch database made more than an hour before `now_ms`.
pub fn is_stale(name: &str, now_ms: i64) -> bool {
    let Some(rest) = name.strip_prefix(PREFIX) else {
        return false;
    };
    let Some((secs, random)) = rest.split_once('_') else {
        return false;
    };
    let Ok(made) = secs.parse::<i64>() else {
        return false;
    };
    !random.is_empty() && now_ms.div_euclid(1000) - made > STALE_SECS
}

/// `admin` (the drill server's URL) pointing at the database `name`.
pub fn url(admin: &str, name: &str) -> Result<String, String> {
    let mut url =
        url::Url::parse(admin).map_err(|_| "the drill PostgreSQL URL is not a URL".to_owned())?;
    url.set_path(name);
    Ok(url.to_string())
}

/// What went wrong on the drill server, naming the statement's aim, never the password.
fn failed(doing: &str, error: impl std::fmt::Display) -> String {
    format!("{doing} on the drill PostgreSQL server: {error}")
}

async fn connect(admin: &str) -> Result<PgConnection, String> {
    match tokio::time::timeout(TIMEOUT, PgConnection::connect(admin)).await {
        Ok(Ok(connection)) => Ok(connection),
        Ok(Err(error)) => Err(failed("connecting", error)),
        Err(_) => Err(failed("connecting", "timed out")),
    }
}

/// Runs one statement on the drill server.
async fn run(admin: &str, statement: &str, doing: &str) -> Result<(), String> {
    let mut connection = connect(admin).await?;
    let done = tokio::time::timeout(TIMEOUT, connection.execute(statement)).await;
    let _ = connection.close().await;
    match done {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(error)) => Err(failed(doing, error)),
        Err(_) => Err(failed(doing, "timed out")),
    }
}

/// Creates the scratch database `name`.
pub async fn create_database(admin: &str, name: &str) -> Result<(), String> {
    run(
        admin,
        &format!("CREATE DATABASE \"{name}\""),
        &format!("creating the scratch database {name}"),
    )
    .await
}

/// Drops the scratch database `name`, closing whatever connections it still has.
pub async fn drop_database(admin: &str, name: &str) -> Result<(), String> {
    run(
        admin,
        &format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"),
        &format!("dropping the scratch database {name}"),
    )
    .await
}

/// Drops the scratch databases that killed runs left behind (older than an hour); returns
/// their names.
pub async fn sweep(admin: &str, now_ms: i64) -> Result<Vec<String>, String> {
    let mut connection = connect(admin).await?;
    let listed = tokio::time::timeout(
        TIMEOUT,
        sqlx::query_scalar::<_, String>(
            "SELECT datname::text FROM pg_database WHERE starts_with(datname::text, $1)",
        )
        .bind(PREFIX)
        .fetch_all(&mut connection),
    )
    .await;
    let _ = connection.close().await;
    let names = match listed {
        Ok(Ok(names)) => names,
        Ok(Err(error)) => return Err(failed("listing scratch databases", error)),
        Err(_) => return Err(failed("listing scratch databases", "timed out")),
    };
    let mut dropped = Vec::new();
    for name in names.into_iter().filter(|name| is_stale(name, now_ms)) {
        drop_database(admin, &name).await?;
        dropped.push(name);
    }
    Ok(dropped)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2026-06-15T12:00:00Z.
    const NOW: i64 = 1_781_524_800_000;

    #[test]
    fn a_scratch_name_says_when_it_was_made() {
        let fresh = name(NOW);
        assert!(fresh.starts_with("drill_1781524800_"), "{fresh}");
        assert_ne!(fresh, name(NOW), "each is its own");
        assert!(!is_stale(&fresh, NOW + 3_600_000));
        assert!(is_stale(&fresh, NOW + 3_601_000));
    }

    #[test]
    fn only_scratch_names_are_ever_stale() {
        let later = NOW + 10 * 3_600_000;
        for other in [
            "postgres",
            "store_acme",
            "drill_",
            "drill_x_y",
            "drill_1781524800_",
        ] {
            assert!(!is_stale(other, later), "{other}");
        }
    }

    #[test]
    fn the_scratch_url_keeps_the_servers_credentials() {
        assert_eq!(
            url(
                "postgres://admin:pw@db:5432/postgres?sslmode=disable",
                "drill_1_a"
            )
            .unwrap(),
            "postgres://admin:pw@db:5432/drill_1_a?sslmode=disable"
        );
    }
}
