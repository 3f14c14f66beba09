//! Font stacks in CSS text: split a `font-family` value into its families,
//! find every `font-family` (and custom property) declaration of a
//! stylesheet or a `style` attribute, and put the reference's system
//! primary family in front of a stack that starts with a generic name.
//!
//! The stylesheet is tokenised by `cssparser` (strings, comments, escapes
//! and nesting as a browser reads them); edits are byte ranges of the
//! original text, so everything else stays exactly as authored.

use std::collections::HashMap;

use cssparser::{Parser, ParserInput, Token};

use super::aliases::{is_generic, SYSTEM_PRIMARY};

/// `"Open Sans", Arial, sans-serif` → `["Open Sans", "Arial", "sans-serif"]`.
/// Only top-level commas split: a comma inside quotes or inside
/// `var(--x, …)` stays in its family. Quotes around a family are removed,
/// case is kept.
pub fn split(value: &str) -> Vec<String> {
    let mut pieces = Vec::new();
    let (mut start, mut depth, mut quote) = (0, 0usize, None::<char>);
    let mut chars = value.char_indices();
    while let Some((i, c)) = chars.next() {
        match (quote, c) {
            (_, '\\') => {
                chars.next();
            }
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '(') => depth += 1,
            (None, ')') => depth = depth.saturating_sub(1),
            (None, ',') if depth == 0 => {
                pieces.push(&value[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    pieces.push(&value[start..]);
    pieces
        .into_iter()
        .map(|p| {
            let p = p.trim();
            let p = p.strip_prefix(['"', '\'']).unwrap_or(p);
            p.strip_suffix(['"', '\'']).unwrap_or(p).trim().to_owned()
        })
        .filter(|p| !p.is_empty())
        .collect()
}

/// A `var(--name, fallback)rest` at the start of a value.
struct VarRef<'a> {
    name: &'a str,
    fallback: Option<&'a str>,
    rest: &'a str,
}

fn leading_var(value: &str) -> Option<VarRef<'_>> {
    let v = value.trim();
    if !v.get(..4).is_some_and(|h| h.eq_ignore_ascii_case("var(")) {
        return None;
    }
    let mut depth = 0usize;
    for (i, c) in v.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    let inner = v[4..i].trim();
                    let (name, fallback) = match inner.split_once(',') {
                        Some((n, f)) => (n.trim(), Some(f)),
                        None => (inner, None),
                    };
                    let valid = name.len() > 2
                        && name.starts_with("--")
                        && name[2..]
                            .chars()
                            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
                    return valid.then_some(VarRef {
                        name,
                        fallback,
                        rest: &v[i + 1..],
                    });
                }
            }
            _ => {}
        }
    }
    None
}

/// The value the reference writes for a `font-family` (or custom property)
/// value whose first family is generic: [`SYSTEM_PRIMARY`] in front of it.
/// A leading `var(--x, fallback)` is left alone when `--x` is defined
/// anywhere in the page (`custom`), else its fallback is normalised.
/// None: leave the value as it is.
pub fn system_primary(value: &str, custom: &HashMap<String, String>) -> Option<String> {
    if let Some(var) = leading_var(value) {
        if custom.contains_key(var.name) {
            return None;
        }
        let fallback = system_primary(var.fallback?, custom)?;
        return Some(format!("var({}, {fallback}){}", var.name, var.rest));
    }
    let first = split(value).into_iter().next()?;
    is_generic(&first).then(|| format!("{SYSTEM_PRIMARY}, {}", value.trim()))
}

/// The families a `font-family` value asks for: a leading `var(--x)` is
/// replaced by the families of `--x` (or of its fallback), to a few levels.
pub fn resolve(value: &str, custom: &HashMap<String, String>) -> Vec<String> {
    fn go(value: &str, custom: &HashMap<String, String>, depth: usize) -> Vec<String> {
        let families = split(value);
        let Some(var) = leading_var(value).filter(|_| depth < 8) else {
            return families;
        };
        let source = custom.get(var.name).map(String::as_str).or(var.fallback);
        let Some(source) = source else {
            return families;
        };
        let mut out = go(source, custom, depth + 1);
        if out.is_empty() {
            return out;
        }
        out.extend(families.into_iter().skip(1));
        out
    }
    go(value, custom, 0)
}

/// Where a declaration sits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Context {
    /// In a style rule, an at-rule block or a `style` attribute.
    Style,
    /// Inside `@font-face`, where `font-family` names a face, not a stack.
    FontFace,
}

/// Call `visit(property, value, context)` for every declaration of `css`
/// (a stylesheet, or with `inline` a `style` attribute's declarations);
/// where it returns a new value, that value replaces the authored one.
/// Returns the edited text, or None when nothing changed.
pub fn edit_declarations(
    css: &str,
    inline: bool,
    visit: &mut dyn FnMut(&str, &str, Context) -> Option<String>,
) -> Option<String> {
    let mut input = ParserInput::new(css);
    let mut parser = Parser::new(&mut input);
    let mut edits = Vec::new();
    let mut found = |range: (usize, usize), name: &str, ctx: Context| {
        if let Some(new) = visit(name, &css[range.0..range.1], ctx) {
            edits.push((range, new));
        }
    };
    walk(&mut parser, inline, Context::Style, &mut found);
    if edits.is_empty() {
        return None;
    }
    let mut out = String::with_capacity(css.len() + 32 * edits.len());
    let mut at = 0;
    for ((start, end), new) in edits {
        out.push_str(&css[at..start]);
        out.push_str(&new);
        at = end;
    }
    out.push_str(&css[at..]);
    Some(out)
}

/// Where the walk is inside one statement.
enum State {
    /// Before a statement's first token.
    Start,
    /// After a leading identifier: a declaration if a colon follows.
    Name(String),
    /// In a declaration's value: its property and the value's byte range
    /// so far (leading and trailing whitespace excluded).
    Value(String, Option<(usize, usize)>),
    /// In a rule's prelude (a selector or an at-rule's), with the
    /// at-rule's lower-case name.
    Prelude(Option<String>),
}

type Found<'a> = dyn FnMut((usize, usize), &str, Context) + 'a;

/// One block's statements. `declarations`: the block may hold
/// declarations (a rule's body, a `style` attribute), not only rules. A
/// `{…}` block ends a statement as a rule, whose body is walked in turn
/// (nested rules, `@media`, `@scope` …).
fn walk(p: &mut Parser<'_, '_>, declarations: bool, ctx: Context, found: &mut Found<'_>) {
    let mut state = State::Start;
    loop {
        let start = p.position().byte_index();
        let token = match p.next_including_whitespace_and_comments() {
            Ok(Token::WhiteSpace(_) | Token::Comment(_)) => continue,
            Ok(t) => t.clone(),
            Err(_) => break,
        };
        // A function or bracket block ends at its closing bracket.
        if matches!(
            token,
            Token::Function(_) | Token::ParenthesisBlock | Token::SquareBracketBlock
        ) {
            let _ = p.parse_nested_block(|p| {
                while p.next_including_whitespace_and_comments().is_ok() {}
                Ok::<(), cssparser::ParseError<'_, ()>>(())
            });
        }
        let end = p.position().byte_index();
        state = match (state, token) {
            (s, Token::CurlyBracketBlock) => {
                let inner = match s {
                    State::Prelude(Some(name)) if name == "font-face" => Context::FontFace,
                    _ => Context::Style,
                };
                let _ = p.parse_nested_block(|p| {
                    walk(p, true, inner, found);
                    Ok::<(), cssparser::ParseError<'_, ()>>(())
                });
                State::Start
            }
            (State::Value(name, range), Token::Semicolon) => {
                if let Some(range) = range {
                    found(range, &name, ctx);
                }
                State::Start
            }
            (State::Value(name, range), _) => {
                State::Value(name, Some((range.map_or(start, |r| r.0), end)))
            }
            (State::Start, Token::Ident(name)) if declarations => State::Name(name.to_string()),
            (State::Name(name), Token::Colon) => State::Value(name, None),
            (State::Start, Token::AtKeyword(name)) => {
                State::Prelude(Some(name.to_ascii_lowercase()))
            }
            (State::Start | State::Prelude(_), Token::Semicolon) => State::Start,
            (State::Prelude(name), _) => State::Prelude(name),
            (_, _) => State::Prelude(None),
        };
    }
    if let State::Value(name, Some(range)) = state {
        found(range, &name, ctx);
    }
}
