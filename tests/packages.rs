//! Packages from CDN URLs at their exact versions, through the cache.
//!
//! The fetching tests run a tiny npm registry on 127.0.0.1 inside the test
//! (a packument and tarballs built here) and point the real npm client at
//! it through its ordinary configuration (`npm_config_registry`), so no
//! test touches the network. The fixture test renders `cdn-gsap-versions`
//! from the cache `scripts/setup.sh` filled with `hf fetch`.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use base64::Engine;
use sha2::{Digest, Sha512};

use common::{bar_length, mostly};

const HF: &str = env!("CARGO_BIN_EXE_hf");
/// Exit code for a package missing or corrupted under --offline (README).
const EXIT_PACKAGE: i32 = 7;

/// Bar width each published version of the test package draws.
const VERSIONS: [(&str, u32); 3] = [("1.0.0", 100), ("1.1.0", 150), ("2.0.0", 200)];

/// A gzipped npm tarball holding `package.json` and `dist/pkg.js`.
fn tarball(version: &str, width: u32) -> Vec<u8> {
    let files = [
        (
            "package.json".to_owned(),
            format!(
                "{{\"name\":\"hf-test-pkg\",\"version\":\"{version}\",\"main\":\"dist/pkg.js\"}}"
            ),
        ),
        (
            "dist/pkg.js".to_owned(),
            format!("window.hfTestPkg = {{ version: \"{version}\", width: {width} }};\n"),
        ),
    ];
    let mut builder = tar::Builder::new(flate2::write::GzEncoder::new(
        Vec::new(),
        flate2::Compression::fast(),
    ));
    for (path, data) in &files {
        let mut header = tar::Header::new_gnu();
        header.set_size(data.len() as u64);
        header.set_mode(0o644);
        header.set_mtime(0);
        header.set_cksum();
        builder
            .append_data(&mut header, format!("package/{path}"), data.as_bytes())
            .expect("cannot build the test tarball");
    }
    builder
        .into_inner()
        .and_then(|gz| gz.finish())
        .expect("cannot finish the test tarball")
}

fn sri(bytes: &[u8]) -> String {
    format!(
        "sha512-{}",
        base64::engine::general_purpose::STANDARD.encode(Sha512::digest(bytes))
    )
}

/// A registry on 127.0.0.1 serving `hf-test-pkg`; counts its requests.
struct Registry {
    url: String,
    hits: Arc<AtomicUsize>,
}

impl Registry {
    fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("cannot bind 127.0.0.1");
        let url = format!("http://{}/", listener.local_addr().unwrap());
        let tarballs: Vec<(String, Vec<u8>)> = VERSIONS
            .iter()
            .map(|(v, w)| (v.to_string(), tarball(v, *w)))
            .collect();
        let versions: serde_json::Map<String, serde_json::Value> = tarballs
            .iter()
            .map(|(v, t)| {
                let doc = serde_json::json!({
                    "name": "hf-test-pkg", "version": v,
                    "dist": { "tarball": format!("{url}hf-test-pkg/-/hf-test-pkg-{v}.tgz"), "integrity": sri(t) }
                });
                (v.clone(), doc)
            })
            .collect();
        let packument = serde_json::json!({
            "name": "hf-test-pkg", "dist-tags": { "latest": "2.0.0" }, "versions": versions
        })
        .to_string();
        let hits = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&hits);
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                counter.fetch_add(1, Ordering::SeqCst);
                let packument = packument.clone();
                let tarballs = tarballs.clone();
                std::thread::spawn(move || serve(stream, &packument, &tarballs));
            }
        });
        Self { url, hits }
    }

    fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }
}

/// Answer one connection (one request; `Connection: close`).
fn serve(mut stream: std::net::TcpStream, packument: &str, tarballs: &[(String, Vec<u8>)]) {
    let mut reader = BufReader::new(stream.try_clone().expect("clone the test socket"));
    let mut line = String::new();
    if reader.read_line(&mut line).is_err() {
        return;
    }
    let path = line.split_whitespace().nth(1).unwrap_or("/").to_owned();
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).map_or(true, |n| n == 0) || h == "\r\n" {
            break;
        }
    }
    let (status, mime, body): (&str, &str, Vec<u8>) = if path == "/hf-test-pkg" {
        ("200 OK", "application/json", packument.as_bytes().to_vec())
    } else if let Some((_, t)) = tarballs
        .iter()
        .find(|(v, _)| path == format!("/hf-test-pkg/-/hf-test-pkg-{v}.tgz"))
    {
        ("200 OK", "application/octet-stream", t.clone())
    } else {
        (
            "404 Not Found",
            "application/json",
            b"{\"error\":\"Not found\"}".to_vec(),
        )
    };
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {mime}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(&body);
    let _ = stream.flush();
    let mut rest = Vec::new();
    let _ = reader.read_to_end(&mut rest);
}

/// A composition loading `hf-test-pkg@1` (a range) from jsdelivr and
/// drawing a red bar as wide as the version it got says.
fn composition(dir: &Path) -> PathBuf {
    let comp = dir.join("comp");
    std::fs::create_dir_all(&comp).unwrap();
    std::fs::write(
        comp.join("index.html"),
        r#"<!DOCTYPE html><html><head><meta charset="utf-8">
<style>html,body{margin:0;background:#000} #bar{position:absolute;left:0;top:20px;height:20px;background:#ff0000}</style>
<script src="https://cdn.jsdelivr.net/npm/hf-test-pkg@1/dist/pkg.js"></script></head><body>
<div id="root" data-composition-id="pkg" data-width="320" data-height="64" data-duration="0.2" data-start="0" data-no-timeline>
<div id="bar"></div></div>
<script>document.getElementById("bar").style.width = window.hfTestPkg.width + "px";</script>
</body></html>"#,
    )
    .unwrap();
    comp
}

/// One sandbox: a cache, an npm cache, a TMPDIR, pointed at the registry.
struct Sandbox {
    dir: tempfile::TempDir,
    registry: String,
}

impl Sandbox {
    fn new(registry: &Registry) -> Self {
        let dir = tempfile::Builder::new()
            .prefix("hf-pkg-test-")
            .tempdir()
            .unwrap();
        std::fs::create_dir_all(dir.path().join("tmp")).unwrap();
        Self {
            dir,
            registry: registry.url.clone(),
        }
    }

    fn cache(&self) -> PathBuf {
        self.dir.path().join("hf-cache")
    }

    fn hf(&self, args: &[&str]) -> Output {
        Command::new(HF)
            .args(args)
            .env("HF_CACHE", self.cache())
            .env("npm_config_registry", &self.registry)
            .env("npm_config_cache", self.dir.path().join("npm-cache"))
            .env("TMPDIR", self.dir.path().join("tmp"))
            .env_remove("CI")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .output()
            .expect("cannot run hf")
    }

    /// `hf render --offline`; the bar width drawn, or the failed output.
    fn render(&self, comp: &Path) -> Result<u32, Output> {
        let out = self.dir.path().join("out.mp4");
        let o = self.hf(&[
            "render",
            comp.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
            "--offline",
        ]);
        if !o.status.success() {
            return Err(o);
        }
        let (_, frames) = hf::decode::decode_video(&out, &|_| true).expect("decode the render");
        let img = frames[0].1.to_rgb();
        Ok(bar_length(&img, 30, mostly(0)))
    }
}

fn text(o: &Output) -> String {
    format!(
        "exit {:?}\nstdout: {}\nstderr: {}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// The one entry of the cache (there is one package).
fn entry_file(cache: &Path) -> PathBuf {
    let entries: Vec<PathBuf> = std::fs::read_dir(cache.join("npm/entries"))
        .expect("the cache has entries")
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("package/dist/pkg.js").is_file())
        .collect();
    assert_eq!(
        entries.len(),
        1,
        "expected one cache entry, saw {entries:?}"
    );
    entries[0].join("package/dist/pkg.js")
}

#[test]
fn cold_offline_fails_then_fetch_and_warm_offline_render_the_highest_match() {
    let registry = Registry::start();
    let sb = Sandbox::new(&registry);
    let comp = composition(sb.dir.path());

    // Cold cache, offline: the error names package, range and the fix.
    let cold = sb
        .render(&comp)
        .expect_err("a cold offline render must fail");
    assert_eq!(cold.status.code(), Some(EXIT_PACKAGE), "{}", text(&cold));
    let err = String::from_utf8_lossy(&cold.stderr);
    assert!(
        err.contains("hf-test-pkg@1") && err.contains("hf fetch"),
        "{}",
        text(&cold)
    );
    assert_eq!(
        registry.hits(),
        0,
        "an offline render contacted the registry"
    );

    // hf fetch resolves the range once to its highest match, 1.1.0.
    let fetched = sb.hf(&["fetch", comp.to_str().unwrap()]);
    assert!(fetched.status.success(), "{}", text(&fetched));
    let stdout = String::from_utf8_lossy(&fetched.stdout);
    let (_, t110) = (VERSIONS[1].0, tarball("1.1.0", 150));
    assert!(
        stdout.contains(&format!("hf-test-pkg@1.1.0 {}", sri(&t110))),
        "{}",
        text(&fetched)
    );
    assert!(
        registry.hits() > 0,
        "hf fetch did not use the configured registry"
    );

    // Warm cache, offline: renders 1.1.0's bar, without the registry.
    let before = registry.hits();
    let width = sb
        .render(&comp)
        .unwrap_or_else(|o| panic!("warm render failed: {}", text(&o)));
    assert!(
        width.abs_diff(150) <= 2,
        "expected the 1.1.0 bar (150 px), saw {width} px"
    );
    assert_eq!(
        registry.hits(),
        before,
        "a warm offline render contacted the registry"
    );

    // A corrupted file is detected: refused offline, naming the entry.
    let file = entry_file(&sb.cache());
    std::fs::write(&file, "window.hfTestPkg = { width: 7 };").unwrap();
    let refused = sb
        .render(&comp)
        .expect_err("a corrupted entry must be refused offline");
    assert_eq!(
        refused.status.code(),
        Some(EXIT_PACKAGE),
        "{}",
        text(&refused)
    );
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("corrupted"),
        "{}",
        text(&refused)
    );
    let checked = sb.hf(&["fetch", "--offline", comp.to_str().unwrap()]);
    assert_eq!(
        checked.status.code(),
        Some(EXIT_PACKAGE),
        "{}",
        text(&checked)
    );

    // hf fetch (online) detects it and fetches it again; renders recover.
    let refetched = sb.hf(&["fetch", comp.to_str().unwrap()]);
    assert!(refetched.status.success(), "{}", text(&refetched));
    let width = sb
        .render(&comp)
        .unwrap_or_else(|o| panic!("render after re-fetch failed: {}", text(&o)));
    assert!(
        width.abs_diff(150) <= 2,
        "expected 150 px after the re-fetch, saw {width} px"
    );
}

#[test]
fn concurrent_fetches_of_one_package_leave_an_intact_entry() {
    let registry = Registry::start();
    let sb = Sandbox::new(&registry);
    let comp = composition(sb.dir.path());
    let arg = comp.to_str().unwrap();
    let runs: Vec<Output> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..3).map(|_| s.spawn(|| sb.hf(&["fetch", arg]))).collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for o in &runs {
        assert!(o.status.success(), "{}", text(o));
    }
    let file = entry_file(&sb.cache());
    let js = std::fs::read_to_string(&file).unwrap();
    assert!(js.contains("\"1.1.0\""), "the entry holds {js:?}");
    let verify = sb.hf(&["fetch", "--offline", arg]);
    assert!(
        verify.status.success(),
        "the entry does not verify: {}",
        text(&verify)
    );
    let leftovers: Vec<_> = std::fs::read_dir(sb.cache().join("npm/tmp"))
        .map(|r| r.flatten().map(|e| e.file_name()).collect())
        .unwrap_or_default();
    assert!(
        leftovers.is_empty(),
        "temporary files left in the cache: {leftovers:?}"
    );
    let width = sb
        .render(&comp)
        .unwrap_or_else(|o| panic!("render failed: {}", text(&o)));
    assert!(width.abs_diff(150) <= 2, "expected 150 px, saw {width} px");
}

#[test]
fn each_cdn_form_serves_its_exact_gsap_version() {
    let r = common::render_fixture_fresh("cdn-gsap-versions", |_| {});
    let img = r.rgb(0);
    // 20 + digit * [40, 20, 40] px per version digit.
    let expect = |v: [u32; 3]| [20 + v[0] * 40, 20 + v[1] * 20, 20 + v[2] * 40];
    for (rows, channel, want, what) in [
        (
            [30, 60, 90],
            0,
            expect([3, 12, 5]),
            "jsdelivr gsap@3.12.5 (red)",
        ),
        (
            [140, 170, 200],
            2,
            expect([3, 13, 0]),
            "cdnjs gsap 3.13.0 (blue)",
        ),
    ] {
        for (y, w) in rows.iter().zip(want) {
            let seen = bar_length(&img, *y, mostly(channel));
            assert!(
                seen.abs_diff(w) <= 2,
                "{what}: bar at y={y} is {seen} px, expected {w}"
            );
        }
    }
    // The older copy's timeline moves the box 200 px/s.
    for f in [0u64, 30, 59] {
        let img = r.rgb(f);
        let x = common::first_column(&img, 225, mostly(1)).expect("the green box is drawn");
        let want = (200.0 * f as f64 / 30.0).round() as u32;
        assert!(
            x.abs_diff(want) <= 2,
            "frame {f}: box at x={x}, expected {want}"
        );
    }
    let used: Vec<&str> = r
        .report
        .perf
        .packages
        .iter()
        .map(|p| p.package.as_str())
        .collect();
    assert_eq!(used, vec!["gsap@3.12.5", "gsap@3.13.0"], "the resolved set");
    assert!(r
        .report
        .perf
        .packages
        .iter()
        .all(|p| p.integrity.starts_with("sha512-")));
}
