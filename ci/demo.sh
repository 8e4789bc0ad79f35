#!/usr/bin/env bash
# The main job: builds wasmdebug and runs the bundled C example under it.
set -euo pipefail
cd "$(dirname "$0")/.."
ci/setup.sh
cargo build --quiet -p wasmdebug
mkdir -p target/debuggees
clang --target=wasm32-wasi -g -O0 examples/c/debuggee.c -o target/debuggees/debuggee-c.wasm
set -x
target/debug/wasmdebug run target/debuggees/debuggee-c.wasm basic
