//! PostgreSQL: `pg_dump --format=custom` streamed straight into storage (a dump that fails
//! aborts the upload, so no partial dump is ever stored), and a download streamed straight into
//! `pg_restore` in one transaction, so a restore that fails changes nothing. The password goes
//! to the tools in their environment, never on a command line others can read.

use std::future::Future;
use std::io;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::process::{ExitStatus, Stdio};
use std::task::{ready, Context, Poll};

use tokio::io::{AsyncRead, AsyncReadExt, ReadBuf};
use tokio::process::{Child, ChildStderr, ChildStdout, Command};
use tokio::task::JoinHandle;

use super::{file_error, missing_or, ControlBackupError, ObjectAddress, Result};
use crate::db::DbError;
use crate::storage::{ObjectDigest, Storage, StorageError};

/// Where Debian and Ubuntu install each PostgreSQL version's programs.
const INSTALLS: &str = "/usr/lib/postgresql";

/// The most of a tool's standard error kept for its error.
const STDERR_TAIL: usize = 4 * 1024;

/// Dumps the database into `key`.
pub(super) async fn backup(url: &str, storage: &Storage, key: &str) -> Result<ObjectDigest> {
    let mut child = command("pg_dump", url)?
        .arg("--format=custom")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()
        .map_err(file_error("starting pg_dump"))?;
    let stdout = child.stdout.take().expect("stdout is piped");
    let stderr = tail(child.stderr.take().expect("stderr is piped"));
    let uploaded = storage.upload(key, UntilExit::new(stdout, child)).await;
    let said = stderr.await.unwrap_or_default();
    match uploaded {
        Ok(digest) => Ok(digest),
        Err(StorageError::Read(error)) => match error.get_ref().and_then(|e| e.downcast_ref()) {
            Some(Exited(status)) => Err(ControlBackupError::Tool {
                tool: "pg_dump",
                status: status.to_string(),
                stderr: said,
            }),
            None => Err(file_error("reading pg_dump's output")(error)),
        },
        Err(error) => Err(error.into()),
    }
}

/// Restores the dump at `from` over the database, in one transaction.
pub(super) async fn restore(
    url: &str,
    storage: &Storage,
    from: &ObjectAddress,
) -> Result<ObjectDigest> {
    let mut child = command("pg_restore", url)?
        .args([
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            "--exit-on-error",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .map_err(file_error("starting pg_restore"))?;
    let stdin = child.stdin.take().expect("stdin is piped");
    let stderr = tail(child.stderr.take().expect("stderr is piped"));
    // The download ends by dropping standard input: pg_restore reads the end of the dump.
    let downloaded = storage.download(&from.key, stdin).await;
    let failed = |status: ExitStatus, stderr: String| ControlBackupError::Tool {
        tool: "pg_restore",
        status: status.to_string(),
        stderr,
    };
    match downloaded {
        Ok(digest) => {
            let status = child
                .wait()
                .await
                .map_err(file_error("running pg_restore"))?;
            let said = stderr.await.unwrap_or_default();
            if status.success() {
                Ok(digest)
            } else {
                Err(failed(status, said))
            }
        }
        // pg_restore stopped reading: what it said is the cause.
        Err(StorageError::Read(error)) => {
            let status = child
                .wait()
                .await
                .map_err(file_error("running pg_restore"))?;
            let said = stderr.await.unwrap_or_default();
            if status.success() {
                Err(file_error("writing to pg_restore")(error))
            } else {
                Err(failed(status, said))
            }
        }
        // Killed before it commits, pg_restore leaves the database as it was.
        Err(error) => {
            let _ = child.kill().await;
            Err(missing_or(error, from))
        }
    }
}

/// The tool, told how to reach the database: the URL without its password, the password in
/// `PGPASSWORD`, never a prompt; standard error read, the process killed when dropped.
pub(crate) fn command(tool: &'static str, url: &str) -> Result<Command> {
    let mut parsed =
        url::Url::parse(url).map_err(|_| DbError::UnsupportedUrl(crate::db::redact(url)))?;
    let password = parsed.password().map(|p| {
        percent_encoding::percent_decode_str(p)
            .decode_utf8_lossy()
            .into_owned()
    });
    let _ = parsed.set_password(None);
    let mut command = Command::new(find(tool)?);
    command
        .arg("--no-password")
        .arg(format!("--dbname={parsed}"))
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    if let Some(password) = password {
        command.env("PGPASSWORD", password);
    }
    Ok(command)
}

/// The newest installed version's `tool`, else the one on `PATH`.
fn find(tool: &'static str) -> Result<PathBuf> {
    let versions = std::fs::read_dir(INSTALLS)
        .into_iter()
        .flatten()
        .flatten()
        .map(|entry| entry.file_name().to_string_lossy().into_owned());
    let installed = newest(versions)
        .map(|version| Path::new(INSTALLS).join(version).join("bin").join(tool))
        .filter(|path| path.is_file());
    let on_path = || {
        std::env::var_os("PATH").and_then(|paths| {
            std::env::split_paths(&paths)
                .map(|folder| folder.join(tool))
                .find(|path| path.is_file())
        })
    };
    installed
        .or_else(on_path)
        .ok_or(ControlBackupError::ToolMissing(tool))
}

/// The highest of these version folder names (`15`, `9.6`), compared as numbers.
fn newest(names: impl Iterator<Item = String>) -> Option<String> {
    names
        .filter_map(|name| {
            let parts: Option<Vec<u32>> = name.split('.').map(|p| p.parse().ok()).collect();
            parts.map(|parts| (parts, name))
        })
        .max()
        .map(|(_, name)| name)
}

/// The last few KiB a tool writes to standard error, read as it runs so it never blocks.
pub(crate) fn tail(mut stderr: ChildStderr) -> JoinHandle<String> {
    tokio::spawn(async move {
        let mut kept = Vec::new();
        let mut buffer = [0u8; 1024];
        while let Ok(read) = stderr.read(&mut buffer).await {
            if read == 0 {
                break;
            }
            kept.extend_from_slice(&buffer[..read]);
            if kept.len() > STDERR_TAIL {
                kept.drain(..kept.len() - STDERR_TAIL);
            }
        }
        String::from_utf8_lossy(&kept).trim().to_owned()
    })
}

/// A tool that ended unsuccessfully, carried inside the I/O error that aborts the upload.
#[derive(Debug)]
struct Exited(ExitStatus);

impl std::fmt::Display for Exited {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ended with {}", self.0)
    }
}

impl std::error::Error for Exited {}

type Exit = Pin<Box<dyn Future<Output = io::Result<ExitStatus>> + Send>>;

/// A tool's standard output whose end is an end only when the tool succeeded: otherwise the
/// reader fails, so the upload it feeds is aborted rather than finished.
struct UntilExit {
    stdout: ChildStdout,
    exit: Exit,
    ended: Option<ExitStatus>,
}

impl UntilExit {
    fn new(stdout: ChildStdout, mut child: Child) -> Self {
        Self {
            stdout,
            exit: Box::pin(async move { child.wait().await }),
            ended: None,
        }
    }
}

impl AsyncRead for UntilExit {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        ready!(Pin::new(&mut self.stdout).poll_read(cx, buf))?;
        if buf.filled().len() > before || buf.remaining() == 0 {
            return Poll::Ready(Ok(()));
        }
        let status = match self.ended {
            Some(status) => status,
            None => {
                let status = ready!(self.exit.as_mut().poll(cx))?;
                self.ended = Some(status);
                status
            }
        };
        if status.success() {
            Poll::Ready(Ok(()))
        } else {
            Poll::Ready(Err(io::Error::other(Exited(status))))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_newest_version_is_chosen_by_number() {
        let names = ["9.6", "15", "13", "README", "16"].map(String::from);
        assert_eq!(newest(names.into_iter()), Some("16".to_owned()));
        assert_eq!(newest(std::iter::empty()), None);
    }
}
