//! Watchpoints on a counter in memory (`examples/wat/counter.wat`).

use super::*;

/// `examples/wat/counter.wat`: a counter at 0x400, loaded and stored by
/// `bump` three times and loaded by `peek` once.
fn counter() -> PathBuf {
    support::workspace_root().join("examples/wat/counter.wat")
}

#[test]
fn a_write_watchpoint_stops_after_each_store_with_the_new_value() {
    let mut script = vec![command("watch write 0 0 0x400 4", "ok")];
    for value in ["01000000", "02000000", "03000000"] {
        script.push(command(
            "continue",
            "paused(watchpoint(write 0x400+4 write))",
        ));
        // Right after the store, still in `bump`.
        script.push(command("frames 1", "#0 * (bump) at *"));
        script.push(command("read 0 0 0x400 4", value));
    }
    script.push(command("unwatch write 0 0 0x400 4", "ok"));
    script.push(command("continue", "exited(0)"));
    check_counter(&script);
}

#[test]
fn a_read_watchpoint_stops_after_each_load() {
    let mut script = vec![command("watch read 0 0 0x400 4", "ok")];
    for function in ["bump", "bump", "bump", "peek"] {
        script.push(command("continue", "paused(watchpoint(read 0x400+4 read))"));
        script.push(command("frames 1", &format!("#0 * ({function}) at *")));
    }
    script.push(command("continue", "exited(0)"));
    check_counter(&script);
}

#[test]
fn a_read_write_watchpoint_sees_both_and_ignores_other_addresses() {
    let mut script = vec![
        // Bytes next to the counter, never touched: no stop.
        command("watch read-write 0 0 0x404 4", "ok"),
        command("watch read-write 0 0 0x3fc 4", "ok"),
        command("watch read-write 0 0 0x402 1", "ok"),
    ];
    for touched in ["read", "write", "read", "write", "read", "write", "read"] {
        script.push(command(
            "continue",
            &format!("paused(watchpoint(read-write 0x402+1 {touched}))"),
        ));
    }
    script.push(command("continue", "exited(0)"));
    check_counter(&script);
}

#[test]
fn a_write_watchpoint_sees_a_host_call_write_memory() {
    // fd_write stores the byte count at 0x28: no Wasm store does.
    let script = vec![
        command("watch write 0 0 0x28 4", "ok"),
        command("continue", "paused(watchpoint(write 0x28+4 write))"),
        command("read 0 0 0x28 4", "08000000"),
        command("continue", "exited(0)"),
    ];
    check_counter(&script);
}

fn check_counter(script: &[(String, String)]) {
    let script: Vec<(&str, &str)> = script
        .iter()
        .map(|(command, pattern)| (command.as_str(), pattern.as_str()))
        .collect();
    check_file(
        &counter(),
        Run {
            script: &script,
            stdout: "counted\n",
            ..Run::EMPTY
        },
        &mut Vars::new(),
    );
}
