//! What the debugger reads from a module's bytecode: function names, where bodies start, instructions.

use std::collections::BTreeMap;
use std::ops::Range;

use wasmparser::{BinaryReader, FunctionBody, KnownCustom, Name, Parser, Payload};

/// A function defined in the module (imports have no body).
#[derive(Clone)]
pub struct Function {
    /// Index in the function index space (imports first).
    pub index: u32,
    /// Bytecode offset of the body's first byte, its locals declarations:
    /// where DWARF's `DW_AT_low_pc` of the function points.
    pub body: u32,
    /// Bytecode offset of the first instruction.
    pub code: u32,
    /// The body's bytes in the module.
    range: Range<usize>,
}

/// One parsed module, kept with its bytes so instructions can be decoded later.
pub struct Module {
    bytes: Vec<u8>,
    functions: Vec<Function>,
    /// Names from the name section, by function index.
    names: BTreeMap<u32, String>,
}

impl Module {
    pub fn parse(bytes: Vec<u8>) -> Result<Module, String> {
        let mut imported_functions = 0;
        let mut bodies = Vec::new();
        let mut names = BTreeMap::new();
        for payload in Parser::new(0).parse_all(&bytes) {
            match payload.map_err(|e| e.to_string())? {
                Payload::ImportSection(imports) => {
                    for import in imports.into_imports() {
                        let import = import.map_err(|e| e.to_string())?;
                        if matches!(
                            import.ty,
                            wasmparser::TypeRef::Func(_) | wasmparser::TypeRef::FuncExact(_)
                        ) {
                            imported_functions += 1;
                        }
                    }
                }
                Payload::CodeSectionEntry(body) => bodies.push(body.range()),
                Payload::CustomSection(section) => {
                    // A malformed name section only costs us the names.
                    if let KnownCustom::Name(reader) = section.as_known() {
                        for name in reader.into_iter().flatten() {
                            if let Name::Function(map) = name {
                                for naming in map.into_iter().flatten() {
                                    names.insert(naming.index, naming.name.to_string());
                                }
                            }
                        }
                    }
                }
                _ => {}
            }
        }
        let mut functions = Vec::new();
        for (i, range) in bodies.into_iter().enumerate() {
            let range = range.start as usize..range.end as usize;
            let body = function_body(&bytes, &range);
            let code = body
                .get_binary_reader_for_operators()
                .map_err(|e| e.to_string())?
                .original_position();
            functions.push(Function {
                index: imported_functions + i as u32,
                body: range.start as u32,
                code: code as u32,
                range,
            });
        }
        Ok(Module {
            bytes,
            functions,
            names,
        })
    }

    /// The function's name for people: Rust's legacy mangling is undone and
    /// its hash dropped, so names stay the same from one build to the next.
    pub fn name(&self, index: u32) -> Option<String> {
        self.names.get(&index).map(|name| match demangle(name) {
            Some(path) => path.join("::"),
            None => name.clone(),
        })
    }

    /// The defined function called `name`: its exact name-section name, else
    /// its demangled path (`debuggee::factorial`), else the path's last
    /// segment (`factorial`).
    pub fn find(&self, name: &str) -> Option<&Function> {
        let defined = |index: &u32| self.functions.iter().find(|f| f.index == *index);
        let exact = self.names.iter().find(|(_, n)| *n == name);
        let by_path = || {
            self.names.iter().find(|(_, n)| {
                demangle(n).is_some_and(|path| {
                    path.join("::") == name || path.last().map(String::as_str) == Some(name)
                })
            })
        };
        exact.or_else(by_path).and_then(|(index, _)| defined(index))
    }

    /// The offsets of the first `count` instructions of `function`.
    pub fn instructions(&self, function: &Function, count: usize) -> Result<Vec<u32>, String> {
        let body = function_body(&self.bytes, &function.range);
        let mut reader = body.get_operators_reader().map_err(|e| e.to_string())?;
        let mut offsets = Vec::new();
        while offsets.len() < count && !reader.eof() {
            let (_, offset) = reader.read_with_offset().map_err(|e| e.to_string())?;
            offsets.push(offset as u32);
        }
        Ok(offsets)
    }

    /// The name of the instruction at `pc` (wasmparser's operator name, such
    /// as `Unreachable` or `LocalGet`), if an instruction starts there.
    pub fn instruction_at(&self, pc: u32) -> Result<String, String> {
        let pc = pc as usize;
        let function = self
            .functions
            .iter()
            .find(|f| f.range.contains(&pc))
            .ok_or("not in a function body")?;
        let body = function_body(&self.bytes, &function.range);
        let mut reader = body.get_operators_reader().map_err(|e| e.to_string())?;
        while !reader.eof() {
            let (operator, offset) = reader.read_with_offset().map_err(|e| e.to_string())?;
            if offset as usize == pc {
                return Ok(operator_name(&operator));
            }
            if offset as usize > pc {
                break;
            }
        }
        Err("not at an instruction".into())
    }

    /// The offset of the first instruction of `function` named `name`
    /// (wasmparser's operator name, as `instruction_at` gives it).
    pub fn find_instruction(&self, function: &Function, name: &str) -> Result<u32, String> {
        let body = function_body(&self.bytes, &function.range);
        let mut reader = body.get_operators_reader().map_err(|e| e.to_string())?;
        while !reader.eof() {
            let (operator, offset) = reader.read_with_offset().map_err(|e| e.to_string())?;
            if operator_name(&operator) == name {
                return Ok(offset as u32);
            }
        }
        Err(format!("no `{name}` in the function"))
    }
}

/// wasmparser's name of an operator, without its immediates.
fn operator_name(operator: &wasmparser::Operator<'_>) -> String {
    let debug = format!("{operator:?}");
    let end = debug.find([' ', '{', '(']).unwrap_or(debug.len());
    debug[..end].to_string()
}

fn function_body<'a>(bytes: &'a [u8], range: &Range<usize>) -> FunctionBody<'a> {
    FunctionBody::new(BinaryReader::new(&bytes[range.clone()], range.start as u64))
}

/// The path of a legacy-mangled Rust symbol (`_ZN8debuggee9factorial17h…E`)
/// without its trailing hash segment, or `None` if `name` is not one.
fn demangle(name: &str) -> Option<Vec<String>> {
    let mut rest = name.strip_prefix("_ZN")?.strip_suffix('E')?;
    let mut path = Vec::new();
    while !rest.is_empty() {
        let digits = rest.find(|c: char| !c.is_ascii_digit())?;
        let length: usize = rest[..digits].parse().ok()?;
        let segment = rest.get(digits..digits + length)?;
        path.push(segment.to_string());
        rest = &rest[digits + length..];
    }
    let is_hash = |s: &String| {
        s.len() == 17 && s.starts_with('h') && s[1..].chars().all(|c| c.is_ascii_hexdigit())
    };
    if path.last().is_some_and(is_hash) {
        path.pop();
    }
    (!path.is_empty()).then_some(path)
}
