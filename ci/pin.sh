# Shared by refresh-pin.sh and check-pin.sh: where the pin lives and what it says.
pin_file=crates/component-artifact/pin.toml

pinned_sha256() {
    sed -n 's/^sha256 = "\([0-9a-f]*\)"$/\1/p' "$pin_file"
}
