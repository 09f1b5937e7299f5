//! The op interfaces: what passes and backends ask a tinyml op instead of matching its name.
//! Every op's typed view (`view::OpView`) answers them through [`OpInterface`]; an op that does
//! not implement a query gets the conservative default (not a window, not elementwise, not a
//! view, never in place, no MACs).

use crate::semantics::padding::{compute_padding, PadAmount};
use crate::semantics::Padding;
use crate::tensor::{Operands, TensorData};
use tmlc_core::diagnostic::DiagResult;

/// The window of a sliding-window op (convolutions, pools) over the H and W axes of an NHWC
/// input: what `tile`, liveness (overlapping placement) and patch geometry need.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SlidingWindow {
    /// Kernel height and width.
    pub kernel: [usize; 2],
    pub stride: [usize; 2],
    pub dilation: [usize; 2],
    pub padding: Padding,
}

impl SlidingWindow {
    /// The 1x1, stride-1 window of an elementwise op.
    pub const IDENTITY: SlidingWindow = SlidingWindow {
        kernel: [1, 1],
        stride: [1, 1],
        dilation: [1, 1],
        padding: Padding::Valid,
    };

    /// The padding along `axis` (0 rows, 1 columns) of an input of `input_size` (TFLite's
    /// `ComputePaddingHeightWidth`).
    pub fn pad(&self, axis: usize, input_size: usize) -> PadAmount {
        compute_padding(
            self.padding.axis(axis),
            input_size,
            self.kernel[axis],
            self.stride[axis],
            self.dilation[axis],
        )
        .1
    }
}

impl SlidingWindow {
    /// The output plane (rows, columns) over an input plane of `input` (TFLite's
    /// `ComputeOutSize`; 0 where the window does not fit).
    pub fn output_plane(&self, input: [usize; 2]) -> [usize; 2] {
        [0, 1].map(|axis| {
            crate::semantics::padding::output_size(
                self.padding.axis(axis),
                input[axis],
                self.kernel[axis],
                self.stride[axis],
                self.dilation[axis],
            )
        })
    }

    /// The NHWC result shape over an NHWC `input`, with `channels` output channels; `None` when
    /// the input is not rank 4.
    pub fn result_shape(&self, input: &[usize], channels: usize) -> Option<Vec<usize>> {
        let [batch, height, width, _] = <[usize; 4]>::try_from(input).ok()?;
        let [out_h, out_w] = self.output_plane([height, width]);
        Some(vec![batch, out_h, out_w, channels])
    }
}

/// Whether and how an op may write its result over one of its inputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InPlace {
    /// Never: the output must not overlap any input.
    Never,
    /// Element by element: the result may overwrite any operand of the result's shape.
    Elementwise,
    /// Channel by channel (TinyEngine's in-place depthwise): operand 0 may be overwritten, one
    /// channel plane of `out_h * out_w` bytes of scratch holds the channel being computed.
    ChannelPlanes { plane_bytes: usize },
}

/// The persistent state of a stateful op (an LSTM's hidden and cell state): bytes that survive
/// from one invocation of the model to the next. It is not an SSA value, so the arena planner
/// never sees it; backends keep it in a buffer of its own and restore `reset` on request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpState {
    /// The alignment (bytes) the state needs.
    pub alignment: usize,
    /// The state's bytes after a reset (also before the first invocation).
    pub reset: Vec<u8>,
    /// Bytes of work buffer the op's kernels use while they run, kept beside the state
    /// (outside the arena; its contents need not survive).
    pub work_bytes: usize,
}

/// The queries every tinyml op answers.
pub trait OpInterface {
    /// The window, for ops that read an NHWC input through a sliding window.
    fn sliding_window(&self) -> Option<SlidingWindow> {
        None
    }
    /// Whether each output element depends only on the input elements of the same index (after
    /// broadcasting): such an op may be computed on any slice of its operands.
    fn elementwise(&self) -> bool {
        false
    }
    /// The result shape the op infers from operands of shapes `operands` (its attributes as they
    /// are), for ops whose result shape follows from their operands' shapes; `None` for ops
    /// whose result shape is fixed by the IR itself (reshape, squeeze, fully_connected, resize,
    /// strided_slice, ...). The verifier stays the authority: this is what lets a caller give a
    /// function other input shapes (`tmlc fit --resolutions`) and derive the rest. Elementwise
    /// ops answer the broadcast of their operands.
    fn result_shape(&self, operands: &[&[usize]]) -> Option<Vec<usize>> {
        if !self.elementwise() {
            return None;
        }
        operands
            .iter()
            .try_fold(Vec::new(), |shape: Vec<usize>, operand| {
                crate::ops::add::broadcast_shape(&shape, operand)
            })
    }
    /// Whether the result is operand 0's bytes seen with another type (no data moves).
    fn is_view(&self) -> bool {
        false
    }
    /// Whether the op may run over its input.
    fn in_place(&self) -> InPlace {
        InPlace::Never
    }
    /// MACs per output element (the unit of work of int8 inference; 0 for ops without one).
    fn macs_per_output(&self) -> u64 {
        0
    }
    /// For an op whose result element is a pure function of the operand element at the same
    /// index (one int8 operand, the quantizations fixed by the types): the results for the
    /// inputs -128..=127, in that order. Backends may then compute the op with one table lookup
    /// per element, which is exact by construction.
    fn lookup_table(&self) -> Option<[i8; 256]> {
        None
    }
    /// The state the op keeps across invocations, for stateful ops.
    fn state(&self) -> Option<OpState> {
        None
    }
    /// Runs the op with its reference semantics (a stateful op from its reset state).
    fn evaluate(&self, operands: &Operands) -> DiagResult<TensorData>;
    /// Runs a stateful op from `state` (its [`OpState`] bytes), updating it; other ops ignore
    /// it.
    fn evaluate_with_state(&self, operands: &Operands, state: &mut [u8]) -> DiagResult<TensorData> {
        let _ = state;
        self.evaluate(operands)
    }
}
