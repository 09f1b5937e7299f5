//! Bit-exactness of the reference kernels (`tmlc_tinyml::semantics`) against TFLite Micro on the
//! real models of `../shared`: every operator of each model is run straight from the flatbuffer
//! (no IR) on `input.ramp.bin`, each op output is compared with
//! `reference/<model>/tensors/t<index>.bin` (as listed in `manifest.json`,
//! `op_outputs_for_ramp`), and the final output is compared for both inputs (`ramp`, `rng42`)
//! with `output.<input>.bin`. person_detect is also run on the two real images.
//!
//! The shared folder is `$TMLC_SHARED`, by default `<CARGO_MANIFEST_DIR>/../../../shared`; when
//! it is absent the tests print `SKIPPED:` and pass.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use tmlc_tflite::model::{
    Activation as TfActivation, Model, OpCode, Operator, Options, Padding as TfPadding, TensorType,
};
use tmlc_tinyml::semantics::{
    self as sem, Activation, Conv2dOptions, DepthwiseConv2dOptions, OutputSpec, Padding,
    Pool2dOptions, QuantTensor, Weights,
};

// ---------------------------------------------------------------------------------------------
// Locating the shared data

fn shared_dir() -> Option<PathBuf> {
    let dir = match std::env::var_os("TMLC_SHARED") {
        Some(d) => PathBuf::from(d),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared"),
    };
    if dir.join("models").is_dir() && dir.join("reference").is_dir() {
        Some(dir)
    } else {
        eprintln!(
            "SKIPPED: no shared models/reference folder at {} (set TMLC_SHARED)",
            dir.display()
        );
        None
    }
}

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

fn read_i8(path: &Path) -> Vec<i8> {
    read(path).into_iter().map(|b| b as i8).collect()
}

// ---------------------------------------------------------------------------------------------
// A tiny JSON reader (enough for manifest.json)

#[derive(Debug, Clone, PartialEq)]
enum Json {
    Null,
    Bool(bool),
    Num(f64),
    Str(String),
    Arr(Vec<Json>),
    Obj(Vec<(String, Json)>),
}

impl Json {
    fn get(&self, key: &str) -> Option<&Json> {
        match self {
            Json::Obj(fields) => fields.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }
    fn as_str(&self) -> Option<&str> {
        match self {
            Json::Str(s) => Some(s),
            _ => None,
        }
    }
    fn as_f64(&self) -> Option<f64> {
        match self {
            Json::Num(n) => Some(*n),
            _ => None,
        }
    }
    fn as_arr(&self) -> &[Json] {
        match self {
            Json::Arr(a) => a,
            _ => &[],
        }
    }
}

struct JsonParser<'a> {
    s: &'a [u8],
    i: usize,
}

impl JsonParser<'_> {
    fn parse(text: &str) -> Result<Json, String> {
        let mut p = JsonParser {
            s: text.as_bytes(),
            i: 0,
        };
        let v = p.value()?;
        p.ws();
        if p.i != p.s.len() {
            return Err(format!("trailing data at byte {}", p.i));
        }
        Ok(v)
    }
    fn ws(&mut self) {
        while self.i < self.s.len() && self.s[self.i].is_ascii_whitespace() {
            self.i += 1;
        }
    }
    fn eat(&mut self, c: u8) -> Result<(), String> {
        self.ws();
        if self.s.get(self.i) == Some(&c) {
            self.i += 1;
            Ok(())
        } else {
            Err(format!("expected '{}' at byte {}", c as char, self.i))
        }
    }
    fn lit(&mut self, word: &str, v: Json) -> Result<Json, String> {
        if self.s[self.i..].starts_with(word.as_bytes()) {
            self.i += word.len();
            Ok(v)
        } else {
            Err(format!("bad literal at byte {}", self.i))
        }
    }
    fn value(&mut self) -> Result<Json, String> {
        self.ws();
        match self.s.get(self.i) {
            None => Err("unexpected end".into()),
            Some(b'n') => self.lit("null", Json::Null),
            Some(b't') => self.lit("true", Json::Bool(true)),
            Some(b'f') => self.lit("false", Json::Bool(false)),
            Some(b'"') => Ok(Json::Str(self.string()?)),
            Some(b'[') => {
                self.i += 1;
                let mut items = Vec::new();
                self.ws();
                if self.s.get(self.i) == Some(&b']') {
                    self.i += 1;
                    return Ok(Json::Arr(items));
                }
                loop {
                    items.push(self.value()?);
                    self.ws();
                    match self.s.get(self.i) {
                        Some(b',') => self.i += 1,
                        Some(b']') => {
                            self.i += 1;
                            return Ok(Json::Arr(items));
                        }
                        _ => return Err(format!("bad array at byte {}", self.i)),
                    }
                }
            }
            Some(b'{') => {
                self.i += 1;
                let mut fields = Vec::new();
                self.ws();
                if self.s.get(self.i) == Some(&b'}') {
                    self.i += 1;
                    return Ok(Json::Obj(fields));
                }
                loop {
                    self.ws();
                    let key = self.string()?;
                    self.eat(b':')?;
                    fields.push((key, self.value()?));
                    self.ws();
                    match self.s.get(self.i) {
                        Some(b',') => self.i += 1,
                        Some(b'}') => {
                            self.i += 1;
                            return Ok(Json::Obj(fields));
                        }
                        _ => return Err(format!("bad object at byte {}", self.i)),
                    }
                }
            }
            Some(_) => {
                let start = self.i;
                while self.i < self.s.len()
                    && matches!(
                        self.s[self.i],
                        b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9'
                    )
                {
                    self.i += 1;
                }
                std::str::from_utf8(&self.s[start..self.i])
                    .ok()
                    .and_then(|t| t.parse().ok())
                    .map(Json::Num)
                    .ok_or_else(|| format!("bad number at byte {start}"))
            }
        }
    }
    fn string(&mut self) -> Result<String, String> {
        self.eat(b'"')?;
        let mut out = String::new();
        loop {
            let c = *self.s.get(self.i).ok_or("unterminated string")?;
            self.i += 1;
            match c {
                b'"' => return Ok(out),
                b'\\' => {
                    let e = *self.s.get(self.i).ok_or("bad escape")?;
                    self.i += 1;
                    match e {
                        b'n' => out.push('\n'),
                        b't' => out.push('\t'),
                        b'r' => out.push('\r'),
                        b'b' => out.push('\u{8}'),
                        b'f' => out.push('\u{c}'),
                        b'u' => {
                            let hex = std::str::from_utf8(
                                self.s.get(self.i..self.i + 4).ok_or("bad \\u")?,
                            )
                            .map_err(|e| e.to_string())?;
                            let code = u32::from_str_radix(hex, 16).map_err(|e| e.to_string())?;
                            out.push(char::from_u32(code).unwrap_or('\u{fffd}'));
                            self.i += 4;
                        }
                        other => out.push(other as char),
                    }
                }
                _ => {
                    // Copy a whole UTF-8 sequence.
                    let start = self.i - 1;
                    let mut end = self.i;
                    while end < self.s.len() && (self.s[end] & 0xc0) == 0x80 {
                        end += 1;
                    }
                    out.push_str(
                        std::str::from_utf8(&self.s[start..end]).map_err(|e| e.to_string())?,
                    );
                    self.i = end;
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Running a model op by op

fn op_name(code: &OpCode) -> String {
    match code {
        OpCode::Add => "ADD".into(),
        OpCode::AveragePool2d => "AVERAGE_POOL_2D".into(),
        OpCode::Concatenation => "CONCATENATION".into(),
        OpCode::Conv2d => "CONV_2D".into(),
        OpCode::DepthwiseConv2d => "DEPTHWISE_CONV_2D".into(),
        OpCode::Dequantize => "DEQUANTIZE".into(),
        OpCode::FullyConnected => "FULLY_CONNECTED".into(),
        OpCode::MaxPool2d => "MAX_POOL_2D".into(),
        OpCode::Mean => "MEAN".into(),
        OpCode::Pad => "PAD".into(),
        OpCode::Quantize => "QUANTIZE".into(),
        OpCode::Reshape => "RESHAPE".into(),
        OpCode::Softmax => "SOFTMAX".into(),
        OpCode::Other { code, name } => format!("{name}({code})"),
    }
}

fn activation(a: TfActivation) -> Result<Activation, String> {
    match a {
        TfActivation::None => Ok(Activation::None),
        TfActivation::Relu => Ok(Activation::Relu),
        TfActivation::Relu6 => Ok(Activation::Relu6),
        other => Err(format!("unsupported fused activation {other:?}")),
    }
}

fn padding(p: TfPadding) -> Padding {
    match p {
        TfPadding::Same => Padding::Same,
        TfPadding::Valid => Padding::Valid,
    }
}

fn dim(v: i32) -> Result<usize, String> {
    usize::try_from(v).map_err(|_| format!("negative stride/size {v}"))
}

/// The interpreter state: shapes, quantization and values of every tensor.
struct Interp<'m> {
    model: &'m Model,
    shapes: Vec<Vec<usize>>,
    values: Vec<Option<Vec<i8>>>,
}

impl<'m> Interp<'m> {
    fn new(model: &'m Model) -> Self {
        let shapes = model
            .tensors
            .iter()
            .map(|t| t.shape.iter().map(|&d| d.max(0) as usize).collect())
            .collect();
        let values = model
            .tensors
            .iter()
            .map(|t| match (&t.data, t.dtype) {
                (Some(d), TensorType::Int8) => Some(d.iter().map(|&b| b as i8).collect()),
                _ => None,
            })
            .collect();
        Interp {
            model,
            shapes,
            values,
        }
    }

    fn scale_zp(&self, t: usize) -> (f32, i32) {
        match &self.model.tensors[t].quantization {
            Some(q) => (
                q.scales.first().copied().unwrap_or(1.0),
                q.zero_points.first().copied().unwrap_or(0) as i32,
            ),
            None => (1.0, 0),
        }
    }

    fn scales(&self, t: usize) -> &'m [f32] {
        self.model.tensors[t]
            .quantization
            .as_ref()
            .map(|q| q.scales.as_slice())
            .unwrap_or(&[1.0])
    }

    fn tensor(&self, t: usize) -> Result<QuantTensor<'_>, String> {
        let data = self.values[t]
            .as_deref()
            .ok_or_else(|| format!("tensor {t} has no value yet"))?;
        let (scale, zero_point) = self.scale_zp(t);
        Ok(QuantTensor::new(data, &self.shapes[t], scale, zero_point))
    }

    fn weights(&self, t: usize) -> Result<Weights<'_>, String> {
        let data = self.values[t]
            .as_deref()
            .ok_or_else(|| format!("weights tensor {t} is not a constant int8 tensor"))?;
        Ok(Weights::new(data, &self.shapes[t], self.scales(t)))
    }

    fn int32_const(&self, t: usize) -> Result<Vec<i32>, String> {
        let tensor = &self.model.tensors[t];
        if tensor.dtype != TensorType::Int32 {
            return Err(format!("tensor {t} is not int32"));
        }
        let data = tensor
            .data
            .as_ref()
            .ok_or_else(|| format!("int32 tensor {t} is not constant"))?;
        Ok(data
            .chunks_exact(4)
            .map(|c| i32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect())
    }

    fn bias(&self, op: &Operator, k: usize) -> Result<Option<Vec<i32>>, String> {
        match op.inputs.get(k) {
            Some(&t) if t >= 0 => self.int32_const(t as usize).map(Some),
            _ => Ok(None),
        }
    }

    /// Runs one operator and stores its output; returns the output tensor index.
    fn run_op(&mut self, op: &Operator) -> Result<usize, String> {
        let input = |k: usize| -> Result<usize, String> {
            match op.inputs.get(k) {
                Some(&t) if t >= 0 => Ok(t as usize),
                _ => Err(format!("missing input {k}")),
            }
        };
        let out_t = *op.outputs.first().ok_or("operator without output")? as usize;
        let (out_scale, out_zp) = self.scale_zp(out_t);
        let out_shape = self.shapes[out_t].clone();
        let out = OutputSpec::new(&out_shape, out_scale, out_zp);
        let result = match (&op.opcode, &op.options) {
            (
                OpCode::Conv2d,
                Options::Conv2d {
                    padding: p,
                    stride_w,
                    stride_h,
                    dilation_w,
                    dilation_h,
                    activation: a,
                },
            ) => {
                let bias = self.bias(op, 2)?;
                sem::conv2d(
                    &self.tensor(input(0)?)?,
                    &self.weights(input(1)?)?,
                    bias.as_deref(),
                    &Conv2dOptions {
                        stride_h: dim(*stride_h)?,
                        stride_w: dim(*stride_w)?,
                        dilation_h: dim(*dilation_h)?,
                        dilation_w: dim(*dilation_w)?,
                        padding: padding(*p),
                        activation: activation(*a)?,
                    },
                    &out,
                )
            }
            (
                OpCode::DepthwiseConv2d,
                Options::DepthwiseConv2d {
                    padding: p,
                    stride_w,
                    stride_h,
                    depth_multiplier,
                    dilation_w,
                    dilation_h,
                    activation: a,
                },
            ) => {
                let bias = self.bias(op, 2)?;
                sem::depthwise_conv2d(
                    &self.tensor(input(0)?)?,
                    &self.weights(input(1)?)?,
                    bias.as_deref(),
                    &DepthwiseConv2dOptions {
                        stride_h: dim(*stride_h)?,
                        stride_w: dim(*stride_w)?,
                        dilation_h: dim(*dilation_h)?,
                        dilation_w: dim(*dilation_w)?,
                        depth_multiplier: dim(*depth_multiplier)?,
                        padding: padding(*p),
                        activation: activation(*a)?,
                    },
                    &out,
                )
            }
            (OpCode::FullyConnected, Options::FullyConnected { activation: a, .. }) => {
                let bias = self.bias(op, 2)?;
                sem::fully_connected(
                    &self.tensor(input(0)?)?,
                    &self.weights(input(1)?)?,
                    bias.as_deref(),
                    activation(*a)?,
                    &out,
                )
            }
            (
                OpCode::AveragePool2d | OpCode::MaxPool2d,
                Options::Pool2d {
                    padding: p,
                    stride_w,
                    stride_h,
                    filter_w,
                    filter_h,
                    activation: a,
                },
            ) => {
                let options = Pool2dOptions {
                    filter_h: dim(*filter_h)?,
                    filter_w: dim(*filter_w)?,
                    stride_h: dim(*stride_h)?,
                    stride_w: dim(*stride_w)?,
                    padding: padding(*p),
                    activation: activation(*a)?,
                };
                let x = self.tensor(input(0)?)?;
                if op.opcode == OpCode::AveragePool2d {
                    sem::average_pool2d(&x, &options, &out)
                } else {
                    sem::max_pool2d(&x, &options, &out)
                }
            }
            (OpCode::Add, Options::Add { activation: a }) => sem::add(
                &self.tensor(input(0)?)?,
                &self.tensor(input(1)?)?,
                activation(*a)?,
                &out,
            ),
            (OpCode::Reshape, _) => self.tensor(input(0)?)?.data.to_vec(),
            (OpCode::Softmax, Options::Softmax { beta }) => {
                sem::softmax(&self.tensor(input(0)?)?, *beta)
            }
            (OpCode::Pad, _) => {
                let pads = self.int32_const(input(1)?)?;
                let pads: Vec<[usize; 2]> = pads
                    .chunks_exact(2)
                    .map(|p| [p[0].max(0) as usize, p[1].max(0) as usize])
                    .collect();
                let constant = match op.inputs.get(2) {
                    Some(&t) if t >= 0 => self.values[t as usize]
                        .as_ref()
                        .and_then(|v| v.first().copied()),
                    _ => None,
                };
                sem::pad(&self.tensor(input(0)?)?, &pads, constant, &out)
            }
            (OpCode::Mean, Options::Reducer { keep_dims }) => {
                let axes = self.int32_const(input(1)?)?;
                sem::mean(&self.tensor(input(0)?)?, &axes, *keep_dims, &out)
            }
            (
                OpCode::Concatenation,
                Options::Concatenation {
                    axis,
                    activation: a,
                },
            ) => {
                if activation(*a)? != Activation::None {
                    return Err("fused activation on CONCATENATION".into());
                }
                let rank = out_shape.len() as i32;
                let axis = if *axis < 0 { axis + rank } else { *axis };
                let mut inputs = Vec::new();
                for &t in &op.inputs {
                    inputs.push(self.tensor(t as usize)?);
                }
                sem::concat(&inputs, dim(axis)?, &out)
            }
            (code, options) => {
                return Err(format!(
                    "unsupported operator {} with options {options:?}",
                    op_name(code)
                ))
            }
        };
        if result.len() != out.len() {
            return Err(format!(
                "kernel produced {} elements, output tensor has {}",
                result.len(),
                out.len()
            ));
        }
        self.values[out_t] = Some(result);
        Ok(out_t)
    }
}

/// Runs `model` on `input`; calls `each(op_index, op, output_tensor, values)` after every op.
fn run(
    model: &Model,
    input: &[i8],
    mut each: impl FnMut(usize, &Operator, usize, &[i8]),
) -> Result<Vec<i8>, String> {
    let mut interp = Interp::new(model);
    let in_t = *model.inputs.first().ok_or("model without input")?;
    if input.len() != interp.shapes[in_t].iter().product::<usize>() {
        return Err(format!(
            "input has {} bytes, tensor {in_t} has shape {:?}",
            input.len(),
            interp.shapes[in_t]
        ));
    }
    interp.values[in_t] = Some(input.to_vec());
    for (i, op) in model.operators.iter().enumerate() {
        let t = interp
            .run_op(op)
            .map_err(|e| format!("op {i} {}: {e}", op_name(&op.opcode)))?;
        each(i, op, t, interp.values[t].as_deref().unwrap_or(&[]));
    }
    let out_t = *model.outputs.first().ok_or("model without output")?;
    interp.values[out_t]
        .clone()
        .ok_or_else(|| format!("output tensor {out_t} never computed"))
}

/// `None` when equal, else a description of the first difference and the largest one.
fn compare(got: &[i8], want: &[i8]) -> Option<String> {
    if got.len() != want.len() {
        return Some(format!("length {} vs golden {}", got.len(), want.len()));
    }
    let diffs: Vec<usize> = (0..got.len()).filter(|&i| got[i] != want[i]).collect();
    let first = *diffs.first()?;
    let max = diffs
        .iter()
        .map(|&i| (got[i] as i32 - want[i] as i32).abs())
        .max()
        .unwrap_or(0);
    Some(format!(
        "{} of {} elements differ; first at [{first}]: got {} want {}; max abs diff {max}",
        diffs.len(),
        got.len(),
        got[first],
        want[first]
    ))
}

fn load_model(shared: &Path, name: &str) -> Model {
    let bytes = read(&shared.join("models").join(format!("{name}.tflite")));
    tmlc_tflite::reader::read_model(&bytes)
        .unwrap_or_else(|e| panic!("{name}: cannot read model: {e:?}"))
}

/// Checks one model: every op output on ramp, and the final outputs on ramp and rng42.
fn check_model(name: &str) {
    let Some(shared) = shared_dir() else {
        return;
    };
    let model = load_model(&shared, name);
    let refdir = shared.join("reference").join(name);
    let manifest_text = String::from_utf8(read(&refdir.join("manifest.json"))).unwrap();
    let manifest = JsonParser::parse(&manifest_text)
        .unwrap_or_else(|e| panic!("{name}: bad manifest.json: {e}"));

    // Golden op outputs of the ramp run, by tensor index: (op index, op name, file).
    let mut golden = std::collections::HashMap::new();
    for entry in manifest
        .get("op_outputs_for_ramp")
        .map(Json::as_arr)
        .unwrap_or(&[])
    {
        let index = entry.get("index").and_then(Json::as_f64).unwrap() as usize;
        let op = entry.get("op").and_then(Json::as_str).unwrap().to_string();
        let file = entry
            .get("file")
            .and_then(Json::as_str)
            .unwrap()
            .to_string();
        golden.insert(index, (op, file));
    }
    assert!(!golden.is_empty(), "{name}: manifest lists no op outputs");
    for (key, want) in [("input", &model.inputs), ("output", &model.outputs)] {
        let idx = manifest
            .get(key)
            .and_then(|v| v.get("index"))
            .and_then(Json::as_f64);
        assert_eq!(
            idx.map(|i| i as usize),
            want.first().copied(),
            "{name}: manifest {key} tensor index differs from the model's"
        );
    }

    let mut report = String::new();
    let mut checked = 0usize;
    let ramp = read_i8(&refdir.join("input.ramp.bin"));
    let result = run(&model, &ramp, |i, op, t, values| {
        let label = format!("{i}:{}", op_name(&op.opcode));
        match golden.get(&t) {
            None => {
                let _ = writeln!(report, "  op {label}: output t{t} not in the manifest");
            }
            Some((gop, file)) => {
                if *gop != label {
                    let _ = writeln!(report, "  op {label}: manifest says t{t} comes from {gop}");
                }
                let want = read_i8(&refdir.join(file));
                if let Some(d) = compare(values, &want) {
                    let _ = writeln!(report, "  op {label} (t{t}): {d}");
                }
                checked += 1;
            }
        }
    });
    match result {
        Err(e) => {
            let _ = writeln!(report, "  ramp run failed: {e}");
        }
        Ok(out) => {
            let want = read_i8(&refdir.join("output.ramp.bin"));
            if let Some(d) = compare(&out, &want) {
                let _ = writeln!(report, "  final output (ramp): {d}");
            }
        }
    }
    if checked != golden.len() {
        let _ = writeln!(
            report,
            "  compared {checked} op outputs, manifest lists {}",
            golden.len()
        );
    }

    let rng = read_i8(&refdir.join("input.rng42.bin"));
    match run(&model, &rng, |_, _, _, _| {}) {
        Err(e) => {
            let _ = writeln!(report, "  rng42 run failed: {e}");
        }
        Ok(out) => {
            let want = read_i8(&refdir.join("output.rng42.bin"));
            if let Some(d) = compare(&out, &want) {
                let _ = writeln!(report, "  final output (rng42): {d}");
            }
        }
    }

    if report.is_empty() {
        eprintln!(
            "{name}: {} ops, {checked} intermediate tensors and 2 final outputs bit-exact",
            model.operators.len()
        );
    } else {
        panic!("{name}: mismatches against TFLite Micro:\n{report}");
    }
}

macro_rules! model_tests {
    ($($name:ident),* $(,)?) => {
        $(
            #[test]
            #[allow(non_snake_case)]
            fn $name() {
                check_model(stringify!($name));
            }
        )*
    };
}

model_tests!(
    hello_world_int8,
    micro_speech_quantized,
    ad01_int8,
    kws_ref_model,
    person_detect,
    vww_96_int8,
    pretrainedResnet_quant,
);

#[test]
fn person_detect_real_images() {
    let Some(shared) = shared_dir() else {
        return;
    };
    let model = load_model(&shared, "person_detect");
    let real = shared.join("reference").join("real_inputs");
    for (file, want) in [
        ("person.int8.bin", [-113i8, 113]),
        ("no_person.int8.bin", [57, -57]),
    ] {
        let out = run(&model, &read_i8(&real.join(file)), |_, _, _, _| {})
            .unwrap_or_else(|e| panic!("person_detect on {file}: {e}"));
        assert_eq!(out, want, "person_detect on {file}");
    }
}

#[test]
fn json_reader() {
    let v =
        JsonParser::parse(r#"{"a": [1, -2.5e1, "x\"y"], "b": {"c": null, "d": true}}"#).unwrap();
    assert_eq!(v.get("a").unwrap().as_arr()[1].as_f64(), Some(-25.0));
    assert_eq!(v.get("a").unwrap().as_arr()[2].as_str(), Some("x\"y"));
    assert_eq!(v.get("b").unwrap().get("c"), Some(&Json::Null));
}
