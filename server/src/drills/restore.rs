//! One drill's restore: the backup's object streamed from storage straight into `pg_restore`
//! on the scratch database, hashed as it streams, then its tables read back and counted.
//!
//! The whole object is always read, even once `pg_restore` has stopped reading, so the SHA-256
//! is known for every drill: an object that is not the one catalogued fails with that plain
//! fact rather than with whatever `pg_restore` made of its bytes.

use std::collections::BTreeMap;
use std::io;
use std::pin::Pin;
use std::process::Stdio;
use std::task::{Context, Poll};
use std::time::Duration;

use sqlx::{Connection, PgConnection};
use tokio::io::AsyncWrite;

use crate::control_backup::postgres::{command, tail};
use crate::storage::Storage;

/// How long connecting to the scratch database or counting one table may take.
const TIMEOUT: Duration = Duration::from_secs(300);

/// What a drill found wrong, as its record says it.
pub(super) type Failure = String;

/// Restores the object `key` into the database at `scratch_url`; fails when the object's
/// SHA-256 is not `recorded` or `pg_restore` fails.
pub(super) async fn restore(
    storage: &Storage,
    key: &str,
    recorded: &str,
    scratch_url: &str,
) -> Result<(), Failure> {
    // Owners and grants name the store's roles, which the drill server does not have.
    let mut child = command("pg_restore", scratch_url)
        .map_err(|error| error.to_string())?
        .args(["--no-owner", "--no-privileges", "--exit-on-error"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .map_err(|error| format!("starting pg_restore: {error}"))?;
    let stdin = child.stdin.take().expect("stdin is piped");
    let stderr = tail(child.stderr.take().expect("stderr is piped"));
    // The download ends by dropping standard input: pg_restore reads the end of the dump.
    let downloaded = storage.download(key, Tolerant::new(stdin)).await;
    let digest = match downloaded {
        Ok(digest) => digest,
        Err(error) => {
            let _ = child.kill().await;
            return Err(format!("reading the backup from storage: {error}"));
        }
    };
    let status = child
        .wait()
        .await
        .map_err(|error| format!("running pg_restore: {error}"))?;
    let said = stderr.await.unwrap_or_default();
    if digest.sha256 != recorded {
        return Err(format!(
            "the stored object's SHA-256 is {}, not the {recorded} recorded",
            digest.sha256
        ));
    }
    if !status.success() {
        return Err(format!("pg_restore failed ({status}): {said}"));
    }
    Ok(())
}

/// Each table of the public schema in the database at `url`, with its exact row count.
pub(super) async fn count_tables(url: &str) -> Result<BTreeMap<String, u64>, Failure> {
    let counted = tokio::time::timeout(TIMEOUT, async {
        let mut connection = PgConnection::connect(url).await?;
        let names: Vec<String> = sqlx::query_scalar(
            "SELECT table_name::text FROM information_schema.tables \
             WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1",
        )
        .fetch_all(&mut connection)
        .await?;
        let mut tables = BTreeMap::new();
        for name in names {
            let count: i64 = sqlx::query_scalar(&format!(
                "SELECT COUNT(*) FROM public.\"{}\"",
                name.replace('"', "\"\"")
            ))
            .fetch_one(&mut connection)
            .await?;
            tables.insert(name, u64::try_from(count).unwrap_or(0));
        }
        let _ = connection.close().await;
        Ok::<_, sqlx::Error>(tables)
    })
    .await;
    match counted {
        Ok(Ok(tables)) => Ok(tables),
        Ok(Err(error)) => Err(format!("reading the restored tables: {error}")),
        Err(_) => Err("reading the restored tables timed out".to_owned()),
    }
}

/// A writer that, once its inner writer fails (`pg_restore` stopped reading), takes the rest
/// without writing it, so the download still reads and hashes the whole object.
struct Tolerant<W> {
    inner: W,
    broken: bool,
}

impl<W> Tolerant<W> {
    fn new(inner: W) -> Self {
        Self {
            inner,
            broken: false,
        }
    }
}

impl<W: AsyncWrite + Unpin> AsyncWrite for Tolerant<W> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        if self.broken {
            return Poll::Ready(Ok(buf.len()));
        }
        match Pin::new(&mut self.inner).poll_write(cx, buf) {
            Poll::Ready(Err(_)) => {
                self.broken = true;
                Poll::Ready(Ok(buf.len()))
            }
            other => other,
        }
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if self.broken {
            return Poll::Ready(Ok(()));
        }
        match Pin::new(&mut self.inner).poll_flush(cx) {
            Poll::Ready(Err(_)) => {
                self.broken = true;
                Poll::Ready(Ok(()))
            }
            other => other,
        }
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if self.broken {
            return Poll::Ready(Ok(()));
        }
        match Pin::new(&mut self.inner).poll_shutdown(cx) {
            Poll::Ready(Err(_)) => {
                self.broken = true;
                Poll::Ready(Ok(()))
            }
            other => other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncWriteExt;

    /// A writer that refuses everything, like a pipe whose reader is gone.
    struct Closed;

    impl AsyncWrite for Closed {
        fn poll_write(
            self: Pin<&mut Self>,
            _: &mut Context<'_>,
            _: &[u8],
        ) -> Poll<io::Result<usize>> {
            Poll::Ready(Err(io::ErrorKind::BrokenPipe.into()))
        }
        fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
            Poll::Ready(Err(io::ErrorKind::BrokenPipe.into()))
        }
        fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
            Poll::Ready(Err(io::ErrorKind::BrokenPipe.into()))
        }
    }

    #[tokio::test]
    async fn a_reader_gone_does_not_stop_the_stream() {
        let mut writer = Tolerant::new(Closed);
        writer.write_all(b"first").await.unwrap();
        writer.write_all(b"second").await.unwrap();
        writer.flush().await.unwrap();
        assert!(writer.broken);
    }
}
