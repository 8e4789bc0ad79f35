#!/usr/bin/env bash
# Builds the release assets into dist/:
#   wasmdebug-VERSION-TARGET.tar.gz   the binary with the component embedded, README, LICENSE
#   wasmdebug-gdbstub-VERSION.wasm    the component, as crates.io builds download it
#   SHA256SUMS
# The component is built once, reproducibly, checked against the pin, and
# the binary embeds exactly those bytes (through WASMDEBUG_GDBSTUB_WASM).
#
# usage: ci/build-release.sh [TARGET]   (default: the host)
set -euo pipefail
cd "$(dirname "$0")/.."
source ci/pin.sh

version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n1)
target=${1:-$(rustc -vV | sed -n 's/^host: //p')}
[[ -n $version && -n $target ]] || { echo "error: cannot tell the version or the target" >&2; exit 1; }
target_dir=${CARGO_TARGET_DIR:-target}

rm -rf dist
mkdir -p dist
component=dist/wasmdebug-gdbstub-$version.wasm
hash=$(ci/export-component.sh "$component")
if [[ $hash != "$(pinned_sha256)" ]]; then
    echo "error: the component built here ($hash) is not the pinned one ($(pinned_sha256)); run ci/refresh-pin.sh and commit" >&2
    exit 1
fi

WASMDEBUG_GDBSTUB_WASM=$PWD/$component cargo build --quiet --locked --release \
    -p wasmdebug --features gdbstub --target "$target"

name=$(ci/release-name.sh "$version" "$target")
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir "$stage/$name"
cp "$target_dir/$target/release/wasmdebug" README.md LICENSE "$stage/$name/"
# Same inputs, same archive: fixed order, owners and times, no gzip name or time.
mtime=$(git log -1 --format=%ct 2>/dev/null || echo 0)
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$mtime" \
    -C "$stage" -cf - "$name" | gzip -n -9 >"dist/$name.tar.gz"

(cd dist && sha256sum -- "$name.tar.gz" "wasmdebug-gdbstub-$version.wasm" >SHA256SUMS)
echo "dist/: $name.tar.gz, wasmdebug-gdbstub-$version.wasm ($hash), SHA256SUMS"
