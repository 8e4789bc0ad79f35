//! The XML documents the client reads in slices: the library list and the memory map.

use std::fmt::Write;

/// Copies the slice `offset..offset + length` of `document` into `buf` and
/// says how many bytes it copied (0 past the end), as every qXfer read wants.
pub fn read_slice(document: &[u8], offset: u64, length: usize, buf: &mut [u8]) -> usize {
    let Ok(start) = usize::try_from(offset) else {
        return 0;
    };
    let Some(rest) = document.get(start..) else {
        return 0;
    };
    let len = rest.len().min(length).min(buf.len());
    buf[..len].copy_from_slice(&rest[..len]);
    len
}

/// A library list with one library per module: (name, load address).
///
/// The format LLDB's Wasm support reads is GDB's library list with a
/// `<section>` child: <https://sourceware.org/gdb/current/onlinedocs/gdb.html/Library-List-Format.html>.
pub fn library_list<'a>(libraries: impl IntoIterator<Item = (&'a str, u64)>) -> String {
    let mut xml = String::from("<library-list>");
    for (name, address) in libraries {
        xml.push_str("<library name=\"");
        escape_into(&mut xml, name);
        let _ = write!(xml, "\"><section address=\"{address:#x}\"/></library>");
    }
    xml.push_str("</library-list>");
    xml
}

/// One region of a memory map.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Region {
    pub start: u64,
    pub length: u64,
    pub writable: bool,
}

/// A memory map: <https://sourceware.org/gdb/onlinedocs/gdb/Memory-Map-Format.html>.
/// Read-only regions are `rom`, the rest `ram`; empty regions are left out, as
/// the format has no use for them.
pub fn memory_map(regions: impl IntoIterator<Item = Region>) -> String {
    let mut xml = String::from(concat!(
        "<?xml version=\"1.0\"?>",
        "<!DOCTYPE memory-map PUBLIC \"+//IDN gnu.org//DTD GDB Memory Map V1.0//EN\" ",
        "\"http://sourceware.org/gdb/gdb-memory-map.dtd\">",
        "<memory-map>"
    ));
    for region in regions {
        if region.length == 0 {
            continue;
        }
        let kind = if region.writable { "ram" } else { "rom" };
        let _ = write!(
            xml,
            "<memory type=\"{kind}\" start=\"{:#x}\" length=\"{:#x}\"/>",
            region.start, region.length
        );
    }
    xml.push_str("</memory-map>");
    xml
}

fn escape_into(xml: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => xml.push_str("&amp;"),
            '<' => xml.push_str("&lt;"),
            '>' => xml.push_str("&gt;"),
            '"' => xml.push_str("&quot;"),
            '\'' => xml.push_str("&apos;"),
            c => xml.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_slices() {
        let doc = b"0123456789";
        let cases = [
            ((0, 4, 16), "0123"),
            ((4, 100, 16), "456789"),
            ((8, 4, 1), "8"),
            ((10, 4, 16), ""),
            ((11, 4, 16), ""),
            ((u64::MAX, 4, 16), ""),
        ];
        for ((offset, length, buf_len), expected) in cases {
            let mut buf = vec![0; buf_len];
            let n = read_slice(doc, offset, length, &mut buf);
            assert_eq!(
                &buf[..n],
                expected.as_bytes(),
                "{offset} {length} {buf_len}"
            );
        }
    }

    #[test]
    fn lists_libraries() {
        assert_eq!(library_list([]), "<library-list></library-list>");
        assert_eq!(
            library_list([
                ("debuggee.wasm", 0x4000000000000000),
                ("a<&\">.wasm", 0x4000000100000000)
            ]),
            concat!(
                "<library-list>",
                "<library name=\"debuggee.wasm\"><section address=\"0x4000000000000000\"/></library>",
                "<library name=\"a&lt;&amp;&quot;&gt;.wasm\"><section address=\"0x4000000100000000\"/></library>",
                "</library-list>"
            )
        );
    }

    #[test]
    fn maps_memory() {
        let xml = memory_map([
            Region {
                start: 0x4000000000000000,
                length: 0x100,
                writable: false,
            },
            Region {
                start: 0,
                length: 0x20000,
                writable: true,
            },
            Region {
                start: 0x100000000,
                length: 0,
                writable: true,
            },
        ]);
        assert!(
            xml.starts_with("<?xml version=\"1.0\"?><!DOCTYPE memory-map"),
            "{xml}"
        );
        assert!(
            xml.ends_with(concat!(
                "<memory-map>",
                "<memory type=\"rom\" start=\"0x4000000000000000\" length=\"0x100\"/>",
                "<memory type=\"ram\" start=\"0x0\" length=\"0x20000\"/>",
                "</memory-map>"
            )),
            "{xml}"
        );
    }
}
