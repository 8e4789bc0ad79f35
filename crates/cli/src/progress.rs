//! Saying so on stderr when a compile will take more than a moment: what,
//! how big, whether it will be cached; a spinner on a terminal, plain lines
//! otherwise.

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Code sizes from which a compile is reported: measured on this project's
/// 2-core VM, Cranelift compiles about a megabyte of Wasm code a second,
/// and a sixth of that with guest-debug instrumentation (a 15.7 MB Rust
/// debug build with 1.6 MB of code: 2.4 s plain, 8.5 to 14 s instrumented).
const REPORTED_CODE_BYTES: u64 = 512 << 10;
const REPORTED_CODE_BYTES_FOR_DEBUGGING: u64 = 64 << 10;

/// What is being compiled, as a compile report names it.
pub struct Job<'a> {
    /// A name the user knows it by (the file name).
    pub name: &'a str,
    /// Whether it gets guest-debug instrumentation (much slower to compile).
    pub for_debugging: bool,
}

/// A compile being reported; `finish` says it is done.
pub struct Report {
    spinner: Option<ProgressBar>,
    name: String,
    started: Instant,
}

/// Starts a report for a compile of `bytes`, if it is large enough to take
/// a while.
pub fn compiling(job: &Job<'_>, bytes: &[u8], cached: bool) -> Option<Report> {
    let code = code_bytes(bytes);
    let threshold = if job.for_debugging {
        REPORTED_CODE_BYTES_FOR_DEBUGGING
    } else {
        REPORTED_CODE_BYTES
    };
    if code < threshold {
        return None;
    }
    let message = format!(
        "Compiling {} ({} MB, {} MB of code){}; {}",
        job.name,
        megabytes(bytes.len() as u64),
        megabytes(code),
        if job.for_debugging {
            " for debugging"
        } else {
            ""
        },
        if cached {
            "not cached yet, the next start will be quick"
        } else {
            "the cache is off"
        }
    );
    let spinner = if std::io::stderr().is_terminal() {
        let spinner = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
        if let Ok(style) = ProgressStyle::with_template("{spinner} {msg} {elapsed}") {
            spinner.set_style(style);
        }
        spinner.set_message(message);
        spinner.enable_steady_tick(Duration::from_millis(100));
        Some(spinner)
    } else {
        eprintln!("{message}");
        None
    };
    Some(Report {
        spinner,
        name: job.name.to_string(),
        started: Instant::now(),
    })
}

impl Report {
    pub fn finish(self) {
        if let Some(spinner) = &self.spinner {
            spinner.finish_and_clear();
        }
        eprintln!(
            "Compiled {} in {:.1} s",
            self.name,
            self.started.elapsed().as_secs_f64()
        );
    }
}

/// The bytes of function bodies in a module or component, nested modules
/// included: what compile time grows with (debug info does not count).
fn code_bytes(bytes: &[u8]) -> u64 {
    wasmparser::Parser::new(0)
        .parse_all(bytes)
        .map_while(Result::ok)
        .map(|payload| match payload {
            wasmparser::Payload::CodeSectionStart { size, .. } => u64::from(size),
            _ => 0,
        })
        .sum()
}

fn megabytes(bytes: u64) -> String {
    format!("{:.1}", bytes as f64 / 1e6)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_function_bodies_only() {
        let module = wat::parse_str(
            r#"(module (func (export "a") (drop (i32.const 1))) (data "0123456789"))"#,
        )
        .unwrap();
        // One body: a size byte, no locals, i32.const 1, drop, end.
        assert_eq!(code_bytes(&module), 6);
        assert_eq!(code_bytes(b"not wasm"), 0);
    }
}
