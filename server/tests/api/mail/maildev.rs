//! MailDev, a real SMTP server with a REST API, started by a test on 127.0.0.1 and stopped
//! when dropped.

use std::future::Future;
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::Value;

/// How long anything a test waits for may take.
const DEADLINE: Duration = Duration::from_secs(30);

/// The MailDev binary from `STOREFLEET_TEST_MAILDEV`; `None` (the test skips) when unset,
/// unless `STOREFLEET_REQUIRE_PEERS=1`.
pub fn binary() -> Option<PathBuf> {
    match std::env::var_os("STOREFLEET_TEST_MAILDEV") {
        Some(path) => Some(PathBuf::from(path)),
        None if std::env::var("STOREFLEET_REQUIRE_PEERS").as_deref() == Ok("1") => {
            panic!("STOREFLEET_REQUIRE_PEERS=1 but STOREFLEET_TEST_MAILDEV is not set")
        }
        None => {
            eprintln!("skipped: STOREFLEET_TEST_MAILDEV (the maildev binary) is not set");
            None
        }
    }
}

/// A MailDev process with its ports and the folder it keeps messages in, so that messages
/// received before a restart are still listed after it.
pub struct MailDev {
    binary: PathBuf,
    pub smtp_port: u16,
    web_port: u16,
    extra: Vec<String>,
    dir: tempfile::TempDir,
    child: Option<Child>,
}

fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

impl MailDev {
    /// Starts MailDev on free ports, with extra command-line arguments. A port picked free can
    /// be taken by another process before MailDev binds it; then it starts again on others.
    pub async fn start(binary: PathBuf, extra: &[&str]) -> Self {
        let mut maildev = Self {
            binary,
            smtp_port: free_port(),
            web_port: free_port(),
            extra: extra.iter().map(|&a| a.to_owned()).collect(),
            dir: tempfile::tempdir().unwrap(),
            child: None,
        };
        for _ in 0..3 {
            if maildev.try_resume().await {
                return maildev;
            }
            maildev.pause();
            maildev.smtp_port = free_port();
            maildev.web_port = free_port();
        }
        panic!("maildev did not start");
    }

    /// `smtp://127.0.0.1:<port>`.
    pub fn smtp_url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.smtp_port)
    }

    /// Starts the process (again, on the same ports and folder) and waits until it answers.
    pub async fn resume(&mut self) {
        for _ in 0..3 {
            if self.try_resume().await {
                return;
            }
            self.pause();
        }
        panic!("maildev did not start again on its ports");
    }

    /// Starts the process and waits until it answers (true), exits or the deadline passes.
    async fn try_resume(&mut self) -> bool {
        assert!(self.child.is_none(), "maildev already runs");
        let child = Command::new(&self.binary)
            .args(["--ip", "127.0.0.1", "--web-ip", "127.0.0.1", "--silent"])
            .args(["-s", &self.smtp_port.to_string()])
            .args(["-w", &self.web_port.to_string()])
            .arg("--mail-directory")
            .arg(self.dir.path())
            .args(&self.extra)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("maildev starts");
        self.child = Some(child);
        let smtp = format!("127.0.0.1:{}", self.smtp_port);
        let deadline = tokio::time::Instant::now() + DEADLINE;
        while tokio::time::Instant::now() < deadline {
            let exited = self
                .child
                .as_mut()
                .is_some_and(|child| matches!(child.try_wait(), Ok(Some(_))));
            if exited {
                return false;
            }
            let web = reqwest::get(self.api("healthz")).await.ok();
            let smtp_up = tokio::net::TcpStream::connect(&smtp).await.is_ok();
            if smtp_up && web.is_some_and(|w| w.status().is_success()) {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        false
    }

    /// Stops the process; its SMTP port refuses connections afterwards.
    pub fn pause(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    fn api(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}/api/{path}", self.web_port)
    }

    /// Every message MailDev received, as its REST API lists them.
    pub async fn emails(&self) -> Vec<Value> {
        reqwest::get(self.api("email"))
            .await
            .expect("maildev lists messages")
            .json()
            .await
            .expect("a JSON list")
    }

    /// The messages received for this recipient.
    pub async fn emails_to(&self, address: &str) -> Vec<Value> {
        self.emails()
            .await
            .into_iter()
            .filter(|email| {
                email["to"]
                    .as_array()
                    .is_some_and(|to| to.iter().any(|t| t["address"] == address))
            })
            .collect()
    }
}

impl Drop for MailDev {
    fn drop(&mut self) {
        self.pause();
    }
}

/// Polls `check` until it gives a value or the deadline passes.
pub async fn eventually<T, F, Fut>(what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + DEADLINE;
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting: {what}"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}
