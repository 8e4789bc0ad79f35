#!/usr/bin/env bash
# Builds the gdbstub component from the workspace (the reproducible recipe of
# crates/component-artifact/build/workspace.rs), writes it to OUT.wasm and
# prints its SHA-256. The other ci/ scripts get the component only this way.
#
# usage: ci/export-component.sh OUT.wasm
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:?usage: ci/export-component.sh OUT.wasm}
mkdir -p "$(dirname "$out")"

# Unset the variables that would make the build script embed something else.
line=$(env -u WASMDEBUG_GDBSTUB_WASM -u WASMDEBUG_GDBSTUB_SKIP_VERIFY -u DOCS_RS \
    cargo run --quiet --locked -p wasmdebug-component-artifact --example export-component -- "$out")
read -r hash source <<<"$line"
if [[ $source != Workspace ]]; then
    echo "error: expected the workspace build of the component, got: $source" >&2
    exit 1
fi
echo "$hash"
