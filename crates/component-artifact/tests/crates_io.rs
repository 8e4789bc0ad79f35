//! Builds from crates.io, simulated: the packaged crates, unpacked outside the workspace, get the component from a release server on 127.0.0.1.
//!
//! The "release" is the component this workspace builds, served by
//! `support::server` and reached through `WASMDEBUG_GDBSTUB_URL` (an
//! explicit mirror may be plain HTTP; the pinned URL may not).

mod support;

use std::fs;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::Duration;

use support::server::{Server, dead_url};
use support::{
    Scenario, assert_success, asset_name, failure_text, sha256_hex, workspace_component,
};

/// The ways out every network failure must name.
const WAYS_OUT: &[&str] = &[
    "CARGO_NET_OFFLINE",
    "WASMDEBUG_GDBSTUB_WASM",
    "cargo install --git",
    "`gdbstub` feature",
];

fn assert_ways_out(stderr: &str) {
    for way in WAYS_OUT {
        assert!(
            stderr.contains(way),
            "the error does not mention {way}:\n{stderr}"
        );
    }
}

#[test]
fn cli_downloads_verifies_and_embeds_the_release_then_reuses_it() {
    let scenario = Scenario::new("download");
    let component = workspace_component();
    let hash = sha256_hex(component);
    let server = Server::start(&asset_name(), component.to_vec());
    // An earlier run of this test left a verified copy in this scenario's
    // OUT_DIR (its paths are the same each run); this run must download.
    support::forget_downloads();

    let output = scenario.build_cli(&[("WASMDEBUG_GDBSTUB_URL", &server.url(&asset_name()))]);
    assert_success("building the CLI from its package", &output);
    assert_eq!(server.hits(), 1, "one download");

    let binary = fs::read(scenario.cli_binary()).expect("read the built wasmdebug");
    assert!(
        binary
            .windows(component.len())
            .any(|window| window == component),
        "the built wasmdebug does not contain the served component"
    );
    assert_serves_the_gdb_remote_protocol(&scenario);
    let version = support::run_binary(&scenario.cli_binary(), &["--version"]);
    assert!(
        version.contains("downloaded"),
        "--version does not say the component was downloaded:\n{version}"
    );
    assert!(
        version.contains(&hash),
        "--version does not show the component's hash {hash}:\n{version}"
    );

    // A second build (the changed URL makes the build script run again)
    // takes the verified copy and contacts nobody.
    let second = Server::start(&asset_name(), b"not the component".to_vec());
    let output = scenario.build_cli(&[("WASMDEBUG_GDBSTUB_URL", &second.url(&asset_name()))]);
    assert_success("building again", &output);
    assert_eq!(second.hits(), 0, "the second build contacted the server");
    assert_eq!(
        server.hits(),
        1,
        "the second build contacted the first server"
    );
}

#[test]
fn tampered_download_fails_with_both_hashes_and_embeds_nothing() {
    let scenario = Scenario::new("tampered");
    let mut tampered = workspace_component().to_vec();
    let middle = tampered.len() / 2;
    tampered[middle] ^= 0xff;
    let server = Server::start(&asset_name(), tampered.clone());

    let output = scenario.build_probe(&[("WASMDEBUG_GDBSTUB_URL", &server.url(&asset_name()))]);
    let stderr = failure_text("building with a tampered download", &output);
    assert!(
        stderr.contains(&sha256_hex(&tampered)),
        "the error does not name the actual hash:\n{stderr}"
    );
    assert!(
        stderr.contains(&sha256_hex(workspace_component())),
        "the error does not name the expected hash:\n{stderr}"
    );
    assert!(stderr.contains("nothing was embedded"), "{stderr}");
    assert_ways_out(&stderr);
    for file in support::artifact_out_files() {
        let bytes = fs::read(&file).unwrap_or_default();
        assert!(
            bytes != tampered,
            "the tampered download was kept as {}",
            file.display()
        );
        assert!(
            !file.to_string_lossy().ends_with(".partial"),
            "a partial download was left: {}",
            file.display()
        );
    }
}

#[test]
fn unreachable_server_fails_with_the_network_error_and_the_ways_out() {
    let scenario = Scenario::new("unreachable");
    let url = dead_url(&asset_name());
    let output = scenario.build_probe(&[("WASMDEBUG_GDBSTUB_URL", &url)]);
    let stderr = failure_text("building with the server down", &output);
    assert!(
        stderr.contains(&format!(
            "cannot download the gdbstub component from {url}: network error"
        )),
        "{stderr}"
    );
    assert_ways_out(&stderr);
}

#[test]
fn missing_asset_fails_with_the_http_status_and_the_ways_out() {
    let scenario = Scenario::new("missing");
    let server = Server::start("some-other-file.wasm", Vec::new());
    let url = server.url(&asset_name());
    let output = scenario.build_probe(&[("WASMDEBUG_GDBSTUB_URL", &url)]);
    let stderr = failure_text("building with a 404", &output);
    assert!(
        stderr.contains(&url) && stderr.contains("HTTP status 404"),
        "{stderr}"
    );
    assert_ways_out(&stderr);
}

#[test]
fn offline_build_fails_at_once_without_the_network() {
    let scenario = Scenario::new("offline");
    let server = Server::start(&asset_name(), workspace_component().to_vec());
    let output = scenario.build_probe(&[
        ("WASMDEBUG_GDBSTUB_URL", &server.url(&asset_name())),
        ("CARGO_NET_OFFLINE", "true"),
    ]);
    let stderr = failure_text("building offline", &output);
    assert!(
        stderr.contains("but CARGO_NET_OFFLINE forbids the network"),
        "{stderr}"
    );
    assert_ways_out(&stderr);
    assert_eq!(server.hits(), 0, "an offline build contacted the server");
}

#[test]
fn local_file_builds_offline_and_must_match_the_pin() {
    let scenario = Scenario::new("local-file");
    let good = scenario.dir.join(asset_name());
    fs::write(&good, workspace_component()).expect("write the asset");
    let good = good.to_string_lossy().into_owned();
    let output = scenario.build_probe(&[
        ("WASMDEBUG_GDBSTUB_WASM", &good),
        ("CARGO_NET_OFFLINE", "true"),
    ]);
    assert_success("building offline from WASMDEBUG_GDBSTUB_WASM", &output);
    let hash = sha256_hex(workspace_component());
    assert_eq!(
        scenario.probe_report(),
        ("File".into(), hash, workspace_component().len())
    );

    let other = scenario.dir.join("other.wasm");
    fs::write(&other, b"\0asm other").expect("write another file");
    let other = other.to_string_lossy().into_owned();
    let output = scenario.build_probe(&[
        ("WASMDEBUG_GDBSTUB_WASM", &other),
        ("CARGO_NET_OFFLINE", "true"),
    ]);
    let stderr = failure_text("building from a file that is not the release", &output);
    assert!(
        stderr.contains(&sha256_hex(b"\0asm other"))
            && stderr.contains("WASMDEBUG_GDBSTUB_SKIP_VERIFY"),
        "{stderr}"
    );

    let output = scenario.build_probe(&[
        ("WASMDEBUG_GDBSTUB_WASM", &other),
        ("WASMDEBUG_GDBSTUB_SKIP_VERIFY", "1"),
        ("CARGO_NET_OFFLINE", "true"),
    ]);
    assert_success("building from an unverified file, as asked", &output);
    assert_eq!(
        scenario.probe_report(),
        ("File".into(), sha256_hex(b"\0asm other"), 10)
    );
}

#[test]
fn docs_rs_build_embeds_nothing_and_stays_offline() {
    let scenario = Scenario::new("docs-rs");
    let output = scenario.build_probe(&[("DOCS_RS", "1"), ("CARGO_NET_OFFLINE", "true")]);
    assert_success("a docs.rs build", &output);
    assert_eq!(scenario.probe_report(), ("None".into(), String::new(), 0));
}

/// `-g` works with the downloaded component: it listens, and answers
/// `qSupported` (a raw RSP exchange; the LLDB tests live with the CLI).
fn assert_serves_the_gdb_remote_protocol(scenario: &Scenario) {
    let program = scenario.dir.join("idle.wat");
    fs::write(
        &program,
        r#"(module (memory (export "memory") 1) (func (export "_start")))"#,
    )
    .expect("write a program");
    let mut child = Command::new(scenario.cli_binary())
        .args(["run", "-g", "127.0.0.1:0"])
        .arg(&program)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("wasmdebug starts");
    // Keep reading stderr to its end: a closed pipe would fail the
    // debugger's own writes to it.
    let stderr = child.stderr.take().expect("stderr is piped");
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Some(addr) = line.strip_prefix("Debugger listening on ") {
                let _ = sender.send(addr.trim().to_string());
            }
        }
    });
    let listening = receiver.recv_timeout(Duration::from_secs(60)).ok();
    let reply = listening.map(|addr| {
        let mut stream = TcpStream::connect(&addr).expect("connect to the debugger");
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .expect("set a timeout");
        // What LLDB sends first, in one write.
        let packet = "qSupported:xmlRegisters=i386";
        let checksum = packet.bytes().fold(0u8, |sum, byte| sum.wrapping_add(byte));
        let framed = format!("${packet}#{checksum:02x}");
        stream
            .write_all(framed.as_bytes())
            .expect("send qSupported");
        let mut reply = Vec::new();
        let mut byte = [0];
        while stream.read(&mut byte).unwrap_or(0) == 1 && byte[0] != b'#' {
            reply.push(byte[0]);
        }
        String::from_utf8_lossy(&reply).into_owned()
    });
    let _ = child.kill();
    let _ = child.wait();
    let reply = reply.expect("wasmdebug -g did not say where it listens");
    assert!(
        reply.contains("PacketSize="),
        "unexpected reply to qSupported: {reply}"
    );
}
