//! Small helpers for writing C text: constant arrays wrapped at a readable width, and a writer
//! that collects file-level tables apart from the body of the inference function.

/// `static const TYPE NAME[N] = {...};` with 16 values per line.
pub fn c_array(element: &str, name: &str, values: impl Iterator<Item = String>) -> String {
    let values: Vec<String> = values.collect();
    let mut out = format!(
        "static const {element} {name}[{}] = {{\n",
        values.len().max(1)
    );
    if values.is_empty() {
        out.push_str("    0\n");
    }
    for chunk in values.chunks(16) {
        out.push_str("    ");
        out.push_str(&chunk.join(", "));
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
}

impl CWriter {
    pub fn table(&mut self, text: &str) {
        self.tables.push_str(text);
    }

    /// One line of the inference function, indented.
    pub fn body_line(&mut self, line: &str) {
        self.body.push_str("    ");
        self.body.push_str(line);
        self.body.push('\n');
    }
}
