//! Simulating crates.io: the packaged crates, unpacked outside the workspace, built by a nested cargo.
//!
//! Every build shares the test run's target directory as cargo's build
//! directory (so registry crates the test run compiled are reused, and the
//! ones compiled here are reused by the next run), with the workspace's
//! dependency profile. Binaries land in `crates-io/` below it, so they never
//! replace the test run's own `wasmdebug`.

#![allow(dead_code)] // each test binary uses its own subset

pub mod server;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

pub const ARTIFACT: &str = "wasmdebug-component-artifact";
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The release asset's file name, as `pin.toml`'s URL template makes it.
pub fn asset_name() -> String {
    format!("wasmdebug-gdbstub-{VERSION}.wasm")
}

pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The test run's target directory.
pub fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => workspace_root().join("target"),
    }
}

/// Where the simulated crates.io builds put their binaries.
pub fn artifact_dir() -> PathBuf {
    target_dir().join("crates-io")
}

/// The component this workspace builds: what the local "release" serves.
pub fn workspace_component() -> &'static [u8] {
    assert_eq!(
        wasmdebug_component_artifact::SOURCE,
        wasmdebug_component_artifact::Source::Workspace,
        "these tests need the workspace build of the component (unset WASMDEBUG_GDBSTUB_WASM)"
    );
    wasmdebug_component_artifact::COMPONENT
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes)
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// The two crates as `cargo package` makes them, unpacked once per run.
struct Packages {
    artifact: PathBuf,
    cli: PathBuf,
}

fn packages() -> &'static Packages {
    static PACKAGES: OnceLock<Packages> = OnceLock::new();
    PACKAGES.get_or_init(|| {
        let scratch = Path::new(env!("CARGO_TARGET_TMPDIR")).join("crates-io/packages");
        let _ = fs::remove_dir_all(&scratch);
        fs::create_dir_all(&scratch).expect("create the packages directory");
        // `--no-verify`: verifying would build the crates, which the tests
        // do themselves. `--allow-dirty`: the tests run on work in progress.
        let output = cargo()
            .current_dir(workspace_root())
            .args([
                "package",
                "--quiet",
                "--no-verify",
                "--allow-dirty",
                "-p",
                ARTIFACT,
                "-p",
                "wasmdebug",
            ])
            .arg("--target-dir")
            .arg(scratch.join("target"))
            .output()
            .expect("cargo runs");
        assert_success("cargo package", &output);
        let unpack = |name: &str| {
            let file = scratch.join(format!("target/package/{name}-{VERSION}.crate"));
            let status = Command::new("tar")
                .arg("-xzf")
                .arg(&file)
                .arg("-C")
                .arg(&scratch)
                .status()
                .expect("tar runs");
            assert!(status.success(), "cannot unpack {}", file.display());
            scratch.join(format!("{name}-{VERSION}"))
        };
        Packages {
            artifact: unpack(ARTIFACT),
            cli: unpack("wasmdebug"),
        }
    })
}

/// One test's own copies of the unpacked crates. Distinct directories give
/// the artifact crate its own OUT_DIR, so no test sees another's download.
pub struct Scenario {
    pub dir: PathBuf,
    pub artifact: PathBuf,
    pub cli: PathBuf,
}

impl Scenario {
    /// Fresh copies under a directory named `name`. The artifact's pin is
    /// rewritten to the component this workspace builds: these tests check
    /// how the pin is enforced; `ci/check-pin.sh` checks that it is current.
    pub fn new(name: &str) -> Scenario {
        let packages = packages();
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join("crates-io")
            .join(name);
        let _ = fs::remove_dir_all(&dir);
        let artifact = dir.join(format!("artifact-{name}"));
        let cli = dir.join(format!("cli-{name}"));
        copy_dir(&packages.artifact, &artifact);
        copy_dir(&packages.cli, &cli);
        // The scratch directory may sit inside this workspace (under its
        // target dir); a crates.io download is its own workspace.
        let manifest = cli.join("Cargo.toml");
        let mut text = fs::read_to_string(&manifest).expect("read the CLI's Cargo.toml");
        text.push_str("\n[workspace]\n");
        fs::write(&manifest, text).expect("write the CLI's Cargo.toml");
        let pin = artifact.join("pin.toml");
        let text = fs::read_to_string(&pin).expect("read pin.toml");
        let hash = sha256_hex(workspace_component());
        let text: String = text
            .lines()
            .map(|line| {
                if line.starts_with("sha256 =") {
                    format!("sha256 = \"{hash}\"\n")
                } else {
                    format!("{line}\n")
                }
            })
            .collect();
        fs::write(&pin, text).expect("write pin.toml");
        Scenario { dir, artifact, cli }
    }

    /// `cargo build` of the unpacked CLI with `--features gdbstub`, its
    /// artifact dependency patched to this scenario's unpacked copy.
    pub fn build_cli(&self, envs: &[(&str, &str)]) -> Output {
        let mut command = self.cargo_build(&self.cli);
        command.args(["--features", "gdbstub"]);
        command
            .envs(envs.iter().copied())
            .output()
            .expect("cargo runs")
    }

    /// The built CLI (only one test builds it, so the name is free).
    pub fn cli_binary(&self) -> PathBuf {
        artifact_dir().join("debug/wasmdebug")
    }

    /// Builds a small binary that depends on the unpacked artifact crate
    /// (as the CLI does) and prints what got embedded: cheaper than the
    /// CLI when a test only needs the build script's verdict.
    pub fn build_probe(&self, envs: &[(&str, &str)]) -> Output {
        let probe = self.dir.join("probe");
        if !probe.exists() {
            self.write_probe(&probe);
        }
        let mut command = self.cargo_build(&probe);
        command
            .envs(envs.iter().copied())
            .output()
            .expect("cargo runs")
    }

    /// Runs the probe: `(source, sha256, length)` of the embedded component.
    pub fn probe_report(&self) -> (String, String, usize) {
        let binary = artifact_dir().join("debug").join(self.probe_name());
        let output = Command::new(&binary).output().expect("the probe runs");
        assert_success("the probe", &output);
        let text = String::from_utf8_lossy(&output.stdout);
        let fields: Vec<&str> = text.split_whitespace().collect();
        match fields.as_slice() {
            [source, hash, len] => (
                source.to_string(),
                hash.to_string(),
                len.parse().expect("a length"),
            ),
            [source, len] => (
                source.to_string(),
                String::new(),
                len.parse().expect("a length"),
            ),
            _ => panic!("unexpected probe output: {text}"),
        }
    }

    fn probe_name(&self) -> String {
        format!(
            "probe-{}",
            self.dir.file_name().expect("a name").to_string_lossy()
        )
    }

    fn write_probe(&self, probe: &Path) {
        fs::create_dir_all(probe.join("src")).expect("create the probe");
        let manifest = format!(
            "[package]\nname = \"{}\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n\
             [dependencies]\n{ARTIFACT} = \"{VERSION}\"\n\n[workspace]\n",
            self.probe_name()
        );
        fs::write(probe.join("Cargo.toml"), manifest).expect("write the probe manifest");
        fs::write(
            probe.join("src/main.rs"),
            "fn main() {\n    use wasmdebug_component_artifact as a;\n    \
             println!(\"{:?} {} {}\", a::SOURCE, a::SHA256, a::COMPONENT.len());\n}\n",
        )
        .expect("write the probe");
        // The published artifact crate's lock pins its build dependencies
        // to the versions the test run compiled; no resolution needed.
        fs::copy(self.artifact.join("Cargo.lock"), probe.join("Cargo.lock"))
            .expect("copy the lock file");
    }

    fn cargo_build(&self, package: &Path) -> Command {
        let mut command = cargo();
        command
            .current_dir(package)
            .args(["build", "--quiet"])
            .arg("--config")
            .arg(format!(
                "patch.crates-io.{ARTIFACT}.path={}",
                toml_string(&self.artifact)
            ))
            .arg("--config")
            .arg(format!("build.build-dir={}", toml_string(&target_dir())))
            // The workspace's `[profile.dev.package."*"]`: the package does
            // not carry it, and without it nothing would be reused.
            .args(["--config", "profile.dev.package.\"*\".opt-level=2"])
            .args(["--config", "profile.dev.package.\"*\".debug=false"])
            .arg("--target-dir")
            .arg(artifact_dir());
        command
    }
}

/// A nested cargo with none of the variables these tests control set from
/// outside, and no proxy: every request goes to 127.0.0.1.
pub fn cargo() -> Command {
    let mut command = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    for name in [
        "WASMDEBUG_GDBSTUB_WASM",
        "WASMDEBUG_GDBSTUB_SKIP_VERIFY",
        "WASMDEBUG_GDBSTUB_URL",
        "WASMDEBUG_GDBSTUB_CACHE_DIR",
        "DOCS_RS",
        "CARGO_NET_OFFLINE",
        "CARGO_TARGET_DIR",
        "CARGO_BUILD_BUILD_DIR",
        "ALL_PROXY",
        "all_proxy",
        "HTTPS_PROXY",
        "https_proxy",
        "HTTP_PROXY",
        "http_proxy",
    ] {
        command.env_remove(name);
    }
    command
}

pub fn assert_success(what: &str, output: &Output) {
    assert!(
        output.status.success(),
        "{what} failed:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// The build's stderr, after checking that it failed.
pub fn failure_text(what: &str, output: &Output) -> String {
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(
        !output.status.success(),
        "{what} should have failed:\n{stderr}"
    );
    stderr
}

/// Every file under the build directory's OUT_DIRs of the artifact crate.
pub fn artifact_out_files() -> Vec<PathBuf> {
    let mut files = Vec::new();
    let Ok(builds) = fs::read_dir(target_dir().join("debug/build")) else {
        return files;
    };
    for build in builds.flatten() {
        if !build.file_name().to_string_lossy().starts_with(ARTIFACT) {
            continue;
        }
        let Ok(out) = fs::read_dir(build.path().join("out")) else {
            continue;
        };
        files.extend(
            out.flatten()
                .map(|entry| entry.path())
                .filter(|path| path.is_file()),
        );
    }
    files
}

/// Deletes the verified downloads earlier runs left in the build
/// directory (only simulated crates.io builds make them).
pub fn forget_downloads() {
    for file in artifact_out_files() {
        if file
            .file_name()
            .is_some_and(|name| name.to_string_lossy() == asset_name())
        {
            fs::remove_file(&file).expect("remove an earlier download");
        }
    }
}

fn toml_string(path: &Path) -> String {
    format!("'{}'", path.display())
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).expect("create directory");
    for entry in fs::read_dir(from).expect("read directory").flatten() {
        let dest = to.join(entry.file_name());
        if entry.file_type().expect("file type").is_dir() {
            copy_dir(&entry.path(), &dest);
        } else {
            fs::copy(entry.path(), &dest).expect("copy file");
        }
    }
}

/// Runs a built binary; returns its stdout and stderr, after checking
/// that it succeeded.
pub fn run_binary(binary: &Path, args: &[&str]) -> String {
    let output = Command::new(binary)
        .args(args)
        .output()
        .expect("the binary runs");
    assert_success(&binary.display().to_string(), &output);
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}
