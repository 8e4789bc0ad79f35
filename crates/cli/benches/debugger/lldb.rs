//! The LLDB rows: a step's latency and whole sessions.

use super::*;

pub fn find() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("LLDB") {
        return Some(PathBuf::from(path));
    }
    let venv = build::target_dir().join("lldb-venv/bin/lldb");
    venv.exists().then_some(venv)
}

/// The cost of one `si` in LLDB: a batch session with many steps, minus
/// the same session with none.
pub fn lldb_step_latency(lldb: &Path, debuggee: &Path) -> f64 {
    let steps = 300;
    let session = |count: usize| {
        let (server, _) = rsp::Server::start(debuggee, &["compute", "25"]);
        let mut command = Command::new(lldb);
        command.arg("--batch").arg("-o").arg(format!(
            "process connect --plugin wasm connect://{}",
            server.addr
        ));
        for _ in 0..count {
            command.args(["-o", "si"]);
        }
        command.stdout(Stdio::null()).stderr(Stdio::null());
        let started = Instant::now();
        let status = command.status().expect("lldb runs");
        let elapsed = started.elapsed();
        assert!(status.success());
        elapsed
    };
    let mut fixed = Vec::new();
    let mut stepping = Vec::new();
    for _ in 0..3 {
        fixed.push(millis(session(0)));
        stepping.push(millis(session(steps)));
    }
    (median(stepping) - median(fixed)) / steps as f64
}

/// A whole LLDB session with one breakpoint that the program reaches after
/// a 4-million-iteration loop: from spawning the runtime to its exit.
pub fn audit_session_time(lldb: &Path, program: &Path) -> f64 {
    let session = || {
        lldb_session_time(
            lldb,
            program,
            &["audit", "4000000"],
            &["b audit", "c", "bt 1", "c"],
        )
    };
    // The first session fills the compiled-code cache.
    session();
    median((0..3).map(|_| session()).collect())
}

/// One LLDB batch session on `program` run with `args`: from spawning the
/// runtime, through `commands` after connecting, to the program's
/// successful exit; in milliseconds.
pub fn lldb_session_time(lldb: &Path, program: &Path, args: &[&str], commands: &[&str]) -> f64 {
    let started = Instant::now();
    let (mut server, _) = rsp::Server::start(program, args);
    let status = Command::new(lldb)
        .arg("--batch")
        .arg("-o")
        .arg(format!(
            "process connect --plugin wasm connect://{}",
            server.addr
        ))
        .args(commands.iter().flat_map(|command| ["-o", command]))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("lldb runs");
    assert!(status.success());
    assert!(server.child.wait().expect("wasmdebug exits").success());
    millis(started.elapsed())
}

/// What `bt` adds to an LLDB session stopped 10,000 calls deep in
/// `examples/c/recurse.c`: the median session with it, less the median
/// session without it. LLDB asks two packets per frame.
pub fn deep_backtrace_time(lldb: &Path) -> f64 {
    let program = build::build_c("recurse", "-Wl,-z,stack-size=8388608");
    let text =
        std::fs::read_to_string(build::workspace_root().join("examples/c/recurse.c")).unwrap();
    let line = text
        .lines()
        .position(|line| line.contains("MARK:deepest"))
        .expect("the deepest line")
        + 1;
    let breakpoint = format!("b recurse.c:{line}");
    let session = |backtrace: &[&str]| {
        let mut commands = vec![breakpoint.as_str(), "c"];
        commands.extend(backtrace);
        commands.push("c");
        lldb_session_time(lldb, &program, &["10000"], &commands)
    };
    // The first session fills the compiled-code cache.
    session(&[]);
    let with = median((0..3).map(|_| session(&["bt"])).collect());
    let without = median((0..3).map(|_| session(&[])).collect());
    with - without
}
