//! The debug world's generated bindings, and the two types they name: the
//! `debuggee` resource and the error every host function fails with.

use super::execution::Failure;

wasmtime::component::bindgen!({
    path: "wit",
    world: "debugger",
    imports: { default: trappable },
    exports: { default: async },
    require_store_data_send: true,
    trappable_error_type: {
        "wasmdebug:debugger/debuggee.error" => HostError,
    },
    with: {
        "wasi:io/poll": wasmtime_wasi::p2::bindings::io::poll,
        "wasmdebug:debugger/debuggee.debuggee": DebuggeeHandle,
    },
});

use wasmdebug::debugger::debuggee::Error;

/// Why a host function failed; `convert_error` makes it a WIT error or a
/// trap.
pub enum HostError {
    /// The debugger's doing: a WIT error.
    Refused(Error),
    /// Wasmtime failed or panicked serving the request: `error.internal`.
    Runtime(String),
    /// A broken invariant of ours: traps the debugger.
    Broken(anyhow::Error),
}

impl From<Error> for HostError {
    fn from(error: Error) -> HostError {
        HostError::Refused(error)
    }
}

impl From<Failure> for HostError {
    fn from(failure: Failure) -> HostError {
        match failure {
            Failure::NotPaused => HostError::Refused(Error::NotPaused),
            Failure::Exited => HostError::Refused(Error::Exited),
            Failure::History => HostError::Refused(Error::History),
            Failure::Runtime(message) => HostError::Runtime(message),
            Failure::Broken(error) => HostError::Broken(error),
        }
    }
}

impl From<wasmtime::Error> for HostError {
    fn from(error: wasmtime::Error) -> HostError {
        HostError::Runtime(format!("{error:#}"))
    }
}

/// The `debuggee` resource: there is one, and its state lives in `Host`.
pub struct DebuggeeHandle;
