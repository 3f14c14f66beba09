//! The compiled-HTML check: the timing the compiler resolved must not move.
//! For every timed media element (`<video>`/`<audio>` with an id) and every
//! composition host (`data-composition-id`), start, end and duration must
//! equal the golden's within 1 ms, and each composition must contain the
//! same sub-compositions. Styles, scripts and media URLs are not compared:
//! they change for reasons that do not move pixels.
//!
//! Parsed with lol_html (a real HTML tokenizer), not regexes, so attribute
//! order, quoting and entities cannot fool it.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use lol_html::{element, EndTagHandler, HtmlRewriter, Settings};

use crate::model::CompiledCheck;

/// Tolerance for times, in seconds.
pub const TOLERANCE_S: f64 = 0.001;

/// A timed element as written in the compiled HTML.
#[derive(Debug, Clone, PartialEq)]
pub struct Timed {
    /// Lower-case tag name.
    pub tag: String,
    /// `data-start` (absent = 0).
    pub start: Option<String>,
    /// `data-end`.
    pub end: Option<String>,
    /// `data-duration`.
    pub duration: Option<String>,
    /// True for `<video>`/`<audio>`, false for composition hosts.
    pub media: bool,
}

/// What the check compares, keyed by a stable name per element.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Snapshot {
    /// `video#id`, `audio#id`, `composition <id>`.
    pub timed: BTreeMap<String, Timed>,
    /// Composition key → sorted ids of the compositions inside it.
    pub nesting: BTreeMap<String, Vec<String>>,
}

/// Parse compiled HTML into a [`Snapshot`].
pub fn parse(html: &str) -> Result<Snapshot, String> {
    #[derive(Default)]
    struct State {
        snap: Snapshot,
        /// Open composition hosts: (key, descendants so far).
        open: Vec<(String, Vec<String>)>,
        seen: BTreeMap<String, usize>,
    }
    let state = Rc::new(RefCell::new(State::default()));
    let st = Rc::clone(&state);
    let handler = element!("*", move |el| {
        let tag = el.tag_name().to_ascii_lowercase();
        let comp_id = el.get_attribute("data-composition-id");
        let id = el.get_attribute("id");
        let media = matches!(tag.as_str(), "video" | "audio") && id.is_some();
        if comp_id.is_none() && !media {
            return Ok(());
        }
        let base = match (&comp_id, &id) {
            (Some(c), _) => format!("composition {c}"),
            (None, Some(i)) => format!("{tag}#{i}"),
            (None, None) => unreachable!("filtered above"),
        };
        let mut s = st.borrow_mut();
        // Duplicates get #2, #3… in document order so both sides pair up.
        let count = s.seen.entry(base.clone()).or_insert(0);
        *count += 1;
        let key = if *count == 1 {
            base
        } else {
            format!("{base} ({count})")
        };
        s.snap.timed.insert(
            key.clone(),
            Timed {
                tag,
                start: el.get_attribute("data-start"),
                end: el.get_attribute("data-end"),
                duration: el.get_attribute("data-duration"),
                media: comp_id.is_none(),
            },
        );
        if let Some(cid) = comp_id {
            for (_, inner) in s.open.iter_mut() {
                inner.push(cid.clone());
            }
            if el.can_have_content() && !el.is_self_closing() {
                s.open.push((key, Vec::new()));
                drop(s);
                let st = Rc::clone(&st);
                let close: EndTagHandler<'static> = Box::new(move |_| {
                    let mut s = st.borrow_mut();
                    if let Some((key, mut inner)) = s.open.pop() {
                        inner.sort();
                        s.snap.nesting.insert(key, inner);
                    }
                    Ok(())
                });
                el.on_end_tag(close)?;
            } else {
                s.snap.nesting.insert(key, Vec::new());
            }
        }
        Ok(())
    });
    let mut rewriter = HtmlRewriter::new(
        Settings {
            element_content_handlers: vec![handler],
            ..Settings::new()
        },
        |_: &[u8]| {},
    );
    rewriter.write(html.as_bytes()).map_err(|e| e.to_string())?;
    rewriter.end().map_err(|e| e.to_string())?;
    let mut s = state.borrow_mut();
    // Hosts never closed (truncated HTML) still record what they held.
    while let Some((key, mut inner)) = s.open.pop() {
        inner.sort();
        s.snap.nesting.insert(key, inner);
    }
    Ok(std::mem::take(&mut s.snap))
}

/// A time attribute as seconds; `Err` names a non-numeric value.
fn seconds(v: &str) -> Result<f64, String> {
    v.trim()
        .parse::<f64>()
        .ok()
        .filter(|x| x.is_finite())
        .ok_or_else(|| format!("{v:?} is not a number"))
}

/// Compare the render's compiled HTML with the golden's.
pub fn compare(actual_html: &str, golden_html: &str) -> CompiledCheck {
    let mut errors = Vec::new();
    let mut warnings = Vec::new();
    let (actual, golden) = match (parse(actual_html), parse(golden_html)) {
        (Ok(a), Ok(g)) => (a, g),
        (Err(e), _) => return fail(format!("cannot parse the render's compiled HTML: {e}")),
        (_, Err(e)) => return fail(format!("cannot parse the golden compiled.html: {e}")),
    };
    for (key, a) in &actual.timed {
        if a.media {
            check_own_timing(key, a, &mut errors);
        }
        if !golden.timed.contains_key(key) {
            warnings.push(format!("{key}: new (not in the golden)"));
        }
    }
    for (key, g) in &golden.timed {
        let Some(a) = actual.timed.get(key) else {
            errors.push(format!("{key}: in the golden, missing from the render"));
            continue;
        };
        if a.tag != g.tag {
            errors.push(format!("{key}: <{}> in the golden, <{}> now", g.tag, a.tag));
            continue;
        }
        let zero = Some("0".to_owned());
        let fields = [
            (
                "data-start",
                a.start.as_ref().or(zero.as_ref()),
                g.start.as_ref().or(zero.as_ref()),
            ),
            ("data-end", a.end.as_ref(), g.end.as_ref()),
            ("data-duration", a.duration.as_ref(), g.duration.as_ref()),
        ];
        for (attr, av, gv) in fields {
            match (av, gv) {
                (Some(av), Some(gv)) => match (seconds(av), seconds(gv)) {
                    (Ok(x), Ok(y)) if (x - y).abs() > TOLERANCE_S + 1e-9 => errors.push(format!(
                        "{key}: {attr} {y} s in the golden, {x} s now ({:+.3} s)",
                        x - y
                    )),
                    (Ok(_), Ok(_)) => {}
                    _ if av.trim() == gv.trim() => {}
                    _ => errors.push(format!("{key}: {attr} {gv:?} in the golden, {av:?} now")),
                },
                (None, Some(gv)) => errors.push(format!("{key}: {attr} missing (golden has {gv})")),
                (Some(av), None) => {
                    warnings.push(format!("{key}: {attr}={av} is new (golden has none)"))
                }
                (None, None) => {}
            }
        }
    }
    for (key, g_inner) in &golden.nesting {
        match actual.nesting.get(key) {
            None => {} // reported above as a missing element
            Some(a_inner) if a_inner != g_inner => errors.push(format!(
                "{key}: contains [{}] in the golden, [{}] now",
                g_inner.join(", "),
                a_inner.join(", ")
            )),
            Some(_) => {}
        }
    }
    CompiledCheck {
        passed: errors.is_empty(),
        errors,
        warnings,
    }
}

/// The render's compiler must have resolved every media element fully:
/// data-end and data-duration present and consistent with data-start.
fn check_own_timing(key: &str, a: &Timed, errors: &mut Vec<String>) {
    let (Some(end), Some(dur)) = (&a.end, &a.duration) else {
        errors.push(format!("{key}: the render lacks data-end or data-duration"));
        return;
    };
    let start = a.start.as_deref().unwrap_or("0");
    if let (Ok(s), Ok(e), Ok(d)) = (seconds(start), seconds(end), seconds(dur)) {
        if (e - (s + d)).abs() > TOLERANCE_S + 1e-9 {
            errors.push(format!(
                "{key}: data-end {e} ≠ data-start {s} + data-duration {d}"
            ));
        }
    }
}

fn fail(message: String) -> CompiledCheck {
    CompiledCheck {
        passed: false,
        errors: vec![message],
        warnings: Vec::new(),
    }
}

/// The compiled-HTML snapshot as a [`super::Check`].
pub struct CompiledHtmlCheck;

impl super::Check for CompiledHtmlCheck {
    fn name(&self) -> &'static str {
        "compiled"
    }

    fn run(
        &self,
        input: &super::Inputs<'_>,
        result: &mut crate::model::FixtureResult,
    ) -> Result<Vec<String>, super::ScoreError> {
        let Some(golden_html) = input.golden_html else {
            return Ok(Vec::new());
        };
        let check = compare(input.rendered_html, golden_html);
        let reasons = check
            .errors
            .iter()
            .map(|e| format!("compiled HTML: {e}"))
            .collect();
        result.compiled = Some(check);
        Ok(reasons)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOLDEN: &str = r#"<html><body>
<div id="root" data-composition-id="main" data-start="0" data-duration="5.6" data-end="5.6">
  <div data-composition-id="intro" data-composition-file="intro.html" data-start="0" data-end="2" data-duration="2">
    <div data-composition-id="logo" data-start="0.5" data-end="1.5" data-duration="1"></div>
  </div>
  <audio id="click1" src="click.wav" data-start="0.4" data-duration="0.1" data-end="0.5"></audio>
  <video id="bg" src="bg.mp4" data-start="1" data-end="4" data-duration="3" data-has-audio="false"></video>
  <audio src="untracked.wav" data-start="9"></audio>
</div></body></html>"#;

    #[test]
    fn parses_timing_and_nesting() {
        let s = parse(GOLDEN).unwrap();
        let keys: Vec<&str> = s.timed.keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            [
                "audio#click1",
                "composition intro",
                "composition logo",
                "composition main",
                "video#bg"
            ]
        );
        assert_eq!(s.nesting["composition main"], ["intro", "logo"]);
        assert_eq!(s.nesting["composition intro"], ["logo"]);
        assert!(s.nesting["composition logo"].is_empty());
        assert_eq!(s.timed["audio#click1"].start.as_deref(), Some("0.4"));
    }

    #[test]
    fn identical_and_sub_millisecond_changes_pass() {
        let c = compare(GOLDEN, GOLDEN);
        assert!(
            c.passed && c.errors.is_empty() && c.warnings.is_empty(),
            "{c:?}"
        );
        // Attribute order, quoting and formatting do not matter; 0.5 ms does not either.
        let moved = GOLDEN.replace(
            r#"data-start="0.4" data-duration="0.1" data-end="0.5""#,
            "data-end='0.5005' data-duration=0.1000 data-start='0.4005'",
        );
        let c = compare(&moved, GOLDEN);
        assert!(c.passed, "{c:?}");
    }

    #[test]
    fn moved_timing_is_an_error_naming_element_and_attribute() {
        let moved = GOLDEN.replace(
            r#"data-start="1" data-end="4""#,
            r#"data-start="1.2" data-end="4.2""#,
        );
        let c = compare(&moved, GOLDEN);
        assert!(!c.passed);
        assert!(
            c.errors
                .iter()
                .any(|e| e.contains("video#bg: data-start 1 s in the golden, 1.2 s now")),
            "{c:?}"
        );
        assert!(
            c.errors.iter().any(|e| e.contains("video#bg: data-end")),
            "{c:?}"
        );
        let host = GOLDEN.replace(
            r#"data-start="0" data-end="2" data-duration="2""#,
            r#"data-start="0" data-end="2.5" data-duration="2.5""#,
        );
        let c = compare(&host, GOLDEN);
        assert!(
            c.errors
                .iter()
                .any(|e| e.starts_with("composition intro: data-end")),
            "{c:?}"
        );
    }

    #[test]
    fn nesting_changes_and_missing_elements_are_errors() {
        // logo moved out of intro.
        let flat = GOLDEN.replace(
            r#"<div data-composition-id="logo" data-start="0.5" data-end="1.5" data-duration="1"></div>
  </div>"#,
            r#"</div><div data-composition-id="logo" data-start="0.5" data-end="1.5" data-duration="1"></div>"#,
        );
        let c = compare(&flat, GOLDEN);
        assert!(
            c.errors
                .iter()
                .any(|e| e.contains("composition intro: contains [logo] in the golden, [] now")),
            "{c:?}"
        );
        let gone = GOLDEN.replace(r#"<audio id="click1""#, r#"<audio id="click9""#);
        let c = compare(&gone, GOLDEN);
        assert!(
            c.errors
                .iter()
                .any(|e| e.contains("audio#click1: in the golden, missing")),
            "{c:?}"
        );
        assert!(
            c.warnings.iter().any(|w| w.contains("audio#click9: new")),
            "{c:?}"
        );
    }

    #[test]
    fn unresolved_media_timing_in_the_render_is_an_error() {
        let bad = GOLDEN.replace(r#" data-duration="3" data-has-audio"#, r#" data-has-audio"#);
        let c = compare(&bad, GOLDEN);
        assert!(
            c.errors
                .iter()
                .any(|e| e.contains("video#bg: the render lacks")),
            "{c:?}"
        );
        let inconsistent = GOLDEN.replace(
            r#"data-end="4" data-duration="3""#,
            r#"data-end="4" data-duration="2""#,
        );
        let c = compare(&inconsistent, &inconsistent);
        assert!(
            c.errors
                .iter()
                .any(|e| e.contains("video#bg: data-end 4 ≠")),
            "{c:?}"
        );
    }
}
