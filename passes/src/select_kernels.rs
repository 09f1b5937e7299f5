//! `select-kernels`: chooses for every op the fastest kernel variant of the runtime library that
//! the target runs (`Target::kernel_variants`, fastest first; the kernel library
//! `tmlc_tinyml::kernels` says which variants an op has), before memory planning, so that
//! `alloc` plans their scratch.
//!
//! Marks an op that runs a variant other than the portable kernel `mem.kernel = <variant>` (on
//! Armv7E-M targets with DSP: `arm_dsp` for convolutions, depthwise convolutions, fully-connected
//! layers and same-shape adds) and sets `mem.scratch_size` to the variant's scratch (for
//! depthwise, enough for the ordinary and the in-place kernel, since `alloc` decides whether it
//! runs in place). Needs: the final op order, after `inplace`. Preserves: what is computed (every
//! variant gives the portable kernel's bytes). On a target with only the portable kernels it
//! changes nothing. Options: none.

use tmlc_core::attributes::Attribute;
use tmlc_core::diagnostic::DiagResult;
use tmlc_core::dialect::Context;
use tmlc_core::ir::Module;
use tmlc_core::pass::{Pass, PassInfo, PassOptions};
use tmlc_core::target::{KernelVariant, Target};
use tmlc_tinyml::{kernels, OpView};

pub struct SelectKernels {
    /// The target's variants, fastest first.
    variants: Vec<KernelVariant>,
}

impl SelectKernels {
    pub fn new(target: &Target) -> SelectKernels {
        SelectKernels {
            variants: target.kernel_variants(),
        }
    }
}

pub fn info() -> PassInfo {
    PassInfo {
        name: "select-kernels",
        summary: "choose the fastest kernel variant the target runs for every op (Arm DSP on DSP cores) and plan its scratch",
        options: &[],
        create: |_: &PassOptions, target: &Target| Ok(Box::new(SelectKernels::new(target))),
    }
}

impl Pass for SelectKernels {
    fn run(&mut self, module: &mut Module, _context: &Context) -> DiagResult<bool> {
        let mut changed = false;
        for index in 0..module.functions.len() {
            let choices: Vec<_> = {
                let function = &module.functions[index];
                function
                    .body
                    .ops
                    .iter()
                    .filter_map(|&op| {
                        let view = OpView::of(module, function, op)?;
                        let kernel = self
                            .variants
                            .iter()
                            .find_map(|&variant| kernels::lookup(&view, variant))?;
                        Some((op, kernel))
                    })
                    .filter(|(_, kernel)| kernel.variant != KernelVariant::Portable)
                    .collect()
            };
            let function = &mut module.functions[index];
            for (op, kernel) in choices {
                let attributes = &mut function.ops[op].attributes;
                tmlc_mem::set_kernel_variant(attributes, kernel.variant);
                if kernel.scratch_bytes > 0 {
                    attributes.insert(
                        tmlc_mem::SCRATCH_SIZE.into(),
                        Attribute::Int(kernel.scratch_bytes as i64),
                    );
                }
                changed = true;
            }
        }
        Ok(changed)
    }
}
