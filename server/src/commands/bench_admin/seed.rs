//! Fills a fresh database with many tenants quickly: multi-row inserts, all in one
//! transaction, straight into the tables (no jobs: the tenants are already ready).

use sqlx::AnyPool;

use app::domain::TenantState;

/// The plans benchmark tenants are spread over (the default catalogue's).
const PLANS: [&str; 2] = ["starter", "pro"];
/// Rows per INSERT statement: well below both engines' limits on bound parameters.
const ROWS_PER_INSERT: usize = 200;

/// The `number`-th benchmark tenant's subdomain: `shop-00001`, …
pub fn subdomain(number: u32) -> String {
    format!("shop-{number:05}")
}

/// The `number`-th owner's email: `owner-0001@bench.example`, …
pub fn owner_email(number: u32) -> String {
    format!("owner-{number:04}@bench.example")
}

/// Which owner (from 1) the `number`-th tenant (from 1) belongs to.
fn owner_of(number: u32, owners: u32) -> u32 {
    (number - 1) % owners.max(1) + 1
}

/// Inserts `owners` customer accounts (which cannot log in) and `tenants` ready tenants
/// spread over them and over the plans, created one millisecond apart before `now`. They
/// have no cluster objects by design, so the reconciler is told never to look at them
/// (`check_after` at the end of time): it would build 10,000 stores otherwise.
pub async fn seed(pool: &AnyPool, tenants: u32, owners: u32, now: i64) -> anyhow::Result<()> {
    let owner_ids: Vec<String> = (1..=owners)
        .map(|_| uuid::Uuid::new_v4().to_string())
        .collect();
    let mut tx = pool.begin().await?;
    let numbers: Vec<u32> = (1..=owners).collect();
    for chunk in numbers.chunks(ROWS_PER_INSERT) {
        let sql = insert_sql(
            "users (id, email, password_hash, role, created_at)",
            5,
            chunk.len(),
        );
        let mut query = sqlx::query(&sql);
        for &number in chunk {
            query = query
                .bind(owner_ids[number as usize - 1].clone())
                .bind(owner_email(number))
                // Not a password hash: these accounts exist to own tenants, not to log in.
                .bind("!")
                .bind("customer")
                .bind(now - i64::from(tenants) - 1);
        }
        query.execute(&mut *tx).await?;
    }
    let numbers: Vec<u32> = (1..=tenants).collect();
    for chunk in numbers.chunks(ROWS_PER_INSERT) {
        let sql = insert_sql(
            "tenants (id, subdomain, plan, owner_id, state, settings, \
             created_at, updated_at, check_after, next_backup_at)",
            10,
            chunk.len(),
        );
        let mut query = sqlx::query(&sql);
        for &number in chunk {
            let created = now - i64::from(tenants) + i64::from(number);
            let owner =
                (owners > 0).then(|| owner_ids[owner_of(number, owners) as usize - 1].clone());
            query = query
                .bind(uuid::Uuid::new_v4().to_string())
                .bind(subdomain(number))
                .bind(PLANS[number as usize % PLANS.len()])
                .bind(owner)
                .bind(TenantState::Ready.as_str())
                .bind("{}")
                .bind(created)
                .bind(created)
                // No namespace, no database: never looked at by the reconciler, never due a
                // backup.
                .bind(i64::MAX)
                .bind(i64::MAX);
        }
        query.execute(&mut *tx).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Inserts `entries` audit log entries, one millisecond apart before `now`, in one
/// transaction: an operator's tenant actions, so they read as a real log does.
pub async fn audit(pool: &AnyPool, entries: u32, now: i64) -> anyhow::Result<()> {
    let mut tx = pool.begin().await?;
    let numbers: Vec<u32> = (1..=entries).collect();
    for chunk in numbers.chunks(ROWS_PER_INSERT) {
        let sql = insert_sql(
            "audit_log (id, at, actor_kind, actor_id, actor_email, action, target, detail, \
             client_addr)",
            9,
            chunk.len(),
        );
        let mut query = sqlx::query(&sql);
        for &number in chunk {
            query = query
                .bind(uuid::Uuid::new_v4().to_string())
                .bind(now - i64::from(entries) + i64::from(number))
                .bind("operator")
                .bind(None::<String>)
                .bind("ops@bench.example")
                .bind(AUDIT_ACTIONS[number as usize % AUDIT_ACTIONS.len()])
                .bind(subdomain(number % 10_000 + 1))
                .bind(format!("job=bench-{number}"))
                .bind("127.0.0.1");
        }
        query.execute(&mut *tx).await?;
    }
    tx.commit().await?;
    crate::db::audit::recount(pool).await?;
    Ok(())
}

/// The actions benchmark audit entries record.
const AUDIT_ACTIONS: [&str; 3] = ["tenant.create", "tenant.suspend", "tenant.resume"];

/// `INSERT INTO <table> VALUES ($1, …), (…), …` for `rows` rows of `columns` values.
fn insert_sql(table: &str, columns: usize, rows: usize) -> String {
    let tuples: Vec<String> = (0..rows)
        .map(|row| {
            let placeholders: Vec<String> = (1..=columns)
                .map(|column| format!("${}", row * columns + column))
                .collect();
            format!("({})", placeholders.join(", "))
        })
        .collect();
    format!("INSERT INTO {table} VALUES {}", tuples.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inserts_number_every_value() {
        assert_eq!(
            insert_sql("t (a, b)", 2, 2),
            "INSERT INTO t (a, b) VALUES ($1, $2), ($3, $4)"
        );
    }

    #[test]
    fn owners_are_spread_evenly() {
        assert_eq!(owner_of(1, 1000), 1);
        assert_eq!(owner_of(1000, 1000), 1000);
        assert_eq!(owner_of(1001, 1000), 1);
        assert_eq!(subdomain(42), "shop-00042");
        assert!(app::domain::Subdomain::parse(&subdomain(10_000)).is_ok());
        assert!(app::domain::Email::parse(&owner_email(7)).is_ok());
    }
}
