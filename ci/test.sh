#!/usr/bin/env bash
# The test command: sets up what is missing, then runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."
ci/setup.sh
# The component pin must match what this tree builds (else: ci/refresh-pin.sh).
ci/check-pin.sh
# Formatting, and lints with warnings as errors, over what the tests build
# (Cargo.toml's [workspace.lints] says which lints).
cargo fmt --all --check
cargo clippy --workspace --all-targets --exclude wasmdebug-example --exclude wasmdebug-http-handler \
    --features wasmdebug/gdbstub -- -D warnings
# The gdbstub feature embeds the built-in debugger, which the LLDB tests use;
# the benchmark is built (not run) so that it keeps compiling.
cargo test --workspace --exclude wasmdebug-example --exclude wasmdebug-http-handler --features wasmdebug/gdbstub
cargo test -p wasmdebug --features gdbstub --bench debugger --no-run
# Without the feature, `-g` must say how to get a debugger.
cargo test -p wasmdebug --test run
# The release path: assets, checksums, and both crates' publish verification.
ci/test-release.sh
