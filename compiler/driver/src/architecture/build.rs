//! Builds an architecture description as tinyml IR: one `@main` of int8 ops with deterministic
//! synthetic weights and quantization from a seeded generator. Memory and speed do not depend on
//! the values, only on the shapes, which follow the description exactly: channels scaled by the
//! width multiplier and rounded to multiples of 8 (MobileNetV2's `_make_divisible`), PyTorch-style
//! explicit `kernel / 2` padding (or SAME), ReLU6 after every convolution but the projections.

use super::schema::{Architecture, Block, PaddingStyle};
use tmlc_core::attributes::{Attribute, Attributes};
use tmlc_core::diagnostic::{Diagnostic, ErrorCode};
use tmlc_core::ir::{Function, Module, Value, RETURN_OP};
use tmlc_core::types::{ElementType, Quantization, TensorType};

/// The most weight bytes a description may ask for.
pub const MAX_WEIGHT_BYTES: usize = 64 << 20;
/// The most channels a layer may have (after the width multiplier and expansion).
pub const MAX_CHANNELS: usize = 65536;
/// The largest activation tensor a description may ask for, in bytes.
pub const MAX_TENSOR_BYTES: usize = 256 << 20;

/// The input's quantization: [-1, 1) in steps of 1/128.
const INPUT_QUANT: (f32, i32) = (0.007_812_5, 0);
/// After ReLU6: [0, 6] over the int8 range.
const RELU6_QUANT: (f32, i32) = (0.023_529_412, -128);
/// The linear projections' outputs and the skip adds' results.
const PROJECT_QUANT: (f32, i32) = (0.04, 0);
const ADD_QUANT: (f32, i32) = (0.05, 0);
const LOGITS_QUANT: (f32, i32) = (0.1, 0);

/// MobileNetV2's `_make_divisible(channels * width, 8)`: the nearest multiple of 8, at least 8,
/// and never more than 10% below the scaled value.
pub fn scaled_channels(channels: usize, width: f64) -> usize {
    let value = channels as f64 * width;
    let rounded = (((value + 4.0) as usize) / 8 * 8).max(8);
    if (rounded as f64) < 0.9 * value {
        rounded + 8
    } else {
        rounded
    }
}

/// SplitMix64: the deterministic generator of the synthetic weights.
struct Generator(u64);

impl Generator {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn int8s(&mut self, count: usize) -> Vec<u8> {
        let mut bytes = Vec::with_capacity(count);
        while bytes.len() < count {
            let word = self.next().to_le_bytes();
            // -127..=127: symmetric weights never use -128.
            bytes.extend(
                word.iter()
                    .map(|&b| (((b as i32) % 255) - 127) as i8 as u8)
                    .take(count - bytes.len()),
            );
        }
        bytes
    }

    fn biases(&mut self, count: usize) -> Vec<u8> {
        (0..count)
            .flat_map(|_| ((self.next() % 513) as i32 - 256).to_le_bytes())
            .collect()
    }

    /// Per-channel weight scales around 0.004.
    fn scales(&mut self, count: usize) -> Vec<f32> {
        (0..count)
            .map(|_| 0.003 + (self.next() % 1000) as f32 * 0.000_002)
            .collect()
    }
}

/// The part of the description a layer comes from (where its errors point).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    Stem,
    Block(usize),
    Head,
}

impl std::fmt::Display for Part {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Part::Stem => f.write_str("the stem"),
            Part::Block(index) => write!(f, "blocks[{index}]"),
            Part::Head => f.write_str("the head"),
        }
    }
}

/// A description that cannot be built, and the part it fails at.
#[derive(Debug, Clone)]
pub struct BuildError {
    pub part: Part,
    pub diagnostic: Box<Diagnostic>,
}

/// The function under construction: the current activation and its `[height, width, channels]`.
struct Builder {
    module: Module,
    function: Function,
    generator: Generator,
    padding: PaddingStyle,
    value: Value,
    shape: [usize; 3],
    weight_bytes: usize,
    layer: usize,
    part: Part,
}

fn too_large(message: String) -> Diagnostic {
    Diagnostic::new(
        ErrorCode::InvalidModel,
        format!("invalid architecture: {message}"),
    )
}

fn activation(quant: (f32, i32), shape: Vec<usize>) -> TensorType {
    TensorType::i8(shape, quant.0, quant.1)
}

impl Builder {
    /// Fails before `count` more weight bytes are generated when they pass the limit.
    fn reserve(&self, factors: &[usize]) -> Result<usize, Diagnostic> {
        factors
            .iter()
            .try_fold(1usize, |a, &b| a.checked_mul(b))
            .filter(|&count| count <= MAX_WEIGHT_BYTES.saturating_sub(self.weight_bytes))
            .ok_or_else(|| {
                too_large(format!(
                    "more than {MAX_WEIGHT_BYTES} bytes of weights (at {})",
                    self.part
                ))
            })
    }

    fn constant(
        &mut self,
        prefix: &str,
        data: Vec<u8>,
        ty: TensorType,
    ) -> Result<Value, Diagnostic> {
        self.weight_bytes += data.len();
        if self.weight_bytes > MAX_WEIGHT_BYTES {
            return Err(too_large(format!(
                "more than {MAX_WEIGHT_BYTES} bytes of weights (at {})",
                self.part
            )));
        }
        let name = self
            .module
            .add_resource(&format!("{prefix}{}", self.layer), data);
        let mut attributes = Attributes::new();
        attributes.insert("value".into(), Attribute::Symbol(name));
        let op = self
            .function
            .append_op("tinyml.const", vec![], attributes, vec![ty]);
        Ok(self.function.ops[op].results[0])
    }

    fn output_size(&self, size: usize, kernel: usize, stride: usize) -> Option<usize> {
        match self.padding {
            PaddingStyle::Same => Some(size.div_ceil(stride)),
            PaddingStyle::Explicit => {
                let padded = size + 2 * (kernel / 2);
                (padded >= kernel).then(|| (padded - kernel) / stride + 1)
            }
        }
    }

    fn padding_attribute(&self, kernel: usize) -> Attribute {
        match self.padding {
            PaddingStyle::Same => Attribute::Keyword("same".into()),
            PaddingStyle::Explicit => {
                let p = (kernel / 2) as i64;
                Attribute::int_array(&[p, p, p, p])
            }
        }
    }

    fn result(&mut self, shape: [usize; 3], quant: (f32, i32)) -> Result<TensorType, Diagnostic> {
        let bytes = shape
            .iter()
            .try_fold(1usize, |a, &b| a.checked_mul(b))
            .unwrap_or(usize::MAX);
        if shape.contains(&0) {
            return Err(too_large(format!(
                "the input resolution is too small: {} has no output rows left",
                self.part
            )));
        }
        if shape[2] > MAX_CHANNELS {
            return Err(too_large(format!(
                "{} makes {} channels (the limit is {MAX_CHANNELS})",
                self.part, shape[2]
            )));
        }
        if bytes > MAX_TENSOR_BYTES {
            return Err(too_large(format!(
                "{} makes a tensor of {bytes} bytes (the limit is {MAX_TENSOR_BYTES})",
                self.part
            )));
        }
        Ok(activation(quant, vec![1, shape[0], shape[1], shape[2]]))
    }

    /// A convolution (`kernel` x `kernel`, `stride`) to `channels`, ReLU6 or linear.
    fn conv(
        &mut self,
        kernel: usize,
        stride: usize,
        channels: usize,
        relu6: bool,
    ) -> Result<(), Diagnostic> {
        let [h, w, c] = self.shape;
        let (oh, ow) = (
            self.output_size(h, kernel, stride).unwrap_or(0),
            self.output_size(w, kernel, stride).unwrap_or(0),
        );
        let quant = if relu6 { RELU6_QUANT } else { PROJECT_QUANT };
        let ty = self.result([oh, ow, channels], quant)?;
        let count = self.reserve(&[channels, kernel, kernel, c])?;
        let weights = self.generator.int8s(count);
        let scales = self.generator.scales(channels);
        let weight_type = TensorType::new(
            vec![channels, kernel, kernel, c],
            ElementType::I8,
            Some(Quantization::PerChannel { scales, axis: 0 }),
        );
        let w = self.constant("conv_w", weights, weight_type)?;
        let biases = self.generator.biases(channels);
        let b = self.constant(
            "conv_b",
            biases,
            TensorType::new(vec![channels], ElementType::I32, None),
        )?;
        let mut attributes = Attributes::new();
        attributes.insert("stride".into(), Attribute::int_array(&[stride as i64; 2]));
        attributes.insert("padding".into(), self.padding_attribute(kernel));
        attributes.insert(
            "act".into(),
            Attribute::Keyword(if relu6 { "relu6" } else { "none" }.into()),
        );
        let op = self.function.append_op(
            "tinyml.conv2d",
            vec![self.value, w, b],
            attributes,
            vec![ty],
        );
        self.value = self.function.ops[op].results[0];
        self.shape = [oh, ow, channels];
        self.layer += 1;
        Ok(())
    }

    fn depthwise(&mut self, kernel: usize, stride: usize) -> Result<(), Diagnostic> {
        let [h, w, c] = self.shape;
        let (oh, ow) = (
            self.output_size(h, kernel, stride).unwrap_or(0),
            self.output_size(w, kernel, stride).unwrap_or(0),
        );
        let ty = self.result([oh, ow, c], RELU6_QUANT)?;
        let count = self.reserve(&[kernel, kernel, c])?;
        let weights = self.generator.int8s(count);
        let scales = self.generator.scales(c);
        let weight_type = TensorType::new(
            vec![1, kernel, kernel, c],
            ElementType::I8,
            Some(Quantization::PerChannel { scales, axis: 3 }),
        );
        let w = self.constant("dw_w", weights, weight_type)?;
        let biases = self.generator.biases(c);
        let b = self.constant(
            "dw_b",
            biases,
            TensorType::new(vec![c], ElementType::I32, None),
        )?;
        let mut attributes = Attributes::new();
        attributes.insert("stride".into(), Attribute::int_array(&[stride as i64; 2]));
        attributes.insert("padding".into(), self.padding_attribute(kernel));
        attributes.insert("act".into(), Attribute::Keyword("relu6".into()));
        let op = self.function.append_op(
            "tinyml.depthwise_conv2d",
            vec![self.value, w, b],
            attributes,
            vec![ty],
        );
        self.value = self.function.ops[op].results[0];
        self.shape = [oh, ow, c];
        self.layer += 1;
        Ok(())
    }

    fn add(&mut self, skip: Value) {
        let ty = activation(
            ADD_QUANT,
            vec![1, self.shape[0], self.shape[1], self.shape[2]],
        );
        let mut attributes = Attributes::new();
        attributes.insert("act".into(), Attribute::Keyword("none".into()));
        let op =
            self.function
                .append_op("tinyml.add", vec![self.value, skip], attributes, vec![ty]);
        self.value = self.function.ops[op].results[0];
        self.layer += 1;
    }

    fn head(&mut self, classes: usize) -> Result<(), Diagnostic> {
        let [h, w, c] = self.shape;
        let pooled = self.result([1, 1, c], self.current_quant())?;
        let mut attributes = Attributes::new();
        attributes.insert("filter".into(), Attribute::int_array(&[h as i64, w as i64]));
        attributes.insert("stride".into(), Attribute::int_array(&[1, 1]));
        attributes.insert("padding".into(), Attribute::Keyword("valid".into()));
        attributes.insert("act".into(), Attribute::Keyword("none".into()));
        let op = self.function.append_op(
            "tinyml.avg_pool2d",
            vec![self.value],
            attributes,
            vec![pooled],
        );
        self.value = self.function.ops[op].results[0];
        self.shape = [1, 1, c];
        self.layer += 1;
        let count = self.reserve(&[classes, c])?;
        let weights = self.generator.int8s(count);
        let w = self.constant(
            "fc_w",
            weights,
            TensorType::new(
                vec![classes, c],
                ElementType::I8,
                Some(Quantization::PerTensor {
                    scale: 0.004,
                    zero_point: 0,
                }),
            ),
        )?;
        let biases = self.generator.biases(classes);
        let b = self.constant(
            "fc_b",
            biases,
            TensorType::new(vec![classes], ElementType::I32, None),
        )?;
        let mut attributes = Attributes::new();
        attributes.insert("act".into(), Attribute::Keyword("none".into()));
        let op = self.function.append_op(
            "tinyml.fully_connected",
            vec![self.value, w, b],
            attributes,
            vec![activation(LOGITS_QUANT, vec![1, classes])],
        );
        self.value = self.function.ops[op].results[0];
        Ok(())
    }

    fn current_quant(&self) -> (f32, i32) {
        self.function
            .value_type(self.value)
            .per_tensor()
            .unwrap_or(INPUT_QUANT)
    }
}

/// The tinyml module of `architecture` (one function, `@main`, verified by the caller).
pub fn build(architecture: &Architecture) -> Result<Module, BuildError> {
    let mut part = Part::Stem;
    build_parts(architecture, &mut part).map_err(|diagnostic| BuildError {
        part,
        diagnostic: Box::new(diagnostic),
    })
}

/// [`build`], with `part` left at the part being built when it fails.
fn build_parts(architecture: &Architecture, part: &mut Part) -> Result<Module, Diagnostic> {
    let width = architecture.width;
    let resolution = architecture.resolution.0;
    let input_channels = architecture.input_channels.0;
    let mut function = Function::new("main");
    let input = function.add_param(
        activation(INPUT_QUANT, vec![1, resolution, resolution, input_channels]),
        Some("input".into()),
    );
    let mut builder = Builder {
        module: Module::new(architecture.name.clone()),
        function,
        generator: Generator(architecture.seed),
        padding: architecture.padding,
        value: input,
        shape: [resolution, resolution, input_channels],
        weight_bytes: 0,
        layer: 0,
        part: Part::Stem,
    };
    let stem = &architecture.stem;
    builder.conv(
        stem.kernel.0,
        stem.stride.0,
        scaled_channels(stem.channels.0, width),
        true,
    )?;
    for (index, block) in architecture.blocks.iter().enumerate() {
        builder.part = Part::Block(index);
        *part = builder.part;
        let name = builder.part;
        match block {
            Block::Mbconv {
                kernel,
                expand,
                stride,
                channels,
                skip,
            } => {
                let input = builder.value;
                let in_channels = builder.shape[2];
                let out_channels = scaled_channels(channels.0, width);
                let can_skip = stride.0 == 1 && in_channels == out_channels;
                if *skip == Some(true) && !can_skip {
                    return Err(too_large(format!(
                        "{name} asks for a skip, but a skip needs stride 1 and as many output channels as input channels ({in_channels} in, {out_channels} out, stride {})",
                        stride.0
                    )));
                }
                if expand.0 > 1 {
                    builder.conv(1, 1, in_channels * expand.0, true)?;
                }
                builder.depthwise(kernel.0, stride.0)?;
                builder.conv(1, 1, out_channels, false)?;
                if can_skip && *skip != Some(false) {
                    builder.add(input);
                }
            }
        }
    }
    if let Some(head) = &architecture.head {
        builder.part = Part::Head;
        *part = Part::Head;
        if let Some(channels) = head.channels {
            builder.conv(1, 1, scaled_channels(channels.0, width), true)?;
        }
        builder.head(head.classes.0)?;
    }
    let Builder {
        mut module,
        mut function,
        value,
        ..
    } = builder;
    function.result_types = vec![function.value_type(value).clone()];
    function.append_op(RETURN_OP, vec![value], Attributes::new(), vec![]);
    module.functions.push(function);
    Ok(module)
}
