//! The geometry of a patch loop: for every output patch of a `loop.patches` op, the region of
//! every layer's input and output it computes (receptive fields with their halos), the padding
//! each layer sees at the patch's border, the scratch the patches need and the MACs they do.
//! The `tile` pass sizes and chooses plans with it; backends emit the patch loop from it. A
//! layer is asked through its interfaces: a sliding window, or elementwise with one operand.
//!
//! A streamed loop (`stream = true`, a grid of N bands of full-width rows, [`stream_plan`])
//! recomputes nothing: each layer keeps the rows of its output the next layer still needs in a
//! row buffer of its own, and computes only its new rows per band; the first layer reads the
//! loop's input and the last writes the loop's result in place (full-width rows are contiguous
//! in NHWC), so there are no copies either.

use tmlc_core::attributes::Attribute;
use tmlc_core::ir::{Function, Module, Op};
use tmlc_core::types::ElementType;
use tmlc_tinyml::cost::CallCost;
use tmlc_tinyml::{OpView, SlidingWindow};

/// Predicted instructions of a streamed band's set-up, and per byte its row buffers move.
const STREAM_BAND_INSTRUCTIONS: f64 = 40.0;
const STREAM_MOVE_PER_BYTE: f64 = 1.6;
/// Predicted instructions of a halo patch's copies, per byte and per row copied.
const COPY_PER_BYTE: f64 = 1.4;
const COPY_PER_ROW: f64 = 20.0;

/// What one layer of the chain does to rows and columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LayerGeometry {
    pub op: Op,
    /// Kernel height and width (1 for elementwise ops).
    pub kernel: [usize; 2],
    pub stride: [usize; 2],
    pub dilation: [usize; 2],
    /// Leading padding of the full-size layer.
    pub pad: [usize; 2],
    /// Input and output `[height, width, channels]`.
    pub input: [usize; 3],
    pub output: [usize; 3],
    /// MACs per output element.
    pub macs_per_output: usize,
}

/// Rows `[row0, row1)` and columns `[col0, col1)` of a tensor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rect {
    pub row0: usize,
    pub row1: usize,
    pub col0: usize,
    pub col1: usize,
}

impl Rect {
    pub fn height(&self) -> usize {
        self.row1 - self.row0
    }

    pub fn width(&self) -> usize {
        self.col1 - self.col0
    }
}

/// One layer of one patch: the input region it reads, the output region it writes, and the
/// leading padding its kernel call must use on the patch buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PatchLayer {
    pub input: Rect,
    pub output: Rect,
    pub pad: [usize; 2],
    /// Streamed loops: rows of this layer's row buffer kept from the bands before (the next
    /// layer still reads them), and by how many rows they move to the buffer's start first.
    pub kept_rows: usize,
    pub shift_rows: usize,
    /// Streamed loops: the layer runs in place in the previous layer's row buffer (its output
    /// rows at the buffer's start, over input rows no later band reads).
    pub in_place: bool,
    /// Streamed loops: the layer writes its output rows below its input rows in the previous
    /// layer's row buffer ([`streams_below`]).
    pub below: bool,
}

/// The whole plan of a patch loop.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatchPlan {
    pub layers: Vec<LayerGeometry>,
    /// `patches[p][k]`: layer `k` of patch `p` (row-major over the grid).
    pub patches: Vec<Vec<PatchLayer>>,
    /// Bytes of the patch buffer region (a 4-byte multiple). Layers alternate its two ends: layer
    /// `k` reads its input region at one end and writes its output region at the other (even
    /// layers read at the start, where the first layer's input region is copied, and write at
    /// the end, rounded down to 4 bytes; odd layers the other way round), so the region holds
    /// the largest input and output of any one layer together rather than the largest of every
    /// even layer's region plus the largest of every odd one's.
    pub buffer_bytes: usize,
    /// MACs of the chain computed patch by patch, and computed once.
    pub patch_macs: u64,
    pub full_macs: u64,
    /// A streamed loop ([`stream_plan`]): the byte offset of every layer's row buffer but the
    /// last's in the patch buffer region (each a 4-byte multiple). `None` for patches with halos.
    pub row_buffers: Option<Vec<usize>>,
}

impl PatchPlan {
    /// Bytes of the patch buffer region: where the layers' kernel scratch starts in the loop's
    /// scratch.
    pub fn buffers_bytes(&self) -> usize {
        self.buffer_bytes
    }

    /// Predicted instructions of the chain computed patch by patch, and computed whole, with
    /// `cost` the kernel cost of each layer (`tmlc_tinyml::cost`). Layers without MACs count
    /// their output bytes.
    pub fn instructions(&self, cost: &dyn Fn(&LayerGeometry) -> CallCost) -> (f64, f64) {
        let work = |layer: &LayerGeometry, rows: usize, cols: usize| {
            (rows * cols * layer.output[2] * layer.macs_per_output.max(1)) as u64
        };
        let costs: Vec<CallCost> = self.layers.iter().map(cost).collect();
        let whole = self
            .layers
            .iter()
            .zip(&costs)
            .map(|(layer, c)| {
                c.instructions(
                    layer.output[0],
                    work(layer, layer.output[0], layer.output[1]),
                )
            })
            .sum();
        let patched = self
            .patches
            .iter()
            .flat_map(|patch| patch.iter().zip(self.layers.iter().zip(&costs)))
            .map(|(p, (layer, c))| {
                let (rows, cols) = (p.output.height(), p.output.width());
                c.instructions(rows, work(layer, rows, cols))
            })
            .sum::<f64>();
        // A streamed loop moves the rows its buffers keep (`memmove`: about 1.6 instructions
        // per byte measured in QEMU on cortex-m4) and sets up every band (the table, the
        // pointers).
        let moves: f64 = if self.row_buffers.is_some() {
            self.patches
                .iter()
                .map(|patch| {
                    let moved: usize = patch
                        .iter()
                        .zip(&self.layers)
                        .filter(|(p, _)| p.shift_rows > 0)
                        .map(|(p, l)| p.kept_rows * l.output[1] * l.output[2])
                        .sum();
                    STREAM_BAND_INSTRUCTIONS + STREAM_MOVE_PER_BYTE * moved as f64
                })
                .sum()
        } else {
            // A halo patch copies its input region in and its output patch out, row by row
            // (`memcpy`: about 1.4 instructions per byte and 20 per row, measured in QEMU).
            let (first, last) = (&self.layers[0], &self.layers[self.layers.len() - 1]);
            self.patches
                .iter()
                .map(|patch| {
                    let (input, output) = (&patch[0].input, &patch[patch.len() - 1].output);
                    let bytes = input.height() * input.width() * first.input[2]
                        + output.height() * output.width() * last.output[2];
                    let rows = input.height() + output.height();
                    COPY_PER_BYTE * bytes as f64 + COPY_PER_ROW * rows as f64
                })
                .sum()
        };
        (patched + moves, whole)
    }

    /// Extra MACs from recomputed halos, in percent of `total_macs` (the whole network's).
    pub fn overhead_percent(&self, total_macs: u64) -> f64 {
        if total_macs == 0 {
            return 0.0;
        }
        (self.patch_macs.saturating_sub(self.full_macs)) as f64 / total_macs as f64 * 100.0
    }
}

/// The geometry of a chain op, or `None` when it cannot be computed per patch (batch above 1, a
/// tensor that is not int8, or an op that is neither a sliding window nor elementwise on one
/// operand).
pub fn layer_geometry(module: &Module, function: &Function, op: Op) -> Option<LayerGeometry> {
    let data = &function.ops[op];
    if data.results.len() != 1 || data.operands.is_empty() || !data.regions.is_empty() {
        return None;
    }
    let (input_type, output_type) = (
        function.value_type(data.operands[0]),
        function.value_type(data.results[0]),
    );
    // Patch buffers hold int8 activations (a float edge stays outside the loop).
    if input_type.element != ElementType::I8 || output_type.element != ElementType::I8 {
        return None;
    }
    let (input, output) = (&input_type.shape, &output_type.shape);
    if input.len() != 4 || output.len() != 4 || input[0] != 1 {
        return None;
    }
    let view = OpView::of(module, function, op)?;
    let interface = view.interface();
    let window = match interface.sliding_window() {
        Some(window) => window,
        None if interface.elementwise() && data.operands.len() == 1 => SlidingWindow::IDENTITY,
        None => return None,
    };
    let macs_per_output = interface.macs_per_output() as usize;
    Some(LayerGeometry {
        op,
        kernel: window.kernel,
        stride: window.stride,
        dilation: window.dilation,
        pad: [
            window.pad(0, input[1]).before,
            window.pad(1, input[2]).before,
        ],
        input: [input[1], input[2], input[3]],
        output: [output[1], output[2], output[3]],
        macs_per_output,
    })
}

/// The input rows (or columns) a window layer reads to compute outputs `[first, last)`.
fn needed(first: usize, last: usize, axis: usize, layer: &LayerGeometry) -> (usize, usize) {
    let start = (first * layer.stride[axis]) as isize - layer.pad[axis] as isize;
    let end = ((last - 1) * layer.stride[axis]) as isize - layer.pad[axis] as isize
        + ((layer.kernel[axis] - 1) * layer.dilation[axis]) as isize
        + 1;
    let size = layer.input[axis] as isize;
    (start.clamp(0, size) as usize, end.clamp(0, size) as usize)
}

/// Splits `0..size` into `parts` near-equal bands.
fn bands(size: usize, parts: usize) -> Vec<(usize, usize)> {
    (0..parts)
        .map(|i| (i * size / parts, (i + 1) * size / parts))
        .filter(|(a, b)| a < b)
        .collect()
}

/// The plan for `layers` (a chain, first to last) on a `grid` of the last layer's output.
pub fn plan(layers: &[LayerGeometry], grid: [usize; 2]) -> PatchPlan {
    let last = layers.last().expect("a chain has layers");
    let mut patches = Vec::new();
    let mut buffer_bytes = 0usize;
    let mut patch_macs = 0u64;
    for &(row0, row1) in &bands(last.output[0], grid[0]) {
        for &(col0, col1) in &bands(last.output[1], grid[1]) {
            let mut output = Rect {
                row0,
                row1,
                col0,
                col1,
            };
            let mut patch = Vec::with_capacity(layers.len());
            for layer in layers.iter().rev() {
                let (in_row0, in_row1) = needed(output.row0, output.row1, 0, layer);
                let (in_col0, in_col1) = needed(output.col0, output.col1, 1, layer);
                let input = Rect {
                    row0: in_row0,
                    row1: in_row1,
                    col0: in_col0,
                    col1: in_col1,
                };
                // The kernel computes output row r from buffer rows starting at
                // r * stride - pad_effective; with the buffer starting at input row `in_row0`
                // this is the full-size padding shifted by the patch's position.
                let pad = [
                    layer.pad[0] + in_row0 - output.row0 * layer.stride[0],
                    layer.pad[1] + in_col0 - output.col0 * layer.stride[1],
                ];
                patch.push(PatchLayer {
                    input,
                    output,
                    pad,
                    kept_rows: 0,
                    shift_rows: 0,
                    in_place: false,
                    below: false,
                });
                patch_macs +=
                    (output.height() * output.width() * layer.output[2] * layer.macs_per_output)
                        as u64;
                // Input and output at opposite ends, each from a 4-byte boundary.
                let round = |bytes: usize| bytes.div_ceil(4) * 4;
                buffer_bytes = buffer_bytes.max(
                    round(input.height() * input.width() * layer.input[2])
                        + round(output.height() * output.width() * layer.output[2]),
                );
                output = input;
            }
            patch.reverse();
            patches.push(patch);
        }
    }
    let full_macs = layers
        .iter()
        .map(|l| (l.output[0] * l.output[1] * l.output[2] * l.macs_per_output) as u64)
        .sum();
    PatchPlan {
        layers: layers.to_vec(),
        patches,
        buffer_bytes,
        patch_macs,
        full_macs,
        row_buffers: None,
    }
}

/// The streamed plan of `layers` in `bands` bands of the last layer's output rows, or `None`
/// when a layer skips input rows (a stride above its kernel's extent), the chain has one layer,
/// or a band would be empty. `in_place` names the layers that run in place (a depthwise kernel
/// that writes its output over its input; [`streams_in_place`] says which can), `below` those
/// whose output rows go below their input rows in the previous layer's row buffer, overlapping
/// the input rows they have consumed ([`streams_below`]); either saves the layer's own buffer.
///
/// Band by band, layer `k` computes its output rows `[done, end)`: `done` where the band before
/// stopped, `end` as far as the next layer needs in this band. It reads input rows
/// `[first, last)` (`needed`), which for `k > 0` are exactly what layer `k - 1`'s row buffer
/// holds: the rows kept from the bands before (`kept_rows`, moved `shift_rows` up to the start
/// first), then the new ones.
pub fn stream_plan(
    layers: &[LayerGeometry],
    bands_count: usize,
    in_place: &[usize],
    below: &[usize],
) -> Option<PatchPlan> {
    let last = layers.last()?;
    if layers.len() < 2 || bands_count < 2 || bands_count > last.output[0] {
        return None;
    }
    if layers
        .iter()
        .any(|l| l.stride[0] > (l.kernel[0] - 1) * l.dilation[0] + 1)
    {
        return None;
    }
    let n = layers.len();
    // Rows of every layer's output computed so far, and the first input row each layer still
    // reads (its input rows `[first, ...)`).
    let mut done = vec![0usize; n];
    let mut first_read = vec![0usize; n];
    let mut read_end = vec![0usize; n];
    let mut held = vec![0usize; n];
    let mut patches = Vec::new();
    let mut patch_macs = 0u64;
    for (_, band_end) in bands(last.output[0], bands_count) {
        let mut patch = Vec::with_capacity(n);
        let mut end = band_end;
        for k in (0..n).rev() {
            let layer = &layers[k];
            let end_k = end.max(done[k]);
            let start = (done[k] * layer.stride[0])
                .saturating_sub(layer.pad[0])
                .min(layer.input[0]);
            let (_, stop) = if end_k > done[k] {
                needed(done[k], end_k, 0, layer)
            } else {
                (start, read_end[k])
            };
            let stop = stop.max(read_end[k]);
            let shift = start - first_read[k];
            let output = Rect {
                row0: done[k],
                row1: end_k,
                col0: 0,
                col1: layer.output[1],
            };
            let input = Rect {
                row0: start,
                row1: stop,
                col0: 0,
                col1: layer.input[1],
            };
            let pad = [
                layer.pad[0] + start - done[k] * layer.stride[0],
                layer.pad[1],
            ];
            patch_macs +=
                ((end_k - done[k]) * layer.output[1] * layer.output[2] * layer.macs_per_output)
                    as u64;
            patch.push((input, output, pad, shift));
            first_read[k] = start;
            read_end[k] = stop;
            end = stop;
        }
        patch.reverse();
        // Layer k's row buffer (k < n - 1) holds the rows layer k + 1 reads: kept ones first.
        let mut layers_of_patch = Vec::with_capacity(n);
        for (k, &(input, output, pad, _)) in patch.iter().enumerate() {
            let own_buffer = !in_place.contains(&k) && !below.contains(&k);
            let (kept_rows, shift_rows) = if k + 1 < n && own_buffer {
                let (next_input, _, _, next_shift) = patch[k + 1];
                held[k] = held[k].max(next_input.height());
                (done[k].checked_sub(next_input.row0)?, next_shift)
            } else {
                (0, 0)
            };
            layers_of_patch.push(PatchLayer {
                input,
                output,
                pad,
                kept_rows,
                shift_rows,
                in_place: in_place.contains(&k),
                below: below.contains(&k),
            });
        }
        for (k, layer) in layers_of_patch.iter().enumerate() {
            done[k] = layer.output.row1;
        }
        patches.push(layers_of_patch);
    }
    // Every layer computed all its rows exactly once.
    if layers.iter().zip(&done).any(|(l, &d)| d != l.output[0]) {
        return None;
    }
    if in_place
        .iter()
        .any(|&k| !streams_in_place(layers, &patches, k))
    {
        return None;
    }
    let round = |bytes: usize| bytes.div_ceil(4) * 4;
    // The room each layer `below` needs under its input rows.
    let mut room = vec![0usize; n];
    for &k in below {
        if in_place.contains(&k) || k == 0 || below.contains(&(k - 1)) {
            return None;
        }
        room[k] = round(streams_below(layers, &patches, k)?);
    }
    let mut row_buffers: Vec<usize> = Vec::with_capacity(n - 1);
    let mut buffer_bytes = 0;
    for (k, layer) in layers[..n - 1].iter().enumerate() {
        // A layer in place has its output in the previous layer's buffer, a layer below it
        // under that buffer, in the room left before it.
        if in_place.contains(&k) {
            row_buffers.push(row_buffers[k - 1]);
            continue;
        }
        if below.contains(&k) {
            row_buffers.push(row_buffers[k - 1] - room[k]);
            continue;
        }
        let start = buffer_bytes + room[k + 1];
        row_buffers.push(start);
        buffer_bytes = start + round(held[k] * layer.output[1] * layer.output[2]);
    }
    let full_macs = layers
        .iter()
        .map(|l| (l.output[0] * l.output[1] * l.output[2] * l.macs_per_output) as u64)
        .sum();
    Some(PatchPlan {
        layers: layers.to_vec(),
        patches,
        buffer_bytes,
        patch_macs,
        full_macs,
        row_buffers: Some(row_buffers),
    })
}

/// Whether layer `k` of a streamed plan can run in place in the previous layer's row buffer: not
/// the first layer (it reads the loop's input), not after a layer in place, channels in =
/// channels out, the next layer (if any) reads no rows of it twice (one kernel row, stride 1),
/// and in every band its output bytes fit the rows of its input no later band reads (the rows
/// the buffer keeps are its last ones).
pub fn streams_in_place(layers: &[LayerGeometry], patches: &[Vec<PatchLayer>], k: usize) -> bool {
    let Some(layer) = layers.get(k) else {
        return false;
    };
    if k == 0 || layer.input[2] != layer.output[2] {
        return false;
    }
    if patches.iter().any(|patch| patch[k - 1].in_place) {
        return false;
    }
    if let Some(next) = layers.get(k + 1) {
        if next.kernel[0] != 1 || next.stride[0] != 1 {
            return false;
        }
    }
    let input_row = layer.input[1] * layer.input[2];
    let output_row = layer.output[1] * layer.output[2];
    patches.windows(2).all(|pair| {
        let (now, next) = (&pair[0][k], &pair[1][k]);
        now.output.height() * output_row <= (next.input.row0 - now.input.row0) * input_row
    })
}

/// The bytes layer `k` of a streamed plan needs under its input rows (in the previous layer's
/// row buffer) to write its output rows there, or `None` when it cannot: the first layer (it
/// reads the loop's input), the last (it writes the result), or a next layer that reads rows of
/// it twice (more than one kernel row, or a stride). Its kernel walks rows in increasing order
/// and may read the input rows of output row `r` while it writes row `r`, so writing row `r`
/// must stay below the first input row `r` reads, and the last output row below the rows the
/// buffer keeps for the next band (liveness's overlap margin, per band).
pub fn streams_below(
    layers: &[LayerGeometry],
    patches: &[Vec<PatchLayer>],
    k: usize,
) -> Option<usize> {
    let layer = layers.get(k)?;
    let next = layers.get(k + 1)?;
    if k == 0 || next.kernel[0] != 1 || next.stride[0] != 1 {
        return None;
    }
    let input_row = layer.input[1] * layer.input[2];
    let output_row = layer.output[1] * layer.output[2];
    let mut room = 0usize;
    for (b, patch) in patches.iter().enumerate() {
        let now = &patch[k];
        let start = now.input.row0;
        for j in 0..now.output.height() {
            let r = now.output.row0 + j;
            let first = (r * layer.stride[0])
                .saturating_sub(layer.pad[0])
                .min(layer.input[0]);
            let written = (j + 1) * output_row;
            room = room.max(written.saturating_sub((first.max(start) - start) * input_row));
        }
        if let Some(later) = patches.get(b + 1) {
            let kept_from = later[k].input.row0.max(start) - start;
            let written = now.output.height() * output_row;
            room = room.max(written.saturating_sub(kept_from * input_row));
        }
    }
    Some(room)
}

/// The grid of a `loop.patches` op, `None` for other ops.
pub fn loop_grid(function: &Function, op: Op) -> Option<[usize; 2]> {
    let data = &function.ops[op];
    if data.name != crate::PATCHES {
        return None;
    }
    match data.attributes.get("grid") {
        Some(Attribute::Array(items)) => match items.as_slice() {
            [Attribute::Int(rows), Attribute::Int(columns)] => Some([
                usize::try_from(*rows).ok()?,
                usize::try_from(*columns).ok()?,
            ]),
            _ => None,
        },
        _ => None,
    }
}

/// The plan of a `loop.patches` op: `None` for other ops, and for a body whose layers cannot
/// be computed per patch (the verifier's chain check does not look at the layers' kinds).
pub fn loop_plan(module: &Module, function: &Function, op: Op) -> Option<PatchPlan> {
    let grid = loop_grid(function, op)?;
    let region = function.ops[op].regions.first()?;
    let layers: Vec<LayerGeometry> = crate::body(region)
        .iter()
        .map(|&inner| layer_geometry(module, function, inner))
        .collect::<Option<_>>()?;
    if layers.is_empty() {
        return None;
    }
    if loop_streams(function, op) {
        return stream_plan(
            &layers,
            grid[0],
            &loop_layers(function, op, "in_place"),
            &loop_layers(function, op, "below"),
        );
    }
    Some(plan(&layers, grid))
}

/// The body layers a streamed `loop.patches` op lists in attribute `key`: those it runs in
/// place (`in_place = [k, ...]`), those whose output goes below their input (`below`).
pub fn loop_layers(function: &Function, op: Op, key: &str) -> Vec<usize> {
    match function.ops[op].attributes.get(key) {
        Some(Attribute::Array(items)) => items
            .iter()
            .filter_map(|item| match item {
                Attribute::Int(k) => usize::try_from(*k).ok(),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// Whether a `loop.patches` op is streamed (`stream = true`).
pub fn loop_streams(function: &Function, op: Op) -> bool {
    matches!(
        function.ops[op].attributes.get("stream"),
        Some(Attribute::Bool(true))
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use cranelift_entity::EntityRef;

    fn conv(input: [usize; 3], output: [usize; 3], kernel: usize, stride: usize) -> LayerGeometry {
        LayerGeometry {
            op: Op::new(0),
            kernel: [kernel, kernel],
            stride: [stride, stride],
            dilation: [1, 1],
            pad: [kernel / 2, kernel / 2],
            input,
            output,
            macs_per_output: kernel * kernel,
        }
    }

    /// The patch buffer region holds the largest input plus output of one layer (each rounded to
    /// 4 bytes): the first layer's 3-channel input and its output here, less than the largest
    /// even-layer region plus the largest odd-layer one that two fixed buffers would need.
    #[test]
    fn the_buffer_region_holds_one_layer_input_and_output() {
        let layers = [
            conv([32, 32, 3], [16, 16, 8], 3, 2),
            conv([16, 16, 8], [16, 16, 8], 3, 1),
            conv([16, 16, 8], [16, 16, 16], 1, 1),
        ];
        let plan = plan(&layers, [2, 2]);
        let round = |bytes: usize| bytes.div_ceil(4) * 4;
        let mut both = 0;
        let mut ends = [0usize; 2];
        for patch in &plan.patches {
            for (k, (p, l)) in patch.iter().zip(&layers).enumerate() {
                let input = round(p.input.height() * p.input.width() * l.input[2]);
                let output = round(p.output.height() * p.output.width() * l.output[2]);
                both = both.max(input + output);
                ends[k % 2] = ends[k % 2].max(input);
                ends[1 - k % 2] = ends[1 - k % 2].max(output);
            }
        }
        assert_eq!(plan.buffers_bytes(), both);
        assert!(
            plan.buffers_bytes() < ends[0] + ends[1],
            "{both} vs {ends:?}"
        );
    }

    /// A streamed plan computes every row of every layer once, in order; each layer reads
    /// exactly the rows the previous layer's buffer holds (the kept ones, then the new ones),
    /// which cover its window; the buffers fit what they hold.
    #[test]
    fn streamed_bands_compute_every_row_once_from_the_rows_kept() {
        let layers = [
            conv([32, 32, 3], [16, 16, 8], 3, 2),
            conv([16, 16, 8], [16, 16, 8], 3, 1),
            conv([16, 16, 8], [16, 16, 16], 1, 1),
            conv([16, 16, 16], [8, 8, 16], 3, 2),
        ];
        for bands in [2, 3, 5, 8] {
            let plan = stream_plan(&layers, bands, &[], &[]).expect("streams");
            assert_eq!(plan.patch_macs, plan.full_macs, "no halo is recomputed");
            let offsets = plan.row_buffers.clone().expect("row buffers");
            let mut done = [0usize; 4];
            for patch in &plan.patches {
                for (k, (p, l)) in patch.iter().zip(&layers).enumerate() {
                    assert_eq!(
                        p.output.row0, done[k],
                        "layer {k} continues where it stopped"
                    );
                    assert_eq!((p.output.col0, p.output.col1), (0, l.output[1]));
                    if p.output.height() > 0 {
                        let (first, last) = needed(p.output.row0, p.output.row1, 0, l);
                        assert!(p.input.row0 <= first && last <= p.input.row1);
                    }
                    if k > 0 {
                        let before = &patch[k - 1];
                        assert_eq!(p.input.row1, before.output.row1);
                        assert_eq!(p.input.row0, before.output.row0 - before.kept_rows);
                    }
                    if k + 1 < layers.len() {
                        let held = (p.kept_rows + p.output.height()) * l.output[1] * l.output[2];
                        let end = offsets.get(k + 1).copied().unwrap_or(plan.buffers_bytes());
                        assert!(offsets[k] + held <= end, "layer {k}'s rows fit its buffer");
                    }
                }
                for (k, p) in patch.iter().enumerate() {
                    done[k] = p.output.row1;
                }
            }
            for (k, l) in layers.iter().enumerate() {
                assert_eq!(done[k], l.output[0], "layer {k} computed all its rows");
            }
        }
        // A layer that skips input rows (1x1, stride 2) and a single layer do not stream.
        let skipping = [
            conv([16, 16, 8], [16, 16, 8], 3, 1),
            conv([16, 16, 8], [8, 8, 8], 1, 2),
        ];
        assert!(stream_plan(&skipping, 4, &[], &[]).is_none());
        assert!(stream_plan(&layers[..1], 4, &[], &[]).is_none());
    }
}
