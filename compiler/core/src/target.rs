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
    /// The FPU does double precision too (Cortex-M7 parts such as the STM32H7; the STM32F7's
    /// FPU is single precision). Selects the float ABI's library variant.
    #[serde(default)]
    pub fpu_double: bool,
}

/// The least stack a program on the target keeps free beside the arena (the Cortex-M linker
/// scripts assert it); what `tile{max-sram=target}` and the fit checks leave of the SRAM.
pub const MIN_STACK_BYTES: u64 = 4096;

/// Memory sizes of the target, and for a real part where its memories are.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MemoryMap {
    /// SRAM the program's RAM (`.data`, `.bss` with the arena, the stack) may take: the first
    /// SRAM region's size when the target lists regions.
    pub sram_bytes: u64,
    pub flash_bytes: u64,
    /// Byte alignment of every arena offset (a power of two).
    pub alignment: u64,
    /// The part's memories (a board's memory map). The first flash region holds code and
    /// weights, the first SRAM region the program's RAM; further SRAM regions are offered to
    /// the user as sections (a DTCM, a CCM). Empty for a generic core, whose QEMU machine's map
    /// the Cortex-M backend uses.
    #[serde(default)]
    pub regions: Vec<MemoryRegion>,
}

/// What a memory region is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RegionKind {
    Flash,
    Sram,
}

/// One memory of a part: `{"name": "CCM", "kind": "sram", "origin": "0x10000000", "bytes": 65536}`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MemoryRegion {
    /// The linker script's name for it (`FLASH`, `RAM`, `DTCM`); an extra SRAM region's section
    /// is its name in lower case (`.dtcm`).
    pub name: String,
    pub kind: RegionKind,
    /// The start address, as a hexadecimal string (`"0x20000000"`).
    #[serde(deserialize_with = "hex_address")]
    pub origin: u64,
    pub bytes: u64,
    /// Bytes at the start the program leaves free (the RP2040's second-stage bootloader).
    #[serde(default)]
    pub reserved_bytes: u64,
    /// What the memory is, for the linker script's comment.
    #[serde(default)]
    pub description: String,
}

fn hex_address<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<u64, D::Error> {
    let text = String::deserialize(deserializer)?;
    text.strip_prefix("0x")
        .and_then(|digits| u64::from_str_radix(&digits.replace('_', ""), 16).ok())
        .ok_or_else(|| serde::de::Error::custom(format!("`{text}` is not a 0x-prefixed address")))
}

impl MemoryMap {
    /// The first region of `kind`, if the target lists regions.
    pub fn first(&self, kind: RegionKind) -> Option<&MemoryRegion> {
        self.regions.iter().find(|r| r.kind == kind)
    }
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
    /// The Armv7E-M DSP kernels (`runtime-c/src/arm/*_dsp.c`).
    ArmDsp,
    /// The Helium (MVE) kernels of Armv8.1-M (`runtime-c/src/arm/*_mve.c`).
    ArmMve,
}

impl KernelVariant {
    pub const ALL: [KernelVariant; 3] = [
        KernelVariant::Portable,
        KernelVariant::ArmDsp,
        KernelVariant::ArmMve,
    ];

    /// The name the IR shows (`mem.kernel = arm_dsp`).
    pub fn name(self) -> &'static str {
        match self {
            KernelVariant::Portable => "portable",
            KernelVariant::ArmDsp => "arm_dsp",
            KernelVariant::ArmMve => "arm_mve",
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
        if self.features.mve {
            variants.push(KernelVariant::ArmMve);
        }
        if self.features.dsp {
            variants.push(KernelVariant::ArmDsp);
        }
        variants.push(KernelVariant::Portable);
        variants
    }

    /// The same target without its Helium kernels (`--kernels dsp`): the Armv7E-M DSP variants
    /// where the core has DSP.
    pub fn without_mve(&self) -> Target {
        Target {
            features: Features {
                mve: false,
                ..self.features
            },
            ..self.clone()
        }
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
