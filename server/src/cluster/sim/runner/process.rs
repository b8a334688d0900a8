//! One container of a Job as a host process: its argv run in a process group of its own, the
//! tail of its output kept, and the whole group killed when the Job's deadline passes or the
//! Job is deleted. Blocking: call it from `spawn_blocking`.

use std::io::Read;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

/// How much of each output stream is kept: its last bytes.
pub const KEEP: usize = 4096;

/// How often a running process is checked on.
const POLL: Duration = Duration::from_millis(50);

/// How a container's process ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ending {
    /// It exited with this code (128 + the signal, when killed by one).
    Exited(i32),
    /// It was still running at the deadline, and was killed.
    DeadlineExceeded,
    /// Its Job went away, and it was killed.
    Cancelled,
    /// It could not be started: why.
    NotStarted(String),
}

/// A finished container.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finished {
    /// How it ended.
    pub ending: Ending,
    /// The last [`KEEP`] bytes of its standard output.
    pub stdout: String,
    /// The last [`KEEP`] bytes of its standard error.
    pub stderr: String,
}

/// Runs `argv` with exactly `env`, in `workdir`, until it ends, `until` passes, or `wanted`
/// says the Job is gone.
pub fn run(
    argv: &[String],
    env: &[(String, String)],
    workdir: &Path,
    until: Instant,
    wanted: impl Fn() -> bool,
) -> Finished {
    let not_started = |why: String| Finished {
        ending: Ending::NotStarted(why),
        stdout: String::new(),
        stderr: String::new(),
    };
    let Some((program, args)) = argv.split_first() else {
        return not_started("the container has no command: the simulated cluster cannot run an image's own entrypoint".to_owned());
    };
    let spawned = Command::new(program)
        .args(args)
        .env_clear()
        .envs(env.iter().map(|(k, v)| (k, v)))
        .current_dir(workdir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .spawn();
    let mut child = match spawned {
        Ok(child) => child,
        Err(error) => return not_started(format!("exec: {program:?}: {error}")),
    };
    let stdout = child.stdout.take().map(tail);
    let stderr = child.stderr.take().map(tail);
    let ending = wait(&mut child, until, wanted);
    let collect = |reader: Option<thread::JoinHandle<Vec<u8>>>| {
        reader
            .and_then(|reader| reader.join().ok())
            .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
            .unwrap_or_default()
    };
    Finished {
        ending,
        stdout: collect(stdout),
        stderr: collect(stderr),
    }
}

fn wait(child: &mut Child, until: Instant, wanted: impl Fn() -> bool) -> Ending {
    loop {
        match child.try_wait() {
            Ok(Some(status)) => {
                use std::os::unix::process::ExitStatusExt;
                let code = status
                    .code()
                    .or_else(|| status.signal().map(|signal| 128 + signal))
                    .unwrap_or(1);
                // Whatever it left running in its group goes with it, as with a container.
                kill_group(child);
                return Ending::Exited(code);
            }
            Ok(None) => {}
            Err(error) => {
                kill_group(child);
                return Ending::NotStarted(format!("wait: {error}"));
            }
        }
        let ending = if Instant::now() >= until {
            Ending::DeadlineExceeded
        } else if !wanted() {
            Ending::Cancelled
        } else {
            thread::sleep(POLL);
            continue;
        };
        kill_group(child);
        let _ = child.wait();
        return ending;
    }
}

/// Kills the process group the child leads.
fn kill_group(child: &Child) {
    let group = format!("-{}", child.id());
    let killed = Command::new("kill")
        .args(["-KILL", "--", &group])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    if killed.is_err() {
        tracing::debug!(pid = child.id(), "could not kill a Job's process group");
    }
}

/// Reads a stream to its end on a thread of its own, keeping its last [`KEEP`] bytes.
fn tail(mut stream: impl Read + Send + 'static) -> thread::JoinHandle<Vec<u8>> {
    thread::spawn(move || {
        let mut kept = Vec::new();
        let mut buffer = [0u8; 8192];
        while let Ok(read) = stream.read(&mut buffer) {
            if read == 0 {
                break;
            }
            kept.extend_from_slice(&buffer[..read]);
            if kept.len() > 2 * KEEP {
                kept.drain(..kept.len() - KEEP);
            }
        }
        if kept.len() > KEEP {
            kept.drain(..kept.len() - KEEP);
        }
        kept
    })
}
