//! The read pass over `index.html`: finds the composition root and every
//! timed or media element, in document order, with what is needed to name
//! them in an error. Uses lol_html, a streaming HTML rewriter, in read-only
//! mode so that malformed markup is handled the way browsers tokenise it.

use std::cell::RefCell;
use std::rc::Rc;

use lol_html::{element, HtmlRewriter, Settings};

/// One element of interest, as authored.
#[derive(Debug, Clone, Default)]
pub struct ScannedElement {
    /// Lower-case tag name.
    pub tag: String,
    /// 1-based source line, for error messages.
    pub line: usize,
    /// Every attribute, authored order.
    pub attrs: Vec<(String, String)>,
    /// Index of the nearest enclosing scanned element, if any.
    pub parent: Option<usize>,
}

impl ScannedElement {
    /// An attribute's value.
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// A short description like `<div id="intro" data-start="a + 1">`
    /// (line 12), so an error names the element the author wrote.
    pub fn describe(&self) -> String {
        let mut s = format!("<{}", self.tag);
        for key in [
            "id",
            "data-composition-id",
            "data-start",
            "data-duration",
            "src",
        ] {
            if let Some(v) = self.attr(key) {
                s.push_str(&format!(" {key}=\"{v}\""));
            }
        }
        s.push_str(&format!("> on line {}", self.line));
        s
    }

    /// True for elements the pipeline tracks: timed clips, media, and
    /// composition roots or hosts.
    pub fn is_interesting(&self) -> bool {
        matches!(self.tag.as_str(), "audio" | "video")
            || self.attr("data-start").is_some()
            || self.attr("data-composition-id").is_some()
    }
}

/// What the read pass found.
#[derive(Debug, Clone, Default)]
pub struct Scan {
    /// Interesting elements in document order.
    pub elements: Vec<ScannedElement>,
    /// The document has a `<head>` element.
    pub has_head: bool,
    /// The document has an `<html>` element.
    pub has_html: bool,
    /// Attributes of the `<html>` element (variables may be declared there).
    pub html_attrs: Vec<(String, String)>,
}

/// Scan `html`. Fails only when lol_html cannot tokenise the input.
pub fn scan(html: &str) -> Result<Scan, String> {
    let out = RefCell::new(Scan::default());
    // Stack of (depth marker) for interesting elements still open, so each
    // knows its nearest interesting ancestor.
    let open: Rc<RefCell<Vec<usize>>> = Rc::new(RefCell::new(Vec::new()));
    let line_starts = line_starts(html);
    {
        let mut rewriter = HtmlRewriter::new(
            Settings {
                element_content_handlers: vec![element!("*", |el| {
                    let tag = el.tag_name().to_ascii_lowercase();
                    {
                        let mut scan = out.borrow_mut();
                        scan.has_head |= tag == "head";
                        scan.has_html |= tag == "html";
                    }
                    let attrs: Vec<(String, String)> = el
                        .attributes()
                        .iter()
                        .map(|a| (a.name(), a.value()))
                        .collect();
                    if tag == "html" {
                        out.borrow_mut().html_attrs = attrs.clone();
                    }
                    // `<video><source src=…>`: the first source child is
                    // the video's source when the video has no src.
                    if tag == "source" {
                        if let Some(&parent) = open.borrow().last() {
                            let mut scan = out.borrow_mut();
                            let video = &mut scan.elements[parent];
                            let src = attrs.iter().find(|(k, _)| k == "src");
                            if matches!(video.tag.as_str(), "video" | "audio")
                                && video.attr("src").is_none()
                            {
                                if let Some((_, v)) = src {
                                    video.attrs.push(("src".into(), v.clone()));
                                }
                            }
                        }
                    }
                    let offset = el.source_location().bytes().start;
                    let line = line_starts.partition_point(|&s| s <= offset);
                    let candidate = ScannedElement {
                        tag,
                        line,
                        attrs,
                        parent: open.borrow().last().copied(),
                    };
                    if candidate.is_interesting() {
                        let idx = {
                            let mut scan = out.borrow_mut();
                            scan.elements.push(candidate);
                            scan.elements.len() - 1
                        };
                        if el.can_have_content() && !el.is_self_closing() {
                            open.borrow_mut().push(idx);
                            let open = Rc::clone(&open);
                            // Pop on the end tag; an element whose end tag
                            // is implied simply stays open, which only
                            // affects the parent links of later elements.
                            let pop: lol_html::EndTagHandler<'static> = Box::new(move |_| {
                                open.borrow_mut().pop();
                                Ok(())
                            });
                            let _ = el.on_end_tag(pop);
                        }
                    }
                    Ok(())
                })],
                ..Settings::new()
            },
            |_: &[u8]| {},
        );
        rewriter.write(html.as_bytes()).map_err(|e| e.to_string())?;
        rewriter.end().map_err(|e| e.to_string())?;
    }
    Ok(out.into_inner())
}

fn line_starts(s: &str) -> Vec<usize> {
    std::iter::once(0)
        .chain(s.match_indices('\n').map(|(i, _)| i + 1))
        .collect()
}
