//! The lease queue: rows that workers claim one at a time under a token with an expiry, renew
//! while they work, and change only while the token still holds them. Jobs and the mail
//! outbox are such queues, each described by a [`Queue`]; the same SQL serves both engines.

use sqlx::any::AnyArguments;
use sqlx::error::BoxDynError;
use sqlx::{Any, AnyPool, Arguments, Encode, Executor, Row, Type};

use super::Result;

/// A table worked as a lease queue. Every field is written into the SQL, so each is a constant
/// of the code, never input. The table has the columns `id`, `lease_owner`,
/// `lease_expires_at` and `created_at`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Queue {
    /// The table.
    pub table: &'static str,
    /// The column saying when a row is due next.
    pub due_at: &'static str,
    /// The condition on a row that a worker may claim once it is due.
    pub claimable: &'static str,
    /// The condition on a row while a claim holds it.
    pub held: &'static str,
    /// Further assignments a claim makes, with `$4` for now; empty for none.
    pub on_claim: &'static str,
}

/// No live lease on the row at the time bound to `now`.
fn unleased(now: &str) -> String {
    format!("(lease_expires_at IS NULL OR lease_expires_at < {now})")
}

impl Queue {
    /// Selects the ids of due, unleased rows, oldest due first: `$1` now, `$2` the limit.
    pub fn due_sql(&self) -> String {
        let Queue {
            table,
            due_at,
            claimable,
            ..
        } = self;
        format!(
            "SELECT id FROM {table} WHERE {claimable} AND {due_at} <= $1 AND {} \
             ORDER BY {due_at}, created_at LIMIT $2",
            unleased("$1")
        )
    }

    /// Leases one row if it is still due and unleased: `$1` the id, `$2` the token, `$3` the
    /// lease's end, `$4` now. The conditions are checked again on the row the update locks, so
    /// of two workers claiming at once only one changes it.
    pub fn claim_sql(&self) -> String {
        let Queue {
            table,
            due_at,
            claimable,
            on_claim,
            ..
        } = self;
        let also = if on_claim.is_empty() {
            String::new()
        } else {
            format!(", {on_claim}")
        };
        format!(
            "UPDATE {table} SET lease_owner = $2, lease_expires_at = $3{also} \
             WHERE id = $1 AND {claimable} AND {due_at} <= $4 AND {}",
            unleased("$4")
        )
    }
}

/// A fresh token for one claim by `owner`. One per claim, not per worker: a row a worker claims
/// again after its lease lapsed is fenced off from the attempt still holding the old token.
pub fn token(owner: &str) -> String {
    format!("{owner}/{}", uuid::Uuid::new_v4().simple())
}

/// Ids of the rows due at `now` and held by no live lease, oldest due first.
pub async fn due(pool: &AnyPool, queue: &Queue, now: i64, limit: i64) -> Result<Vec<String>> {
    let rows = sqlx::query(&queue.due_sql())
        .bind(now)
        .bind(limit)
        .fetch_all(pool)
        .await?;
    rows.iter()
        .map(|r| r.try_get("id").map_err(Into::into))
        .collect()
}

/// Takes the lease of a due row for `token` until `lease_ms` after `now`. True when this
/// caller now holds it.
pub async fn claim(
    pool: &AnyPool,
    queue: &Queue,
    id: &str,
    token: &str,
    now: i64,
    lease_ms: i64,
) -> Result<bool> {
    let done = sqlx::query(&queue.claim_sql())
        .bind(id)
        .bind(token)
        .bind(now.saturating_add(lease_ms))
        .bind(now)
        .execute(pool)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Extends a held lease to `lease_ms` after `now`. False when the lease was lost.
pub async fn renew<'e, E>(
    executor: E,
    queue: &'static Queue,
    id: &str,
    token: &str,
    now: i64,
    lease_ms: i64,
) -> Result<bool>
where
    E: Executor<'e, Database = Any>,
{
    Fenced::new(queue, id, token, "lease_expires_at = $3")
        .bind(now.saturating_add(lease_ms))
        .execute(executor)
        .await
}

/// An update of a held row that applies only while `token` still holds its lease, so a worker
/// whose lease lapsed (the row perhaps claimed by another since) changes nothing. In the SQL
/// given, `$1` is the row's id, `$2` the token, and the values bound follow from `$3`.
#[must_use]
pub struct Fenced<'a> {
    queue: &'static Queue,
    set: &'static str,
    release: bool,
    in_any_state: bool,
    condition: Option<&'static str>,
    arguments: std::result::Result<AnyArguments<'a>, BoxDynError>,
}

impl<'a> Fenced<'a> {
    /// Makes the assignments `set` on the row `id` held by `token`.
    pub fn new(queue: &'static Queue, id: &'a str, token: &'a str, set: &'static str) -> Self {
        let mut arguments = AnyArguments::default();
        let bound = arguments.add(id).and_then(|()| arguments.add(token));
        Self {
            queue,
            set,
            release: false,
            in_any_state: false,
            condition: None,
            arguments: bound.map(|()| arguments),
        }
    }

    /// Also ends the lease: the row is free for the next claim once due.
    pub fn releasing(mut self) -> Self {
        self.release = true;
        self
    }

    /// Applies only when `condition` also holds.
    pub fn only_if(mut self, condition: &'static str) -> Self {
        self.condition = Some(condition);
        self
    }

    /// Leaves out the queue's condition on held rows: the token alone fences the update.
    pub fn in_any_state(mut self) -> Self {
        self.in_any_state = true;
        self
    }

    /// Binds the next parameter, from `$3` on.
    pub fn bind<T>(mut self, value: T) -> Self
    where
        T: 'a + Encode<'a, Any> + Type<Any>,
    {
        if let Ok(arguments) = &mut self.arguments {
            if let Err(error) = arguments.add(value) {
                self.arguments = Err(error);
            }
        }
        self
    }

    /// The update's SQL.
    pub fn sql(&self) -> String {
        let mut sql = format!("UPDATE {} SET {}", self.queue.table, self.set);
        if self.release {
            sql.push_str(", lease_owner = NULL, lease_expires_at = NULL");
        }
        sql.push_str(" WHERE id = $1 AND lease_owner = $2");
        let held = (!self.in_any_state).then_some(self.queue.held);
        for condition in held.into_iter().chain(self.condition) {
            sql.push_str(" AND ");
            sql.push_str(condition);
        }
        sql
    }

    /// Runs the update. False when the lease was lost (or a condition did not hold).
    pub async fn execute<'e, E>(self, executor: E) -> Result<bool>
    where
        E: Executor<'e, Database = Any>,
    {
        let sql = self.sql();
        let arguments = self.arguments.map_err(sqlx::Error::Encode)?;
        let done = sqlx::query_with(&sql, arguments).execute(executor).await?;
        Ok(done.rows_affected() == 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const STEPS: Queue = Queue {
        table: "steps",
        due_at: "run_at",
        claimable: "state IN ('new', 'busy')",
        held: "state = 'busy'",
        on_claim: "state = 'busy'",
    };

    #[test]
    fn due_rows_are_the_claimable_unleased_ones_oldest_first() {
        assert_eq!(
            super::super::jobs::QUEUE.due_sql(),
            "SELECT id FROM jobs WHERE state IN ('queued', 'running') AND next_run_at <= $1 \
             AND (lease_expires_at IS NULL OR lease_expires_at < $1) \
             ORDER BY next_run_at, created_at LIMIT $2"
        );
        assert_eq!(
            super::super::outbox::QUEUE.due_sql(),
            "SELECT id FROM outbox WHERE state = 'pending' AND next_attempt_at <= $1 \
             AND (lease_expires_at IS NULL OR lease_expires_at < $1) \
             ORDER BY next_attempt_at, created_at LIMIT $2"
        );
    }

    #[test]
    fn a_claim_rechecks_what_made_the_row_due_and_may_change_its_state() {
        assert_eq!(
            super::super::jobs::QUEUE.claim_sql(),
            "UPDATE jobs SET lease_owner = $2, lease_expires_at = $3, state = 'running', \
             waiting = 0, updated_at = $4 WHERE id = $1 AND state IN ('queued', 'running') \
             AND next_run_at <= $4 AND (lease_expires_at IS NULL OR lease_expires_at < $4)"
        );
        assert_eq!(
            super::super::outbox::QUEUE.claim_sql(),
            "UPDATE outbox SET lease_owner = $2, lease_expires_at = $3 WHERE id = $1 \
             AND state = 'pending' AND next_attempt_at <= $4 \
             AND (lease_expires_at IS NULL OR lease_expires_at < $4)"
        );
    }

    #[test]
    fn a_fenced_update_needs_the_token_and_a_held_row() {
        let update = Fenced::new(&STEPS, "s1", "w/1", "note = $3").bind("hello");
        assert_eq!(
            update.sql(),
            "UPDATE steps SET note = $3 WHERE id = $1 AND lease_owner = $2 AND state = 'busy'"
        );
    }

    #[test]
    fn a_releasing_update_ends_the_lease_under_the_same_fence() {
        let update = Fenced::new(&STEPS, "s1", "w/1", "state = 'done'")
            .releasing()
            .only_if("note IS NOT NULL");
        assert_eq!(
            update.sql(),
            "UPDATE steps SET state = 'done', lease_owner = NULL, lease_expires_at = NULL \
             WHERE id = $1 AND lease_owner = $2 AND state = 'busy' AND note IS NOT NULL"
        );
    }

    #[test]
    fn the_token_alone_can_fence() {
        let update = Fenced::new(&STEPS, "s1", "w/1", "note = $3")
            .in_any_state()
            .only_if("note IS NULL");
        assert_eq!(
            update.sql(),
            "UPDATE steps SET note = $3 WHERE id = $1 AND lease_owner = $2 AND note IS NULL"
        );
    }

    #[test]
    fn every_claim_gets_its_own_token() {
        let (first, second) = (token("worker-a"), token("worker-a"));
        assert!(first.starts_with("worker-a/"));
        assert_ne!(first, second);
    }
}
