//! Test-corpus builders: each function copies a valid `.tflite` file and damages one thing in
//! place, finding the bytes by walking the flatbuffer with `schema`'s verified accessors. The
//! reader's tests use them, and so can the importer's and the driver's robustness tests; they
//! have no use in a compiler run.
//!
//! A mutation that needs a field the file leaves out (flatbuffers omit fields equal to their
//! default, e.g. an `opcode_index` of 0) cannot be made in place and returns `Err` saying so.

use flatbuffers::{ForwardsUOffset, Table, Vector};

use crate::schema::{self, Field, TableView};

/// A mutated copy of the model, or why the mutation cannot be made.
pub type Mutation = Result<Vec<u8>, String>;

/// A table of the model or of its first subgraph, to aim a mutation at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableRef {
    Model,
    SubGraph,
    Tensor(usize),
    Operator(usize),
    OperatorCode(usize),
    Buffer(usize),
}

/// Overwrites the file identifier (bytes 4..8; a file shorter than 8 bytes is returned as is).
pub fn set_file_identifier(model: &[u8], identifier: [u8; 4]) -> Vec<u8> {
    let mut out = model.to_vec();
    if let Some(bytes) = out.get_mut(4..8) {
        bytes.copy_from_slice(&identifier);
    }
    out
}

/// Overwrites the root offset (bytes 0..4; a file shorter than 4 bytes is returned as is).
pub fn set_root_offset(model: &[u8], offset: u32) -> Vec<u8> {
    let mut out = model.to_vec();
    if let Some(bytes) = out.get_mut(0..4) {
        bytes.copy_from_slice(&offset.to_le_bytes());
    }
    out
}

/// Overwrites the signed offset from `table` to its vtable (the table's first 4 bytes).
pub fn set_vtable_offset(model: &[u8], table: TableRef, soffset: i32) -> Mutation {
    let location = find_table(&schema_root(model)?, table)?.loc();
    Ok(overwrite(model, location, &soffset.to_le_bytes()))
}

/// Overwrites the vtable entry of field `field_id` of `table` (the field's offset from the start
/// of the table). Tables with the same layout share a vtable: they all change.
pub fn set_vtable_entry(model: &[u8], table: TableRef, field_id: u16, value: u16) -> Mutation {
    let table_location = find_table(&schema_root(model)?, table)?.loc();
    let soffset = i32::from_le_bytes(read_array(model, table_location)?);
    let vtable =
        i64::try_from(table_location).map_err(|error| error.to_string())? - i64::from(soffset);
    let vtable = usize::try_from(vtable).map_err(|error| error.to_string())?;
    let vtable_len = usize::from(u16::from_le_bytes(read_array(model, vtable)?));
    let entry = 4 + 2 * usize::from(field_id);
    if entry + 2 > vtable_len {
        return Err(format!(
            "the vtable of {table:?} has no entry for field {field_id} (it is {vtable_len} bytes)"
        ));
    }
    Ok(overwrite(model, vtable + entry, &value.to_le_bytes()))
}

/// Sets input `input` of operator `operator` to tensor index `tensor`.
pub fn set_operator_input(model: &[u8], operator: usize, input: usize, tensor: i32) -> Mutation {
    let root = schema_root(model)?;
    let operator = nth(first_subgraph(&root)?.operators(), operator, "operator")?;
    let position = vector_element(model, &schema::Operator::INPUTS, &operator, input, 4)?;
    Ok(overwrite(model, position, &tensor.to_le_bytes()))
}

/// Sets output `output` of operator `operator` to tensor index `tensor`.
pub fn set_operator_output(model: &[u8], operator: usize, output: usize, tensor: i32) -> Mutation {
    let root = schema_root(model)?;
    let operator = nth(first_subgraph(&root)?.operators(), operator, "operator")?;
    let position = vector_element(model, &schema::Operator::OUTPUTS, &operator, output, 4)?;
    Ok(overwrite(model, position, &tensor.to_le_bytes()))
}

/// Sets the index into `Model.operator_codes` of operator `operator`.
pub fn set_operator_opcode_index(model: &[u8], operator: usize, opcode_index: u32) -> Mutation {
    let root = schema_root(model)?;
    let operator = nth(first_subgraph(&root)?.operators(), operator, "operator")?;
    let position = field_position(&schema::Operator::OPCODE_INDEX, &operator)?;
    Ok(overwrite(model, position, &opcode_index.to_le_bytes()))
}

/// Rewrites the `OperatorCode` that operator `operator` uses to builtin `code` (so every operator
/// sharing that entry changes too): both its `deprecated_builtin_code` (capped at 127) and its
/// `builtin_code`, as far as the file stores them.
pub fn set_operator_builtin_code(model: &[u8], operator: usize, code: i32) -> Mutation {
    let root = schema_root(model)?;
    let operator = nth(first_subgraph(&root)?.operators(), operator, "operator")?;
    let index = operator.opcode_index() as usize;
    let operator_code = nth(root.operator_codes(), index, "operator code")?;
    let mut out = model.to_vec();
    if let Some(position) = schema::OperatorCode::DEPRECATED_BUILTIN_CODE.position(&operator_code) {
        out[position] = code.clamp(0, 127) as u8;
    }
    if let Some(position) = schema::OperatorCode::BUILTIN_CODE.position(&operator_code) {
        out[position..position + 4].copy_from_slice(&code.to_le_bytes());
    }
    let written = nth(schema_root(&out)?.operator_codes(), index, "operator code")?.code();
    if written != code {
        return Err(format!(
            "operator code {index} does not store the fields to hold code {code} in place"
        ));
    }
    Ok(out)
}

/// Sets the subgraph's input number `position` to tensor index `tensor`.
pub fn set_subgraph_input(model: &[u8], position: usize, tensor: i32) -> Mutation {
    let root = schema_root(model)?;
    let subgraph = first_subgraph(&root)?;
    let at = vector_element(model, &schema::SubGraph::INPUTS, &subgraph, position, 4)?;
    Ok(overwrite(model, at, &tensor.to_le_bytes()))
}

/// Sets the subgraph's output number `position` to tensor index `tensor`.
pub fn set_subgraph_output(model: &[u8], position: usize, tensor: i32) -> Mutation {
    let root = schema_root(model)?;
    let subgraph = first_subgraph(&root)?;
    let at = vector_element(model, &schema::SubGraph::OUTPUTS, &subgraph, position, 4)?;
    Ok(overwrite(model, at, &tensor.to_le_bytes()))
}

/// Sets the `TensorType` code of tensor `tensor` (FLOAT32 = 0, INT16 = 7, INT8 = 9, ...).
pub fn set_tensor_type(model: &[u8], tensor: usize, type_code: i8) -> Mutation {
    let root = schema_root(model)?;
    let tensor = nth(first_subgraph(&root)?.tensors(), tensor, "tensor")?;
    let position = field_position(&schema::Tensor::TYPE, &tensor)?;
    Ok(overwrite(model, position, &type_code.to_le_bytes()))
}

/// Sets the index into `Model.buffers` of tensor `tensor`.
pub fn set_tensor_buffer(model: &[u8], tensor: usize, buffer: u32) -> Mutation {
    let root = schema_root(model)?;
    let tensor = nth(first_subgraph(&root)?.tensors(), tensor, "tensor")?;
    let position = field_position(&schema::Tensor::BUFFER, &tensor)?;
    Ok(overwrite(model, position, &buffer.to_le_bytes()))
}

/// Sets dimension `dim` of the shape of tensor `tensor`.
pub fn set_tensor_dim(model: &[u8], tensor: usize, dim: usize, value: i32) -> Mutation {
    let root = schema_root(model)?;
    let tensor = nth(first_subgraph(&root)?.tensors(), tensor, "tensor")?;
    let position = vector_element(model, &schema::Tensor::SHAPE, &tensor, dim, 4)?;
    Ok(overwrite(model, position, &value.to_le_bytes()))
}

/// Sets the axis along which tensor `tensor` is quantized per channel (`quantized_dimension`).
pub fn set_quantized_dimension(model: &[u8], tensor: usize, dimension: i32) -> Mutation {
    let root = schema_root(model)?;
    let tensor = nth(first_subgraph(&root)?.tensors(), tensor, "tensor")?;
    let quantization = tensor.quantization();
    let position = field_position(
        &schema::QuantizationParameters::QUANTIZED_DIMENSION,
        &quantization,
    )?;
    Ok(overwrite(model, position, &dimension.to_le_bytes()))
}

/// Changes `count` bytes at positions drawn from `seed` (deterministically: a xorshift PRNG):
/// each to a random value, one bit flipped, 0x00 or 0xFF. Any bytes work, even invalid models.
pub fn mutate_random_bytes(model: &[u8], seed: u64, count: usize) -> Vec<u8> {
    let mut out = model.to_vec();
    if out.is_empty() {
        return out;
    }
    let mut random = XorShift64::new(seed);
    for _ in 0..count {
        let position = (random.next() % out.len() as u64) as usize;
        let value = random.next();
        out[position] = match value % 4 {
            0 => (value >> 8) as u8,
            1 => out[position] ^ (1 << ((value >> 8) % 8)),
            2 => 0x00,
            _ => 0xFF,
        };
    }
    out
}

/// Marsaglia's xorshift64: tiny, deterministic, good enough to pick bytes.
struct XorShift64(u64);

impl XorShift64 {
    fn new(seed: u64) -> Self {
        // The state must never be 0; spread small seeds over the whole word.
        Self(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

fn schema_root(model: &[u8]) -> Result<schema::Model<'_>, String> {
    schema::root(model).map_err(|error| format!("not a valid TFLite flatbuffer: {error}"))
}

fn first_subgraph<'a>(root: &schema::Model<'a>) -> Result<schema::SubGraph<'a>, String> {
    nth(root.subgraphs(), 0, "subgraph")
}

fn nth<'a, T: flatbuffers::Follow<'a, Inner = T> + 'a>(
    vector: Vector<'a, ForwardsUOffset<T>>,
    index: usize,
    what: &str,
) -> Result<T, String> {
    let len = vector.len();
    vector
        .iter()
        .nth(index)
        .ok_or_else(|| format!("no {what} {index}: the model has {len}"))
}

fn find_table<'a>(root: &schema::Model<'a>, table: TableRef) -> Result<Table<'a>, String> {
    let found = match table {
        TableRef::Model => root.table(),
        TableRef::SubGraph => first_subgraph(root)?.table(),
        TableRef::Tensor(index) => nth(first_subgraph(root)?.tensors(), index, "tensor")?.table(),
        TableRef::Operator(index) => {
            nth(first_subgraph(root)?.operators(), index, "operator")?.table()
        }
        TableRef::OperatorCode(index) => {
            nth(root.operator_codes(), index, "operator code")?.table()
        }
        TableRef::Buffer(index) => nth(root.buffers(), index, "buffer")?.table(),
    };
    found.ok_or_else(|| format!("{table:?} is absent"))
}

/// Where `field` of `owner` is stored, or an error when the file leaves it out.
fn field_position<'a, Owner: TableView<'a>, T>(
    field: &Field<Owner, T>,
    owner: &Owner,
) -> Result<usize, String> {
    field.position(owner).ok_or_else(|| {
        format!(
            "the field in vtable slot {} is absent (it holds its default): cannot rewrite it in \
             place",
            field.slot()
        )
    })
}

/// Where element `index` (of `element_size` bytes) of vector field `field` of `owner` is.
fn vector_element<'a, Owner: TableView<'a>, T>(
    model: &[u8],
    field: &Field<Owner, T>,
    owner: &Owner,
    index: usize,
    element_size: usize,
) -> Result<usize, String> {
    let offset_position = field_position(field, owner)?;
    let offset = u32::from_le_bytes(read_array(model, offset_position)?) as usize;
    let vector = offset_position + offset;
    let len = u32::from_le_bytes(read_array(model, vector)?) as usize;
    if index >= len {
        return Err(format!("no element {index}: the vector has {len}"));
    }
    Ok(vector + 4 + index * element_size)
}

fn read_array<const N: usize>(model: &[u8], position: usize) -> Result<[u8; N], String> {
    model
        .get(position..position + N)
        .and_then(|bytes| bytes.try_into().ok())
        .ok_or_else(|| format!("bytes {position}..{} are out of the file", position + N))
}

fn overwrite(model: &[u8], position: usize, bytes: &[u8]) -> Vec<u8> {
    let mut out = model.to_vec();
    out[position..position + bytes.len()].copy_from_slice(bytes);
    out
}
