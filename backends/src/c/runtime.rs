//! The runtime-c sources embedded in tmlc, copied into every generated project: headers always,
//! kernel files only for the kernels the model calls (the kernel library names their sources).

use std::collections::BTreeSet;

/// `(path in the project, contents)` of the headers and shared sources every project needs.
const ALWAYS: &[(&str, &str)] = &[
    (
        "runtime/include/tmlc/kernels.h",
        include_str!("../../../runtime-c/include/tmlc/kernels.h"),
    ),
    (
        "runtime/include/tmlc/fixed_point.h",
        include_str!("../../../runtime-c/include/tmlc/fixed_point.h"),
    ),
    (
        "runtime/src/internal.h",
        include_str!("../../../runtime-c/src/internal.h"),
    ),
    (
        "runtime/src/fixed_point.c",
        include_str!("../../../runtime-c/src/fixed_point.c"),
    ),
];

/// `(path, contents)` of every portable kernel file, in the order projects list them.
const KERNELS: &[(&str, &str)] = &[
    (
        "runtime/src/conv2d.c",
        include_str!("../../../runtime-c/src/conv2d.c"),
    ),
    (
        "runtime/src/depthwise_conv2d.c",
        include_str!("../../../runtime-c/src/depthwise_conv2d.c"),
    ),
    (
        "runtime/src/depthwise_conv2d_inplace.c",
        include_str!("../../../runtime-c/src/depthwise_conv2d_inplace.c"),
    ),
    (
        "runtime/src/fully_connected.c",
        include_str!("../../../runtime-c/src/fully_connected.c"),
    ),
    (
        "runtime/src/pool.c",
        include_str!("../../../runtime-c/src/pool.c"),
    ),
    (
        "runtime/src/elementwise.c",
        include_str!("../../../runtime-c/src/elementwise.c"),
    ),
    (
        "runtime/src/add.c",
        include_str!("../../../runtime-c/src/add.c"),
    ),
    (
        "runtime/src/mul.c",
        include_str!("../../../runtime-c/src/mul.c"),
    ),
    (
        "runtime/src/lstm.c",
        include_str!("../../../runtime-c/src/lstm.c"),
    ),
    (
        "runtime/src/lstm_internal.h",
        include_str!("../../../runtime-c/src/lstm_internal.h"),
    ),
    (
        "runtime/src/softmax.c",
        include_str!("../../../runtime-c/src/softmax.c"),
    ),
    (
        "runtime/src/log_softmax.c",
        include_str!("../../../runtime-c/src/log_softmax.c"),
    ),
    (
        "runtime/src/lut.c",
        include_str!("../../../runtime-c/src/lut.c"),
    ),
    (
        "runtime/src/add_table.c",
        include_str!("../../../runtime-c/src/add_table.c"),
    ),
    (
        "runtime/src/pad.c",
        include_str!("../../../runtime-c/src/pad.c"),
    ),
    (
        "runtime/src/mean.c",
        include_str!("../../../runtime-c/src/mean.c"),
    ),
    (
        "runtime/src/log_softmax_f32.c",
        include_str!("../../../runtime-c/src/log_softmax_f32.c"),
    ),
    (
        "runtime/src/float_edges.c",
        include_str!("../../../runtime-c/src/float_edges.c"),
    ),
    (
        "runtime/src/concat.c",
        include_str!("../../../runtime-c/src/concat.c"),
    ),
    (
        "runtime/src/transpose.c",
        include_str!("../../../runtime-c/src/transpose.c"),
    ),
    (
        "runtime/src/resize_nearest_neighbor.c",
        include_str!("../../../runtime-c/src/resize_nearest_neighbor.c"),
    ),
    (
        "runtime/src/strided_slice.c",
        include_str!("../../../runtime-c/src/strided_slice.c"),
    ),
];

/// The Arm DSP kernels (`mem.kernel = arm_dsp`) with their headers, shipped together: they share
/// helpers. They fall back to the portable kernels for unusual parameters, which the kernel
/// library lists among their sources.
const DSP: &[(&str, &str)] = &[
    (
        "runtime/include/tmlc/kernels_arm.h",
        include_str!("../../../runtime-c/include/tmlc/kernels_arm.h"),
    ),
    (
        "runtime/src/arm/simd.h",
        include_str!("../../../runtime-c/src/arm/simd.h"),
    ),
    (
        "runtime/src/arm/dsp_internal.h",
        include_str!("../../../runtime-c/src/arm/dsp_internal.h"),
    ),
    (
        "runtime/src/arm/requant_dsp.c",
        include_str!("../../../runtime-c/src/arm/requant_dsp.c"),
    ),
    (
        "runtime/src/arm/conv2d_dsp.c",
        include_str!("../../../runtime-c/src/arm/conv2d_dsp.c"),
    ),
    (
        "runtime/src/arm/conv2d_wide_dsp.c",
        include_str!("../../../runtime-c/src/arm/conv2d_wide_dsp.c"),
    ),
    (
        "runtime/src/arm/depthwise_conv2d_dsp.c",
        include_str!("../../../runtime-c/src/arm/depthwise_conv2d_dsp.c"),
    ),
    (
        "runtime/src/arm/fully_connected_dsp.c",
        include_str!("../../../runtime-c/src/arm/fully_connected_dsp.c"),
    ),
    (
        "runtime/src/arm/add_dsp.c",
        include_str!("../../../runtime-c/src/arm/add_dsp.c"),
    ),
];

/// The Helium (MVE) kernels (`mem.kernel = arm_mve`) with their headers, shipped together. They
/// fall back to the portable kernels, which the kernel library lists among their sources.
const MVE: &[(&str, &str)] = &[
    (
        "runtime/include/tmlc/kernels_mve.h",
        include_str!("../../../runtime-c/include/tmlc/kernels_mve.h"),
    ),
    (
        "runtime/src/arm/mve_internal.h",
        include_str!("../../../runtime-c/src/arm/mve_internal.h"),
    ),
    (
        "runtime/src/arm/conv2d_mve.c",
        include_str!("../../../runtime-c/src/arm/conv2d_mve.c"),
    ),
    (
        "runtime/src/arm/depthwise_conv2d_mve.c",
        include_str!("../../../runtime-c/src/arm/depthwise_conv2d_mve.c"),
    ),
    (
        "runtime/src/arm/fully_connected_mve.c",
        include_str!("../../../runtime-c/src/arm/fully_connected_mve.c"),
    ),
    (
        "runtime/src/arm/add_mve.c",
        include_str!("../../../runtime-c/src/arm/add_mve.c"),
    ),
];

/// DSP kernel files shipped only to the models whose kernels name them (they call into their
/// portable kernel's file, which the others lack).
const DSP_ON_DEMAND: &[(&str, &str)] = &[(
    "runtime/src/arm/lstm_dsp.c",
    include_str!("../../../runtime-c/src/arm/lstm_dsp.c"),
)];

/// The runtime files a model needs: the headers and shared sources, the portable kernel files
/// among `sources` (paths relative to `runtime-c/`, from the kernel library), every DSP file
/// when `dsp` and every Helium file when `mve`; without duplicates, in a stable order.
pub fn runtime_files(
    sources: &BTreeSet<&str>,
    dsp: bool,
    mve: bool,
) -> Vec<(&'static str, &'static str)> {
    let mut files: Vec<(&'static str, &'static str)> = ALWAYS.to_vec();
    for &(path, contents) in KERNELS {
        let relative = path.trim_start_matches("runtime/");
        if sources.contains(relative) {
            files.push((path, contents));
        }
    }
    if dsp {
        files.extend_from_slice(DSP);
        for &(path, contents) in DSP_ON_DEMAND {
            if sources.contains(path.trim_start_matches("runtime/")) {
                files.push((path, contents));
            }
        }
    }
    if mve {
        files.extend_from_slice(MVE);
    }
    files
}
