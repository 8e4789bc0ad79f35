#!/usr/bin/env bash
# The main job: builds wasmdebug with its built-in debugger, starts the
# bundled C example under `-g`, and debugs it with a stock LLDB, printing
# the whole transcript: breakpoints, a backtrace, variables, `finish`, and
# a step back in time to the last breakpoint hit.
set -euo pipefail
cd "$(dirname "$0")/.."
ci/setup.sh
cargo build --quiet -p wasmdebug --features gdbstub
mkdir -p target/debuggees
clang --target=wasm32-wasi -g -O0 examples/c/debuggee.c -o target/debuggees/debuggee-c.wasm

log=$(mktemp)
trap 'rm -f "$log"; kill "$runtime" 2>/dev/null || true' EXIT
"${CARGO_TARGET_DIR:-target}"/debug/wasmdebug run -g 127.0.0.1:0 target/debuggees/debuggee-c.wasm basic 2>"$log" &
runtime=$!
address=$(ci/wait-for-debugger.sh "$log") || { echo "demo: the debugger did not start" >&2; exit 1; }
echo "wasmdebug is listening on $address; attaching LLDB"

"${CARGO_TARGET_DIR:-target}"/lldb-venv/bin/lldb --batch --no-lldbinit \
    -o "process connect --plugin wasm connect://$address" \
    -o "b factorial" -o "c" -o "bt" -o "frame variable" \
    -o "b sum_points" -o "breakpoint disable 1" -o "c" -o "p points[1]" -o "p count" \
    -o "finish" \
    -o "process continue --reverse" -o "frame variable count" \
    -o "breakpoint delete -f" -o "process continue -F"
wait "$runtime"
echo "demo: the program ran to its end under the debugger (exit status $?)"
