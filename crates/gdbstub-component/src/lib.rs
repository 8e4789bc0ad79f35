//! The built-in gdbstub debugger component (filled by the gdbstub issue).
