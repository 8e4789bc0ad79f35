//! Where functions are in a core module: a tiny reader of the sections we need.

use std::collections::HashMap;
use std::ops::Range;

fn leb(bytes: &[u8], at: &mut usize) -> u64 {
    let (mut value, mut shift) = (0u64, 0);
    loop {
        let byte = bytes[*at];
        *at += 1;
        value |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return value;
        }
        shift += 7;
    }
}

fn name(bytes: &[u8], at: &mut usize) -> String {
    let len = leb(bytes, at) as usize;
    let text = String::from_utf8_lossy(&bytes[*at..*at + len]).into_owned();
    *at += len;
    text
}

/// The code section's contents, as a byte range of the module.
pub fn code_section(module: &[u8]) -> Range<u64> {
    assert_eq!(&module[..4], b"\0asm", "a core module");
    let mut at = 8;
    while at < module.len() {
        let id = module[at];
        at += 1;
        let size = leb(module, &mut at);
        if id == 10 {
            return at as u64..at as u64 + size;
        }
        at += size as usize;
    }
    panic!("no code section")
}

/// Each named function's body, as byte ranges of the module.
pub fn functions(module: &[u8]) -> HashMap<String, Range<u64>> {
    assert_eq!(&module[..4], b"\0asm", "a core module");
    let mut at = 8;
    let mut imported = 0;
    let mut bodies = Vec::new();
    let mut names = HashMap::new();
    while at < module.len() {
        let id = module[at];
        at += 1;
        let size = leb(module, &mut at) as usize;
        let end = at + size;
        let mut p = at;
        match id {
            // Imports: count the functions.
            2 => {
                for _ in 0..leb(module, &mut p) {
                    name(module, &mut p);
                    name(module, &mut p);
                    let kind = module[p];
                    p += 1;
                    match kind {
                        0 => {
                            leb(module, &mut p);
                            imported += 1;
                        }
                        1 => {
                            p += 1;
                            let flags = leb(module, &mut p);
                            leb(module, &mut p);
                            if flags & 1 != 0 {
                                leb(module, &mut p);
                            }
                        }
                        2 => {
                            let flags = leb(module, &mut p);
                            leb(module, &mut p);
                            if flags & 1 != 0 {
                                leb(module, &mut p);
                            }
                        }
                        3 => p += 2,
                        _ => panic!("import kind {kind}"),
                    }
                }
            }
            10 => {
                for _ in 0..leb(module, &mut p) {
                    let len = leb(module, &mut p) as usize;
                    bodies.push(p as u64..(p + len) as u64);
                    p += len;
                }
            }
            0 if name(module, &mut p) == "name" => {
                while p < end {
                    let kind = module[p];
                    p += 1;
                    let len = leb(module, &mut p) as usize;
                    let next = p + len;
                    if kind == 1 {
                        for _ in 0..leb(module, &mut p) {
                            let index = leb(module, &mut p);
                            names.insert(index, name(module, &mut p));
                        }
                    }
                    p = next;
                }
            }
            _ => {}
        }
        at = end;
    }
    names
        .into_iter()
        .filter_map(|(index, name)| {
            let body = bodies.get(index.checked_sub(imported)? as usize)?;
            Some((name, body.clone()))
        })
        .collect()
}
