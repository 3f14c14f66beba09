//! Answers every request the page makes, inside hf: the composition folder
//! under a private origin, CDN script URLs from a local npm copy, and
//! everything else blocked (offline) or let through (online).
//!
//! Requests are intercepted with the DevTools Fetch domain, so no port is
//! opened and no path outside the composition folder can be served.

use std::path::{Component, Path, PathBuf};
use std::sync::Mutex;

/// The origin the composition is served from. `.localhost` names never
/// leave the machine, and every request to it is answered by hf.
pub const ORIGIN: &str = "http://hf.localhost";

/// What to do with one request.
#[derive(Debug, Clone, PartialEq)]
pub enum Answer {
    /// Serve these bytes with this content type.
    Body {
        /// MIME type.
        mime: &'static str,
        /// The content.
        bytes: Vec<u8>,
    },
    /// Answer with an HTTP error status (404, 403).
    Status(u16),
    /// Refuse the request (offline); the URL is listed in a warning.
    Block,
    /// Let Chrome fetch it from the network.
    Continue,
}

/// The serving rules for one render.
#[derive(Debug)]
pub struct Server {
    root: PathBuf,
    index_html: String,
    runtime_js: &'static str,
    npm_dir: Option<PathBuf>,
    offline: bool,
    video_dir: Option<PathBuf>,
    /// Requests refused or failed, for warnings and error evidence.
    pub log: Mutex<Vec<String>>,
}

impl Server {
    /// Serve `root`, answering `/index.html` with the compiled HTML.
    pub fn new(
        root: PathBuf,
        index_html: String,
        runtime_js: &'static str,
        npm_dir: Option<PathBuf>,
        offline: bool,
    ) -> Self {
        Self {
            root,
            index_html,
            runtime_js,
            npm_dir,
            offline,
            video_dir: None,
            log: Mutex::new(Vec::new()),
        }
    }

    /// Also serve the video stage's frames from `dir`, under
    /// [`crate::video::URL_PREFIX`].
    pub fn with_video_frames(mut self, dir: PathBuf) -> Self {
        self.video_dir = Some(dir);
        self
    }

    fn note(&self, line: String) {
        if let Ok(mut log) = self.log.lock() {
            if !log.contains(&line) {
                log.push(line);
            }
        }
    }

    /// Decide how to answer `url`.
    pub fn answer(&self, url: &str) -> Answer {
        let url = url.split('#').next().unwrap_or(url);
        if let Some(rest) = url.strip_prefix(ORIGIN) {
            let path = rest.split('?').next().unwrap_or(rest);
            return self.local(path);
        }
        if url.starts_with("data:") || url.starts_with("blob:") || url.starts_with("about:") {
            return Answer::Continue;
        }
        if let Some((pkg, file)) = cdn_package_file(url) {
            if let Some(answer) = self.npm_answer(url, &pkg, &file) {
                return answer;
            }
        }
        if self.offline {
            self.note(format!("blocked (offline): {url}"));
            Answer::Block
        } else {
            Answer::Continue
        }
    }

    fn local(&self, path: &str) -> Answer {
        let path = percent_decode(path);
        if path == "/" || path == "/index.html" {
            return Answer::Body {
                mime: "text/html; charset=utf-8",
                bytes: self.index_html.clone().into_bytes(),
            };
        }
        if path == crate::compile::RUNTIME_PATH {
            return Answer::Body {
                mime: "text/javascript; charset=utf-8",
                bytes: self.runtime_js.as_bytes().to_vec(),
            };
        }
        if let Some(rest) = path.strip_prefix(crate::video::URL_PREFIX) {
            return match self.video_dir.as_deref().and_then(|d| contained(d, rest)) {
                Some(file) => self.file(&file, &path),
                None => Answer::Status(404),
            };
        }
        let Some(file) = contained(&self.root, &path) else {
            self.note(format!("refused (outside the composition folder): {path}"));
            return Answer::Status(403);
        };
        self.file(&file, &path)
    }

    /// A file's bytes, typed by its extension; 404 (noted under the URL
    /// `path`) when it cannot be read.
    fn file(&self, file: &Path, path: &str) -> Answer {
        match std::fs::read(file) {
            // An iframe's document runs on composition time too.
            Ok(bytes) if mime_for(file).starts_with("text/html") => Answer::Body {
                mime: mime_for(file),
                bytes: crate::compile::with_child_runtime(&String::from_utf8_lossy(&bytes))
                    .into_bytes(),
            },
            Ok(bytes) => Answer::Body {
                mime: mime_for(file),
                bytes,
            },
            Err(_) => {
                self.note(format!("not found: {path}"));
                Answer::Status(404)
            }
        }
    }

    fn npm_answer(&self, url: &str, pkg: &NpmRef, file: &str) -> Option<Answer> {
        let dir = self.npm_dir.as_ref()?.join(&pkg.name);
        let manifest = std::fs::read_to_string(dir.join("package.json")).ok()?;
        let local_version = serde_json::from_str::<serde_json::Value>(&manifest)
            .ok()
            .and_then(|v| v.get("version").and_then(|v| v.as_str()).map(str::to_owned))
            .unwrap_or_default();
        let mut candidates = vec![dir.join(file)];
        if !file.starts_with("dist/") {
            candidates.push(dir.join("dist").join(file));
        }
        let path = candidates.into_iter().find(|p| p.is_file())?;
        if let Some(want) = &pkg.version {
            if !version_matches(want, &local_version) {
                self.note(format!(
                    "served {url} from the local {}@{local_version} (asked for {want})",
                    pkg.name
                ));
            }
        }
        std::fs::read(&path).ok().map(|bytes| Answer::Body {
            mime: mime_for(&path),
            bytes,
        })
    }
}

/// Resolve a URL path inside `root`, refusing `..` escapes and symlinks
/// that lead out.
fn contained(root: &Path, path: &str) -> Option<PathBuf> {
    let rel = Path::new(path.trim_start_matches('/'));
    if rel
        .components()
        .any(|c| !matches!(c, Component::Normal(_) | Component::CurDir))
    {
        return None;
    }
    let joined = root.join(rel);
    let Ok(full) = joined.canonicalize() else {
        // Does not exist (the caller answers 404). With no `..` in the
        // path it cannot name anything outside the root.
        return Some(joined);
    };
    let root = root.canonicalize().ok()?;
    full.starts_with(&root).then_some(full)
}

/// A package named by a CDN URL.
#[derive(Debug, Clone, PartialEq)]
pub struct NpmRef {
    /// Package name, possibly scoped (`@scope/name`).
    pub name: String,
    /// Version or range from the URL, if any.
    pub version: Option<String>,
}

/// Recognise the CDN URL forms of an npm package and split them into the
/// package and the file inside it.
pub fn cdn_package_file(url: &str) -> Option<(NpmRef, String)> {
    let url = url.split('?').next().unwrap_or(url);
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
            let name = parts.next()?.to_owned();
            let version = parts.next().map(str::to_owned);
            let file = parts.next()?.to_owned();
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
    let (name, version) = match spec[1..].rfind('@') {
        Some(i) => (spec[..i + 1].to_owned(), Some(spec[i + 2..].to_owned())),
        None => (spec.clone(), None),
    };
    if file.is_empty() {
        return None;
    }
    Some((NpmRef { name, version }, file.to_owned()))
}

fn version_matches(want: &str, have: &str) -> bool {
    let want = want.trim_start_matches(['^', '~', '=']);
    have == want || have.starts_with(&format!("{want}."))
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Ok(v) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn mime_for(path: &Path) -> &'static str {
    match path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("html" | "htm") => "text/html; charset=utf-8",
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("json") => "application/json",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("gif") => "image/gif",
        Some("webp") => "image/webp",
        Some("woff") => "font/woff",
        Some("woff2") => "font/woff2",
        Some("ttf") => "font/ttf",
        Some("otf") => "font/otf",
        Some("wav") => "audio/wav",
        Some("mp3") => "audio/mpeg",
        Some("mp4") => "video/mp4",
        Some("webm") => "video/webm",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_cdn_forms() {
        let (p, f) =
            cdn_package_file("https://cdn.jsdelivr.net/npm/gsap@3.15.0/dist/gsap.min.js").unwrap();
        assert_eq!(
            (p.name.as_str(), p.version.as_deref(), f.as_str()),
            ("gsap", Some("3.15.0"), "dist/gsap.min.js")
        );
        let (p, f) = cdn_package_file("https://unpkg.com/@scope/pkg@1.2/x.js").unwrap();
        assert_eq!(
            (p.name.as_str(), p.version.as_deref(), f.as_str()),
            ("@scope/pkg", Some("1.2"), "x.js")
        );
        let (p, f) =
            cdn_package_file("https://cdnjs.cloudflare.com/ajax/libs/gsap/3.12.5/gsap.min.js")
                .unwrap();
        assert_eq!(
            (p.name.as_str(), p.version.as_deref(), f.as_str()),
            ("gsap", Some("3.12.5"), "gsap.min.js")
        );
        assert!(cdn_package_file("https://example.com/gsap.js").is_none());
    }

    #[test]
    fn refuses_paths_outside_the_root() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.txt"), "x").unwrap();
        let s = Server::new(dir.path().into(), "<html>".into(), "", None, true);
        assert!(matches!(
            s.answer(&format!("{ORIGIN}/a.txt")),
            Answer::Body { .. }
        ));
        assert_eq!(
            s.answer(&format!("{ORIGIN}/../etc/passwd")),
            Answer::Status(403)
        );
        assert_eq!(
            s.answer(&format!("{ORIGIN}/%2e%2e/etc/passwd")),
            Answer::Status(403)
        );
        assert_eq!(
            s.answer(&format!("{ORIGIN}/missing.png")),
            Answer::Status(404)
        );
        assert_eq!(s.answer("https://example.com/x.js"), Answer::Block);
        assert!(s
            .log
            .lock()
            .unwrap()
            .iter()
            .any(|l| l.contains("example.com")));
    }
}
