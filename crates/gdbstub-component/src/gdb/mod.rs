//! The gdbstub target: the only place that speaks the GDB remote protocol.
//!
//! `Debugger` implements gdbstub's `Target` over [`Inferior`]; each protocol
//! extension lives in its own file, switched on by its `support_*` method.
//! `conversation` runs gdbstub's state machine over one client's bytes;
//! `session` owns the sockets and the waiting.

mod base;
mod breakpoints;
pub(crate) mod conversation;
mod info;
mod libraries;
mod memory_map;
mod monitor;
pub(crate) mod packets;
mod resume;
mod reverse;
mod session;
mod wasm;
mod watchpoints;

use core::cell::RefCell;
use core::fmt;

use gdbstub::target::ext::base::BaseOps;
use gdbstub::target::ext::breakpoints::BreakpointsOps;
use gdbstub::target::ext::host_info::HostInfoOps;
use gdbstub::target::ext::libraries::LibrariesOps;
use gdbstub::target::ext::lldb_register_info_override::LldbRegisterInfoOverrideOps;
use gdbstub::target::ext::memory_map::MemoryMapOps;
use gdbstub::target::ext::monitor_cmd::MonitorCmdOps;
use gdbstub::target::ext::process_info::ProcessInfoOps;
use gdbstub::target::ext::wasm::WasmOps;
use gdbstub::target::{Target, TargetError};

use crate::inferior::Inferior;
use crate::wasmdebug::debugger::debuggee::Error;

pub use session::serve;

/// The target gdbstub drives.
///
/// gdbstub hands some extensions `&self` only, so the inferior (whose reads
/// fill caches) sits in a `RefCell`; nothing here re-enters, so borrows never
/// overlap.
pub struct Debugger {
    inferior: RefCell<Inferior>,
    /// Breakpoints the client has set, one entry per `Z0`, so that they can be
    /// taken out when it leaves.
    breakpoints: Vec<breakpoints::Breakpoint>,
    /// Likewise its watchpoints.
    watchpoints: Vec<watchpoints::Watch>,
    /// The qXfer documents of the current stop.
    documents: RefCell<Documents>,
    /// Why the host refused the last reverse request, until the stop reply
    /// that says so (see `reverse`).
    reverse_refused: Option<Error>,
}

#[derive(Default)]
struct Documents {
    stop: u64,
    libraries: Option<Vec<u8>>,
    memory_map: Option<Vec<u8>>,
}

impl Debugger {
    pub fn new(inferior: Inferior) -> Self {
        Debugger {
            inferior: RefCell::new(inferior),
            breakpoints: Vec::new(),
            watchpoints: Vec::new(),
            documents: RefCell::default(),
            reverse_refused: None,
        }
    }

    /// A qXfer document of the current stop, built on its first read so every
    /// slice the client reads comes from the same document.
    fn document(
        &self,
        pick: fn(&mut Documents) -> &mut Option<Vec<u8>>,
        build: impl FnOnce(&mut Inferior) -> Result<String, Error>,
        offset: u64,
        length: usize,
        buf: &mut [u8],
    ) -> Result<usize, Error> {
        let mut inferior = self.inferior.borrow_mut();
        let mut documents = self.documents.borrow_mut();
        if documents.stop != inferior.resumes() {
            *documents = Documents {
                stop: inferior.resumes(),
                ..Documents::default()
            };
        }
        let slot = pick(&mut documents);
        if slot.is_none() {
            *slot = Some(build(&mut inferior)?.into_bytes());
        }
        let document = slot.as_deref().unwrap_or_default();
        Ok(crate::xml::read_slice(document, offset, length, buf))
    }
}

/// A failed request, as the errno of the `E` reply the client gets.
///
/// gdbstub answers most failures itself from a `TargetError::Errno`; for the
/// few hooks that can only fail fatally (the qWasm queries), the session
/// catches this error, replies with it, and carries on with a fresh stub.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Refusal(pub u8);

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "request refused with error {:#04x}", self.0)
    }
}

/// Error numbers of our `E` replies (Linux errno values, as LLDB prints them).
pub mod errno {
    pub const EPERM: u8 = 0x01;
    pub const ESRCH: u8 = 0x03;
    pub const EIO: u8 = 0x05;
    pub const EFAULT: u8 = 0x0e;
    pub const EBUSY: u8 = 0x10;
    pub const EINVAL: u8 = 0x16;
    /// The recorded history cannot change: a write while the program is
    /// shown at a past position.
    pub const EROFS: u8 = 0x1e;
}

/// The errno for a failure reported by the host.
pub fn errno_of(error: Error) -> u8 {
    match error {
        Error::NotPaused => errno::EBUSY,
        Error::Exited => errno::ESRCH,
        Error::BadIndex | Error::OutOfBounds => errno::EFAULT,
        Error::TypeMismatch => errno::EINVAL,
        Error::Internal => errno::EIO,
        Error::History => errno::EROFS,
    }
}

fn refuse(error: Error) -> TargetError<Refusal> {
    TargetError::Errno(errno_of(error))
}

impl Target for Debugger {
    type Arch = gdbstub_arch::wasm::Wasm;
    type Error = Refusal;

    #[inline(always)]
    fn base_ops(&mut self) -> BaseOps<'_, Self::Arch, Self::Error> {
        BaseOps::SingleThread(self)
    }

    /// Run-length encoding costs a branch per byte of every reply and saves
    /// little but runs of zeros; replies also keep their plain length.
    #[inline(always)]
    fn use_rle(&self) -> bool {
        false
    }

    #[inline(always)]
    fn support_breakpoints(&mut self) -> Option<BreakpointsOps<'_, Self>> {
        Some(self)
    }

    #[inline(always)]
    fn support_memory_map(&mut self) -> Option<MemoryMapOps<'_, Self>> {
        Some(self)
    }

    #[inline(always)]
    fn support_monitor_cmd(&mut self) -> Option<MonitorCmdOps<'_, Self>> {
        Some(self)
    }

    #[inline(always)]
    fn support_libraries(&mut self) -> Option<LibrariesOps<'_, Self>> {
        Some(self)
    }

    #[inline(always)]
    fn support_host_info(&mut self) -> Option<HostInfoOps<'_, Self>> {
        Some(self)
    }

    #[inline(always)]
    fn support_process_info(&mut self) -> Option<ProcessInfoOps<'_, Self>> {
        Some(self)
    }

    #[inline(always)]
    fn support_lldb_register_info_override(
        &mut self,
    ) -> Option<LldbRegisterInfoOverrideOps<'_, Self>> {
        Some(self)
    }

    #[inline(always)]
    fn support_wasm(&mut self) -> Option<WasmOps<'_, Self>> {
        Some(self)
    }
}
