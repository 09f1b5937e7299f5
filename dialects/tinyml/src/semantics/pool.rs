//! int8 AVERAGE_POOL_2D and MAX_POOL_2D: TFLite's `reference_integer_ops::AveragePool` /
//! `MaxPool` with TFLM's pooling `Prepare` (TFLite padding, activation range from the output
//! quantization). Input and output share scale and zero point (TFLM checks it), so no
//! requantization happens. The average divides by the number of taps inside the input (padding
//! taps are not counted) and rounds half away from zero:
//! `acc > 0 ? (acc + n/2) / n : (acc - n/2) / n` with C++ truncating division.

use super::padding::{leading_padding, Padding};
use super::quant::{activation_range, Activation};
use super::{clamp_i8, dims4, OutputSpec, QuantTensor};

/// Attributes of a 2-D pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pool2dOptions {
    pub filter_h: usize,
    pub filter_w: usize,
    pub stride_h: usize,
    pub stride_w: usize,
    pub padding: Padding,
    pub activation: Activation,
}

/// Visits every output element with the clipped window of input rows/columns it covers.
fn for_each_window(
    input: &QuantTensor,
    options: &Pool2dOptions,
    output: &OutputSpec,
    mut f: impl FnMut(usize, &mut dyn Iterator<Item = i8>) -> i32,
) -> Vec<i8> {
    let [batches, in_h, in_w, depth] = dims4(input.shape);
    let [_, out_h, out_w, out_c] = dims4(output.shape);
    debug_assert_eq!(depth, out_c, "pool: channel mismatch");
    let [pad_h, pad_w] = leading_padding(
        options.padding,
        [in_h, in_w],
        [options.filter_h, options.filter_w],
        [options.stride_h, options.stride_w],
        [1, 1],
        [out_h, out_w],
    );
    let (act_min, act_max) = activation_range(options.activation, output.scale, output.zero_point);
    let mut out = vec![0i8; output.len()];
    for b in 0..batches {
        for oy in 0..out_h {
            let in_y0 = (oy * options.stride_h) as isize - pad_h as isize;
            let y_start = in_y0.max(0) as usize;
            let y_end = (in_y0 + options.filter_h as isize).clamp(0, in_h as isize) as usize;
            for ox in 0..out_w {
                let in_x0 = (ox * options.stride_w) as isize - pad_w as isize;
                let x_start = in_x0.max(0) as usize;
                let x_end = (in_x0 + options.filter_w as isize).clamp(0, in_w as isize) as usize;
                let count = y_end.saturating_sub(y_start) * x_end.saturating_sub(x_start);
                for c in 0..depth {
                    let mut taps = (y_start..y_end).flat_map(|iy| {
                        (x_start..x_end)
                            .map(move |ix| input.data[((b * in_h + iy) * in_w + ix) * depth + c])
                    });
                    let v = f(count, &mut taps);
                    out[((b * out_h + oy) * out_w + ox) * depth + c] =
                        clamp_i8(v, act_min, act_max);
                }
            }
        }
    }
    out
}

/// int8 average pool. A window with no tap inside the input (TFLite returns an error there)
/// yields the output zero point before clamping.
pub fn average_pool2d(
    input: &QuantTensor,
    options: &Pool2dOptions,
    output: &OutputSpec,
) -> Vec<i8> {
    for_each_window(input, options, output, |count, taps| {
        if count == 0 {
            return output.zero_point;
        }
        let n = count as i32;
        let acc: i32 = taps.map(i32::from).sum();
        if acc > 0 {
            (acc + n / 2) / n
        } else {
            (acc - n / 2) / n
        }
    })
}

/// int8 max pool (maximum of the taps inside the input, then the activation clamp).
pub fn max_pool2d(input: &QuantTensor, options: &Pool2dOptions, output: &OutputSpec) -> Vec<i8> {
    for_each_window(input, options, output, |_, taps| {
        taps.map(i32::from).max().unwrap_or(i8::MIN as i32)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(k: usize, s: usize, padding: Padding) -> Pool2dOptions {
        Pool2dOptions {
            filter_h: k,
            filter_w: k,
            stride_h: s,
            stride_w: s,
            padding,
            activation: Activation::None,
        }
    }

    #[test]
    fn average_rounds_half_away_from_zero() {
        // 2x2 windows: sums 5 (1.25 -> 1), 6 (1.5 -> 2), -5 (-1.25 -> -1), -6 (-1.5 -> -2).
        let input = [1i8, 1, 2, 2, 1, 2, 1, 1, -1, -1, -2, -2, -2, -1, -1, -1];
        // Rows: [1 1 2 2] [1 2 1 1] [-1 -1 -2 -2] [-2 -1 -1 -1]
        let out = average_pool2d(
            &QuantTensor::new(&input, &[1, 4, 4, 1], 1.0, 0),
            &opts(2, 2, Padding::Valid),
            &OutputSpec::new(&[1, 2, 2, 1], 1.0, 0),
        );
        assert_eq!(out, vec![1, 2, -1, -2]);
    }

    #[test]
    fn average_same_counts_only_inside_taps() {
        // 1x3x3x1, 3x3 SAME stride 1: corner averages over 4 taps.
        let input = [10i8, 20, 30, 40, 50, 60, 70, 80, 90];
        let out = average_pool2d(
            &QuantTensor::new(&input, &[1, 3, 3, 1], 1.0, 0),
            &opts(3, 1, Padding::Same),
            &OutputSpec::new(&[1, 3, 3, 1], 1.0, 0),
        );
        // (0,0): 10+20+40+50 = 120 / 4 = 30; (0,1): 10+20+30+40+50+60 = 210 / 6 = 35; centre 50.
        assert_eq!(&out[..2], &[30, 35]);
        assert_eq!(out[4], 50);
    }

    #[test]
    fn max_with_relu() {
        let input = [-5i8, -3, -7, -1];
        let mut o = opts(2, 2, Padding::Valid);
        let out = max_pool2d(
            &QuantTensor::new(&input, &[1, 2, 2, 1], 1.0, 0),
            &o,
            &OutputSpec::new(&[1, 1, 1, 1], 1.0, 0),
        );
        assert_eq!(out, vec![-1]);
        o.activation = Activation::Relu;
        let out = max_pool2d(
            &QuantTensor::new(&input, &[1, 2, 2, 1], 1.0, 0),
            &o,
            &OutputSpec::new(&[1, 1, 1, 1], 1.0, 0),
        );
        assert_eq!(out, vec![0]);
    }
}
