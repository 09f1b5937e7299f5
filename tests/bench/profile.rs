//! The bench's per-layer section: `tmlc sim --profile --json` on cortex-m4 for the models the
//! kernel work is measured on, each as a table of its most expensive layers and a line per op.

use std::fmt::Write;
use std::path::Path;

/// The models profiled, all on cortex-m4 with the ramp input.
const MODELS: &[&str] = &["person_detect", "vww_96_int8", "mcunet_vww1_80"];

/// Rows of each model's table.
const TOP_LAYERS: usize = 10;

/// Appends the section to `report`; the caller has checked that the Arm toolchain and QEMU are
/// installed.
pub fn profile_section(shared: &Path, report: &mut String) {
    let _ = writeln!(
        report,
        "## Per-layer profile on cortex-m4 (QEMU, ramp input)\n\n`tmlc sim --profile --json`, default pipeline: \
         the instructions of each layer in the profile build (every layer between two markers; a patch \
         loop is one layer, its MACs those of its ops over the whole output). The {TOP_LAYERS} layers with \
         the most instructions per model, then the instructions per op summed. *Share* is of the \
         profile build's inference.\n"
    );
    for model in MODELS {
        let path = shared.join("models").join(format!("{model}.tflite"));
        let input = shared.join("reference").join(model).join("input.ramp.bin");
        if !path.is_file() || !input.is_file() {
            let _ = writeln!(report, "{model}: not measured (not in ../shared).\n");
            continue;
        }
        let mut stdin = || Ok(Vec::new());
        let args = [
            "sim".to_string(),
            path.display().to_string(),
            "--target".into(),
            "cortex-m4".into(),
            "--input".into(),
            input.display().to_string(),
            "--json".into(),
            "--profile".into(),
        ];
        let out = tmlc::run_cli(args, &mut stdin)
            .unwrap_or_else(|f| panic!("sim --profile {model}: {}", f.rendered));
        let report_json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
        let rows = report_json["layers"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let number = |v: &serde_json::Value, key: &str| v[key].as_u64().unwrap_or(0);
        let _ = writeln!(
            report,
            "### {model}: {} layers, {} instructions in them, {} in the profile build's inference ({} in the normal build's)\n\n\
             | layer | op | shape | MACs | kernel | instructions | instr/MAC | share |\n|---|---|---|---|---|---|---|---|",
            rows.len(),
            number(&report_json, "layer_instructions"),
            number(&report_json, "profile_instructions"),
            number(&report_json, "instructions"),
        );
        let mut sorted: Vec<&serde_json::Value> = rows.iter().collect();
        sorted.sort_by_key(|row| std::cmp::Reverse(number(row, "instructions")));
        for row in sorted.iter().take(TOP_LAYERS) {
            let shape: Vec<String> = row["shape"]
                .as_array()
                .map(|dims| dims.iter().map(|d| d.to_string()).collect())
                .unwrap_or_default();
            let body: Vec<&str> = row["body"]
                .as_array()
                .map(|ops| ops.iter().filter_map(|o| o.as_str()).collect())
                .unwrap_or_default();
            let op = row["op"].as_str().unwrap_or("?");
            let op = if body.is_empty() {
                op.to_string()
            } else {
                format!("{op} ({})", body.join(", "))
            };
            let per_mac = row["instructions_per_mac"]
                .as_f64()
                .map_or("-".to_string(), |v| format!("{v:.2}"));
            let _ = writeln!(
                report,
                "| {} | {op} | {} | {} | {} | {} | {per_mac} | {:.1}% |",
                number(row, "index"),
                shape.join("x"),
                number(row, "macs"),
                row["kernel"].as_str().unwrap_or("?"),
                number(row, "instructions"),
                row["percent"].as_f64().unwrap_or(0.0),
            );
            // A patch loop's ops (all patches, halo included) and its copies, under it.
            let parts = row["part_instructions"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            for (k, part) in parts.iter().enumerate() {
                let shape: Vec<String> = part["shape"]
                    .as_array()
                    .map(|dims| dims.iter().map(|d| d.to_string()).collect())
                    .unwrap_or_default();
                let per_mac = part["instructions_per_mac"]
                    .as_f64()
                    .map_or("-".to_string(), |v| format!("{v:.2}"));
                let _ = writeln!(
                    report,
                    "| {}.{k} | &nbsp;&nbsp;{} (in the loop) | {} | {} | {} | {} | {per_mac} | {:.1}% |",
                    number(row, "index"),
                    part["op"].as_str().unwrap_or("?"),
                    shape.join("x"),
                    number(part, "macs"),
                    part["kernel"].as_str().unwrap_or("?"),
                    number(part, "instructions"),
                    part["percent"].as_f64().unwrap_or(0.0),
                );
            }
            if !parts.is_empty() {
                let copies = number(row, "copy_instructions");
                let _ = writeln!(
                    report,
                    "| {}.- | &nbsp;&nbsp;patch copies and loop | | | | {copies} | - | {:.1}% |",
                    number(row, "index"),
                    100.0 * copies as f64
                        / number(&report_json, "profile_instructions").max(1) as f64,
                );
            }
        }
        // Instructions and MACs per op, most instructions first; a patch loop's ops count under
        // their own op (their instructions include the halo), its copies as `patch copies`.
        let mut per_op: Vec<(String, u64, u64, usize)> = Vec::new();
        let mut add = |op: String, instructions: u64, macs: u64| match per_op
            .iter_mut()
            .find(|(name, ..)| *name == op)
        {
            Some(entry) => {
                entry.1 += instructions;
                entry.2 += macs;
                entry.3 += 1;
            }
            None => per_op.push((op, instructions, macs, 1)),
        };
        for row in &rows {
            match row["part_instructions"].as_array() {
                Some(parts) => {
                    for part in parts {
                        let op = part["op"].as_str().unwrap_or("?").to_string();
                        add(op, number(part, "instructions"), number(part, "macs"));
                    }
                    add(
                        "patch copies".to_string(),
                        number(row, "copy_instructions"),
                        0,
                    );
                }
                None => {
                    let op = row["op"].as_str().unwrap_or("?").to_string();
                    add(op, number(row, "instructions"), number(row, "macs"));
                }
            }
        }
        per_op.sort_by_key(|(_, instructions, ..)| std::cmp::Reverse(*instructions));
        let total = number(&report_json, "profile_instructions").max(1) as f64;
        let summary: Vec<String> = per_op
            .iter()
            .map(|(op, instructions, macs, count)| {
                let per_mac = if *macs > 0 {
                    format!(", {:.2} instr/MAC", *instructions as f64 / *macs as f64)
                } else {
                    String::new()
                };
                format!(
                    "{op} ×{count}: {instructions} ({:.1}%{per_mac})",
                    100.0 * *instructions as f64 / total
                )
            })
            .collect();
        let _ = writeln!(report, "\nPer op: {}.\n", summary.join("; "));
    }
}
