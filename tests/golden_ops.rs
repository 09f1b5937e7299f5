//! TRANSPOSE and RESIZE_NEAREST_NEIGHBOR against TFLite Micro on the real models that use them
//! (mcunet_vww1_80, mcunet_person_det_128x160), op by op: those models have float32 edges the
//! importer does not take yet, so instead of running them whole, every operator of the kind is
//! fed its input tensor from `../shared/reference/<model>/tensors/` (TFLM's own intermediate for
//! the ramp input) and must give TFLM's output tensor byte for byte, twice: through the
//! reference semantics called directly with the operator's constant operand, and as a
//! one-operator model through the importer, the verifier and the interpreter.

use serde_json::Value;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use tmlc_tests::shared::shared_dir;
use tmlc_tflite::import::import_model;
use tmlc_tflite::model::{Model, OpCode, Operator, Options};
use tmlc_tflite::read_model;
use tmlc_tinyml::interpreter::{run, TensorData};
use tmlc_tinyml::semantics::resize_nearest_neighbor::{
    resize_nearest_neighbor, ResizeNearestOptions,
};
use tmlc_tinyml::semantics::transpose::transpose;
use tmlc_tinyml::semantics::QuantTensor;

/// A model of `../shared/models` and the golden tensors of its ramp run.
struct Golden {
    name: &'static str,
    model: Model,
    /// Tensor index -> file of `reference/<model>/` holding TFLM's bytes for it.
    files: HashMap<usize, PathBuf>,
}

impl Golden {
    fn load(shared: &Path, name: &'static str) -> Golden {
        let bytes = std::fs::read(shared.join("models").join(format!("{name}.tflite")))
            .unwrap_or_else(|error| panic!("{name}.tflite: {error}"));
        let model = read_model(&bytes).unwrap_or_else(|error| panic!("{name}: {error}"));
        let reference = shared.join("reference").join(name);
        let manifest: Value = serde_json::from_str(
            &std::fs::read_to_string(reference.join("manifest.json")).expect("manifest"),
        )
        .expect("manifest is JSON");
        let files = manifest["op_outputs_for_ramp"]
            .as_array()
            .expect("op_outputs_for_ramp")
            .iter()
            .map(|entry| {
                let index = entry["index"].as_u64().expect("index") as usize;
                let file = entry["file"].as_str().expect("file");
                (index, reference.join(file))
            })
            .collect();
        Golden { name, model, files }
    }

    /// TFLM's bytes of tensor `index` as int8.
    fn tensor(&self, index: i32) -> Vec<i8> {
        let index = index as usize;
        let path = self
            .files
            .get(&index)
            .unwrap_or_else(|| panic!("{}: tensor {index} is not in the manifest", self.name));
        std::fs::read(path)
            .unwrap_or_else(|error| panic!("{}: {error}", path.display()))
            .into_iter()
            .map(|b| b as i8)
            .collect()
    }

    /// Shape, scale and zero point of tensor `index`.
    fn quantized(&self, index: i32) -> (Vec<usize>, f32, i32) {
        let tensor = &self.model.tensors[index as usize];
        let quant = tensor.quantization.as_ref().expect("quantized tensor");
        let shape = tensor.shape.iter().map(|&d| d as usize).collect();
        (shape, quant.scales[0], quant.zero_points[0] as i32)
    }

    /// The int32 contents of constant tensor `index`.
    fn constant_ints(&self, index: i32) -> Vec<i32> {
        let data = self.model.tensors[index as usize]
            .data
            .as_ref()
            .expect("a constant tensor");
        data.chunks_exact(4)
            .map(|c| i32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect()
    }

    /// The operators of `opcode`, with their index.
    fn operators(&self, opcode: &OpCode) -> Vec<(usize, &Operator)> {
        let found: Vec<_> = self
            .model
            .operators
            .iter()
            .enumerate()
            .filter(|(_, operator)| &operator.opcode == opcode)
            .collect();
        assert!(!found.is_empty(), "{} has no {}", self.name, opcode.name());
        found
    }

    /// Runs `operator` alone through the importer and the interpreter on TFLM's input tensor.
    fn interpret(&self, index: usize, operator: &Operator) -> Vec<i8> {
        let single = Model {
            tensors: self.model.tensors.clone(),
            operators: vec![operator.clone()],
            inputs: vec![operator.inputs[0] as usize],
            outputs: vec![operator.outputs[0] as usize],
        };
        let context = tmlc::context();
        let imported = import_model(&single, "single", &context)
            .unwrap_or_else(|error| panic!("{} operator {index}: {}", self.name, error.message));
        let outputs = run(
            &imported.module,
            &[TensorData::I8(self.tensor(operator.inputs[0]))],
            &mut |_, _, _| {},
        )
        .unwrap_or_else(|error| panic!("{} operator {index}: {}", self.name, error.message));
        match outputs.into_iter().next() {
            Some(TensorData::I8(bytes)) => bytes,
            other => panic!(
                "{} operator {index}: int8 output expected, got {other:?}",
                self.name
            ),
        }
    }

    /// Requires `got` (from `how`) to be TFLM's output of operator `index`.
    fn expect_output(&self, index: usize, operator: &Operator, how: &str, got: &[i8]) {
        let expected = self.tensor(operator.outputs[0]);
        assert_eq!(
            got.len(),
            expected.len(),
            "{} operator {index} ({how}): size",
            self.name
        );
        if let Some(first) = (0..got.len()).find(|&i| got[i] != expected[i]) {
            panic!(
                "{} operator {index} ({how}): element {first} is {}, TFLite Micro has {}",
                self.name, got[first], expected[first]
            );
        }
    }
}

#[test]
fn transpose_matches_tflite_micro_on_mcunet_vww1_80() {
    let Some(shared) = shared_dir() else { return };
    let golden = Golden::load(&shared, "mcunet_vww1_80");
    for (index, operator) in golden.operators(&OpCode::Transpose) {
        let (shape, scale, zero_point) = golden.quantized(operator.inputs[0]);
        let data = golden.tensor(operator.inputs[0]);
        let perm: Vec<usize> = golden
            .constant_ints(operator.inputs[1])
            .into_iter()
            .map(|axis| axis as usize)
            .collect();
        let direct = transpose(&QuantTensor::new(&data, &shape, scale, zero_point), &perm);
        golden.expect_output(index, operator, "semantics", &direct);
        golden.expect_output(
            index,
            operator,
            "import + interpreter",
            &golden.interpret(index, operator),
        );
        eprintln!("mcunet_vww1_80 operator {index}: TRANSPOSE {shape:?} by {perm:?} is bit-exact");
    }
}

#[test]
fn resize_nearest_neighbor_matches_tflite_micro_on_mcunet_person_det() {
    let Some(shared) = shared_dir() else { return };
    let golden = Golden::load(&shared, "mcunet_person_det_128x160");
    for (index, operator) in golden.operators(&OpCode::ResizeNearestNeighbor) {
        let (shape, scale, zero_point) = golden.quantized(operator.inputs[0]);
        let data = golden.tensor(operator.inputs[0]);
        let size = golden.constant_ints(operator.inputs[1]);
        let Options::ResizeNearestNeighbor {
            align_corners,
            half_pixel_centers,
        } = operator.options
        else {
            panic!("operator {index}: {:?}", operator.options);
        };
        let options = ResizeNearestOptions {
            align_corners,
            half_pixel_centers,
        };
        let direct = resize_nearest_neighbor(
            &QuantTensor::new(&data, &shape, scale, zero_point),
            [size[0] as usize, size[1] as usize],
            options,
        );
        golden.expect_output(index, operator, "semantics", &direct);
        golden.expect_output(
            index,
            operator,
            "import + interpreter",
            &golden.interpret(index, operator),
        );
        eprintln!(
            "mcunet_person_det_128x160 operator {index}: RESIZE_NEAREST_NEIGHBOR {shape:?} to {size:?} ({options:?}) is bit-exact"
        );
    }
}
