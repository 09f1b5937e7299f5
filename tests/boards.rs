//! Board targets build real firmware: every target with a memory map of its own
//! (`memory.regions`: stm32f405, stm32f746g-disco, nucleo-h743zi, nrf52840, rp2040) compiles
//! person_detect, `make` links `model.elf` with arm-none-eabi-gcc, and every section the ELF
//! allocates lies in one of the board's regions (load images of initialized data in flash), with
//! `arm-none-eabi-size`'s flash and RAM totals within the target's sizes. A model too large for
//! a board fails at `tmlc compile` with a message naming the sizes, and writes nothing.
//!
//! Needs ../shared (person_detect), make, arm-none-eabi-gcc, -objdump and -size: loud skips
//! without them (failures under CI=true).

use std::path::{Path, PathBuf};
use std::process::Command;
use tmlc_backends::target::{targets, RegionKind, Target};
use tmlc_tests::shared::shared_dir;
use tmlc_tests::tools::have;

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tmlc-boards-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn tmlc(args: &[String]) -> Result<tmlc::Outcome, tmlc::Failure> {
    let mut stdin = || Ok(Vec::new());
    tmlc::run_cli(args.to_vec(), &mut stdin)
}

fn compile_args(model: &Path, target: &str, out: &Path, extra: &[&str]) -> Vec<String> {
    let mut args = vec![
        "compile".to_string(),
        model.display().to_string(),
        "--target".into(),
        target.into(),
        "-o".into(),
        out.display().to_string(),
    ];
    args.extend(extra.iter().map(|s| s.to_string()));
    args
}

fn tool(program: &str, args: &[&str], elf: &Path) -> String {
    let output = Command::new(program)
        .args(args)
        .arg(elf)
        .output()
        .expect("runs");
    assert!(output.status.success(), "{program}: {output:?}");
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// One allocated section from `objdump -h -w`: name, size, VMA, LMA, whether it is loaded.
struct Section {
    name: String,
    size: u64,
    vma: u64,
    lma: u64,
    load: bool,
}

fn sections(objdump: &str) -> Vec<Section> {
    objdump
        .lines()
        .filter_map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            // Idx Name Size VMA LMA File-off Algn Flags...
            if fields.len() < 8 || fields[0].parse::<usize>().is_err() {
                return None;
            }
            let hex = |s: &str| u64::from_str_radix(s, 16).ok();
            let flags = fields[7..].join(" ");
            flags.contains("ALLOC").then(|| Section {
                name: fields[1].to_string(),
                size: hex(fields[2]).unwrap_or(0),
                vma: hex(fields[3]).unwrap_or(0),
                lma: hex(fields[4]).unwrap_or(0),
                load: flags.contains("LOAD"),
            })
        })
        .collect()
}

/// The board region `[start, end)` that holds `[address, address + size)`, if one does.
fn region_of(target: &Target, address: u64, size: u64) -> Option<(String, RegionKind)> {
    target.memory.regions.iter().find_map(|r| {
        let start = r.origin + r.reserved_bytes;
        let end = r.origin + r.bytes;
        (address >= start && address + size <= end).then(|| (r.name.clone(), r.kind))
    })
}

/// `arm-none-eabi-size` (Berkeley): text, data, bss.
fn berkeley(size_output: &str) -> (u64, u64, u64) {
    let line = size_output.lines().nth(1).expect("a size line");
    let numbers: Vec<u64> = line
        .split_whitespace()
        .take(3)
        .map(|n| n.parse().expect("number"))
        .collect();
    (numbers[0], numbers[1], numbers[2])
}

#[test]
fn every_board_builds_person_detect_within_its_memory_map() {
    let Some(shared) = shared_dir() else { return };
    let tools = [
        "make",
        "arm-none-eabi-gcc",
        "arm-none-eabi-objdump",
        "arm-none-eabi-size",
    ];
    if !tools.iter().all(|t| have(t)) {
        return;
    }
    let model = shared.join("models/person_detect.tflite");
    let boards: Vec<Target> = targets()
        .into_iter()
        .filter(|t| !t.memory.regions.is_empty())
        .collect();
    assert!(boards.len() >= 5, "the board targets");
    let mut summary = String::new();
    for target in &boards {
        let dir = scratch(&target.name);
        if let Err(failure) = tmlc(&compile_args(&model, &target.name, &dir, &[])) {
            panic!("{}: {}", target.name, failure.rendered);
        }
        let make = Command::new("make")
            .arg("-C")
            .arg(&dir)
            .output()
            .expect("make runs");
        assert!(
            make.status.success(),
            "{}: {}",
            target.name,
            String::from_utf8_lossy(&make.stderr)
        );
        let elf = dir.join("model.elf");
        let allocated = sections(&tool("arm-none-eabi-objdump", &["-h", "-w"], &elf));
        assert!(
            allocated.iter().any(|s| s.name == ".text"),
            "{}",
            target.name
        );
        for section in allocated.iter().filter(|s| s.size > 0) {
            let Some((region, kind)) = region_of(target, section.vma, section.size) else {
                panic!(
                    "{}: {} at 0x{:08x} ({} bytes) lies in none of its regions",
                    target.name, section.name, section.vma, section.size
                );
            };
            if section.load {
                let (load_region, load_kind) = region_of(target, section.lma, section.size)
                    .unwrap_or_else(|| panic!("{}: {} loads outside", target.name, section.name));
                assert_eq!(
                    load_kind,
                    RegionKind::Flash,
                    "{}: {} loads from {load_region}",
                    target.name,
                    section.name
                );
            }
            if section.name == ".bss" || section.name == ".data" {
                assert_eq!(kind, RegionKind::Sram, "{}: {}", target.name, section.name);
                assert_eq!(region, "RAM", "{}: {}", target.name, section.name);
            }
        }
        let (text, data, bss) = berkeley(&tool("arm-none-eabi-size", &[], &elf));
        assert!(text + data <= target.memory.flash_bytes, "{}", target.name);
        assert!(data + bss <= target.memory.sram_bytes, "{}", target.name);
        summary.push_str(&format!(
            "{:<18} flash {:>7} of {:>8}  RAM (.data+.bss) {:>6} of {:>7}\n",
            target.name,
            text + data,
            target.memory.flash_bytes,
            data + bss,
            target.memory.sram_bytes
        ));
        let _ = std::fs::remove_dir_all(&dir);
    }
    eprint!("{summary}");
}

#[test]
fn a_model_too_large_for_a_board_fails_at_compile_time() {
    let Some(shared) = shared_dir() else { return };
    let failing = |model: &str, target: &str, extra: &[&str]| -> String {
        let dir = scratch(&format!("too-large-{target}"));
        let model = shared.join(format!("models/{model}.tflite"));
        let Err(failure) = tmlc(&compile_args(&model, target, &dir, extra)) else {
            panic!("{model:?} compiled for {target}");
        };
        assert!(!dir.exists(), "{target}: the output directory was written");
        failure.rendered
    };
    // person_detect's arena alone is larger than the Cortex-M0+'s 16 KB.
    let message = failing("person_detect", "cortex-m0plus", &[]);
    assert!(
        message.contains("bytes of SRAM, but cortex-m0plus has 16384"),
        "{message}"
    );
    // The arena fits, but not with the least stack beside it.
    let message = failing(
        "hello_world_int8",
        "cortex-m0plus",
        &["--sram-bytes", "4100"],
    );
    assert!(
        message.contains("the arena needs 32 bytes and the stack at least 4096")
            && message.contains("into 4100 bytes of RAM"),
        "{message}"
    );
    // The weights do not fit the flash.
    let message = failing("person_detect", "rp2040", &["--flash-bytes", "65536"]);
    assert!(
        message.contains("bytes of flash, but rp2040 has 65536"),
        "{message}"
    );
}
