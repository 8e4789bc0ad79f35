#!/usr/bin/env bash
# Tests the release path end to end, as the release workflow runs it:
# ci/build-release.sh in a clean copy of the source tree, then the assets
# (present, SHA256SUMS verifies, the binary embeds the asset, the asset is
# the pinned component), then `cargo publish --dry-run` of both crates with
# the asset supplied locally.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
# One compile cache for every build here and in ci/test.sh (CI has two cores).
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$root/target}

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
checkout=$scratch/wasmdebug
mkdir "$checkout"
# What a clone of this work tree would hold: tracked files and new,
# unignored ones; no target/, no dist/.
git ls-files -z --cached --others --exclude-standard |
    while IFS= read -r -d '' file; do [[ -e $file ]] && printf '%s\0' "$file"; done |
    tar --null -T - -cf - | tar -xf - -C "$checkout"

(cd "$checkout" && ci/build-release.sh)

cd "$checkout"
source ci/pin.sh
version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n1)
target=$(rustc -vV | sed -n 's/^host: //p')
name=$(ci/release-name.sh "$version" "$target")
asset=dist/wasmdebug-gdbstub-$version.wasm
fail() { echo "test-release: $*" >&2; exit 1; }

for file in "dist/$name.tar.gz" "$asset" dist/SHA256SUMS; do
    [[ -s $file ]] || fail "$file is missing"
done
(cd dist && sha256sum --check --strict --quiet SHA256SUMS) || fail "SHA256SUMS does not verify"
asset_hash=$(sha256sum "$asset" | cut -d' ' -f1)
[[ $asset_hash == "$(pinned_sha256)" ]] || fail "the asset ($asset_hash) is not the pinned component ($(pinned_sha256))"

unpacked=$scratch/unpacked
mkdir "$unpacked"
tar -xzf "dist/$name.tar.gz" -C "$unpacked"
for file in wasmdebug README.md LICENSE; do
    [[ -s $unpacked/$name/$file ]] || fail "the archive has no $name/$file"
done
binary=$unpacked/$name/wasmdebug
python3 - "$binary" "$asset" <<'PY' || fail "the binary does not embed the asset's bytes"
import sys
binary, asset = (open(path, "rb").read() for path in sys.argv[1:3])
sys.exit(0 if asset in binary else 1)
PY

# What `cargo publish` runs before uploading: package both crates and build
# them from the packages, the artifact crate taking the release asset. The
# dependency profile mirrors the workspace's, so what `cargo test` compiled
# is reused (CARGO_HOME must be the one it compiled with: the registry's
# source paths are part of each dependency's fingerprint).
# Cargo unpacks the packaged crates from its local packaging registry into
# $CARGO_HOME/registry/src/-HASH/ and never unpacks the same name and
# version there again, so a copy left by an earlier run would be built
# instead of this tree's. Those copies of our own crates, and nothing else,
# are removed before and after.
cargo_home=${CARGO_HOME:-$HOME/.cargo}
remove_unpacked_crates() {
    rm -rf "$cargo_home"/registry/src/-*/wasmdebug-"$version" \
        "$cargo_home"/registry/src/-*/wasmdebug-component-artifact-"$version"
}
remove_unpacked_crates
trap 'remove_unpacked_crates; rm -rf "$scratch"' EXIT
WASMDEBUG_GDBSTUB_WASM=$PWD/$asset cargo publish --dry-run --locked --allow-dirty --quiet \
    -p wasmdebug-component-artifact -p wasmdebug --features wasmdebug/gdbstub \
    --config 'profile.dev.package."*".opt-level=2' --config 'profile.dev.package."*".debug=false' ||
    fail "cargo publish --dry-run failed"
# The released binary serves a real LLDB session: break, continue, the
# program's exit status.
lldb=$CARGO_TARGET_DIR/lldb-venv/bin/lldb
[[ -x $lldb ]] || fail "no LLDB at $lldb (run ci/setup.sh)"
clang --target=wasm32-wasi -g -O0 examples/c/debuggee.c -o "$scratch/debuggee.wasm"
"$binary" run -g 127.0.0.1:0 "$scratch/debuggee.wasm" exit 7 2>"$scratch/runtime.log" &
runtime=$!
address=$(ci/wait-for-debugger.sh "$scratch/runtime.log") ||
    fail "the released binary did not start its debugger"
transcript=$("$lldb" --batch --no-lldbinit -o "process connect --plugin wasm connect://$address" \
    -o "b finish" -o "c" -o "frame variable" -o "c" 2>&1) || true
status=0
wait "$runtime" || status=$?
grep -q "stop reason = breakpoint 1.1" <<<"$transcript" || fail "no breakpoint stop in: $transcript"
grep -q "exited with status = 7" <<<"$transcript" || fail "LLDB did not see exit status 7 in: $transcript"
[[ $status == 7 ]] || fail "the released binary exited with $status, not 7"

"$binary" --version | grep -q "$asset_hash" || fail "\`wasmdebug --version\` does not show the component's hash $asset_hash"
echo "test-release: ok ($name, component $asset_hash)"
