//! The machinery behind the rule table: a [`Rule`] is anchored at op kinds and, for every anchor
//! e-node it is shown (a [`Match`]), proposes equivalent [`Term`]s. The applier adds a term only
//! when every op in it passes its verifier and its type equals the anchor e-class's, then unions
//! it with that e-class. Conditions that decide exactness live in the rules themselves.

use super::analysis::{FuseGraph, TypeAnalysis};
use super::language::{AttributeMap, Kind, Node, OpNode, Type};
use egg::{Applier, Id, PatternAst, Rewrite, SearchMatches, Searcher, Subst, Symbol, Var};
use std::sync::Arc;
use tmlc_core::types::TensorType;

/// What a rule proposes: existing e-classes combined by new ops.
#[derive(Debug)]
pub enum Term {
    /// An existing e-class.
    Class(Id),
    /// A constant: an existing resource seen with another type of the same byte size.
    Const { resource: String, ty: TensorType },
    /// A new op.
    Op {
        kind: Kind,
        attributes: AttributeMap,
        ty: TensorType,
        operands: Vec<Term>,
    },
}

impl Term {
    pub fn op(kind: Kind, attributes: AttributeMap, ty: TensorType, operands: Vec<Term>) -> Term {
        Term::Op {
            kind,
            attributes,
            ty,
            operands,
        }
    }

    pub fn classes(ids: &[Id]) -> Vec<Term> {
        ids.iter().map(|&id| Term::Class(id)).collect()
    }

    fn ty<'g>(&'g self, egraph: &'g FuseGraph) -> &'g TensorType {
        match self {
            Term::Class(id) => &egraph[*id].data.0,
            Term::Const { ty, .. } | Term::Op { ty, .. } => ty,
        }
    }

    /// Whether every op of the term passes its dialect's verifier.
    fn is_well_typed(&self, egraph: &FuseGraph) -> bool {
        let Term::Op {
            kind,
            attributes,
            ty,
            operands,
        } = self
        else {
            return true;
        };
        let operand_types: Vec<&TensorType> = operands.iter().map(|o| o.ty(egraph)).collect();
        operands.iter().all(|o| o.is_well_typed(egraph))
            && egraph
                .analysis
                .accepts(*kind, attributes, &operand_types, ty)
    }

    fn add(&self, egraph: &mut FuseGraph) -> Id {
        match self {
            Term::Class(id) => *id,
            Term::Const { resource, ty } => egraph.add(Node::Const {
                resource: resource.clone(),
                ty: Type(ty.clone()),
            }),
            Term::Op {
                kind,
                attributes,
                ty,
                operands,
            } => {
                let operands = operands.iter().map(|o| o.add(egraph)).collect();
                egraph.add(Node::Op(OpNode {
                    kind: *kind,
                    attributes: attributes.clone(),
                    ty: Type(ty.clone()),
                    operands,
                }))
            }
        }
    }
}

/// An anchor e-node shown to a rule, with read access to the e-graph.
pub struct Match<'g, 'a> {
    egraph: &'g FuseGraph<'a>,
    pub node: &'g OpNode,
}

impl<'g> Match<'g, '_> {
    /// The type of the values of an e-class.
    pub fn ty(&self, id: Id) -> &'g Type {
        &self.egraph[id].data
    }

    /// The type of operand `index` of the anchor.
    pub fn operand_type(&self, index: usize) -> &'g TensorType {
        &self.ty(self.node.operands[index]).0
    }

    /// The op e-nodes of `kind` in an e-class: the ways a value can be produced by that op.
    pub fn producers(&self, id: Id, kind: Kind) -> impl Iterator<Item = &'g OpNode> {
        self.egraph[id]
            .nodes
            .iter()
            .filter_map(Node::as_op)
            .filter(move |op| op.kind == kind)
    }

    /// The resource of a constant in an e-class.
    pub fn constant(&self, id: Id) -> Option<&'g str> {
        self.egraph[id].nodes.iter().find_map(|node| match node {
            Node::Const { resource, .. } => Some(resource.as_str()),
            _ => None,
        })
    }

    /// The constant of e-class `id` seen with `shape` (same elements in the same order), if the
    /// e-class holds a constant.
    pub fn reshaped_constant(&self, id: Id, shape: Vec<usize>) -> Option<Term> {
        let ty = &self.ty(id).0;
        let resource = self.constant(id)?;
        let reshaped = ty.with_shape(shape);
        (reshaped.num_elements() == ty.num_elements()).then(|| Term::Const {
            resource: resource.to_string(),
            ty: reshaped,
        })
    }
}

/// Proposes the terms equivalent to one anchor e-node.
pub type RewriteFn = dyn Fn(&Match) -> Vec<Term> + Send + Sync;

/// One named rewrite of the table.
pub struct Rule {
    pub name: &'static str,
    anchors: Vec<Kind>,
    rewrite: Box<RewriteFn>,
}

impl Rule {
    pub fn new(
        name: &'static str,
        anchors: &[Kind],
        rewrite: impl Fn(&Match) -> Vec<Term> + Send + Sync + 'static,
    ) -> Rule {
        Rule {
            name,
            anchors: anchors.to_vec(),
            rewrite: Box::new(rewrite),
        }
    }

    fn anchor_nodes<'g>(&self, egraph: &'g FuseGraph, class: Id) -> Vec<&'g OpNode> {
        egraph[class]
            .nodes
            .iter()
            .filter_map(Node::as_op)
            .filter(|op| self.anchors.contains(&op.kind))
            .collect()
    }
}

/// The rules as egg rewrites.
pub fn rewrites<'a>(rules: Vec<Rule>) -> Vec<Rewrite<Node, TypeAnalysis<'a>>> {
    rules
        .into_iter()
        .map(|rule| {
            let rule = Arc::new(rule);
            Rewrite::new(
                rule.name,
                AnchorSearcher(rule.clone()),
                RuleApplier(rule.clone()),
            )
            .unwrap_or_else(|error| panic!("fuse rule {}: {error}", rule.name))
        })
        .collect()
}

/// Finds the e-classes holding an anchor e-node of a rule.
struct AnchorSearcher(Arc<Rule>);

impl<'a> Searcher<Node, TypeAnalysis<'a>> for AnchorSearcher {
    fn search_eclass_with_limit(
        &self,
        egraph: &FuseGraph<'a>,
        eclass: Id,
        limit: usize,
    ) -> Option<SearchMatches<'_, Node>> {
        (limit > 0 && !self.0.anchor_nodes(egraph, eclass).is_empty()).then(|| SearchMatches {
            eclass,
            substs: vec![Subst::with_capacity(0)],
            ast: None,
        })
    }

    fn vars(&self) -> Vec<Var> {
        Vec::new()
    }
}

/// Runs a rule on every anchor e-node of a matched e-class and adds the well-typed terms.
struct RuleApplier(Arc<Rule>);

impl<'a> Applier<Node, TypeAnalysis<'a>> for RuleApplier {
    fn apply_one(
        &self,
        egraph: &mut FuseGraph<'a>,
        eclass: Id,
        _subst: &Subst,
        _searcher_ast: Option<&PatternAst<Node>>,
        _rule_name: Symbol,
    ) -> Vec<Id> {
        let class_type = egraph[eclass].data.clone();
        let terms: Vec<Term> = self
            .0
            .anchor_nodes(egraph, eclass)
            .into_iter()
            .flat_map(|node| (self.0.rewrite)(&Match { egraph, node }))
            .filter(|term| Type(term.ty(egraph).clone()) == class_type)
            .filter(|term| term.is_well_typed(egraph))
            .collect();
        let mut changed = Vec::new();
        for term in terms {
            let id = term.add(egraph);
            if egraph.union(eclass, id) {
                changed.push(egraph.find(eclass));
            }
        }
        changed
    }
}
