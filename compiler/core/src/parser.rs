//! The `.tir` recursive-descent parser: tokens in, a [`Module`] with spans out. Names are
//! resolved while parsing (a value must be defined before it is used; names are unique in a
//! function); everything else is left to the verifier. The grammar is in docs/ir.md.

use crate::attributes::{Attribute, Attributes};
use crate::diagnostic::{DiagResult, Diagnostic, ErrorCode};
use crate::ir::{Function, Module, OpData, OpSpans, Region, Resource, Value, ValueData, ValueDef};
use crate::lexer::{Lexeme, Lexer, Token};
use crate::span::Span;
use crate::types::{ElementType, Quantization, TensorType};
use std::collections::HashMap;

/// Parses a whole `.tir` file.
pub fn parse_module(source: &str) -> DiagResult<Module> {
    let tokens = Lexer::tokenize(source)?;
    let mut parser = Parser {
        source,
        tokens,
        position: 0,
        depth: 0,
    };
    parser.module()
}

/// How deeply regions and attribute arrays may nest: far beyond any real model, and shallow
/// enough that the recursive parser, verifier and printer never exhaust the stack.
pub const MAX_NESTING: usize = 64;

struct Parser<'s> {
    source: &'s str,
    tokens: Vec<Lexeme>,
    position: usize,
    /// Regions and attribute arrays open at the current token.
    depth: usize,
}

/// Values visible while parsing one function: a name table and a stack of scopes (regions).
struct Scope {
    names: HashMap<String, (Value, Span)>,
    frames: Vec<Vec<String>>,
}

impl<'s> Parser<'s> {
    // ---- token plumbing: peek / eat / expect, "expected X, found Y" written once ----

    /// Opens one more level of nesting (a region or an attribute array), refusing to go past
    /// [`MAX_NESTING`].
    fn enter(&mut self) -> DiagResult<()> {
        self.depth += 1;
        if self.depth > MAX_NESTING {
            return Err(Diagnostic::new(
                ErrorCode::InvalidStructure,
                format!("regions and attribute arrays nest deeper than {MAX_NESTING} levels"),
            )
            .at(self.span())
            .with_label("too deep"));
        }
        Ok(())
    }

    fn peek(&self) -> Token {
        self.peek_at(0)
    }

    fn peek_at(&self, offset: usize) -> Token {
        let index = (self.position + offset).min(self.tokens.len() - 1);
        self.tokens[index].token
    }

    fn span(&self) -> Span {
        self.tokens[self.position].span
    }

    fn text(&self, lexeme: Lexeme) -> &'s str {
        &self.source[lexeme.span.range()]
    }

    fn bump(&mut self) -> Lexeme {
        let lexeme = self.tokens[self.position];
        if lexeme.token != Token::Eof {
            self.position += 1;
        }
        lexeme
    }

    fn eat(&mut self, token: Token) -> Option<Lexeme> {
        if self.peek() == token {
            Some(self.bump())
        } else {
            None
        }
    }

    fn expect(&mut self, token: Token, what: &str) -> DiagResult<Lexeme> {
        match self.eat(token) {
            Some(lexeme) => Ok(lexeme),
            None => Err(self.unexpected(what)),
        }
    }

    fn unexpected(&self, what: &str) -> Diagnostic {
        let found = self.tokens[self.position];
        let found_text = match found.token {
            Token::Eof => "end of file".to_string(),
            _ => {
                let text: String = self.text(found).chars().take(30).collect();
                format!("`{text}`")
            }
        };
        Diagnostic::new(
            ErrorCode::UnexpectedToken,
            format!("expected {what}, found {found_text}"),
        )
        .at(found.span)
        .with_label(format!("expected {what}"))
    }

    fn expect_keyword(&mut self, keyword: &str) -> DiagResult<Lexeme> {
        if self.peek() == Token::Identifier && self.text(self.tokens[self.position]) == keyword {
            Ok(self.bump())
        } else {
            Err(self.unexpected(&format!("`{keyword}`")))
        }
    }

    fn at_keyword(&self, keyword: &str) -> bool {
        self.peek() == Token::Identifier && self.text(self.tokens[self.position]) == keyword
    }

    // ---- module, functions, resources ----

    fn module(&mut self) -> DiagResult<Module> {
        let start = self.expect_keyword("module")?.span;
        let name = self.expect(Token::SymbolName, "a module name (@name)")?;
        let mut module = Module::new(&self.text(name)[1..]);
        self.expect(Token::LBrace, "'{'")?;
        while !matches!(self.peek(), Token::RBrace) {
            if !self.at_keyword("func") {
                return Err(self.unexpected("`func` or '}'"));
            }
            let function = self.function()?;
            if let Some(previous) = module.function(&function.name) {
                return Err(Diagnostic::new(
                    ErrorCode::DuplicateName,
                    format!("function @{} is defined twice", function.name),
                )
                .at(function.span)
                .with_label("second definition")
                .with_secondary(previous.span, "first definition"));
            }
            module.functions.push(function);
        }
        let end = self.bump().span;
        module.span = start.to(end);
        if self.at_keyword("resources") {
            self.resources(&mut module)?;
        }
        if self.peek() != Token::Eof {
            return Err(self.unexpected("end of file"));
        }
        Ok(module)
    }

    fn resources(&mut self, module: &mut Module) -> DiagResult<()> {
        self.bump();
        self.expect(Token::LBrace, "'{'")?;
        // Positions of the resources defined so far, by name (a look-up per definition).
        let mut defined: std::collections::HashMap<String, usize> =
            std::collections::HashMap::new();
        while self.peek() != Token::RBrace {
            let name_lexeme = self.expect(Token::Identifier, "a resource name")?;
            let name = self.text(name_lexeme).to_string();
            self.expect(Token::Equal, "'='")?;
            let blob = self.expect(Token::String, "a hex string (\"0x...\")")?;
            let data = decode_hex(self.text(blob)).map_err(|message| {
                Diagnostic::new(ErrorCode::InvalidLiteral, message)
                    .at(blob.span)
                    .with_label("invalid resource blob")
            })?;
            if let Some(previous) = defined.get(&name).map(|&i| &module.resources[i]) {
                return Err(Diagnostic::new(
                    ErrorCode::DuplicateName,
                    format!("resource `{name}` is defined twice"),
                )
                .at(name_lexeme.span)
                .with_label("second definition")
                .with_secondary(previous.span, "first definition"));
            }
            defined.insert(name.clone(), module.resources.len());
            module.resources.push(Resource {
                name,
                data,
                span: name_lexeme.span,
            });
            if self.eat(Token::Comma).is_none() && self.peek() != Token::RBrace {
                return Err(self.unexpected("',' or '}'"));
            }
        }
        self.bump();
        Ok(())
    }

    fn function(&mut self) -> DiagResult<Function> {
        let start = self.bump().span;
        let name = self.expect(Token::SymbolName, "a function name (@name)")?;
        let mut function = Function::new(&self.text(name)[1..]);
        let mut scope = Scope {
            names: HashMap::new(),
            frames: vec![Vec::new()],
        };
        self.expect(Token::LParen, "'('")?;
        if self.peek() != Token::RParen {
            loop {
                let (name, span, ty) = self.typed_name()?;
                let value = function.add_param(ty, Some(name[1..].to_string()));
                function.values[value].span = span;
                if self.at_attribute_dictionary() {
                    let mut spans = OpSpans::default();
                    let index = function.params.len() - 1;
                    self.attribute_dictionary(&mut function.param_attributes[index], &mut spans)?;
                }
                self.define(&mut scope, name, value, span)?;
                if self.eat(Token::Comma).is_none() {
                    break;
                }
            }
        }
        self.expect(Token::RParen, "',' or ')'")?;
        if self.eat(Token::Arrow).is_some() {
            if self.eat(Token::LParen).is_some() {
                if self.peek() != Token::RParen {
                    loop {
                        let (ty, span) = self.tensor_type()?;
                        function.result_types.push(ty);
                        function.result_type_spans.push(span);
                        if self.eat(Token::Comma).is_none() {
                            break;
                        }
                    }
                }
                self.expect(Token::RParen, "',' or ')'")?;
            } else {
                let (ty, span) = self.tensor_type()?;
                function.result_types.push(ty);
                function.result_type_spans.push(span);
            }
        }
        if self.at_keyword("attributes") {
            self.bump();
            if !self.at_attribute_dictionary() {
                return Err(self.unexpected("an attribute dictionary"));
            }
            let mut spans = OpSpans::default();
            self.attribute_dictionary(&mut function.attributes, &mut spans)?;
            function.attribute_spans = spans.attributes;
        }
        self.expect(Token::LBrace, "'{'")?;
        let mut ops = Vec::new();
        while self.peek() != Token::RBrace {
            ops.push(self.op(&mut function, &mut scope)?);
        }
        let end = self.bump().span;
        function.body.ops = ops;
        function.span = start.to(end);
        Ok(function)
    }

    /// `%name: type`
    fn typed_name(&mut self) -> DiagResult<(String, Span, TensorType)> {
        let name = self.expect(Token::ValueName, "a value name (%name)")?;
        self.expect(Token::Colon, "':'")?;
        let (ty, _) = self.tensor_type()?;
        Ok((self.text(name).to_string(), name.span, ty))
    }

    fn define(&self, scope: &mut Scope, name: String, value: Value, span: Span) -> DiagResult<()> {
        if let Some((_, previous)) = scope.names.get(&name) {
            return Err(Diagnostic::new(
                ErrorCode::DuplicateName,
                format!("value {name} is defined twice"),
            )
            .at(span)
            .with_label("redefined here")
            .with_secondary(*previous, "first defined here"));
        }
        scope.names.insert(name.clone(), (value, span));
        if let Some(frame) = scope.frames.last_mut() {
            frame.push(name);
        }
        Ok(())
    }

    // ---- ops and regions ----

    /// `(%r (, %r)* =)? name operands? attributes? (: types)? region*`
    fn op(&mut self, function: &mut Function, scope: &mut Scope) -> DiagResult<crate::ir::Op> {
        let start = self.span();
        let mut result_names = Vec::new();
        if self.peek() == Token::ValueName {
            loop {
                let name = self.expect(Token::ValueName, "a result name (%name)")?;
                result_names.push(name);
                if self.eat(Token::Comma).is_none() {
                    break;
                }
            }
            self.expect(Token::Equal, "'='")?;
        }
        let name = self.expect(Token::Identifier, "an op name")?;
        let mut spans = OpSpans {
            name: name.span,
            ..OpSpans::default()
        };
        let mut operands = Vec::new();
        if self.peek() == Token::ValueName && !self.results_ahead() {
            loop {
                let operand = self.expect(Token::ValueName, "an operand (%name)")?;
                let text = self.text(operand);
                let Some(&(value, _)) = scope.names.get(text) else {
                    return Err(Diagnostic::new(
                        ErrorCode::UndefinedName,
                        format!("use of undefined value {text}"),
                    )
                    .at(operand.span)
                    .with_label("not defined before this use"));
                };
                operands.push(value);
                spans.operands.push(operand.span);
                if self.eat(Token::Comma).is_none() {
                    break;
                }
            }
        }
        let mut attributes = Attributes::new();
        if self.at_attribute_dictionary() {
            self.attribute_dictionary(&mut attributes, &mut spans)?;
        }
        let mut result_types = Vec::new();
        if self.eat(Token::Colon).is_some() {
            loop {
                let (ty, span) = self.tensor_type()?;
                result_types.push(ty);
                spans.result_types.push(span);
                if self.eat(Token::Comma).is_none() {
                    break;
                }
            }
        }
        let mut end = self.tokens[self.position.saturating_sub(1)].span;
        if result_types.len() != result_names.len() {
            return Err(Diagnostic::new(
                ErrorCode::InvalidStructure,
                format!(
                    "op has {} result(s) but {} result type(s)",
                    result_names.len(),
                    result_types.len()
                ),
            )
            .at(start.to(end))
            .with_label("every result needs exactly one type after ':'"));
        }
        let op = function.ops.push(OpData {
            name: self.text(name).to_string(),
            operands,
            results: Vec::new(),
            attributes,
            regions: Vec::new(),
            span: Span::NONE,
            spans,
        });
        while self.peek() == Token::LBrace {
            self.enter()?;
            let region = self.region(function, scope, op)?;
            self.depth -= 1;
            function.ops[op].regions.push(region);
            end = self.tokens[self.position - 1].span;
        }
        for (index, (lexeme, ty)) in result_names.iter().zip(result_types).enumerate() {
            let value = function.values.push(ValueData {
                ty,
                def: ValueDef::Result(op, index),
                name: Some(self.text(*lexeme)[1..].to_string()),
                span: lexeme.span,
            });
            function.ops[op].results.push(value);
            self.define(scope, self.text(*lexeme).to_string(), value, lexeme.span)?;
        }
        function.ops[op].span = start.to(end);
        Ok(op)
    }

    /// Whether the tokens ahead are `%a (, %b)* =`, i.e. the results of the next op rather than
    /// operands of the current one.
    fn results_ahead(&self) -> bool {
        let mut offset = 0;
        loop {
            if self.peek_at(offset) != Token::ValueName {
                return false;
            }
            match self.peek_at(offset + 1) {
                Token::Equal => return true,
                Token::Comma => offset += 2,
                _ => return false,
            }
        }
    }

    /// `{` starts an attribute dictionary when followed by `}` or by `name =`; otherwise a region.
    fn at_attribute_dictionary(&self) -> bool {
        self.peek() == Token::LBrace
            && (self.peek_at(1) == Token::RBrace
                || (self.peek_at(1) == Token::Identifier && self.peek_at(2) == Token::Equal))
    }

    fn attribute_dictionary(
        &mut self,
        attributes: &mut Attributes,
        spans: &mut OpSpans,
    ) -> DiagResult<()> {
        self.bump();
        while self.peek() != Token::RBrace {
            let key = self.expect(Token::Identifier, "an attribute name")?;
            self.expect(Token::Equal, "'='")?;
            let value_start = self.span();
            let value = self.attribute()?;
            let value_end = self.tokens[self.position - 1].span;
            let key_text = self.text(key).to_string();
            if attributes.contains_key(&key_text) {
                return Err(Diagnostic::new(
                    ErrorCode::DuplicateName,
                    format!("attribute `{key_text}` is given twice"),
                )
                .at(key.span)
                .with_label("duplicate attribute"));
            }
            spans
                .attributes
                .push((key_text.clone(), key.span.to(value_start).to(value_end)));
            attributes.insert(key_text, value);
            if self.eat(Token::Comma).is_none() && self.peek() != Token::RBrace {
                return Err(self.unexpected("',' or '}'"));
            }
        }
        self.bump();
        Ok(())
    }

    fn attribute(&mut self) -> DiagResult<Attribute> {
        let lexeme = self.tokens[self.position];
        let text = self.text(lexeme);
        let attribute = match lexeme.token {
            Token::Integer => Attribute::Int(self.integer()?),
            Token::Float => Attribute::Float(self.float()?),
            Token::String => {
                self.bump();
                Attribute::Str(unescape(text).map_err(|message| {
                    Diagnostic::new(ErrorCode::InvalidLiteral, message).at(lexeme.span)
                })?)
            }
            Token::SymbolName => {
                self.bump();
                Attribute::Symbol(text[1..].to_string())
            }
            Token::Identifier => {
                self.bump();
                match text {
                    "true" => Attribute::Bool(true),
                    "false" => Attribute::Bool(false),
                    _ => Attribute::Keyword(text.to_string()),
                }
            }
            Token::LBracket => {
                self.enter()?;
                self.bump();
                let mut items = Vec::new();
                while self.peek() != Token::RBracket {
                    items.push(self.attribute()?);
                    if self.eat(Token::Comma).is_none() && self.peek() != Token::RBracket {
                        return Err(self.unexpected("',' or ']'"));
                    }
                }
                self.bump();
                self.depth -= 1;
                Attribute::Array(items)
            }
            _ => return Err(self.unexpected("an attribute value")),
        };
        Ok(attribute)
    }

    /// `{ (^(%a: T, ...):)? op* }`
    fn region(
        &mut self,
        function: &mut Function,
        scope: &mut Scope,
        parent: crate::ir::Op,
    ) -> DiagResult<Region> {
        self.bump();
        scope.frames.push(Vec::new());
        let mut region = Region::default();
        let region_index = function.ops[parent].regions.len();
        if self.eat(Token::Caret).is_some() {
            self.expect(Token::LParen, "'('")?;
            if self.peek() != Token::RParen {
                loop {
                    let (name, span, ty) = self.typed_name()?;
                    let value = function.values.push(ValueData {
                        ty,
                        def: ValueDef::RegionArg(parent, region_index, region.arguments.len()),
                        name: Some(name[1..].to_string()),
                        span,
                    });
                    region.arguments.push(value);
                    self.define(scope, name, value, span)?;
                    if self.eat(Token::Comma).is_none() {
                        break;
                    }
                }
            }
            self.expect(Token::RParen, "',' or ')'")?;
            self.expect(Token::Colon, "':'")?;
        }
        while self.peek() != Token::RBrace {
            if self.peek() == Token::Eof {
                return Err(self.unexpected("an op or '}'"));
            }
            region.ops.push(self.op(function, scope)?);
        }
        self.bump();
        for name in scope.frames.pop().unwrap_or_default() {
            scope.names.remove(&name);
        }
        Ok(region)
    }

    // ---- types and literals ----

    /// `tensor<1x2xi8>`, `tensor<i32>`, `tensor<4xi8, !q<0.5, -1>>`,
    /// `tensor<8x3x3x1xi8, !q<[0.1, 0.2], axis = 0>>`
    fn tensor_type(&mut self) -> DiagResult<(TensorType, Span)> {
        let start = self
            .expect_keyword("tensor")
            .map_err(|_| self.unexpected("a type"))?;
        self.expect(Token::Less, "'<'")?;
        let lexeme = self.bump();
        let text = self.text(lexeme);
        let (dims, element_name) = match lexeme.token {
            Token::ShapeAndElement => {
                let parts: Vec<&str> = text.split('x').collect();
                let (element, dims) = parts.split_last().unwrap_or((&"", &[]));
                (dims.to_vec(), *element)
            }
            Token::Identifier => (Vec::new(), text),
            _ => {
                self.position -= 1;
                return Err(self.unexpected("a shape and element type (e.g. 1x8xi8)"));
            }
        };
        let mut shape = Vec::with_capacity(dims.len());
        for dim in dims {
            let value: usize = dim.parse().map_err(|_| {
                Diagnostic::new(
                    ErrorCode::InvalidLiteral,
                    format!("dimension `{dim}` is too large"),
                )
                .at(lexeme.span)
            })?;
            shape.push(value);
        }
        let element = ElementType::from_name(element_name).ok_or_else(|| {
            Diagnostic::new(
                ErrorCode::InvalidLiteral,
                format!("unknown element type `{element_name}`"),
            )
            .at(lexeme.span)
            .with_label("expected i8, i32 or f32")
        })?;
        let mut quant = None;
        if self.eat(Token::Comma).is_some() {
            quant = Some(self.quantization()?);
        }
        let end = self.expect(Token::Greater, "'>'")?.span;
        Ok((TensorType::new(shape, element, quant), start.span.to(end)))
    }

    fn quantization(&mut self) -> DiagResult<Quantization> {
        self.expect(Token::Bang, "'!q<...>'")?;
        self.expect_keyword("q")?;
        self.expect(Token::Less, "'<'")?;
        let quant = if self.eat(Token::LBracket).is_some() {
            let mut scales = Vec::new();
            while self.peek() != Token::RBracket {
                scales.push(self.float()?);
                if self.eat(Token::Comma).is_none() && self.peek() != Token::RBracket {
                    return Err(self.unexpected("',' or ']'"));
                }
            }
            self.bump();
            self.expect(Token::Comma, "','")?;
            self.expect_keyword("axis")?;
            self.expect(Token::Equal, "'='")?;
            let axis_span = self.span();
            let axis = usize::try_from(self.integer()?).map_err(|_| {
                Diagnostic::new(ErrorCode::InvalidLiteral, "axis must not be negative")
                    .at(axis_span)
            })?;
            Quantization::PerChannel { scales, axis }
        } else {
            let scale = self.float()?;
            self.expect(Token::Comma, "','")?;
            let zp_span = self.span();
            let zero_point = i32::try_from(self.integer()?).map_err(|_| {
                Diagnostic::new(ErrorCode::InvalidLiteral, "zero point out of range").at(zp_span)
            })?;
            Quantization::PerTensor { scale, zero_point }
        };
        self.expect(Token::Greater, "'>'")?;
        Ok(quant)
    }

    fn integer(&mut self) -> DiagResult<i64> {
        let lexeme = self.expect(Token::Integer, "an integer")?;
        self.text(lexeme).parse().map_err(|_| {
            Diagnostic::new(ErrorCode::InvalidLiteral, "integer out of range")
                .at(lexeme.span)
                .with_label("does not fit in 64 bits")
        })
    }

    /// A float; integers are accepted where a float is expected.
    fn float(&mut self) -> DiagResult<f32> {
        let lexeme = match self.peek() {
            Token::Float | Token::Integer => self.bump(),
            _ => return Err(self.unexpected("a number")),
        };
        self.text(lexeme).parse::<f32>().map_err(|_| {
            Diagnostic::new(ErrorCode::InvalidLiteral, "invalid number").at(lexeme.span)
        })
    }
}

/// Decodes `"0x0AF3..."` (quotes included) into bytes.
fn decode_hex(quoted: &str) -> Result<Vec<u8>, String> {
    let inner = &quoted[1..quoted.len() - 1];
    let digits = inner
        .strip_prefix("0x")
        .ok_or("a resource blob must start with \"0x\"")?;
    if digits.len() % 2 != 0 {
        return Err("a resource blob needs an even number of hex digits".to_string());
    }
    let nibble = |c: u8| match c {
        b'0'..=b'9' => Ok(c - b'0'),
        b'A'..=b'F' => Ok(c - b'A' + 10),
        b'a'..=b'f' => Ok(c - b'a' + 10),
        _ => Err(format!("`{}` is not a hex digit", c as char)),
    };
    let mut bytes = Vec::with_capacity(digits.len() / 2);
    for pair in digits.as_bytes().chunks_exact(2) {
        bytes.push(nibble(pair[0])? << 4 | nibble(pair[1])?);
    }
    Ok(bytes)
}

/// Undoes the escapes the printer writes: `\"`, `\\`, `\n`, `\t`, `\u{...}`.
fn unescape(quoted: &str) -> Result<String, String> {
    let inner = &quoted[1..quoted.len() - 1];
    let mut out = String::new();
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('"') => out.push('"'),
            Some('\\') => out.push('\\'),
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some('0') => out.push('\0'),
            Some('\'') => out.push('\''),
            Some('u') => {
                let rest: String = chars.by_ref().take_while(|&c| c != '}').collect();
                let code = rest
                    .strip_prefix('{')
                    .and_then(|hex| u32::from_str_radix(hex, 16).ok())
                    .and_then(char::from_u32)
                    .ok_or("invalid \\u{...} escape")?;
                out.push(code);
            }
            other => return Err(format!("unknown escape `\\{}`", other.unwrap_or(' '))),
        }
    }
    Ok(out)
}
