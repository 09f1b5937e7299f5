//! The tinyml ops as an egg [`Language`]: an e-node is a function parameter, a constant (a
//! resource seen with a type) or an op, which is its kind, its attribute dictionary and its
//! result type as data, and its operands as children. Attributes stay a dictionary (not
//! Tensat's positional numeric children), so a rule reads `stride` or `act` by name and two ops
//! are the same e-node only when every attribute, the result type (output quantization included)
//! and every operand agree. Floats (scales, `beta`) compare by their bits.

use egg::{Id, Language};
use std::cmp::Ordering;
use std::hash::{Hash, Hasher};
use tmlc_core::attributes::{Attribute, Attributes};
use tmlc_core::types::{ElementType, Quantization, TensorType};

/// The op kinds of the e-graph: the tinyml dialect's own op set, so every tinyml op is known to
/// `fuse` (rules simply do not match the ones they do not mention). Constants are leaves
/// ([`Node::Const`]), never [`OpNode`]s; a function holding an op of another dialect is left
/// alone (`program::unsupported`).
pub use tmlc_tinyml::OpKind as Kind;

/// A tensor type compared, ordered and hashed bit for bit (scales by their `f32` bits), so that
/// two ops with different output quantization are never the same e-node.
#[derive(Debug, Clone)]
pub struct Type(pub TensorType);

impl Type {
    /// `(shape, element, quantization tag, zero point or axis, scales)`.
    fn parts(&self) -> (&[usize], u8, u8, i64, &[f32]) {
        let element = match self.0.element {
            ElementType::I8 => 0,
            ElementType::I32 => 1,
            ElementType::F32 => 2,
        };
        let (tag, number, scales): (u8, i64, &[f32]) = match &self.0.quant {
            None => (0, 0, &[]),
            Some(Quantization::PerTensor { scale, zero_point }) => {
                (1, *zero_point as i64, std::slice::from_ref(scale))
            }
            Some(Quantization::PerChannel { scales, axis }) => (2, *axis as i64, scales),
        };
        (&self.0.shape, element, tag, number, scales)
    }
}

impl PartialEq for Type {
    fn eq(&self, other: &Type) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Type {}

impl Ord for Type {
    fn cmp(&self, other: &Type) -> Ordering {
        let (a, b) = (self.parts(), other.parts());
        (a.0, a.1, a.2, a.3)
            .cmp(&(b.0, b.1, b.2, b.3))
            .then_with(|| {
                a.4.iter()
                    .map(|s| s.to_bits())
                    .cmp(b.4.iter().map(|s| s.to_bits()))
            })
    }
}

impl PartialOrd for Type {
    fn partial_cmp(&self, other: &Type) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Hash for Type {
    fn hash<H: Hasher>(&self, state: &mut H) {
        let (shape, element, tag, number, scales) = self.parts();
        (shape, element, tag, number).hash(state);
        scales.iter().for_each(|s| s.to_bits().hash(state));
    }
}

/// An attribute value as e-graph data: [`Attribute`] with floats as their bits.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AttributeValue {
    Int(i64),
    Float(u32),
    Bool(bool),
    Str(String),
    Keyword(String),
    Symbol(String),
    Array(Vec<AttributeValue>),
}

impl From<&Attribute> for AttributeValue {
    fn from(attribute: &Attribute) -> AttributeValue {
        match attribute {
            Attribute::Int(v) => AttributeValue::Int(*v),
            Attribute::Float(v) => AttributeValue::Float(v.to_bits()),
            Attribute::Bool(v) => AttributeValue::Bool(*v),
            Attribute::Str(s) => AttributeValue::Str(s.clone()),
            Attribute::Keyword(k) => AttributeValue::Keyword(k.clone()),
            Attribute::Symbol(s) => AttributeValue::Symbol(s.clone()),
            Attribute::Array(items) => {
                AttributeValue::Array(items.iter().map(Into::into).collect())
            }
        }
    }
}

impl From<&AttributeValue> for Attribute {
    fn from(value: &AttributeValue) -> Attribute {
        match value {
            AttributeValue::Int(v) => Attribute::Int(*v),
            AttributeValue::Float(bits) => Attribute::Float(f32::from_bits(*bits)),
            AttributeValue::Bool(v) => Attribute::Bool(*v),
            AttributeValue::Str(s) => Attribute::Str(s.clone()),
            AttributeValue::Keyword(k) => Attribute::Keyword(k.clone()),
            AttributeValue::Symbol(s) => Attribute::Symbol(s.clone()),
            AttributeValue::Array(items) => {
                Attribute::Array(items.iter().map(Into::into).collect())
            }
        }
    }
}

/// An op's attribute dictionary as e-graph data, sorted by name like [`Attributes`].
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AttributeMap(Vec<(String, AttributeValue)>);

impl AttributeMap {
    pub fn from_core(attributes: &Attributes) -> AttributeMap {
        AttributeMap(
            attributes
                .iter()
                .map(|(k, v)| (k.clone(), v.into()))
                .collect(),
        )
    }

    pub fn to_core(&self) -> Attributes {
        self.0.iter().map(|(k, v)| (k.clone(), v.into())).collect()
    }

    /// A dictionary from `(name, value)` pairs.
    pub fn of(entries: &[(&str, Attribute)]) -> AttributeMap {
        entries
            .iter()
            .fold(AttributeMap::default(), |map, (name, value)| {
                map.with(name, value)
            })
    }

    pub fn get(&self, name: &str) -> Option<&AttributeValue> {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v)
    }

    /// The same dictionary with `name` set to `value`.
    pub fn with(mut self, name: &str, value: &Attribute) -> AttributeMap {
        let value = AttributeValue::from(value);
        match self.0.binary_search_by(|(k, _)| k.as_str().cmp(name)) {
            Ok(index) => self.0[index].1 = value,
            Err(index) => self.0.insert(index, (name.to_string(), value)),
        }
        self
    }

    /// A keyword attribute, or `default` when absent.
    pub fn keyword<'a>(&'a self, name: &str, default: &'a str) -> &'a str {
        match self.get(name) {
            Some(AttributeValue::Keyword(k)) => k,
            _ => default,
        }
    }

    /// An integer array attribute (`[]` when absent or of another kind).
    pub fn ints(&self, name: &str) -> Vec<i64> {
        match self.get(name) {
            Some(AttributeValue::Array(items)) => items
                .iter()
                .filter_map(|item| match item {
                    AttributeValue::Int(v) => Some(*v),
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        }
    }

    /// A `[h, w]` attribute such as `stride`, or `default` when absent.
    pub fn pair(&self, name: &str, default: [usize; 2]) -> [usize; 2] {
        match self.ints(name)[..] {
            [h, w] => [h as usize, w as usize],
            _ => default,
        }
    }

    /// A boolean attribute, or `default` when absent.
    pub fn bool(&self, name: &str, default: bool) -> bool {
        match self.get(name) {
            Some(AttributeValue::Bool(v)) => *v,
            _ => default,
        }
    }
}

/// An op e-node: kind, attributes and result type as data, operands as children.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct OpNode {
    pub kind: Kind,
    pub attributes: AttributeMap,
    pub ty: Type,
    pub operands: Vec<Id>,
}

/// An e-node of a tinyml function.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Node {
    /// The function parameter at `index`.
    Param {
        index: usize,
        ty: Type,
    },
    /// `tinyml.const {value = @resource}` of type `ty`.
    Const {
        resource: String,
        ty: Type,
    },
    Op(OpNode),
}

impl Node {
    pub fn ty(&self) -> &TensorType {
        match self {
            Node::Param { ty, .. } | Node::Const { ty, .. } => &ty.0,
            Node::Op(op) => &op.ty.0,
        }
    }

    pub fn as_op(&self) -> Option<&OpNode> {
        match self {
            Node::Op(op) => Some(op),
            _ => None,
        }
    }
}

impl Language for Node {
    /// The op kind, or `None` for leaves.
    type Discriminant = Option<Kind>;

    fn discriminant(&self) -> Option<Kind> {
        self.as_op().map(|op| op.kind)
    }

    fn matches(&self, other: &Node) -> bool {
        match (self, other) {
            (Node::Op(a), Node::Op(b)) => {
                a.kind == b.kind
                    && a.attributes == b.attributes
                    && a.ty == b.ty
                    && a.operands.len() == b.operands.len()
            }
            _ => self == other,
        }
    }

    fn children(&self) -> &[Id] {
        match self {
            Node::Op(op) => &op.operands,
            _ => &[],
        }
    }

    fn children_mut(&mut self) -> &mut [Id] {
        match self {
            Node::Op(op) => &mut op.operands,
            _ => &mut [],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip_through_names() {
        for kind in Kind::ALL {
            assert_eq!(Kind::from_name(kind.name()), Some(kind));
        }
        assert_eq!(Kind::from_name("tinyml.relu6"), Some(Kind::Relu6));
        assert_eq!(Kind::from_name("loop.patches"), None);
    }

    #[test]
    fn types_compare_scales_by_bits() {
        let a = Type(TensorType::i8(vec![1, 4], 0.1, 0));
        let b = Type(TensorType::i8(vec![1, 4], 0.1, 0));
        let c = Type(TensorType::i8(
            vec![1, 4],
            f32::from_bits(0.1f32.to_bits() + 1),
            0,
        ));
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_eq!(a.cmp(&c), Ordering::Less);
    }

    #[test]
    fn attribute_maps_round_trip_and_stay_sorted() {
        let map = AttributeMap::of(&[
            ("stride", Attribute::int_array(&[2, 2])),
            ("act", Attribute::Keyword("relu".into())),
            ("beta", Attribute::Float(0.5)),
        ]);
        let core = map.to_core();
        assert_eq!(AttributeMap::from_core(&core), map);
        assert_eq!(map.keyword("act", "none"), "relu");
        assert_eq!(map.pair("stride", [1, 1]), [2, 2]);
        assert_eq!(map.pair("dilation", [1, 1]), [1, 1]);
        let relu6 = map.with("act", &Attribute::Keyword("relu6".into()));
        assert_eq!(relu6.keyword("act", "none"), "relu6");
        assert_eq!(relu6.to_core().len(), 3);
    }
}
