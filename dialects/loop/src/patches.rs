//! The geometry of a patch loop: for every output patch of a `loop.patches` op, the region of
//! every layer's input and output it computes (receptive fields with their halos), the padding
//! each layer sees at the patch's border, the scratch the patches need and the MACs they do.
//! The `tile` pass sizes and chooses plans with it; backends emit the patch loop from it. A
//! layer is asked through its interfaces: a sliding window, or elementwise with one operand.

use tmlc_core::attributes::Attribute;
use tmlc_core::ir::{Function, Module, Op};
use tmlc_core::types::ElementType;
use tmlc_tinyml::cost::CallCost;
use tmlc_tinyml::{OpView, SlidingWindow};

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
            .sum();
        (patched, whole)
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
                patch.push(PatchLayer { input, output, pad });
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
    }
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
    (!layers.is_empty()).then(|| plan(&layers, grid))
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
}
