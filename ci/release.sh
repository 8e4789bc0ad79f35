#!/usr/bin/env bash
# The release workflow's steps, for tag vVERSION: build the assets
# (ci/build-release.sh), upload them to the GitHub release, check that the
# URL pinned in the artifact crate now serves the pinned component, then
# publish the crates in dependency order: the artifact crate, then the CLI.
# Needs `gh` with GH_TOKEN, and CARGO_REGISTRY_TOKEN.
#
# usage: ci/release.sh vVERSION
set -euo pipefail
cd "$(dirname "$0")/.."
source ci/pin.sh

tag=${1:?usage: ci/release.sh vVERSION}
version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n1)
if [[ $tag != "v$version" ]]; then
    echo "error: tag $tag does not match the workspace version $version" >&2
    exit 1
fi

ci/build-release.sh
asset=dist/wasmdebug-gdbstub-$version.wasm

if gh release view "$tag" >/dev/null 2>&1; then
    gh release upload "$tag" dist/* --clobber
else
    gh release create "$tag" dist/* --verify-tag --title "wasmdebug $version" \
        --notes "Checksums in SHA256SUMS. \`cargo install wasmdebug --features gdbstub\` downloads wasmdebug-gdbstub-$version.wasm from here and checks it against the SHA-256 pinned in the crate."
fi

# What a crates.io build will fetch: it must be there, and be the pin.
url=$(sed -n 's/^url = "\(.*\)"$/\1/p' "$pin_file")
url=${url//\{version\}/$version}
served=$(curl --fail --silent --show-error --location --retry 5 "$url" | sha256sum | cut -d' ' -f1)
if [[ $served != "$(pinned_sha256)" ]]; then
    echo "error: $url serves $served, not the pinned $(pinned_sha256); not publishing" >&2
    exit 1
fi

# Verification builds use the asset, not the network.
export WASMDEBUG_GDBSTUB_WASM=$PWD/$asset
cargo publish --locked -p wasmdebug-component-artifact
cargo publish --locked -p wasmdebug --features gdbstub
