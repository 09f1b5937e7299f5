//! The part of the TFLite flatbuffer schema (`tflite/schema.fbs`, file identifier "TFL3") that
//! tmlc reads, written by hand: for each table its fields (schema id, flatbuffers type), a
//! verifier and typed accessors with the schema's defaults. Nothing here knows tmlc's model
//! types: `reader` turns these views into [`crate::model::Model`].
//!
//! Safety argument, in one place. Reading a flatbuffer field is `unsafe` in the `flatbuffers`
//! crate because it trusts offsets. Here a table view (the types below) is only ever made by
//! [`root`], which runs the verifier over the whole tree first, or by following a field of an
//! already verified table. The `table!` macro declares a table's fields and its verifier from
//! one list, so the verifier checks every [`Field`] of that table as the very type an accessor
//! reads (bounds, alignment, UTF-8, nested tables); a [`Field`] is tied to its table type, so it
//! cannot be read from another. The one field outside that scheme, the `builtin_options` union
//! value, is read only as the table its tag names, which is how [`verify_builtin_options`]
//! checked it. Fields tmlc never reads are never verified and never touched. The verifier
//! computes positions in `usize`, the crate's readers follow vtable offsets in `i32`: [`root`]
//! therefore refuses buffers of 2 GiB or more (flatbuffers cannot address them anyway).
//!
//! An absent table reads as all defaults, as the flatbuffers format specifies: every view holds
//! an `Option<Table>` and its `Default` is the absent table. So a missing `quantization` reads
//! as empty vectors and a missing `Conv2DOptions` as the schema defaults.

use std::marker::PhantomData;

use flatbuffers::{
    Follow, ForwardsUOffset, InvalidFlatbuffer, Table, TableVerifier, VOffsetT, Vector, Verifiable,
    Verifier,
};

type VerifyResult = Result<(), InvalidFlatbuffer>;

/// A vector of tables, as a field type.
type TableVector<'a, T> = ForwardsUOffset<Vector<'a, ForwardsUOffset<T>>>;
/// A vector of scalars, as a field type.
type ScalarVector<'a, T> = ForwardsUOffset<Vector<'a, T>>;
/// A string, as a field type.
type Str<'a> = ForwardsUOffset<&'a str>;

/// A field of table `Owner`, stored as flatbuffers type `T`.
pub(crate) struct Field<Owner, T> {
    slot: VOffsetT,
    name: &'static str,
    types: PhantomData<fn() -> (Owner, T)>,
}

impl<Owner, T> Field<Owner, T> {
    /// `id` is the field's position in its schema table, counting from 0 (a union counts twice:
    /// its type tag, then its value). The vtable entry of field `id` is at byte `4 + 2 * id`.
    const fn new(id: u16, name: &'static str) -> Self {
        Self {
            slot: 4 + 2 * id,
            name,
            types: PhantomData,
        }
    }

    /// The byte position of the field's entry in its table's vtable.
    pub(crate) fn slot(&self) -> VOffsetT {
        self.slot
    }

    /// Where the field's value starts in the buffer; `None` when the field is absent.
    pub(crate) fn position<'a>(&self, owner: &Owner) -> Option<usize>
    where
        Owner: TableView<'a>,
    {
        let table = owner.table()?;
        match table.vtable().get(self.slot) {
            0 => None,
            offset => Some(table.loc() + usize::from(offset)),
        }
    }

    /// The field's value; `None` when the field or its table is absent.
    fn read<'a>(&self, owner: &Owner) -> Option<T::Inner>
    where
        Owner: TableView<'a>,
        T: Follow<'a> + 'a,
    {
        let table = owner.table()?;
        // SAFETY: `owner` is a verified `Owner` table, and `Owner`'s verifier (made by `table!`
        // from the same list that declares this field) checked this field as a `T`.
        unsafe { table.get::<T>(self.slot, None) }
    }
}

impl<Owner, T: Verifiable> Field<Owner, T> {
    /// Checks the field, if present, as a `T`: its bounds and everything it points to.
    fn verify<'v, 'o, 'b>(
        &self,
        table: TableVerifier<'v, 'o, 'b>,
    ) -> Result<TableVerifier<'v, 'o, 'b>, InvalidFlatbuffer> {
        table.visit_field::<T>(self.name, self.slot, false)
    }
}

/// Implemented by every table view.
pub(crate) trait TableView<'a> {
    /// The verified table, or `None` for an absent one.
    fn table(&self) -> Option<Table<'a>>;
}

/// Declares the view of a schema table: its fields as `Field` constants, and a verifier that
/// checks each of them (then runs `$extra`, if given, for what a field list cannot say).
macro_rules! table {
    (
        $(#[$doc:meta])*
        $view:ident {
            $($field:ident: $ty:ty = $id:literal $name:literal,)*
        }
        $(also verify $extra:path)?
    ) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Default)]
        pub(crate) struct $view<'a>(Option<Table<'a>>);

        impl<'a> $view<'a> {
            $(pub(crate) const $field: Field<Self, $ty> = Field::new($id, $name);)*
        }

        impl<'a> Follow<'a> for $view<'a> {
            type Inner = Self;
            unsafe fn follow(buf: &'a [u8], loc: usize) -> Self {
                // SAFETY: flatbuffers follows an offset to a table only where the verifier
                // checked one (module doc).
                Self(Some(unsafe { Table::follow(buf, loc) }))
            }
        }

        impl<'a> TableView<'a> for $view<'a> {
            fn table(&self) -> Option<Table<'a>> {
                self.0
            }
        }

        impl Verifiable for $view<'_> {
            fn run_verifier(v: &mut Verifier, pos: usize) -> VerifyResult {
                #[allow(unused_mut)]
                let mut table = v.visit_table(pos)?;
                $(table = Self::$field.verify(table)?;)*
                $(table = $extra(table)?;)?
                table.finish();
                Ok(())
            }
        }
    };
}

/// Verifies the root `Model` table of `bytes` and returns its view.
pub(crate) fn root(bytes: &[u8]) -> Result<Model<'_>, InvalidFlatbuffer> {
    if bytes.len() > i32::MAX as usize {
        return Err(InvalidFlatbuffer::ApparentSizeTooLarge);
    }
    flatbuffers::root::<Model>(bytes)
}

// ---------------------------------------------------------------------------------------------
// Model, SubGraph, Buffer

table!(
    /// `table Model`: the root. Not read: version, description, metadata, signature_defs.
    Model {
        OPERATOR_CODES: TableVector<'a, OperatorCode<'a>> = 1 "operator_codes",
        SUBGRAPHS: TableVector<'a, SubGraph<'a>> = 2 "subgraphs",
        BUFFERS: TableVector<'a, Buffer<'a>> = 4 "buffers",
    }
);

impl<'a> Model<'a> {
    pub(crate) fn operator_codes(&self) -> Vector<'a, ForwardsUOffset<OperatorCode<'a>>> {
        Self::OPERATOR_CODES.read(self).unwrap_or_default()
    }
    pub(crate) fn subgraphs(&self) -> Vector<'a, ForwardsUOffset<SubGraph<'a>>> {
        Self::SUBGRAPHS.read(self).unwrap_or_default()
    }
    pub(crate) fn buffers(&self) -> Vector<'a, ForwardsUOffset<Buffer<'a>>> {
        Self::BUFFERS.read(self).unwrap_or_default()
    }
}

table!(
    /// `table SubGraph`. Not read: name.
    SubGraph {
        TENSORS: TableVector<'a, Tensor<'a>> = 0 "tensors",
        INPUTS: ScalarVector<'a, i32> = 1 "inputs",
        OUTPUTS: ScalarVector<'a, i32> = 2 "outputs",
        OPERATORS: TableVector<'a, Operator<'a>> = 3 "operators",
    }
);

impl<'a> SubGraph<'a> {
    pub(crate) fn tensors(&self) -> Vector<'a, ForwardsUOffset<Tensor<'a>>> {
        Self::TENSORS.read(self).unwrap_or_default()
    }
    pub(crate) fn inputs(&self) -> Vector<'a, i32> {
        Self::INPUTS.read(self).unwrap_or_default()
    }
    pub(crate) fn outputs(&self) -> Vector<'a, i32> {
        Self::OUTPUTS.read(self).unwrap_or_default()
    }
    pub(crate) fn operators(&self) -> Vector<'a, ForwardsUOffset<Operator<'a>>> {
        Self::OPERATORS.read(self).unwrap_or_default()
    }
}

table!(
    /// `table Buffer`: constant data, inline in `data` or, in models over 2 GB, stored after the
    /// flatbuffer: `size` bytes at `offset` from the start of the file (used when offset > 1).
    Buffer {
        DATA: ScalarVector<'a, u8> = 0 "data",
        OFFSET: u64 = 1 "offset",
        SIZE: u64 = 2 "size",
    }
);

impl<'a> Buffer<'a> {
    pub(crate) fn data(&self) -> &'a [u8] {
        Self::DATA.read(self).map_or(&[], |data| data.bytes())
    }
    pub(crate) fn offset(&self) -> u64 {
        Self::OFFSET.read(self).unwrap_or(0)
    }
    pub(crate) fn size(&self) -> u64 {
        Self::SIZE.read(self).unwrap_or(0)
    }
}

// ---------------------------------------------------------------------------------------------
// Tensor, QuantizationParameters

table!(
    /// `table Tensor`. Not read: sparsity, shape_signature, has_rank, variants.
    Tensor {
        SHAPE: ScalarVector<'a, i32> = 0 "shape",
        TYPE: i8 = 1 "type",
        BUFFER: u32 = 2 "buffer",
        NAME: Str<'a> = 3 "name",
        QUANTIZATION: ForwardsUOffset<QuantizationParameters<'a>> = 4 "quantization",
        IS_VARIABLE: bool = 5 "is_variable",
    }
);

impl<'a> Tensor<'a> {
    pub(crate) fn shape(&self) -> Vector<'a, i32> {
        Self::SHAPE.read(self).unwrap_or_default()
    }
    /// The `TensorType` code; the schema default is 0 (FLOAT32).
    pub(crate) fn type_code(&self) -> i8 {
        Self::TYPE.read(self).unwrap_or(0)
    }
    /// Index into `Model.buffers`; 0 is the empty sentinel.
    pub(crate) fn buffer(&self) -> u32 {
        Self::BUFFER.read(self).unwrap_or(0)
    }
    pub(crate) fn name(&self) -> &'a str {
        Self::NAME.read(self).unwrap_or("")
    }
    pub(crate) fn quantization(&self) -> QuantizationParameters<'a> {
        Self::QUANTIZATION.read(self).unwrap_or_default()
    }
    /// Whether the tensor is state an operator updates (an LSTM's), not an activation.
    pub(crate) fn is_variable(&self) -> bool {
        Self::IS_VARIABLE.read(self).unwrap_or(false)
    }
}

table!(
    /// `table QuantizationParameters`. Not read: min, max, the custom `details` union (ids 4
    /// and 5).
    QuantizationParameters {
        SCALE: ScalarVector<'a, f32> = 2 "scale",
        ZERO_POINT: ScalarVector<'a, i64> = 3 "zero_point",
        QUANTIZED_DIMENSION: i32 = 6 "quantized_dimension",
    }
);

impl<'a> QuantizationParameters<'a> {
    pub(crate) fn scale(&self) -> Vector<'a, f32> {
        Self::SCALE.read(self).unwrap_or_default()
    }
    pub(crate) fn zero_point(&self) -> Vector<'a, i64> {
        Self::ZERO_POINT.read(self).unwrap_or_default()
    }
    pub(crate) fn quantized_dimension(&self) -> i32 {
        Self::QUANTIZED_DIMENSION.read(self).unwrap_or(0)
    }
}

// ---------------------------------------------------------------------------------------------
// OperatorCode, Operator

table!(
    /// `table OperatorCode`. Not read: version.
    OperatorCode {
        DEPRECATED_BUILTIN_CODE: i8 = 0 "deprecated_builtin_code",
        CUSTOM_CODE: Str<'a> = 1 "custom_code",
        BUILTIN_CODE: i32 = 3 "builtin_code",
    }
);

impl<'a> OperatorCode<'a> {
    /// The `BuiltinOperator` code. Old files only set the int8 `deprecated_builtin_code`; newer
    /// ones also set the int32 `builtin_code` (and cap the byte at 127): the code is the larger.
    pub(crate) fn code(&self) -> i32 {
        let deprecated = Self::DEPRECATED_BUILTIN_CODE.read(self).unwrap_or(0);
        let builtin = Self::BUILTIN_CODE.read(self).unwrap_or(0);
        builtin.max(i32::from(deprecated))
    }
    pub(crate) fn custom_code(&self) -> Option<&'a str> {
        Self::CUSTOM_CODE.read(self)
    }
}

table!(
    /// `table Operator`. Its `builtin_options` union (ids 3 and 4) is checked by
    /// `verify_builtin_options`. Not read: custom options, intermediates, builtin_options_2.
    Operator {
        OPCODE_INDEX: u32 = 0 "opcode_index",
        INPUTS: ScalarVector<'a, i32> = 1 "inputs",
        OUTPUTS: ScalarVector<'a, i32> = 2 "outputs",
    }
    also verify verify_builtin_options
);

/// Vtable slots of the `builtin_options` union of `Operator`: the tag (field id 3) and the
/// offset of the options table (id 4).
const BUILTIN_OPTIONS_TYPE_SLOT: VOffsetT = 4 + 2 * 3;
const BUILTIN_OPTIONS_SLOT: VOffsetT = 4 + 2 * 4;
/// The `BuiltinOptions` union tag of an operator without options.
const BUILTIN_OPTIONS_NONE: u8 = 0;

impl<'a> Operator<'a> {
    pub(crate) fn opcode_index(&self) -> u32 {
        Self::OPCODE_INDEX.read(self).unwrap_or(0)
    }
    pub(crate) fn inputs(&self) -> Vector<'a, i32> {
        Self::INPUTS.read(self).unwrap_or_default()
    }
    pub(crate) fn outputs(&self) -> Vector<'a, i32> {
        Self::OUTPUTS.read(self).unwrap_or_default()
    }

    /// The `BuiltinOptions` union tag; 0 (NONE) when absent.
    pub(crate) fn builtin_options_type(&self) -> u8 {
        let Some(table) = self.0 else {
            return BUILTIN_OPTIONS_NONE;
        };
        // SAFETY: `verify_builtin_options` checked the tag as a `u8`.
        unsafe { table.get::<u8>(BUILTIN_OPTIONS_TYPE_SLOT, None) }.unwrap_or(BUILTIN_OPTIONS_NONE)
    }

    /// The builtin options as table `T`: the absent table (all defaults) when the operator has
    /// none, `Err(tag)` when it holds another member of the union.
    pub(crate) fn builtin_options<T: OptionsTable<'a>>(&self) -> Result<T, u8> {
        let tag = self.builtin_options_type();
        if tag != T::TAG && tag != BUILTIN_OPTIONS_NONE {
            return Err(tag);
        }
        let Some(table) = self.0.filter(|_| tag == T::TAG) else {
            return Ok(T::default());
        };
        // SAFETY: the tag is `T::TAG`, so `verify_builtin_options` checked the union value as
        // an offset to a `T` table.
        let options = unsafe { table.get::<ForwardsUOffset<T>>(BUILTIN_OPTIONS_SLOT, None) };
        Ok(options.unwrap_or_default())
    }
}

/// Checks the `builtin_options` union of an `Operator`: its tag, and its value as the table the
/// tag names. Every [`OptionsTable`] must be listed here; members tmlc does not read are neither
/// checked nor read.
fn verify_builtin_options<'v, 'o, 'b>(
    table: TableVerifier<'v, 'o, 'b>,
) -> Result<TableVerifier<'v, 'o, 'b>, InvalidFlatbuffer> {
    fn member<'a, T: OptionsTable<'a> + Verifiable>(v: &mut Verifier, pos: usize) -> VerifyResult {
        v.verify_union_variant::<ForwardsUOffset<T>>(T::NAME, pos)
    }
    table.visit_union::<u8, _>(
        "builtin_options_type",
        BUILTIN_OPTIONS_TYPE_SLOT,
        "builtin_options",
        BUILTIN_OPTIONS_SLOT,
        false,
        |tag, v, pos| match tag {
            Conv2DOptions::TAG => member::<Conv2DOptions>(v, pos),
            DepthwiseConv2DOptions::TAG => member::<DepthwiseConv2DOptions>(v, pos),
            Pool2DOptions::TAG => member::<Pool2DOptions>(v, pos),
            FullyConnectedOptions::TAG => member::<FullyConnectedOptions>(v, pos),
            SoftmaxOptions::TAG => member::<SoftmaxOptions>(v, pos),
            ConcatenationOptions::TAG => member::<ConcatenationOptions>(v, pos),
            AddOptions::TAG => member::<AddOptions>(v, pos),
            MulOptions::TAG => member::<MulOptions>(v, pos),
            SubOptions::TAG => member::<SubOptions>(v, pos),
            LeakyReluOptions::TAG => member::<LeakyReluOptions>(v, pos),
            ReshapeOptions::TAG => member::<ReshapeOptions>(v, pos),
            ReducerOptions::TAG => member::<ReducerOptions>(v, pos),
            SqueezeOptions::TAG => member::<SqueezeOptions>(v, pos),
            StridedSliceOptions::TAG => member::<StridedSliceOptions>(v, pos),
            ResizeNearestNeighborOptions::TAG => member::<ResizeNearestNeighborOptions>(v, pos),
            UnidirectionalSequenceLSTMOptions::TAG => {
                member::<UnidirectionalSequenceLSTMOptions>(v, pos)
            }
            _ => Ok(()),
        },
    )
}

// ---------------------------------------------------------------------------------------------
// The builtin options tables tmlc reads

/// A member of the `BuiltinOptions` union that tmlc reads.
pub(crate) trait OptionsTable<'a>: Follow<'a, Inner = Self> + Default + 'a {
    /// The member's union tag: its 1-based position in `union BuiltinOptions`.
    const TAG: u8;
    /// The table's schema name.
    const NAME: &'static str;
}

/// Declares that `$view` is member `$tag` of `union BuiltinOptions`.
macro_rules! options_member {
    ($view:ident = $tag:literal) => {
        impl<'a> OptionsTable<'a> for $view<'a> {
            const TAG: u8 = $tag;
            const NAME: &'static str = stringify!($view);
        }
    };
}

/// The schema name of a `BuiltinOptions` union tag, for error messages.
pub(crate) fn builtin_options_name(tag: u8) -> String {
    let name = match tag {
        BUILTIN_OPTIONS_NONE => "NONE",
        Conv2DOptions::TAG => Conv2DOptions::NAME,
        DepthwiseConv2DOptions::TAG => DepthwiseConv2DOptions::NAME,
        Pool2DOptions::TAG => Pool2DOptions::NAME,
        FullyConnectedOptions::TAG => FullyConnectedOptions::NAME,
        SoftmaxOptions::TAG => SoftmaxOptions::NAME,
        ConcatenationOptions::TAG => ConcatenationOptions::NAME,
        AddOptions::TAG => AddOptions::NAME,
        MulOptions::TAG => MulOptions::NAME,
        SubOptions::TAG => SubOptions::NAME,
        LeakyReluOptions::TAG => LeakyReluOptions::NAME,
        ReshapeOptions::TAG => ReshapeOptions::NAME,
        ReducerOptions::TAG => ReducerOptions::NAME,
        SqueezeOptions::TAG => SqueezeOptions::NAME,
        StridedSliceOptions::TAG => StridedSliceOptions::NAME,
        ResizeNearestNeighborOptions::TAG => ResizeNearestNeighborOptions::NAME,
        UnidirectionalSequenceLSTMOptions::TAG => UnidirectionalSequenceLSTMOptions::NAME,
        _ => return format!("BuiltinOptions member {tag}"),
    };
    name.to_string()
}

table!(
    /// `table Conv2DOptions`. Not read: quantized_bias_type.
    Conv2DOptions {
        PADDING: i8 = 0 "padding",
        STRIDE_W: i32 = 1 "stride_w",
        STRIDE_H: i32 = 2 "stride_h",
        FUSED_ACTIVATION_FUNCTION: i8 = 3 "fused_activation_function",
        DILATION_W_FACTOR: i32 = 4 "dilation_w_factor",
        DILATION_H_FACTOR: i32 = 5 "dilation_h_factor",
    }
);
options_member!(Conv2DOptions = 1);

impl Conv2DOptions<'_> {
    /// `Padding` code: SAME = 0 (the default), VALID = 1.
    pub(crate) fn padding(&self) -> i8 {
        Self::PADDING.read(self).unwrap_or(0)
    }
    pub(crate) fn stride_w(&self) -> i32 {
        Self::STRIDE_W.read(self).unwrap_or(0)
    }
    pub(crate) fn stride_h(&self) -> i32 {
        Self::STRIDE_H.read(self).unwrap_or(0)
    }
    /// `ActivationFunctionType` code: NONE = 0 (the default).
    pub(crate) fn fused_activation_function(&self) -> i8 {
        Self::FUSED_ACTIVATION_FUNCTION.read(self).unwrap_or(0)
    }
    pub(crate) fn dilation_w_factor(&self) -> i32 {
        Self::DILATION_W_FACTOR.read(self).unwrap_or(1)
    }
    pub(crate) fn dilation_h_factor(&self) -> i32 {
        Self::DILATION_H_FACTOR.read(self).unwrap_or(1)
    }
}

table!(
    /// `table DepthwiseConv2DOptions`.
    DepthwiseConv2DOptions {
        PADDING: i8 = 0 "padding",
        STRIDE_W: i32 = 1 "stride_w",
        STRIDE_H: i32 = 2 "stride_h",
        DEPTH_MULTIPLIER: i32 = 3 "depth_multiplier",
        FUSED_ACTIVATION_FUNCTION: i8 = 4 "fused_activation_function",
        DILATION_W_FACTOR: i32 = 5 "dilation_w_factor",
        DILATION_H_FACTOR: i32 = 6 "dilation_h_factor",
    }
);
options_member!(DepthwiseConv2DOptions = 2);

impl DepthwiseConv2DOptions<'_> {
    pub(crate) fn padding(&self) -> i8 {
        Self::PADDING.read(self).unwrap_or(0)
    }
    pub(crate) fn stride_w(&self) -> i32 {
        Self::STRIDE_W.read(self).unwrap_or(0)
    }
    pub(crate) fn stride_h(&self) -> i32 {
        Self::STRIDE_H.read(self).unwrap_or(0)
    }
    pub(crate) fn depth_multiplier(&self) -> i32 {
        Self::DEPTH_MULTIPLIER.read(self).unwrap_or(0)
    }
    pub(crate) fn fused_activation_function(&self) -> i8 {
        Self::FUSED_ACTIVATION_FUNCTION.read(self).unwrap_or(0)
    }
    pub(crate) fn dilation_w_factor(&self) -> i32 {
        Self::DILATION_W_FACTOR.read(self).unwrap_or(1)
    }
    pub(crate) fn dilation_h_factor(&self) -> i32 {
        Self::DILATION_H_FACTOR.read(self).unwrap_or(1)
    }
}

table!(
    /// `table Pool2DOptions`, shared by AVERAGE_POOL_2D and MAX_POOL_2D.
    Pool2DOptions {
        PADDING: i8 = 0 "padding",
        STRIDE_W: i32 = 1 "stride_w",
        STRIDE_H: i32 = 2 "stride_h",
        FILTER_WIDTH: i32 = 3 "filter_width",
        FILTER_HEIGHT: i32 = 4 "filter_height",
        FUSED_ACTIVATION_FUNCTION: i8 = 5 "fused_activation_function",
    }
);
options_member!(Pool2DOptions = 5);

impl Pool2DOptions<'_> {
    pub(crate) fn padding(&self) -> i8 {
        Self::PADDING.read(self).unwrap_or(0)
    }
    pub(crate) fn stride_w(&self) -> i32 {
        Self::STRIDE_W.read(self).unwrap_or(0)
    }
    pub(crate) fn stride_h(&self) -> i32 {
        Self::STRIDE_H.read(self).unwrap_or(0)
    }
    pub(crate) fn filter_width(&self) -> i32 {
        Self::FILTER_WIDTH.read(self).unwrap_or(0)
    }
    pub(crate) fn filter_height(&self) -> i32 {
        Self::FILTER_HEIGHT.read(self).unwrap_or(0)
    }
    pub(crate) fn fused_activation_function(&self) -> i8 {
        Self::FUSED_ACTIVATION_FUNCTION.read(self).unwrap_or(0)
    }
}

table!(
    /// `table FullyConnectedOptions`. Not read: weights_format (id 1), asymmetric inputs, bias
    /// type.
    FullyConnectedOptions {
        FUSED_ACTIVATION_FUNCTION: i8 = 0 "fused_activation_function",
        KEEP_NUM_DIMS: bool = 2 "keep_num_dims",
    }
);
options_member!(FullyConnectedOptions = 8);

impl FullyConnectedOptions<'_> {
    pub(crate) fn fused_activation_function(&self) -> i8 {
        Self::FUSED_ACTIVATION_FUNCTION.read(self).unwrap_or(0)
    }
    pub(crate) fn keep_num_dims(&self) -> bool {
        Self::KEEP_NUM_DIMS.read(self).unwrap_or(false)
    }
}

table!(
    /// `table SoftmaxOptions`.
    SoftmaxOptions {
        BETA: f32 = 0 "beta",
    }
);
options_member!(SoftmaxOptions = 9);

impl SoftmaxOptions<'_> {
    /// The schema default is 0.0 (converters always write 1.0).
    pub(crate) fn beta(&self) -> f32 {
        Self::BETA.read(self).unwrap_or(0.0)
    }
}

table!(
    /// `table ConcatenationOptions`.
    ConcatenationOptions {
        AXIS: i32 = 0 "axis",
        FUSED_ACTIVATION_FUNCTION: i8 = 1 "fused_activation_function",
    }
);
options_member!(ConcatenationOptions = 10);

impl ConcatenationOptions<'_> {
    pub(crate) fn axis(&self) -> i32 {
        Self::AXIS.read(self).unwrap_or(0)
    }
    pub(crate) fn fused_activation_function(&self) -> i8 {
        Self::FUSED_ACTIVATION_FUNCTION.read(self).unwrap_or(0)
    }
}

table!(
    /// `table AddOptions`. Not read: pot_scale_int16.
    AddOptions {
        FUSED_ACTIVATION_FUNCTION: i8 = 0 "fused_activation_function",
    }
);
options_member!(AddOptions = 11);

impl AddOptions<'_> {
    pub(crate) fn fused_activation_function(&self) -> i8 {
        Self::FUSED_ACTIVATION_FUNCTION.read(self).unwrap_or(0)
    }
}

table!(
    /// `table MulOptions`.
    MulOptions {
        FUSED_ACTIVATION_FUNCTION: i8 = 0 "fused_activation_function",
    }
);
options_member!(MulOptions = 21);

impl MulOptions<'_> {
    pub(crate) fn fused_activation_function(&self) -> i8 {
        Self::FUSED_ACTIVATION_FUNCTION.read(self).unwrap_or(0)
    }
}

table!(
    /// `table SubOptions`. Not read: pot_scale_int16.
    SubOptions {
        FUSED_ACTIVATION_FUNCTION: i8 = 0 "fused_activation_function",
    }
);
options_member!(SubOptions = 28);

impl SubOptions<'_> {
    pub(crate) fn fused_activation_function(&self) -> i8 {
        Self::FUSED_ACTIVATION_FUNCTION.read(self).unwrap_or(0)
    }
}

table!(
    /// `table LeakyReluOptions`.
    LeakyReluOptions {
        ALPHA: f32 = 0 "alpha",
    }
);
options_member!(LeakyReluOptions = 75);

impl LeakyReluOptions<'_> {
    /// The schema default is 0.0 (a plain RELU; converters write the model's alpha).
    pub(crate) fn alpha(&self) -> f32 {
        Self::ALPHA.read(self).unwrap_or(0.0)
    }
}

table!(
    /// `table ReshapeOptions`. Newer converters leave `new_shape` out (the shape is an input).
    ReshapeOptions {
        NEW_SHAPE: ScalarVector<'a, i32> = 0 "new_shape",
    }
);
options_member!(ReshapeOptions = 17);

impl<'a> ReshapeOptions<'a> {
    pub(crate) fn new_shape(&self) -> Vector<'a, i32> {
        Self::NEW_SHAPE.read(self).unwrap_or_default()
    }
}

table!(
    /// `table ReducerOptions`, used by MEAN, SUM, REDUCE_MAX, ...
    ReducerOptions {
        KEEP_DIMS: bool = 0 "keep_dims",
    }
);
options_member!(ReducerOptions = 27);

impl ReducerOptions<'_> {
    pub(crate) fn keep_dims(&self) -> bool {
        Self::KEEP_DIMS.read(self).unwrap_or(false)
    }
}

table!(
    /// `table SqueezeOptions`.
    SqueezeOptions {
        SQUEEZE_DIMS: ScalarVector<'a, i32> = 0 "squeeze_dims",
    }
);
options_member!(SqueezeOptions = 30);

impl<'a> SqueezeOptions<'a> {
    /// Empty (the default) means every axis of size 1.
    pub(crate) fn squeeze_dims(&self) -> Vector<'a, i32> {
        Self::SQUEEZE_DIMS.read(self).unwrap_or_default()
    }
}

table!(
    /// `table StridedSliceOptions`.
    StridedSliceOptions {
        BEGIN_MASK: i32 = 0 "begin_mask",
        END_MASK: i32 = 1 "end_mask",
        ELLIPSIS_MASK: i32 = 2 "ellipsis_mask",
        NEW_AXIS_MASK: i32 = 3 "new_axis_mask",
        SHRINK_AXIS_MASK: i32 = 4 "shrink_axis_mask",
        OFFSET: bool = 5 "offset",
    }
);
options_member!(StridedSliceOptions = 32);

impl StridedSliceOptions<'_> {
    pub(crate) fn begin_mask(&self) -> i32 {
        Self::BEGIN_MASK.read(self).unwrap_or(0)
    }
    pub(crate) fn end_mask(&self) -> i32 {
        Self::END_MASK.read(self).unwrap_or(0)
    }
    pub(crate) fn ellipsis_mask(&self) -> i32 {
        Self::ELLIPSIS_MASK.read(self).unwrap_or(0)
    }
    pub(crate) fn new_axis_mask(&self) -> i32 {
        Self::NEW_AXIS_MASK.read(self).unwrap_or(0)
    }
    pub(crate) fn shrink_axis_mask(&self) -> i32 {
        Self::SHRINK_AXIS_MASK.read(self).unwrap_or(0)
    }
    pub(crate) fn offset(&self) -> bool {
        Self::OFFSET.read(self).unwrap_or(false)
    }
}

table!(
    /// `table ResizeNearestNeighborOptions`.
    ResizeNearestNeighborOptions {
        ALIGN_CORNERS: bool = 0 "align_corners",
        HALF_PIXEL_CENTERS: bool = 1 "half_pixel_centers",
    }
);
options_member!(ResizeNearestNeighborOptions = 74);

impl ResizeNearestNeighborOptions<'_> {
    pub(crate) fn align_corners(&self) -> bool {
        Self::ALIGN_CORNERS.read(self).unwrap_or(false)
    }
    pub(crate) fn half_pixel_centers(&self) -> bool {
        Self::HALF_PIXEL_CENTERS.read(self).unwrap_or(false)
    }
}

table!(
    /// `table UnidirectionalSequenceLSTMOptions`. Not read: proj_clip (TFLite Micro has no
    /// projection), asymmetric_quantize_inputs and diagonal_recurrent_tensors (hybrid and
    /// diagonal kernels only).
    UnidirectionalSequenceLSTMOptions {
        FUSED_ACTIVATION_FUNCTION: i8 = 0 "fused_activation_function",
        CELL_CLIP: f32 = 1 "cell_clip",
        TIME_MAJOR: bool = 3 "time_major",
    }
);
options_member!(UnidirectionalSequenceLSTMOptions = 71);

impl UnidirectionalSequenceLSTMOptions<'_> {
    pub(crate) fn fused_activation_function(&self) -> i8 {
        Self::FUSED_ACTIVATION_FUNCTION.read(self).unwrap_or(0)
    }
    pub(crate) fn cell_clip(&self) -> f32 {
        Self::CELL_CLIP.read(self).unwrap_or(0.0)
    }
    pub(crate) fn time_major(&self) -> bool {
        Self::TIME_MAJOR.read(self).unwrap_or(false)
    }
}
