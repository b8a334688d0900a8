//! Fills a store's own database with generated data that compresses poorly, as a store's
//! photos and orders would, so that a dump is about as large as the data.

use std::time::{Duration, Instant};

use anyhow::Context;
use sqlx::{Connection, PgConnection};

use crate::cluster::sim::databases::tenant_url;

/// Bytes of random payload per row.
const PAYLOAD: i64 = 1024;
/// Bytes a row takes on disk, header and line pointer included: seven to a page.
const ROW_ON_DISK: i64 = 1170;
/// Rows per INSERT, so that no one statement runs for long.
const ROWS_PER_INSERT: i64 = 4_000;
/// How long the simulated cluster may take to make a store's database.
const PATIENCE: Duration = Duration::from_secs(30);

/// Puts about `megabytes` MB of random rows into the database of the store in `namespace`
/// on `admin`'s server; returns the database's size on disk afterwards, in bytes.
pub async fn fill(admin: &str, namespace: &str, megabytes: u32) -> anyhow::Result<i64> {
    let url = tenant_url(admin, namespace)
        .with_context(|| format!("{namespace} is not a store's namespace"))?;
    let mut conn = connect_soon(&url)
        .await
        .with_context(|| format!("connecting to the database of {namespace}"))?;
    sqlx::raw_sql(
        "DROP TABLE IF EXISTS filler; CREATE TABLE filler (id bigint PRIMARY KEY, payload bytea)",
    )
    .execute(&mut conn)
    .await?;
    let rows = i64::from(megabytes) * 1024 * 1024 / ROW_ON_DISK;
    let md5s = PAYLOAD / 16;
    let mut from = 1;
    while from <= rows {
        let to = (from + ROWS_PER_INSERT - 1).min(rows);
        // The inner query names `g`, so each row gets its own payload.
        sqlx::query(
            "INSERT INTO filler (id, payload) \
             SELECT g, (SELECT decode(string_agg(md5(random()::text || g::text || i::text), ''), 'hex') \
                        FROM generate_series(1, $3) i) \
             FROM generate_series($1::bigint, $2::bigint) g",
        )
        .bind(from)
        .bind(to)
        .bind(md5s)
        .execute(&mut conn)
        .await?;
        from = to + 1;
    }
    let size: i64 = sqlx::query_scalar("SELECT pg_database_size(current_database())")
        .fetch_one(&mut conn)
        .await?;
    conn.close().await?;
    Ok(size)
}

/// Connects, trying again while the database is still being made.
async fn connect_soon(url: &str) -> Result<PgConnection, sqlx::Error> {
    let began = Instant::now();
    loop {
        match PgConnection::connect(url).await {
            Ok(conn) => return Ok(conn),
            Err(error) if began.elapsed() > PATIENCE => return Err(error),
            Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
}
