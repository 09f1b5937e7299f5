//! Where a value of a JSON document is, for diagnostics raised after parsing (serde reports
//! positions only while it parses): the span of a top-level field's value and of an element of
//! an array. A small scanner over the (already valid) text that tracks strings and nesting.

use tmlc_core::span::Span;

/// The end (exclusive) of the JSON value starting at byte `start` of `source`.
fn value_end(source: &[u8], start: usize) -> usize {
    let mut depth = 0usize;
    let mut at = start;
    let mut in_string = false;
    while at < source.len() {
        let byte = source[at];
        if in_string {
            match byte {
                b'\\' => at += 1,
                b'"' => {
                    in_string = false;
                    if depth == 0 {
                        return at + 1;
                    }
                }
                _ => {}
            }
        } else {
            match byte {
                b'"' => in_string = true,
                b'{' | b'[' => depth += 1,
                b'}' | b']' if depth == 0 => return at,
                b'}' | b']' => {
                    depth -= 1;
                    if depth == 0 {
                        return at + 1;
                    }
                }
                b',' if depth == 0 => return at,
                _ => {}
            }
        }
        at += 1;
    }
    source.len()
}

fn skip_space(source: &[u8], mut at: usize) -> usize {
    while at < source.len() && source[at].is_ascii_whitespace() {
        at += 1;
    }
    at
}

/// The spans of the values directly inside the object or array spanning `span` (for an object,
/// `(key, value span)` pairs; for an array, empty keys).
fn children(source: &str, span: Span) -> Vec<(String, Span)> {
    let bytes = source.as_bytes();
    let (start, end) = (span.start as usize, (span.end as usize).min(bytes.len()));
    let object = bytes.get(start) == Some(&b'{');
    let mut out = Vec::new();
    let mut at = start + 1;
    while at < end {
        at = skip_space(bytes, at);
        if at >= end || matches!(bytes[at], b'}' | b']') {
            break;
        }
        let mut key = String::new();
        if object {
            let key_end = value_end(bytes, at);
            key = source[at..key_end].trim_matches('"').to_string();
            at = skip_space(bytes, key_end);
            at = skip_space(bytes, at + 1); // the ':'
        }
        let value_end = value_end(bytes, at);
        out.push((key, Span::new(at, value_end)));
        at = skip_space(bytes, value_end) + 1; // the ','
    }
    out
}

/// The span of the whole document's top-level object.
fn document(source: &str) -> Span {
    let start = skip_space(source.as_bytes(), 0);
    Span::new(start, value_end(source.as_bytes(), start))
}

/// The span of the value of top-level field `key`.
pub fn field(source: &str, key: &str) -> Option<Span> {
    children(source, document(source))
        .into_iter()
        .find(|(k, _)| k == key)
        .map(|(_, span)| span)
}

/// The span of element `index` of the top-level array field `key`.
pub fn element(source: &str, key: &str, index: usize) -> Option<Span> {
    let array = field(source, key)?;
    children(source, array)
        .into_iter()
        .nth(index)
        .map(|(_, span)| span)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_fields_and_elements() {
        let source = "{\"a\": \"x,}\", \"width\": 0.5, \"blocks\": [{\"k\": [1, 2]}, {\"k\": 3}]}";
        let text = |span: Span| &source[span.start as usize..span.end as usize];
        assert_eq!(field(source, "width").map(text), Some("0.5"));
        assert_eq!(field(source, "a").map(text), Some("\"x,}\""));
        assert_eq!(element(source, "blocks", 1).map(text), Some("{\"k\": 3}"));
        assert_eq!(
            element(source, "blocks", 0).map(text),
            Some("{\"k\": [1, 2]}")
        );
        assert_eq!(element(source, "blocks", 2), None);
        assert_eq!(field(source, "k"), None, "only top-level fields");
    }
}
