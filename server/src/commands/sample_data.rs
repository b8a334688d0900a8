//! Sample data for a demo store on the simulated cluster, written straight into the store's
//! own database: a few products and a greeting, so that a backup and a restore visibly give
//! the same data back. Running it again resets the sample rows.

use anyhow::Context;
use sqlx::postgres::PgPoolOptions;

use crate::cluster::sim::databases::tenant_url;

/// Writes the sample data into the database of the store in `namespace`.
pub async fn seed(admin_url: &str, namespace: &str, subdomain: &str) -> anyhow::Result<()> {
    let url = tenant_url(admin_url, namespace)
        .with_context(|| format!("{namespace} is not a store's namespace"))?;
    let pool = PgPoolOptions::new()
        .max_connections(1)
        .connect(&url)
        .await
        .with_context(|| format!("connecting to {subdomain}'s database"))?;
    let mut tx = pool.begin().await?;
    sqlx::raw_sql(
        "CREATE TABLE IF NOT EXISTS products (name TEXT PRIMARY KEY, price_cents INTEGER NOT NULL);
         CREATE TABLE IF NOT EXISTS store_settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
         DELETE FROM products;
         INSERT INTO products VALUES ('Teapot', 2400), ('Kettle', 3900), ('Mug', 900),
             ('Tea towel', 700), ('Loose leaf, 250 g', 1100);",
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO store_settings VALUES ('greeting', $1) \
         ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
    )
    .bind(format!("Welcome to {subdomain}"))
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    pool.close().await;
    Ok(())
}
