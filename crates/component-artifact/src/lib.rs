//! The embedded debugger component (filled by the gdbstub issue).
