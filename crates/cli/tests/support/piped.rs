//! A command driven through pipes, as a user at a prompt would: send a line,
//! wait for the output it should bring, then send the next.

use std::io::{Read, Write};
use std::process::{ChildStdin, Command, Stdio};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use super::KillOnDrop;

/// How long one awaited piece of output, or the end, may take.
const LIMIT: Duration = Duration::from_secs(60);

/// A running command, with its stdout and stderr gathered as they come.
pub struct Piped {
    child: KillOnDrop,
    stdin: Option<ChildStdin>,
    stdout: Arc<Output>,
    stderr: Arc<Output>,
    readers: Vec<std::thread::JoinHandle<()>>,
    /// How far into stdout `wait_for` has read.
    seen: usize,
}

/// Bytes gathered from one pipe, and a signal for each piece that arrives.
#[derive(Default)]
struct Output {
    bytes: Mutex<Vec<u8>>,
    grown: Condvar,
}

impl Output {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes.lock().unwrap()).into_owned()
    }
}

impl Piped {
    pub fn spawn(command: &mut Command) -> Piped {
        let mut child = KillOnDrop(
            command
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("the command starts"),
        );
        let stdin = child.0.stdin.take();
        let (stdout, stdout_reader) =
            gather(Box::new(child.0.stdout.take().expect("piped stdout")));
        let (stderr, stderr_reader) =
            gather(Box::new(child.0.stderr.take().expect("piped stderr")));
        Piped {
            child,
            stdin,
            stdout,
            stderr,
            readers: vec![stdout_reader, stderr_reader],
            seen: 0,
        }
    }

    /// Sends `line` to the command's stdin.
    pub fn send(&mut self, line: &str) {
        let stdin = self.stdin.as_mut().expect("stdin is open");
        writeln!(stdin, "{line}").expect("the command reads its stdin");
        stdin.flush().expect("the command reads its stdin");
    }

    /// Waits until stdout, after what earlier waits saw, holds `text`.
    pub fn wait_for(&mut self, text: &str) {
        let started = Instant::now();
        let mut gathered = self.stdout.bytes.lock().unwrap();
        loop {
            let unseen = &gathered[self.seen..];
            if let Some(at) = unseen
                .windows(text.len())
                .position(|window| window == text.as_bytes())
            {
                self.seen += at + text.len();
                return;
            }
            let left = LIMIT.saturating_sub(started.elapsed());
            assert!(
                !left.is_zero(),
                "no {text:?} within {LIMIT:?}; stdout:\n{}\nstderr:\n{}",
                String::from_utf8_lossy(&gathered),
                self.stderr.text()
            );
            gathered = self.stdout.grown.wait_timeout(gathered, left).unwrap().0;
        }
    }

    /// Closes stdin and waits for the command to end: its exit status,
    /// stdout and stderr.
    pub fn finish(mut self) -> (Option<i32>, String, String) {
        drop(self.stdin.take());
        let started = Instant::now();
        let status = loop {
            if let Some(status) = self.child.0.try_wait().expect("wait for the command") {
                break status;
            }
            assert!(
                started.elapsed() < LIMIT,
                "still running after {LIMIT:?}; stdout:\n{}\nstderr:\n{}",
                self.stdout.text(),
                self.stderr.text()
            );
            std::thread::sleep(Duration::from_millis(20));
        };
        // The pipes close once every process holding them has ended.
        for reader in self.readers.drain(..) {
            reader.join().expect("pipe reader");
        }
        (status.code(), self.stdout.text(), self.stderr.text())
    }
}

/// Reads `pipe` on a thread of its own into an `Output`.
fn gather(mut pipe: Box<dyn Read + Send>) -> (Arc<Output>, std::thread::JoinHandle<()>) {
    let output = Arc::new(Output::default());
    let filled = output.clone();
    let reader = std::thread::spawn(move || {
        let mut buffer = [0; 4096];
        while let Ok(read @ 1..) = pipe.read(&mut buffer) {
            filled
                .bytes
                .lock()
                .unwrap()
                .extend_from_slice(&buffer[..read]);
            filled.grown.notify_all();
        }
    });
    (output, reader)
}
