//! Building and running Cortex-M projects in QEMU: what `tmlc sim` does after `tmlc compile`.
//!
//! 1. `make` builds `model.elf` with `arm-none-eabi-gcc` (the project's own Makefile).
//! 2. `arm-none-eabi-size -A` gives the sections (flash: text, rodata, data; RAM: data, bss)
//!    and `arm-none-eabi-nm` the addresses of the two instruction-count markers.
//! 3. tmlc's TCG plugin (`backends/qemu-plugin/tmlc_icount.c`, embedded in tmlc) is built with
//!    the host `cc` into a cache directory, once per plugin source.
//! 4. `qemu-system-arm -M <machine> -nographic -semihosting-config enable=on,target=native,...
//!    -icount shift=0,align=off,sleep=off -plugin ... -kernel model.elf` runs the program in a
//!    scratch directory: the harness reads `input.bin` and writes `output.bin` through
//!    semihosting and prints its peak stack use; the plugin writes the instruction count of the
//!    inference. Every child process runs under a timeout, so nothing hangs.
//!
//! With `--profile` (`SimOptions::profile`) it also builds `model-profile.elf`, whose layer hooks
//! call the two layer markers, runs it with the plugin watching them too, and reports every
//! layer's instructions beside its op, shape, MACs and kernel (from the manifest's layer list);
//! the headline count stays the normal build's.
//!
//! QEMU counts instructions, not cycles: the count is exact and identical from run to run, but
//! it is not a cycle count of any real core.

use crate::c::layer_list::{Layer, Part};
use crate::cortex_m::{
    Manifest, MANIFEST, MARKER_LAYER_BEGIN, MARKER_LAYER_END, STACK_REPORT_PREFIX,
};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use tmlc_core::diagnostic::{DiagResult, Diagnostic, ErrorCode};

/// The Debian/Ubuntu packages that provide the cross toolchain, its C library and QEMU.
pub const APT_PACKAGES: &str = "gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm";

/// The source of tmlc's instruction-counting QEMU plugin.
pub const PLUGIN_SOURCE: &str = include_str!("../../qemu-plugin/tmlc_icount.c");

/// How long one QEMU run may take by default.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

/// How long `make` (or building the plugin) may take.
const BUILD_TIMEOUT: Duration = Duration::from_secs(600);

/// The programs `tmlc sim` runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tools {
    pub cc: String,
    pub nm: String,
    pub size: String,
    pub qemu: String,
    pub make: String,
    /// The host C compiler that builds the plugin.
    pub host_cc: String,
}

impl Default for Tools {
    fn default() -> Tools {
        Tools {
            cc: "arm-none-eabi-gcc".into(),
            nm: "arm-none-eabi-nm".into(),
            size: "arm-none-eabi-size".into(),
            qemu: "qemu-system-arm".into(),
            make: "make".into(),
            host_cc: "cc".into(),
        }
    }
}

/// Options of a simulation.
#[derive(Debug, Clone)]
pub struct SimOptions {
    pub tools: Tools,
    /// The longest one QEMU run may take.
    pub timeout: Duration,
    /// Frames (inputs) in the input, run in sequence with the state carried over.
    pub frames: usize,
    /// Also run the profile build and report the instructions of every layer.
    pub profile: bool,
}

impl Default for SimOptions {
    fn default() -> SimOptions {
        SimOptions {
            tools: Tools::default(),
            timeout: DEFAULT_TIMEOUT,
            frames: 1,
            profile: false,
        }
    }
}

/// The sizes of the program's sections, from `arm-none-eabi-size -A`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Sections {
    /// The vector table, code and unwinding tables.
    pub text: u64,
    /// Constants: the weights and per-layer tables.
    pub rodata: u64,
    /// Initialized variables: in RAM, with their initial values in flash.
    pub data: u64,
    /// Zero-initialized variables, the arena among them.
    pub bss: u64,
}

impl Sections {
    pub fn flash(&self) -> u64 {
        self.text + self.rodata + self.data
    }
}

/// What one run of the program in QEMU produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Run {
    pub output: Vec<u8>,
    /// Instructions executed by the inference (from the start marker to the end marker).
    pub instructions: u64,
    /// With layer markers: the instructions of every layer, in the order they ran.
    pub layers: Option<Vec<u64>>,
    /// The most stack used since reset (measured by painting).
    pub stack_peak_bytes: u64,
    /// The stack available: RAM above `.bss`.
    pub stack_bytes: u64,
}

/// Everything `tmlc sim` reports.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SimReport {
    pub model: String,
    pub target: String,
    pub qemu_machine: String,
    /// The output tensor's int8 values.
    pub output: Vec<i8>,
    /// Instructions executed by one inference, as QEMU counts them.
    pub instructions: u64,
    /// RAM: `.data` + `.bss` (which holds the arena) + the peak stack.
    pub ram_bytes: u64,
    /// Flash: text + rodata + the initial values of `.data`.
    pub flash_bytes: u64,
    /// The arena, part of `.bss`.
    pub arena_bytes: u64,
    /// The state buffer of recurrent layers (kept across invocations), part of `.bss`.
    pub state_bytes: u64,
    pub data_bytes: u64,
    pub bss_bytes: u64,
    pub stack_peak_bytes: u64,
    pub text_bytes: u64,
    pub rodata_bytes: u64,
    /// With `--profile`: the profile build's run (its fields appear beside the others in JSON).
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub profile: Option<Profile>,
}

/// The per-layer profile of one inference, from the profile build.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Profile {
    /// Instructions of the profile build's inference: the layers, the marker calls and the run
    /// function's code between the layers (a little more than the normal build's).
    pub profile_instructions: u64,
    /// The layers' instructions summed.
    pub layer_instructions: u64,
    /// Every layer of the generated code, in order.
    pub layers: Vec<LayerProfile>,
}

/// One layer's row of the profile.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LayerProfile {
    #[serde(flatten)]
    pub layer: Layer,
    /// Instructions from the layer's begin marker to its end marker (a patch loop: all its
    /// patches).
    pub instructions: u64,
    /// Instructions per MAC; `None` for a layer without MACs.
    pub instructions_per_mac: Option<f64>,
    /// Percent of the profile build's inference.
    pub percent: f64,
    /// A patch loop's instructions per body op (`layer.parts`, all patches, halo included).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub part_instructions: Vec<PartProfile>,
    /// A patch loop's instructions outside its body ops: the patch copies and the loop.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub copy_instructions: Option<u64>,
}

/// One body op's instructions in a patch loop.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PartProfile {
    #[serde(flatten)]
    pub part: Part,
    pub instructions: u64,
    /// Instructions per MAC of the op's output (the halo the patches recompute included in the
    /// instructions, not in the MACs); `None` without MACs.
    pub instructions_per_mac: Option<f64>,
    /// Percent of the profile build's inference.
    pub percent: f64,
}

/// The addresses the instruction counter watches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Markers {
    pub start: u64,
    pub end: u64,
    /// The layer begin and end markers of a profile build.
    pub layers: Option<(u64, u64)>,
}

fn error(message: impl Into<String>) -> Diagnostic {
    Diagnostic::new(ErrorCode::Runtime, message)
}

fn io_error(message: impl Into<String>) -> Diagnostic {
    Diagnostic::new(ErrorCode::Io, message)
}

/// True when `program --version` runs and succeeds.
fn runs(program: &str) -> bool {
    Command::new(program)
        .arg("--version")
        .stdin(Stdio::null())
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Checks that every tool is installed; the error names the missing ones and the packages.
pub fn check_tools(tools: &Tools) -> DiagResult<()> {
    let mut missing: Vec<String> = [
        &tools.cc,
        &tools.nm,
        &tools.size,
        &tools.qemu,
        &tools.make,
        &tools.host_cc,
    ]
    .into_iter()
    .filter(|program| !runs(program))
    .map(|program| format!("`{program}`"))
    .collect();
    if missing.is_empty() {
        // The cross compiler without newlib cannot link: its rdimon.specs comes with newlib.
        let specs = Command::new(&tools.cc)
            .arg("-print-file-name=rdimon.specs")
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
            .unwrap_or_default();
        if !Path::new(&specs).is_absolute() {
            missing.push("newlib for arm-none-eabi (rdimon.specs)".into());
        }
    }
    if missing.is_empty() {
        return Ok(());
    }
    Err(error(format!(
        "simulating a Cortex-M target needs the Arm cross toolchain and QEMU; missing: {}",
        missing.join(", ")
    ))
    .with_note(format!(
        "install them with `sudo apt-get install {APT_PACKAGES}` (plus `make` and a host C compiler, `cc`, which builds tmlc's QEMU plugin)"
    )))
}

/// A directory removed when dropped.
#[derive(Debug)]
pub struct ScratchDir {
    path: PathBuf,
}

impl ScratchDir {
    /// A new, empty directory under the system's temporary directory.
    pub fn new(purpose: &str) -> DiagResult<ScratchDir> {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let base = std::env::temp_dir();
        for _ in 0..100 {
            let n = COUNTER.fetch_add(1, Ordering::Relaxed);
            let path = base.join(format!("tmlc-{purpose}-{}-{n}", std::process::id()));
            match std::fs::create_dir(&path) {
                Ok(()) => return Ok(ScratchDir { path }),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(io_error(format!("cannot create {}: {e}", path.display()))),
            }
        }
        Err(io_error(format!(
            "cannot create a scratch directory in {}",
            base.display()
        )))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for ScratchDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

/// A finished child process: its status and what it printed.
struct Finished {
    status: ExitStatus,
    stdout: String,
    stderr: String,
}

/// Runs `command` with its output in files under `logs` (no pipe can fill up), killing it after
/// `timeout`. `None` means it timed out.
fn run_with_timeout(
    command: &mut Command,
    logs: &Path,
    name: &str,
    timeout: Duration,
) -> DiagResult<Option<Finished>> {
    let program = command.get_program().to_string_lossy().into_owned();
    let stdout_path = logs.join(format!("{name}.stdout"));
    let stderr_path = logs.join(format!("{name}.stderr"));
    let create = |path: &Path| {
        std::fs::File::create(path)
            .map_err(|e| io_error(format!("cannot create {}: {e}", path.display())))
    };
    let mut child = command
        .stdin(Stdio::null())
        .stdout(create(&stdout_path)?)
        .stderr(create(&stderr_path)?)
        .spawn()
        .map_err(|e| error(format!("cannot run `{program}`: {e}")))?;
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if started.elapsed() >= timeout => {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(5)),
            Err(e) => return Err(error(format!("waiting for `{program}` failed: {e}"))),
        }
    };
    let read = |path: &Path| {
        String::from_utf8_lossy(&std::fs::read(path).unwrap_or_default()).into_owned()
    };
    Ok(status.map(|status| Finished {
        status,
        stdout: read(&stdout_path),
        stderr: read(&stderr_path),
    }))
}

/// Reads a Cortex-M project's `tmlc-project.json`.
pub fn read_manifest(dir: &Path) -> DiagResult<Manifest> {
    let path = dir.join(MANIFEST);
    let text = std::fs::read_to_string(&path).map_err(|e| {
        io_error(format!("cannot read {}: {e}", path.display())).with_note(
            "simulate a model file, or a project written by `tmlc compile --target <a Cortex-M target>`",
        )
    })?;
    serde_json::from_str(&text).map_err(|e| {
        error(format!(
            "{} is not a tmlc project description: {e}",
            path.display()
        ))
    })
}

/// Builds the program `elf` of the project in `dir` with its Makefile; returns its path.
pub fn build(dir: &Path, manifest: &Manifest, elf: &str, tools: &Tools) -> DiagResult<PathBuf> {
    let logs = ScratchDir::new("make")?;
    let mut command = Command::new(&tools.make);
    // The project's defaults, not whatever CFLAGS the environment holds for the host.
    command
        .arg("-C")
        .arg(dir)
        .arg(format!("CC={}", tools.cc))
        .arg(elf)
        .env_remove("CFLAGS")
        .env_remove("LDFLAGS");
    let finished =
        run_with_timeout(&mut command, logs.path(), "make", BUILD_TIMEOUT)?.ok_or_else(|| {
            error(format!(
                "building {} took longer than {} s",
                dir.display(),
                BUILD_TIMEOUT.as_secs()
            ))
        })?;
    if !finished.status.success() {
        return Err(error(format!(
            "building {} with `{} -C {} {elf}` failed:\n{}{}",
            manifest.model,
            tools.make,
            dir.display(),
            finished.stdout,
            finished.stderr
        )));
    }
    let elf = dir.join(elf);
    if !elf.is_file() {
        return Err(error(format!("make did not produce {}", elf.display())));
    }
    Ok(elf)
}

fn tool_output(program: &str, args: &[&std::ffi::OsStr]) -> DiagResult<String> {
    let output = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| error(format!("cannot run `{program}`: {e}")))?;
    if !output.status.success() {
        return Err(error(format!(
            "`{program}` failed: {}",
            String::from_utf8_lossy(&output.stderr)
        )));
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// Parses `size -A` output into flash and RAM sections.
pub fn parse_sections(size_output: &str) -> Sections {
    let mut sections = Sections::default();
    for line in size_output.lines() {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let [name, size, _address] = fields[..] else {
            continue;
        };
        let Ok(size) = size.parse::<u64>() else {
            continue;
        };
        match name {
            ".vectors" | ".text" | ".ARM.extab" | ".ARM.exidx" | ".init_array" => {
                sections.text += size
            }
            ".rodata" => sections.rodata += size,
            ".data" => sections.data += size,
            ".bss" => sections.bss += size,
            _ => {}
        }
    }
    sections
}

/// The sections of `elf`.
pub fn sections(elf: &Path, tools: &Tools) -> DiagResult<Sections> {
    let output = tool_output(&tools.size, &["-A".as_ref(), elf.as_os_str()])?;
    Ok(parse_sections(&output))
}

/// The address of symbol `name` in `nm` output.
pub fn parse_symbol(nm_output: &str, name: &str) -> Option<u64> {
    nm_output.lines().find_map(|line| {
        let fields: Vec<&str> = line.split_whitespace().collect();
        match fields[..] {
            [address, _kind, symbol] if symbol == name => u64::from_str_radix(address, 16).ok(),
            _ => None,
        }
    })
}

/// The addresses of the manifest's two markers in `elf`, and of the layer markers when
/// `layers` (a profile build).
pub fn marker_addresses(
    elf: &Path,
    manifest: &Manifest,
    tools: &Tools,
    layers: bool,
) -> DiagResult<Markers> {
    let output = tool_output(&tools.nm, &[elf.as_os_str()])?;
    let find = |name: &str| {
        parse_symbol(&output, name)
            .ok_or_else(|| error(format!("{} has no symbol `{name}`", elf.display())))
    };
    Ok(Markers {
        start: find(&manifest.marker_start)?,
        end: find(&manifest.marker_end)?,
        layers: if layers {
            Some((find(MARKER_LAYER_BEGIN)?, find(MARKER_LAYER_END)?))
        } else {
            None
        },
    })
}

/// Where the plugin is cached: `$TMLC_CACHE_DIR`, else `tmlc-cache` in the Cargo target
/// directory tmlc runs from, else a directory under the system's temporary directory.
fn cache_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("TMLC_CACHE_DIR") {
        return PathBuf::from(dir);
    }
    if let Ok(exe) = std::env::current_exe() {
        if let Some(target) = exe
            .ancestors()
            .skip(1)
            .find(|dir| dir.join("CACHEDIR.TAG").is_file())
        {
            return target.join("tmlc-cache");
        }
    }
    let user = std::env::var("USER").unwrap_or_default();
    std::env::temp_dir().join(format!("tmlc-cache-{user}"))
}

/// True when `dir` belongs to the user running tmlc (a plugin found in someone else's
/// directory is not loaded into QEMU).
fn owned_by_us(dir: &Path, scratch: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        match (std::fs::metadata(dir), std::fs::metadata(scratch)) {
            (Ok(a), Ok(b)) => a.uid() == b.uid(),
            _ => false,
        }
    }
    #[cfg(not(unix))]
    {
        let _ = (dir, scratch);
        true
    }
}

fn source_hash() -> u64 {
    use std::hash::{Hash, Hasher};
    // SipHash with fixed keys: stable for a given tmlc binary, which is all a cache key needs.
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    PLUGIN_SOURCE.hash(&mut hasher);
    hasher.finish()
}

/// The built QEMU plugin. When the cache could not hold it, it lives in a scratch directory
/// that goes away with this value (so no `tmlc-plugin-*` file outlives the run).
#[derive(Debug)]
pub struct Plugin {
    path: PathBuf,
    _scratch: Option<ScratchDir>,
}

impl Plugin {
    /// The shared library to pass to `qemu-system-arm -plugin`.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// Builds tmlc's QEMU plugin with the host C compiler, or finds it already built in the cache
/// (`$TMLC_CACHE_DIR`, else beside the binary, else under the temporary directory).
pub fn plugin(tools: &Tools) -> DiagResult<Plugin> {
    plugin_cached_in(tools, cache_dir())
}

/// [`plugin`] with the cache in `dir`. A cache that cannot be created or belongs to someone else
/// is not used: the plugin is built into a scratch directory the returned value removes.
pub fn plugin_cached_in(tools: &Tools, cache: PathBuf) -> DiagResult<Plugin> {
    let scratch = ScratchDir::new("plugin")?;
    let mut dir = cache;
    let usable = std::fs::create_dir_all(&dir).is_ok() && owned_by_us(&dir, scratch.path());
    if !usable {
        dir = scratch.path().to_path_buf();
    }
    let name = format!("libtmlc_icount-{:016x}.so", source_hash());
    let library = dir.join(&name);
    if usable && library.is_file() {
        return Ok(Plugin {
            path: library,
            _scratch: None,
        });
    }
    let source = scratch.path().join("tmlc_icount.c");
    std::fs::write(&source, PLUGIN_SOURCE)
        .map_err(|e| io_error(format!("cannot write {}: {e}", source.display())))?;
    let built = scratch.path().join(&name);
    let mut command = Command::new(&tools.host_cc);
    command
        .args([
            "-shared",
            "-fPIC",
            "-O2",
            "-std=c11",
            "-Wall",
            "-Wextra",
            "-fvisibility=hidden",
            "-o",
        ])
        .arg(&built)
        .arg(&source);
    let finished = run_with_timeout(&mut command, scratch.path(), "cc", BUILD_TIMEOUT)?
        .ok_or_else(|| error("building the QEMU plugin took too long"))?;
    if !finished.status.success() {
        return Err(error(format!(
            "building tmlc's QEMU plugin with `{}` failed:\n{}{}",
            tools.host_cc, finished.stdout, finished.stderr
        )));
    }
    if !usable {
        return Ok(Plugin {
            path: built,
            _scratch: Some(scratch),
        });
    }
    // Rename is atomic: concurrent builders each move a complete file into place.
    std::fs::rename(&built, &library)
        .or_else(|_| std::fs::copy(&built, &library).map(|_| ()))
        .map_err(|e| io_error(format!("cannot write {}: {e}", library.display())))?;
    Ok(Plugin {
        path: library,
        _scratch: None,
    })
}

/// QEMU option values separate with commas; a comma in a value is written twice.
fn qemu_escape(text: &str) -> String {
    text.replace(',', ",,")
}

/// Parses the plugin's report: the inference's count, and the layers' when `layers`.
fn parse_report(report: &str, layers: bool) -> DiagResult<(u64, Option<Vec<u64>>)> {
    let mut lines = report.lines();
    let total = parse_count(lines.next().unwrap_or(""))?;
    if !layers {
        return Ok((total, None));
    }
    let malformed = |line: &str| {
        error(format!(
            "the instruction counter did not profile the layers: {}",
            if line.is_empty() {
                "it wrote no layer report"
            } else {
                line
            }
        ))
    };
    let header = lines.next().unwrap_or("").trim();
    let count: usize = header
        .strip_prefix("tmlc-icount: layers=")
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| malformed(header))?;
    let counts = lines
        .map(|line| {
            line.trim()
                .strip_prefix("tmlc-icount: layer instructions=")
                .and_then(|n| n.parse().ok())
                .ok_or_else(|| malformed(line.trim()))
        })
        .collect::<DiagResult<Vec<u64>>>()?;
    if counts.len() != count {
        return Err(malformed(&format!(
            "{count} layers announced, {} reported",
            counts.len()
        )));
    }
    Ok((total, Some(counts)))
}

/// Parses the plugin's first report line.
fn parse_count(report: &str) -> DiagResult<u64> {
    let line = report.trim();
    line.strip_prefix("tmlc-icount: instructions=")
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| {
            error(format!(
                "the instruction counter did not count the inference: {}",
                if line.is_empty() {
                    "it wrote no report"
                } else {
                    line
                }
            ))
        })
}

/// Parses the harness's `tmlc: stack_peak_bytes=N stack_bytes=M` line.
fn parse_stack(console: &str) -> Option<(u64, u64)> {
    let line = console
        .lines()
        .find_map(|l| l.strip_prefix(STACK_REPORT_PREFIX))?;
    let (peak, rest) = line.split_once(' ')?;
    let size = rest.strip_prefix("stack_bytes=")?;
    Some((peak.parse().ok()?, size.trim().parse().ok()?))
}

/// Runs `elf` on QEMU machine `machine` with `input`, counting the instructions between the
/// markers at `markers` (and of every layer, when it has layer markers) with the plugin at
/// `plugin`.
pub fn run(
    elf: &Path,
    machine: &str,
    input: &[u8],
    markers: &Markers,
    plugin: &Path,
    options: &SimOptions,
) -> DiagResult<Run> {
    let scratch = ScratchDir::new("qemu")?;
    let dir = scratch.path();
    let input_path = dir.join("input.bin");
    std::fs::write(&input_path, input)
        .map_err(|e| io_error(format!("cannot write {}: {e}", input_path.display())))?;
    let elf = std::path::absolute(elf)
        .map_err(|e| io_error(format!("cannot resolve {}: {e}", elf.display())))?;
    let plugin = std::path::absolute(plugin)
        .map_err(|e| io_error(format!("cannot resolve {}: {e}", plugin.display())))?;
    let layer_markers = markers
        .layers
        .map(|(begin, end)| format!(",layer_begin=0x{begin:x},layer_end=0x{end:x}"))
        .unwrap_or_default();
    let mut command = Command::new(&options.tools.qemu);
    command
        .current_dir(dir)
        .args(["-M", machine, "-nographic"])
        .args([
            "-semihosting-config",
            "enable=on,target=native,arg=model.elf,arg=input.bin,arg=output.bin",
        ])
        .args(["-icount", "shift=0,align=off,sleep=off"])
        .arg("-plugin")
        .arg(format!(
            "{},start=0x{:x},end=0x{:x}{layer_markers},out=icount.txt",
            qemu_escape(&plugin.to_string_lossy()),
            markers.start,
            markers.end
        ))
        .arg("-kernel")
        .arg(&elf);
    let finished =
        run_with_timeout(&mut command, dir, "qemu", options.timeout)?.ok_or_else(|| {
            error(format!(
                "QEMU ({machine}) did not finish within {} s",
                options.timeout.as_secs()
            ))
            .with_note("the program hangs or runs very long; a longer --timeout may help")
        })?;
    // Semihosting console output goes to QEMU's standard error.
    let console = format!("{}{}", finished.stdout, finished.stderr);
    if !finished.status.success() {
        return Err(error(format!(
            "the program failed in QEMU ({machine}, {}):\n{}",
            finished.status,
            console.trim_end()
        )));
    }
    let (stack_peak_bytes, stack_bytes) = parse_stack(&console).ok_or_else(|| {
        error(format!(
            "the program did not report its stack use:\n{}",
            console.trim_end()
        ))
    })?;
    let report = std::fs::read_to_string(dir.join("icount.txt")).unwrap_or_default();
    let (instructions, layers) = parse_report(&report, markers.layers.is_some())?;
    let output_path = dir.join("output.bin");
    let output = std::fs::read(&output_path)
        .map_err(|e| error(format!("the program wrote no output: {e}")))?;
    Ok(Run {
        output,
        instructions,
        layers,
        stack_peak_bytes,
        stack_bytes,
    })
}

/// Builds the Cortex-M project in `dir` (written by `tmlc compile`), runs it in QEMU on
/// `input` and reports output, instructions, RAM and flash.
pub fn simulate(dir: &Path, input: &[u8], options: &SimOptions) -> DiagResult<SimReport> {
    check_tools(&options.tools)?;
    let manifest = read_manifest(dir)?;
    // Several frames run in sequence (the harness carries the state over); the count is the
    // first's.
    let frames = options.frames.max(1);
    if input.len() != manifest.input_bytes * frames {
        return Err(error(format!(
            "{} takes {} input bytes per frame ({frames} frame(s)), got {}",
            manifest.model,
            manifest.input_bytes,
            input.len()
        )));
    }
    let machine = manifest.qemu_machine.clone().ok_or_else(|| {
        error(format!(
            "{} was compiled for {}, which no QEMU machine emulates: flash {} to the board instead",
            dir.display(),
            manifest.target,
            manifest.elf
        ))
    })?;
    let profile_elf = match (&manifest.profile_elf, options.profile) {
        (_, false) => None,
        (Some(elf), true) => Some(elf.clone()),
        (None, true) => {
            return Err(error(format!(
                "{} has no profile build: compile the model again with this tmlc",
                dir.display()
            )))
        }
    };
    let elf = build(dir, &manifest, &manifest.elf, &options.tools)?;
    let sections = sections(&elf, &options.tools)?;
    let markers = marker_addresses(&elf, &manifest, &options.tools, false)?;
    let plugin = plugin(&options.tools)?;
    let run = run(&elf, &machine, input, &markers, plugin.path(), options)?;
    if run.output.len() != manifest.output_bytes * frames {
        return Err(error(format!(
            "the program wrote {} output bytes, expected {}",
            run.output.len(),
            manifest.output_bytes * frames
        )));
    }
    let profile = match profile_elf {
        Some(name) => Some(profile(
            dir,
            &manifest,
            &name,
            (&machine, input),
            &run,
            &plugin,
            options,
        )?),
        None => None,
    };
    Ok(SimReport {
        model: manifest.model,
        target: manifest.target,
        qemu_machine: machine,
        output: run.output.iter().map(|&b| b as i8).collect(),
        instructions: run.instructions,
        ram_bytes: sections.data + sections.bss + run.stack_peak_bytes,
        flash_bytes: sections.flash(),
        arena_bytes: manifest.arena_bytes as u64,
        state_bytes: manifest.state_bytes as u64,
        data_bytes: sections.data,
        bss_bytes: sections.bss,
        stack_peak_bytes: run.stack_peak_bytes,
        text_bytes: sections.text,
        rodata_bytes: sections.rodata,
        profile,
    })
}

/// Builds and runs the profile build `name` on the same input as the normal build's `normal` run
/// and pairs its layer counts with the manifest's layers.
fn profile(
    dir: &Path,
    manifest: &Manifest,
    name: &str,
    (machine, input): (&str, &[u8]),
    normal: &Run,
    plugin: &Plugin,
    options: &SimOptions,
) -> DiagResult<Profile> {
    let elf = build(dir, manifest, name, &options.tools)?;
    let markers = marker_addresses(&elf, manifest, &options.tools, true)?;
    let run = run(&elf, machine, input, &markers, plugin.path(), options)?;
    if run.output != normal.output {
        return Err(error(format!(
            "the profile build {name} computed another output than {}",
            manifest.elf
        )));
    }
    let counts = run.layers.unwrap_or_default();
    let segments: usize = manifest.layers.iter().map(Layer::segments).sum();
    if counts.len() != segments {
        return Err(error(format!(
            "the profile build ran {} marker pairs, the project's {} layers have {segments}",
            counts.len(),
            manifest.layers.len()
        )));
    }
    Ok(profile_rows(&manifest.layers, &counts, run.instructions))
}

/// The profile of `layers` whose marker pairs ([`Layer::segments`] each, in order) ran `counts`
/// instructions, `total` in the whole inference.
pub fn profile_rows(layers: &[Layer], counts: &[u64], total: u64) -> Profile {
    let percent = |instructions: u64| {
        if total == 0 {
            0.0
        } else {
            100.0 * instructions as f64 / total as f64
        }
    };
    let per_mac =
        |instructions: u64, macs: u64| (macs > 0).then(|| instructions as f64 / macs as f64);
    let mut next = 0;
    let rows = layers
        .iter()
        .map(|layer| {
            let segments = &counts[next..next + layer.segments()];
            next += segments.len();
            let instructions = segments.iter().sum();
            let mut part_counts = vec![0u64; layer.parts.len()];
            let mut copies = 0;
            for (segment, &count) in segments.iter().enumerate() {
                match layer.segment_part(segment) {
                    Some(k) => part_counts[k] += count,
                    None => copies += count,
                }
            }
            let split = layer.segments() > 1;
            LayerProfile {
                layer: layer.clone(),
                instructions,
                instructions_per_mac: per_mac(instructions, layer.macs),
                percent: percent(instructions),
                part_instructions: if split {
                    layer
                        .parts
                        .iter()
                        .zip(part_counts)
                        .map(|(part, instructions)| PartProfile {
                            part: part.clone(),
                            instructions,
                            instructions_per_mac: per_mac(instructions, part.macs),
                            percent: percent(instructions),
                        })
                        .collect()
                } else {
                    Vec::new()
                },
                copy_instructions: split.then_some(copies),
            }
        })
        .collect();
    Profile {
        profile_instructions: total,
        layer_instructions: counts.iter().sum(),
        layers: rows,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_size_and_nm_output() {
        let size = "model.elf  :\nsection           size        addr\n.vectors            64           0\n\
                    .text             2268          64\n.rodata            892        2332\n\
                    .data                8   536870912\n.bss               552   536870920\n\
                    .comment            38           0\n.debug_info        411           0\nTotal 4233\n";
        assert_eq!(
            parse_sections(size),
            Sections {
                text: 2332,
                rodata: 892,
                data: 8,
                bss: 552
            }
        );
        let nm =
            "00000060 T Reset_Handler\n000002c8 T tmlc_marker_end\n000002bc T tmlc_marker_start\n";
        assert_eq!(parse_symbol(nm, "tmlc_marker_start"), Some(0x2bc));
        assert_eq!(parse_symbol(nm, "tmlc_marker_end"), Some(0x2c8));
        assert_eq!(parse_symbol(nm, "main"), None);
    }

    #[test]
    fn parses_reports() {
        assert_eq!(
            parse_count("tmlc-icount: instructions=4299\n").ok(),
            Some(4299)
        );
        assert!(parse_count("tmlc-icount: start marker not reached\n").is_err());
        assert_eq!(
            parse_report("tmlc-icount: instructions=90\n", false).ok(),
            Some((90, None))
        );
        assert_eq!(
            parse_report(
                "tmlc-icount: instructions=90\ntmlc-icount: layers=2\n\
                 tmlc-icount: layer instructions=40\ntmlc-icount: layer instructions=30\n",
                true
            )
            .ok(),
            Some((90, Some(vec![40, 30])))
        );
        assert!(parse_report(
            "tmlc-icount: instructions=90\ntmlc-icount: layer markers unpaired\n",
            true
        )
        .is_err());
        assert!(parse_report(
            "tmlc-icount: instructions=90\ntmlc-icount: layers=2\ntmlc-icount: layer instructions=4\n",
            true
        )
        .is_err());
        assert_eq!(
            parse_stack("boot\ntmlc: stack_peak_bytes=172 stack_bytes=261592\n"),
            Some((172, 261592))
        );
        assert_eq!(qemu_escape("/a,b/x.so"), "/a,,b/x.so");
    }
}
