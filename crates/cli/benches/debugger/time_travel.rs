//! Time travel's rows: what recording costs a run, and how long running in reverse takes against the run it goes back over.

use super::*;

/// `compute 32` under `-g`, one continue to the end, with time travel off
/// and on: what counting fuel costs code that makes no host calls.
pub fn fuel_run_times(debuggee: &Path) -> (f64, f64) {
    let run = |time_travel: &str| {
        let option = format!("time-travel={time_travel}");
        let runs = (0..5).map(|_| {
            let (mut server, _) =
                rsp::Server::start_with(&["-D", &option], debuggee, &["compute", "32"]);
            let (elapsed, _) = server.connect().timed("vCont;c", b"W00");
            assert!(server.child.wait().unwrap().success());
            elapsed
        });
        median(runs.collect())
    };
    (run("n"), run("y"))
}

/// `cat` of a 32 MiB file under `-g` (a host call per KiB read and per KiB
/// written), one continue to its `fclose`, with time travel off and on:
/// (milliseconds off, on; the process's resident memory there, KiB off, on).
pub fn recording_costs(debuggee: &Path) -> (f64, f64, f64, f64) {
    let dir = input_dir();
    let dir_option = format!("{}::/data", dir.display());
    let run = |time_travel: &str| {
        let option = format!("time-travel={time_travel}");
        let (mut server, _) = rsp::Server::start_with(
            &["-D", &option, "--dir", &dir_option],
            debuggee,
            &["cat", "/data/input.bin"],
        );
        let mut client = server.connect();
        let module = rsp::read_module(&mut client);
        let fclose = rsp::function_body_offset(&module, "fclose");
        let set = client.request(&format!("Z0,{:x},1", rsp::code_address(0, fclose)));
        assert_eq!(set, b"OK");
        let (elapsed, _) = client.timed("vCont;c", b"T05");
        let rss = resident_kib(server.child.id());
        assert_eq!(
            client.request(&format!("z0,{:x},1", rsp::code_address(0, fclose))),
            b"OK"
        );
        client.timed("vCont;c", b"W00");
        assert!(server.child.wait().unwrap().success());
        (elapsed, rss)
    };
    let off: Vec<(f64, f64)> = (0..3).map(|_| run("n")).collect();
    let on: Vec<(f64, f64)> = (0..3).map(|_| run("y")).collect();
    let time = |runs: &[(f64, f64)]| median(runs.iter().map(|run| run.0).collect());
    let rss = |runs: &[(f64, f64)]| median(runs.iter().map(|run| run.1).collect());
    (time(&off), time(&on), rss(&off), rss(&on))
}

/// `audit ITERATIONS` under `-g` with breakpoints at `main` and `audit`:
/// the forward continue from `main` to `audit` (the loop), then the reverse
/// continue from `audit` back to `main`, in milliseconds.
pub fn reverse_times(debuggee: &Path, iterations: u32) -> (f64, f64) {
    let count = iterations.to_string();
    let (server, _) = rsp::Server::start(debuggee, &["audit", &count]);
    let mut client = server.connect();
    let module = rsp::read_module(&mut client);
    for name in ["main", "audit"] {
        let body = rsp::function_body_offset(&module, name);
        let set = client.request(&format!("Z0,{:x},1", rsp::code_address(0, body)));
        assert_eq!(set, b"OK");
    }
    client.timed("vCont;c", b"T05");
    let (forward, _) = client.timed("vCont;c", b"T05");
    let (reverse, reply) = client.timed("bc", b"T05");
    assert!(
        !reply.windows(9).any(|w| w == b"replaylog"),
        "{}",
        String::from_utf8_lossy(&reply)
    );
    drop(server);
    (forward, reverse)
}

/// A directory holding `input.bin`, 32 MiB, made on first use.
pub fn input_dir() -> PathBuf {
    let dir = build::target_dir().join("bench-time-travel");
    let file = dir.join("input.bin");
    if std::fs::metadata(&file).map_or(true, |file| file.len() != 32 << 20) {
        std::fs::create_dir_all(&dir).unwrap();
        let bytes: Vec<u8> = (0..32u32 << 20).map(|i| (i % 251) as u8).collect();
        std::fs::write(&file, bytes).unwrap();
    }
    dir
}

/// The resident memory of process `pid`, in KiB.
fn resident_kib(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|kib| kib.parse().ok())
        .unwrap_or(f64::NAN)
}
