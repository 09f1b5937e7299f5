//! `tinyml.const`: a tensor whose bytes live in the module's resource section.
//!
//! `%w = tinyml.const {value = @w0} : tensor<8x3x3x1xi8, !q<[...], axis = 0>>`
//! Semantics: the resource's bytes, little-endian, row-major, reinterpreted as the result type.

use crate::interfaces::OpInterface;
use crate::tensor::{Operands, TensorData};
use tmlc_core::diagnostic::DiagResult;
use tmlc_core::dialect::{OpContext, OpDefinition};

/// The definition of `tinyml.const`.
pub struct ConstOp;

/// A verified `tinyml.const`: the name of its resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Const {
    pub resource: String,
}

impl Const {
    pub fn decode(op: &OpContext) -> DiagResult<Const> {
        Ok(Const {
            resource: op.symbol_attribute("value")?.to_string(),
        })
    }
}

impl OpDefinition for ConstOp {
    fn name(&self) -> &'static str {
        "tinyml.const"
    }

    fn summary(&self) -> &'static str {
        "a constant tensor stored in the resource section"
    }

    fn verify(&self, op: &OpContext) -> DiagResult<()> {
        op.expect_operands(0, 0)?;
        op.expect_results(1)?;
        op.expect_attributes(&["value"])?;
        let name = op.symbol_attribute("value")?;
        let Some(resource) = op.module.resource(name) else {
            return Err(op.attribute_error(
                "value",
                format!("refers to resource `{name}`, which is not defined"),
            ));
        };
        let ty = op.result_type(0);
        if resource.data.len() != ty.byte_size() {
            return Err(op.result_error(
                0,
                format!(
                    "type {ty} needs {} bytes, but resource `{name}` holds {}",
                    ty.byte_size(),
                    resource.data.len()
                ),
            ));
        }
        Ok(())
    }
}

impl OpInterface for Const {
    /// The resource's bytes as the result type's elements (little-endian).
    fn evaluate(&self, operands: &Operands) -> DiagResult<TensorData> {
        let op = &operands.op;
        let bytes = op
            .module
            .resource(&self.resource)
            .map_or(&[][..], |r| &r.data[..]);
        Ok(TensorData::from_bytes(op.result_type(0), bytes))
    }
}
