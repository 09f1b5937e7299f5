//! Robustness: 1,000 deterministic random mutations of the example `.tir` files (truncations,
//! byte flips, swapped and deleted tokens) go through `tmlc opt`; every one must end in either
//! valid IR or exit status 1 with a rendered diagnostic, never a panic. 300 structured mutations
//! (also huge dimensions, deep nesting, non-UTF-8 bytes) go through every command, rejected at
//! `file:line:col`. Also: the exit-status promise, deep nesting, and a 30,000-op chain through
//! `tmlc compile`.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;

/// xorshift64*: deterministic, no dependencies.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Byte ranges of whitespace-separated tokens.
fn token_ranges(text: &[u8]) -> Vec<(usize, usize)> {
    let mut ranges = Vec::new();
    let mut start = None;
    for (i, b) in text.iter().enumerate() {
        match (b.is_ascii_whitespace(), start) {
            (false, None) => start = Some(i),
            (true, Some(s)) => {
                ranges.push((s, i));
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        ranges.push((s, text.len()));
    }
    ranges
}

fn mutate(original: &[u8], rng: &mut Rng) -> Vec<u8> {
    let mut bytes = original.to_vec();
    let tokens = token_ranges(original);
    match rng.below(5) {
        0 => bytes.truncate(rng.below(bytes.len())),
        1 => {
            for _ in 0..1 + rng.below(4) {
                let at = rng.below(bytes.len());
                bytes[at] = rng.next() as u8;
            }
        }
        2 => {
            let (a, b) = (
                tokens[rng.below(tokens.len())],
                tokens[rng.below(tokens.len())],
            );
            let (first, second) = if a.0 <= b.0 { (a, b) } else { (b, a) };
            if first.1 <= second.0 {
                let mut out = original[..first.0].to_vec();
                out.extend_from_slice(&original[second.0..second.1]);
                out.extend_from_slice(&original[first.1..second.0]);
                out.extend_from_slice(&original[first.0..first.1]);
                out.extend_from_slice(&original[second.1..]);
                bytes = out;
            }
        }
        3 => {
            let (start, end) = tokens[rng.below(tokens.len())];
            bytes.drain(start..end);
        }
        _ => {
            let (start, _) = tokens[rng.below(tokens.len())];
            let (other_start, other_end) = tokens[rng.below(tokens.len())];
            let copy = original[other_start..other_end].to_vec();
            bytes.splice(start..start, copy.into_iter().chain([b' ']));
        }
    }
    bytes
}

#[test]
fn one_thousand_mutations_never_panic() {
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples");
    let mut sources: Vec<Vec<u8>> = std::fs::read_dir(&examples)
        .expect("examples/ exists")
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().is_some_and(|e| e == "tir"))
        .map(|path| std::fs::read(path).expect("example is readable"))
        .collect();
    sources.sort();
    assert!(
        !sources.is_empty(),
        "no .tir examples found in {}",
        examples.display()
    );

    let mut rng = Rng(0x7e57_c0de_d00d_f00d);
    let (mut rejected, mut accepted) = (0, 0);
    for iteration in 0..1000 {
        let source = &sources[iteration % sources.len()];
        let mutated = mutate(source, &mut rng);
        let input = mutated.clone();
        let mut stdin = move || Ok(input.clone());
        let result = catch_unwind(AssertUnwindSafe(|| {
            tmlc::run_cli(["opt", "--pass-pipeline=canonicalize", "-"], &mut stdin)
        }));
        match result {
            Err(_) => panic!(
                "mutation {iteration} panicked; input:\n{}",
                String::from_utf8_lossy(&mutated)
            ),
            Ok(Ok(_)) => accepted += 1,
            Ok(Err(failure)) => {
                assert_eq!(
                    failure.exit_code, 1,
                    "mutation {iteration}: {}",
                    failure.rendered
                );
                assert!(
                    failure.rendered.contains("error[E"),
                    "mutation {iteration}: no diagnostic code in {}",
                    failure.rendered
                );
                rejected += 1;
            }
        }
    }
    // Most mutations break the file; the few that do not (a flipped hex digit in a weight)
    // must still be valid IR, which the run above checked by verifying it.
    assert!(
        rejected >= 800,
        "only {rejected} of 1000 mutations were rejected"
    );
    eprintln!("mutations: {rejected} rejected with a diagnostic, {accepted} still valid");
}

/// A `.tir` that is not UTF-8 is reported at its line and column, not only its byte offset.
#[test]
fn invalid_utf8_is_reported_at_line_and_column() {
    let dir = std::env::temp_dir().join(format!("tmlc-utf8-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("bad.tir");
    std::fs::write(&path, b"module @m {\n  func @main\xff() {\n").expect("write");
    let mut stdin = || Ok(Vec::new());
    let failure = tmlc::run_cli(["opt".into(), path.display().to_string()], &mut stdin)
        .expect_err("not UTF-8");
    assert_eq!(failure.exit_code, 1);
    assert!(
        failure
            .rendered
            .contains("bad.tir:2:13: the file is not valid UTF-8 (byte 24)"),
        "{}",
        failure.rendered
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Usage errors exit with status 2: an unknown target, an unknown pass, a malformed pipeline, an
/// invalid pass option (a non-power-of-two alignment).
#[test]
fn usage_errors_exit_with_status_two() {
    let example = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/tiny_cnn.tir");
    let example = example.display().to_string();
    for args in [
        vec!["opt", "--target", "cortex-m99", &example],
        vec!["opt", "--pass-pipeline=fuse,nope", &example],
        vec!["opt", "--pass-pipeline=fuse{", &example],
        vec!["opt", "--pass-pipeline=alloc{alignment=3}", &example],
        vec!["opt", "--pass-pipeline=alloc{alignment=0}", &example],
        vec!["mem", &example, "--target", "nope"],
    ] {
        let mut stdin = || Ok(Vec::new());
        let failure = tmlc::run_cli(args.iter().map(|a| a.to_string()), &mut stdin)
            .expect_err("a usage error");
        assert_eq!(failure.exit_code, 2, "{args:?}: {}", failure.rendered);
    }
}

/// `fuse{stats=true}` reports through the pass run (printed by `tmlc opt`), not by printing from
/// inside the pass.
#[test]
fn fuse_statistics_travel_in_the_pass_run() {
    let example = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/tiny_cnn.tir");
    let mut stdin = || Ok(Vec::new());
    let outcome = tmlc::run_cli(
        [
            "opt".to_string(),
            "--pass-pipeline=fuse{stats=true}".into(),
            example.display().to_string(),
        ],
        &mut stdin,
    )
    .expect("runs");
    assert!(
        outcome.stderr.contains("fuse @main:") && outcome.stderr.contains("iteration(s)"),
        "{}",
        outcome.stderr
    );
}

/// Deep nesting is a clear error, not a stack overflow: 10,000 nested regions and attribute
/// arrays 100,000 deep.
#[test]
fn deep_nesting_is_refused_cleanly() {
    let ty = "tensor<1x4xi8, !q<0.5, 0>>";
    let depth = 10_000;
    let mut regions = String::new();
    for level in 0..depth {
        regions.push_str(&format!("%r{level} = tinyml.relu %x : {ty} {{\n"));
    }
    regions.push_str(&"}\n".repeat(depth));
    let nested_regions = format!(
        "module @m {{\n  func @main(%x: {ty}) -> {ty} {{\n{regions}    return %x\n  }}\n}}\n"
    );
    let arrays = format!("{}1{}", "[".repeat(100_000), "]".repeat(100_000));
    let nested_arrays = format!(
        "module @m {{\n  func @main(%x: {ty}) -> {ty} {{\n    %0 = tinyml.relu %x {{a = {arrays}}} : {ty}\n    return %0\n  }}\n}}\n"
    );
    for text in [nested_regions, nested_arrays] {
        let bytes = text.into_bytes();
        let mut stdin = || Ok(bytes.clone());
        let failure = tmlc::run_cli(["opt", "-"], &mut stdin).expect_err("too deep");
        assert_eq!(failure.exit_code, 1);
        assert!(
            failure.rendered.contains("nest deeper than 64 levels"),
            "{}",
            failure.rendered
        );
    }
}

/// `tmlc run` takes one `--input` per model input or one file of them all concatenated (the
/// same output either way), and says what it expected otherwise.
#[test]
fn run_takes_inputs_one_per_file_or_concatenated() {
    let example =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/float_edges.tir");
    let dir = std::env::temp_dir().join(format!("tmlc-run-inputs-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    // float_edges: a 1x4x4x2 float32 input (128 bytes), then a 1x4x4x2 int8 input (32 bytes).
    let floats: Vec<u8> = (0..32)
        .flat_map(|i| (i as f32 * 0.37 - 4.0).to_le_bytes())
        .collect();
    let int8: Vec<u8> = (0..32).map(|i| (i * 37 % 256) as u8).collect();
    let (first, second, both) = (dir.join("x.bin"), dir.join("y.bin"), dir.join("xy.bin"));
    std::fs::write(&first, &floats).expect("write");
    std::fs::write(&second, &int8).expect("write");
    std::fs::write(&both, [floats.clone(), int8.clone()].concat()).expect("write");
    let run = |inputs: &[&std::path::Path]| {
        let mut args = vec!["run".to_string(), example.display().to_string()];
        for input in inputs {
            args.push("--input".into());
            args.push(input.display().to_string());
        }
        let mut stdin = || Ok(Vec::new());
        tmlc::run_cli(args, &mut stdin)
    };
    let separate = run(&[&first, &second]).expect("two files");
    let concatenated = run(&[&both]).expect("one file");
    assert_eq!(separate.stdout, concatenated.stdout);
    assert!(String::from_utf8_lossy(&separate.stdout).contains("output 1: ["));
    let failure = run(&[&first]).expect_err("one input is missing");
    assert!(
        failure
            .rendered
            .contains("must hold the 2 input(s) concatenated (160 bytes), got 128"),
        "{}",
        failure.rendered
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// A structured mutation of a `.tir` text: the byte-level ones of [`mutate`], or a damage aimed
/// at the structure: a dimension made huge, a region or an attribute array nested deep, a byte
/// that is not UTF-8.
fn mutate_structure(original: &[u8], rng: &mut Rng) -> Vec<u8> {
    let mut bytes = original.to_vec();
    match rng.below(8) {
        0 => {
            // The first dimension of some tensor type becomes huge.
            let text = String::from_utf8_lossy(original).into_owned();
            let starts: Vec<usize> = text.match_indices("tensor<").map(|(i, _)| i + 7).collect();
            let at = starts[rng.below(starts.len())];
            let end = at + text[at..].find('x').unwrap_or(0);
            let huge = ["4294967296", "2147483648", "99999999999999999999", "0"][rng.below(4)];
            bytes = [&original[..at], huge.as_bytes(), &original[end..]].concat();
        }
        1 => {
            // Attribute arrays or regions nested 200 deep, at a token boundary.
            let tokens = token_ranges(original);
            let (start, _) = tokens[rng.below(tokens.len())];
            let depth = 200;
            let nest = if rng.below(2) == 0 {
                format!("{}1{}", "[".repeat(depth), "]".repeat(depth))
            } else {
                format!("{}{}", "{".repeat(depth), "}".repeat(depth))
            };
            bytes.splice(start..start, nest.into_bytes());
        }
        2 => {
            // A byte that is never valid UTF-8.
            let at = rng.below(bytes.len());
            bytes.insert(at, [0xff, 0xc0, 0x80][rng.below(3)]);
        }
        _ => bytes = mutate(original, rng),
    }
    bytes
}

/// Whether `rendered` names a position in `file` as `file:line:col` (both numbers positive).
fn has_position(rendered: &str, file: &str) -> bool {
    rendered
        .match_indices(&format!("{file}:"))
        .any(|(at, found)| {
            let rest = &rendered[at + found.len()..];
            let mut parts = rest.splitn(3, ':');
            let line = parts.next().and_then(|l| l.parse::<usize>().ok());
            let column = parts
                .next()
                .map(|c| {
                    c.chars()
                        .take_while(char::is_ascii_digit)
                        .collect::<String>()
                })
                .and_then(|c| c.parse::<usize>().ok());
            line.is_some_and(|l| l > 0) && column.is_some_and(|c| c > 0)
        })
}

/// 300 structurally mutated `.tir` files (a file each, so diagnostics name it) go through every
/// command that reads a model: `opt`, `mem`, `compile` and `run`. Each ends in success or in
/// exit status 1 with a coded diagnostic, never a panic; every file `opt` rejects is reported
/// at `file:line:col`, non-UTF-8 ones included.
#[test]
fn mutated_files_through_every_command() {
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples");
    let mut sources: Vec<Vec<u8>> = std::fs::read_dir(&examples)
        .expect("examples/ exists")
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().is_some_and(|e| e == "tir"))
        .map(|path| std::fs::read(path).expect("example is readable"))
        .collect();
    sources.sort();
    let dir = std::env::temp_dir().join(format!("tmlc-mutated-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let input = dir.join("input.bin");
    std::fs::write(&input, vec![7u8; 64]).expect("input");
    let mut rng = Rng(0x005e_ed0f_7e57_f11e);
    let (mut rejected, mut non_utf8) = (0, 0);
    for iteration in 0..300 {
        let mutated = mutate_structure(&sources[iteration % sources.len()], &mut rng);
        let name = format!("m{iteration:03}.tir");
        let path = dir.join(&name);
        std::fs::write(&path, &mutated).expect("write mutant");
        let path = path.display().to_string();
        let out = dir.join(format!("out{iteration:03}")).display().to_string();
        let commands: [Vec<&str>; 4] = [
            vec!["opt", &path],
            vec!["mem", &path],
            vec!["compile", &path, "-o", &out],
            vec!["run", &path, "--input", input.to_str().unwrap()],
        ];
        for args in commands {
            let mut stdin = || Ok(Vec::new());
            let result = catch_unwind(AssertUnwindSafe(|| {
                tmlc::run_cli(args.iter().map(|a| a.to_string()), &mut stdin)
            }));
            let failure = match result {
                Err(_) => panic!("{args:?} panicked on mutation {iteration}"),
                Ok(Ok(_)) => continue,
                Ok(Err(failure)) => failure,
            };
            assert_eq!(failure.exit_code, 1, "{args:?}: {}", failure.rendered);
            assert!(
                failure.rendered.contains("error["),
                "{args:?}: no diagnostic code in {}",
                failure.rendered
            );
            if args[0] == "opt" {
                rejected += 1;
                non_utf8 += usize::from(std::str::from_utf8(&mutated).is_err());
                assert!(
                    has_position(&failure.rendered, &name),
                    "{args:?}: no {name}:line:col in {}",
                    failure.rendered
                );
            }
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    assert!(rejected >= 200, "only {rejected} of 300 mutations rejected");
    assert!(non_utf8 >= 20, "only {non_utf8} non-UTF-8 mutations");
}

/// A chain of 30,000 ops (convolution, relu, depthwise convolution, add, leaky relu, repeated)
/// compiles: every pass of the default pipeline and the backend are near-linear in the ops and
/// walk the IR without recursion deep enough to overflow a test thread's stack.
#[test]
fn a_long_chain_compiles() {
    let ty = "tensor<1x4x4x4xi8, !q<0.05, -3>>";
    let mut text = format!(
        "module @chain {{\n  func @main(%x: {ty}) -> {ty} {{\n\
         %w = tinyml.const {{value = @w}} : tensor<4x1x1x4xi8, !q<[0.01, 0.01, 0.01, 0.01], axis = 0>>\n\
         %dw = tinyml.const {{value = @dw}} : tensor<1x3x3x4xi8, !q<[0.02, 0.02, 0.02, 0.02], axis = 3>>\n"
    );
    let (mut previous, mut before) = ("%x".to_string(), "%x".to_string());
    let ops = 30_000;
    for i in 0..ops {
        let op = match i % 5 {
            0 => format!("tinyml.conv2d {previous}, %w {{padding = same, stride = [1, 1]}}"),
            1 => format!("tinyml.relu {previous}"),
            2 => format!(
                "tinyml.depthwise_conv2d {previous}, %dw {{multiplier = 1, padding = same, stride = [1, 1]}}"
            ),
            3 => format!("tinyml.add {previous}, {before}"),
            _ => format!("tinyml.leaky_relu {previous} {{alpha = 0.5}}"),
        };
        text += &format!("    %v{i} = {op} : {ty}\n");
        before = std::mem::replace(&mut previous, format!("%v{i}"));
    }
    text += &format!(
        "    return {previous}\n  }}\n}}\nresources {{\n  w = \"0x{}\",\n  dw = \"0x{}\",\n}}\n",
        "01".repeat(16),
        "02".repeat(36)
    );
    let out = std::env::temp_dir().join(format!("tmlc-chain-{}", std::process::id()));
    let bytes = text.into_bytes();
    let mut stdin = || Ok(bytes.clone());
    let args = [
        "compile",
        "-",
        "--target",
        "host",
        "-o",
        out.to_str().unwrap(),
    ];
    let outcome = tmlc::run_cli(args, &mut stdin).unwrap_or_else(|f| panic!("{}", f.rendered));
    assert!(outcome.stderr.is_empty() || !outcome.stderr.contains("error"));
    let source = std::fs::read_to_string(out.join("chain.c")).expect("chain.c written");
    // At least four kernel calls per five ops (the relus may fold into the convolutions).
    let calls = source.matches("tmlc_").count();
    assert!(calls >= ops * 4 / 5, "{calls} calls for {ops} ops");
    let _ = std::fs::remove_dir_all(&out);
}
