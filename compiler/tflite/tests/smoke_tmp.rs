mod common;
#[test]
fn dump() {
    let shared = common::shared_dir().unwrap();
    for name in common::MODELS {
        let bytes = common::model_bytes(&shared, name);
        let m = tmlc_tflite::read_model(&bytes).unwrap();
        let total: usize = m.tensors.iter().filter_map(|t| t.data.as_ref()).map(|d| d.len()).sum();
        let types: std::collections::BTreeSet<String> = m.tensors.iter().map(|t| format!("{:?}", t.dtype)).collect();
        let opidx: Vec<String> = (0..m.operators.len()).filter_map(|i| tmlc_tflite::mutate::set_operator_opcode_index(&bytes, i, 0).err()).collect();
        let tt: Vec<usize> = (0..m.tensors.len()).filter(|&i| tmlc_tflite::mutate::set_tensor_type(&bytes, i, 0).is_err()).collect();
        let bc: Vec<String> = (0..m.operators.len()).filter_map(|i| tmlc_tflite::mutate::set_operator_builtin_code(&bytes, i, 28).err()).collect();
        println!("{name}: data {total} types {types:?} opidx-absent {} type-absent {tt:?} bc-err {bc:?}", opidx.len());
    }
}
