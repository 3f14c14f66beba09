//! Which fonts a page draws, decided as the reference renderer decides it.
//!
//! Two things happen at compile time, both after sub-compositions are
//! inlined, on `<style>` elements, `style` attributes and
//! `data-font-family` attributes (linked stylesheets and the `font`
//! shorthand are left as authored, as the reference leaves them):
//!
//! - a stack whose first family is generic or system-UI (`system-ui,
//!   sans-serif`, `-apple-system, …`, `monospace`) gets
//!   [`aliases::SYSTEM_PRIMARY`] (Inter) in front ([`normalize_html`]);
//! - [`requested`] lists every family the page's stacks name, so the font
//!   pipeline can declare faces for it: an alias (`Arial`, `Segoe UI`)
//!   gets its canonical family's faces under the authored name
//!   ([`aliases::canonical_for`]).

pub mod aliases;
pub mod stack;

use std::cell::RefCell;
use std::collections::HashMap;

use lol_html::html_content::ContentType;
use lol_html::{element, rewrite_str, text, RewriteStrSettings};

use stack::Context;

/// The custom properties (`--name: value`) every `<style>` and `style`
/// attribute of `html` declares, the last declaration winning.
pub fn custom_properties(html: &str) -> HashMap<String, String> {
    let mut custom = HashMap::new();
    let _ = for_each_css(html, &mut |css, inline| {
        stack::edit_declarations(css, inline, &mut |name, value, _| {
            if name.starts_with("--") {
                custom.insert(name.to_owned(), value.to_owned());
            }
            None
        });
        None
    });
    custom
}

/// `html` with the reference's system-primary rule applied: every
/// `font-family` value (and custom property) whose first family is generic
/// gets Inter in front, the authored stack kept behind it as fallbacks.
/// `@font-face` rules are not touched.
pub fn normalize_html(html: &str) -> Result<String, String> {
    let custom = custom_properties(html);
    let mut fix = |css: &str, inline: bool| {
        stack::edit_declarations(css, inline, &mut |name, value, ctx| {
            let stack_value = name.starts_with("--")
                || (name.eq_ignore_ascii_case("font-family") && ctx == Context::Style);
            if stack_value {
                stack::system_primary(value, &custom)
            } else {
                None
            }
        })
    };
    for_each_css(html, &mut fix)
}

/// Every family the page's `font-family` declarations name (outside
/// `@font-face`, a leading `var()` resolved through the page's custom
/// properties), fetchable ones only, once each in order of appearance, as
/// first written.
pub fn requested(html: &str) -> Vec<String> {
    let custom = custom_properties(html);
    let mut out: Vec<String> = Vec::new();
    let mut add = |value: &str| {
        for family in stack::resolve(value, &custom) {
            let k = aliases::key(&family);
            if aliases::is_fetchable(&family) && !out.iter().any(|f| aliases::key(f) == k) {
                out.push(family);
            }
        }
    };
    let _ = for_each_css(html, &mut |css, inline| {
        stack::edit_declarations(css, inline, &mut |name, value, ctx| {
            if name.eq_ignore_ascii_case("font-family") && ctx == Context::Style {
                add(value);
            }
            None
        });
        None
    });
    out
}

/// What the reference draws for a `font-family` value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Drawn {
    /// A canonical family's faces (under the authored name for an alias).
    Canonical(&'static aliases::Canonical),
    /// A family that is not aliased, found on the machine or on npm.
    Family(String),
    /// A generic family: whatever the machine's fontconfig picks for it.
    Generic(String),
    /// Nothing in the stack resolves: the browser's default.
    Default,
}

/// What the reference draws for `value` (a `font-family` value, before
/// normalisation), when `available(family)` tells whether an unaliased
/// family is on the machine or on npm. Chrome takes the first family of
/// the stack that has faces: after normalisation an alias always has
/// them, a generic always resolves.
pub fn drawn(value: &str, available: &dyn Fn(&str) -> bool) -> Drawn {
    let value = stack::system_primary(value, &HashMap::new()).unwrap_or_else(|| value.to_owned());
    for family in stack::split(&value) {
        if let Some(c) = aliases::canonical_for(&family) {
            return Drawn::Canonical(c);
        }
        if aliases::is_generic(&family) {
            return Drawn::Generic(aliases::key(&family));
        }
        if aliases::is_fetchable(&family) && available(&family) {
            return Drawn::Family(family);
        }
    }
    Drawn::Default
}

/// Run `f(css, inline)` over the text of every `<style>` element (inline
/// false) and every `style` attribute (inline true) of `html`, and over
/// each `data-font-family` value (as a declaration `font-family: …`);
/// where it returns new text, that text replaces the old. Returns the
/// rewritten HTML.
fn for_each_css(
    html: &str,
    f: &mut dyn FnMut(&str, bool) -> Option<String>,
) -> Result<String, String> {
    let f = RefCell::new(f);
    let buffer = RefCell::new(String::new());
    let handlers = vec![
        text!("style", |chunk| {
            buffer.borrow_mut().push_str(chunk.as_str());
            if chunk.last_in_text_node() {
                let css = std::mem::take(&mut *buffer.borrow_mut());
                let new = (f.borrow_mut())(&css, false).unwrap_or(css);
                chunk.replace(&new, ContentType::Html);
            } else {
                chunk.remove();
            }
            Ok(())
        }),
        element!("[style]", |el| {
            if let Some(style) = el.get_attribute("style") {
                if let Some(new) = (f.borrow_mut())(&style, true) {
                    el.set_attribute("style", &new)?;
                }
            }
            Ok(())
        }),
        element!("[data-font-family]", |el| {
            if let Some(value) = el.get_attribute("data-font-family") {
                let decl = format!("font-family:{value}");
                if let Some(new) = (f.borrow_mut())(&decl, true) {
                    let new = new.strip_prefix("font-family:").unwrap_or(&new).to_owned();
                    el.set_attribute("data-font-family", &new)?;
                }
            }
            Ok(())
        }),
    ];
    let out = rewrite_str(
        html,
        RewriteStrSettings {
            element_content_handlers: handlers,
            ..RewriteStrSettings::new()
        },
    );
    out.map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests;
