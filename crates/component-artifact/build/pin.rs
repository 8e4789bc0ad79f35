//! `pin.toml`: the released component's SHA-256 and the URL template of its release asset.
//!
//! The file is a tiny subset of TOML (`key = "value"` lines and comments),
//! read by hand so the build script needs no TOML parser.

use std::path::Path;

use crate::failure::Failure;

pub struct Pin {
    /// Lowercase hex.
    pub sha256: String,
    /// The release asset's URL for this crate's version.
    pub url: String,
    /// The asset's file name, also the name of verified copies on disk.
    pub file_name: String,
}

impl Pin {
    pub fn load(path: &Path, version: &str) -> Result<Pin, Failure> {
        let text = std::fs::read_to_string(path)
            .map_err(|error| Failure::io(format!("cannot read {}", path.display()), error))?;
        Pin::parse(&text, version)
            .map_err(|problem| Failure::plain(format!("{}: {problem}", path.display())))
    }

    fn parse(text: &str, version: &str) -> Result<Pin, String> {
        let sha256 = value(text, "sha256")?.to_ascii_lowercase();
        if sha256.len() != 64 || !sha256.bytes().all(|byte| byte.is_ascii_hexdigit()) {
            return Err(format!("sha256 `{sha256}` is not 64 hex digits"));
        }
        let url = value(text, "url")?.replace("{version}", version);
        let file_name = match url.rsplit_once('/') {
            Some((_, name)) if !name.is_empty() => name.to_string(),
            _ => return Err(format!("url `{url}` does not end in a file name")),
        };
        Ok(Pin {
            sha256,
            url,
            file_name,
        })
    }
}

/// The quoted value of `key = "value"`.
fn value<'a>(text: &'a str, key: &str) -> Result<&'a str, String> {
    text.lines()
        .filter_map(|line| line.split_once('='))
        .find(|(name, _)| name.trim() == key)
        .and_then(|(_, value)| value.trim().strip_prefix('"')?.strip_suffix('"'))
        .ok_or_else(|| format!("no `{key} = \"...\"` line"))
}
