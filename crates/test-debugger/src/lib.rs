//! A scripted debugger component for the debug-world tests (being written).
