//! Reference integer semantics (TFLite Micro reference kernels, bit for bit).
//!
//! Every kernel here computes exactly what TFLite Micro's reference integer kernel computes for
//! the same tensors: the "Prepare" part (multipliers, shifts and activation ranges derived from
//! the float scales stored in the model, in the same float/double precision TFLM uses) and the
//! "Eval" part (int32 accumulation, double-rounding requantization, clamping). They are plain
//! functions over slices; they allocate and return the output. They are checked layer by layer
//! against `../shared/reference` by `compiler/tflite/tests/raw_reference.rs`.
//!
//! # Conventions
//!
//! - Activations are int8, per-tensor, asymmetric: [`QuantTensor`] (data, shape, scale, zero
//!   point). 4-D activations are NHWC. Shapes of lower rank are right-aligned to 4-D with leading
//!   1s where a kernel needs 4-D (as TFLite's `RuntimeShape::ExtendedShape`).
//! - The output of a kernel is described by an [`OutputSpec`] (shape, scale, zero point); the
//!   returned `Vec<i8>` has `shape.iter().product()` elements, row-major.
//! - Weights are int8, symmetric (zero point 0): [`Weights`] (data, shape, per-channel scales;
//!   a scale slice of length 1 means per-tensor). Layouts: conv2d `[O, KH, KW, I]`, depthwise
//!   `[1, KH, KW, C * multiplier]`, fully connected `[O, I]`.
//! - Bias is `Option<&[i32]>`, one value per output channel, scale = input scale * weight scale.
//! - Scales are `f32` exactly as stored in the model, zero points `i32`.
//! - Kernels never panic on consistent inputs (shapes as the verifier checks them); they
//!   `debug_assert!` consistency. Integer arithmetic wraps where C++ would overflow.
//!
//! # API
//!
//! | module | owns |
//! |---|---|
//! | [`quant`] | `quantize_multiplier(f64) -> QuantizedMultiplier`, `saturating_rounding_doubling_high_mul`, `rounding_divide_by_pot`, `multiply_by_quantized_multiplier`, `activation_range`, per-channel / fully-connected multiplier derivation |
//! | [`float_edges`] | `quantize` (float32 -> int8) and `dequantize` (int8 -> float32), TFLM's `AffineQuantize` / `Dequantize` |
//! | [`fixed_point`] | gemmlowp fixed-point math on raw `i32`: `exp_on_negative_values`, `one_over_one_plus_x_for_x_in_0_1`, `get_reciprocal`, `saturating_rounding_multiply_by_pot` |
//! | [`fixed_point`] | gemmlowp fixed-point math on raw `i32`: `exp_on_negative_values`, `one_over_one_plus_x_for_x_in_0_1`, `get_reciprocal`, `saturating_rounding_multiply_by_pot`, `logistic`, `tanh`, `log_x_for_x_greater_than_or_equal_to_1` |
//! | [`padding`] | [`Padding`], `output_size`, `padding_amount` (TFLite's `ComputePaddingHeightWidth`) |
//! | [`conv2d`](mod@conv2d) | `conv2d(&QuantTensor, &Weights, Option<&[i32]>, &Conv2dOptions, &OutputSpec) -> Vec<i8>` |
//! | [`depthwise_conv2d`](mod@depthwise_conv2d) | `depthwise_conv2d(&QuantTensor, &Weights, Option<&[i32]>, &DepthwiseConv2dOptions, &OutputSpec) -> Vec<i8>` |
//! | [`fully_connected`](mod@fully_connected) | `fully_connected(&QuantTensor, &Weights, Option<&[i32]>, Activation, &OutputSpec) -> Vec<i8>` |
//! | [`pool`] | `average_pool2d` / `max_pool2d(&QuantTensor, &Pool2dOptions, &OutputSpec) -> Vec<i8>` |
//! | [`add`](mod@add) | `AddParams::prepare(..)`, `add(&QuantTensor, &QuantTensor, Activation, &OutputSpec) -> Vec<i8>` (same shape or NumPy-style broadcast) |
//! | [`softmax`](mod@softmax) | `SoftmaxParams::prepare(beta, input_scale)`, `softmax(&QuantTensor, beta: f32) -> Vec<i8>` (output scale 1/256, zero point -128) |
//! | [`pad`](mod@pad) | `pad(&QuantTensor, &[[usize; 2]], Option<i8>, &OutputSpec) -> Vec<i8>` (default pad value = output zero point) |
//! | [`mean`](mod@mean) | `mean(&QuantTensor, axes: &[i32], keep_dims: bool, &OutputSpec) -> Vec<i8>` |
//! | [`concat`](mod@concat) | `concat(&[QuantTensor], axis: usize, &OutputSpec) -> Vec<i8>` |
//! | [`transpose`](mod@transpose) | `transpose(&QuantTensor, perm: &[usize]) -> Vec<i8>`, `transposed_shape` |
//! | [`resize_nearest_neighbor`](mod@resize_nearest_neighbor) | `nearest_source_index(i, in, out, ResizeNearestOptions) -> usize`, `resize_nearest_neighbor(&QuantTensor, [out_h, out_w], ResizeNearestOptions) -> Vec<i8>` |
//! | [`strided_slice`](mod@strided_slice) | `StridedSliceParams::axes(shape) -> Vec<SliceAxis>` / `output_shape`, `strided_slice(&QuantTensor, &StridedSliceParams) -> Vec<i8>` |
//! | [`sub`](mod@sub) | `SubParams::prepare(..)`, `sub(&QuantTensor, &QuantTensor, Activation, &OutputSpec) -> Vec<i8>` (same shape or broadcast) |
//! | [`hard_swish`](mod@hard_swish) | `HardSwishParams::prepare(input, output)`, `hard_swish(&QuantTensor, &OutputSpec) -> Vec<i8>` |
//! | [`sigmoid`] | `SigmoidParams::prepare(SigmoidFunction, input)`, `logistic(&QuantTensor)` (output 1/256, -128), `tanh(&QuantTensor)` (output 1/128, 0) |
//! | [`leaky_relu`](mod@leaky_relu) | `LeakyReluParams::prepare(input, output, alpha)`, `leaky_relu(&QuantTensor, alpha, &OutputSpec) -> Vec<i8>` |
//! | [`lstm`](mod@lstm) | `LstmParams::prepare(&LstmQuantization)`, `lstm(input, &LstmWeights, &LstmParams, &LstmShape, &mut LstmState) -> Vec<i8>` (int16 gates and cell state; the state persists), `LstmState::reset` |
//! | [`log_softmax`](mod@log_softmax) | `LogSoftmaxParams::prepare(input_scale)`, `log_softmax(&QuantTensor) -> Vec<i8>` (output 16/256, 127) |
//!
//! The unary ones (HARD_SWISH, LOGISTIC, TANH, LEAKY_RELU) also have a `Params::apply(i8) -> i8`
//! per element, from which the C backend tabulates all 256 results.
//!
//! `reshape` and `squeeze` need no kernel: the data is unchanged (row-major), only the shape
//! (and, for a reshape, possibly the quantization: TFLM copies the bytes) changes. Transpose,
//! resize and strided slice move bytes without arithmetic, so their output quantization does
//! not enter either.
//!
//! The `prepare`-style functions (multipliers, shifts, activation ranges) are public so that code
//! generators emit exactly the constants the reference computes.
//!
//! # Subtleties that decide bit-exactness
//!
//! - Requantization rounds twice: `SaturatingRoundingDoublingHighMul` (ties towards +infinity,
//!   with C++ truncating division) then `RoundingDivideByPOT` (ties away from zero). A single
//!   rounding `(x * m + 2^(30 - s)) >> (31 - s)` is off by 1-4 LSB on most layers of the real
//!   models (measured: kws, person_detect, ad01 all diverge from the first layer).
//! - Multipliers: conv and depthwise use `(f64)s_in * (f64)s_w[c] / (f64)s_out`; per-tensor
//!   fully connected uses `(f64)(s_in * s_w)` with the product in f32. The two give a different
//!   Q31 multiplier (by ~1 LSB) for most channels of the real models, though no golden output
//!   changes; we follow TFLM's source.
//! - SAME padding: only the leading amount `total / 2` is applied, the window is clipped at the
//!   far edge, so with stride 2 on an even input only the bottom/right are padded. Padding taps
//!   are skipped (equivalent to padding with the input zero point).
//! - Average pool divides by the number of in-bounds taps and rounds half away from zero on the
//!   raw int8 sum (no zero point subtraction: input and output quantization are equal).
//! - Activation bounds: `zp + round(f / scale)` in f32, clamped to int8.
//! - ADD: 20-bit left shift of both offset inputs, each scaled by `s_i / (2 max(s_1, s_2))`, sum
//!   scaled by `2 max / (2^20 s_out)`, three double-rounding multiplies in all.
//! - Softmax: differences below `diff_min` give exactly -128 without touching `exp`; a lone
//!   maximum saturates to 127 (256/256 - 128 clamps).
//! - MEAN: TFLM (since 2023) uses the integer `QuantizedMeanOrSum`, folding `1/n` into the
//!   multiplier by a truncating division, not the older float path nor
//!   `reference_integer_ops::Mean`.
//! - CONCATENATION: TFLM rejects int8 inputs whose quantization differs from the output; the
//!   requantizing path here is TFLite's float `ConcatenationWithScaling`, unverifiable in TFLM.
//! - RESIZE_NEAREST_NEIGHBOR: the source index is `(int)floor((i + offset) * scale)` (or
//!   `round`, ties away from zero, with `align_corners`) in f32, where `scale = in / (float)out`
//!   or, with `align_corners`, `(in - 1) / (float)(out - 1)`; capped at `in - 1`. Generated code
//!   gets the indices as tables computed by this crate.
//! - RESHAPE (and the other data-movement ops): TFLM checks only the element type and count and
//!   copies the bytes, so an output quantization other than the input's reinterprets them.
//! - STRIDED_SLICE: TFLM zeroes `ellipsis_mask` and `new_axis_mask`; a shrunk axis runs from
//!   `start` to `start + 1` even with a negative stride (then nothing is written).
//! - SUB: ADD's parameters and arithmetic with the rescaled inputs subtracted; negating the
//!   second input instead would round ties the other way.
//! - f32 or f64 quotients: TFLM's source (snapshot 90b983c2) computes the multipliers of SUB,
//!   LEAKY_RELU and HARD_SWISH from f32 quotients widened to f64 ("foubles", tflite-micro issue
//!   #3271); the TFLM build on PyPI (tflite-micro 0.dev20261023) computes them in f64, checked on
//!   cases where the two differ (each module's `..._as_tflm_computes_them` test). We follow the
//!   build.
//! - HARD_SWISH: 16-bit fixed point throughout, Q15 multipliers rounded from Q31, and one
//!   *truncating* doubling multiply (`SaturatingDoublingHighMul`) where the others round.
//! - LOGISTIC, TANH: the input multiplier comes from `frexp` directly (not `QuantizeMultiplier`);
//!   inputs at or beyond the "input range radius" saturate without fixed-point math; gemmlowp's
//!   `logistic` of a negative input is `i32::MAX - logistic(-x)`.
//! - LEAKY_RELU: a zero input takes the identity multiplier; a negative alpha is applied as its
//!   magnitude, the sign flipped after the rescale.
//! - LOG_SOFTMAX: the output threshold is `>` an adjusted `diff_min` (the sum uses `>=`), and the
//!   log is TFLite's own `log_x_for_x_greater_than_or_equal_to_1`, not gemmlowp's.
//! - LSTM: the gate FC multipliers take the scale product in f32 (as FULLY_CONNECTED), the
//!   inter-gate products in f64; the int16 logistic and tanh interpolate TFLite's 256-entry
//!   sigmoid table rather than gemmlowp's fixed-point functions; the output gate reads the
//!   hidden state of the previous step, after the cell update.
//! - Bias quantization (including person_detect's bogus `quantized_dimension = 3` on 1-D
//!   biases) is never read: the bias is added as raw int32.

pub mod activation;
pub mod add;
pub mod concat;
pub mod conv2d;
pub mod depthwise_conv2d;
pub mod fixed_point;
pub mod float_edges;
pub mod fully_connected;
pub mod hard_swish;
pub mod leaky_relu;
pub mod log_softmax;
pub mod log_softmax_f32;
pub mod lstm;
pub mod mean;
pub mod mul;
pub mod pad;
pub mod padding;
pub mod pool;
pub mod quant;
pub mod resize_nearest_neighbor;
pub mod sigmoid;
pub mod softmax;
pub mod strided_slice;
pub mod sub;
pub mod transpose;

pub use add::add;
pub use concat::concat;
pub use conv2d::{conv2d, Conv2dOptions};
pub use depthwise_conv2d::{depthwise_conv2d, DepthwiseConv2dOptions};
pub use fully_connected::fully_connected;
pub use hard_swish::hard_swish;
pub use leaky_relu::leaky_relu;
pub use log_softmax::log_softmax;
pub use mean::mean;
pub use mul::mul;
pub use pad::pad;
pub use padding::Padding;
pub use pool::{average_pool2d, max_pool2d, Pool2dOptions};
pub use quant::{Activation, QuantizedMultiplier};
pub use sigmoid::{logistic, tanh};
pub use softmax::softmax;
pub use sub::sub;

/// An int8 activation tensor with per-tensor asymmetric quantization: real = scale * (q - zp).
#[derive(Debug, Clone, Copy)]
pub struct QuantTensor<'a> {
    /// Row-major elements (NHWC for 4-D).
    pub data: &'a [i8],
    pub shape: &'a [usize],
    pub scale: f32,
    pub zero_point: i32,
}

impl<'a> QuantTensor<'a> {
    pub fn new(data: &'a [i8], shape: &'a [usize], scale: f32, zero_point: i32) -> Self {
        QuantTensor {
            data,
            shape,
            scale,
            zero_point,
        }
    }
}

/// Symmetric int8 weights (zero point 0) with per-channel or per-tensor scales.
#[derive(Debug, Clone, Copy)]
pub struct Weights<'a> {
    pub data: &'a [i8],
    pub shape: &'a [usize],
    /// One scale per output channel, or a single scale for the whole tensor.
    pub scales: &'a [f32],
}

impl<'a> Weights<'a> {
    pub fn new(data: &'a [i8], shape: &'a [usize], scales: &'a [f32]) -> Self {
        Weights {
            data,
            shape,
            scales,
        }
    }
}

/// Shape and quantization of the tensor a kernel produces.
#[derive(Debug, Clone, Copy)]
pub struct OutputSpec<'a> {
    pub shape: &'a [usize],
    pub scale: f32,
    pub zero_point: i32,
}

impl<'a> OutputSpec<'a> {
    pub fn new(shape: &'a [usize], scale: f32, zero_point: i32) -> Self {
        OutputSpec {
            shape,
            scale,
            zero_point,
        }
    }

    /// Number of elements of the output.
    pub fn len(&self) -> usize {
        self.shape.iter().product()
    }

    /// True when the output has no element.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// `shape` right-aligned to 4-D with leading 1s (TFLite's `RuntimeShape::ExtendedShape(4, ..)`).
/// Extra leading dimensions of a shape with rank > 4 are folded into the first one.
pub(crate) fn dims4(shape: &[usize]) -> [usize; 4] {
    let mut d = [1usize; 4];
    let n = shape.len();
    if n <= 4 {
        d[4 - n..].copy_from_slice(shape);
    } else {
        d[0] = shape[..n - 3].iter().product();
        d[1..].copy_from_slice(&shape[n - 3..]);
    }
    d
}

/// The 256 results of a function of one int8 input for the inputs -128..=127, in that order.
pub fn lookup_table(element: impl Fn(i8) -> i8) -> [i8; 256] {
    std::array::from_fn(|i| element((i as i32 - 128) as i8))
}

/// Clamps an int32 to `[lo, hi]` and narrows it to int8 (`lo`, `hi` within int8).
#[inline]
pub(crate) fn clamp_i8(v: i32, lo: i32, hi: i32) -> i8 {
    v.max(lo).min(hi).clamp(-128, 127) as i8
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dims4_extends_and_folds() {
        assert_eq!(dims4(&[3, 5]), [1, 1, 3, 5]);
        assert_eq!(dims4(&[]), [1, 1, 1, 1]);
        assert_eq!(dims4(&[2, 3, 4, 5]), [2, 3, 4, 5]);
        assert_eq!(dims4(&[2, 3, 4, 5, 6]), [6, 4, 5, 6]);
    }

    #[test]
    fn clamp_narrows() {
        assert_eq!(clamp_i8(300, -128, 127), 127);
        assert_eq!(clamp_i8(-300, -128, 127), -128);
        assert_eq!(clamp_i8(5, 10, 20), 10);
    }
}
