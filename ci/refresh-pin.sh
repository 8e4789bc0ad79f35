#!/usr/bin/env bash
# Rewrites the SHA-256 in crates/component-artifact/pin.toml from the
# workspace's reproducible component build. Run it after changing the
# component (CI's ci/check-pin.sh says when); cargo-release runs it before
# each release.
set -euo pipefail
cd "$(dirname "$0")/.."
source ci/pin.sh

hash=$(ci/export-component.sh target/pin/wasmdebug-gdbstub.wasm)
old=$(pinned_sha256)
if [[ $hash == "$old" ]]; then
    echo "$pin_file is up to date ($hash)"
    exit 0
fi
sed -i "s/^sha256 = \"[0-9a-f]*\"$/sha256 = \"$hash\"/" "$pin_file"
[[ $(pinned_sha256) == "$hash" ]] || { echo "error: could not update $pin_file" >&2; exit 1; }
echo "$pin_file: $old -> $hash"
