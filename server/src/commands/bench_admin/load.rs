//! Concurrent clients sending GET requests for a fixed time, and what they measured.

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use reqwest::Client;

use crate::commands::measure::cpu_seconds;

/// One measured stretch: which addresses, and what a good answer's body contains.
#[derive(Debug, Clone)]
pub struct Phase {
    /// What it measures.
    pub name: String,
    /// Paths requested in turn.
    pub paths: Vec<String>,
    /// Text every good answer contains.
    pub expect: &'static str,
}

/// What one phase measured.
#[derive(Debug, Clone, PartialEq)]
pub struct PhaseReport {
    /// The phase's name.
    pub name: String,
    /// Answers that were good.
    pub ok: usize,
    /// Failed requests and bad answers.
    pub errors: usize,
    /// How long the phase ran.
    pub seconds: f64,
    /// Median latency of good answers, in milliseconds.
    pub p50_ms: f64,
    /// 99th percentile latency of good answers, in milliseconds.
    pub p99_ms: f64,
    /// What the first bad answer was.
    pub first_error: Option<String>,
    /// Processor time the process spent per good answer (server and clients together), in
    /// milliseconds, when known: a cost that a busy neighbour on the machine changes less
    /// than the rate.
    pub cpu_ms: Option<f64>,
}

/// Runs `clients` loops of requests against `base` for `duration`, each request waiting
/// for the whole body.
pub async fn run(
    client: &Client,
    base: &str,
    phase: &Phase,
    clients: usize,
    duration: Duration,
) -> PhaseReport {
    let started = Instant::now();
    let cpu_before = cpu_seconds();
    let deadline = started + duration;
    let mut tasks = Vec::with_capacity(clients);
    for worker in 0..clients {
        let client = client.clone();
        let urls: Vec<String> = phase.paths.iter().map(|p| format!("{base}{p}")).collect();
        let expect = phase.expect;
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut errors = Vec::new();
            let mut turn = worker;
            while Instant::now() < deadline {
                let url = &urls[turn % urls.len()];
                turn += clients;
                let sent = Instant::now();
                match fetch(&client, url, expect).await {
                    Ok(()) => latencies.push(sent.elapsed()),
                    Err(error) => errors.push(format!("{url}: {error}")),
                }
            }
            (latencies, errors)
        }));
    }
    let mut latencies = Vec::new();
    let mut errors = Vec::new();
    for task in tasks {
        match task.await {
            Ok((l, e)) => {
                latencies.extend(l);
                errors.extend(e);
            }
            Err(error) => errors.push(format!("a client panicked: {error}")),
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    let cpu_ms = cpu_before
        .zip(cpu_seconds())
        .filter(|_| !latencies.is_empty())
        .map(|(before, after)| (after - before) * 1000.0 / latencies.len() as f64);
    latencies.sort_unstable();
    PhaseReport {
        name: phase.name.clone(),
        ok: latencies.len(),
        errors: errors.len(),
        seconds,
        p50_ms: percentile_ms(&latencies, 50.0),
        p99_ms: percentile_ms(&latencies, 99.0),
        first_error: errors.into_iter().next(),
        cpu_ms,
    }
}

async fn fetch(client: &Client, url: &str, expect: &str) -> Result<(), String> {
    let response = client.get(url).send().await.map_err(|e| e.to_string())?;
    let status = response.status();
    let body = response.text().await.map_err(|e| e.to_string())?;
    if !status.is_success() {
        return Err(format!("status {status}"));
    }
    if !body.contains(expect) {
        return Err(format!("the answer lacks {expect:?}"));
    }
    Ok(())
}

/// The nearest-rank `p`-th percentile of sorted durations, in milliseconds; 0 when empty.
fn percentile_ms(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = (p / 100.0 * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1].as_secs_f64() * 1000.0
}

impl PhaseReport {
    /// Good answers per second.
    pub fn rate(&self) -> f64 {
        if self.seconds > 0.0 {
            self.ok as f64 / self.seconds
        } else {
            0.0
        }
    }

    /// One line of the report.
    pub fn line(&self) -> String {
        let mut line = format!(
            "{:<28} {:>8.1} req/s   p50 {:>7.1} ms   p99 {:>7.1} ms   {} ok, {} errors",
            self.name,
            self.rate(),
            self.p50_ms,
            self.p99_ms,
            self.ok,
            self.errors
        );
        if let Some(cpu) = self.cpu_ms {
            let _ = write!(line, ", cpu {cpu:.2} ms/req");
        }
        if let Some(error) = &self.first_error {
            let _ = write!(line, " (first: {error})");
        }
        line
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_take_the_nearest_rank() {
        let samples: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
        assert_eq!(percentile_ms(&samples, 50.0), 50.0);
        assert_eq!(percentile_ms(&samples, 99.0), 99.0);
        assert_eq!(percentile_ms(&[], 99.0), 0.0);
        assert_eq!(percentile_ms(&[Duration::from_millis(7)], 50.0), 7.0);
    }

    #[test]
    fn a_line_shows_rate_latencies_and_errors() {
        let report = PhaseReport {
            name: "healthz".into(),
            ok: 2000,
            errors: 1,
            seconds: 10.0,
            p50_ms: 1.34,
            p99_ms: 9.0,
            first_error: Some("status 500".into()),
            cpu_ms: Some(1.234),
        };
        let line = report.line();
        assert!(line.contains("200.0 req/s"), "{line}");
        assert!(line.contains("p50     1.3 ms"), "{line}");
        assert!(
            line.contains("2000 ok, 1 errors, cpu 1.23 ms/req (first: status 500)"),
            "{line}"
        );
    }
}
