//! The command line: `tmlc <command> [options]`, parsed by clap. Each command's options are
//! documented here, so `tmlc <command> --help` explains them.

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "tmlc",
    version,
    about = "tmlc: an optimizing compiler from int8 neural networks to C for Cortex-M microcontrollers",
    long_about = "tmlc: an optimizing compiler from int8 neural networks to C for Cortex-M \
                  microcontrollers.\n\nModels are read as textual IR (.tir) or as TFLite \
                  flatbuffers (.tflite). Errors are reported as file:line:col with the source \
                  line; the exit status is 1 for bad input, 2 for bad command-line usage."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Parse, verify and transform IR with a pass pipeline, then print it.
    Opt(OptArgs),
    /// Import a .tflite model as tinyml IR (weights in the resource section).
    Import(ImportArgs),
    /// Run a model with the reference interpreter (TFLite Micro's integer semantics, bit-exact).
    Run(RunArgs),
    /// Compile a model to a self-contained C project for a target.
    Compile(CompileArgs),
    /// List the targets `compile` knows.
    Targets,
    /// A model at a glance: edges, ops with counts, MACs, weights, and the arena and flash the
    /// default plan needs on a target, and whether it fits.
    Info(InfoArgs),
    /// Plan memory and show where every byte of the arena goes (table, --json, --svg).
    Mem(MemArgs),
    /// The exact memory and latency oracle for architecture search: build an MCUNet-style
    /// architecture description (JSON) and answer its peak SRAM, flash, MACs, predicted
    /// instructions and whether it fits the target; or re-plan a model (.tflite, .tir) at other
    /// input resolutions (--resolutions) and name the largest that fits.
    Fit(FitArgs),
    /// Solve an arena allocation problem given as MiniMalloc CSV (id,lower,upper,size).
    Arena(ArenaArgs),
    /// Compile for a Cortex-M target, build with arm-none-eabi-gcc and run one inference in QEMU:
    /// output, instructions, RAM and flash.
    Sim(SimArgs),
}

#[derive(Debug, Args)]
pub struct ArenaArgs {
    /// The problem: CSV with columns id, lower, upper, size (half-open lifetimes [lower, upper)).
    pub input: PathBuf,

    /// Decide whether everything fits this many bytes: exit 0 with a placement, 1 if none does.
    #[arg(long, value_name = "BYTES")]
    pub capacity: Option<u64>,

    /// Seconds the exact search may take.
    #[arg(long, value_name = "SECONDS", default_value_t = 10.0)]
    pub timeout: f64,

    /// Write the input with an `offset` column appended.
    #[arg(short, long, value_name = "OUT.csv")]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct FitArgs {
    /// The architecture description (JSON; docs/fit.md), or `-` for standard input. With
    /// --jsonl: one description per line. Or a model (.tflite or .tir), planned as it is or,
    /// with --resolutions, at other input resolutions. Not with --space.
    #[arg(required_unless_present = "space", conflicts_with = "space")]
    pub architecture: Option<PathBuf>,

    /// The search-space step of TinyNAS: for every width x resolution of the grid, sample
    /// --samples architectures of the MCUNet family, keep those that fit the target and report
    /// the distribution of their MACs; the space whose fitting models have the largest mean MACs
    /// is chosen.
    #[arg(long, conflicts_with_all = ["jsonl", "emit_ir"])]
    pub space: bool,

    /// --space: width multipliers of the grid.
    #[arg(long, value_delimiter = ',', default_values_t = [0.3, 0.4, 0.5, 0.6, 0.7])]
    pub widths: Vec<f64>,

    /// With a model (.tflite or .tir): re-plan it at each of these input resolutions (height =
    /// width; the weights do not change) and name the largest that fits. With --space: the
    /// resolutions of the grid (default 96,128,144,160,176).
    #[arg(long, value_delimiter = ',', conflicts_with_all = ["jsonl", "emit_ir"])]
    pub resolutions: Vec<u64>,

    /// --space: random architectures sampled per space.
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u64).range(1..100001))]
    pub samples: u64,

    /// --space: the seed of the samples.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,

    /// --space: also draw the CDFs of the fitting models' MACs as an SVG picture.
    #[arg(long, value_name = "OUT.svg")]
    pub svg: Option<PathBuf>,

    /// The target whose default pipeline plans the memory and whose sizes it must fit.
    #[arg(long, default_value = "host")]
    pub target: String,

    /// Passes that plan the memory (default: the target's `compile` pipeline); `alloc` is
    /// appended when missing.
    #[arg(long, value_name = "PIPELINE")]
    pub pass_pipeline: Option<String>,

    /// Kernels of the default pipeline (`auto`: Helium variants where the core has MVE, else Arm
    /// DSP variants where it has DSP; `dsp`: no Helium).
    #[arg(long, value_enum, default_value_t = Kernels::Auto)]
    pub kernels: Kernels,

    /// Print the answer as JSON.
    #[arg(long, conflicts_with = "jsonl")]
    pub json: bool,

    /// Read one description per line and answer one JSON line each (a bad line answers
    /// `{"line", "error"}` and the others go on).
    #[arg(long)]
    pub jsonl: bool,

    /// Threads answering --jsonl lines (default: the machine's cores).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..1025))]
    pub jobs: Option<u64>,

    /// Also write the built IR (before any pass) as .tir text here.
    #[arg(long, value_name = "OUT.tir", conflicts_with = "jsonl")]
    pub emit_ir: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct MemArgs {
    /// The model: .tir, .tflite, or `-` for .tir on standard input.
    pub model: PathBuf,

    /// Passes to run (default: the target's `compile` pipeline); `alloc` is appended when
    /// missing.
    #[arg(long, value_name = "PIPELINE")]
    pub pass_pipeline: Option<String>,

    /// The target whose default pipeline, alignment and kernels plan the memory (see
    /// `tmlc targets`).
    #[arg(long, default_value = "host")]
    pub target: String,

    /// Kernels: `auto` uses the target's fastest variants (Helium on MVE cores, Arm DSP on DSP
    /// cores, also inside patch loops), `dsp` no Helium, `portable` only the portable ones.
    #[arg(long, value_enum, default_value_t = Kernels::Auto)]
    pub kernels: Kernels,

    #[command(flatten)]
    pub plan: PlanArgs,

    /// Print the report as JSON (arena_bytes, lower_bound_bytes, per-op rows, buffers).
    #[arg(long)]
    pub json: bool,

    /// Also draw the arena as an SVG picture: time across, address up, the peak op marked.
    #[arg(long, value_name = "OUT.svg")]
    pub svg: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct InfoArgs {
    /// The model: .tir, .tflite, or `-` for .tir on standard input.
    pub model: PathBuf,

    /// The target whose default pipeline plans the memory and whose sizes it must fit (see
    /// `tmlc targets`).
    #[arg(long, default_value = "host")]
    pub target: String,

    /// Passes that plan the memory (default: the target's `compile` pipeline); `alloc` is
    /// appended when missing.
    #[arg(long, value_name = "PIPELINE")]
    pub pass_pipeline: Option<String>,

    /// Kernels of the default pipeline (`auto`: Helium variants where the core has MVE, else Arm
    /// DSP variants where it has DSP; `dsp`: no Helium).
    #[arg(long, value_enum, default_value_t = Kernels::Auto)]
    pub kernels: Kernels,

    #[command(flatten)]
    pub plan: PlanArgs,
}

#[derive(Debug, Args)]
pub struct CompileArgs {
    /// The model: .tir, .tflite, or `-` for .tir on standard input.
    pub model: PathBuf,

    /// The target to compile for (see `tmlc targets`).
    #[arg(long, default_value = "host")]
    pub target: String,

    /// The output directory (created if missing; never left half-written).
    #[arg(short, long, value_name = "DIR")]
    pub output: PathBuf,

    /// Passes to run before code generation (default, derived from the target:
    /// canonicalize,fuse,schedule,tile,inplace,alloc; on targets with kernel variants beyond the
    /// portable ones, select-kernels before alloc too). Pass options default to the target's
    /// values (alloc's alignment). `alloc` is appended when the pipeline does not contain it:
    /// the backend needs a memory plan.
    #[arg(long, value_name = "PIPELINE")]
    pub pass_pipeline: Option<String>,

    #[command(flatten)]
    pub plan: PlanArgs,

    /// Override the target's flash size in bytes.
    #[arg(long, value_name = "BYTES")]
    pub flash_bytes: Option<u64>,

    /// Kernels: `auto` uses the target's fastest variants (the Helium kernels on targets with
    /// MVE, the Arm DSP kernels on targets with the DSP extension), `dsp` no Helium, `portable`
    /// only the portable ones (and then tiles the first layers).
    #[arg(long, value_enum, default_value_t = Kernels::Auto)]
    pub kernels: Kernels,

    /// How the files are laid out: `project` (the library with its CMakeLists.txt and README.md,
    /// the target's harness and Makefile), or `arduino` (an Arduino library: library.properties,
    /// the model and runtime under src/, an example sketch; no harness).
    #[arg(long, value_enum, default_value_t = Layout::Project)]
    pub layout: Layout,
}

/// The layout of `tmlc compile`'s output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Layout {
    Project,
    Arduino,
}

/// What the default pipeline's memory plan optimizes, and the SRAM it must fit.
#[derive(Debug, Clone, Default, Args)]
pub struct PlanArgs {
    /// What the default pipeline's plan optimizes: `small`, the smallest arena within +10% of
    /// predicted instructions (patch-based first layers); `fast`, the fastest plan whose arena
    /// fits the SRAM with 4 KiB left for the stack (untiled when that fits, else the plan with the
    /// fewest predicted extra instructions that fits).
    #[arg(long, value_enum, default_value_t = Objective::Small)]
    pub objective: Objective,

    /// Override the target's SRAM size in bytes (your board's, or what the application leaves
    /// the model): the fit check and `--objective fast` use it.
    #[arg(long, value_name = "BYTES")]
    pub sram_bytes: Option<u64>,
}

/// What the default pipeline's plan optimizes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Objective {
    #[default]
    Small,
    Fast,
}

/// Which kernel variants the default pipeline selects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Kernels {
    /// The fastest variants the core has (Helium, then Arm DSP, then portable).
    Auto,
    /// The Arm DSP variants, not Helium (on a core with MVE, for comparison).
    Dsp,
    Portable,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// The model: .tir, .tflite, or `-` for .tir on standard input.
    pub model: PathBuf,

    /// Raw input bytes, row-major (int8, or little-endian float32 for a float input). Give it once
    /// per model input, in order, or once with every input's bytes concatenated.
    #[arg(long, value_name = "IN.bin", required = true)]
    pub input: Vec<PathBuf>,

    /// Write the raw output bytes here (every output's, concatenated in graph-output order)
    /// instead of printing the values.
    #[arg(long, value_name = "OUT.bin")]
    pub output: Option<PathBuf>,

    /// Write every op's output to `DIR/<op index>_<op name>.bin` (constants are not counted;
    /// with --frames, frame k > 0 writes `<op index>_<op name>.<k>.bin`).
    #[arg(long, value_name = "DIR")]
    pub dump_dir: Option<PathBuf>,

    /// Run a sequence of N invocations without reset between them (recurrent models keep their
    /// state, as TFLite Micro's interpreter does): the input holds N frames (each input file N
    /// times its bytes; one concatenated file frame after frame), the output every frame's
    /// outputs in order. The first frame starts from the reset state.
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..))]
    pub frames: u32,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The .tflite model (int8 inside, float32 or int8 edges, single subgraph).
    pub input: PathBuf,

    /// Write the IR here instead of standard output.
    #[arg(short, long, value_name = "FILE", conflicts_with = "list_unsupported")]
    pub output: Option<PathBuf>,

    /// List every operator (and graph input) tmlc cannot import, with the reason, instead of
    /// stopping at the first; exits 1 when there is any.
    #[arg(long)]
    pub list_unsupported: bool,
}

#[derive(Debug, Args)]
pub struct OptArgs {
    /// Input model: a .tir file, a .tflite file, or `-` for .tir on standard input.
    #[arg(required_unless_present = "list_passes")]
    pub input: Option<PathBuf>,

    /// Passes to run, comma-separated, with options in braces: `canonicalize,schedule,alloc{alignment=16}`.
    #[arg(long, value_name = "PIPELINE", default_value = "")]
    pub pass_pipeline: String,

    /// The target the passes compile for (kernel variants, alignment; see `tmlc targets`).
    #[arg(long, default_value = "host")]
    pub target: String,

    /// Write the resulting IR here instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Print the IR after every pass to standard error.
    #[arg(long)]
    pub print_ir_after_all: bool,

    /// Print the time each pass took to standard error.
    #[arg(long)]
    pub timing: bool,

    /// Do not verify the IR after each pass (the input is always verified).
    #[arg(long)]
    pub no_verify_each: bool,

    /// List the registered passes with their options and exit.
    #[arg(long)]
    pub list_passes: bool,
}

#[derive(Debug, Args)]
pub struct SimArgs {
    /// The model (.tir, .tflite, `-` for .tir on standard input), or a project directory written
    /// by `tmlc compile --target <a Cortex-M target>`.
    pub model: PathBuf,

    /// The Cortex-M target (default cortex-m4); a project directory brings its own.
    #[arg(long)]
    pub target: Option<String>,

    /// Raw int8 input bytes, exactly as many as the input tensor has elements (N times as many
    /// with --frames N).
    #[arg(long, value_name = "IN.bin")]
    pub input: PathBuf,

    /// Run N frames of the input in sequence without reset between them (a recurrent model
    /// carries its state); the output holds every frame's, the instruction count is the first's.
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..))]
    pub frames: u32,

    /// Also write the raw int8 output bytes here.
    #[arg(long, value_name = "OUT.bin")]
    pub output: Option<PathBuf>,

    /// Print the report as JSON (output, instructions, ram_bytes, flash_bytes, arena_bytes, ...).
    #[arg(long)]
    pub json: bool,

    /// Also run the profile build (every layer between two markers) and report each layer's op,
    /// shape, MACs, kernel and instructions (`layers` in --json). The headline count stays the
    /// normal build's.
    #[arg(long)]
    pub profile: bool,

    /// Passes to run before code generation (default: compile's pipeline).
    #[arg(long, value_name = "PIPELINE")]
    pub pass_pipeline: Option<String>,

    /// Write and keep the project in DIR (default: a temporary directory, removed afterwards).
    #[arg(long, value_name = "DIR")]
    pub build_dir: Option<PathBuf>,

    /// Stop QEMU after this many seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 60)]
    pub timeout: u64,

    /// Kernels of the default pipeline (`auto`: Helium variants where the core has MVE, else Arm
    /// DSP variants where it has DSP; `dsp`: no Helium).
    #[arg(long, value_enum, default_value_t = Kernels::Auto)]
    pub kernels: Kernels,

    #[command(flatten)]
    pub plan: PlanArgs,
}
