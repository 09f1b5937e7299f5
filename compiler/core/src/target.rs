//! The target a module is compiled for: one object that the pipeline, every pass and the backend
//! receive. It says what the core can do (typed [`Features`]), its memory ([`MemoryMap`]), the
//! QEMU machine that emulates it (if any), which backend generates its code ([`BackendKind`]),
//! and which kernel variants of the runtime library it runs ([`Target::kernel_variants`]). The
//! descriptions themselves are data (`backends/targets/*.json`).

use serde::Deserialize;

/// ISA features a pass or backend may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Features {
    /// The Armv7E-M DSP extension (SMLAD, SXTB16, ...).
    #[serde(default)]
    pub dsp: bool,
    /// Helium, the M-profile vector extension (Armv8.1-M).
    #[serde(default)]
    pub mve: bool,
    /// A single-precision FPU.
    #[serde(default)]
    pub fpu: bool,
}

/// Memory sizes of the target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MemoryMap {
    pub sram_bytes: u64,
    pub flash_bytes: u64,
    /// Byte alignment of every arena offset (a power of two).
    pub alignment: u64,
}

/// The backend that generates code for a target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum BackendKind {
    /// Portable C99 with a host harness and Makefile.
    PortableC,
    /// A bare-metal Cortex-M project for the target's QEMU machine.
    CortexM,
}

/// A family of runtime-c kernels. The kernel library (`tmlc_tinyml::kernels`) says what each
/// variant of each op needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum KernelVariant {
    /// The portable C kernels (`runtime-c/src/*.c`): every op has one.
    Portable,
    /// The Armv7E-M DSP kernels (`runtime-c/src/arm/`).
    ArmDsp,
}

impl KernelVariant {
    pub const ALL: [KernelVariant; 2] = [KernelVariant::Portable, KernelVariant::ArmDsp];

    /// The name the IR shows (`mem.kernel = arm_dsp`).
    pub fn name(self) -> &'static str {
        match self {
            KernelVariant::Portable => "portable",
            KernelVariant::ArmDsp => "arm_dsp",
        }
    }

    pub fn from_name(name: &str) -> Option<KernelVariant> {
        KernelVariant::ALL.into_iter().find(|v| v.name() == name)
    }
}

/// One target.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Target {
    pub name: String,
    pub description: String,
    pub core: String,
    pub features: Features,
    pub memory: MemoryMap,
    pub qemu_machine: Option<String>,
    pub backend: BackendKind,
}

impl Target {
    /// The kernel variants the target runs, fastest first; the portable kernels always.
    pub fn kernel_variants(&self) -> Vec<KernelVariant> {
        let mut variants = Vec::new();
        if self.features.dsp {
            variants.push(KernelVariant::ArmDsp);
        }
        variants.push(KernelVariant::Portable);
        variants
    }

    /// The same target restricted to the portable kernels (`--kernels portable`).
    pub fn portable_only(&self) -> Target {
        Target {
            features: Features {
                dsp: false,
                mve: false,
                ..self.features
            },
            ..self.clone()
        }
    }
}
