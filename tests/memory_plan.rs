//! The memory plan of the default `tmlc compile` pipeline on the real models: the arena (scratch
//! included) is at or below the liveness lower bound and at or below TFLite Micro's activation
//! arena, and for person_detect and vww_96_int8 at most 0.7 x TFLite Micro's, through in-place and
//! overlapping execution. The plan recorded in the IR passes `check-plan`. (Memory figures are
//! deterministic; timings are never asserted.)

use tmlc_core::pass::PassManager;
use tmlc_tests::shared::shared_dir;

/// (model, liveness lower bound, TFLite Micro's activation arena), from ../shared/models/README.md.
const FIGURES: &[(&str, usize, usize)] = &[
    ("person_detect", 55_296, 55_296),
    ("vww_96_int8", 55_296, 73_728),
    ("kws_ref_model", 16_000, 16_000),
    ("pretrainedResnet_quant", 49_152, 49_152),
    ("ad01_int8", 768, 768),
    ("micro_speech_quantized", 5_960, 5_968),
    ("hello_world_int8", 32, 32),
];

fn planned_arena(shared: &std::path::Path, model: &str) -> usize {
    let bytes =
        std::fs::read(shared.join("models").join(format!("{model}.tflite"))).expect("model");
    let context = tmlc::context();
    let mut module = tmlc_tflite::import::import_tflite(&bytes, model, &context)
        .expect("imports")
        .module;
    let default = tmlc_passes::pipeline::default_pipeline_text(&host());
    let pipeline = format!("{default},check-plan");
    let passes = tmlc::pass_registry()
        .build_pipeline(&pipeline, &host())
        .expect("pipeline");
    PassManager::new(passes)
        .run(&mut module, &context)
        .unwrap_or_else(|d| panic!("{model}: {d}"));
    tmlc_mem::arena_size(&module.functions[0]).expect("arena size recorded")
}

#[test]
fn arenas_beat_the_lower_bound_and_tflite_micro() {
    let Some(shared) = shared_dir() else { return };
    for &(model, lower_bound, tflm) in FIGURES {
        let arena = planned_arena(&shared, model);
        assert!(
            arena <= lower_bound,
            "{model}: arena {arena} > lower bound {lower_bound}"
        );
        assert!(
            arena <= tflm,
            "{model}: arena {arena} > TFLite Micro's {tflm}"
        );
    }
}

#[test]
fn mobilenets_need_at_most_seventy_percent_of_tflite_micro() {
    let Some(shared) = shared_dir() else { return };
    for (model, tflm) in [("person_detect", 55_296usize), ("vww_96_int8", 73_728)] {
        let arena = planned_arena(&shared, model);
        assert!(
            arena * 10 <= tflm * 7,
            "{model}: arena {arena} > 0.7 x {tflm}"
        );
    }
}

/// The target the pipelines compile for.
fn host() -> tmlc_backends::target::Target {
    tmlc_backends::target::lookup("host").expect("the host target")
}
