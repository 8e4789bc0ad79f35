//! Reading a module's bytecode: where its instructions start, and each
//! function body's instructions.

use wasmparser::{Operator, Parser, Payload};

/// Each function body's instructions with their offsets in the module, body
/// after body. A body that does not parse is skipped, and one ends at its
/// first instruction that does not.
pub fn function_bodies(
    bytecode: &[u8],
) -> impl Iterator<Item = impl Iterator<Item = (Operator<'_>, u32)>> {
    Parser::new(0)
        .parse_all(bytecode)
        .filter_map(|payload| match payload {
            Ok(Payload::CodeSectionEntry(body)) => body.get_operators_reader().ok(),
            _ => None,
        })
        .map(|mut operators| {
            std::iter::from_fn(move || match operators.eof() {
                true => None,
                false => operators
                    .read_with_offset()
                    .ok()
                    .map(|(operator, offset)| (operator, offset as u32)),
            })
        })
}

/// The offset of the first instruction at or after `pc` in the function
/// body that holds `pc`; a pc on a body's size or locals declarations gives
/// the body's first instruction. `None` when `pc` is in no function body,
/// or the bytecode does not parse.
pub fn instruction_at_or_after(bytecode: &[u8], pc: u32) -> Option<u32> {
    let pc = pc as usize;
    // Where the current body's size prefix starts.
    let mut body_prefix = usize::MAX;
    for payload in Parser::new(0).parse_all(bytecode) {
        let body = match payload.ok()? {
            Payload::CodeSectionStart { range, count, .. } => {
                // The first body follows the section's entry count.
                body_prefix = range.start + leb128_length(count);
                continue;
            }
            Payload::CodeSectionEntry(body) => body,
            _ => continue,
        };
        let range = body.range();
        if pc < body_prefix || pc >= range.end {
            body_prefix = range.end;
            continue;
        }
        let mut operators = body.get_operators_reader().ok()?;
        while !operators.eof() {
            let (_, offset) = operators.read_with_offset().ok()?;
            if offset >= pc {
                return u32::try_from(offset).ok();
            }
        }
        return None;
    }
    None
}

/// How many bytes the unsigned LEB128 encoding of `value` takes.
fn leb128_length(value: u32) -> usize {
    let bits = 32 - value.leading_zeros() as usize;
    bits.div_ceil(7).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snaps_forward_to_instruction_boundaries() {
        // One function: `(local i32) i32.const 7 drop nop`.
        let module = wat::parse_str("(module (func (local i32) i32.const 7 drop nop))").unwrap();
        let body_start = find_body_start(&module);
        // The body's reader starts at the locals: their count, one
        // (count, type) pair, then the instructions.
        let first = body_start + 3;
        let check = |pc: usize, expected: Option<usize>| {
            assert_eq!(
                instruction_at_or_after(&module, pc as u32),
                expected.map(|offset| offset as u32),
                "pc {pc:#x}"
            );
        };
        check(body_start, Some(first));
        check(body_start - 1, Some(first)); // the body's size
        check(first, Some(first));
        check(first + 1, Some(first + 2)); // inside i32.const's immediate
        check(first + 2, Some(first + 2)); // drop
        check(0, None);
        check(module.len() + 10, None);
    }

    #[test]
    fn leb128_lengths() {
        for (value, length) in [
            (0, 1),
            (127, 1),
            (128, 2),
            (16_383, 2),
            (16_384, 3),
            (u32::MAX, 5),
        ] {
            assert_eq!(leb128_length(value), length, "{value}");
        }
    }

    fn find_body_start(module: &[u8]) -> usize {
        Parser::new(0)
            .parse_all(module)
            .find_map(|payload| match payload.unwrap() {
                Payload::CodeSectionEntry(body) => Some(body.range().start),
                _ => None,
            })
            .unwrap()
    }
}
