//! The e-graph analysis: every e-class carries the type of its values (shape, element type and
//! quantization, scales compared by their bits). Rewrites only ever union e-classes of equal
//! types, and every op a rewrite creates must first pass its dialect's own verifier with the
//! operand types of its e-classes, so an ill-typed rewrite never enters the e-graph.

use super::language::{AttributeMap, Kind, Node, Type};
use egg::{Analysis, DidMerge, EGraph, Id};
use tmlc_core::dialect::{Context, OpContext};
use tmlc_core::ir::{Function, Module};
use tmlc_core::types::TensorType;

/// The e-graph `fuse` saturates.
pub type FuseGraph<'a> = EGraph<Node, TypeAnalysis<'a>>;

/// Types as e-class data, and the op verifiers that guard new e-nodes.
pub struct TypeAnalysis<'a> {
    pub context: &'a Context,
}

impl<'a> Analysis<Node> for TypeAnalysis<'a> {
    type Data = Type;

    fn make(_egraph: &mut FuseGraph<'a>, enode: &Node, _id: Id) -> Type {
        Type(enode.ty().clone())
    }

    fn merge(&mut self, a: &mut Type, b: Type) -> DidMerge {
        debug_assert!(
            *a == b,
            "fuse merged e-classes of different types: {a:?} and {b:?}"
        );
        DidMerge(false, false)
    }
}

impl TypeAnalysis<'_> {
    /// Whether an op of `kind` with these attributes, operand types and result type passes its
    /// dialect's verifier (checked on a one-op scratch function).
    pub fn accepts(
        &self,
        kind: Kind,
        attributes: &AttributeMap,
        operand_types: &[&TensorType],
        ty: &TensorType,
    ) -> bool {
        let Some(definition) = self.context.op(kind.name()) else {
            return false;
        };
        let module = Module::new("fuse");
        let mut function = Function::new("check");
        let operands = operand_types
            .iter()
            .map(|&t| function.add_param(t.clone(), None))
            .collect();
        let op = function.append_op(
            kind.name(),
            operands,
            attributes.to_core(),
            vec![ty.clone()],
        );
        let op = OpContext {
            module: &module,
            function: &function,
            op,
        };
        definition.verify(&op).is_ok()
    }
}
