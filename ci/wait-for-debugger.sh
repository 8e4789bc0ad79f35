#!/usr/bin/env bash
# Usage: ci/wait-for-debugger.sh LOG
# Waits (up to 30 s) for a `wasmdebug run -g` whose stderr goes to LOG to
# print where it listens, and prints that address; fails if it never does.
set -euo pipefail
log=${1:?usage: ci/wait-for-debugger.sh LOG}
for _ in $(seq 300); do
    grep -q '^Debugger listening on ' "$log" && break
    sleep 0.1
done
address=$(sed -n 's/^Debugger listening on //p' "$log")
if [[ -z $address ]]; then
    cat "$log" >&2
    exit 1
fi
echo "$address"
