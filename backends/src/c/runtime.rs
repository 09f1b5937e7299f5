//! The runtime-c sources embedded in tmlc, copied into every generated project: headers always,
//! kernel files only for the ops the model uses.

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

/// `(op, path, contents)`: the kernel file each op needs.
const KERNELS: &[(&str, &str, &str)] = &[
    (
        "tinyml.conv2d",
        "runtime/src/conv2d.c",
        include_str!("../../../runtime-c/src/conv2d.c"),
    ),
    (
        "tinyml.depthwise_conv2d",
        "runtime/src/depthwise_conv2d.c",
        include_str!("../../../runtime-c/src/depthwise_conv2d.c"),
    ),
    (
        "tinyml.depthwise_conv2d",
        "runtime/src/depthwise_conv2d_inplace.c",
        include_str!("../../../runtime-c/src/depthwise_conv2d_inplace.c"),
    ),
    (
        "tinyml.fully_connected",
        "runtime/src/fully_connected.c",
        include_str!("../../../runtime-c/src/fully_connected.c"),
    ),
    (
        "tinyml.avg_pool2d",
        "runtime/src/pool.c",
        include_str!("../../../runtime-c/src/pool.c"),
    ),
    (
        "tinyml.max_pool2d",
        "runtime/src/pool.c",
        include_str!("../../../runtime-c/src/pool.c"),
    ),
    (
        "tinyml.relu",
        "runtime/src/elementwise.c",
        include_str!("../../../runtime-c/src/elementwise.c"),
    ),
    (
        "tinyml.relu6",
        "runtime/src/elementwise.c",
        include_str!("../../../runtime-c/src/elementwise.c"),
    ),
    (
        "tinyml.requantize",
        "runtime/src/elementwise.c",
        include_str!("../../../runtime-c/src/elementwise.c"),
    ),
    (
        "tinyml.add",
        "runtime/src/add.c",
        include_str!("../../../runtime-c/src/add.c"),
    ),
    (
        "tinyml.softmax",
        "runtime/src/softmax.c",
        include_str!("../../../runtime-c/src/softmax.c"),
    ),
    (
        "tinyml.pad",
        "runtime/src/pad.c",
        include_str!("../../../runtime-c/src/pad.c"),
    ),
    (
        "tinyml.mean",
        "runtime/src/mean.c",
        include_str!("../../../runtime-c/src/mean.c"),
    ),
    (
        "tinyml.concat",
        "runtime/src/concat.c",
        include_str!("../../../runtime-c/src/concat.c"),
    ),
];

/// The Arm DSP kernels (`mem.kernel_variant = 1`), with their headers. They fall back to the
/// portable convolution and add kernels for unusual parameters, which the op names bring in.
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

/// The runtime files a model using `ops` needs (with the DSP kernels when `dsp`), without
/// duplicates, in a stable order.
pub fn runtime_files<'a>(
    ops: impl Iterator<Item = &'a str>,
    dsp: bool,
) -> Vec<(&'static str, &'static str)> {
    let used: std::collections::BTreeSet<&str> = ops.collect();
    let mut files: Vec<(&'static str, &'static str)> = ALWAYS.to_vec();
    for (op, path, contents) in KERNELS {
        if used.contains(op) && !files.iter().any(|(p, _)| p == path) {
            files.push((path, contents));
        }
    }
    if dsp {
        files.extend_from_slice(DSP);
    }
    files
}
