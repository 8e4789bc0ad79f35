//! The test debugger's scripts and patterns themselves.

use super::*;

#[test]
fn a_malformed_script_is_refused_before_it_runs() {
    let mut command = wasmdebug();
    command
        .arg("run")
        .arg("-D")
        .arg(format!("debugger={}", test_debugger().display()))
        .args(["-D", "arg=state", "-D", "arg=frobnicate 3"])
        .arg(Debuggee::C.path());
    let out = output_within(&mut command, LIMIT);
    let err = stderr(&out);
    assert!(
        err.contains("command 2 `frobnicate 3`: unknown command `frobnicate`"),
        "{err}"
    );
    assert!(!err.contains("state -> "), "nothing ran: {err}");
    assert_eq!(stdout(&out), "", "{err}");
    assert_eq!(out.status.code(), Some(1), "{err}");
}

#[test]
fn patterns_capture_and_compare() {
    let mut vars = Vars::new();
    assert!(matches(
        "func {f} body {b} code {c}",
        "func 3 body 0:0x10 code 0:0x12",
        &mut vars
    ));
    assert_eq!(
        (&*vars["f"], &*vars["b"], &*vars["c"]),
        ("3", "0:0x10", "0:0x12")
    );
    assert!(matches("at {b}*", "at 0:0x10, more", &mut vars));
    assert!(!matches("at {b}", "at 0:0x11", &mut vars));
    assert!(matches(
        "#0 * (*factorial) at *",
        "#0 func 5 (debuggee::factorial) at 0:0x1",
        &mut vars
    ));
    assert!(!matches("{new} x", "y", &mut vars));
    assert!(!vars.contains_key("new"), "a failed match captures nothing");
    assert_eq!(substitute("read {b} 4", &vars), "read 0:0x10 4");
}
