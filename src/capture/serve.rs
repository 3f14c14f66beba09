//! Answers every request the page makes, inside hf: the composition folder
//! under a private origin, CDN package URLs at their exact version from the
//! package cache (or the local npm copy), Google Fonts stylesheets as
//! `@font-face` rules over `@fontsource` packages, and everything else
//! blocked (offline) or let through (online).
//!
//! Requests are intercepted with the DevTools Fetch domain, so no port is
//! opened and no path outside the composition folder can be served.

use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex};

use crate::packages::{fonts, Cache, Packages};

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
    packages: Arc<Packages>,
    offline: bool,
    video_dir: Option<PathBuf>,
    /// Requests refused or failed, for warnings and error evidence.
    pub log: Mutex<Vec<String>>,
    /// Symlinks of the project followed to serve requests, as
    /// `link -> target`: the verbose log names them.
    pub followed: Mutex<Vec<String>>,
}

impl Server {
    /// Serve `root`, answering `/index.html` with the compiled HTML; CDN
    /// packages come from the default cache and `npm_dir` (see
    /// [`Server::with_packages`] to share a resolver).
    pub fn new(
        root: PathBuf,
        index_html: String,
        runtime_js: &'static str,
        npm_dir: Option<PathBuf>,
        offline: bool,
    ) -> Self {
        let fix = format!("hf fetch {}", root.display());
        Self {
            root,
            index_html,
            runtime_js,
            packages: Arc::new(Packages::new(
                Cache::at(Cache::default_root()),
                npm_dir,
                offline,
                fix,
            )),
            offline,
            video_dir: None,
            log: Mutex::new(Vec::new()),
            followed: Mutex::new(Vec::new()),
        }
    }

    /// Also serve the video stage's frames from `dir`, under
    /// [`crate::video::URL_PREFIX`].
    pub fn with_video_frames(mut self, dir: PathBuf) -> Self {
        self.video_dir = Some(dir);
        self
    }

    /// Resolve CDN packages with `packages` (the render's resolver, which
    /// preflight has already filled), so the resolved set is one.
    pub fn with_packages(mut self, packages: Arc<Packages>) -> Self {
        self.packages = packages;
        self
    }

    /// The resolver: its resolved set and the failures met while serving.
    pub fn packages(&self) -> &Packages {
        &self.packages
    }

    /// Record a symlink followed to serve a request (once each).
    fn follow(&self, link: String) {
        if let Ok(mut followed) = self.followed.lock() {
            if !followed.contains(&link) {
                followed.push(link);
            }
        }
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
        if fonts::is_google_css(url) {
            return self.google_answer(url);
        }
        if let Some((pkg, file)) = cdn_package_file(url) {
            return self.npm_answer(url, &pkg, &file);
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
        for link in symlinks_on_path(&self.root, &file) {
            self.follow(link);
        }
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

    fn npm_answer(&self, url: &str, pkg: &NpmRef, file: &str) -> Answer {
        match self.packages.file(pkg, file) {
            Ok(Some((bytes, path))) => Answer::Body {
                mime: mime_for(Path::new(&path)),
                bytes,
            },
            Ok(None) => {
                self.note(format!("not found in the package {}: {url}", pkg.spec()));
                Answer::Status(404)
            }
            Err(e) => {
                self.note(format!("failed: {url}: {e}"));
                self.packages.fail(e);
                Answer::Status(404)
            }
        }
    }

    /// A Google Fonts stylesheet, answered with `@font-face` rules over
    /// the families' `@fontsource` packages.
    fn google_answer(&self, url: &str) -> Answer {
        match fonts::google_css(url, &self.packages) {
            Ok((css, _)) => Answer::Body {
                mime: "text/css; charset=utf-8",
                bytes: css.into_bytes(),
            },
            Err(e) => {
                self.note(format!("failed: {url}: {e}"));
                self.packages.fail(e);
                Answer::Status(404)
            }
        }
    }
}

/// Resolve a URL path inside `root`. The rule is lexical: a path whose
/// components climb (`..`, also as `%2e%2e` once decoded) or start at the
/// filesystem root is refused, whatever lies on disk. Symlinks inside the
/// project are the author's and are followed wherever they lead (a shared
/// folder linked in, say); [`Server::answer`] names each one it followed
/// in the render's verbose log.
fn contained(root: &Path, path: &str) -> Option<PathBuf> {
    let rel = Path::new(path.trim_start_matches('/'));
    if rel
        .components()
        .any(|c| !matches!(c, Component::Normal(_) | Component::CurDir))
    {
        return None;
    }
    Some(root.join(rel))
}

/// The symlinks on the way from `root` to `file` (`file` included), each as
/// `link -> target`, in path order.
fn symlinks_on_path(root: &Path, file: &Path) -> Vec<String> {
    let Ok(rel) = file.strip_prefix(root) else {
        return Vec::new();
    };
    let mut at = root.to_path_buf();
    let mut links = Vec::new();
    for part in rel.components() {
        at.push(part);
        if let Ok(target) = std::fs::read_link(&at) {
            links.push(format!("{} -> {}", at.display(), target.display()));
        }
    }
    links
}

pub use crate::packages::cdn::{cdn_package_file, NpmRef};

/// Decode `%xx` escapes (URL paths and query values); bytes that do not
/// form UTF-8 once decoded become U+FFFD, and a `%` not followed by two hex
/// digits stays as it is.
pub(crate) fn percent_decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s)
        .decode_utf8_lossy()
        .into_owned()
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
    fn percent_decoding_survives_any_text() {
        // A typo in a Google Fonts link once split 'é' and panicked.
        assert_eq!(percent_decode("Inter%aé:wght@400"), "Inter%aé:wght@400");
        assert_eq!(percent_decode("a%20b%2"), "a b%2");
        assert_eq!(percent_decode("%C3%A9%ff"), "é\u{fffd}");
        assert!(crate::packages::fonts::parse_google(
            "https://fonts.googleapis.com/css2?family=Inter%aé:wght@400"
        )
        .iter()
        .all(|r| !r.family.is_empty()));
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
