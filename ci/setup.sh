#!/usr/bin/env bash
# Installs what building and testing wasmdebug needs on a fresh Debian machine
# with rustup: the C-to-Wasm toolchain, the Rust Wasm targets, and LLDB.
# Safe to run again: it installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

# python3-venv: the LLDB venv below; the rest: C to Wasm for the examples.
apt_packages=(clang lld wasi-libc libclang-rt-dev-wasm32 python3-venv)
missing=()
for package in "${apt_packages[@]}"; do
    dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
if ((${#missing[@]})); then
    sudo_cmd=()
    [[ $(id -u) == 0 ]] || sudo_cmd=(sudo)
    "${sudo_cmd[@]}" apt-get update -qq
    "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# rust-toolchain.toml names the toolchain, its Wasm targets and rustfmt and
# clippy; this makes rustup install them now rather than halfway through a
# build (a toolchain installed before they were listed lacks them).
rustup show active-toolchain >/dev/null 2>&1 || rustup toolchain install
rustup target add wasm32-wasip2 wasm32-wasip1 >/dev/null
rustup component add rustfmt clippy >/dev/null

# A stock LLDB 23 with the Wasm plugin, from PyPI, in a venv the tests find:
# the version the LLDB tests were written against (their transcripts are
# matched loosely, but a new LLDB may still word things differently).
lldb_package=lldb-for-pwndbg==23.1.0.post2
venv=${CARGO_TARGET_DIR:-target}/lldb-venv
if ! [[ -x $venv/bin/lldb ]] || ! "$venv/bin/pip" show lldb-for-pwndbg 2>/dev/null | grep -qx "Version: ${lldb_package#*==}"; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "$lldb_package"
fi
