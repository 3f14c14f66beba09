//! CDN URLs of npm packages: which package, version and file a
//! `cdn.jsdelivr.net`, `unpkg.com` or `cdnjs.cloudflare.com` URL names, and
//! where such URLs appear in a page's text (so `hf fetch` and the render's
//! preflight can resolve them before Chrome asks).

/// A package named by a CDN URL.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NpmRef {
    /// Package name, possibly scoped (`@scope/name`).
    pub name: String,
    /// Version or range from the URL (`3.12.5`, `3`, `^3.1`); None when the
    /// URL names none (the registry's `latest`).
    pub version: Option<String>,
}

impl NpmRef {
    /// The npm spec, `name@version` (or just `name`), as `npm pack` takes it.
    pub fn spec(&self) -> String {
        match &self.version {
            Some(v) => format!("{}@{v}", self.name),
            None => self.name.clone(),
        }
    }

    /// True when the URL pins one exact version (`1.2.3`, `1.2.3-beta.1`):
    /// such a version never needs a resolution record.
    pub fn is_exact(&self) -> bool {
        self.version.as_deref().is_some_and(is_exact_version)
    }
}

/// True for `MAJOR.MINOR.PATCH` with an optional pre-release or build tail.
pub fn is_exact_version(v: &str) -> bool {
    let core = v.split(['-', '+']).next().unwrap_or("");
    let parts: Vec<&str> = core.split('.').collect();
    parts.len() == 3
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
}

/// The CDN hosts hf answers from the package cache.
const HOSTS: [&str; 3] = [
    "cdn.jsdelivr.net/npm/",
    "unpkg.com/",
    "cdnjs.cloudflare.com/ajax/libs/",
];

/// Split a CDN URL into the package and the file inside it (empty when the
/// URL names the package itself: its `jsdelivr`/`unpkg`/`browser`/`main`
/// entry is served). cdnjs names a file by its path in cdnjs's layout,
/// which the server maps onto the npm package's file of that name.
pub fn cdn_package_file(url: &str) -> Option<(NpmRef, String)> {
    let url = url.split(['?', '#']).next().unwrap_or(url);
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .or_else(|| url.strip_prefix("//"))?;
    let (host, path) = rest.split_once('/')?;
    match host {
        "cdn.jsdelivr.net" => npm_path(path.strip_prefix("npm/")?),
        "unpkg.com" => npm_path(path),
        "cdnjs.cloudflare.com" => {
            let mut parts = path.strip_prefix("ajax/libs/")?.splitn(3, '/');
            let name = parts.next().filter(|n| !n.is_empty())?.to_owned();
            let version = parts.next().filter(|v| !v.is_empty()).map(str::to_owned);
            let file = parts.next().unwrap_or("").to_owned();
            Some((NpmRef { name, version }, file))
        }
        _ => None,
    }
}

fn npm_path(path: &str) -> Option<(NpmRef, String)> {
    let (spec, file) = if let Some(scoped) = path.strip_prefix('@') {
        let (scope, rest) = scoped.split_once('/')?;
        let (name, file) = rest.split_once('/').unwrap_or((rest, ""));
        (format!("@{scope}/{name}"), file)
    } else {
        let (name, file) = path.split_once('/').unwrap_or((path, ""));
        (name.to_owned(), file)
    };
    // Split "name@version" at the last '@' that is not the scope marker.
    let (name, version) = match spec.get(1..).and_then(|s| s.rfind('@')) {
        Some(i) => (spec[..i + 1].to_owned(), Some(spec[i + 2..].to_owned())),
        None => (spec.clone(), None),
    };
    let bad = |s: &str| s.is_empty() || s.ends_with('/') || s.contains(' ');
    if bad(&name) || version.as_deref().is_some_and(|v| v.is_empty()) {
        return None;
    }
    // jsdelivr's `+esm` and `/npm/pkg@v/` listings are services, not files.
    if file.starts_with('+') {
        return None;
    }
    Some((NpmRef { name, version }, file.to_owned()))
}

/// Every CDN package URL written in `text` (HTML, CSS or JS), in order of
/// appearance, without repeats. A URL ends at a quote, whitespace, `)`,
/// `<` or `>`.
pub fn urls_in(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for host in HOSTS {
        for (i, _) in text.match_indices(host) {
            let start = ["https://", "http://", "//"]
                .iter()
                .find(|p| text[..i].ends_with(*p))
                .map(|p| i - p.len());
            let Some(start) = start else { continue };
            let end = text[i..]
                .find(|c: char| c.is_whitespace() || "\"'`)<>\\".contains(c))
                .map_or(text.len(), |e| i + e);
            let url = &text[start..end];
            let url = if url.starts_with("//") {
                format!("https:{url}")
            } else {
                url.to_owned()
            };
            if cdn_package_file(&url).is_some() && !out.contains(&url) {
                out.push(url);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(url: &str) -> (String, Option<String>, String) {
        let (p, f) = cdn_package_file(url).expect(url);
        (p.name, p.version, f)
    }

    #[test]
    fn recognises_cdn_forms() {
        assert_eq!(
            parts("https://cdn.jsdelivr.net/npm/gsap@3.15.0/dist/gsap.min.js"),
            (
                "gsap".into(),
                Some("3.15.0".into()),
                "dist/gsap.min.js".into()
            )
        );
        assert_eq!(
            parts("https://unpkg.com/@scope/pkg@1.2/x.js"),
            ("@scope/pkg".into(), Some("1.2".into()), "x.js".into())
        );
        assert_eq!(
            parts("https://cdn.jsdelivr.net/npm/@fontsource/inter/files/a.woff2"),
            ("@fontsource/inter".into(), None, "files/a.woff2".into())
        );
        assert_eq!(
            parts("https://cdnjs.cloudflare.com/ajax/libs/gsap/3.12.5/gsap.min.js"),
            ("gsap".into(), Some("3.12.5".into()), "gsap.min.js".into())
        );
        assert_eq!(
            parts("https://unpkg.com/d3@7"),
            ("d3".into(), Some("7".into()), String::new())
        );
        assert!(cdn_package_file("https://example.com/gsap.js").is_none());
        assert!(cdn_package_file("https://cdn.jsdelivr.net/npm/three@0.160/+esm").is_none());
    }

    #[test]
    fn exact_versions_are_told_from_ranges() {
        for v in ["3.12.5", "1.0.0-beta.2", "10.20.30+build"] {
            assert!(is_exact_version(v), "{v}");
        }
        for v in ["3", "3.12", "^3.1.0", "~1.2.3", "latest", "3.x.1"] {
            assert!(!is_exact_version(v), "{v}");
        }
    }

    #[test]
    fn finds_urls_in_text() {
        let html = r#"<script src="https://cdn.jsdelivr.net/npm/gsap@3/dist/gsap.min.js"></script>
            <script src='//unpkg.com/d3@7.9.0/dist/d3.min.js'></script>
            @import url(https://cdnjs.cloudflare.com/ajax/libs/animejs/3.2.1/anime.min.js);
            fetch("https://example.com/x.js")"#;
        assert_eq!(
            urls_in(html),
            vec![
                "https://cdn.jsdelivr.net/npm/gsap@3/dist/gsap.min.js",
                "https://unpkg.com/d3@7.9.0/dist/d3.min.js",
                "https://cdnjs.cloudflare.com/ajax/libs/animejs/3.2.1/anime.min.js",
            ]
        );
    }
}
