//! `select-kernels`: chooses for every op the fastest kernel variant of the runtime library that
//! the target runs (`Target::kernel_variants`, fastest first; the kernel library
//! `tmlc_tinyml::kernels` says which variants an op has), before memory planning, so that
//! `alloc` plans their scratch.
//!
//! Marks an op that runs a variant other than the portable kernel `mem.kernel = <variant>` (on
//! Armv7E-M targets with DSP: `arm_dsp` for convolutions, depthwise convolutions, fully-connected
//! layers and same-shape adds) and sets `mem.scratch_size` to the variant's scratch: that of
//! the ordinary kernel, or, when `inplace` allowed the op to run in place (`mem.inplace`, which
//! `alloc` may or may not take), enough for the ordinary and the in-place kernel. The layers of a patch loop
//! (`loop.patches`) get their variants too; the loop's scratch then holds, after its two patch
//! buffers, the largest scratch any of them needs on its patches
//! (`tmlc_tinyml::kernels::patch_scratch`). Ops whose kernel has a wide weight layout
//! (fully connected: int16 weights; a same-shape ADD on a scalar core: a table of its 65,536
//! results; a convolution: int16 weights) get `mem.weights = wide` where they save at least
//! `kernels::WIDE_MIN_SAVING` instructions, those that save the most per added byte first
//! (`WeightLayout::saving_per_unit`), as long as the model's constants with them take at most
//! three quarters of the target's flash (`kernels::wide_weights_fit`).
//! Needs: the final op order, after `inplace`. Preserves: what is computed (every
//! variant gives the portable kernel's bytes). On a target with only the portable kernels it
//! changes nothing. Options: none.

use tmlc_core::attributes::Attribute;
use tmlc_core::diagnostic::DiagResult;
use tmlc_core::dialect::Context;
use tmlc_core::ir::Module;
use tmlc_core::pass::{Pass, PassInfo, PassOptions};
use tmlc_core::target::{KernelVariant, Target};
use tmlc_loop::patches::loop_plan;
use tmlc_tinyml::{kernels, OpView};

pub struct SelectKernels {
    /// The target's variants, fastest first.
    variants: Vec<KernelVariant>,
    /// The target's flash, for the kernels' wide weight layouts.
    flash_bytes: u64,
}

impl SelectKernels {
    pub fn new(target: &Target) -> SelectKernels {
        SelectKernels {
            variants: target.kernel_variants(),
            flash_bytes: target.memory.flash_bytes,
        }
    }
}

impl SelectKernels {
    /// The variant the pass chooses for an op: the target's fastest that the library has.
    pub fn variant_of(&self, view: &OpView) -> KernelVariant {
        self.variants
            .iter()
            .find_map(|&variant| kernels::lookup(view, variant))
            .map_or(KernelVariant::Portable, |kernel| kernel.variant)
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
            let function = &module.functions[index];
            let choose = |op| {
                let view = OpView::of(module, function, op)?;
                let kernel = self
                    .variants
                    .iter()
                    .find_map(|&variant| kernels::lookup(&view, variant))?;
                Some((op, kernel))
            };
            let choices: Vec<_> = function
                .body
                .ops
                .iter()
                .filter_map(|&op| choose(op))
                .filter(|(_, kernel)| kernel.variant != KernelVariant::Portable)
                .collect();
            // Patch loops: the variant of each layer, and the loop's scratch for them.
            let mut layer_choices = Vec::new();
            let mut loop_scratch = Vec::new();
            for &op in &function.body.ops {
                let Some(plan) = loop_plan(module, function, op) else {
                    continue;
                };
                let mut kernel_scratch = 0;
                for (k, layer) in plan.layers.iter().enumerate() {
                    let Some((_, kernel)) = choose(layer.op) else {
                        continue;
                    };
                    if kernel.variant == KernelVariant::Portable {
                        continue;
                    }
                    let Some(view) = OpView::of(module, function, layer.op) else {
                        continue;
                    };
                    let out_h = plan.patches.iter().map(|p| p[k].output.height()).max();
                    let out_w = plan.patches.iter().map(|p| p[k].output.width()).max();
                    let dims = [out_h.unwrap_or(1), out_w.unwrap_or(1)];
                    // A streamed loop's layer in place: the in-place kernel's scratch.
                    let bytes = if plan.patches.first().is_some_and(|p| p[k].in_place) {
                        kernels::patch_scratch_in_place(&view, kernel.variant, dims)
                    } else {
                        kernels::patch_scratch(&view, kernel.variant, dims)
                    };
                    kernel_scratch = kernel_scratch.max(bytes.div_ceil(4) * 4);
                    layer_choices.push((layer.op, kernel.variant));
                }
                loop_scratch.push((op, plan.buffers_bytes() + kernel_scratch));
            }
            // Wide weight layouts (fully connected and 1x1 convolutions: int16 weights;
            // same-shape ADD: a table of every result), those that save the most instructions
            // per added byte first (then in op order), as many as leave the model's constants
            // within the flash (`kernels::wide_weights_fit`).
            let mut wide: Vec<_> = choices
                .iter()
                .enumerate()
                .filter_map(|(position, &(op, ref kernel))| {
                    let view = OpView::of(module, function, op)?;
                    let work = match view {
                        OpView::Add(add) => add.elements as u64,
                        _ => tmlc_tinyml::macs::op_macs(module, function, op),
                    };
                    // On tiny layers the wide kernels' set-up eats the saving (`None`).
                    let (_, extra, saving) = kernels::wide_saving(&view, kernel.variant, work)?;
                    Some((saving / extra.max(1) as f64, position, op, extra))
                })
                .collect();
            wide.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
            let constant_bytes = module.resources.iter().map(|r| r.data.len()).sum();
            let mut taken = 0;
            let function = &mut module.functions[index];
            for (_, _, op, extra) in wide {
                let fits =
                    kernels::wide_weights_fit(constant_bytes, taken + extra, self.flash_bytes);
                if fits {
                    taken += extra;
                }
                let attributes = &mut function.ops[op].attributes;
                let value = Attribute::Keyword("wide".into());
                if fits && attributes.get(tmlc_mem::WEIGHTS) != Some(&value) {
                    attributes.insert(tmlc_mem::WEIGHTS.into(), value);
                    changed = true;
                } else if !fits && attributes.remove(tmlc_mem::WEIGHTS).is_some() {
                    changed = true;
                }
            }
            for (op, variant) in layer_choices {
                tmlc_mem::set_kernel_variant(&mut function.ops[op].attributes, variant);
                changed = true;
            }
            for (op, bytes) in loop_scratch {
                let attributes = &mut function.ops[op].attributes;
                let value = Attribute::Int(bytes as i64);
                if attributes.get(tmlc_mem::SCRATCH_SIZE) != Some(&value) {
                    attributes.insert(tmlc_mem::SCRATCH_SIZE.into(), value);
                    changed = true;
                }
            }
            for (op, kernel) in choices {
                let attributes = &mut function.ops[op].attributes;
                tmlc_mem::set_kernel_variant(attributes, kernel.variant);
                let scratch = kernel.scratch(attributes.contains_key(tmlc_mem::INPLACE));
                if scratch > 0 {
                    attributes.insert(
                        tmlc_mem::SCRATCH_SIZE.into(),
                        Attribute::Int(scratch as i64),
                    );
                } else {
                    attributes.remove(tmlc_mem::SCRATCH_SIZE);
                }
                changed = true;
            }
        }
        Ok(changed)
    }
}
