//! The component build is reproducible: two checkouts in different directories build byte-identical `.wasm` files.
//!
//! This runs the build script's own recipe (`build/workspace.rs`, included
//! below) on two fresh copies of the source tree, each with its own fresh
//! target directory, so nothing is shared but the toolchain and the cargo
//! home (whose paths the recipe remaps anyway).

#[path = "../build/workspace.rs"]
mod workspace;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use sha2::{Digest, Sha256};

#[test]
fn component_builds_byte_identical_in_two_directories() {
    let scratch = Path::new(env!("CARGO_TARGET_TMPDIR")).join("reproducible");
    // Different depths and name lengths, so no offset or path can line up
    // by accident.
    let checkouts = [scratch.join("a"), scratch.join("second/checkout-b")];
    let hashes = checkouts.each_ref().map(|checkout| {
        copy_source_tree(&workspace_root(), checkout);
        let wasm = workspace::build_component(checkout, &checkout.join("target"))
            .unwrap_or_else(|error| panic!("building in {}: {error}", checkout.display()));
        let bytes = fs::read(&wasm).expect("read the built component");
        assert!(
            bytes.starts_with(b"\0asm"),
            "{} is not Wasm",
            wasm.display()
        );
        hex(&Sha256::digest(&bytes))
    });
    assert_eq!(
        hashes[0],
        hashes[1],
        "the component differs between {} and {}: some path or timestamp leaks into it",
        checkouts[0].display(),
        checkouts[1].display()
    );
    let _ = fs::remove_dir_all(&scratch);
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Copies what git would check out (tracked files and new, unignored
/// ones), so neither `target/` nor `.git` comes along.
fn copy_source_tree(from: &Path, to: &Path) {
    let _ = fs::remove_dir_all(to);
    let output = Command::new("git")
        .current_dir(from)
        .args([
            "ls-files",
            "-z",
            "--cached",
            "--others",
            "--exclude-standard",
        ])
        .output()
        .expect("git runs");
    assert!(output.status.success(), "git ls-files failed");
    for name in output
        .stdout
        .split(|&byte| byte == 0)
        .filter(|name| !name.is_empty())
    {
        let name = std::str::from_utf8(name).expect("UTF-8 file name");
        let source = from.join(name);
        if !source.exists() {
            continue; // deleted in the work tree, not yet in the index
        }
        let dest = to.join(name);
        fs::create_dir_all(dest.parent().expect("a parent")).expect("create directory");
        fs::copy(&source, &dest).unwrap_or_else(|error| panic!("copy {name}: {error}"));
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}
