//! Float32 LOG_SOFTMAX over the last axis, as TFLite Micro's reference `LogSoftmax` for float
//! computes it (tensorflow/lite/kernels/internal/reference/log_softmax.h): per row, the maximum,
//! `sum += exp(x - max)` in order in single precision, `log_sum = log(sum)`, and
//! `x - max - log_sum` evaluated left to right. `exp` and `log` are the C library's `expf` and
//! `logf` (what `std::exp(float)` calls), which Rust's `f32::exp` and `f32::ln` call too.

/// LOG_SOFTMAX of `input` laid out as rows of `depth` values.
pub fn log_softmax_f32(input: &[f32], depth: usize) -> Vec<f32> {
    let mut output = Vec::with_capacity(input.len());
    for row in input.chunks(depth.max(1)) {
        let max = row.iter().copied().fold(f32::MIN, f32::max);
        let sum = row.iter().fold(0.0f32, |sum, &x| sum + (x - max).exp());
        let log_sum = sum.ln();
        output.extend(row.iter().map(|&x| x - max - log_sum));
    }
    output
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_normalized_in_log_space() {
        let output = log_softmax_f32(&[1.0, 2.0, 3.0, 0.0, 0.0, 0.0], 3);
        let row: f32 = output[..3].iter().map(|v| v.exp()).sum();
        assert!((row - 1.0).abs() < 1e-6);
        assert_eq!(output[3], output[4]);
        assert!((output[3] - (-(3.0f32).ln())).abs() < 1e-6);
        // The largest input of a row gives -log(sum), exactly as computed.
        let sum = (-2.0f32).exp() + (-1.0f32).exp() + 1.0;
        assert_eq!(output[2], 3.0 - 3.0 - sum.ln());
    }
}
