//! Reference integer semantics (TFLite Micro reference kernels, bit for bit).
