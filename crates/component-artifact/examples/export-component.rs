//! Writes the embedded component to a file and prints its SHA-256 and source: how `ci/` scripts get the workspace build.
//!
//! `cargo run -p wasmdebug-component-artifact --example export-component -- OUT.wasm`

use std::process::ExitCode;

fn main() -> ExitCode {
    let Some(path) = std::env::args_os().nth(1) else {
        eprintln!("usage: export-component OUT.wasm");
        return ExitCode::from(2);
    };
    if let Err(error) = std::fs::write(&path, wasmdebug_component_artifact::COMPONENT) {
        eprintln!("error: cannot write {}: {error}", path.to_string_lossy());
        return ExitCode::FAILURE;
    }
    println!(
        "{} {:?}",
        wasmdebug_component_artifact::SHA256,
        wasmdebug_component_artifact::SOURCE
    );
    ExitCode::SUCCESS
}
