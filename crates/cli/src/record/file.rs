//! The recording file (`run --record`): a run's inputs, written as the run
//! makes them, and read back whole by `wasmdebug replay`.
//!
//! Version 2, every integer little-endian; a string is a u32 length and
//! UTF-8 bytes:
//!
//! ```text
//! magic     "wasmdebug recording\n"
//! version   u32: 2 (version 1, which had no outcome 3, is read too)
//! program   its SHA-256 (32 bytes), its file name (string)
//! options   u16 count, then each `-W` option of the run (string)
//! names     u16 count, then each WASI function a call can name (string)
//! records   each a tag byte and its body:
//!   1 call      function (u16, index into names), params (u8 count, i64
//!               each), then what it did:
//!                 0 returned: results (u8 count, i64 each), writes (u32
//!                   count, each an address u32 and bytes: u32 length, bytes)
//!                 1 exited: the status, i32
//!                 2 failed: the error (string)
//!                 3 answered (a component's call): the value it returned
//!                   (bytes: u32 length, bytes), as `preview2::answer`
//!                   encodes it
//!   2 end       how the run ended: 0 exited (i32), 1 trapped (the trap,
//!               string), 2 interrupted (Ctrl-C); then the SHA-256 of every
//!               byte of the file before the hash itself
//! ```
//!
//! Nothing is compressed: a call costs a few dozen bytes beyond what it
//! read (a write records only how much was written), so a file is about
//! as large as the input the program read. Records go out through a 64 KiB
//! buffer, flushed at the end, after a trap, and on Ctrl-C; the end
//! record's hash is what tells a whole, untouched file from a truncated or
//! edited one.

use std::fs::File;
use std::io::{BufWriter, Read, Write};
use std::path::Path;

use anyhow::{Context, Result, bail};
use sha2::{Digest, Sha256};

use super::call::{Call, Outcome};

const MAGIC: &[u8] = b"wasmdebug recording\n";
const VERSION: u32 = 2;
/// The oldest version this wasmdebug reads.
const OLDEST_VERSION: u32 = 1;

const CALL: u8 = 1;
const END: u8 = 2;

/// What a recording file says before its calls.
#[derive(Clone, Debug, PartialEq)]
pub struct Header {
    pub program_sha256: [u8; 32],
    pub program_name: String,
    /// The run's `-W` options, as given.
    pub wasm_options: Vec<String>,
    /// The WASI functions, by the index a call names them with.
    pub names: Vec<String>,
}

/// How a recorded run ended.
#[derive(Clone, Debug, PartialEq)]
pub enum End {
    Exited(i32),
    /// It trapped; the trap's description.
    Trapped(String),
    /// Ctrl-C ended it: the recording stops wherever the run was.
    Interrupted,
}

/// A recording being written.
pub struct Writer {
    out: BufWriter<File>,
    hash: Sha256,
    /// One record's bytes, kept to be refilled: a record costs no
    /// allocation.
    record: Vec<u8>,
}

impl Writer {
    pub fn create(path: &Path, header: &Header) -> Result<Writer> {
        let file = File::create(path)
            .with_context(|| format!("cannot create the recording `{}`", path.display()))?;
        let mut writer = Writer {
            out: BufWriter::with_capacity(64 << 10, file),
            hash: Sha256::new(),
            record: Vec::new(),
        };
        let mut bytes = Vec::new();
        bytes.extend_from_slice(MAGIC);
        bytes.extend_from_slice(&VERSION.to_le_bytes());
        bytes.extend_from_slice(&header.program_sha256);
        put_str(&mut bytes, &header.program_name);
        put_strings(&mut bytes, &header.wasm_options);
        put_strings(&mut bytes, &header.names);
        writer
            .write(&bytes)
            .with_context(|| format!("cannot write the recording `{}`", path.display()))?;
        Ok(writer)
    }

    pub fn call(&mut self, call: &Call) -> std::io::Result<()> {
        let mut bytes = std::mem::take(&mut self.record);
        bytes.clear();
        bytes.push(CALL);
        bytes.extend_from_slice(&call.function.to_le_bytes());
        put_integers(&mut bytes, &call.params);
        match &call.outcome {
            Outcome::Returned { results, writes } => {
                bytes.push(0);
                put_integers(&mut bytes, results);
                bytes.extend_from_slice(&(writes.len() as u32).to_le_bytes());
                for (address, data) in writes {
                    bytes.extend_from_slice(&address.to_le_bytes());
                    put_bytes(&mut bytes, data);
                }
            }
            Outcome::Exited(status) => {
                bytes.push(1);
                bytes.extend_from_slice(&status.to_le_bytes());
            }
            Outcome::Failed(message) => {
                bytes.push(2);
                put_str(&mut bytes, message);
            }
            Outcome::Answered(answer) => {
                bytes.push(3);
                put_bytes(&mut bytes, answer);
            }
        }
        let written = self.write(&bytes);
        self.record = bytes;
        written
    }

    /// Writes the end record and flushes: the file is whole.
    pub fn end(&mut self, end: &End) -> std::io::Result<()> {
        let mut bytes = vec![END];
        match end {
            End::Exited(status) => {
                bytes.push(0);
                bytes.extend_from_slice(&status.to_le_bytes());
            }
            End::Trapped(trap) => {
                bytes.push(1);
                put_str(&mut bytes, trap);
            }
            End::Interrupted => bytes.push(2),
        }
        self.write(&bytes)?;
        let digest = self.hash.clone().finalize();
        self.out.write_all(&digest)?;
        self.out.flush()
    }

    fn write(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.hash.update(bytes);
        self.out.write_all(bytes)
    }
}

/// A whole recording, read and checked.
pub struct RecordFile {
    pub header: Header,
    pub calls: Vec<Call>,
    pub end: End,
}

impl RecordFile {
    /// Reads and checks the recording at `path`; every way it can be wrong
    /// is a one-line error.
    pub fn read(path: &Path) -> Result<RecordFile> {
        let mut bytes = Vec::new();
        File::open(path)
            .and_then(|mut file| file.read_to_end(&mut bytes))
            .with_context(|| format!("cannot read the recording `{}`", path.display()))?;
        parse(&bytes).with_context(|| format!("`{}` cannot be replayed", path.display()))
    }
}

fn parse(bytes: &[u8]) -> Result<RecordFile> {
    let mut input = Input { bytes, at: 0 };
    if input.take(MAGIC.len()).ok() != Some(MAGIC) {
        bail!("it is not a wasmdebug recording");
    }
    let version = input.u32()?;
    if !(OLDEST_VERSION..=VERSION).contains(&version) {
        bail!(
            "it is a version {version} recording; this wasmdebug reads versions \
             {OLDEST_VERSION} to {VERSION}"
        );
    }
    let mut program_sha256 = [0; 32];
    program_sha256.copy_from_slice(input.take(32)?);
    let header = Header {
        program_sha256,
        program_name: input.string()?,
        wasm_options: input.strings()?,
        names: input.strings()?,
    };
    let mut calls = Vec::new();
    loop {
        let record_start = input.at;
        match input.u8() {
            Err(_) => {
                bail!("it is truncated: it has no end record (the recording run was killed?)")
            }
            Ok(CALL) => calls.push(call(&mut input, header.names.len())?),
            Ok(END) => {
                let end = end(&mut input)?;
                let hashed = input.at;
                let digest = input.take(32)?;
                if digest != Sha256::digest(&bytes[..hashed]).as_slice() {
                    bail!("it is corrupt or was edited: its checksum does not match");
                }
                if input.at != bytes.len() {
                    bail!("it has bytes after its end record");
                }
                return Ok(RecordFile { header, calls, end });
            }
            Ok(tag) => bail!("it is corrupt: unknown record {tag} at byte {record_start}"),
        }
    }
}

fn call(input: &mut Input<'_>, names: usize) -> Result<Call> {
    let function = input.u16()?;
    if usize::from(function) >= names {
        bail!("it is corrupt: a call names function {function} of {names}");
    }
    let params = input.integers()?;
    let outcome = match input.u8()? {
        0 => {
            let results = input.integers()?;
            let count = input.u32()?;
            let mut writes = Vec::new();
            for _ in 0..count {
                let address = input.u32()?;
                let length = input.u32()? as usize;
                writes.push((address, Box::from(input.take(length)?)));
            }
            Outcome::Returned {
                results,
                writes: writes.into(),
            }
        }
        1 => Outcome::Exited(input.u32()? as i32),
        2 => Outcome::Failed(input.string()?),
        3 => {
            let length = input.u32()? as usize;
            Outcome::Answered(Box::from(input.take(length)?))
        }
        other => bail!("it is corrupt: unknown call outcome {other}"),
    };
    Ok(Call {
        function,
        params,
        outcome,
    })
}

fn end(input: &mut Input<'_>) -> Result<End> {
    Ok(match input.u8()? {
        0 => End::Exited(input.u32()? as i32),
        1 => End::Trapped(input.string()?),
        2 => End::Interrupted,
        other => bail!("it is corrupt: unknown ending {other}"),
    })
}

fn put_str(bytes: &mut Vec<u8>, text: &str) {
    put_bytes(bytes, text.as_bytes());
}

fn put_bytes(bytes: &mut Vec<u8>, data: &[u8]) {
    bytes.extend_from_slice(&(data.len() as u32).to_le_bytes());
    bytes.extend_from_slice(data);
}

fn put_strings(bytes: &mut Vec<u8>, texts: &[String]) {
    bytes.extend_from_slice(&(texts.len() as u16).to_le_bytes());
    for text in texts {
        put_str(bytes, text);
    }
}

fn put_integers(bytes: &mut Vec<u8>, values: &[i64]) {
    bytes.push(values.len() as u8);
    for value in values {
        bytes.extend_from_slice(&value.to_le_bytes());
    }
}

/// The bytes of a recording being parsed; every read checks the length.
struct Input<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Input<'a> {
    fn take(&mut self, length: usize) -> Result<&'a [u8]> {
        let end = self
            .at
            .checked_add(length)
            .filter(|end| *end <= self.bytes.len());
        let Some(end) = end else {
            bail!("it is truncated: it ends inside a record (the recording run was killed?)");
        };
        let taken = &self.bytes[self.at..end];
        self.at = end;
        Ok(taken)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N]> {
        let mut array = [0; N];
        array.copy_from_slice(self.take(N)?);
        Ok(array)
    }

    fn u8(&mut self) -> Result<u8> {
        Ok(self.array::<1>()?[0])
    }

    fn u16(&mut self) -> Result<u16> {
        Ok(u16::from_le_bytes(self.array()?))
    }

    fn u32(&mut self) -> Result<u32> {
        Ok(u32::from_le_bytes(self.array()?))
    }

    fn string(&mut self) -> Result<String> {
        let length = self.u32()? as usize;
        match std::str::from_utf8(self.take(length)?) {
            Ok(text) => Ok(text.to_string()),
            Err(_) => bail!("it is corrupt: a string is not UTF-8"),
        }
    }

    fn strings(&mut self) -> Result<Vec<String>> {
        let count = self.u16()?;
        (0..count).map(|_| self.string()).collect()
    }

    fn integers(&mut self) -> Result<Box<[i64]>> {
        let count = self.u8()?;
        (0..count)
            .map(|_| Ok(i64::from_le_bytes(self.array()?)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header() -> Header {
        Header {
            program_sha256: [7; 32],
            program_name: "app.wasm".into(),
            wasm_options: vec!["fuel=100".into()],
            names: vec!["fd_read".into(), "proc_exit".into()],
        }
    }

    fn written(path: &Path) -> Vec<u8> {
        let mut writer = Writer::create(path, &header()).unwrap();
        let writes: Box<[(u32, Box<[u8]>)]> = Box::new([(16, Box::from(&b"abc"[..]))]);
        let call = Call {
            function: 0,
            params: Box::new([0, 8, 1, 12]),
            outcome: Outcome::Returned {
                results: Box::new([0]),
                writes,
            },
        };
        writer.call(&call).unwrap();
        let answered = Call {
            function: 0,
            params: Box::new([]),
            outcome: Outcome::Answered(Box::from(&b"\x00\x2a"[..])),
        };
        writer.call(&answered).unwrap();
        let exit = Call {
            function: 1,
            params: Box::new([3]),
            outcome: Outcome::Exited(3),
        };
        writer.call(&exit).unwrap();
        writer.end(&End::Exited(3)).unwrap();
        std::fs::read(path).unwrap()
    }

    fn scratch(name: &str) -> std::path::PathBuf {
        std::env::temp_dir().join(format!("wasmdebug-{name}-{}", std::process::id()))
    }

    #[test]
    fn a_recording_reads_back_as_written() {
        let path = scratch("recording-roundtrip");
        let bytes = written(&path);
        let file = parse(&bytes).unwrap();
        assert_eq!(file.header, header());
        assert_eq!(file.calls.len(), 3);
        assert!(matches!(&file.calls[1].outcome, Outcome::Answered(answer) if **answer == [0, 42]));
        assert_eq!(file.end, End::Exited(3));
        let _ = std::fs::remove_file(path);
    }

    #[test]
    fn a_changed_cut_or_foreign_recording_is_refused() {
        let path = scratch("recording-refused");
        let bytes = written(&path);
        let _ = std::fs::remove_file(path);
        let error = |bytes: &[u8]| {
            parse(bytes)
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default()
        };
        let mut edited = bytes.clone();
        let data = edited.windows(3).position(|w| w == b"abc").unwrap();
        edited[data] ^= 1;
        assert!(error(&edited).contains("corrupt"), "{}", error(&edited));
        // The end record's exit status (3) is under the hash too.
        let mut status = bytes.clone();
        let at = status.len() - 32 - 4;
        status[at] = 0;
        assert!(error(&status).contains("edited"), "{}", error(&status));
        assert!(error(&bytes[..bytes.len() - 1]).contains("truncated"));
        assert!(error(&bytes[..bytes.len() - 40]).contains("truncated"));
        assert!(error(b"PK\x03\x04 a zip file").contains("not a wasmdebug recording"));
        let mut newer = bytes.clone();
        newer[MAGIC.len()] = 3;
        assert!(error(&newer).contains("version 3"), "{}", error(&newer));
    }

    #[test]
    fn a_version_1_recording_is_still_read() {
        let path = scratch("recording-version-1");
        let mut bytes = written(&path);
        let _ = std::fs::remove_file(path);
        bytes[MAGIC.len()] = 1;
        let hashed = bytes.len() - 32;
        let digest = Sha256::digest(&bytes[..hashed]);
        bytes[hashed..].copy_from_slice(&digest);
        assert_eq!(parse(&bytes).unwrap().calls.len(), 3);
    }
}
