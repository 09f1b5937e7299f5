//! Small helpers for writing C text: constant arrays wrapped at a readable width, and a writer
//! that collects file-level tables apart from the body of the inference function.

use std::fmt::{Display, Write};

/// A `uint32_t` literal, `123u`, written without building a string per value (packed weights
/// are hundreds of thousands of them).
#[derive(Debug, Clone, Copy)]
pub struct U32Literal(pub u32);

impl Display for U32Literal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}u", self.0)
    }
}

/// `static const TYPE NAME[N] = {...};` with 16 values per line.
pub fn c_array(element: &str, name: &str, values: impl Iterator<Item = impl Display>) -> String {
    let mut lines = String::new();
    let mut count = 0usize;
    for value in values {
        lines.push_str(if count.is_multiple_of(16) {
            "    "
        } else {
            ", "
        });
        let _ = write!(lines, "{value}");
        count += 1;
        if count.is_multiple_of(16) {
            lines.push_str(",\n");
        }
    }
    array_text(element, name, count, &lines)
}

/// [`c_array`] of int8 bytes, appended to `out`, each written from a table of the 256
/// numerals: weights are most of a generated file, so this is the one loop that must be fast.
pub fn int8_array(out: &mut String, name: &str, bytes: &[u8]) {
    let numerals: Vec<String> = (0..=255u8).map(|b| (b as i8).to_string()).collect();
    out.reserve(bytes.len() * 5 + bytes.len() / 16 * 6 + name.len() + 64);
    let _ = writeln!(
        out,
        "static const int8_t {name}[{}] = {{",
        bytes.len().max(1)
    );
    if bytes.is_empty() {
        out.push_str("    0\n");
    }
    for (index, &byte) in bytes.iter().enumerate() {
        out.push_str(if index.is_multiple_of(16) {
            "    "
        } else {
            ", "
        });
        out.push_str(&numerals[byte as usize]);
        if index % 16 == 15 || index + 1 == bytes.len() {
            out.push_str(",\n");
        }
    }
    out.push_str("};\n");
}

/// The declaration around `lines` (values, the last line possibly unfinished).
fn array_text(element: &str, name: &str, count: usize, lines: &str) -> String {
    let mut out = String::with_capacity(lines.len() + name.len() + 64);
    let _ = writeln!(out, "static const {element} {name}[{}] = {{", count.max(1));
    if count == 0 {
        out.push_str("    0\n");
    }
    out.push_str(lines);
    if !count.is_multiple_of(16) {
        out.push_str(",\n");
    }
    out.push_str("};\n");
    out
}

/// The two halves of a generated model file: tables (file scope) and the inference body.
#[derive(Debug, Default)]
pub struct CWriter {
    pub tables: String,
    pub body: String,
    /// Bytes of constant data the tables add to flash (weights, packed weights, folded biases).
    pub constant_bytes: usize,
    /// Only counting: the tables' text is not written (`constant_bytes` and the body are).
    pub measuring: bool,
    /// The model's macro prefix (`TMLC_<MODEL>`), which names the per-layer hooks.
    pub hook_prefix: String,
}

impl CWriter {
    pub fn table(&mut self, text: &str) {
        if !self.measuring {
            self.tables.push_str(text);
        }
    }

    /// A table whose text is made only when it is written (not when measuring).
    pub fn table_with(&mut self, text: impl FnOnce() -> String) {
        if !self.measuring {
            self.tables.push_str(&text());
        }
    }

    /// One line of the inference function, indented.
    pub fn body_line(&mut self, line: &str) {
        self.body.push_str("    ");
        self.body.push_str(line);
        self.body.push('\n');
    }
}
