//! debuggee - a small WebAssembly program for testing wasmdebug.
//!
//! The mode is chosen by the first argument (see examples/README.md); the
//! output matches examples/c/debuggee.c so tests can share expectations.
//!
//! Build: cargo build --target wasm32-wasip1 -p wasmdebug-example
//!
//! Lines ending in a MARK comment are located by tests with grep; keep
//! the marker on the same line as its statement.

use std::hint::black_box;
use std::process::ExitCode;
use std::sync::atomic::{AtomicU32, Ordering};

#[derive(Clone, Copy, Debug)]
struct Point {
    x: i32,
    y: i32,
}

/// A global the debugger can read and watch; incremented once per loop iteration.
static COUNTER: AtomicU32 = AtomicU32::new(0);

/// A global string whose bytes a debugger test overwrites through `text`.
static MESSAGE: &str = "hello from wasm";

/// Recursive, so a breakpoint on the base case shows a deep backtrace.
#[inline(never)]
fn factorial(n: i32) -> i32 {
    if n <= 1 {
        return 1; // MARK:factorial-base
    }
    n * factorial(n - 1)
}

/// Takes a slice of structs so the debugger can read through a pointer.
#[inline(never)]
fn sum_points(points: &[Point]) -> i32 {
    let mut total = 0;
    for point in points {
        total += point.x + point.y;
    }
    total // MARK:sum-return
}

fn run_basic() -> ExitCode {
    let fact = factorial(black_box(5));
    println!("factorial(5) = {fact}");

    let mut points = [Point { x: 0, y: 0 }; 4];
    for (i, point) in points.iter_mut().enumerate() {
        let n = i as i32 + 1;
        *point = Point { x: n, y: n * 10 };
        COUNTER.fetch_add(1, Ordering::Relaxed); // MARK:loop-body
    }
    let sum = sum_points(black_box(&points));
    println!("sum = {sum}");
    println!("counter = {}", COUNTER.load(Ordering::Relaxed));
    ExitCode::SUCCESS
}

/// A debugger stops here and rewrites the bytes behind `text`.
#[inline(never)]
fn show_message(text: &str) {
    println!("message: {text}"); // MARK:show-message
}

fn run_args(args: &[String]) -> ExitCode {
    println!("argc = {}", args.len());
    for (i, arg) in args.iter().enumerate() {
        println!("argv[{i}] = {arg}");
    }
    ExitCode::SUCCESS
}

fn run_env(name: &str) -> ExitCode {
    match std::env::var(name) {
        Ok(value) => println!("{name}={value}"),
        Err(_) => println!("{name} is not set"),
    }
    ExitCode::SUCCESS
}

/// Copies a (preopened) file to stdout.
fn run_cat(path: &str) -> ExitCode {
    match std::fs::read_to_string(path) {
        Ok(contents) => {
            print!("{contents}");
            ExitCode::SUCCESS
        }
        Err(_) => {
            eprintln!("cannot open {path}");
            ExitCode::from(1)
        }
    }
}

/// Exits from inside a helper, so the exit happens below main in the stack.
#[inline(never)]
fn finish(status: i32) -> ! {
    std::process::exit(status)
}

/// Innermost frame of the trap backtrace: executes a Wasm `unreachable`.
#[inline(never)]
fn level_two(value: i32) {
    if black_box(value) >= 0 {
        #[cfg(target_arch = "wasm32")]
        core::arch::wasm32::unreachable(); // MARK:trap
        #[cfg(not(target_arch = "wasm32"))]
        panic!("trap (level_two, value = {value})");
    }
}

/// Middle frame of the trap backtrace.
#[inline(never)]
fn level_one(value: i32) {
    level_two(value + 1);
}

/// Never set by the program: only a debugger could end the busy loop.
static mut STOP_SPINNING: bool = false;

/// A busy loop with no calls inside (in a debug build too: a plain read of a
/// static and a plain add), for testing interrupts. Code follows the loop, so
/// a stop that shows the end of the function is a wrong one.
#[inline(never)]
fn spin_forever() {
    let mut spins: u64 = 0;
    while !unsafe { STOP_SPINNING } {
        spins += 1; // MARK:spin-body
    }
    println!("stopped after {spins} spins"); // MARK:spin-after
}

/// Naive recursive Fibonacci: deliberately slow, used as a CPU benchmark.
#[inline(never)]
fn fib(n: u32) -> u64 {
    if n < 2 {
        return n as u64;
    }
    fib(n - 1) + fib(n - 2)
}

/// Runs once, after a long loop: a breakpoint here must not slow the loop.
#[inline(never)]
fn audit(iterations: u32, checksum: u64) {
    println!("audit: {iterations} iterations, checksum {checksum}"); // MARK:audit
}

fn run_audit(iterations: u32) -> ExitCode {
    let mut checksum: u64 = 0;
    for i in 0..iterations {
        checksum = checksum
            .wrapping_mul(31)
            .wrapping_add(u64::from(black_box(i)));
    }
    audit(iterations, checksum);
    ExitCode::SUCCESS
}

/// Sends `ping` over TCP to `address` and returns the reply (Rust only: a
/// component's sockets; a core module has none).
#[inline(never)]
fn exchange(address: &str) -> std::io::Result<String> {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(address)?;
    stream.write_all(b"ping")?;
    stream.shutdown(std::net::Shutdown::Write)?;
    let mut reply = String::new();
    stream.read_to_string(&mut reply)?;
    Ok(reply) // MARK:reply
}

fn run_ping(address: &str) -> ExitCode {
    match exchange(address) {
        Ok(reply) => {
            println!("reply: {reply}");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("cannot ping {address}: {error}");
            ExitCode::from(1)
        }
    }
}

/// Like C's atoi for our purposes: unparsable input counts as 0.
fn parse_int(text: &str) -> i32 {
    text.trim().parse().unwrap_or(0)
}

fn usage() -> ExitCode {
    eprintln!(
        "usage: debuggee [basic | message | args ... | env NAME | cat PATH | exit N | trap | spin | compute N | sleep MS | audit N | ping ADDR]"
    );
    ExitCode::from(2)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let mode = args.get(1).map(String::as_str).unwrap_or("basic");
    let param = args.get(2).map(String::as_str);

    match (mode, param) {
        ("basic", _) => run_basic(),
        ("message", _) => {
            show_message(MESSAGE);
            ExitCode::SUCCESS
        }
        ("args", _) => run_args(&args),
        ("trap", _) => {
            println!("about to trap");
            std::io::Write::flush(&mut std::io::stdout()).ok();
            level_one(1);
            ExitCode::SUCCESS
        }
        ("spin", _) => {
            println!("spinning");
            std::io::Write::flush(&mut std::io::stdout()).ok();
            spin_forever();
            ExitCode::SUCCESS
        }
        ("env", Some(name)) => run_env(name),
        ("cat", Some(path)) => run_cat(path),
        ("ping", Some(address)) => run_ping(address),
        ("exit", Some(status)) => finish(parse_int(status)),
        ("compute", Some(n)) => {
            let n = parse_int(n) as u32;
            println!("fib({n}) = {}", fib(n));
            ExitCode::SUCCESS
        }
        ("audit", Some(n)) => run_audit(parse_int(n) as u32),
        ("sleep", Some(ms)) => {
            let ms = parse_int(ms).max(0) as u64;
            std::thread::sleep(std::time::Duration::from_millis(ms));
            println!("slept {ms} ms");
            ExitCode::SUCCESS
        }
        _ => usage(),
    }
}
