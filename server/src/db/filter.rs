//! WHERE clauses built from fixed SQL fragments and bound values: what a user typed only
//! ever reaches the database as a bound parameter. Hand-written because sqlx's `QueryBuilder`
//! writes `?` placeholders for the `Any` driver, which PostgreSQL rejects (sqlx issue #3000).

use sqlx::any::AnyArguments;
use sqlx::query::Query;
use sqlx::{Any, AnyConnection};

/// Conditions joined by AND, each with one bound value.
#[derive(Debug, Default)]
pub struct Conditions {
    sql: Vec<String>,
    values: Vec<String>,
}

impl Conditions {
    /// No conditions.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a condition: every `{}` in `fragment` (fixed SQL, never user input) stands for the
    /// placeholder of `value`.
    pub fn add(&mut self, fragment: &'static str, value: String) {
        self.values.push(value);
        let placeholder = format!("${}", self.values.len());
        self.sql.push(fragment.replace("{}", &placeholder));
    }

    /// Adds a condition with no value: fixed SQL only.
    pub fn add_fixed(&mut self, fragment: &'static str) {
        self.sql.push(fragment.to_owned());
    }

    /// ` WHERE a AND b`, or nothing when there are no conditions.
    pub fn where_clause(&self) -> String {
        if self.sql.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", self.sql.join(" AND "))
        }
    }

    /// The placeholder of the `n`-th (from 1) parameter bound after the conditions' values.
    pub fn next_placeholder(&self, n: usize) -> String {
        format!("${}", self.values.len() + n)
    }

    /// How many rows of `from` (a table, with an alias if the conditions use one) match.
    pub async fn count(&self, conn: &mut AnyConnection, from: &str) -> super::Result<u64> {
        let sql = format!("SELECT COUNT(*) FROM {from}{}", self.where_clause());
        let total: i64 =
            sqlx::Row::try_get(&self.bind(sqlx::query(&sql)).fetch_one(conn).await?, 0)?;
        Ok(u64::try_from(total).unwrap_or(0))
    }

    /// One page of the matching rows: `SELECT {select} WHERE … ORDER BY {order_by}`, `limit`
    /// of them after skipping `offset`.
    pub async fn page(
        &self,
        conn: &mut AnyConnection,
        select: &str,
        order_by: &str,
        limit: u64,
        offset: u64,
    ) -> super::Result<Vec<sqlx::any::AnyRow>> {
        let sql = self.page_sql(select, order_by);
        Ok(self
            .bind(sqlx::query(&sql))
            .bind(i64::try_from(limit).unwrap_or(i64::MAX))
            .bind(i64::try_from(offset).unwrap_or(i64::MAX))
            .fetch_all(conn)
            .await?)
    }

    /// The SQL of [`page`](Self::page), its limit and offset the last two parameters.
    pub fn page_sql(&self, select: &str, order_by: &str) -> String {
        format!(
            "SELECT {select}{} ORDER BY {order_by} LIMIT {} OFFSET {}",
            self.where_clause(),
            self.next_placeholder(1),
            self.next_placeholder(2),
        )
    }

    /// Binds the conditions' values, in order.
    pub fn bind<'q>(
        &'q self,
        mut query: Query<'q, Any, AnyArguments<'q>>,
    ) -> Query<'q, Any, AnyArguments<'q>> {
        for value in &self.values {
            query = query.bind(value.as_str());
        }
        query
    }
}

/// A LIKE pattern (with `ESCAPE '\'`) matching `text` anywhere, in lower case: `%` and `_`
/// in the text match themselves.
pub fn contains_pattern(text: &str) -> String {
    let mut pattern = String::with_capacity(text.len() + 2);
    pattern.push('%');
    for c in text.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

/// How SQLite plans queries, for tests that hold a query to its index.
#[cfg(test)]
pub(crate) mod plans {
    use sqlx::Row;

    use super::Conditions;
    use crate::db::Db;

    /// A fresh migrated SQLite database in a folder kept as long as the returned guard.
    pub(crate) async fn migrated_sqlite() -> (tempfile::TempDir, Db) {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite:{}", dir.path().join("plan.db").display());
        let db = Db::connect(&url).await.unwrap();
        db.migrate().await.unwrap();
        (dir, db)
    }

    /// SQLite's plan of `sql` (a page query of `conditions`, its limit and offset last), its
    /// steps joined by `; `.
    pub(crate) async fn plan(db: &Db, conditions: &Conditions, sql: &str, offset: i64) -> String {
        let explain = format!("EXPLAIN QUERY PLAN {sql}");
        let rows = conditions
            .bind(sqlx::query(&explain))
            .bind(50i64)
            .bind(offset)
            .fetch_all(&db.pool)
            .await
            .unwrap();
        rows.iter()
            .map(|row| row.get::<String, _>("detail"))
            .collect::<Vec<_>>()
            .join("; ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_in_the_text_are_escaped() {
        assert_eq!(contains_pattern("Acme"), "%acme%");
        assert_eq!(contains_pattern("50%_a\\b'"), "%50\\%\\_a\\\\b'%");
    }

    #[test]
    fn conditions_number_their_placeholders() {
        let mut conditions = Conditions::new();
        assert_eq!(conditions.where_clause(), "");
        conditions.add("(a LIKE {} OR b LIKE {})", "x".into());
        conditions.add("c = {}", "y".into());
        assert_eq!(
            conditions.where_clause(),
            " WHERE (a LIKE $1 OR b LIKE $1) AND c = $2"
        );
        assert_eq!(conditions.next_placeholder(1), "$3");
    }
}
