//! The compiled-code cache's flags and bound, and the report of a long compile.

use super::*;

#[test]
fn cache_flags_and_bound() {
    let dir = scratch_dir("cache");
    let programs: Vec<String> = (0..5)
        .map(|n| {
            wat(
                &format!("cached-{n}"),
                &format!(r#"(module (func (export "_start") (drop (i32.const {n}))))"#),
            )
        })
        .collect();

    // -C cache=n: nothing is written.
    let out =
        output(
            wasmdebug()
                .env("WASMDEBUG_CACHE_DIR", &dir)
                .args(["-C", "cache=n", &programs[0]]),
        );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(support::cache_entries(&dir), Vec::<PathBuf>::new());

    // -C cache-config: its directory and its limits. Past the file count,
    // the least recently used entries go, down to 70% of it.
    let config = dir.join("config.toml");
    let entries = dir.join("entries");
    std::fs::write(
        &config,
        format!(
            "[cache]\ndirectory = {:?}\nfile-count-soft-limit = \"3\"\n",
            entries.display()
        ),
    )
    .unwrap();
    let config_flag = format!("cache-config={}", config.display());
    for (n, program) in programs.iter().enumerate() {
        let out = output(wasmdebug().args(["-C", &config_flag, program]));
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let count = support::cache_entries(&entries).len();
        assert!(count <= 3, "{n}: {count} entries");
        assert!(count >= 1, "{n}: the newest entry stays");
    }
    assert_eq!(
        support::cache_entries(&dir),
        Vec::<PathBuf>::new(),
        "nothing in the default place"
    );

    std::fs::write(&config, "[cache]\ncolour = \"red\"\n").unwrap();
    check(
        &["-C", &config_flag, &programs[0]],
        1,
        Some(""),
        "invalid cache configuration",
    );
    let missing = format!("cache-config={}", dir.join("missing.toml").display());
    check(
        &["-C", &missing, &programs[0]],
        1,
        Some(""),
        "invalid cache configuration",
    );
}

/// A module with `functions` functions of about 100 bytes of code each.
fn big_module(name: &str, functions: usize) -> String {
    let body = "(drop (i32.const 100000)) ".repeat(20);
    let funcs: String = (0..functions)
        .map(|n| format!("(func (export \"f{n}\") {body})\n"))
        .collect();
    wat(
        name,
        &format!("(module (func (export \"_start\")) {funcs})"),
    )
}

#[test]
fn long_compiles_are_reported_as_plain_lines_off_a_terminal() {
    let big = big_module("big", 6000);
    let out = output(wasmdebug().args(["-C", "cache=n", &big]));
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 2, "{err}");
    assert!(
        lines[0].starts_with("Compiling big.wat (") && lines[0].ends_with("; the cache is off"),
        "{err}"
    );
    assert!(lines[0].contains("MB of code"), "{err}");
    assert!(lines[1].starts_with("Compiled big.wat in "), "{err}");
    assert!(!err.contains('\u{1b}'), "no terminal codes: {err:?}");

    // With the cache, the first start says so and the next is silent.
    let dir = scratch_dir("progress-cache");
    let run = || output(wasmdebug().env("WASMDEBUG_CACHE_DIR", &dir).arg(&big));
    let first = stderr(&run());
    assert!(
        first.contains("; not cached yet, the next start will be quick"),
        "{first}"
    );
    assert_eq!(stderr(&run()), "");

    // A small program compiles in a moment: nothing is said.
    let quick = wat("quick", r#"(module (func (export "_start")))"#);
    check(&["-C", "cache=n", &quick], 0, Some(""), "");
    let out = output(wasmdebug().args(["-C", "cache=n", &quick]));
    assert_eq!(stderr(&out), "");
}

#[test]
fn long_compiles_show_a_spinner_on_a_terminal() {
    let big = big_module("big-tty", 6000);
    // `script` (util-linux) gives the command a pseudo-terminal.
    let command = format!(
        "WASMDEBUG_CACHE_DIR= {} {big}",
        env!("CARGO_BIN_EXE_wasmdebug")
    );
    let out = output(std::process::Command::new("script").args(["-qec", &command, "/dev/null"]));
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("Compiling big-tty.wat ("), "{text:?}");
    assert!(
        text.contains("\u{1b}["),
        "terminal codes redraw the line: {text:?}"
    );
    assert!(text.contains("Compiled big-tty.wat in "), "{text:?}");
}
