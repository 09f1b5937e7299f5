//! The search space of TinyNAS's first step: the MCUNet / MobileNetV2 family at one width
//! multiplier and one input resolution, and random architectures sampled from it. The backbone
//! is MobileNetV2's (a 32-channel stride-2 stem, one 16-channel block without expansion, then
//! stages of 24, 32, 64, 96, 160 and 320 channels with strides 2, 2, 2, 1, 2, 1); each block of a
//! stage draws its kernel size from {3, 5, 7} and its expansion ratio from {3, 4, 6}, each stage
//! its depth from {2, 3, 4} (the last stage has one block), as MCUNet's space does. The head is
//! global average pooling and a 1000-class fully-connected layer (ImageNet).

use super::schema::{Architecture, Block, Head, KernelSize, PaddingStyle, Positive, Stem, Stride};

/// `(channels, stride, fixed depth)` of the stages after the first block.
const STAGES: [(usize, usize, Option<usize>); 6] = [
    (24, 2, None),
    (32, 2, None),
    (64, 2, None),
    (96, 1, None),
    (160, 2, None),
    (320, 1, Some(1)),
];
const KERNELS: [usize; 3] = [3, 5, 7];
const EXPANSIONS: [usize; 3] = [3, 4, 6];
const DEPTHS: [usize; 3] = [2, 3, 4];
pub const CLASSES: usize = 1000;

/// SplitMix64, seeded per sample so that every sample is reproducible on its own.
struct Draw(u64);

impl Draw {
    fn pick<T: Copy>(&mut self, choices: &[T]) -> T {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        choices[((z ^ (z >> 31)) % choices.len() as u64) as usize]
    }
}

/// Sample `index` of the space at `width` and `resolution` (seeded by `seed` and `index`).
pub fn sample(width: f64, resolution: usize, seed: u64, index: u64) -> Architecture {
    let mut draw = Draw(seed ^ index.wrapping_mul(0xD1B5_4A32_D192_ED03));
    let mut blocks = vec![Block::Mbconv {
        kernel: KernelSize(3),
        expand: Positive(1),
        stride: Stride(1),
        channels: Positive(16),
        skip: None,
    }];
    for (channels, stride, fixed) in STAGES {
        let depth = fixed.unwrap_or_else(|| draw.pick(&DEPTHS));
        for block in 0..depth {
            blocks.push(Block::Mbconv {
                kernel: KernelSize(draw.pick(&KERNELS)),
                expand: Positive(draw.pick(&EXPANSIONS)),
                stride: Stride(if block == 0 { stride } else { 1 }),
                channels: Positive(channels),
                skip: None,
            });
        }
    }
    Architecture {
        name: format!("w{}_r{resolution}_{index}", (width * 100.0).round() as u64),
        resolution: Positive(resolution),
        width,
        input_channels: Positive(3),
        padding: PaddingStyle::Explicit,
        seed: index,
        stem: Stem {
            channels: Positive(32),
            kernel: KernelSize(3),
            stride: Stride(2),
        },
        blocks,
        head: Some(Head {
            channels: None,
            classes: Positive(CLASSES),
        }),
    }
}
