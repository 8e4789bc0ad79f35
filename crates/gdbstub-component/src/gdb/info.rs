//! What the client asks about the target: qHostInfo, qProcessInfo and the register list.

use gdbstub::arch::lldb::{Encoding, Format, Generic, Register};
use gdbstub::common::{Endianness, Pid};
use gdbstub::target::ext::host_info::{HostInfo, HostInfoResponse};
use gdbstub::target::ext::lldb_register_info_override::{
    Callback, CallbackToken, LldbRegisterInfoOverride,
};
use gdbstub::target::ext::process_info::{ProcessInfo, ProcessInfoResponse};

use super::{Debugger, Refusal};

/// The triple LLDB's Wasm plugin expects (its own tests use this one).
const TRIPLE: &str = "wasm32-unknown-unknown-wasm";

impl HostInfo for Debugger {
    fn host_info(&self, write: &mut dyn FnMut(&HostInfoResponse<'_>)) -> Result<(), Refusal> {
        // gdbstub ends `endian` with `;;`, and LLDB stops reading at an empty
        // pair, so it goes last.
        write(&HostInfoResponse::Triple(TRIPLE));
        write(&HostInfoResponse::PointerSize(4));
        write(&HostInfoResponse::Endianness(Endianness::Little));
        Ok(())
    }
}

impl ProcessInfo for Debugger {
    fn process_info(&self, write: &mut dyn FnMut(&ProcessInfoResponse<'_>)) -> Result<(), Refusal> {
        // One program per run: its pid is 1, as for the thread.
        if let Some(pid) = Pid::new(1) {
            write(&ProcessInfoResponse::Pid(pid));
        }
        write(&ProcessInfoResponse::Triple(TRIPLE));
        write(&ProcessInfoResponse::PointerSize(4));
        write(&ProcessInfoResponse::Endianness(Endianness::Little));
        Ok(())
    }
}

impl LldbRegisterInfoOverride for Debugger {
    /// The one register, pc, as LLDB's Wasm plugin knows it: 64 bits of
    /// LLDB's Wasm address space.
    fn lldb_register_info<'a>(
        &mut self,
        reg_id: usize,
        reg_info: Callback<'a>,
    ) -> Result<CallbackToken<'a>, Refusal> {
        Ok(match reg_id {
            0 => reg_info.write(Register {
                name: "pc",
                alt_name: Some("pc"),
                bitsize: 64,
                offset: 0,
                encoding: Encoding::Uint,
                format: Format::Hex,
                set: "General Purpose Registers",
                gcc: Some(16),
                dwarf: Some(16),
                generic: Some(Generic::Pc),
                container_regs: None,
                invalidate_regs: None,
            }),
            _ => reg_info.done(),
        })
    }
}
