//! Relative URLs of a sub-composition file, rebased onto the composition
//! folder. Once inlined, the file's markup is served as part of
//! `index.html`, so a relative URL in it would resolve against the
//! project's root; the author meant it relative to the file that holds it,
//! as the browser would read it were the file loaded on its own. Rebasing
//! happens per file, before its content goes into its host, so nesting at
//! any depth composes (each level prefixes its own folder).

/// Prefix `base` (the file's folder, relative to the composition folder,
/// `/`-separated, empty for the root) to `url` when it is relative, and
/// fold the `.` and `..` segments, as a browser resolving it against the
/// file would (so `..` stops at the composition folder, the origin's root).
/// A URL that climbs (`../x`) is always rebased; a plain one (`x`, `./x`)
/// only when `exists` says the rebased file is there, since files written
/// for the reference also use paths relative to the project's root, which
/// it falls back to. Absolute, root-relative, protocol-relative,
/// `data:`/`blob:` URLs, fragments and template placeholders are left as
/// they are.
pub fn rebase(url: &str, base: &str, exists: &dyn Fn(&str) -> bool) -> Option<String> {
    let trimmed = url.trim();
    if base.is_empty() || !is_relative(trimmed) {
        return None;
    }
    let split = trimmed.find(['?', '#']).unwrap_or(trimmed.len());
    let (path, tail) = trimmed.split_at(split);
    let mut parts: Vec<&str> = Vec::new();
    for seg in base.split('/').chain(path.split('/')) {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            s => parts.push(s),
        }
    }
    let mut joined = parts.join("/");
    if path.ends_with('/') && !joined.is_empty() {
        joined.push('/');
    }
    let climbs = path.trim_start_matches("./").starts_with("..");
    if !climbs && !exists(&joined) {
        return None;
    }
    if joined.is_empty() {
        joined.push_str("./");
    }
    Some(joined + tail)
}

/// True for a URL the browser resolves against the document's location.
fn is_relative(url: &str) -> bool {
    if url.is_empty() || url.starts_with(['#', '/', '?']) || url.contains("{{") {
        return false;
    }
    if url.starts_with("${") {
        return false;
    }
    // A scheme: letters, digits, `+`, `-`, `.` before the first `:`, which
    // comes before any `/`.
    match url.find(':') {
        Some(colon) => {
            let scheme = &url[..colon];
            let is_scheme = scheme.starts_with(|c: char| c.is_ascii_alphabetic())
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
            !is_scheme
        }
        None => true,
    }
}

/// A `srcset` value with each candidate's URL rebased (descriptors kept).
pub fn rebase_srcset(srcset: &str, base: &str, exists: &dyn Fn(&str) -> bool) -> Option<String> {
    let mut changed = false;
    let out: Vec<String> = srcset
        .split(',')
        .map(|candidate| {
            let c = candidate.trim();
            let (url, rest) = c.split_at(c.find(char::is_whitespace).unwrap_or(c.len()));
            match rebase(url, base, exists) {
                Some(u) => {
                    changed = true;
                    format!("{u}{rest}")
                }
                None => c.to_owned(),
            }
        })
        .collect();
    changed.then(|| out.join(", "))
}

/// CSS text with the URL of every `url(…)` and `@import "…"` rebased.
pub fn rebase_css(css: &str, base: &str, exists: &dyn Fn(&str) -> bool) -> String {
    if base.is_empty() {
        return css.to_owned();
    }
    let mut out = String::with_capacity(css.len());
    let mut rest = css;
    while let Some((before, url, after, quote)) = next_css_url(rest) {
        out.push_str(before);
        match rebase(url, base, exists) {
            Some(u) => out.push_str(&u),
            None => out.push_str(url),
        }
        out.push_str(quote);
        rest = after;
    }
    out.push_str(rest);
    out
}

/// The next URL in CSS text: the text before it (opening included), the
/// URL, the text after its closing quote or parenthesis, and that closing
/// quote (empty for an unquoted `url(`).
fn next_css_url(css: &str) -> Option<(&str, &str, &str, &'static str)> {
    let lower = css.to_ascii_lowercase();
    let at_url = lower.find("url(").map(|i| (i, i + 4));
    let at_import = lower.find("@import").and_then(|i| {
        let after = i + "@import".len();
        let ws = css[after..].len() - css[after..].trim_start().len();
        let q = after + ws;
        css[q..].starts_with(['"', '\'']).then_some((i, q))
    });
    let (_, open) = match (at_url, at_import) {
        (Some(u), Some(m)) => {
            if u.0 < m.0 {
                u
            } else {
                m
            }
        }
        (Some(u), None) => u,
        (None, Some(m)) => m,
        (None, None) => return None,
    };
    let ws = css[open..].len() - css[open..].trim_start().len();
    let start = open + ws;
    let (quote, body_start) = match css[start..].chars().next() {
        Some('"') => ("\"", start + 1),
        Some('\'') => ("'", start + 1),
        _ => ("", start),
    };
    let end = if quote.is_empty() {
        css[body_start..].find(')').map(|i| body_start + i)
    } else {
        css[body_start..].find(quote).map(|i| body_start + i)
    };
    let end = end?;
    let url_end = if quote.is_empty() {
        body_start + css[body_start..end].trim_end().len()
    } else {
        end
    };
    let close = if quote.is_empty() { url_end } else { end + 1 };
    Some((
        &css[..body_start],
        &css[body_start..url_end],
        &css[close..],
        quote,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(_: &str) -> bool {
        true
    }

    #[test]
    fn relative_urls_take_the_file_folder() {
        assert_eq!(
            rebase("../_media/x.mp4", "compositions", &|_| false).as_deref(),
            Some("_media/x.mp4")
        );
        assert_eq!(
            rebase("img/a.png?v=1#f", "comps/deep", &all).as_deref(),
            Some("comps/deep/img/a.png?v=1#f")
        );
        assert_eq!(rebase("./a.png", "c", &all).as_deref(), Some("c/a.png"));
        // `..` stops at the composition folder, as at an origin's root.
        assert_eq!(rebase("../../a.png", "c", &all).as_deref(), Some("a.png"));
        // A plain path whose file is not beside the sub-composition means
        // the project's root, as the reference reads it.
        assert_eq!(rebase("a.png", "c", &|p| p == "a.png"), None);
        for kept in [
            "/abs.png",
            "https://x/y",
            "data:image/png;base64,AA",
            "#frag",
            "//cdn/x",
            "blob:abc",
            "",
        ] {
            assert_eq!(rebase(kept, "c", &all), None, "{kept}");
        }
        assert_eq!(rebase("a.png", "", &all), None);
    }

    #[test]
    fn css_and_srcset_urls_are_rebased() {
        let css = r#"@import "fonts.css"; .a{background:url( 'img/a.png' )} .b{background:URL(b.png)} .c{background:url(data:x)}"#;
        assert_eq!(
            rebase_css(css, "c", &all),
            r#"@import "c/fonts.css"; .a{background:url( 'c/img/a.png' )} .b{background:URL(c/b.png)} .c{background:url(data:x)}"#
        );
        assert_eq!(
            rebase_srcset("a.png 1x, /b.png 2x", "c", &all).as_deref(),
            Some("c/a.png 1x, /b.png 2x")
        );
        assert_eq!(rebase_css("url(", "c", &all), "url(");
    }
}
