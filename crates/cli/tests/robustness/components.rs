//! Misbehaving debugger components are contained.

use super::*;

fn misbehave(kind: &str, program_args: &[&str], listen: bool) -> std::process::Output {
    let mut command = wasmdebug();
    command.arg("run");
    if listen {
        command.args(["-g", "127.0.0.1:0"]);
    }
    command
        .arg("-D")
        .arg(format!("debugger={}", support::test_debugger().display()))
        .arg("-D")
        .arg(format!("arg=misbehave {kind}"))
        .arg(Debuggee::C.path())
        .args(program_args);
    output_within(&mut command, Duration::from_secs(60))
}

#[test]
fn misbehaving_debugger_components_are_contained() {
    // One that traps: the program is killed, and the CLI says so.
    let out = misbehave("trap", &[], false);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("the program was killed: the debugger component trapped"),
        "{err}"
    );
    assert!(!stdout(&out).contains("factorial"), "the program ran");

    // One that allocates without bound: stopped at its memory limit.
    let started = Instant::now();
    let out = misbehave("alloc", &[], false);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("the debugger ran out of memory"), "{err}");
    assert!(err.contains("the program was killed"), "{err}");
    assert!(started.elapsed() < Duration::from_secs(30));

    // Files, environment, other addresses: denied; the program then runs to its end.
    let out = misbehave("files", &[], false);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(err.contains("misbehave files -> read Err("), "{err}");
    assert!(
        err.contains("create Err(") && err.contains("list Err("),
        "{err}"
    );
    assert!(stdout(&out).contains("counter = 4"));
    let out = misbehave("env", &[], false);
    assert!(
        stderr(&out).contains("misbehave env -> 0 variables []"),
        "{}",
        stderr(&out)
    );
    let bystander = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    bystander.set_nonblocking(true).unwrap();
    let target = bystander.local_addr().unwrap().to_string();
    for listen in [false, true] {
        let out = misbehave(&format!("connect {target}"), &[], listen);
        let err = stderr(&out);
        assert!(
            err.contains("Err(") && err.contains("access-denied"),
            "{err}"
        );
        assert_eq!(out.status.code(), Some(0), "{err}");
    }
    assert!(
        bystander.accept().is_err(),
        "the debugger reached another address"
    );

    // One that returns at once: the program runs on to its end.
    let mut command = wasmdebug();
    command
        .arg("run")
        .arg("-D")
        .arg(format!("debugger={}", support::test_debugger().display()))
        .arg(Debuggee::C.path());
    let out = output_within(&mut command, Duration::from_secs(60));
    assert_eq!(out.status.code(), Some(0));
    assert!(stdout(&out).contains("counter = 4"));
    // And one that fails at once: killed, with its reason.
    let mut command = wasmdebug();
    command
        .arg("run")
        .args([
            "-D",
            &format!("debugger={}", support::test_debugger().display()),
        ])
        .args(["-D", "arg=bogus"])
        .arg(Debuggee::C.path());
    let out = output_within(&mut command, Duration::from_secs(60));
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("the program was killed: the debugger failed: command 1 `bogus`"),
        "{err}"
    );
}
