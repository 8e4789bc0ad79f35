//! `wasmdebug serve` in the background, and a tiny blocking HTTP client
//! for it (loopback only, every wait bounded).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::KillOnDrop;

/// How long a request may take, a debugger's stops included.
const REQUEST_LIMIT: Duration = Duration::from_secs(90);

/// A running `wasmdebug serve -S cli --addr 127.0.0.1:0 OPTIONS HANDLER`.
pub struct Server {
    pub child: KillOnDrop,
    /// Where it serves HTTP, from its `Serving HTTP on` line.
    pub http: SocketAddr,
    /// Where its debugger listens, if `-g` was given.
    pub debugger: Option<SocketAddr>,
    stderr: Arc<Mutex<String>>,
}

impl Server {
    pub fn start(options: &[&str]) -> Server {
        let mut child = KillOnDrop(
            super::wasmdebug()
                .args(["serve", "-S", "cli", "--addr", "127.0.0.1:0"])
                .args(options)
                .arg(super::http_handler())
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .expect("wasmdebug starts"),
        );
        let mut lines = BufReader::new(child.0.stderr.take().unwrap());
        let debugged = options.contains(&"-g");
        let (mut http, mut debugger) = (None, None);
        let mut seen = String::new();
        while http.is_none() || (debugged && debugger.is_none()) {
            let mut line = String::new();
            if lines.read_line(&mut line).unwrap() == 0 {
                panic!("wasmdebug serve ended before serving: {seen}");
            }
            seen.push_str(&line);
            if let Some(url) = line.trim().strip_prefix("Serving HTTP on http://") {
                http = Some(url.trim_end_matches('/').parse().expect("an address"));
            }
            if let Some(addr) = super::listening_address(&line) {
                debugger = Some(addr.parse().expect("an address"));
            }
        }
        let stderr = Arc::new(Mutex::new(seen));
        let rest = stderr.clone();
        std::thread::spawn(move || {
            for line in lines.lines().map_while(Result::ok) {
                let mut rest = rest.lock().unwrap();
                rest.push_str(&line);
                rest.push('\n');
            }
        });
        Server {
            child,
            http: http.unwrap(),
            debugger,
            stderr,
        }
    }

    /// `GET path`: the status and the body.
    pub fn get(&self, path: &str) -> (u16, String) {
        get(self.http, path)
    }

    /// Everything it printed on stderr so far.
    pub fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// Waits for it to exit, within 30 s; its exit status.
    pub fn wait(&mut self) -> Option<i32> {
        let started = std::time::Instant::now();
        loop {
            if let Some(status) = self.child.0.try_wait().unwrap() {
                return status.code();
            }
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "still serving; stderr:\n{}",
                self.stderr()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// `GET path` as HTTP/1.0, so the body ends where the connection does.
pub fn get(addr: SocketAddr, path: &str) -> (u16, String) {
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(10)).expect("connect");
    stream.set_read_timeout(Some(REQUEST_LIMIT)).unwrap();
    stream.set_write_timeout(Some(REQUEST_LIMIT)).unwrap();
    write!(stream, "GET {path} HTTP/1.0\r\nHost: localhost\r\n\r\n").unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("a response");
    let (head, body) = response.split_once("\r\n\r\n").expect("a response head");
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("a status line in {head:?}"));
    (status, body.to_string())
}
