//! The rewrite rules of `fuse`, all in one table, one named rule per line. A rule exists only
//! where TFLite Micro's integer kernels (`tmlc_tinyml::semantics`) compute exactly the same bytes
//! before and after it; the reason is written beside each rule, and conditions that only hold for
//! some quantizations are decided when the rule fires, from the same functions the kernels use
//! (or, for elementwise int8 maps, by running every possible input). Rules that would only be
//! "within 1" are listed at the end, with why they are not here.

use super::language::{AttributeMap, Kind};
use super::rewrite::{Match, Rule, Term};
use tmlc_core::attributes::Attribute;
use tmlc_core::types::TensorType;
use tmlc_tinyml::semantics::activation::requantize;
use tmlc_tinyml::semantics::padding::{compute_padding, AxisPadding};
use tmlc_tinyml::semantics::quant::{
    conv_multipliers, fully_connected_multipliers, multiply_by_quantized_multiplier,
    quantize_multiplier,
};
use tmlc_tinyml::semantics::{Activation, OutputSpec, QuantTensor};

/// Every rule, in the order the runner applies them.
#[rustfmt::skip]
pub fn rules() -> Vec<Rule> {
    use Kind::*;
    let activations = [Relu, Relu6];
    vec![
        // Activations. The fused clamp bounds are quant::activation_range of the producer's own
        // output scale and zero point, which the standalone op shares (its verifier requires
        // equal quantization), so they are the very bounds it clamps to; the ranges of none,
        // relu and relu6 are nested, so two clamps equal one clamp to the narrower range.
        // conv2d, depthwise_conv2d, fully_connected: requantize, add the zero point, then clamp.
        Rule::new("fold-activation-into-conv2d", &activations, fold_activation_into(Conv2d)),
        Rule::new("fold-activation-into-depthwise-conv2d", &activations, fold_activation_into(DepthwiseConv2d)),
        Rule::new("fold-activation-into-fully-connected", &activations, fold_activation_into(FullyConnected)),
        // add: the clamp is the last step of AddFunc, after the output offset.
        Rule::new("fold-activation-into-add", &activations, fold_activation_into(Add)),
        // Pools: input and output share the quantization; the clamp follows the average/maximum.
        Rule::new("fold-activation-into-avg-pool2d", &activations, fold_activation_into(AvgPool2d)),
        Rule::new("fold-activation-into-max-pool2d", &activations, fold_activation_into(MaxPool2d)),
        // Two standalone clamps with one quantization: the narrower range is the result.
        Rule::new("fold-activation-chain", &activations, fold_activation_chain),
        // Padding. A pad on H and W only in front of a VALID (or explicitly padded) window: the
        // padded taps hold the zero point and contribute filter * (zp - zp) = 0, which is exactly
        // what the kernels' skipped taps contribute. The window becomes SAME when the amounts are
        // exactly TFLite's SAME (padding::compute_padding: before = total / 2, after = the rest),
        // explicit `[top, bottom, left, right]` otherwise (PyTorch's pad (1, 1) before a stride-2
        // VALID conv); either way the output size and every tap position agree.
        Rule::new("fold-pad-into-conv2d", &[Conv2d], fold_pad_into),
        Rule::new("fold-pad-into-depthwise-conv2d", &[DepthwiseConv2d], fold_pad_into),
        // A pad of zero amounts copies its input.
        Rule::new("remove-zero-pad", &[Pad], remove_zero_pad),
        // Reshapes are views of row-major data: chains keep the bytes, and so does the identity.
        Rule::new("fold-reshape-chain", &[Reshape], fold_reshape_chain),
        Rule::new("remove-identity-reshape", &[Reshape], remove_identity_reshape),
        // fully_connected reads its input as [elements / depth, depth] whatever its shape, and a
        // reshape keeps the element count and order, so the batch count stays the same. Only a
        // reshape that keeps the quantization: one that changes it (TFLM copies the bytes)
        // changes the input offset and multiplier the fully_connected computes with.
        Rule::new("fold-reshape-into-fully-connected", &[FullyConnected], fold_reshape_into_fully_connected),
        // Requantizations: elementwise maps of int8, so equality over all 256 inputs is exact.
        // requantize to the type the value already has: multiplier 1.0 = 2^30 * 2^1, no rounding.
        Rule::new("remove-identity-requantize", &[Requantize], remove_identity_requantize),
        // Chains round twice (double rounding), so in general they are NOT one requantize: the
        // rule fires only when all 256 inputs give the same bytes through both forms.
        Rule::new("fold-requantize-chain", &[Requantize], fold_requantize_chain),
        // A pointwise conv2d (1x1 filter, output as large as the input) is fully_connected over
        // the pixels, accumulating the same products in the same order; weights [O,1,1,I] and
        // [O,I] are the same bytes. Exact only when the multipliers agree: conv derives them in
        // f64, per-tensor fully_connected from an f32 product (quant::fully_connected_multipliers),
        // so both sets are computed here and must be identical (always true per channel).
        Rule::new("pointwise-conv2d-as-fully-connected", &[Conv2d], pointwise_conv2d_as_fully_connected),
        Rule::new("fully-connected-as-pointwise-conv2d", &[FullyConnected], fully_connected_as_pointwise_conv2d),
        // mean over H and W as an average pool with a full-size VALID window: the pool needs equal
        // input and output quantization, and MEAN's integer formula (1/n folded into the
        // multiplier) must round like the pool's division for every possible input sum, which is
        // checked by enumerating all 255 * n + 1 sums (n = H * W). In practice only n = 1 and
        // n = 3 pass (every n up to 2304 tried): elsewhere MEAN's truncated multiplier and two
        // roundings disagree with the pool's one rounding somewhere.
        Rule::new("mean-as-avg-pool2d", &[Mean], mean_as_avg_pool2d),
        // Not rules:
        // - pad into avg_pool2d: the pool divides by the taps inside its input, so explicit
        //   padding (counted, holding the zero point) changes every border average;
        // - pad into max_pool2d: explicit zero-point taps take part in the maximum, SAME's
        //   skipped taps do not;
        // - activation into concat: TFLite Micro's CONCATENATION takes no fused activation (and
        //   the C backend refuses one), although the interpreter's clamp would compose;
        // - requantize into its producer (conv, add, ...): the producer rounds once to its own
        //   output scale and the requantize rounds again; one rounding to the final scale differs.
    ]
}

/// The fused-activation view of the e-graph's ops (the dialect's [`Activation`], ordered by
/// strength).
trait ActivationOf {
    /// The clamp a standalone `relu` / `relu6` applies.
    fn of_op(kind: Kind) -> Option<Activation>;
    /// An op's fused `act` attribute.
    fn fused(attributes: &AttributeMap) -> Activation;
    /// The `act` attribute value.
    fn keyword_attribute(self) -> Attribute;
    /// The standalone op applying this clamp.
    fn op(self) -> Option<Kind>;
}

impl ActivationOf for Activation {
    fn of_op(kind: Kind) -> Option<Activation> {
        match kind {
            Kind::Relu => Some(Activation::Relu),
            Kind::Relu6 => Some(Activation::Relu6),
            _ => None,
        }
    }

    fn fused(attributes: &AttributeMap) -> Activation {
        Activation::from_keyword(attributes.keyword("act", "none")).unwrap_or_default()
    }

    fn keyword_attribute(self) -> Attribute {
        Attribute::Keyword(self.keyword().to_string())
    }

    fn op(self) -> Option<Kind> {
        match self {
            Activation::None => None,
            Activation::Relu => Some(Kind::Relu),
            Activation::Relu6 => Some(Kind::Relu6),
        }
    }
}

/// `relu(producer(x))` -> `producer(x) {act = stronger of the two}`.
fn fold_activation_into(producer: Kind) -> impl Fn(&Match) -> Vec<Term> {
    move |m| {
        let Some(outer) = Activation::of_op(m.node.kind) else {
            return Vec::new();
        };
        m.producers(m.node.operands[0], producer)
            .map(|op| {
                let act = outer.max(Activation::fused(&op.attributes));
                let attributes = op.attributes.clone().with("act", &act.keyword_attribute());
                Term::op(
                    producer,
                    attributes,
                    op.ty.0.clone(),
                    Term::classes(&op.operands),
                )
            })
            .collect()
    }
}

/// `relu(relu6(x))` -> `relu6(x)`, `relu6(relu(x))` -> `relu6(x)`, `relu(relu(x))` -> `relu(x)`.
fn fold_activation_chain(m: &Match) -> Vec<Term> {
    let Some(outer) = Activation::of_op(m.node.kind) else {
        return Vec::new();
    };
    let input = m.node.operands[0];
    [Kind::Relu, Kind::Relu6]
        .into_iter()
        .flat_map(|kind| m.producers(input, kind))
        .filter_map(|inner| {
            let inner_act = Activation::of_op(inner.kind)?;
            let act = outer.max(inner_act);
            Some(if act == inner_act {
                Term::Class(input)
            } else {
                Term::op(
                    act.op()?,
                    AttributeMap::default(),
                    m.node.ty.0.clone(),
                    Term::classes(&inner.operands),
                )
            })
        })
        .collect()
}

/// `conv(pad(x)) {padding = valid}` -> `conv(x) {padding = same}` when the pad is SAME's,
/// `conv(x) {padding = [top, bottom, left, right]}` otherwise; a conv that already has explicit
/// padding adds the pad's amounts to its own.
fn fold_pad_into(m: &Match) -> Vec<Term> {
    let conv = m.node;
    let own = match conv.attributes.keyword("padding", "") {
        "valid" => [0; 4],
        "" => match conv.attributes.ints("padding")[..] {
            [t, b, l, r] => [t, b, l, r],
            _ => return Vec::new(),
        },
        _ => return Vec::new(),
    };
    let filter = &m.operand_type(1).shape;
    let stride = conv.attributes.pair("stride", [1, 1]);
    let dilation = conv.attributes.pair("dilation", [1, 1]);
    m.producers(conv.operands[0], Kind::Pad)
        .filter_map(|pad| {
            let input = &m.ty(pad.operands[0]).0.shape;
            let pads = pad.attributes.ints("pads");
            if input.len() != 4 || pads.len() != 8 || pads[..2] != [0, 0] || pads[6..] != [0, 0] {
                return None;
            }
            let amounts: Vec<i64> = pads[2..6].iter().zip(own).map(|(p, o)| p + o).collect();
            let same_amounts = |axis: usize| {
                let (_, amount) = compute_padding(
                    AxisPadding::Same,
                    input[1 + axis],
                    filter[1 + axis],
                    stride[axis],
                    dilation[axis],
                );
                [amount.before as i64, amount.after as i64]
            };
            let padding = if amounts[..2] == same_amounts(0) && amounts[2..] == same_amounts(1) {
                Attribute::Keyword("same".to_string())
            } else {
                Attribute::Array(amounts.into_iter().map(Attribute::Int).collect())
            };
            let mut operands = Term::classes(&conv.operands);
            operands[0] = Term::Class(pad.operands[0]);
            let attributes = conv.attributes.clone().with("padding", &padding);
            Some(Term::op(conv.kind, attributes, conv.ty.0.clone(), operands))
        })
        .collect()
}

/// `pad(x) {pads = [0, ...]}` -> `x`.
fn remove_zero_pad(m: &Match) -> Vec<Term> {
    let zero = m.node.attributes.ints("pads").iter().all(|&p| p == 0);
    zero.then_some(Term::Class(m.node.operands[0]))
        .into_iter()
        .collect()
}

/// `reshape(reshape(x))` -> `reshape(x)`.
fn fold_reshape_chain(m: &Match) -> Vec<Term> {
    m.producers(m.node.operands[0], Kind::Reshape)
        .map(|inner| {
            let operands = Term::classes(&inner.operands);
            Term::op(
                Kind::Reshape,
                AttributeMap::default(),
                m.node.ty.0.clone(),
                operands,
            )
        })
        .collect()
}

/// `reshape(x)` to the type of `x` -> `x`.
fn remove_identity_reshape(m: &Match) -> Vec<Term> {
    let input = m.node.operands[0];
    (*m.ty(input) == m.node.ty)
        .then_some(Term::Class(input))
        .into_iter()
        .collect()
}

/// `fully_connected(reshape(x), w, b)` -> `fully_connected(x, w, b)`.
fn fold_reshape_into_fully_connected(m: &Match) -> Vec<Term> {
    let fc = m.node;
    m.producers(fc.operands[0], Kind::Reshape)
        .filter(|reshape| m.ty(reshape.operands[0]).0.quant == reshape.ty.0.quant)
        .map(|reshape| {
            let mut operands = Term::classes(&fc.operands);
            operands[0] = Term::Class(reshape.operands[0]);
            Term::op(
                Kind::FullyConnected,
                fc.attributes.clone(),
                fc.ty.0.clone(),
                operands,
            )
        })
        .collect()
}

/// What `requantize` (TFLite's int8 QUANTIZE) maps each of the 256 int8 values to, indexed by
/// `value + 128`.
fn requantize_table(from: &TensorType, to: &TensorType) -> Option<Vec<i8>> {
    let (in_scale, in_zero_point) = from.per_tensor()?;
    let (out_scale, out_zero_point) = to.per_tensor()?;
    let inputs: Vec<i8> = (-128..=127).collect();
    Some(requantize(
        &QuantTensor::new(&inputs, &[256], in_scale, in_zero_point),
        &OutputSpec::new(&[256], out_scale, out_zero_point),
    ))
}

/// `requantize(x)` that maps every int8 value to itself -> `x`.
fn remove_identity_requantize(m: &Match) -> Vec<Term> {
    let input = m.node.operands[0];
    let table = requantize_table(&m.ty(input).0, &m.node.ty.0);
    let identity = table.is_some_and(|t| t.iter().zip(-128..=127).all(|(&q, x)| q == x));
    identity.then_some(Term::Class(input)).into_iter().collect()
}

/// `requantize(requantize(x))` -> `requantize(x)` when both give the same bytes for all inputs.
fn fold_requantize_chain(m: &Match) -> Vec<Term> {
    let outer = m.node;
    m.producers(outer.operands[0], Kind::Requantize)
        .filter(|inner| {
            let source = &m.ty(inner.operands[0]).0;
            let (Some(first), Some(second), Some(direct)) = (
                requantize_table(source, &inner.ty.0),
                requantize_table(&inner.ty.0, &outer.ty.0),
                requantize_table(source, &outer.ty.0),
            ) else {
                return false;
            };
            first
                .iter()
                .map(|&q| second[(q as i32 + 128) as usize])
                .eq(direct)
        })
        .map(|inner| {
            let operands = Term::classes(&inner.operands);
            Term::op(
                Kind::Requantize,
                AttributeMap::default(),
                outer.ty.0.clone(),
                operands,
            )
        })
        .collect()
}

/// Whether conv2d (f64 products) and fully_connected (f32 product when per tensor) derive
/// identical multipliers for these scales.
fn multipliers_agree(input: &TensorType, weights: &TensorType, output: &TensorType) -> bool {
    let (Some((input_scale, _)), Some((output_scale, _))) =
        (input.per_tensor(), output.per_tensor())
    else {
        return false;
    };
    let scales = weights.scales();
    let channels = weights.shape[0];
    conv_multipliers(input_scale, scales, output_scale, channels)
        == fully_connected_multipliers(input_scale, scales, output_scale, channels)
}

/// `conv2d(x, w[O,1,1,I], b)` with `x` `[N,H,W,I]` and output `[N,H,W,O]` ->
/// `reshape(fully_connected(x, w[O,I], b))`.
fn pointwise_conv2d_as_fully_connected(m: &Match) -> Vec<Term> {
    let conv = m.node;
    let (input, weights, output) = (m.operand_type(0), m.operand_type(1), &conv.ty.0);
    let pointwise = weights.shape[1..3] == [1, 1] && output.shape[1..3] == input.shape[1..3];
    if !pointwise || !multipliers_agree(input, weights, output) {
        return Vec::new();
    }
    let [channels, depth] = [weights.shape[0], weights.shape[3]];
    let Some(fc_weights) = m.reshaped_constant(conv.operands[1], vec![channels, depth]) else {
        return Vec::new();
    };
    let mut operands = Term::classes(&conv.operands);
    operands[1] = fc_weights;
    let act = Activation::fused(&conv.attributes).keyword_attribute();
    let rows = output.num_elements() / channels;
    let fc = Term::op(
        Kind::FullyConnected,
        AttributeMap::of(&[("act", act)]),
        output.with_shape(vec![rows, channels]),
        operands,
    );
    vec![Term::op(
        Kind::Reshape,
        AttributeMap::default(),
        output.clone(),
        vec![fc],
    )]
}

/// `fully_connected(x, w[O,I], b)` with `x` `[N,H,W,I]` -> `reshape(conv2d(x, w[O,1,1,I], b))`
/// (stride 1, VALID).
fn fully_connected_as_pointwise_conv2d(m: &Match) -> Vec<Term> {
    let fc = m.node;
    let (input, weights, output) = (m.operand_type(0), m.operand_type(1), &fc.ty.0);
    let [channels, depth] = [weights.shape[0], weights.shape[1]];
    if input.rank() != 4 || input.shape[3] != depth || !multipliers_agree(input, weights, output) {
        return Vec::new();
    }
    let Some(conv_weights) = m.reshaped_constant(fc.operands[1], vec![channels, 1, 1, depth])
    else {
        return Vec::new();
    };
    let mut operands = Term::classes(&fc.operands);
    operands[1] = conv_weights;
    let attributes = AttributeMap::of(&[
        ("act", Activation::fused(&fc.attributes).keyword_attribute()),
        ("dilation", Attribute::int_array(&[1, 1])),
        ("padding", Attribute::Keyword("valid".to_string())),
        ("stride", Attribute::int_array(&[1, 1])),
    ]);
    let shape = vec![input.shape[0], input.shape[1], input.shape[2], channels];
    let conv = Term::op(Kind::Conv2d, attributes, output.with_shape(shape), operands);
    vec![Term::op(
        Kind::Reshape,
        AttributeMap::default(),
        output.clone(),
        vec![conv],
    )]
}

/// MEAN's result for an input sum over `n` elements (`semantics::mean` with equal input and
/// output quantization: `1/n` folded into the multiplier of `input_scale / output_scale`, which
/// is exactly 1.0).
fn mean_of_sum(sum: i64, n: i64, zero_point: i32) -> i32 {
    let q = quantize_multiplier(1.0);
    let shift = (63 - (n as u64).leading_zeros() as i32)
        .min(32)
        .min(31 + q.shift)
        .max(0);
    let multiplier = (((q.multiplier as i64) << shift) / n) as i32;
    let shifted = (sum - zero_point as i64 * n) as i32;
    let value = multiply_by_quantized_multiplier(shifted, multiplier, q.shift - shift);
    value.wrapping_add(zero_point).clamp(-128, 127)
}

/// AVERAGE_POOL_2D's result for a window sum over `n` in-bounds taps (`semantics::pool`: divide
/// rounding half away from zero, clamp to int8).
fn average_of_sum(sum: i64, n: i64) -> i32 {
    let (sum, n) = (sum as i32, n as i32);
    let average = if sum > 0 {
        (sum + n / 2) / n
    } else {
        (sum - n / 2) / n
    };
    average.clamp(-128, 127)
}

/// `mean(x) {axes = [1, 2]}` on `[N,H,W,C]` -> `avg_pool2d(x) {filter = [H, W], valid}`,
/// reshaped when `keep_dims = false`.
fn mean_as_avg_pool2d(m: &Match) -> Vec<Term> {
    let mean = m.node;
    let input = m.operand_type(0);
    let mut axes = mean.attributes.ints("axes");
    axes.sort_unstable();
    let (Some((_, zero_point)), true) = (input.per_tensor(), input.rank() == 4 && axes == [1, 2])
    else {
        return Vec::new();
    };
    let n = (input.shape[1] * input.shape[2]) as i64;
    let same_quantization = input.quant == mean.ty.0.quant;
    let exact = same_quantization
        && (-128 * n..=127 * n)
            .all(|sum| mean_of_sum(sum, n, zero_point) == average_of_sum(sum, n));
    if !exact {
        return Vec::new();
    }
    let attributes = AttributeMap::of(&[
        ("act", Activation::None.keyword_attribute()),
        (
            "filter",
            Attribute::int_array(&[input.shape[1] as i64, input.shape[2] as i64]),
        ),
        ("padding", Attribute::Keyword("valid".to_string())),
        ("stride", Attribute::int_array(&[1, 1])),
    ]);
    let shape = vec![input.shape[0], 1, 1, input.shape[3]];
    let pool = Term::op(
        Kind::AvgPool2d,
        attributes,
        mean.ty.0.with_shape(shape),
        Term::classes(&mean.operands),
    );
    vec![if mean.attributes.bool("keep_dims", false) {
        pool
    } else {
        Term::op(
            Kind::Reshape,
            AttributeMap::default(),
            mean.ty.0.clone(),
            vec![pool],
        )
    }]
}

#[cfg(test)]
mod tests {
    use super::*;
    use tmlc_tinyml::semantics::{average_pool2d, mean, Pool2dOptions};

    /// The two scalar formulas against the kernels themselves, on every sum of small windows.
    #[test]
    fn mean_and_average_formulas_match_the_kernels() {
        for n in 1..=9usize {
            for (scale, zero_point) in [(0.05f32, -128), (0.1, 3), (1.0, 0)] {
                // Windows whose sums cover [-128n, 127n]: raise one element at a time.
                let mut window = vec![-128i8; n];
                loop {
                    let sum: i64 = window.iter().map(|&v| v as i64).sum();
                    let shape = [1, 1, n, 1];
                    let input = QuantTensor::new(&window, &shape, scale, zero_point);
                    let kept = [1, 1, 1, 1];
                    let spec = OutputSpec::new(&kept, scale, zero_point);
                    let by_kernel = mean(&input, &[1, 2], true, &spec)[0] as i32;
                    assert_eq!(
                        mean_of_sum(sum, n as i64, zero_point),
                        by_kernel,
                        "mean n={n} sum={sum}"
                    );
                    let options = Pool2dOptions {
                        filter_h: 1,
                        filter_w: n,
                        stride_h: 1,
                        stride_w: 1,
                        padding: tmlc_tinyml::semantics::Padding::Valid,
                        activation: Activation::None,
                    };
                    let by_kernel = average_pool2d(&input, &options, &spec)[0] as i32;
                    assert_eq!(
                        average_of_sum(sum, n as i64),
                        by_kernel,
                        "avg n={n} sum={sum}"
                    );
                    let Some(slot) = window.iter_mut().find(|v| **v < 127) else {
                        break;
                    };
                    *slot += 1;
                }
            }
        }
    }

    #[test]
    fn activations_compose_to_the_stronger() {
        assert_eq!(Activation::Relu.max(Activation::Relu6), Activation::Relu6);
        assert_eq!(Activation::Relu6.max(Activation::Relu), Activation::Relu6);
        assert_eq!(Activation::None.max(Activation::Relu), Activation::Relu);
    }

    #[test]
    fn requantize_tables() {
        let a = TensorType::i8(vec![4], 0.5, 3);
        let identity = requantize_table(&a, &a).unwrap();
        assert!(identity.iter().zip(-128..=127).all(|(&q, x)| q == x));
        let b = TensorType::i8(vec![4], 1.0, 0);
        assert_ne!(requantize_table(&a, &b).unwrap(), identity);
    }
}
