//! Debugger latency and throughput, measured from the outside: the release
//! CLI under `-g`, a raw GDB remote protocol client on loopback, and LLDB.
//!
//! Run: `cargo bench -p wasmdebug --features gdbstub --bench debugger`.
//! Results go to stdout as a Markdown table for BENCHMARKS.md.
//!
//! `main` lists every row in BENCHMARKS.md's order; the rows live by what
//! they drive: `rsp` (a raw protocol client), `lldb`, `runs` (whole
//! runs and `serve`), `time_travel`, `recordings` and `ripgrep` (a real
//! program over a directory), over `build` (the programs measured).

mod build;
mod lldb;
mod recordings;
mod ripgrep;
mod rsp;
mod runs;
mod time_travel;

#[path = "../../tests/support/packet.rs"]
mod packet;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Set in a child copy of this benchmark that only echoes, for the floor.
const ECHO_ADDRESS_VAR: &str = "WASMDEBUG_BENCH_ECHO_TO";

/// Where `wasmdebug` keeps compiled code: here, the benchmark's own cache.
const CACHE_DIR_VAR: &str = "WASMDEBUG_CACHE_DIR";

fn main() {
    if let Some(address) = std::env::var_os(ECHO_ADDRESS_VAR) {
        rsp::echo(&address.to_string_lossy());
        return;
    }
    // SAFETY: no other thread runs yet; every child inherits the variable.
    unsafe { std::env::set_var(CACHE_DIR_VAR, cache_dir()) };
    let debuggee = build::build_c_debuggee();
    let mut rows = vec![
        row(
            "floor: TCP ping-pong between two processes",
            "µs",
            median(rsp::ping_pong_round_trips()),
        ),
        row(
            "trivial query (`?`) round trip",
            "µs",
            median(rsp::query_round_trips(&debuggee)),
        ),
        row(
            "single step (`vCont;s` → stop reply)",
            "µs",
            median(rsp::step_round_trips(&debuggee)),
        ),
        row(
            "continue → breakpoint in recursive `fib`",
            "µs",
            median(rsp::breakpoint_round_trips(&debuggee)),
        ),
        row(
            "linear memory read, 8 MiB",
            "MB/s",
            rsp::memory_read_throughput(&debuggee),
        ),
    ];
    if let Some(lldb) = lldb::find() {
        rows.push(row(
            "LLDB `si` latency",
            "ms",
            lldb::lldb_step_latency(&lldb, &debuggee),
        ));
        // The same source as a core module and as a component, side by side.
        for (kind, target) in [
            ("core module", "wasm32-wasip1"),
            ("component", "wasm32-wasip2"),
        ] {
            let program = build::build_rust_debuggee(target);
            rows.push(row(
                &format!("LLDB `b audit`, `c`, `bt 1`, `c` over `audit 4000000`, Rust {kind}"),
                "ms",
                lldb::audit_session_time(&lldb, &program),
            ));
        }
        rows.push(row(
            "LLDB `bt` over 10,000 frames (`recurse 10000`)",
            "ms",
            lldb::deep_backtrace_time(&lldb),
        ));
    } else {
        eprintln!("no LLDB found (run ci/setup.sh or set LLDB=path): skipping the LLDB row");
    }
    let (cold, warm) = runs::listening_times(&debuggee);
    rows.push(row("spawn → \"Debugger listening\", cold", "ms", cold));
    rows.push(row("spawn → \"Debugger listening\", warm", "ms", warm));
    let (plain, debugged) = runs::whole_run_times(&debuggee);
    rows.push(row("`compute 32` without -g", "ms", plain));
    rows.push(row("`compute 32` under -g, one continue", "ms", debugged));
    rows.push(row(
        "`compute 32` under -g --no-wait, no client",
        "ms",
        runs::no_wait_run_time(&debuggee),
    ));
    let (unwatched, watched) = runs::watchpoint_run_times(&debuggee);
    rows.push(row("`compute 20` under -g, one continue", "ms", unwatched));
    rows.push(row(
        "`compute 20` under -g, one continue, one write watchpoint",
        "ms",
        watched,
    ));
    let (off, on) = time_travel::fuel_run_times(&debuggee);
    rows.push(row(
        "`compute 32` under -g, one continue, time travel off",
        "ms",
        off,
    ));
    rows.push(row("the same, time travel on (fuel counted)", "ms", on));
    let (off, on, rss_off, rss_on) = time_travel::recording_costs(&debuggee);
    rows.push(row(
        "`cat` 32 MiB under -g, one continue, time travel off",
        "ms",
        off,
    ));
    rows.push(row(
        "the same, time travel on (every call recorded)",
        "ms",
        on,
    ));
    rows.push(row(
        "its resident memory at the end, time travel off",
        "KiB",
        rss_off,
    ));
    rows.push(row("the same, time travel on", "KiB", rss_on));
    for (label, iterations) in [("about 1 s", 80_000_000), ("about 10 s", 800_000_000)] {
        let (forward, reverse) = time_travel::reverse_times(&debuggee, iterations);
        rows.push(row(
            &format!("`audit`, {label}: continue from `main` to `audit`"),
            "ms",
            forward,
        ));
        rows.push(row(
            "the same: `bc` from `audit` back to `main`",
            "ms",
            reverse,
        ));
    }
    let (plain, recorded, replayed, size) = recordings::cat_times(&debuggee);
    rows.push(row("`cat` 32 MiB, plain run", "ms", plain));
    rows.push(row("the same, `run --record`", "ms", recorded));
    rows.push(row(
        "the same, `wasmdebug replay` of that recording",
        "ms",
        replayed,
    ));
    rows.push(row(
        "its recording's size",
        "MiB",
        size / f64::from(1 << 20),
    ));
    for (target, kind) in [
        ("wasm32-wasip1", "core module"),
        ("wasm32-wasip2", "component"),
    ] {
        let rg = ripgrep::build_ripgrep(target);
        let (plain, recorded) = ripgrep::plain_and_recorded_times(&rg);
        rows.push(row(
            &format!("`rg` ({kind}) over 10,000 files (20 MiB), plain run"),
            "ms",
            plain,
        ));
        rows.push(row("the same, `run --record`", "ms", recorded));
        let (off, on) = ripgrep::time_travel_times(&rg);
        rows.push(row(
            "the same under -g, one continue, time travel off",
            "ms",
            off,
        ));
        rows.push(row(
            "the same, time travel on (fuel counted, every call recorded)",
            "ms",
            on,
        ));
    }
    let history = build::build_c("history", "-O0");
    rows.push(row(
        "recording of `history clock 100000` (100,000 clock reads)",
        "KiB",
        recordings::clock_recording_size(&history) / 1024.0,
    ));
    let (plain, recorded) = recordings::floats_times(&history);
    rows.push(row(
        "`history floats 20000000` (float arithmetic, no host call), plain run",
        "ms",
        plain,
    ));
    rows.push(row(
        "the same, `run --record` (NaNs canonicalized)",
        "ms",
        recorded,
    ));
    if let Some(wasmtime) = runs::find_wasmtime() {
        let (plain, instrumented) = runs::wasmtime_run_times(&wasmtime, &debuggee);
        rows.push(row("`compute 32` with `wasmtime run`", "ms", plain));
        rows.push(row(
            "`compute 32` with `wasmtime run -D guest-debug=y`",
            "ms",
            instrumented,
        ));
    } else {
        eprintln!("no wasmtime found (set WASMTIME=path): skipping the wasmtime rows");
    }
    let handler = build::build_http_handler();
    let (plain, _) = runs::serve_request_times(&handler, false);
    let (debugged, growth) = runs::serve_request_times(&handler, true);
    rows.push(row("`serve`: GET, new connection each", "µs", plain));
    rows.push(row(
        "`serve -g`, debugger attached, running: GET",
        "µs",
        debugged,
    ));
    rows.push(row(
        "`serve -g`, attached: RSS growth over 1,000 GETs",
        "KiB",
        growth,
    ));
    rows.push(row(
        "embedded component size",
        "KB",
        runs::component_size() as f64 / 1000.0,
    ));

    println!("| measurement | median | unit |");
    println!("| --- | ---: | --- |");
    for (name, value, unit) in rows {
        println!("| {name} | {value:.1} | {unit} |");
    }
}

/// The CLI to measure: `$WASMDEBUG` (another tree's build, to compare),
/// or the one built with this benchmark.
fn wasmdebug() -> PathBuf {
    std::env::var_os("WASMDEBUG").map_or_else(
        || PathBuf::from(env!("CARGO_BIN_EXE_wasmdebug")),
        PathBuf::from,
    )
}

fn row(name: &str, unit: &str, value: f64) -> (String, f64, String) {
    eprintln!("{name}: {value:.1} {unit}");
    (name.to_string(), value, unit.to_string())
}

fn median(mut samples: Vec<f64>) -> f64 {
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}

fn micros(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1e6
}

fn millis(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1e3
}

/// The compiled-code cache of every `wasmdebug` the benchmark starts.
fn cache_dir() -> PathBuf {
    build::target_dir().join("bench-cache")
}
