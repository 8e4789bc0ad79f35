//! The library list (`qXfer:libraries:read`): one library per loaded module.

use gdbstub::target::TargetResult;
use gdbstub::target::ext::libraries::Libraries;

use super::{Debugger, refuse};
use crate::addr;
use crate::inferior::Inferior;
use crate::xml;

impl Libraries for Debugger {
    fn get_libraries(
        &self,
        offset: u64,
        length: usize,
        buf: &mut [u8],
    ) -> TargetResult<usize, Self> {
        self.document(|d| &mut d.libraries, library_list, offset, length, buf)
            .map_err(refuse)
    }
}

fn library_list(
    inferior: &mut Inferior,
) -> Result<String, crate::wasmdebug::debugger::debuggee::Error> {
    let modules = inferior.modules()?;
    // The runtime names each module after the program, uniquely; LLDB
    // shows that name as the file its symbols come from.
    let libraries = modules
        .iter()
        .enumerate()
        .filter_map(|(i, module)| Some((module.name.as_str(), addr::code(i as u32, 0)?)));
    Ok(xml::library_list(libraries))
}
