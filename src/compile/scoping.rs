//! Scoping a sub-composition's CSS to its host, the way HyperFrames does,
//! so the same stylesheet selects the same elements with the same
//! specificity in both renderers:
//!
//! - a bare composition-root selector (`[data-composition-id="c"]`, also
//!   with `[data-start=…]`/`[data-duration=…]` beside it, or a bare `html`,
//!   `body`, `:root`) styles the composition's own box: the inner-root
//!   wrapper below the host;
//! - a selector naming the root with more (`[data-composition-id="c"] .x`)
//!   keeps it, minus the timing attributes beside it (the compiled page
//!   rewrites those);
//! - `*` stays global;
//! - any other selector is prefixed with the scope (`S .x`).
//!
//! Rules inside `@keyframes` and `@font-face` stay global, rules nested in
//! other at-rules are scoped, and nested style rules inherit their parent's
//! scope. Parsed with cssparser, so strings, comments and escapes cannot
//! fool the rewrite.

use cssparser::{ParseError, Parser, ParserInput, Token};

/// Where one sub-composition's rules apply.
pub(super) struct Scope {
    /// Selector every rule is placed under (the host).
    pub under: String,
    /// Selector of the composition's own box (the inner-root wrapper).
    pub boxed: String,
    /// The composition id the stylesheet was written for.
    pub id: String,
}

/// At-rules whose blocks hold no selectors to scope.
const GLOBAL_AT_RULES: [&str; 3] = ["keyframes", "-webkit-keyframes", "font-face"];

/// `css` with every selector scoped by `scope`.
pub(super) fn scope_css(css: &str, scope: &Scope) -> String {
    let mut input = ParserInput::new(css);
    let mut parser = Parser::new(&mut input);
    let mut out = String::with_capacity(css.len() + 128);
    while let Some(rule) = next_rule(&mut parser) {
        out.push_str(&css[rule.from..rule.start]);
        let prelude = &css[rule.start..rule.brace];
        match (&rule.at, rule.block) {
            (_, None) => out.push_str(&css[rule.start..rule.end]),
            (None, Some(_)) => {
                out.push_str(&scope_selector_list(css, &rule, scope));
                out.push_str(&css[rule.brace..rule.end]);
            }
            (Some(name), Some(_)) if GLOBAL_AT_RULES.contains(&name.as_str()) => {
                out.push_str(&css[rule.start..rule.end]);
            }
            (Some(_), Some((inner_start, inner_end))) => {
                out.push_str(prelude);
                out.push_str(&css[rule.brace..inner_start]);
                out.push_str(&scope_css(&css[inner_start..inner_end], scope));
                out.push_str(&css[inner_end..rule.end]);
            }
        }
    }
    out
}

/// One top-level rule or statement, as byte offsets into the stylesheet.
struct RawRule {
    /// Where the whitespace and comments before it begin.
    from: usize,
    /// Where its prelude begins.
    start: usize,
    /// Where its `{` is (its end when it has no block).
    brace: usize,
    end: usize,
    /// Lower-case at-rule name.
    at: Option<String>,
    /// The block's content.
    block: Option<(usize, usize)>,
    /// Top-level commas of the prelude.
    commas: Vec<usize>,
}

fn next_rule(p: &mut Parser<'_, '_>) -> Option<RawRule> {
    let from = p.position().byte_index();
    let mut start = from;
    let (mut at, mut first, mut commas) = (None, true, Vec::new());
    loop {
        let before = p.position().byte_index();
        let token = match p.next_including_whitespace_and_comments() {
            Ok(t) => t.clone(),
            // The end: trailing whitespace or an unterminated prelude.
            Err(_) => {
                let end = p.position().byte_index();
                return (end > from).then_some(RawRule {
                    from,
                    start,
                    brace: end,
                    end,
                    at,
                    block: None,
                    commas,
                });
            }
        };
        match token {
            Token::WhiteSpace(_) | Token::Comment(_) | Token::CDO | Token::CDC => {
                if first {
                    start = p.position().byte_index();
                }
                continue;
            }
            Token::AtKeyword(name) if first => at = Some(name.to_ascii_lowercase()),
            Token::Semicolon => {
                let end = p.position().byte_index();
                return Some(RawRule {
                    from,
                    start,
                    brace: end,
                    end,
                    at,
                    block: None,
                    commas,
                });
            }
            Token::CurlyBracketBlock => {
                let inner = p
                    .parse_nested_block(|i| -> Result<_, ParseError<'_, ()>> {
                        let s = i.position().byte_index();
                        while i.next_including_whitespace_and_comments().is_ok() {}
                        Ok((s, i.position().byte_index()))
                    })
                    .unwrap_or((before + 1, before + 1));
                return Some(RawRule {
                    from,
                    start,
                    brace: before,
                    end: p.position().byte_index(),
                    at,
                    block: Some(inner),
                    commas,
                });
            }
            Token::Comma => commas.push(before),
            t => skip_block(p, &t),
        }
        first = false;
    }
}

fn scope_selector_list(css: &str, rule: &RawRule, scope: &Scope) -> String {
    let mut bounds = vec![rule.start];
    bounds.extend(rule.commas.iter().map(|c| c + 1));
    let ends = rule.commas.iter().copied().chain([rule.brace]);
    bounds
        .into_iter()
        .zip(ends)
        .map(|(s, e)| scope_selector(&css[s..e], scope))
        .collect::<Vec<_>>()
        .join(",")
}

/// One selector of a list, scoped; its surrounding whitespace is kept.
fn scope_selector(sel: &str, scope: &Scope) -> String {
    let trimmed = sel.trim();
    let lead = &sel[..sel.len() - sel.trim_start().len()];
    let trail = &sel[sel.trim_end().len()..];
    if trimmed.is_empty() || trimmed == "*" {
        return sel.to_owned();
    }
    let body = if ["html", "body", ":root"]
        .iter()
        .any(|r| trimmed.eq_ignore_ascii_case(r))
    {
        scope.boxed.clone()
    } else {
        match root_parts(trimmed, &scope.id) {
            Some(Root::Bare) => scope.boxed.clone(),
            Some(Root::Within(rest)) => rest,
            None => format!("{} {trimmed}", scope.under),
        }
    };
    format!("{lead}{body}{trail}")
}

enum Root {
    /// Nothing but the root (and timing attributes beside it).
    Bare,
    /// The root and more: the selector without the timing attributes.
    Within(String),
}

#[derive(Clone, Copy, PartialEq)]
enum Part {
    RootAttr,
    TimingAttr,
    Space,
    Other,
}

/// Consume the content of a block token, so positions after it are right
/// (cssparser skips it only on the next call).
fn skip_block(p: &mut Parser<'_, '_>, token: &Token<'_>) {
    if matches!(
        token,
        Token::Function(_)
            | Token::ParenthesisBlock
            | Token::SquareBracketBlock
            | Token::CurlyBracketBlock
    ) {
        let _ = p.parse_nested_block(|i| -> Result<(), ParseError<'_, ()>> {
            while i.next_including_whitespace_and_comments().is_ok() {}
            Ok(())
        });
    }
}

/// How `sel` names the composition root `id`, if it does.
fn root_parts(sel: &str, id: &str) -> Option<Root> {
    let mut input = ParserInput::new(sel);
    let mut p = Parser::new(&mut input);
    let mut parts: Vec<(Part, usize, usize)> = Vec::new();
    loop {
        let before = p.position().byte_index();
        let part = match p.next_including_whitespace_and_comments() {
            Err(_) => break,
            Ok(Token::WhiteSpace(_) | Token::Comment(_)) => Part::Space,
            Ok(Token::SquareBracketBlock) => p
                .parse_nested_block(|i| -> Result<_, ParseError<'_, ()>> { Ok(attr_kind(i, id)) })
                .unwrap_or(Part::Other),
            Ok(t) => {
                let t = t.clone();
                skip_block(&mut p, &t);
                Part::Other
            }
        };
        parts.push((part, before, p.position().byte_index()));
    }
    if !parts.iter().any(|(k, ..)| *k == Part::RootAttr) {
        return None;
    }
    // Timing attributes chained to the root attribute, on either side.
    let mut keep = vec![true; parts.len()];
    for (i, (kind, ..)) in parts.iter().enumerate() {
        if *kind != Part::RootAttr {
            continue;
        }
        for j in (0..i).rev().take_while(|&j| parts[j].0 == Part::TimingAttr) {
            keep[j] = false;
        }
        for j in (i + 1..parts.len()).take_while(|&j| parts[j].0 == Part::TimingAttr) {
            keep[j] = false;
        }
    }
    let kept = || parts.iter().zip(&keep).filter(|(_, k)| **k).map(|(p, _)| p);
    if kept().all(|(k, ..)| matches!(k, Part::RootAttr | Part::Space)) {
        return Some(Root::Bare);
    }
    Some(Root::Within(kept().map(|(_, s, e)| &sel[*s..*e]).collect()))
}

/// What an attribute selector's content (`name = value`) is.
fn attr_kind(p: &mut Parser<'_, '_>, id: &str) -> Part {
    let name = match p.next() {
        Ok(Token::Ident(n)) => n.to_ascii_lowercase(),
        _ => return Part::Other,
    };
    if !matches!(p.next(), Ok(Token::Delim('='))) {
        return Part::Other;
    }
    let value = match p.next() {
        Ok(Token::QuotedString(v) | Token::Ident(v)) => v.to_string(),
        _ => return Part::Other,
    };
    if p.next().is_ok() {
        return Part::Other; // a flag like `i`: not the exact match the page has
    }
    match name.as_str() {
        "data-composition-id" if value == id => Part::RootAttr,
        "data-start" | "data-duration" => Part::TimingAttr,
        _ => Part::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope() -> Scope {
        Scope {
            under: r#"[data-composition-id="card"]"#.into(),
            boxed: r#"[data-composition-id="card"] > [data-hf-inner-root]"#.into(),
            id: "card".into(),
        }
    }

    #[test]
    fn bare_roots_style_the_box_and_the_rest_sit_under_the_host() {
        let css = r#"[data-composition-id="card"] { width: 100% }
[data-composition-id='card'][data-start="0"], body { color: red }
[data-composition-id="card"] .title, .x > p { margin: 0 }
* { box-sizing: border-box }
#hook .t { content: "a, b { }" }"#;
        let out = scope_css(css, &scope());
        let want = r#"[data-composition-id="card"] > [data-hf-inner-root] { width: 100% }
[data-composition-id="card"] > [data-hf-inner-root], [data-composition-id="card"] > [data-hf-inner-root] { color: red }
[data-composition-id="card"] .title, [data-composition-id="card"] .x > p { margin: 0 }
* { box-sizing: border-box }
[data-composition-id="card"] #hook .t { content: "a, b { }" }"#;
        assert_eq!(out, want);
    }

    #[test]
    fn at_rules_recurse_except_keyframes_and_font_faces() {
        let css = "@import url(x.css);\n@media (min-width: 10px) { .a { x: y } }\n\
                   @keyframes spin { from { a: b } to { a: c } }\n/* c */ .b:hover{}";
        let out = scope_css(css, &scope());
        assert!(
            out.contains(
                r#"@media (min-width: 10px) { [data-composition-id="card"] .a { x: y } }"#
            ),
            "{out}"
        );
        assert!(
            out.contains("@keyframes spin { from { a: b } to { a: c } }"),
            "{out}"
        );
        assert!(out.starts_with("@import url(x.css);"), "{out}");
        assert!(
            out.ends_with(r#"/* c */ [data-composition-id="card"] .b:hover{}"#),
            "{out}"
        );
    }

    #[test]
    fn other_compositions_and_other_attributes_are_prefixed() {
        let out = scope_css(
            r#"[data-composition-id="other"] .a, [data-start="1"] {}"#,
            &scope(),
        );
        assert_eq!(
            out,
            r#"[data-composition-id="card"] [data-composition-id="other"] .a, [data-composition-id="card"] [data-start="1"] {}"#
        );
    }
}
