//! Progress pushed from real `storefleet serve` processes. A browser that reconnects with
//! `Last-Event-ID` after its server was killed gets the rest of the job from the server
//! started in its place, and, on PostgreSQL, a page served by one server hears the events
//! another server's worker writes. Every server here reads a watched job only when told it
//! changed (its fallback read is an hour away), so each event a stream shows was pushed.

use std::time::Duration;

use app::domain::JobProgress;
use reqwest::{Client, Response};
use sqlx::AnyPool;

use crate::on_both_databases;
use crate::processes::{logs, scalar, wait_until, Server, Shared};
use crate::support::{client, progress_message, Backend};

on_both_databases!(a_stream_resumed_on_a_restarted_server_misses_nothing,);

/// Settings of every server here: pushed progress only, and leases a killed server leaves
/// behind lapse soon.
const PUSHED_ONLY: [(&str, &str); 2] = [
    ("STOREFLEET_PROGRESS_FALLBACK_SECS", "3600"),
    ("STOREFLEET_JOB_LEASE_SECS", "2"),
];

/// Signs a customer up for a store at `server`; returns the customer's signed-in client.
async fn sign_up(server: &Server, subdomain: &str) -> Client {
    let customer = client();
    let email = format!("{subdomain}@example.com");
    let response = customer
        .post(format!("{}/api/signup/create_store", server.base))
        .form(&[
            ("store_name", subdomain),
            ("subdomain", subdomain),
            ("plan", "starter"),
            ("email", email.as_str()),
            ("password", "correct horse battery"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "{}", server.log());
    customer
}

async fn job_of(pool: &AnyPool, subdomain: &str) -> String {
    sqlx::query_scalar(
        "SELECT j.id FROM jobs j JOIN tenants t ON t.id = j.tenant_id WHERE t.subdomain = $1",
    )
    .bind(subdomain)
    .fetch_one(pool)
    .await
    .unwrap()
}

/// Opens the job's event stream at `server`, resuming after `last_event_id` when given.
async fn open(customer: &Client, server: &Server, job_id: &str, last: Option<i64>) -> Response {
    let mut request = customer.get(format!("{}/api/jobs/{job_id}/events", server.base));
    if let Some(last) = last {
        request = request.header("last-event-id", last.to_string());
    }
    let response = request.send().await.unwrap();
    assert_eq!(response.status(), 200, "{}", server.log());
    response
}

/// Reads messages off a stream until `enough` says so or the stream ends; each message is
/// its `id` and its progress.
async fn read(
    response: &mut Response,
    enough: impl Fn(&[(i64, JobProgress)]) -> bool,
) -> Vec<(i64, JobProgress)> {
    let mut buffer = String::new();
    let mut messages = Vec::new();
    // Keep-alive comments come every 15 s, so the whole read has a deadline.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    while !enough(&messages) {
        let chunk = tokio::time::timeout_at(deadline, response.chunk())
            .await
            .unwrap_or_else(|_| panic!("no end within a minute; so far {messages:?}"))
            .unwrap();
        let Some(chunk) = chunk else { break };
        buffer.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(end) = buffer.find("\n\n") {
            let block: String = buffer.drain(..end + 2).collect();
            if let Some(message) = progress_message(&block) {
                messages.push(message);
            }
        }
    }
    messages
}

fn seqs(messages: &[(i64, JobProgress)]) -> Vec<i64> {
    messages
        .iter()
        .flat_map(|(_, p)| p.events.iter().map(|e| e.seq))
        .collect()
}

/// The last message says the job succeeded, and carries its last event, `finished`.
fn assert_succeeded_with_its_event(messages: &[(i64, JobProgress)], context: &str) {
    let (_, end) = messages.last().unwrap();
    assert_eq!(end.job.state.as_str(), "succeeded", "{context}");
    let kind = end.events.last().map(|e| e.kind.as_str());
    assert_eq!(
        kind,
        Some("finished"),
        "the end comes with its event\n{context}"
    );
}

fn ended(messages: &[(i64, JobProgress)]) -> bool {
    messages.last().is_some_and(|(_, p)| p.job.is_finished())
}

async fn a_stream_resumed_on_a_restarted_server_misses_nothing(backend: Backend) {
    // Workloads take two seconds to be ready, so the server is killed in the middle.
    let Some(shared) = Shared::start(backend, Duration::from_secs(2)).await else {
        return;
    };
    let mut first = shared.serve("first", &PUSHED_ONLY).await;
    let customer = sign_up(&first, "resumed").await;
    let pool = shared.pool().await;
    let job_id = job_of(&pool, "resumed").await;

    let mut stream = open(&customer, &first, &job_id, None).await;
    let before = read(&mut stream, |m| !m.is_empty()).await;
    assert!(
        !ended(&before),
        "the job is still running when its server is killed"
    );
    let last = before.last().unwrap().0;
    drop(stream);
    first.kill();

    // The browser reconnects to the server started in the first one's place.
    let second = shared.serve("second", &PUSHED_ONLY).await;
    let mut stream = open(&customer, &second, &job_id, Some(last)).await;
    let after = read(&mut stream, ended).await;
    let context = logs(&[&first, &second]);
    assert!(
        ended(&after),
        "the stream follows the job to its end\n{context}"
    );
    assert_eq!(
        after
            .first()
            .and_then(|(_, p)| p.events.first())
            .map(|e| e.seq),
        Some(last + 1)
    );

    let all: Vec<i64> = seqs(&before).into_iter().chain(seqs(&after)).collect();
    assert_eq!(
        all,
        (1..=all.len() as i64).collect::<Vec<_>>(),
        "every event once, in order, across the restart\n{context}"
    );
    let stored = "SELECT COUNT(*) FROM job_events";
    assert_eq!(all.len() as i64, scalar(&pool, stored).await);
    assert_succeeded_with_its_event(&after, &context);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_on_one_server_hears_the_job_another_server_runs() {
    let Some(shared) = Shared::start(Backend::Postgres, Duration::from_secs(2)).await else {
        return;
    };
    let runner = shared.serve("runner", &PUSHED_ONLY).await;
    let customer = sign_up(&runner, "heard").await;
    let pool = shared.pool().await;
    let job_id = job_of(&pool, "heard").await;
    // The runner holds the job's lease, and renews it, before the other server starts: the
    // other never runs this job. The job's first event follows its claim: wait for both.
    let leased = "SELECT COUNT(*) FROM jobs WHERE state = 'running' AND lease_owner IS NOT NULL \
        AND EXISTS (SELECT 1 FROM job_events AS e WHERE e.job_id = jobs.id)";
    wait_until(&pool, leased, |n| n == 1, 30, &[&runner]).await;
    let last = scalar(&pool, "SELECT CAST(MAX(seq) AS BIGINT) FROM job_events").await;

    let page = shared.serve("page", &PUSHED_ONLY).await;
    let mut stream = open(&customer, &page, &job_id, Some(last)).await;
    let heard = read(&mut stream, ended).await;
    let context = logs(&[&runner, &page]);
    assert!(
        ended(&heard),
        "the page follows the job to its end\n{context}"
    );
    let seqs = seqs(&heard);
    assert!(
        !seqs.is_empty(),
        "events came after the page opened\n{context}"
    );
    assert_eq!(
        seqs,
        (last + 1..=last + seqs.len() as i64).collect::<Vec<_>>(),
        "every event the runner wrote after the page opened, once, in order\n{context}"
    );
    assert_succeeded_with_its_event(&heard, &context);
}
