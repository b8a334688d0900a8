//! One real PostgreSQL database per tenant, when the simulated cluster is given a server
//! ([`SimOptions::databases`](super::SimOptions::databases)): made when a StatefulSet running
//! PostgreSQL first appears in the tenant's namespace, dropped when its namespace is gone, and
//! what the tenant's Jobs connect to instead of the in-cluster database host. Naming is pure; the rest is I/O.

use std::time::Duration;

use sqlx::{Connection, Executor, PgConnection};

/// The namespaces of tenants: `store-<subdomain>`.
const TENANT_PREFIX: &str = "store-";

/// Whether a StatefulSet runs PostgreSQL (a container's image is a `postgres` one): its
/// appearance makes its tenant's database.
pub fn runs_postgres(statefulset: &serde_json::Value) -> bool {
    statefulset
        .pointer("/spec/template/spec/containers")
        .and_then(serde_json::Value::as_array)
        .is_some_and(|containers| {
            containers.iter().any(|c| {
                c.get("image")
                    .and_then(serde_json::Value::as_str)
                    .is_some_and(|image| {
                        image
                            .rsplit('/')
                            .next()
                            .unwrap_or(image)
                            .starts_with("postgres")
                    })
            })
        })
}

/// How long creating or dropping a database may take.
const TIMEOUT: Duration = Duration::from_secs(30);

/// Attempts at one statement: `CREATE DATABASE` fails while another one copies the template.
const ATTEMPTS: u32 = 5;

/// The database of the tenant in `namespace`: `store_<subdomain>`, `-` becoming `_`. `None`
/// for a namespace that is not a tenant's.
pub fn database_name(namespace: &str) -> Option<String> {
    let subdomain = namespace.strip_prefix(TENANT_PREFIX)?;
    let valid = !subdomain.is_empty()
        && subdomain
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    valid.then(|| format!("store_{}", subdomain.replace('-', "_")))
}

/// `admin` (a server's URL) pointing at the tenant database of `namespace`.
pub fn tenant_url(admin: &str, namespace: &str) -> Option<String> {
    let name = database_name(namespace)?;
    let mut url = url::Url::parse(admin).ok()?;
    url.set_path(&name);
    Some(url.to_string())
}

/// The libpq environment that connects a tenant's Job to its database on `admin`'s server,
/// as the same role: `PGHOST`, `PGPORT`, `PGUSER`, `PGPASSWORD` (when there is one) and
/// `PGDATABASE`.
pub fn connection_env(admin: &str, namespace: &str) -> Option<Vec<(String, String)>> {
    let name = database_name(namespace)?;
    let url = url::Url::parse(admin).ok()?;
    let query = |key: &str| {
        url.query_pairs()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.into_owned())
    };
    let host = query("host")
        .or_else(|| url.host_str().map(str::to_owned))
        .unwrap_or_else(|| "localhost".to_owned());
    let port = query("port")
        .or_else(|| url.port().map(|port| port.to_string()))
        .unwrap_or_else(|| "5432".to_owned());
    let user = match url.username() {
        "" => query("user").unwrap_or_else(|| "postgres".to_owned()),
        user => decoded(user),
    };
    let mut env = vec![
        ("PGHOST".to_owned(), host),
        ("PGPORT".to_owned(), port),
        ("PGUSER".to_owned(), user),
    ];
    if let Some(password) = url.password().map(decoded).or_else(|| query("password")) {
        env.push(("PGPASSWORD".to_owned(), password));
    }
    env.push(("PGDATABASE".to_owned(), name));
    Some(env)
}

fn decoded(text: &str) -> String {
    url::form_urlencoded::parse(format!("x={text}").as_bytes())
        .next()
        .map_or_else(|| text.to_owned(), |(_, value)| value.into_owned())
}

/// Creates the tenant database of `namespace` on `admin`'s server; one that exists is fine.
pub async fn create_database(admin: &str, namespace: &str) {
    let Some(name) = database_name(namespace) else {
        return;
    };
    let statement = format!("CREATE DATABASE \"{name}\"");
    run(admin, &statement, &name, "creating").await;
}

/// Drops the tenant database of `namespace`, closing its connections.
pub async fn drop_database(admin: &str, namespace: &str) {
    let Some(name) = database_name(namespace) else {
        return;
    };
    let statement = format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
    run(admin, &statement, &name, "dropping").await;
}

/// Runs `statement` on `admin`'s server, trying again a few times; failures are logged.
async fn run(admin: &str, statement: &str, database: &str, doing: &str) {
    let mut wait = Duration::from_millis(100);
    for attempt in 1..=ATTEMPTS {
        let outcome = tokio::time::timeout(TIMEOUT, async {
            let mut connection = PgConnection::connect(admin).await?;
            let done = connection.execute(statement).await.map(|_| ());
            let _ = connection.close().await;
            done
        })
        .await;
        let error = match outcome {
            Ok(Ok(())) => return,
            Ok(Err(error)) if already_exists(&error) => return,
            Ok(Err(error)) => error.to_string(),
            Err(_) => "timed out".to_owned(),
        };
        if attempt == ATTEMPTS {
            tracing::warn!(%database, %error, "{doing} a tenant's database on the simulated cluster's server failed");
            return;
        }
        tokio::time::sleep(wait).await;
        wait *= 2;
    }
}

/// `duplicate_database`: made already, by an earlier run or a concurrent one.
fn already_exists(error: &sqlx::Error) -> bool {
    error
        .as_database_error()
        .and_then(|error| error.code())
        .is_some_and(|code| code == "42P04")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tenant_namespace_names_its_database() {
        assert_eq!(
            database_name("store-acme-shop").as_deref(),
            Some("store_acme_shop")
        );
        assert_eq!(database_name("kube-system"), None);
        assert_eq!(database_name("store-"), None);
        assert_eq!(database_name("store-a\"b"), None);
    }

    #[test]
    fn jobs_connect_as_the_admin_role_to_the_tenant_database() {
        let env =
            connection_env("postgres://admin:p%40ss@10.0.0.5:6543/postgres", "store-a").unwrap();
        let pairs: Vec<(&str, &str)> = env.iter().map(|(k, v)| (&**k, &**v)).collect();
        assert_eq!(
            pairs,
            [
                ("PGHOST", "10.0.0.5"),
                ("PGPORT", "6543"),
                ("PGUSER", "admin"),
                ("PGPASSWORD", "p@ss"),
                ("PGDATABASE", "store_a"),
            ]
        );
        let bare = connection_env("postgres://127.0.0.1/postgres", "store-a").unwrap();
        assert!(bare.iter().all(|(k, _)| k != "PGPASSWORD"));
        assert_eq!(
            tenant_url("postgres://postgres@127.0.0.1:55432/postgres", "store-a").as_deref(),
            Some("postgres://postgres@127.0.0.1:55432/store_a")
        );
    }
}
