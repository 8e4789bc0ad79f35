#!/usr/bin/env bash
# Fails when crates/component-artifact/pin.toml does not hold the SHA-256 of
# the component this workspace builds: a release from this commit would pin
# a component nobody can download.
set -euo pipefail
cd "$(dirname "$0")/.."
source ci/pin.sh

hash=$(ci/export-component.sh target/pin/wasmdebug-gdbstub.wasm)
pinned=$(pinned_sha256)
if [[ $hash != "$pinned" ]]; then
    cat >&2 <<MESSAGE
error: $pin_file is stale.
  the workspace builds the gdbstub component with SHA-256 $hash
  the pin says                                      ${pinned:-(nothing)}
Run ci/refresh-pin.sh and commit $pin_file.
MESSAGE
    exit 1
fi
echo "pin ok: $hash"
