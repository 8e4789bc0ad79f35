//! Downloading the released component: hashed while it streams to a temporary file, kept only if it matches.

use std::fmt;
use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use sha2::{Digest, Sha256};

use crate::digest;

/// The proxy variables ureq reads (its default configuration does).
pub const ENV_READ: &[&str] = &[
    "ALL_PROXY",
    "all_proxy",
    "HTTPS_PROXY",
    "https_proxy",
    "HTTP_PROXY",
    "http_proxy",
    "NO_PROXY",
    "no_proxy",
];

/// The component is a few MiB; anything far larger is not it.
const MAX_BYTES: u64 = 64 << 20;
/// `cargo build --offline` does not tell build scripts it is offline, so a
/// machine without a network still tries: name resolution fails at once,
/// and a firewall that drops packets costs this long.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// For the whole request, body included: a stalled server fails the build
/// instead of hanging it.
const TOTAL_TIMEOUT: Duration = Duration::from_secs(300);

pub enum Problem {
    /// The pinned URL must be HTTPS; only an explicit mirror may be HTTP.
    Insecure,
    Status(u16),
    Network(String),
    TooLarge,
    Mismatch {
        actual: String,
    },
    Disk(String),
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::Insecure => write!(
                f,
                "the URL is not https:// (only a WASMDEBUG_GDBSTUB_URL mirror may be)"
            ),
            Problem::Status(status) => write!(f, "the server answered HTTP status {status}"),
            Problem::Network(error) => write!(f, "network error: {error}"),
            Problem::TooLarge => write!(f, "the response is larger than {MAX_BYTES} bytes"),
            Problem::Mismatch { actual } => write!(f, "SHA-256 mismatch: got {actual}"),
            Problem::Disk(error) => write!(f, "{error}"),
        }
    }
}

/// Downloads `url` to `dest` if its SHA-256 is `sha256`. `dest` appears
/// only complete and verified: the bytes go to a temporary file beside it,
/// renamed into place after the check, removed otherwise.
pub fn download(url: &str, mirror: bool, sha256: &str, dest: &Path) -> Result<(), Problem> {
    if !mirror && !url.starts_with("https://") {
        return Err(Problem::Insecure);
    }
    let partial = partial_path(dest);
    let result = fetch_to(url, mirror, &partial).and_then(|actual| {
        if actual != sha256 {
            return Err(Problem::Mismatch { actual });
        }
        fs::rename(&partial, dest)
            .map_err(|error| Problem::Disk(format!("cannot rename to {}: {error}", dest.display())))
    });
    if result.is_err() {
        let _ = fs::remove_file(&partial);
    }
    result
}

/// Copies a verified file into the user's cache directory, with the same
/// write-then-rename care as a download.
pub fn copy_into(verified: &Path, dest: &Path) -> io::Result<()> {
    if let Some(dir) = dest.parent() {
        fs::create_dir_all(dir)?;
    }
    let partial = partial_path(dest);
    fs::copy(verified, &partial)?;
    fs::rename(&partial, dest).inspect_err(|_| {
        let _ = fs::remove_file(&partial);
    })
}

/// Streams the body of `url` into `path`; returns its SHA-256.
fn fetch_to(url: &str, mirror: bool, path: &Path) -> Result<String, Problem> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        // Redirects (GitHub sends release assets through one) must stay on
        // HTTPS too, unless the user chose a plain-HTTP mirror.
        .https_only(!mirror)
        .timeout_connect(Some(CONNECT_TIMEOUT))
        .timeout_global(Some(TOTAL_TIMEOUT))
        .build()
        .into();
    let response = agent.get(url).call().map_err(|error| match error {
        ureq::Error::StatusCode(status) => Problem::Status(status),
        error => Problem::Network(error.to_string()),
    })?;
    let mut body = response.into_body();
    let mut reader = body.with_config().limit(MAX_BYTES).reader();
    let mut file = File::create(path)
        .map_err(|error| Problem::Disk(format!("cannot create {}: {error}", path.display())))?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0; 64 * 1024];
    loop {
        let read = match reader.read(&mut buffer) {
            Ok(0) => break,
            Ok(read) => read,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
            Err(error) => return Err(body_error(error)),
        };
        hasher.update(&buffer[..read]);
        file.write_all(&buffer[..read])
            .map_err(|error| Problem::Disk(format!("cannot write {}: {error}", path.display())))?;
    }
    file.sync_all()
        .map_err(|error| Problem::Disk(format!("cannot write {}: {error}", path.display())))?;
    Ok(digest::hex(&hasher.finalize()))
}

/// ureq reports body errors (the size limit among them) as `io::Error`s
/// wrapping its own.
fn body_error(error: io::Error) -> Problem {
    match error
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<ureq::Error>())
    {
        Some(ureq::Error::BodyExceedsLimit(_)) => Problem::TooLarge,
        _ => Problem::Network(error.to_string()),
    }
}

fn partial_path(dest: &Path) -> PathBuf {
    let mut name = dest.file_name().unwrap_or_default().to_os_string();
    name.push(".partial");
    dest.with_file_name(name)
}
