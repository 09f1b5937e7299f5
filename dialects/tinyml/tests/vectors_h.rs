//! The generator of `runtime-c/tests/vectors.h`, the test vectors of runtime-c's kernel unit
//! tests (`runtime-c/tests/test_kernels.c`): pseudo-random inputs (SplitMix64, seed "tmlc"),
//! quantization constants from the Rust prepare functions and every expected output from
//! `tmlc_tinyml::semantics`, so that a passing C test means the C kernels are bit-exact with the
//! Rust reference.
//!
//! The test regenerates the file and compares it with the committed one byte for byte. After a
//! deliberate change (of the semantics, a case, the format), rewrite it with
//! `TMLC_BLESS=1 cargo test -p tmlc-tinyml --test vectors_h` and run runtime-c's tests
//! (`make -C runtime-c test`, or `cargo test -p tmlc-tests --test runtime_c`).
//!
//! Every draw comes from one generator in a fixed order (the fixed-point vectors, then the kernel
//! cases in file order, then the ADD sweep parameters): adding or reordering a draw changes every
//! case after it. The sweeps' own inputs come from `sweep_next` in test_kernels.c (the same
//! SplitMix64, high 32 bits, seeded per sweep), which the C side regenerates.

use std::fmt::Write;
use std::path::PathBuf;

use tmlc_tinyml::semantics::add::AddParams;
use tmlc_tinyml::semantics::fixed_point::{
    exp_on_negative_values, get_reciprocal, one_over_one_plus_x_for_x_in_0_1,
    saturating_rounding_multiply_by_pot,
};
use tmlc_tinyml::semantics::padding::{compute_padding, Padding};
use tmlc_tinyml::semantics::quant::{
    activation_range, conv_multipliers, fully_connected_multipliers,
    multiply_by_quantized_multiplier, quantize_multiplier, rounding_divide_by_pot,
    saturating_rounding_doubling_high_mul, QuantizedMultiplier,
};
use tmlc_tinyml::semantics::softmax::SoftmaxParams;
use tmlc_tinyml::semantics::{
    add, average_pool2d, concat, conv2d, depthwise_conv2d, fully_connected, max_pool2d, mean, pad,
    softmax, Activation, Conv2dOptions, DepthwiseConv2dOptions, OutputSpec, Pool2dOptions,
    QuantTensor, Weights,
};

const HEADER: &str = "\
/*
 * tmlc runtime: test vectors for tests/test_kernels.c (generated, do not edit by hand).
 *
 * Inputs are pseudo-random (splitmix64, fixed seed); the quantization constants come from the
 * Rust prepare functions (quant::conv_multipliers, quant::fully_connected_multipliers,
 * quant::activation_range, padding::compute_padding, add::AddParams::prepare,
 * softmax::SoftmaxParams::prepare, mean.rs's multiplier folding) and every expected output from
 * tmlc_tinyml::semantics (conv2d, depthwise_conv2d, fully_connected, average_pool2d,
 * max_pool2d, add, softmax, pad, mean, concat; quant and fixed_point for the helpers), so a
 * passing test means the C kernels are bit-exact with the Rust reference on these cases.
 * The sweep hashes are FNV-1a-style folds (see sweep_mix in test_kernels.c) of the Rust results
 * over 65536 inputs drawn from the same generator as the C side; add_sweeps covers all 65536
 * input pairs of ADD per parameter set, softmax_sweeps 512 random rows per parameter set.
 * Included once, by test_kernels.c, after the case struct definitions.
 */
";

/// The seed of the generator: "tmlc" in ASCII.
const SEED: u64 = 0x746d_6c63;

/// SplitMix64.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `lo..=hi`.
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + (self.next() % (hi - lo + 1) as u64) as i64
    }

    fn range_i32(&mut self, lo: i32, hi: i32) -> i32 {
        self.range(lo as i64, hi as i64) as i32
    }

    /// The low 32 bits as an `i32`: uniform over all of them.
    fn any_i32(&mut self) -> i32 {
        self.next() as i32
    }

    /// `n` values uniform in `lo..=hi`.
    fn i8s(&mut self, n: usize, lo: i32, hi: i32) -> Vec<i8> {
        (0..n).map(|_| self.range_i32(lo, hi) as i8).collect()
    }

    fn i32s(&mut self, n: usize, lo: i32, hi: i32) -> Vec<i32> {
        (0..n).map(|_| self.range_i32(lo, hi)).collect()
    }

    /// Uniform in `[0, 1)` from the top 53 bits.
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// A scale log-uniform in `[lo, hi)`.
    fn scale(&mut self, (lo, hi): (f64, f64)) -> f32 {
        (lo * (hi / lo).powf(self.unit())) as f32
    }

    fn scales(&mut self, n: usize, range: (f64, f64)) -> Vec<f32> {
        (0..n).map(|_| self.scale(range)).collect()
    }
}

/// Scale ranges (log-uniform) of the kernel cases. Reconstructed from the committed file (its
/// original generator was not kept): only the ratios the kernels see (input * weight / output)
/// show in the file, so other ranges with the same products would give the same bytes.
const INPUT_SCALES: (f64, f64) = (0.01, 0.1);
const CONV_WEIGHT_SCALES: (f64, f64) = (0.002, 0.02);
const DEPTHWISE_WEIGHT_SCALES: (f64, f64) = (0.005, 0.05);
const FC_WEIGHT_SCALES: (f64, f64) = (0.002, 0.02);
const DEPTHWISE_OUTPUT_SCALES: (f64, f64) = (0.02, 0.1);
const FC_OUTPUT_SCALES: (f64, f64) = (0.05, 0.2);
const POOL_SCALES: (f64, f64) = (0.02, 0.1);
const ADD_OUTPUT_SCALES: (f64, f64) = (0.025, 0.15);
const ADD_SWEEP_SCALES: (f64, f64) = (0.01, 1.0);

/// Zero-point ranges.
const INPUT_ZERO_POINTS: (i32, i32) = (-30, 30);
const OUTPUT_ZERO_POINTS: (i32, i32) = (-20, 20);
const ZERO_POINTS: (i32, i32) = (-40, 40);
const BIASES: (i32, i32) = (-3000, 3000);
const INT8: (i32, i32) = (-128, 127);

/// C source of one value: `INT32_MIN` has no literal of type int32_t.
fn c_i32(v: i32) -> String {
    if v == i32::MIN {
        "INT32_MIN".to_string()
    } else {
        v.to_string()
    }
}

fn bool_i32(b: bool) -> i32 {
    i32::from(b)
}

fn ints<T: ToString>(values: &[T]) -> String {
    let parts: Vec<String> = values.iter().map(|v| v.to_string()).collect();
    format!("{{{}}}", parts.join(", "))
}

/// `[1, 1, .., shape]`: right-aligned to 4-D.
fn dims4(shape: &[usize]) -> [usize; 4] {
    let mut d = [1usize; 4];
    d[4 - shape.len()..].copy_from_slice(shape);
    d
}

/// The file under construction: data arrays first, then the tables.
#[derive(Default)]
struct Out {
    arrays: String,
    tables: String,
}

impl Out {
    fn array<T: ToString>(&mut self, ty: &str, name: &str, values: &[T]) {
        writeln!(
            self.arrays,
            "static const {ty} {name}[{}] = {{",
            values.len()
        )
        .unwrap();
        for row in values.chunks(16) {
            let parts: Vec<String> = row.iter().map(|v| v.to_string()).collect();
            writeln!(self.arrays, "    {},", parts.join(", ")).unwrap();
        }
        self.arrays.push_str("};\n");
    }

    fn i8s(&mut self, name: &str, values: &[i8]) -> String {
        self.array("int8_t", name, values);
        name.to_string()
    }

    fn i32s(&mut self, name: &str, values: &[i32]) -> String {
        self.array("int32_t", name, values);
        name.to_string()
    }

    /// A table of rows, each already C source without the trailing comma.
    fn table(&mut self, ty: &str, name: &str, rows: &[String]) {
        writeln!(self.tables, "\nstatic const {ty} {name}[] = {{").unwrap();
        for row in rows {
            writeln!(self.tables, "{row},").unwrap();
        }
        self.tables.push_str("};\n");
    }
}

/// A designated initializer `{.a = 1, .b = 2}` wrapped greedily: a field (with the ", " after
/// it) goes on the current line while the line stays within 97 columns.
fn designated(fields: &[(&str, String)]) -> String {
    const WIDTH: usize = 97;
    let n = fields.len();
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::from("    {");
    let mut empty = true;
    for (i, (name, value)) in fields.iter().enumerate() {
        let piece = if i + 1 < n {
            format!(".{name} = {value}, ")
        } else {
            format!(".{name} = {value}")
        };
        if !empty && line.len() + piece.len() > WIDTH {
            lines.push(line.trim_end().to_string());
            line = String::from("     ");
        }
        line.push_str(&piece);
        empty = false;
    }
    line.push('}');
    lines.push(line);
    lines.join("\n")
}

fn quoted(s: &str) -> String {
    format!("\"{s}\"")
}

fn multipliers_split(m: &[QuantizedMultiplier]) -> (Vec<i32>, Vec<i32>) {
    (
        m.iter().map(|q| q.multiplier).collect(),
        m.iter().map(|q| q.shift).collect(),
    )
}

// ---------------------------------------------------------------------------------------------
// Fixed point

fn fixed_point_vectors(rng: &mut Rng, out: &mut Out) {
    let a_edges = [i32::MIN, -i32::MAX, -1, 0, 1, i32::MAX, 1 << 30, -(1 << 30)];
    let b_edges = [i32::MIN, i32::MAX, -(1 << 30) - 7];
    let mut pairs: Vec<(i32, i32)> = Vec::new();
    for &a in &a_edges {
        for &b in &b_edges {
            pairs.push((a, b));
        }
    }
    for _ in 0..16 {
        let a = rng.any_i32();
        let b = rng.any_i32();
        pairs.push((a, b));
    }
    let rows: Vec<String> = pairs
        .iter()
        .map(|&(a, b)| {
            let e = saturating_rounding_doubling_high_mul(a, b);
            format!("    {{{}, {}, {}}}", c_i32(a), c_i32(b), c_i32(e))
        })
        .collect();
    out.table("srdhm_vec", "srdhm_vectors", &rows);

    let mut rows = Vec::new();
    for exponent in [0, 1, 2, 5, 12, 20, 30, 31, -3, 40] {
        let large = rng.any_i32();
        let small = -rng.range_i32(0, 1 << 20);
        for x in [large, small, i32::MIN, i32::MAX] {
            let e = rounding_divide_by_pot(x, exponent);
            rows.push(format!("    {{{}, {exponent}, {}}}", c_i32(x), c_i32(e)));
        }
    }
    out.table("rdbpot_vec", "rdbpot_vectors", &rows);

    let mut rows = Vec::new();
    for shift in [-31, -20, -9, -5, -1, 0, 1, 3, 10, 31] {
        let small = rng.range_i32(-100_000, 100_000);
        let large = rng.any_i32();
        let m_small = rng.range_i32(1 << 30, i32::MAX);
        let m_large = rng.range_i32(1 << 30, i32::MAX);
        for (x, m) in [(small, m_small), (large, m_large)] {
            let e = multiply_by_quantized_multiplier(x, m, shift);
            rows.push(format!("    {{{}, {m}, {shift}, {}}}", c_i32(x), c_i32(e)));
        }
    }
    out.table("mbqm_vec", "mbqm_vectors", &rows);

    let r1 = rng.any_i32();
    let r2 = rng.any_i32();
    let mut rows = Vec::new();
    for x in [0, 5, -5, 1 << 28, -(1 << 28), i32::MAX, -i32::MAX, r1, r2] {
        for exponent in [-40, -31, -7, -1, 0, 1, 4, 31, 33] {
            let e = saturating_rounding_multiply_by_pot(x, exponent);
            rows.push(format!("    {{{}, {exponent}, {}}}", c_i32(x), c_i32(e)));
        }
    }
    out.table("srmbpot_vec", "srmbpot_vectors", &rows);

    let mut inputs = vec![
        0,
        -1,
        -(1 << 24),
        -(1 << 26),
        -5 * (1 << 26),
        -31 * (1 << 26),
        i32::MIN,
        -(1 << 30),
    ];
    for _ in 0..12 {
        inputs.push(-rng.range_i32(0, i32::MAX));
    }
    for _ in 0..6 {
        inputs.push(-rng.range_i32(0, 1 << 27));
    }
    let rows: Vec<String> = inputs
        .iter()
        .map(|&a| {
            let e = exp_on_negative_values(a, 5);
            format!("    {{{}, {}}}", c_i32(a), c_i32(e))
        })
        .collect();
    out.table("exp_vec", "exp_vectors", &rows);

    let mut inputs = vec![1 << 19, (1 << 19) + 1, 3 << 19, i32::MAX, 1, 1 << 30];
    for _ in 0..10 {
        inputs.push(rng.range_i32(1 << 19, i32::MAX));
    }
    let rows: Vec<String> = inputs
        .iter()
        .map(|&x| {
            let (v, bits) = get_reciprocal(x, 12);
            format!("    {{{}, {}, {bits}}}", c_i32(x), c_i32(v))
        })
        .collect();
    out.table("recip_vec", "recip_vectors", &rows);
}

// ---------------------------------------------------------------------------------------------
// Convolutions and fully connected

struct ConvSpec {
    name: &'static str,
    batches: usize,
    in_hwc: [usize; 3],
    out_c: usize,
    kernel: [usize; 2],
    filter_in_c: usize,
    stride: [usize; 2],
    dilation: [usize; 2],
    padding: Padding,
    activation: Activation,
    output_scale: f32,
    bias: bool,
    per_channel: bool,
    input_range: (i32, i32),
    filter_range: (i32, i32),
    bias_range: (i32, i32),
}

fn conv_case(rng: &mut Rng, out: &mut Out, s: &ConvSpec) -> String {
    let input_scale = rng.scale(INPUT_SCALES);
    let input_zp = rng.range_i32(INPUT_ZERO_POINTS.0, INPUT_ZERO_POINTS.1);
    let output_zp = rng.range_i32(OUTPUT_ZERO_POINTS.0, OUTPUT_ZERO_POINTS.1);
    let filter_scales = rng.scales(if s.per_channel { s.out_c } else { 1 }, CONV_WEIGHT_SCALES);
    let [in_h, in_w, in_c] = s.in_hwc;
    let [k_h, k_w] = s.kernel;
    let input = rng.i8s(
        s.batches * in_h * in_w * in_c,
        s.input_range.0,
        s.input_range.1,
    );
    let filter = rng.i8s(
        s.out_c * k_h * k_w * s.filter_in_c,
        s.filter_range.0,
        s.filter_range.1,
    );
    let bias_values = rng.i32s(s.out_c, s.bias_range.0, s.bias_range.1);
    let bias = s.bias.then_some(bias_values);

    let (out_h, pad_h) = compute_padding(s.padding.axis(0), in_h, k_h, s.stride[0], s.dilation[0]);
    let (out_w, pad_w) = compute_padding(s.padding.axis(1), in_w, k_w, s.stride[1], s.dilation[1]);
    let input_shape = [s.batches, in_h, in_w, in_c];
    let filter_shape = [s.out_c, k_h, k_w, s.filter_in_c];
    let output_shape = [s.batches, out_h, out_w, s.out_c];
    let expected = conv2d(
        &QuantTensor::new(&input, &input_shape, input_scale, input_zp),
        &Weights::new(&filter, &filter_shape, &filter_scales),
        bias.as_deref(),
        &Conv2dOptions {
            stride_h: s.stride[0],
            stride_w: s.stride[1],
            dilation_h: s.dilation[0],
            dilation_w: s.dilation[1],
            padding: s.padding,
            activation: s.activation,
        },
        &OutputSpec::new(&output_shape, s.output_scale, output_zp),
    );
    let (mult, shift) = multipliers_split(&conv_multipliers(
        input_scale,
        &filter_scales,
        s.output_scale,
        s.out_c,
    ));
    let (act_min, act_max) = activation_range(s.activation, s.output_scale, output_zp);

    let n = s.name;
    let input_name = out.i8s(&format!("{n}_input"), &input);
    let filter_name = out.i8s(&format!("{n}_filter"), &filter);
    let bias_name = match &bias {
        Some(b) => out.i32s(&format!("{n}_bias"), b),
        None => "NULL".to_string(),
    };
    let mult_name = out.i32s(&format!("{n}_mult"), &mult);
    let shift_name = out.i32s(&format!("{n}_shift"), &shift);
    let expected_name = out.i8s(&format!("{n}_expected"), &expected);
    designated(&[
        ("name", quoted(n)),
        ("input", input_name),
        ("batches", s.batches.to_string()),
        ("in_h", in_h.to_string()),
        ("in_w", in_w.to_string()),
        ("in_c", in_c.to_string()),
        ("input_offset", (-input_zp).to_string()),
        ("filter", filter_name),
        ("out_c", s.out_c.to_string()),
        ("k_h", k_h.to_string()),
        ("k_w", k_w.to_string()),
        ("filter_in_c", s.filter_in_c.to_string()),
        ("bias", bias_name),
        ("multipliers", mult_name),
        ("shifts", shift_name),
        ("stride_h", s.stride[0].to_string()),
        ("stride_w", s.stride[1].to_string()),
        ("dilation_h", s.dilation[0].to_string()),
        ("dilation_w", s.dilation[1].to_string()),
        ("pad_top", pad_h.before.to_string()),
        ("pad_left", pad_w.before.to_string()),
        ("out_h", out_h.to_string()),
        ("out_w", out_w.to_string()),
        ("output_offset", output_zp.to_string()),
        ("act_min", act_min.to_string()),
        ("act_max", act_max.to_string()),
        ("expected", expected_name),
    ])
}

fn conv_cases(rng: &mut Rng, out: &mut Out) {
    let base = ConvSpec {
        name: "",
        batches: 1,
        in_hwc: [1, 1, 1],
        out_c: 1,
        kernel: [1, 1],
        filter_in_c: 1,
        stride: [1, 1],
        dilation: [1, 1],
        padding: Padding::Same,
        activation: Activation::None,
        output_scale: 1.0,
        bias: true,
        per_channel: true,
        input_range: INT8,
        filter_range: INT8,
        bias_range: BIASES,
    };
    let specs = [
        ConvSpec {
            name: "conv_3x3_same_s2_relu6",
            in_hwc: [5, 5, 3],
            out_c: 4,
            kernel: [3, 3],
            filter_in_c: 3,
            stride: [2, 2],
            activation: Activation::Relu6,
            output_scale: 0.08,
            ..base
        },
        ConvSpec {
            name: "conv_2x3_valid_dil2_b2",
            batches: 2,
            in_hwc: [6, 7, 2],
            out_c: 3,
            kernel: [2, 3],
            filter_in_c: 2,
            dilation: [2, 2],
            padding: Padding::Valid,
            output_scale: 0.2,
            ..base
        },
        // Inputs near each other, small weights and a tiny output scale: multipliers above 1.
        ConvSpec {
            name: "conv_3x3_same_dil2_gain",
            in_hwc: [5, 4, 2],
            out_c: 2,
            kernel: [3, 3],
            filter_in_c: 2,
            dilation: [2, 2],
            output_scale: 0.0002,
            input_range: (17, 23),
            filter_range: (-2, 2),
            bias_range: (-10, 10),
            ..base
        },
        ConvSpec {
            name: "conv_grouped_s2_relu",
            in_hwc: [4, 4, 4],
            out_c: 4,
            kernel: [3, 3],
            filter_in_c: 2,
            stride: [2, 2],
            activation: Activation::Relu,
            output_scale: 0.03,
            ..base
        },
        ConvSpec {
            name: "conv_1x1_b2_per_tensor",
            batches: 2,
            in_hwc: [3, 3, 5],
            out_c: 3,
            filter_in_c: 5,
            padding: Padding::Valid,
            output_scale: 0.04,
            bias: false,
            per_channel: false,
            ..base
        },
        ConvSpec {
            name: "conv_5x3_s2x1_same",
            in_hwc: [7, 5, 3],
            out_c: 2,
            kernel: [5, 3],
            filter_in_c: 3,
            stride: [2, 1],
            activation: Activation::Relu,
            output_scale: 0.06,
            ..base
        },
    ];
    let rows: Vec<String> = specs.iter().map(|s| conv_case(rng, out, s)).collect();
    out.table("conv_case", "conv_cases", &rows);
}

struct DepthwiseSpec {
    name: &'static str,
    batches: usize,
    in_hwc: [usize; 3],
    multiplier: usize,
    kernel: [usize; 2],
    stride: [usize; 2],
    dilation: [usize; 2],
    padding: Padding,
    activation: Activation,
    bias: bool,
    per_channel: bool,
}

fn depthwise_case(rng: &mut Rng, out: &mut Out, s: &DepthwiseSpec) -> String {
    let input_scale = rng.scale(INPUT_SCALES);
    let input_zp = rng.range_i32(INPUT_ZERO_POINTS.0, INPUT_ZERO_POINTS.1);
    let output_scale = rng.scale(DEPTHWISE_OUTPUT_SCALES);
    let output_zp = rng.range_i32(OUTPUT_ZERO_POINTS.0, OUTPUT_ZERO_POINTS.1);
    let [in_h, in_w, in_c] = s.in_hwc;
    let channels = in_c * s.multiplier;
    let filter_scales = rng.scales(
        if s.per_channel { channels } else { 1 },
        DEPTHWISE_WEIGHT_SCALES,
    );
    let [k_h, k_w] = s.kernel;
    let input = rng.i8s(s.batches * in_h * in_w * in_c, INT8.0, INT8.1);
    let filter = rng.i8s(k_h * k_w * channels, INT8.0, INT8.1);
    let bias_values = rng.i32s(channels, BIASES.0, BIASES.1);
    let bias = s.bias.then_some(bias_values);

    let (out_h, pad_h) = compute_padding(s.padding.axis(0), in_h, k_h, s.stride[0], s.dilation[0]);
    let (out_w, pad_w) = compute_padding(s.padding.axis(1), in_w, k_w, s.stride[1], s.dilation[1]);
    let input_shape = [s.batches, in_h, in_w, in_c];
    let filter_shape = [1, k_h, k_w, channels];
    let output_shape = [s.batches, out_h, out_w, channels];
    let expected = depthwise_conv2d(
        &QuantTensor::new(&input, &input_shape, input_scale, input_zp),
        &Weights::new(&filter, &filter_shape, &filter_scales),
        bias.as_deref(),
        &DepthwiseConv2dOptions {
            stride_h: s.stride[0],
            stride_w: s.stride[1],
            dilation_h: s.dilation[0],
            dilation_w: s.dilation[1],
            depth_multiplier: s.multiplier,
            padding: s.padding,
            activation: s.activation,
        },
        &OutputSpec::new(&output_shape, output_scale, output_zp),
    );
    let (mult, shift) = multipliers_split(&conv_multipliers(
        input_scale,
        &filter_scales,
        output_scale,
        channels,
    ));
    let (act_min, act_max) = activation_range(s.activation, output_scale, output_zp);

    let n = s.name;
    let input_name = out.i8s(&format!("{n}_input"), &input);
    let filter_name = out.i8s(&format!("{n}_filter"), &filter);
    let bias_name = match &bias {
        Some(b) => out.i32s(&format!("{n}_bias"), b),
        None => "NULL".to_string(),
    };
    let mult_name = out.i32s(&format!("{n}_mult"), &mult);
    let shift_name = out.i32s(&format!("{n}_shift"), &shift);
    let expected_name = out.i8s(&format!("{n}_expected"), &expected);
    designated(&[
        ("name", quoted(n)),
        ("input", input_name),
        ("batches", s.batches.to_string()),
        ("in_h", in_h.to_string()),
        ("in_w", in_w.to_string()),
        ("in_c", in_c.to_string()),
        ("input_offset", (-input_zp).to_string()),
        ("filter", filter_name),
        ("depth_multiplier", s.multiplier.to_string()),
        ("k_h", k_h.to_string()),
        ("k_w", k_w.to_string()),
        ("bias", bias_name),
        ("multipliers", mult_name),
        ("shifts", shift_name),
        ("stride_h", s.stride[0].to_string()),
        ("stride_w", s.stride[1].to_string()),
        ("dilation_h", s.dilation[0].to_string()),
        ("dilation_w", s.dilation[1].to_string()),
        ("pad_top", pad_h.before.to_string()),
        ("pad_left", pad_w.before.to_string()),
        ("out_h", out_h.to_string()),
        ("out_w", out_w.to_string()),
        ("output_offset", output_zp.to_string()),
        ("act_min", act_min.to_string()),
        ("act_max", act_max.to_string()),
        ("expected", expected_name),
    ])
}

fn depthwise_cases(rng: &mut Rng, out: &mut Out) {
    let base = DepthwiseSpec {
        name: "",
        batches: 1,
        in_hwc: [1, 1, 1],
        multiplier: 1,
        kernel: [3, 3],
        stride: [1, 1],
        dilation: [1, 1],
        padding: Padding::Same,
        activation: Activation::None,
        bias: true,
        per_channel: true,
    };
    let specs = [
        DepthwiseSpec {
            name: "dw_3x3_same_s2_mult2",
            in_hwc: [5, 5, 3],
            multiplier: 2,
            stride: [2, 2],
            activation: Activation::Relu,
            ..base
        },
        DepthwiseSpec {
            name: "dw_3x3_same_dil2_b2",
            batches: 2,
            in_hwc: [6, 5, 4],
            dilation: [2, 2],
            bias: false,
            ..base
        },
        DepthwiseSpec {
            name: "dw_2x2_valid_s2_mult3",
            in_hwc: [4, 4, 2],
            multiplier: 3,
            kernel: [2, 2],
            stride: [2, 2],
            padding: Padding::Valid,
            activation: Activation::Relu6,
            per_channel: false,
            ..base
        },
        // SAME, stride 2, even input: only the bottom and right are padded.
        DepthwiseSpec {
            name: "dw_3x3_same_s2_even",
            in_hwc: [6, 6, 3],
            stride: [2, 2],
            ..base
        },
    ];
    let rows: Vec<String> = specs.iter().map(|s| depthwise_case(rng, out, s)).collect();
    out.table("depthwise_case", "depthwise_cases", &rows);
}

struct FcSpec {
    name: &'static str,
    batches: usize,
    in_depth: usize,
    out_depth: usize,
    activation: Activation,
    bias: bool,
    per_channel: bool,
}

fn fc_case(rng: &mut Rng, out: &mut Out, s: &FcSpec) -> String {
    let input_scale = rng.scale(INPUT_SCALES);
    let input_zp = rng.range_i32(INPUT_ZERO_POINTS.0, INPUT_ZERO_POINTS.1);
    let output_scale = rng.scale(FC_OUTPUT_SCALES);
    let output_zp = rng.range_i32(OUTPUT_ZERO_POINTS.0, OUTPUT_ZERO_POINTS.1);
    let weight_scales = rng.scales(
        if s.per_channel { s.out_depth } else { 1 },
        FC_WEIGHT_SCALES,
    );
    let input = rng.i8s(s.batches * s.in_depth, INT8.0, INT8.1);
    let weights = rng.i8s(s.out_depth * s.in_depth, INT8.0, INT8.1);
    let bias_values = rng.i32s(s.out_depth, BIASES.0, BIASES.1);
    let bias = s.bias.then_some(bias_values);

    let input_shape = [s.batches, s.in_depth];
    let weights_shape = [s.out_depth, s.in_depth];
    let output_shape = [s.batches, s.out_depth];
    let expected = fully_connected(
        &QuantTensor::new(&input, &input_shape, input_scale, input_zp),
        &Weights::new(&weights, &weights_shape, &weight_scales),
        bias.as_deref(),
        s.activation,
        &OutputSpec::new(&output_shape, output_scale, output_zp),
    );
    let multipliers =
        fully_connected_multipliers(input_scale, &weight_scales, output_scale, s.out_depth);
    let printed = if s.per_channel {
        &multipliers[..]
    } else {
        &multipliers[..1]
    };
    let (mult, shift) = multipliers_split(printed);
    let (act_min, act_max) = activation_range(s.activation, output_scale, output_zp);

    let n = s.name;
    let input_name = out.i8s(&format!("{n}_input"), &input);
    let weights_name = out.i8s(&format!("{n}_weights"), &weights);
    let bias_name = match &bias {
        Some(b) => out.i32s(&format!("{n}_bias"), b),
        None => "NULL".to_string(),
    };
    let mult_name = out.i32s(&format!("{n}_mult"), &mult);
    let shift_name = out.i32s(&format!("{n}_shift"), &shift);
    let expected_name = out.i8s(&format!("{n}_expected"), &expected);
    designated(&[
        ("name", quoted(n)),
        ("input", input_name),
        ("batches", s.batches.to_string()),
        ("in_depth", s.in_depth.to_string()),
        ("input_offset", (-input_zp).to_string()),
        ("weights", weights_name),
        ("out_depth", s.out_depth.to_string()),
        ("bias", bias_name),
        ("multipliers", mult_name),
        ("shifts", shift_name),
        ("per_channel", bool_i32(s.per_channel).to_string()),
        ("output_offset", output_zp.to_string()),
        ("act_min", act_min.to_string()),
        ("act_max", act_max.to_string()),
        ("expected", expected_name),
    ])
}

fn fc_cases(rng: &mut Rng, out: &mut Out) {
    let specs = [
        FcSpec {
            name: "fc_per_tensor_relu_b2",
            batches: 2,
            in_depth: 10,
            out_depth: 5,
            activation: Activation::Relu,
            bias: true,
            per_channel: false,
        },
        FcSpec {
            name: "fc_per_channel_b3",
            batches: 3,
            in_depth: 7,
            out_depth: 4,
            activation: Activation::None,
            bias: false,
            per_channel: true,
        },
    ];
    let rows: Vec<String> = specs.iter().map(|s| fc_case(rng, out, s)).collect();
    out.table("fc_case", "fc_cases", &rows);
}

// ---------------------------------------------------------------------------------------------
// Pools, ADD, softmax, PAD, MEAN, CONCATENATION

struct PoolSpec {
    name: &'static str,
    is_max: bool,
    shape: [usize; 4],
    filter: [usize; 2],
    stride: [usize; 2],
    padding: Padding,
    activation: Activation,
}

fn pool_case(rng: &mut Rng, out: &mut Out, s: &PoolSpec) -> String {
    let scale = rng.scale(POOL_SCALES);
    let zp = rng.range_i32(ZERO_POINTS.0, ZERO_POINTS.1);
    let [batches, in_h, in_w, channels] = s.shape;
    let input = rng.i8s(batches * in_h * in_w * channels, INT8.0, INT8.1);
    let (out_h, pad_h) = compute_padding(s.padding.axis(0), in_h, s.filter[0], s.stride[0], 1);
    let (out_w, pad_w) = compute_padding(s.padding.axis(1), in_w, s.filter[1], s.stride[1], 1);
    let output_shape = [batches, out_h, out_w, channels];
    let options = Pool2dOptions {
        filter_h: s.filter[0],
        filter_w: s.filter[1],
        stride_h: s.stride[0],
        stride_w: s.stride[1],
        padding: s.padding,
        activation: s.activation,
    };
    let tensor = QuantTensor::new(&input, &s.shape, scale, zp);
    let spec = OutputSpec::new(&output_shape, scale, zp);
    let expected = if s.is_max {
        max_pool2d(&tensor, &options, &spec)
    } else {
        average_pool2d(&tensor, &options, &spec)
    };
    let (act_min, act_max) = activation_range(s.activation, scale, zp);

    let n = s.name;
    let input_name = out.i8s(&format!("{n}_input"), &input);
    let expected_name = out.i8s(&format!("{n}_expected"), &expected);
    designated(&[
        ("name", quoted(n)),
        ("is_max", bool_i32(s.is_max).to_string()),
        ("input", input_name),
        ("batches", batches.to_string()),
        ("in_h", in_h.to_string()),
        ("in_w", in_w.to_string()),
        ("channels", channels.to_string()),
        ("filter_h", s.filter[0].to_string()),
        ("filter_w", s.filter[1].to_string()),
        ("stride_h", s.stride[0].to_string()),
        ("stride_w", s.stride[1].to_string()),
        ("pad_top", pad_h.before.to_string()),
        ("pad_left", pad_w.before.to_string()),
        ("out_h", out_h.to_string()),
        ("out_w", out_w.to_string()),
        ("output_zero_point", zp.to_string()),
        ("act_min", act_min.to_string()),
        ("act_max", act_max.to_string()),
        ("expected", expected_name),
    ])
}

fn pool_cases(rng: &mut Rng, out: &mut Out) {
    let pool = |name, is_max, shape, filter, stride, padding, activation| PoolSpec {
        name,
        is_max,
        shape,
        filter,
        stride,
        padding,
        activation,
    };
    let specs = [
        pool(
            "avgpool_3x3_same_s2",
            false,
            [1, 5, 6, 3],
            [3, 3],
            [2, 2],
            Padding::Same,
            Activation::None,
        ),
        pool(
            "avgpool_2x2_valid_relu_b2",
            false,
            [2, 4, 4, 2],
            [2, 2],
            [2, 2],
            Padding::Valid,
            Activation::Relu,
        ),
        pool(
            "avgpool_3x2_same_s1",
            false,
            [1, 4, 3, 2],
            [3, 2],
            [1, 1],
            Padding::Same,
            Activation::None,
        ),
        pool(
            "maxpool_3x3_same_s2",
            true,
            [1, 5, 5, 3],
            [3, 3],
            [2, 2],
            Padding::Same,
            Activation::None,
        ),
        pool(
            "maxpool_2x2_same_relu6",
            true,
            [1, 5, 6, 2],
            [2, 2],
            [2, 2],
            Padding::Same,
            Activation::Relu6,
        ),
    ];
    let rows: Vec<String> = specs.iter().map(|s| pool_case(rng, out, s)).collect();
    out.table("pool_case", "pool_cases", &rows);
}

struct AddSpec {
    name: &'static str,
    shape1: &'static [usize],
    shape2: &'static [usize],
    activation: Activation,
    input_scales: (f64, f64),
    /// Output scale and zero point instead of the drawn ones.
    output: Option<(f32, i32)>,
}

/// NumPy-style broadcast of two right-aligned shapes.
fn broadcast_shape(a: &[usize], b: &[usize]) -> Vec<usize> {
    let rank = a.len().max(b.len());
    let at = |s: &[usize], i: usize| {
        let k = (i + s.len()).checked_sub(rank);
        k.map_or(1, |k| s[k])
    };
    (0..rank).map(|i| at(a, i).max(at(b, i))).collect()
}

fn add_case(rng: &mut Rng, out: &mut Out, s: &AddSpec) -> String {
    let scale1 = rng.scale(s.input_scales);
    let scale2 = rng.scale(s.input_scales);
    let drawn_scale = rng.scale(ADD_OUTPUT_SCALES);
    let zp1 = rng.range_i32(ZERO_POINTS.0, ZERO_POINTS.1);
    let zp2 = rng.range_i32(ZERO_POINTS.0, ZERO_POINTS.1);
    let drawn_zp = rng.range_i32(ZERO_POINTS.0, ZERO_POINTS.1);
    let (output_scale, output_zp) = s.output.unwrap_or((drawn_scale, drawn_zp));
    let n1: usize = s.shape1.iter().product();
    let n2: usize = s.shape2.iter().product();
    let input1 = rng.i8s(n1, INT8.0, INT8.1);
    let input2 = rng.i8s(n2, INT8.0, INT8.1);
    let output_shape = broadcast_shape(s.shape1, s.shape2);
    let expected = add(
        &QuantTensor::new(&input1, s.shape1, scale1, zp1),
        &QuantTensor::new(&input2, s.shape2, scale2, zp2),
        s.activation,
        &OutputSpec::new(&output_shape, output_scale, output_zp),
    );
    let p = AddParams::prepare(
        (scale1, zp1),
        (scale2, zp2),
        (output_scale, output_zp),
        s.activation,
    );

    let n = s.name;
    let input1_name = out.i8s(&format!("{n}_input1"), &input1);
    let input2_name = out.i8s(&format!("{n}_input2"), &input2);
    let expected_name = out.i8s(&format!("{n}_expected"), &expected);
    designated(&[
        ("name", quoted(n)),
        ("broadcast", bool_i32(s.shape1 != s.shape2).to_string()),
        ("input1", input1_name),
        ("dims1", ints(&dims4(s.shape1))),
        ("input2", input2_name),
        ("dims2", ints(&dims4(s.shape2))),
        ("size", expected.len().to_string()),
        ("input1_offset", p.input1_offset.to_string()),
        ("input2_offset", p.input2_offset.to_string()),
        ("output_offset", p.output_offset.to_string()),
        ("left_shift", p.left_shift.to_string()),
        ("input1_multiplier", p.input1.multiplier.to_string()),
        ("input1_shift", p.input1.shift.to_string()),
        ("input2_multiplier", p.input2.multiplier.to_string()),
        ("input2_shift", p.input2.shift.to_string()),
        ("output_multiplier", p.output.multiplier.to_string()),
        ("output_shift", p.output.shift.to_string()),
        ("act_min", p.act_min.to_string()),
        ("act_max", p.act_max.to_string()),
        ("expected", expected_name),
    ])
}

fn add_cases(rng: &mut Rng, out: &mut Out) {
    let specs = [
        AddSpec {
            name: "add_same_shape_relu",
            shape1: &[1, 3, 4, 5],
            shape2: &[1, 3, 4, 5],
            activation: Activation::Relu,
            input_scales: INPUT_SCALES,
            output: None,
        },
        AddSpec {
            name: "add_broadcast_both",
            shape1: &[2, 1, 3, 4],
            shape2: &[1, 5, 1, 4],
            activation: Activation::None,
            input_scales: INPUT_SCALES,
            output: None,
        },
        // relu6 with the output range [-100, 20].
        AddSpec {
            name: "add_broadcast_channel_relu6",
            shape1: &[1, 2, 2, 3],
            shape2: &[3],
            activation: Activation::Relu6,
            input_scales: (0.005, 0.01),
            output: Some((0.05, -100)),
        },
    ];
    let rows: Vec<String> = specs.iter().map(|s| add_case(rng, out, s)).collect();
    out.table("add_case", "add_cases", &rows);
}

struct SoftmaxSpec {
    name: &'static str,
    rows: usize,
    depth: usize,
    beta: f32,
    input_scale: f32,
    input_range: (i32, i32),
}

fn softmax_case(rng: &mut Rng, out: &mut Out, s: &SoftmaxSpec) -> String {
    let input = rng.i8s(s.rows * s.depth, s.input_range.0, s.input_range.1);
    // Softmax does not depend on the input zero point.
    let zp = rng.range_i32(ZERO_POINTS.0, ZERO_POINTS.1);
    let shape = [s.rows, s.depth];
    let expected = softmax(&QuantTensor::new(&input, &shape, s.input_scale, zp), s.beta);
    let p = SoftmaxParams::prepare(s.beta, s.input_scale);

    let n = s.name;
    let input_name = out.i8s(&format!("{n}_input"), &input);
    let expected_name = out.i8s(&format!("{n}_expected"), &expected);
    designated(&[
        ("name", quoted(n)),
        ("input", input_name),
        ("rows", s.rows.to_string()),
        ("depth", s.depth.to_string()),
        ("input_multiplier", p.input_multiplier.to_string()),
        ("input_left_shift", p.input_left_shift.to_string()),
        ("diff_min", p.diff_min.to_string()),
        ("expected", expected_name),
    ])
}

fn softmax_cases(rng: &mut Rng, out: &mut Out) {
    let softmax = |name, rows, depth, beta, input_scale, input_range| SoftmaxSpec {
        name,
        rows,
        depth,
        beta,
        input_scale,
        input_range,
    };
    let specs = [
        softmax("softmax_4x6", 4, 6, 1.0, 0.1, (-25, 25)),
        softmax("softmax_3x10_coarse", 3, 10, 1.0, 0.5, (-40, 40)),
        softmax("softmax_2x5_fine", 2, 5, 1.0, 0.0390625, INT8),
        softmax("softmax_3x7_beta", 3, 7, 0.7, 0.05, (-60, 60)),
    ];
    let rows: Vec<String> = specs.iter().map(|s| softmax_case(rng, out, s)).collect();
    out.table("softmax_case", "softmax_cases", &rows);
}

fn pad_case(
    rng: &mut Rng,
    out: &mut Out,
    name: &str,
    shape: &[usize],
    paddings: &[[usize; 2]],
    constant: Option<i8>,
) -> String {
    let n_in: usize = shape.iter().product();
    let input = rng.i8s(n_in, INT8.0, INT8.1);
    let zp = rng.range_i32(-50, 50);
    let out_shape: Vec<usize> = shape
        .iter()
        .zip(paddings)
        .map(|(&d, p)| d + p[0] + p[1])
        .collect();
    let expected = pad(
        &QuantTensor::new(&input, shape, 0.05, zp),
        paddings,
        constant,
        &OutputSpec::new(&out_shape, 0.05, zp),
    );
    let before: Vec<usize> = paddings.iter().map(|p| p[0]).collect();
    let after: Vec<usize> = paddings.iter().map(|p| p[1]).collect();
    let pad_value = constant.map_or(zp, i32::from);

    let input_name = out.i8s(&format!("{name}_input"), &input);
    let expected_name = out.i8s(&format!("{name}_expected"), &expected);
    designated(&[
        ("name", quoted(name)),
        ("input", input_name),
        ("in_dims", ints(&dims4(shape))),
        ("pad_before", ints(&dims4_padding(&before))),
        ("pad_after", ints(&dims4_padding(&after))),
        ("pad_value", pad_value.to_string()),
        ("size", expected.len().to_string()),
        ("expected", expected_name),
    ])
}

/// Per-dimension padding right-aligned to 4-D (0 on the added dimensions).
fn dims4_padding(p: &[usize]) -> [usize; 4] {
    let mut d = [0usize; 4];
    d[4 - p.len()..].copy_from_slice(p);
    d
}

fn pad_cases(rng: &mut Rng, out: &mut Out) {
    let rows = [
        pad_case(
            rng,
            out,
            "pad_4d_zero_point",
            &[1, 3, 2, 3],
            &[[0, 1], [1, 2], [2, 0], [1, 1]],
            None,
        ),
        pad_case(
            rng,
            out,
            "pad_2d_constant",
            &[2, 3],
            &[[1, 0], [0, 2]],
            Some(9),
        ),
    ];
    out.table("pad_case", "pad_cases", &rows);
}

/// MEAN over contiguous `axes` with kept dimensions, printed as `(outer, reduce, inner)`.
fn mean_case(
    rng: &mut Rng,
    out: &mut Out,
    name: &str,
    shape: &[usize],
    axes: &[i32],
    (input_scale, output_scale): (f32, f32),
) -> String {
    let n_in: usize = shape.iter().product();
    let input = rng.i8s(n_in, INT8.0, INT8.1);
    let input_zp = rng.range_i32(ZERO_POINTS.0, ZERO_POINTS.1);
    let output_zp = rng.range_i32(ZERO_POINTS.0, ZERO_POINTS.1);
    let rank = shape.len();
    let reduced: Vec<bool> = (0..rank)
        .map(|d| axes.iter().any(|&a| (a + rank as i32) as usize % rank == d))
        .collect();
    let out_shape: Vec<usize> = (0..rank)
        .map(|d| if reduced[d] { 1 } else { shape[d] })
        .collect();
    let expected = mean(
        &QuantTensor::new(&input, shape, input_scale, input_zp),
        axes,
        true,
        &OutputSpec::new(&out_shape, output_scale, output_zp),
    );
    let first = reduced.iter().position(|&r| r).unwrap();
    let last = reduced.iter().rposition(|&r| r).unwrap();
    let outer: usize = shape[..first].iter().product();
    let reduce: usize = shape[first..=last].iter().product();
    let inner: usize = shape[last + 1..].iter().product();
    // mean.rs: QuantizeMultiplier(in / out), then 1/n folded into it.
    let q = quantize_multiplier(input_scale as f64 / output_scale as f64);
    let n = reduce as i64;
    let shift = (63 - (n as u64).leading_zeros() as i32)
        .min(32)
        .min(31 + q.shift)
        .max(0);
    let multiplier = (((q.multiplier as i64) << shift) / n) as i32;
    let folded_shift = q.shift - shift;

    let input_name = out.i8s(&format!("{name}_input"), &input);
    let expected_name = out.i8s(&format!("{name}_expected"), &expected);
    designated(&[
        ("name", quoted(name)),
        ("input", input_name),
        ("outer", outer.to_string()),
        ("reduce", reduce.to_string()),
        ("inner", inner.to_string()),
        ("input_zero_point", input_zp.to_string()),
        ("q_multiplier", q.multiplier.to_string()),
        ("q_shift", q.shift.to_string()),
        ("multiplier", multiplier.to_string()),
        ("shift", folded_shift.to_string()),
        ("output_zero_point", output_zp.to_string()),
        ("expected", expected_name),
    ])
}

fn mean_cases(rng: &mut Rng, out: &mut Out) {
    let rows = [
        mean_case(
            rng,
            out,
            "mean_hw_keep_n6",
            &[2, 2, 3, 5],
            &[1, 2],
            (0.07, 0.05),
        ),
        mean_case(
            rng,
            out,
            "mean_hw_n16_gain",
            &[1, 4, 4, 6],
            &[1, 2],
            (0.1, 0.05),
        ),
        mean_case(rng, out, "mean_last_axis_n7", &[3, 7], &[-1], (0.375, 0.25)),
    ];
    out.table("mean_case", "mean_cases", &rows);
}

fn concat_cases(rng: &mut Rng, out: &mut Out) {
    let mut rows = Vec::new();
    // Channels of [1, 4, 1, c]; the second and third input requantized to the output.
    {
        let name = "concat_channels_requant";
        let output = (0.05f32, -3);
        let quant = [output, (0.1, 7), (0.0213, -100)];
        let channels = [3usize, 2, 1];
        let shapes: Vec<[usize; 4]> = channels.iter().map(|&c| [1, 4, 1, c]).collect();
        let data: Vec<Vec<i8>> = shapes
            .iter()
            .map(|s| rng.i8s(s.iter().product(), INT8.0, INT8.1))
            .collect();
        let tensors: Vec<QuantTensor> = (0..3)
            .map(|k| QuantTensor::new(&data[k], &shapes[k], quant[k].0, quant[k].1))
            .collect();
        let out_shape = [1, 4, 1, 6];
        let expected = concat(
            &tensors,
            3,
            &OutputSpec::new(&out_shape, output.0, output.1),
        );
        let mut input_names = Vec::new();
        let mut lut_names = vec!["NULL".to_string()];
        for k in 0..3 {
            input_names.push(out.i8s(&format!("{name}_in{k}"), &data[k]));
            if k > 0 {
                let all: Vec<i8> = (-128..=127).collect();
                let lut = concat(
                    &[QuantTensor::new(&all, &[256], quant[k].0, quant[k].1)],
                    0,
                    &OutputSpec::new(&[256], output.0, output.1),
                );
                lut_names.push(out.i8s(&format!("{name}_lut{k}"), &lut));
            }
        }
        let expected_name = out.i8s(&format!("{name}_expected"), &expected);
        rows.push(designated(&[
            ("name", quoted(name)),
            ("num_inputs", "3".to_string()),
            ("inputs", format!("{{{}}}", input_names.join(", "))),
            ("axis_sizes", ints(&channels)),
            ("luts", format!("{{{}}}", lut_names.join(", "))),
            ("outer", "4".to_string()),
            ("inner", "1".to_string()),
            ("size", expected.len().to_string()),
            ("expected", expected_name),
        ]));
    }
    // Axis 1 of [2, r, 3] with equal quantization: plain copies.
    {
        let name = "concat_axis1_copy";
        let axis = [1usize, 2];
        let shapes: Vec<[usize; 3]> = axis.iter().map(|&r| [2, r, 3]).collect();
        let data: Vec<Vec<i8>> = shapes
            .iter()
            .map(|s| rng.i8s(s.iter().product(), INT8.0, INT8.1))
            .collect();
        let tensors: Vec<QuantTensor> = (0..2)
            .map(|k| QuantTensor::new(&data[k], &shapes[k], 0.05, 0))
            .collect();
        let out_shape = [2, 3, 3];
        let expected = concat(&tensors, 1, &OutputSpec::new(&out_shape, 0.05, 0));
        let input_names: Vec<String> = (0..2)
            .map(|k| out.i8s(&format!("{name}_in{k}"), &data[k]))
            .collect();
        let expected_name = out.i8s(&format!("{name}_expected"), &expected);
        rows.push(designated(&[
            ("name", quoted(name)),
            ("num_inputs", "2".to_string()),
            ("inputs", format!("{{{}}}", input_names.join(", "))),
            ("axis_sizes", ints(&axis)),
            ("luts", "{NULL, NULL}".to_string()),
            ("outer", "2".to_string()),
            ("inner", "3".to_string()),
            ("size", expected.len().to_string()),
            ("expected", expected_name),
        ]));
    }
    out.table("concat_case", "concat_cases", &rows);
}

// ---------------------------------------------------------------------------------------------
// Sweeps (hashes of Rust results over inputs test_kernels.c regenerates)

/// `sweep_next` of test_kernels.c: SplitMix64 from `seed`, the high 32 bits.
struct Sweep(Rng);

impl Sweep {
    fn new(seed: u64) -> Sweep {
        Sweep(Rng(seed))
    }

    fn next(&mut self) -> u32 {
        (self.0.next() >> 32) as u32
    }
}

const SWEEP_N: usize = 65536;
const SWEEP_BASIS: u64 = 0xcbf2_9ce4_8422_2325;

/// `sweep_mix` of test_kernels.c.
fn mix(h: u64, v: i32) -> u64 {
    (h ^ v as u32 as u64).wrapping_mul(0x0100_0000_01B3)
}

fn fixed_point_sweeps(out: &mut Out) {
    let mut hashes = Vec::new();
    let sweep = |seed: u64, f: &mut dyn FnMut(&mut Sweep, usize, u64) -> u64| {
        let mut s = Sweep::new(seed);
        let mut h = SWEEP_BASIS;
        for i in 0..SWEEP_N {
            h = f(&mut s, i, h);
        }
        h
    };
    hashes.push(sweep(1, &mut |s, _, h| {
        let a = s.next() as i32;
        let b = s.next() as i32;
        mix(h, saturating_rounding_doubling_high_mul(a, b))
    }));
    hashes.push(sweep(2, &mut |s, _, h| {
        let x = s.next() as i32;
        let e = (s.next() % 32) as i32;
        mix(h, rounding_divide_by_pot(x, e))
    }));
    hashes.push(sweep(3, &mut |s, i, h| {
        let u = s.next();
        let x = if i % 2 == 0 {
            u as i32
        } else {
            (u & 0xF_FFFF) as i32 - 0x8_0000
        };
        let m = ((1u32 << 30) + s.next() % (1u32 << 30)) as i32;
        let sh = (s.next() % 48) as i32 - 31;
        mix(h, multiply_by_quantized_multiplier(x, m, sh))
    }));
    hashes.push(sweep(4, &mut |s, _, h| {
        let x = s.next() as i32;
        let e = (s.next() % 80) as i32 - 40;
        mix(h, saturating_rounding_multiply_by_pot(x, e))
    }));
    hashes.push(sweep(5, &mut |s, _, h| {
        let k = s.next() % 31 + 1;
        let a = -((s.next() % (1u32 << k)) as i32);
        mix(h, exp_on_negative_values(a, 5))
    }));
    hashes.push(sweep(6, &mut |s, _, h| {
        let a = (s.next() & 0x7FFF_FFFF) as i32;
        mix(h, one_over_one_plus_x_for_x_in_0_1(a))
    }));
    hashes.push(sweep(7, &mut |s, _, h| {
        let x = ((s.next() & 0x7FFF_FFFF) | 1) as i32;
        let (v, bits) = get_reciprocal(x, 12);
        mix(mix(h, v), bits)
    }));
    let names = [
        "srdhm",
        "rdbpot",
        "mbqm",
        "srmbpot",
        "exp",
        "one_over",
        "reciprocal",
    ];
    let rows: Vec<String> = hashes
        .iter()
        .zip(names)
        .map(|(h, name)| format!("    0x{h:016X}ull /* {name} */"))
        .collect();
    out.table("uint64_t", "sweep_hashes", &rows);
}

/// All 65536 input pairs of ADD (`x = i >> 8`, `y = i` as int8) under random quantizations.
fn add_sweeps(rng: &mut Rng, out: &mut Out) {
    let xs: Vec<i8> = (0..SWEEP_N).map(|i| (i >> 8) as u8 as i8).collect();
    let ys: Vec<i8> = (0..SWEEP_N).map(|i| i as u8 as i8).collect();
    let activations = [
        Activation::None,
        Activation::Relu,
        Activation::Relu,
        Activation::None,
        Activation::None,
        Activation::Relu,
    ];
    let mut rows = Vec::new();
    for activation in activations {
        let s1 = rng.scale(ADD_SWEEP_SCALES);
        let s2 = rng.scale(ADD_SWEEP_SCALES);
        let so = rng.scale(ADD_SWEEP_SCALES);
        let zp1 = rng.range_i32(INT8.0, INT8.1);
        let zp2 = rng.range_i32(INT8.0, INT8.1);
        let zpo = rng.range_i32(INT8.0, INT8.1);
        let shape = [SWEEP_N];
        let result = add(
            &QuantTensor::new(&xs, &shape, s1, zp1),
            &QuantTensor::new(&ys, &shape, s2, zp2),
            activation,
            &OutputSpec::new(&shape, so, zpo),
        );
        let h = result.iter().fold(SWEEP_BASIS, |h, &v| mix(h, v as i32));
        let p = AddParams::prepare((s1, zp1), (s2, zp2), (so, zpo), activation);
        rows.push(format!(
            "    {{{}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, 0x{h:016X}ull}}",
            p.input1_offset,
            p.input2_offset,
            p.output_offset,
            p.left_shift,
            p.input1.multiplier,
            p.input1.shift,
            p.input2.multiplier,
            p.input2.shift,
            p.output.multiplier,
            p.output.shift,
            p.act_min,
            p.act_max,
        ));
    }
    out.table("add_sweep_case", "add_sweeps", &rows);
}

/// 512 rows of 1..=16 random values per (beta, input scale), drawn from the seed.
fn softmax_sweeps(out: &mut Out) {
    let sets: [(u64, f32, f32); 6] = [
        (100, 1.0, 0.1),
        (101, 1.0, 1.0 / 256.0),
        (102, 1.0, 0.5),
        (103, 1.0, 0.035),
        (104, 1.0, 0.04),
        (105, 1.0, 0.2557),
    ];
    let mut rows = Vec::new();
    for (seed, beta, scale) in sets {
        let mut s = Sweep::new(seed);
        let mut h = SWEEP_BASIS;
        for _ in 0..512 {
            let depth = (s.next() % 16) as usize + 1;
            let row: Vec<i8> = (0..depth).map(|_| s.next() as u8 as i8).collect();
            let shape = [1, depth];
            for v in softmax(&QuantTensor::new(&row, &shape, scale, 0), beta) {
                h = mix(h, v as i32);
            }
        }
        let p = SoftmaxParams::prepare(beta, scale);
        rows.push(format!(
            "    {{{seed}, {}, {}, {}, 0x{h:016X}ull}}",
            p.input_multiplier, p.input_left_shift, p.diff_min
        ));
    }
    out.table("softmax_sweep_case", "softmax_sweeps", &rows);
}

/// The whole of vectors.h.
fn generate() -> String {
    let mut rng = Rng(SEED);
    let mut out = Out::default();
    fixed_point_vectors(&mut rng, &mut out);
    conv_cases(&mut rng, &mut out);
    depthwise_cases(&mut rng, &mut out);
    fc_cases(&mut rng, &mut out);
    pool_cases(&mut rng, &mut out);
    add_cases(&mut rng, &mut out);
    softmax_cases(&mut rng, &mut out);
    pad_cases(&mut rng, &mut out);
    mean_cases(&mut rng, &mut out);
    concat_cases(&mut rng, &mut out);
    fixed_point_sweeps(&mut out);
    add_sweeps(&mut rng, &mut out);
    softmax_sweeps(&mut out);
    format!("{HEADER}\n{}{}", out.arrays, out.tables)
}

fn vectors_h() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../runtime-c/tests/vectors.h")
}

#[test]
fn vectors_h_is_generated() {
    let generated = generate();
    let path = vectors_h();
    if std::env::var_os("TMLC_BLESS").is_some_and(|v| v == "1") {
        std::fs::write(&path, &generated).expect("write runtime-c/tests/vectors.h");
        return;
    }
    let committed = std::fs::read_to_string(&path).expect("read runtime-c/tests/vectors.h");
    if generated != committed {
        let line = generated
            .lines()
            .zip(committed.lines())
            .position(|(a, b)| a != b)
            .unwrap_or_else(|| generated.lines().count().min(committed.lines().count()));
        panic!(
            "runtime-c/tests/vectors.h differs from its generator from line {}:\n  generated: {:?}\n  committed: {:?}\nRegenerate it with TMLC_BLESS=1 cargo test -p tmlc-tinyml --test vectors_h \
             (then run runtime-c's tests).",
            line + 1,
            generated.lines().nth(line).unwrap_or(""),
            committed.lines().nth(line).unwrap_or(""),
        );
    }
}
