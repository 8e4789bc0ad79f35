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
    let names: Vec<(String, u64)> = modules
        .iter()
        .enumerate()
        .filter_map(|(i, module)| {
            let base = addr::code(i as u32, 0)?;
            Some((library_name(i, module.name.as_deref()), base))
        })
        .collect();
    Ok(xml::library_list(
        names.iter().map(|(name, base)| (name.as_str(), *base)),
    ))
}

/// The module's own name (from its name section) where it has one; LLDB
/// shows it as the file its symbols come from.
fn library_name(index: usize, name: Option<&str>) -> String {
    match name {
        Some(name) if !name.is_empty() => {
            if name.ends_with(".wasm") {
                name.to_string()
            } else {
                format!("{name}.wasm")
            }
        }
        _ => format!("module{index}.wasm"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_libraries() {
        assert_eq!(library_name(0, Some("debuggee.wasm")), "debuggee.wasm");
        assert_eq!(
            library_name(1, Some("wit-component:adapter")),
            "wit-component:adapter.wasm"
        );
        assert_eq!(library_name(2, Some("")), "module2.wasm");
        assert_eq!(library_name(3, None), "module3.wasm");
    }
}
