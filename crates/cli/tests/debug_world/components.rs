//! Breakpoints in a component of several core modules that share module-
//! relative pcs (`examples/wat/relay.wat`).

use super::*;

/// `examples/wat/relay.wat`: a component of four core modules, two of them
/// (`left`, `right`) laid out alike, so that their `work` functions share
/// every module-relative pc. left_work runs 3 times, right_work and
/// leaf_work 5 times each, in the order of `RELAY_CALLS`.
fn relay() -> PathBuf {
    support::workspace_root().join("examples/wat/relay.wat")
}

const RELAY_CALLS: [&str; 13] = [
    "left", "right", "leaf", "left", "right", "leaf", "left", "right", "leaf", "right", "leaf",
    "right", "leaf",
];

/// The first instructions of the three `work` functions, as `{left}`,
/// `{right}` and `{leaf}`.
fn relay_facts() -> Vars {
    let mut vars = Vars::new();
    check_file(
        &relay(),
        Run {
            script: &[
                ("func-start left_work", "func * body * code {left}"),
                ("func-start right_work", "func * body * code {right}"),
                ("func-start leaf_work", "func * body * code {leaf}"),
            ],
            ..Run::EMPTY
        },
        &mut vars,
    );
    let pc = |name: &str| vars[name].split_once(':').expect("M:0xPC").1.to_string();
    assert_eq!(pc("left"), pc("right"), "left and right are laid out alike");
    assert_ne!(vars["left"], vars["right"], "in different modules");
    vars
}

/// A `continue` that must stop at `{name}`'s first instruction.
fn stop_at(name: &str) -> [(String, String); 2] {
    [
        ("continue".into(), "paused(breakpoint)".into()),
        ("pc".into(), format!("{{{name}}}")),
    ]
}

fn check_relay(script: &[(String, String)], vars: &mut Vars) {
    let script: Vec<(&str, &str)> = script
        .iter()
        .map(|(command, pattern)| (command.as_str(), pattern.as_str()))
        .collect();
    check_file(
        &relay(),
        Run {
            script: &script,
            ..Run::EMPTY
        },
        vars,
    );
}

#[test]
fn component_breakpoints_in_every_module_stop_exactly_as_often_as_the_code_runs() {
    let mut vars = relay_facts();
    let mut script = vec![
        command("break left_work", "ok *"),
        command("break right_work", "ok *"),
        command("break leaf_work", "ok *"),
    ];
    for name in RELAY_CALLS {
        script.extend(stop_at(name));
    }
    script.push(command("continue", "exited(0)"));
    check_relay(&script, &mut vars);
}

#[test]
fn a_component_breakpoint_does_not_stop_at_the_same_pc_in_another_module() {
    let mut vars = relay_facts();
    // right_work's code is patched too (same pc); it must run on silently.
    let mut script = vec![command("break left_work", "ok *")];
    for _ in 0..3 {
        script.extend(stop_at("left"));
    }
    script.push(command("continue", "exited(0)"));
    check_relay(&script, &mut vars);
}

#[test]
fn component_breakpoints_edited_while_paused_later() {
    let mut vars = relay_facts();
    let mut script = vec![command("break left_work", "ok *")];
    script.extend(stop_at("left"));
    // Removing left's breakpoint must leave right's, at the same pc, armed.
    script.push(command("break right_work", "ok *"));
    script.push(command("unbreak left_work", "ok *"));
    for _ in 0..5 {
        script.extend(stop_at("right"));
    }
    script.push(command("continue", "exited(0)"));
    check_relay(&script, &mut vars);
}

#[test]
fn component_breakpoints_survive_single_steps() {
    let mut vars = relay_facts();
    let mut script = vec![
        command("step 3", "paused(step) at *"),
        command("break left_work", "ok *"),
        command("break leaf_work", "ok *"),
    ];
    // Leaving single-step mode after each stop must re-arm both modules.
    for name in [
        "left", "leaf", "left", "leaf", "left", "leaf", "leaf", "leaf",
    ] {
        script.extend(stop_at(name));
        script.push(command("step 2", "paused(step) at *"));
    }
    script.push(command("continue", "exited(0)"));
    check_relay(&script, &mut vars);
}

#[test]
fn a_components_modules_are_named_after_the_file_and_their_own_names() {
    check_file(
        &relay(),
        Run {
            script: &[(
                "modules",
                "4: #0 relay.leaf.wasm (*), #1 relay.right.wasm (*), #2 relay.left.wasm (*), \
             #3 relay.main.wasm (*)",
            )],
            ..Run::EMPTY
        },
        &mut Vars::new(),
    );
}
