//! Packages a page loads from CDN URLs, at the exact version it asks for.
//!
//! A URL's version (or range, or none) resolves once to one published
//! version through the machine's npm client ([`npm`]), its tarball is
//! checked against the registry's integrity hash and unpacked into the
//! shared, content-addressed [`cache`]; renders then serve files from the
//! cache (or from the local `tools/npm` copy when it holds exactly that
//! version). Under `--offline` nothing is fetched: a package the cache
//! lacks is an error naming the package, the version and the `hf fetch`
//! command that fetches it. Fonts ride on the same path ([`fonts`]).

pub mod cache;
pub mod cdn;
pub mod fonts;
pub mod npm;
pub mod prepare;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
pub use cache::{Cache, Record};
pub use cdn::{cdn_package_file, NpmRef};

/// One package of the resolved set, as the perf JSON and golden provenance
/// record it: a change here changes what the page ran.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct PackageUse {
    /// `name@version`.
    pub package: String,
    /// The tarball's SRI hash.
    pub integrity: String,
    /// The specs the page wrote that resolved to it (`gsap@3`, `gsap@3.12.5`).
    pub requested: Vec<String>,
}

impl PackageUse {
    /// `name@version integrity`, the form golden provenance keeps.
    pub fn line(&self) -> String {
        format!("{} {}", self.package, self.integrity)
    }
}

/// Where a resolved package's files are read from.
#[derive(Debug, Clone)]
enum Source {
    /// An entry of the cache (each file checked against its hash).
    Cache(cache::Entry),
    /// The local npm folder's copy of exactly this version.
    Local(PathBuf),
}

/// A package version chosen for a spec.
#[derive(Debug, Clone)]
pub struct Resolved {
    /// Name, exact version, integrity.
    pub record: Record,
    source: Source,
}

/// The resolver of one render (or one `hf fetch`): the cache, the local npm
/// folder, whether fetching is allowed, and every choice made so far.
#[derive(Debug)]
pub struct Packages {
    cache: Cache,
    npm_dir: Option<PathBuf>,
    offline: bool,
    fix: String,
    memo: Mutex<BTreeMap<NpmRef, Option<Arc<Resolved>>>>,
    failures: Mutex<Vec<(String, String)>>,
}

impl Packages {
    /// A resolver over `cache` and the local `npm_dir` (`node_modules`).
    /// `fix` is the command that fills the cache for this composition
    /// (`hf fetch PATH`), quoted in errors.
    pub fn new(cache: Cache, npm_dir: Option<PathBuf>, offline: bool, fix: String) -> Self {
        Self {
            cache,
            npm_dir,
            offline,
            fix,
            memo: Mutex::new(BTreeMap::new()),
            failures: Mutex::new(Vec::new()),
        }
    }

    /// True when nothing may be fetched.
    pub fn offline(&self) -> bool {
        self.offline
    }

    /// The command quoted in errors.
    pub fn fix(&self) -> &str {
        &self.fix
    }

    /// The version `r` resolves to: Ok(None) when the registry has no such
    /// package or version; Err when it cannot be had (offline and not
    /// cached, a corrupted entry offline, npm failing).
    pub fn resolve(&self, r: &NpmRef) -> Result<Option<Arc<Resolved>>> {
        if let Some(hit) = self.memo.lock().ok().and_then(|m| m.get(r).cloned()) {
            return Ok(hit);
        }
        let found = self.resolve_uncached(r)?.map(Arc::new);
        if let Ok(mut memo) = self.memo.lock() {
            memo.insert(r.clone(), found.clone());
        }
        Ok(found)
    }

    fn resolve_uncached(&self, r: &NpmRef) -> Result<Option<Resolved>> {
        if let Some(local) = self.local(r) {
            return Ok(Some(local));
        }
        if let Some(rec) = self.cache.record(r) {
            match self.cache.entry(&rec.integrity) {
                Some(Ok(entry)) => {
                    return Ok(Some(Resolved {
                        record: rec,
                        source: Source::Cache(entry),
                    }))
                }
                Some(Err(c)) if self.offline => return Err(self.corrupt_error(&rec, &c)),
                // Corrupted (online): fetch that same version again.
                Some(Err(_)) => return self.fetch(r, &exact_ref(&rec)),
                None if !self.offline => return self.fetch(r, &exact_ref(&rec)),
                None => {}
            }
        }
        if self.offline {
            if self.cache.absent(r).is_some() {
                return Ok(None);
            }
            return Err(self.missing_error(r));
        }
        self.fetch(r, r)
    }

    /// Fetch `what` for the spec `r`, install it and record the choice.
    fn fetch(&self, r: &NpmRef, what: &NpmRef) -> Result<Option<Resolved>> {
        let tmp_root = self.cache.root().join("npm").join("tmp");
        std::fs::create_dir_all(&tmp_root).map_err(|e| Error::io(&tmp_root, e))?;
        let tmp = tempfile::Builder::new()
            .prefix(".pack-")
            .tempdir_in(&tmp_root)
            .map_err(|e| Error::io(&tmp_root, e))?;
        let (rec, tgz) = match npm::pack(&what.spec(), tmp.path())? {
            npm::Packed::Found(rec, tgz) => (rec, tgz),
            npm::Packed::NotFound(summary) => {
                self.cache.write_absent(r, &summary)?;
                return Ok(None);
            }
        };
        let entry = self.cache.install(&rec, &tgz)?;
        self.cache.write_record(r, &rec)?;
        self.cache.write_record(&exact_ref(&rec), &rec)?;
        Ok(Some(Resolved {
            record: rec,
            source: Source::Cache(entry),
        }))
    }

    /// The local npm folder's copy, when it holds exactly the version asked.
    fn local(&self, r: &NpmRef) -> Option<Resolved> {
        let want = r.version.as_deref().filter(|_| r.is_exact())?;
        let npm_dir = self.npm_dir.as_ref()?;
        let dir = npm_dir.join(&r.name);
        let manifest = std::fs::read_to_string(dir.join("package.json")).ok()?;
        let json: serde_json::Value = serde_json::from_str(&manifest).ok()?;
        if json.get("version")?.as_str()? != want {
            return None;
        }
        let lock = npm_dir.join(".package-lock.json");
        let lock: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(lock).ok()?).ok()?;
        let integrity = lock
            .get("packages")?
            .get(format!("node_modules/{}", r.name))?
            .get("integrity")?
            .as_str()?
            .to_owned();
        Some(Resolved {
            record: Record {
                name: r.name.clone(),
                version: want.to_owned(),
                integrity,
            },
            source: Source::Local(dir),
        })
    }

    /// The bytes of `file` in the package `r` resolves to, with the path
    /// actually served (`file` itself, `dist/file`, the one file of that
    /// name, or the package's entry point when `file` is empty). Ok(None)
    /// when the package has no such file.
    pub fn file(&self, r: &NpmRef, file: &str) -> Result<Option<(Vec<u8>, String)>> {
        let Some(res) = self.resolve(r)? else {
            return Err(Error::Package {
                package: r.spec(),
                message: "the npm registry has no such package or version".into(),
            });
        };
        let Some(path) = res.find(file) else {
            return Ok(None);
        };
        match res.read(&path) {
            Ok(bytes) => Ok(Some((bytes, path))),
            Err(c) if self.offline => Err(self.corrupt_error(&res.record, &c)),
            Err(_) => {
                // Corrupted: fetch it again, once, then serve.
                if let Ok(mut memo) = self.memo.lock() {
                    memo.remove(r);
                }
                let again = self
                    .fetch(r, &exact_ref(&res.record))?
                    .ok_or_else(|| self.missing_error(r))?;
                let bytes = again
                    .read(&path)
                    .map_err(|c| self.corrupt_error(&again.record, &c))?;
                if let Ok(mut memo) = self.memo.lock() {
                    memo.insert(r.clone(), Some(Arc::new(again)));
                }
                Ok(Some((bytes, path)))
            }
        }
    }

    /// Note a failure met while serving (the page asked for a package at
    /// run time); the render reports the first one as its error.
    pub fn fail(&self, e: Error) {
        let row = match e {
            Error::Package { package, message } => (package, message),
            other => (String::from("?"), other.to_string()),
        };
        if let Ok(mut f) = self.failures.lock() {
            if !f.contains(&row) {
                f.push(row);
            }
        }
    }

    /// The first failure noted while serving, as the render's error.
    pub fn first_failure(&self) -> Option<Error> {
        let f = self.failures.lock().ok()?;
        f.first().map(|(package, message)| Error::Package {
            package: package.clone(),
            message: message.clone(),
        })
    }

    /// The resolved set so far, one row per package version, sorted.
    pub fn used(&self) -> Vec<PackageUse> {
        let memo = self.memo.lock().map(|m| m.clone()).unwrap_or_default();
        let mut rows: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
        for (r, res) in memo {
            if let Some(res) = res {
                let key = (
                    format!("{}@{}", res.record.name, res.record.version),
                    res.record.integrity.clone(),
                );
                rows.entry(key).or_default().push(r.spec());
            }
        }
        rows.into_iter()
            .map(|((package, integrity), requested)| PackageUse {
                package,
                integrity,
                requested,
            })
            .collect()
    }

    /// Check every file of every cached package resolved so far (what
    /// `hf fetch` does before it reports success); corrupted entries are
    /// fetched again (online) or reported.
    pub fn verify_all(&self) -> Result<()> {
        let memo = self.memo.lock().map(|m| m.clone()).unwrap_or_default();
        for (r, res) in memo {
            let Some(res) = res else { continue };
            let Source::Cache(entry) = &res.source else {
                continue;
            };
            if let Err(c) = entry.verify() {
                if self.offline {
                    return Err(self.corrupt_error(&res.record, &c));
                }
                let again = self
                    .fetch(&r, &exact_ref(&res.record))?
                    .ok_or_else(|| self.missing_error(&r))?;
                if let Ok(mut memo) = self.memo.lock() {
                    memo.insert(r, Some(Arc::new(again)));
                }
            }
        }
        Ok(())
    }

    fn missing_error(&self, r: &NpmRef) -> Error {
        Error::Package {
            package: r.spec(),
            message: format!(
                "not in the hf cache ({}) and --offline forbids fetching it; run `{}` (with network access) to fetch it",
                self.cache.root().display(),
                self.fix
            ),
        }
    }

    fn corrupt_error(&self, rec: &Record, c: &cache::Corrupt) -> Error {
        Error::Package {
            package: format!("{}@{}", rec.name, rec.version),
            message: format!(
                "the cache entry {} is corrupted ({}); it is refused under --offline: run `{}` to fetch it again",
                c.dir.display(),
                c.why,
                self.fix
            ),
        }
    }
}

impl Resolved {
    /// The path inside the package that answers a request for `file`.
    fn find(&self, file: &str) -> Option<String> {
        let file = file.trim_start_matches('/');
        if file.is_empty() {
            return self.entry_point();
        }
        let mut candidates = vec![file.to_owned()];
        if !file.starts_with("dist/") {
            candidates.push(format!("dist/{file}"));
        }
        if let Some(hit) = candidates.into_iter().find(|c| self.has(c)) {
            return Some(hit);
        }
        // cdnjs lays files out its own way: take the package's one file of
        // that name (the shortest path when several).
        let suffix = format!("/{file}");
        let mut hits: Vec<String> = self
            .files()
            .into_iter()
            .filter(|p| p.ends_with(&suffix))
            .collect();
        hits.sort_by_key(|p| (p.len(), p.clone()));
        hits.into_iter().next()
    }

    fn entry_point(&self) -> Option<String> {
        let bytes = self.read("package.json").ok()?;
        let json: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
        ["jsdelivr", "unpkg", "browser", "main"]
            .iter()
            .filter_map(|k| json.get(*k).and_then(|v| v.as_str()))
            .map(|p| p.trim_start_matches("./").to_owned())
            .flat_map(|p| [p.clone(), format!("{p}.js")])
            .find(|p| self.has(p))
            .or_else(|| self.has("index.js").then(|| "index.js".to_owned()))
    }

    fn has(&self, file: &str) -> bool {
        match &self.source {
            Source::Cache(e) => e.has(file),
            Source::Local(dir) => contained_file(dir, file).is_some(),
        }
    }

    fn files(&self) -> Vec<String> {
        match &self.source {
            Source::Cache(e) => e.files().map(str::to_owned).collect(),
            Source::Local(dir) => walk(dir),
        }
    }

    fn read(&self, file: &str) -> std::result::Result<Vec<u8>, cache::Corrupt> {
        let corrupt = |dir: &Path, why: String| cache::Corrupt {
            dir: dir.to_path_buf(),
            why,
        };
        match &self.source {
            Source::Cache(e) => e
                .read(file)
                .unwrap_or_else(|| Err(corrupt(&e.dir, format!("{file} is not in the package")))),
            Source::Local(dir) => contained_file(dir, file)
                .and_then(|p| std::fs::read(p).ok())
                .ok_or_else(|| corrupt(dir, format!("{file} is unreadable"))),
        }
    }
}

fn exact_ref(rec: &Record) -> NpmRef {
    NpmRef {
        name: rec.name.clone(),
        version: Some(rec.version.clone()),
    }
}

/// `dir/file` when `file` stays inside `dir` and is a regular file.
fn contained_file(dir: &Path, file: &str) -> Option<PathBuf> {
    let rel = Path::new(file);
    if rel
        .components()
        .any(|c| !matches!(c, std::path::Component::Normal(_)))
    {
        return None;
    }
    let path = dir.join(rel);
    path.is_file().then_some(path)
}

/// Every file under `dir`, as `/`-separated relative paths.
fn walk(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(read) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in read.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if let Ok(rel) = p.strip_prefix(dir) {
                out.push(rel.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    out
}
