#!/usr/bin/env bash
# The name of the release archive for one version and target: the archive
# is NAME.tar.gz and holds NAME/wasmdebug, NAME/README.md and NAME/LICENSE.
# ci/build-release.sh makes it, ci/test-release.sh checks it, and
# `cargo binstall` finds it through [package.metadata.binstall] in
# crates/cli/Cargo.toml (crates/cli/tests/debug_command.rs checks that the
# two agree).
#
# usage: ci/release-name.sh VERSION TARGET
set -euo pipefail
version=${1:?usage: ci/release-name.sh VERSION TARGET}
target=${2:?usage: ci/release-name.sh VERSION TARGET}
echo "wasmdebug-$version-$target"
