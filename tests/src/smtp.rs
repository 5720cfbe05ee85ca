//! A real SMTP server on loopback for the mail tests: `tests/smtp/sink.py` (aiosmtpd from
//! PyPI, in the test venv), which writes every message it accepts as a JSON file this side
//! reads back (envelope, headers, text and HTML parts, attachments).

use crate::process::free_port;
use crate::wait_until;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

pub struct SmtpSink {
    pub port: u16,
    python: PathBuf,
    dir: PathBuf,
    child: Option<Child>,
}

/// One message as the sink received it.
#[derive(Debug, Clone)]
pub struct Received(pub Value);

impl Received {
    /// Envelope recipients.
    pub fn to(&self) -> Vec<String> {
        self.0["rcpt_tos"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The first header named `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<String> {
        self.0["headers"].as_array()?.iter().find_map(|h| {
            (h[0].as_str()?.eq_ignore_ascii_case(name)).then(|| h[1].as_str().map(String::from))?
        })
    }

    pub fn text(&self) -> String {
        self.0["text"].as_str().unwrap_or_default().to_string()
    }

    pub fn html(&self) -> String {
        self.0["html"].as_str().unwrap_or_default().to_string()
    }

    pub fn attachments(&self) -> Vec<Value> {
        self.0["attachments"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    /// The first URL in the text part that starts with `prefix`.
    pub fn link(&self, prefix: &str) -> Option<String> {
        self.text()
            .split_whitespace()
            .find(|w| w.starts_with(prefix))
            .map(String::from)
    }
}

impl SmtpSink {
    /// Starts the sink on a free port, with the venv's Python.
    pub async fn start(venv: &Path) -> Self {
        let dir = std::env::temp_dir().join(format!("interspace-smtp-{}", free_port()));
        std::fs::create_dir_all(&dir).expect("sink dir");
        let mut sink = Self {
            port: free_port(),
            python: venv.join("bin/python"),
            dir,
            child: None,
        };
        sink.restart().await;
        sink
    }

    /// `smtp://127.0.0.1:PORT`, for `mail.smtp_url`.
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Stops the server: connections are refused until [`SmtpSink::restart`].
    pub fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Starts it again on the same port, and waits until it accepts connections.
    pub async fn restart(&mut self) {
        self.stop();
        let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("smtp/sink.py");
        let child = Command::new(&self.python)
            .arg(script)
            .arg(self.port.to_string())
            .arg(&self.dir)
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start the SMTP sink");
        self.child = Some(child);
        let port = self.port;
        wait_until(
            "the SMTP sink to listen",
            Duration::from_secs(20),
            || async move {
                tokio::net::TcpStream::connect(("127.0.0.1", port))
                    .await
                    .ok()
                    .map(|_| ())
            },
        )
        .await;
    }

    /// Every message received so far.
    pub fn messages(&self) -> Vec<Received> {
        let mut files: Vec<_> = std::fs::read_dir(&self.dir)
            .map(|d| d.filter_map(Result::ok).map(|e| e.path()).collect())
            .unwrap_or_default();
        files.retain(|p| p.extension().is_some_and(|e| e == "json"));
        files.sort_by_key(|p| std::fs::metadata(p).and_then(|m| m.modified()).ok());
        files
            .iter()
            .filter_map(|p| std::fs::read_to_string(p).ok())
            .filter_map(|t| serde_json::from_str(&t).ok())
            .map(Received)
            .collect()
    }

    /// The messages to `address`.
    pub fn to(&self, address: &str) -> Vec<Received> {
        self.messages()
            .into_iter()
            .filter(|m| m.to().iter().any(|t| t.eq_ignore_ascii_case(address)))
            .collect()
    }

    /// Waits for a message to `address` whose subject contains `subject`.
    pub async fn wait_for(&self, address: &str, subject: &str) -> Received {
        let what = format!("a mail to {address} about '{subject}'");
        wait_until(&what, Duration::from_secs(30), || async {
            self.to(address)
                .into_iter()
                .find(|m| m.header("subject").is_some_and(|s| s.contains(subject)))
        })
        .await
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
