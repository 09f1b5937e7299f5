//! The arena picture of `tmlc mem --svg`: time runs left to right (one column per op), addresses
//! bottom to top, every buffer a rectangle from its first to its last op at its offset; the op at
//! the peak is marked. Plain SVG 1.1, no scripts, readable in any browser.

use std::fmt::Write;
use tmlc_passes::memory_report::MemoryReport;

const COLUMN: f64 = 26.0;
const HEIGHT: f64 = 420.0;
const LEFT: f64 = 80.0;
const TOP: f64 = 50.0;
const BOTTOM: f64 = 150.0;

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A colour per buffer: scratch orange, inputs grey, activations cycling through calm hues.
fn colour(kind: &str, index: usize) -> String {
    match kind {
        "scratch" => "#f4a259".into(),
        "input" => "#a0a0a0".into(),
        _ => format!("hsl({}, 55%, 62%)", (index * 47) % 360),
    }
}

pub fn render(report: &MemoryReport, title: &str) -> String {
    let columns = report.ops.len().max(1) as f64;
    let width = LEFT + columns * COLUMN + 40.0;
    let total = report.arena_bytes.max(1) as f64;
    let y = |bytes: usize| TOP + HEIGHT - bytes as f64 / total * HEIGHT;
    // Columns are ops in order; a buffer spans the columns of the ops it is live across.
    let x = |column: usize| LEFT + column as f64 * COLUMN;
    let first_column = |lower: usize| {
        report
            .ops
            .iter()
            .position(|r| r.time >= lower)
            .unwrap_or(report.ops.len())
    };
    let end_column = |upper: usize| {
        report
            .ops
            .iter()
            .rposition(|r| r.time < upper)
            .map_or(0, |c| c + 1)
    };
    let mut svg = String::new();
    let _ = writeln!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0}" height="{:.0}" font-family="sans-serif" font-size="11">"#,
        TOP + HEIGHT + BOTTOM
    );
    let _ = writeln!(svg, r#"<rect width="100%" height="100%" fill="white"/>"#);
    let _ = writeln!(
        svg,
        r#"<text x="{LEFT}" y="20" font-size="14" font-weight="bold">{}</text>"#,
        escape(title)
    );
    let _ = writeln!(
        svg,
        r#"<text x="{LEFT}" y="38">arena {} B (largest op scratch {} B) | lower bound {} B | TFLite Micro greedy {} B | naive {} B</text>"#,
        report.arena_bytes,
        report.scratch_bytes,
        report.lower_bound_bytes,
        report.tflm_greedy_bytes,
        report.naive_bytes
    );
    // Address axis with five ticks.
    for tick in 0..=4 {
        let bytes = report.arena_bytes * tick / 4;
        let _ = writeln!(
            svg,
            r##"<line x1="{LEFT}" x2="{:.1}" y1="{:.1}" y2="{:.1}" stroke="#e0e0e0"/><text x="{:.1}" y="{:.1}" text-anchor="end">{bytes}</text>"##,
            width - 40.0,
            y(bytes),
            y(bytes),
            LEFT - 6.0,
            y(bytes) + 4.0
        );
    }
    if let Some(peak) = report.peak_op {
        let time = peak;
        let _ = writeln!(
            svg,
            r##"<rect x="{:.1}" y="{TOP}" width="{COLUMN}" height="{HEIGHT}" fill="#ffe9e9"/><text x="{:.1}" y="{:.1}" fill="#c0392b" text-anchor="middle">peak</text>"##,
            x(time),
            x(time) + COLUMN / 2.0,
            TOP - 2.0
        );
    }
    for (index, buffer) in report.buffers.iter().enumerate() {
        let (start, end) = (first_column(buffer.lower), end_column(buffer.upper));
        let _ = writeln!(
            svg,
            r##"<rect x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}" fill="{}" fill-opacity="0.85" stroke="#333" stroke-width="0.5"><title>{} ({} B at {}, ops {}..{})</title></rect>"##,
            x(start),
            y(buffer.offset + buffer.size),
            end.saturating_sub(start).max(1) as f64 * COLUMN,
            (buffer.size as f64 / total * HEIGHT).max(1.0),
            colour(buffer.kind, index),
            escape(&buffer.name),
            buffer.size,
            buffer.offset,
            buffer.lower,
            buffer.upper
        );
    }
    for (column, row) in report.ops.iter().enumerate() {
        let cx = x(column) + COLUMN / 2.0;
        let cy = TOP + HEIGHT + 8.0;
        let _ = writeln!(
            svg,
            r#"<text x="{cx:.1}" y="{cy:.1}" transform="rotate(60 {cx:.1} {cy:.1})">{} {}</text>"#,
            column,
            escape(row.op.trim_start_matches("tinyml."))
        );
    }
    let _ = writeln!(
        svg,
        r##"<line x1="{LEFT}" x2="{LEFT}" y1="{TOP}" y2="{:.1}" stroke="#333"/></svg>"##,
        TOP + HEIGHT
    );
    svg
}
