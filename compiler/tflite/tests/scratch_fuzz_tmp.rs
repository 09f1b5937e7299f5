mod common;
#[test]
fn heavy() {
    let shared = common::shared_dir().unwrap();
    for (name, n) in [
        ("hello_world_int8", 300_000u64),
        ("micro_speech_quantized", 100_000),
        ("kws_ref_model", 20_000),
        ("vww_96_int8", 3000),
        ("person_detect", 3000),
    ] {
        let model = common::model_bytes(&shared, name);
        let mut ok = 0;
        for seed in 0..n {
            let m = tmlc_tflite::mutate::mutate_random_bytes(
                &model,
                seed ^ 0xABCDEF,
                1 + (seed % 8) as usize,
            );
            if tmlc_tflite::read_model(&m).is_ok() {
                ok += 1;
            }
        }
        println!("{name}: {ok}/{n} ok");
    }
}
