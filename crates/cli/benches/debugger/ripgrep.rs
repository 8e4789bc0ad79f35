//! A real, host-call-heavy program: ripgrep (from crates.io) searching a directory of 10,000 small files, plain and recorded, and under `-g` with time travel off and on.

use super::*;

/// The ripgrep release measured.
const RIPGREP_VERSION: &str = "15.2.0";

/// How many runs of each kind; the kinds take turns, so that a change in
/// the machine's load falls on both alike.
const RUNS: usize = 9;

/// ripgrep's arguments: the one line, in one file of the tree, that
/// `tree` wrote (so it prints one path and exits with 0).
const ARGS: [&str; 3] = ["-l", "^file 04242$", "/data"];

/// `rg` built for `target` (release, as `cargo install` builds it):
/// wasm32-wasip1, a core module, or wasm32-wasip2, a component.
pub fn build_ripgrep(target: &str) -> PathBuf {
    let out_dir = build::target_dir().join("realworld");
    let output = out_dir.join(format!("rg-{RIPGREP_VERSION}-{target}.wasm"));
    if output.exists() {
        return output;
    }
    // Installed into a root of its own, then moved into place.
    let root = out_dir.join(format!("install-rg-{target}"));
    let _ = std::fs::remove_dir_all(&root);
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = Command::new(cargo)
        .args(["install", "--quiet", "--locked", "--target", target])
        .arg("--root")
        .arg(&root)
        .arg("--target-dir")
        .arg(&out_dir)
        .arg(format!("ripgrep@{RIPGREP_VERSION}"))
        .status()
        .expect("cargo runs");
    assert!(status.success(), "cargo failed to install ripgrep");
    std::fs::rename(root.join("bin/rg.wasm"), &output).unwrap();
    let _ = std::fs::remove_dir_all(&root);
    output
}

/// A directory of 100 directories of 100 text files, about 2 KiB each
/// (20 MiB in all), made on first use: each file starts with `file N`,
/// then lines of words.
pub fn tree() -> PathBuf {
    let dir = build::target_dir().join("bench-ripgrep");
    let done = dir.join("complete");
    if done.exists() {
        return dir;
    }
    let words = [
        "alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa",
        "lambda", "mu",
    ];
    for directory in 0..100 {
        let path = dir.join(format!("tree/d{directory:03}"));
        std::fs::create_dir_all(&path).unwrap();
        for file in 0..100 {
            let number = directory * 100 + file;
            let mut text = format!("file {number:05}\n");
            let mut line = 0;
            while text.len() < 2048 {
                for word in 0..8 {
                    text += words[(number * 7 + line * 3 + word) % words.len()];
                    text += " ";
                }
                text += &format!("{number}:{line}\n");
                line += 1;
            }
            std::fs::write(path.join(format!("f{file:03}.txt")), text).unwrap();
        }
    }
    std::fs::write(&done, "").unwrap();
    dir
}

/// `rg` over the tree: the medians of a plain run and of `run --record`,
/// in milliseconds.
pub fn plain_and_recorded_times(rg: &Path) -> (f64, f64) {
    let dir_option = format!("{}::/data", tree().join("tree").display());
    let recording = tree().join("rg.wdrec");
    let run = |record: bool| {
        let mut command = recordings::run_command(record.then_some(&*recording));
        command
            .args(["--dir", &dir_option])
            .arg(rg)
            .args(ARGS)
            .stdout(Stdio::null());
        runs::run_time(&mut command)
    };
    let (plain, recorded) = (0..RUNS).map(|_| (run(false), run(true))).unzip();
    (median(plain), median(recorded))
}

/// `rg` over the tree under `-g`, one continue to its end, with time
/// travel off and on (fuel counted, every call recorded): medians in
/// milliseconds.
pub fn time_travel_times(rg: &Path) -> (f64, f64) {
    let dir_option = format!("{}::/data", tree().join("tree").display());
    let run = |time_travel: &str| {
        let option = format!("time-travel={time_travel}");
        let (mut server, _) =
            rsp::Server::start_with(&["-D", &option, "--dir", &dir_option], rg, &ARGS);
        let (elapsed, _) = server.connect().timed("vCont;c", b"W00");
        assert!(server.child.wait().unwrap().success());
        elapsed
    };
    let (off, on) = (0..RUNS).map(|_| (run("n"), run("y"))).unzip();
    (median(off), median(on))
}
