//! MiniMalloc's CSV format for arena problems, read and written.
//!
//! Input: a header row naming the columns, then one buffer per row. Columns are found by name,
//! in any order: `id`, `lower`, `upper`, `size` are required (MiniMalloc's aliases `buffer` /
//! `buffer_id` for `id`, `start` / `begin` for `lower`, and `end` for an inclusive upper end,
//! i.e. `upper = end + 1`, are accepted); `alignment` is optional (default 1); an `offset`
//! column (a previous solution) is ignored. Blank lines are skipped; fields are trimmed;
//! quoting is not supported. Every error names its 1-based line, e.g.
//! `line 7: upper (3) must be greater than lower (5)`; no input makes the reader panic.
//!
//! Output: the input columns with an `offset` column appended.

use std::collections::HashMap;
use std::fmt;

use super::problem::{Buffer, Problem};

/// A CSV error on a given 1-based line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CsvError {
    pub line: usize,
    pub message: String,
}

impl fmt::Display for CsvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

impl std::error::Error for CsvError {}

fn err<T>(line: usize, message: impl Into<String>) -> Result<T, CsvError> {
    Err(CsvError {
        line,
        message: message.into(),
    })
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Column {
    Id,
    Lower,
    Upper,
    /// MiniMalloc's inclusive `end`: upper = end + 1.
    End,
    Size,
    Alignment,
    Offset,
}

impl Column {
    fn from_name(name: &str) -> Option<Column> {
        Some(match name {
            "id" | "buffer" | "buffer_id" => Column::Id,
            "lower" | "start" | "begin" => Column::Lower,
            "upper" => Column::Upper,
            "end" => Column::End,
            "size" => Column::Size,
            "alignment" => Column::Alignment,
            "offset" => Column::Offset,
            _ => return None,
        })
    }

    /// The canonical name, used in messages.
    fn name(self) -> &'static str {
        match self {
            Column::Id => "id",
            Column::Lower => "lower",
            Column::Upper => "upper",
            Column::End => "end",
            Column::Size => "size",
            Column::Alignment => "alignment",
            Column::Offset => "offset",
        }
    }
}

fn parse_u64(line: usize, column: &str, text: &str) -> Result<u64, CsvError> {
    let ok = !text.is_empty() && text.bytes().all(|c| c.is_ascii_digit());
    match text.parse::<u64>() {
        Ok(value) if ok => Ok(value),
        _ if ok => err(
            line,
            format!("{column} `{text}` is too large (maximum {})", u64::MAX),
        ),
        _ => err(line, format!("bad integer `{text}` in column `{column}`")),
    }
}

/// Reads a problem from MiniMalloc CSV text.
pub fn parse(text: &str) -> Result<Problem, CsvError> {
    let mut lines = text
        .split('\n')
        .enumerate()
        .map(|(i, l)| (i + 1, l.strip_suffix('\r').unwrap_or(l)))
        .filter(|(_, l)| !l.trim().is_empty());
    let Some((header_line, mut header)) = lines.next() else {
        return err(
            1,
            "empty input: expected a header row `id,lower,upper,size`",
        );
    };
    header = header.strip_prefix('\u{feff}').unwrap_or(header);
    let mut columns: Vec<Column> = Vec::new();
    for name in header.split(',').map(str::trim) {
        if name.is_empty() {
            return err(header_line, "empty column name in the header");
        }
        let Some(column) = Column::from_name(name) else {
            return err(
                header_line,
                format!(
                    "unknown column `{name}` (expected id, lower, upper, size, and optionally \
                     alignment, offset)"
                ),
            );
        };
        if columns.contains(&column)
            || (column == Column::End && columns.contains(&Column::Upper))
            || (column == Column::Upper && columns.contains(&Column::End))
        {
            return err(header_line, format!("column `{name}` appears twice"));
        }
        columns.push(column);
    }
    let has = |c: Column| columns.contains(&c);
    for required in [Column::Id, Column::Lower, Column::Size] {
        if !has(required) {
            return err(header_line, format!("missing column `{}`", required.name()));
        }
    }
    if !has(Column::Upper) && !has(Column::End) {
        return err(header_line, "missing column `upper`");
    }

    let mut buffers = Vec::new();
    let mut first_line: HashMap<String, usize> = HashMap::new();
    for (line, row) in lines {
        let fields: Vec<&str> = row.split(',').map(str::trim).collect();
        if fields.len() != columns.len() {
            return err(
                line,
                format!(
                    "{} fields, but the header has {} columns",
                    fields.len(),
                    columns.len()
                ),
            );
        }
        let mut buffer = Buffer::new("", 0, 0, 0);
        for (&column, &field) in columns.iter().zip(&fields) {
            match column {
                Column::Id => {
                    if field.is_empty() {
                        return err(line, "empty id");
                    }
                    buffer.id = field.to_string();
                }
                Column::Lower => buffer.lower = parse_u64(line, "lower", field)?,
                Column::Upper => buffer.upper = parse_u64(line, "upper", field)?,
                Column::End => {
                    let end = parse_u64(line, "end", field)?;
                    let Some(upper) = end.checked_add(1) else {
                        return err(line, format!("end `{field}` is too large"));
                    };
                    buffer.upper = upper;
                }
                Column::Size => buffer.size = parse_u64(line, "size", field)?,
                Column::Alignment => {
                    buffer.alignment = parse_u64(line, "alignment", field)?;
                    if buffer.alignment == 0 {
                        return err(line, "alignment must be at least 1");
                    }
                }
                Column::Offset => {
                    // A previous solution's offset: validated as an integer, otherwise ignored.
                    if !field.is_empty() {
                        parse_u64(line, "offset", field)?;
                    }
                }
            }
        }
        if buffer.upper <= buffer.lower {
            return err(
                line,
                format!(
                    "upper ({}) must be greater than lower ({})",
                    buffer.upper, buffer.lower
                ),
            );
        }
        if let Some(first) = first_line.get(&buffer.id) {
            return err(
                line,
                format!("duplicate id `{}` (first on line {first})", buffer.id),
            );
        }
        first_line.insert(buffer.id.clone(), line);
        buffers.push(buffer);
    }
    Ok(Problem::new(buffers))
}

/// Why a problem and its offsets cannot be written as CSV.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WriteError {
    /// Not one offset per buffer.
    WrongLength { buffers: usize, offsets: usize },
    /// An id that CSV without quoting cannot carry (empty, or containing `,`, `\n`, `\r`).
    BadId { index: usize },
}

impl fmt::Display for WriteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WriteError::WrongLength { buffers, offsets } => {
                write!(f, "{offsets} offsets for {buffers} buffers")
            }
            WriteError::BadId { index } => {
                write!(
                    f,
                    "buffer {index}: id is empty or contains a comma or a line break"
                )
            }
        }
    }
}

impl std::error::Error for WriteError {}

/// Writes the problem with an `offset` column appended (`alignment` only when some buffer has
/// an alignment other than 1). The result parses back to the same problem.
pub fn write(problem: &Problem, offsets: &[u64]) -> Result<String, WriteError> {
    let buffers = &problem.buffers;
    if buffers.len() != offsets.len() {
        return Err(WriteError::WrongLength {
            buffers: buffers.len(),
            offsets: offsets.len(),
        });
    }
    let with_alignment = buffers.iter().any(|b| b.alignment != 1);
    let mut out = String::from(if with_alignment {
        "id,lower,upper,size,alignment,offset\n"
    } else {
        "id,lower,upper,size,offset\n"
    });
    for (index, (b, offset)) in buffers.iter().zip(offsets).enumerate() {
        let id = b.id.as_str();
        if id.trim().is_empty() || id.trim() != id || id.contains([',', '\n', '\r']) {
            return Err(WriteError::BadId { index });
        }
        let alignment = if with_alignment {
            format!(",{}", b.alignment)
        } else {
            String::new()
        };
        out.push_str(&format!(
            "{id},{},{},{}{alignment},{offset}\n",
            b.lower, b.upper, b.size
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_columns_by_name_and_ignores_offset() {
        let p = parse("size,upper,id,lower,offset\n4,3,b1,0,8\n\n4,9,b2,3,\n").unwrap();
        assert_eq!(p.buffers[0], Buffer::new("b1", 0, 3, 4));
        assert_eq!(p.buffers[1], Buffer::new("b2", 3, 9, 4));
    }

    #[test]
    fn inclusive_end_and_alignment() {
        let p = parse("buffer,start,end,size,alignment\r\nx,0,2,5,16\r\n").unwrap();
        assert_eq!(p.buffers[0], Buffer::new("x", 0, 3, 5).with_alignment(16));
    }

    #[test]
    fn round_trip() {
        let p = Problem::new(vec![Buffer::new("a", 0, 3, 4), Buffer::new("b", 1, 5, 2)]);
        let text = write(&p, &[0, 4]).unwrap();
        assert_eq!(text, "id,lower,upper,size,offset\na,0,3,4,0\nb,1,5,2,4\n");
        assert_eq!(parse(&text).unwrap(), p);
        let q = Problem::new(vec![Buffer::new("a", 0, 3, 4).with_alignment(8)]);
        assert_eq!(parse(&write(&q, &[8]).unwrap()).unwrap(), q);
    }

    #[test]
    fn write_errors() {
        let p = Problem::new(vec![Buffer::new("a,b", 0, 3, 4)]);
        assert_eq!(write(&p, &[0]), Err(WriteError::BadId { index: 0 }));
        assert_eq!(
            write(&p, &[]),
            Err(WriteError::WrongLength {
                buffers: 1,
                offsets: 0
            })
        );
    }
}
