//! `fuse` never changes what a model computes.
//!
//! - Random graphs: a deterministic generator builds several hundred small verified tinyml
//!   functions out of the patterns the fuse rules match (activations after producers, pads in
//!   front of windows with SAME amounts and near misses, reshape chains, requantize chains, mean
//!   over small windows, pointwise convs and fully connected heads with per-tensor and
//!   per-channel weights, shared producers, concats); each is interpreted before and after
//!   `fuse` on random and saturating inputs, and the outputs must be identical bytes. Every rule
//!   must fire somewhere in the corpus, so the property covers them all, and a second `fuse`
//!   must change nothing.
//! - A directed case for the one condition random graphs cannot reach: per-tensor multipliers
//!   that differ between conv2d and fully_connected.
//! - The seven real models: after `fuse` they still give the golden outputs of
//!   `../shared/reference` bit for bit, and no reshape feeds a fully_connected any more.

use std::collections::BTreeMap;
use std::path::Path;
use tmlc_core::attributes::{Attribute, Attributes};
use tmlc_core::ir::{Function, Module, Value};
use tmlc_core::parser::parse_module;
use tmlc_core::types::{ElementType, Quantization, TensorType};
use tmlc_core::verifier::verify_module;
use tmlc_passes::fuse::{fuse_module, Limits, Outcome, Report};
use tmlc_tests::shared::{shared_dir, MODELS};
use tmlc_tinyml::interpreter::{run, TensorData};
use tmlc_tinyml::semantics::padding::{compute_padding, output_size, AxisPadding};
use tmlc_tinyml::semantics::quant::{conv_multipliers, fully_connected_multipliers};

const GRAPHS: u64 = 600;

/// Every rule of the table: each must change some e-graph of the corpus.
const RULES: &[&str] = &[
    "fold-activation-into-conv2d",
    "fold-activation-into-depthwise-conv2d",
    "fold-activation-into-fully-connected",
    "fold-activation-into-add",
    "fold-activation-into-avg-pool2d",
    "fold-activation-into-max-pool2d",
    "fold-activation-chain",
    "fold-pad-into-conv2d",
    "fold-pad-into-depthwise-conv2d",
    "remove-zero-pad",
    "fold-reshape-chain",
    "remove-identity-reshape",
    "fold-reshape-into-fully-connected",
    "remove-identity-requantize",
    "fold-requantize-chain",
    "pointwise-conv2d-as-fully-connected",
    "fully-connected-as-pointwise-conv2d",
    "mean-as-avg-pool2d",
];

/// SplitMix64: small, deterministic, good enough to pick shapes.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n`.
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }

    fn int(&mut self, low: i64, high: i64) -> i64 {
        low + self.below((high - low + 1) as usize) as i64
    }
}

/// Activation scales (including the pair 0.0137, 0.00113 -> 0.0517 for which fully_connected's
/// f32 multiplier differs from conv2d's f64 one) and weight scales.
const SCALES: &[f32] = &[
    0.5, 0.25, 0.125, 1.0, 0.1, 0.05, 0.0137, 0.0517, 0.0078125, 0.2,
];
const WEIGHT_SCALES: &[f32] = &[0.01, 0.02, 0.25, 0.00113, 0.0014636187, 0.005];

fn keyword(k: &str) -> Attribute {
    Attribute::Keyword(k.to_string())
}

fn ints(values: &[usize]) -> Attribute {
    Attribute::Array(values.iter().map(|&v| Attribute::Int(v as i64)).collect())
}

/// A random function under construction.
struct Graph {
    rng: Rng,
    module: Module,
    function: Function,
    outputs: Vec<Value>,
}

impl Graph {
    fn ty(&self, value: Value) -> TensorType {
        self.function.value_type(value).clone()
    }

    fn shape(&self, value: Value) -> Vec<usize> {
        self.function.value_type(value).shape.clone()
    }

    fn quant(&mut self) -> (f32, i32) {
        (self.rng.pick(SCALES), self.rng.int(-128, 30) as i32)
    }

    fn act(&mut self) -> Attribute {
        keyword(self.rng.pick(&["none", "relu", "relu6"]))
    }

    fn op(
        &mut self,
        name: &str,
        operands: Vec<Value>,
        attributes: &[(&str, Attribute)],
        ty: TensorType,
    ) -> Value {
        let attributes: Attributes = attributes
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect();
        let op = self
            .function
            .append_op(name, operands, attributes, vec![ty]);
        self.function.ops[op].results[0]
    }

    fn constant(&mut self, ty: TensorType) -> Value {
        let bytes: Vec<u8> = match ty.element {
            ElementType::I8 => (0..ty.num_elements())
                .map(|_| self.rng.next() as u8)
                .collect(),
            ElementType::I32 => (0..ty.num_elements())
                .flat_map(|_| (self.rng.int(-600, 600) as i32).to_le_bytes())
                .collect(),
            ElementType::F32 => unreachable!("the generator makes no float constants"),
        };
        let name = self.module.add_resource("c", bytes);
        self.op(
            "tinyml.const",
            vec![],
            &[("value", Attribute::Symbol(name))],
            ty,
        )
    }

    /// Weights per channel along `axis` or per tensor.
    fn weights(&mut self, shape: Vec<usize>, axis: usize) -> Value {
        let quant = if self.rng.chance(50) {
            let scales = (0..shape[axis])
                .map(|_| self.rng.pick(WEIGHT_SCALES))
                .collect();
            Quantization::PerChannel { scales, axis }
        } else {
            Quantization::PerTensor {
                scale: self.rng.pick(WEIGHT_SCALES),
                zero_point: 0,
            }
        };
        self.constant(TensorType::new(shape, ElementType::I8, Some(quant)))
    }

    /// Weights, then an optional bias: the operands after the input.
    fn weights_and_bias(&mut self, shape: Vec<usize>, axis: usize, channels: usize) -> Vec<Value> {
        let mut operands = vec![self.weights(shape, axis)];
        if self.rng.chance(60) {
            operands.push(self.constant(TensorType::new(vec![channels], ElementType::I32, None)));
        }
        operands
    }

    fn activation_type(&mut self, shape: Vec<usize>) -> TensorType {
        let (scale, zero_point) = self.quant();
        TensorType::i8(shape, scale, zero_point)
    }

    /// Sometimes a standalone relu or relu6 (or both), sometimes keeping the raw value as an
    /// output too, so that a fold would have to compute the producer twice.
    fn maybe_activation(&mut self, value: Value) -> Value {
        if self.rng.chance(15) {
            self.outputs.push(value);
        }
        let mut value = value;
        while self.rng.chance(45) {
            let name = self.rng.pick(&["tinyml.relu", "tinyml.relu6"]);
            let ty = self.ty(value);
            value = self.op(name, vec![value], &[], ty);
        }
        value
    }

    /// conv2d, depthwise_conv2d or a pool, SAME, VALID or VALID after an explicit pad (SAME's
    /// amounts or others).
    fn window(&mut self, x: Value) -> Value {
        let [batch, height, width, channels] = self.shape(x)[..] else {
            unreachable!("windows take NHWC values")
        };
        let kind = self.rng.pick(&["conv", "depthwise", "avg", "max"]);
        let filter = [1 + self.rng.below(3), 1 + self.rng.below(3)];
        let stride = [1 + self.rng.below(2), 1 + self.rng.below(2)];
        let dilation = if kind != "avg" && kind != "max" && self.rng.chance(20) {
            [2, 2]
        } else {
            [1, 1]
        };
        let effective = [
            (filter[0] - 1) * dilation[0] + 1,
            (filter[1] - 1) * dilation[1] + 1,
        ];
        let mut input = x;
        let mut size = [height, width];
        let mut same = self.rng.chance(40);
        if !same && self.rng.chance(60) {
            let mut pads = [0usize; 4];
            for axis in 0..2 {
                let (_, amount) = compute_padding(
                    AxisPadding::Same,
                    size[axis],
                    filter[axis],
                    stride[axis],
                    dilation[axis],
                );
                let exact = self.rng.chance(60);
                pads[2 * axis] = if exact {
                    amount.before
                } else {
                    self.rng.below(3)
                };
                pads[2 * axis + 1] = if exact {
                    amount.after
                } else {
                    self.rng.below(3)
                };
            }
            let padded = [height + pads[0] + pads[1], width + pads[2] + pads[3]];
            let ty = self
                .ty(x)
                .with_shape(vec![batch, padded[0], padded[1], channels]);
            let pads = [0, 0, pads[0], pads[1], pads[2], pads[3], 0, 0];
            input = self.op("tinyml.pad", vec![x], &[("pads", ints(&pads))], ty);
            size = padded;
        }
        if size[0] < effective[0] || size[1] < effective[1] {
            same = true;
        }
        // Convolutions sometimes carry explicit padding of their own (what a folded pad leaves).
        let explicit = (!same && kind != "avg" && kind != "max" && self.rng.chance(25))
            .then(|| [0; 4].map(|_| self.rng.below(2)));
        let out = [0, 1].map(|a| {
            let padding = match explicit {
                Some(p) => AxisPadding::Explicit(tmlc_tinyml::semantics::padding::PadAmount {
                    before: p[2 * a],
                    after: p[2 * a + 1],
                }),
                None if same => AxisPadding::Same,
                None => AxisPadding::Valid,
            };
            output_size(padding, size[a], filter[a], stride[a], dilation[a])
        });
        let padding = match explicit {
            Some(p) => ints(&p),
            None => keyword(if same { "same" } else { "valid" }),
        };
        let act = self.act();
        let value = match kind {
            "conv" => {
                let out_channels = 1 + self.rng.below(4);
                let shape = vec![out_channels, filter[0], filter[1], channels];
                let mut operands = vec![input];
                operands.extend(self.weights_and_bias(shape, 0, out_channels));
                let ty = self.activation_type(vec![batch, out[0], out[1], out_channels]);
                let attributes = [
                    ("act", act),
                    ("dilation", ints(&dilation)),
                    ("padding", padding),
                    ("stride", ints(&stride)),
                ];
                self.op("tinyml.conv2d", operands, &attributes, ty)
            }
            "depthwise" => {
                let multiplier = if channels <= 3 {
                    1 + self.rng.below(2)
                } else {
                    1
                };
                let out_channels = channels * multiplier;
                let shape = vec![1, filter[0], filter[1], out_channels];
                let mut operands = vec![input];
                operands.extend(self.weights_and_bias(shape, 3, out_channels));
                let ty = self.activation_type(vec![batch, out[0], out[1], out_channels]);
                let attributes = [
                    ("act", act),
                    ("dilation", ints(&dilation)),
                    ("multiplier", Attribute::Int(multiplier as i64)),
                    ("padding", padding),
                    ("stride", ints(&stride)),
                ];
                self.op("tinyml.depthwise_conv2d", operands, &attributes, ty)
            }
            pool => {
                let name = if pool == "avg" {
                    "tinyml.avg_pool2d"
                } else {
                    "tinyml.max_pool2d"
                };
                let ty = self.ty(x).with_shape(vec![batch, out[0], out[1], channels]);
                let attributes = [
                    ("act", act),
                    ("filter", ints(&filter)),
                    ("padding", padding),
                    ("stride", ints(&stride)),
                ];
                self.op(name, vec![input], &attributes, ty)
            }
        };
        self.maybe_activation(value)
    }

    /// `add(x, f(x))` with `f` the identity, a requantize or a pointwise conv.
    fn add(&mut self, x: Value) -> Value {
        let shape = self.shape(x);
        let other = match self.rng.below(3) {
            0 => x,
            1 => {
                let ty = self.activation_type(shape.clone());
                self.op("tinyml.requantize", vec![x], &[], ty)
            }
            _ => self.pointwise_conv(x, shape[3]),
        };
        let ty = self.activation_type(shape);
        let act = self.act();
        let sum = self.op("tinyml.add", vec![x, other], &[("act", act)], ty);
        self.maybe_activation(sum)
    }

    fn pointwise_conv(&mut self, x: Value, out_channels: usize) -> Value {
        let shape = self.shape(x);
        let mut operands = vec![x];
        operands.extend(self.weights_and_bias(vec![out_channels, 1, 1, shape[3]], 0, out_channels));
        let ty = self.activation_type(vec![shape[0], shape[1], shape[2], out_channels]);
        let act = self.act();
        let padding = keyword(self.rng.pick(&["same", "valid"]));
        let attributes = [
            ("act", act),
            ("padding", padding),
            ("stride", ints(&[1, 1])),
        ];
        self.op("tinyml.conv2d", operands, &attributes, ty)
    }

    /// One or two requantizations: to the same type, by powers of two, or anywhere.
    fn requantize(&mut self, x: Value) -> Value {
        let original = self.ty(x);
        let mut value = x;
        for _ in 0..1 + self.rng.below(2) {
            let current = self.ty(value);
            let (scale, zero_point) = current.per_tensor().expect("activations");
            let ty = match self.rng.below(4) {
                0 => current.clone(),
                1 => original.clone(),
                2 => TensorType::i8(
                    current.shape.clone(),
                    scale * self.rng.pick(&[0.5, 2.0]),
                    zero_point,
                ),
                _ => self.activation_type(current.shape.clone()),
            };
            value = self.op("tinyml.requantize", vec![value], &[], ty);
        }
        self.maybe_activation(value)
    }

    /// Reshape chains that come back to NHWC, sometimes through the same shape.
    fn reshapes(&mut self, x: Value) -> Value {
        let shape = self.shape(x);
        let elements: usize = shape.iter().product();
        let ty = self.ty(x);
        let mut value = x;
        for _ in 0..self.rng.below(3) {
            let middle = match self.rng.below(4) {
                0 => vec![1, elements],
                1 => vec![elements],
                2 => vec![shape[0] * shape[1], shape[2] * shape[3]],
                _ => shape.clone(),
            };
            value = self.op("tinyml.reshape", vec![value], &[], ty.with_shape(middle));
        }
        self.op("tinyml.reshape", vec![value], &[], ty)
    }

    /// A mean over H and W, often over exactly 3 pixels (where it is an average pool) and with
    /// the input's quantization.
    fn mean(&mut self, x: Value) -> Value {
        let shape = self.shape(x);
        let elements: usize = shape.iter().product();
        let ty = self.ty(x);
        let mut input = x;
        if elements.is_multiple_of(3) && self.rng.chance(60) {
            input = self.op(
                "tinyml.reshape",
                vec![x],
                &[],
                ty.with_shape(vec![1, 1, 3, elements / 3]),
            );
        }
        let input_shape = self.shape(input);
        let channels = input_shape[3];
        let keep_dims = self.rng.chance(50);
        let out_shape = if keep_dims {
            vec![1, 1, 1, channels]
        } else {
            vec![1, channels]
        };
        let out_ty = if self.rng.chance(75) {
            ty.with_shape(out_shape)
        } else {
            self.activation_type(out_shape)
        };
        let attributes = [
            ("axes", ints(&[1, 2])),
            ("keep_dims", Attribute::Bool(keep_dims)),
        ];
        let mean = self.op("tinyml.mean", vec![input], &attributes, out_ty.clone());
        if keep_dims {
            mean
        } else {
            self.op(
                "tinyml.reshape",
                vec![mean],
                &[],
                out_ty.with_shape(vec![1, 1, 1, channels]),
            )
        }
    }

    /// `concat(x, x)` on channels (same quantization), maybe followed by an activation.
    fn concat(&mut self, x: Value) -> Value {
        let mut shape = self.shape(x);
        shape[3] *= 2;
        let ty = self.ty(x).with_shape(shape);
        let value = self.op(
            "tinyml.concat",
            vec![x, x],
            &[("axis", Attribute::Int(3))],
            ty,
        );
        self.maybe_activation(value)
    }

    fn zero_pad(&mut self, x: Value) -> Value {
        let ty = self.ty(x);
        let value = self.op("tinyml.pad", vec![x], &[("pads", ints(&[0; 8]))], ty);
        self.maybe_activation(value)
    }

    /// The last layers: fully connected heads in the shapes the rules look for, or nothing.
    fn head(&mut self, x: Value) -> Value {
        let shape = self.shape(x);
        let [batch, height, width, channels] = shape[..] else {
            unreachable!("heads take NHWC values")
        };
        let elements = batch * height * width * channels;
        let out_channels = 1 + self.rng.below(4);
        let act = self.act();
        match self.rng.below(5) {
            // Flatten, then fully_connected.
            0 => {
                let ty = self.ty(x).with_shape(vec![1, elements]);
                let flat = self.op("tinyml.reshape", vec![x], &[], ty);
                let mut operands = vec![flat];
                operands.extend(self.weights_and_bias(
                    vec![out_channels, elements],
                    0,
                    out_channels,
                ));
                let ty = self.activation_type(vec![1, out_channels]);
                let fc = self.op("tinyml.fully_connected", operands, &[("act", act)], ty);
                self.maybe_activation(fc)
            }
            // Global average pool, pointwise conv, reshape (person_detect's end).
            1 => {
                let ty = self.ty(x).with_shape(vec![batch, 1, 1, channels]);
                let attributes = [
                    ("filter", ints(&[height, width])),
                    ("padding", keyword("valid")),
                    ("stride", ints(&[1, 1])),
                ];
                let pool = self.op("tinyml.avg_pool2d", vec![x], &attributes, ty);
                let conv = self.pointwise_conv(pool, out_channels);
                let ty = self.ty(conv).with_shape(vec![batch, out_channels]);
                self.op("tinyml.reshape", vec![conv], &[], ty)
            }
            // fully_connected over the pixels, reshaped back to NHWC.
            2 => {
                let mut operands = vec![x];
                operands.extend(self.weights_and_bias(
                    vec![out_channels, channels],
                    0,
                    out_channels,
                ));
                let rows = batch * height * width;
                let ty = self.activation_type(vec![rows, out_channels]);
                let fc = self.op("tinyml.fully_connected", operands, &[("act", act)], ty);
                let ty = self
                    .ty(fc)
                    .with_shape(vec![batch, height, width, out_channels]);
                self.op("tinyml.reshape", vec![fc], &[], ty)
            }
            // A pointwise conv reshaped to rows.
            3 => {
                let conv = self.pointwise_conv(x, out_channels);
                let ty = self
                    .ty(conv)
                    .with_shape(vec![batch * height * width, out_channels]);
                self.op("tinyml.reshape", vec![conv], &[], ty)
            }
            _ => x,
        }
    }
}

/// A random verified module and the number of its inputs.
fn random_module(seed: u64) -> Module {
    let mut rng = Rng(seed);
    let shape = vec![1, 1 + rng.below(6), 1 + rng.below(6), 1 + rng.below(3)];
    let mut graph = Graph {
        rng,
        module: Module::new(format!("random_{seed}")),
        function: Function::new("main"),
        outputs: Vec::new(),
    };
    let ty = graph.activation_type(shape);
    let mut value = graph.function.add_param(ty, Some("x".to_string()));
    for _ in 0..1 + graph.rng.below(4) {
        let channels = graph.shape(value)[3];
        value = match graph.rng.below(8) {
            0..=2 => graph.window(value),
            3 => graph.add(value),
            4 => graph.requantize(value),
            5 => graph.reshapes(value),
            6 => graph.mean(value),
            _ if channels <= 4 && graph.rng.chance(50) => graph.concat(value),
            _ => graph.zero_pad(value),
        };
    }
    let last = graph.head(value);
    graph.outputs.push(last);
    let Graph {
        mut function,
        mut module,
        outputs,
        ..
    } = graph;
    function.result_types = outputs
        .iter()
        .map(|&v| function.value_type(v).clone())
        .collect();
    function.append_op("return", outputs, Attributes::new(), vec![]);
    module.functions.push(function);
    module
}

fn interpret(module: &Module, inputs: &[Vec<i8>]) -> Vec<TensorData> {
    let inputs: Vec<TensorData> = inputs.iter().cloned().map(TensorData::I8).collect();
    run(module, &inputs, &mut |_, _, _| {}).unwrap_or_else(|d| panic!("{}: {d}", module.name))
}

/// Random bytes, then values only at the extremes and the zero point (saturation, clamps).
fn inputs(module: &Module, seed: u64) -> Vec<Vec<Vec<i8>>> {
    let mut rng = Rng(seed ^ 0xF00D);
    let function = &module.functions[0];
    (0..3)
        .map(|round| {
            function
                .params
                .iter()
                .map(|&p| {
                    let ty = function.value_type(p);
                    let zero_point = ty.per_tensor().map_or(0, |(_, zp)| zp as i8);
                    (0..ty.num_elements())
                        .map(|_| match round {
                            2 => rng.pick(&[-128, 127, zero_point]),
                            _ => rng.next() as i8,
                        })
                        .collect()
                })
                .collect()
        })
        .collect()
}

fn applied(reports: &[Report], totals: &mut BTreeMap<&'static str, usize>) -> bool {
    let mut changed = false;
    for report in reports {
        if let Outcome::Saturated(stats) = &report.outcome {
            for &(rule, count) in &stats.applied {
                *totals.entry(rule).or_default() += count;
            }
            changed |= stats.changed;
        }
    }
    changed
}

#[test]
fn fuse_keeps_random_graphs_bit_exact() {
    let context = tmlc::context();
    let mut totals = BTreeMap::new();
    let mut changed_graphs = 0;
    for seed in 0..GRAPHS {
        let original = random_module(seed);
        verify_module(&original, &context)
            .unwrap_or_else(|d| panic!("generated graph {seed} does not verify: {d}"));
        let mut fused = original.clone();
        let reports = fuse_module(&mut fused, &context, Limits::default());
        verify_module(&fused, &context)
            .unwrap_or_else(|d| panic!("graph {seed}: fused IR does not verify: {d}"));
        if applied(&reports, &mut totals) {
            changed_graphs += 1;
        }
        let mut again = fused.clone();
        let second = fuse_module(&mut again, &context, Limits::default());
        assert!(
            matches!(&second[0].outcome, Outcome::Saturated(stats) if !stats.changed),
            "graph {seed}: fuse is not a fixpoint: {}\n{}\n{}",
            second[0],
            tmlc_core::printer::print_module(&fused),
            tmlc_core::printer::print_module(&again)
        );
        for input in inputs(&original, seed) {
            let before = interpret(&original, &input);
            let after = interpret(&fused, &input);
            assert_eq!(
                before,
                after,
                "graph {seed}: fuse changed the output\nbefore:\n{}\nafter:\n{}",
                tmlc_core::printer::print_module(&original),
                tmlc_core::printer::print_module(&fused)
            );
        }
    }
    eprintln!("fuse changed {changed_graphs} of {GRAPHS} random graphs; rules applied: {totals:?}");
    for rule in RULES {
        assert!(
            totals.contains_key(rule),
            "rule {rule} never fired on the random graphs"
        );
    }
    assert!(
        changed_graphs > GRAPHS / 4,
        "fuse changed only {changed_graphs} graphs"
    );
}

/// What random graphs cannot catch: per-tensor conv2d (f64) and fully_connected (f32 product)
/// multipliers that differ by a few units in 2^31 change an output only for rare accumulators.
/// A bias puts the accumulator on one of them; both forms must stay as written, and they really
/// do compute different bytes.
#[test]
fn fuse_keeps_pointwise_layers_whose_multipliers_differ() {
    let (input_scale, weight_scale, output_scale) = (0.0137f32, 0.00113f32, 0.0517f32);
    let conv = conv_multipliers(input_scale, &[weight_scale], output_scale, 1)[0];
    let fc = fully_connected_multipliers(input_scale, &[weight_scale], output_scale, 1)[0];
    let accumulator = (0..1 << 20)
        .find(|&acc| conv.apply(acc) != fc.apply(acc) && conv.apply(acc) < 127)
        .expect("an accumulator where the multipliers round differently");
    let layer = |kind: &str| -> Module {
        let body = if kind == "conv" {
            "%w = tinyml.const {value = @w} : tensor<1x1x1x1xi8, !q<0.00113, 0>>
    %0 = tinyml.conv2d %x, %w, %b {padding = valid, stride = [1, 1]} : tensor<1x1x1x1xi8, !q<0.0517, 0>>
    %y = tinyml.reshape %0 : tensor<1x1xi8, !q<0.0517, 0>>"
        } else {
            "%w = tinyml.const {value = @w} : tensor<1x1xi8, !q<0.00113, 0>>
    %y = tinyml.fully_connected %x, %w, %b : tensor<1x1xi8, !q<0.0517, 0>>"
        };
        let bias: String = accumulator
            .to_le_bytes()
            .iter()
            .map(|b| format!("{b:02X}"))
            .collect();
        let text = format!(
            "module @{kind} {{
  func @main(%x: tensor<1x1x1x1xi8, !q<0.0137, 0>>) -> tensor<1x1xi8, !q<0.0517, 0>> {{
    %b = tinyml.const {{value = @b}} : tensor<1xi32>
    {body}
    return %y
  }}
}}
resources {{
  w = \"0x01\",
  b = \"0x{bias}\",
}}
"
        );
        parse_module(&text).unwrap_or_else(|d| panic!("{d}"))
    };
    let context = tmlc::context();
    let input = [vec![0i8]];
    let mut outputs = Vec::new();
    for kind in ["conv", "fc"] {
        let original = layer(kind);
        let mut fused = original.clone();
        let reports = fuse_module(&mut fused, &context, Limits::default());
        assert!(
            matches!(&reports[0].outcome, Outcome::Saturated(stats) if !stats.changed),
            "{}",
            reports[0]
        );
        let output = interpret(&original, &input);
        assert_eq!(interpret(&fused, &input), output);
        outputs.push(output);
    }
    assert_ne!(outputs[0], outputs[1], "the two forms should differ here");
}

fn read_i8(path: &Path) -> Vec<i8> {
    std::fs::read(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
        .into_iter()
        .map(|b| b as i8)
        .collect()
}

/// Reshapes whose result a fully_connected reads as its input.
fn reshapes_feeding_fully_connected(module: &Module) -> usize {
    let function = &module.functions[0];
    function
        .body
        .ops
        .iter()
        .filter(|&&op| function.ops[op].name == "tinyml.fully_connected")
        .filter(|&&op| {
            function
                .defining_op(function.ops[op].operands[0])
                .is_some_and(|producer| function.ops[producer].name == "tinyml.reshape")
        })
        .count()
}

#[test]
fn fused_real_models_match_the_golden_outputs() {
    let Some(shared) = shared_dir() else { return };
    let context = tmlc::context();
    let mut removed = 0;
    for model in MODELS {
        let bytes = std::fs::read(shared.join("models").join(format!("{model}.tflite")))
            .expect("model is readable");
        let mut module = tmlc_tflite::import::import_tflite(&bytes, model, &context)
            .unwrap_or_else(|d| panic!("{model}: import failed: {d}"))
            .module;
        let before = reshapes_feeding_fully_connected(&module);
        let ops_before = module.functions[0].body.ops.len();
        let reports = fuse_module(&mut module, &context, Limits::default());
        verify_module(&module, &context)
            .unwrap_or_else(|d| panic!("{model}: fused IR does not verify: {d}"));
        let after = reshapes_feeding_fully_connected(&module);
        for report in &reports {
            eprintln!("{model}: {report}");
            let Outcome::Saturated(stats) = &report.outcome else {
                panic!("{model}: fuse skipped the model: {report}");
            };
            assert!(stats.saturated(), "{model}: {report}");
        }
        eprintln!(
            "{model}: ops {ops_before} -> {}, reshapes feeding fully_connected {before} -> {after}",
            module.functions[0].body.ops.len()
        );
        assert_eq!(after, 0, "{model}: a reshape still feeds a fully_connected");
        removed += before;
        let reference = shared.join("reference").join(model);
        for input in ["ramp", "rng42"] {
            let data = read_i8(&reference.join(format!("input.{input}.bin")));
            let outputs = interpret(&module, &[data]);
            let expected = read_i8(&reference.join(format!("output.{input}.bin")));
            assert_eq!(
                outputs,
                vec![TensorData::I8(expected)],
                "{model}: fused output for input {input} differs from the golden output"
            );
        }
    }
    assert!(
        removed > 0,
        "no model had a reshape feeding a fully_connected"
    );
}
