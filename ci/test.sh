#!/usr/bin/env bash
# The test command: sets up what is missing, then runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."
ci/setup.sh
cargo test --workspace --exclude wasmdebug-example
