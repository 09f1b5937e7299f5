//! The `.tir` lexer: logos recognizes the regular tokens; [`Lexer`] wraps it, owns the byte
//! spans and turns unknown input into a diagnostic instead of a token.

use crate::diagnostic::{Diagnostic, ErrorCode};
use crate::span::Span;
use logos::Logos;

/// Tokens of the `.tir` language. Comments (`// ...`) and whitespace are skipped.
#[derive(Logos, Debug, Clone, Copy, PartialEq, Eq)]
#[logos(skip r"[ \t\r\n\f]+")]
#[logos(skip(r"//[^\n]*", allow_greedy = true))]
pub enum Token {
    /// `%name`: an SSA value.
    #[regex(r"%[A-Za-z0-9_$.]+")]
    ValueName,
    /// `@name`: a function, module or resource symbol.
    #[regex(r"@[A-Za-z_][A-Za-z0-9_$.]*")]
    SymbolName,
    /// A bare identifier or keyword, possibly dialect-qualified (`tinyml.conv2d`, `same`).
    #[regex(r"[A-Za-z_][A-Za-z0-9_$.]*")]
    Identifier,
    /// The dimensions and element type of a tensor type: `1x96x96x1xi8`.
    #[regex(r"([0-9]+x)+[A-Za-z][A-Za-z0-9]*")]
    ShapeAndElement,
    #[regex(r"-?[0-9]+")]
    Integer,
    #[regex(r"-?[0-9]+\.[0-9]*([eE][-+]?[0-9]+)?")]
    #[regex(r"-?[0-9]+[eE][-+]?[0-9]+")]
    #[token("inf")]
    #[token("-inf")]
    #[token("nan")]
    Float,
    #[regex(r#""([^"\\\n]|\\.)*""#)]
    String,
    #[token("{")]
    LBrace,
    #[token("}")]
    RBrace,
    #[token("(")]
    LParen,
    #[token(")")]
    RParen,
    #[token("[")]
    LBracket,
    #[token("]")]
    RBracket,
    #[token("<")]
    Less,
    #[token(">")]
    Greater,
    #[token(",")]
    Comma,
    #[token(":")]
    Colon,
    #[token("=")]
    Equal,
    #[token("->")]
    Arrow,
    #[token("!")]
    Bang,
    #[token("^")]
    Caret,
    /// End of input (never produced by logos; added by [`Lexer`]).
    Eof,
}

impl Token {
    /// How the token is named in "expected X, found Y" messages.
    pub fn describe(self) -> &'static str {
        match self {
            Token::ValueName => "a value name (%name)",
            Token::SymbolName => "a symbol (@name)",
            Token::Identifier => "an identifier",
            Token::ShapeAndElement => "a tensor shape",
            Token::Integer => "an integer",
            Token::Float => "a float",
            Token::String => "a string",
            Token::LBrace => "'{'",
            Token::RBrace => "'}'",
            Token::LParen => "'('",
            Token::RParen => "')'",
            Token::LBracket => "'['",
            Token::RBracket => "']'",
            Token::Less => "'<'",
            Token::Greater => "'>'",
            Token::Comma => "','",
            Token::Colon => "':'",
            Token::Equal => "'='",
            Token::Arrow => "'->'",
            Token::Bang => "'!'",
            Token::Caret => "'^'",
            Token::Eof => "end of file",
        }
    }
}

/// A token with its span.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lexeme {
    pub token: Token,
    pub span: Span,
}

/// Tokenizes a whole source text up front.
pub struct Lexer;

impl Lexer {
    /// All tokens followed by one `Eof`, or the first lexical error.
    pub fn tokenize(source: &str) -> Result<Vec<Lexeme>, Diagnostic> {
        let mut out = Vec::new();
        let mut lexer = Token::lexer(source);
        while let Some(result) = lexer.next() {
            let range = lexer.span();
            let span = Span::new(range.start, range.end);
            match result {
                Ok(token) => out.push(Lexeme { token, span }),
                Err(()) => {
                    let text = &source[range];
                    let shown: String = text.chars().take(20).collect();
                    let message = if text.starts_with('"') {
                        "unterminated string".to_string()
                    } else {
                        format!("invalid token `{}`", shown.escape_debug())
                    };
                    return Err(Diagnostic::new(ErrorCode::InvalidToken, message)
                        .at(span)
                        .with_label("not part of the .tir language"));
                }
            }
        }
        let end = source.len();
        out.push(Lexeme {
            token: Token::Eof,
            span: Span::new(end, end),
        });
        Ok(out)
    }
}
