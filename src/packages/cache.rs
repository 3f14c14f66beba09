//! The package cache on disk (`$HF_CACHE`, default `~/.cache/hf`), shared
//! by every render and every `hf fetch`:
//!
//! - `npm/entries/sha512-<hex>/` — one unpacked tarball, named by its
//!   integrity hash (content-addressed), holding `package/…` and
//!   `hf-entry.json`, the sha256 of every file. A file is checked against it
//!   each time it is served, so a corrupted entry is detected, never served.
//! - `npm/resolved/<name>@<spec>.json` — which version and integrity a URL's
//!   version or range resolved to, so it resolves once and the choice is
//!   recorded.
//!
//! Entries are unpacked in `npm/tmp/` and renamed into place, records are
//! written to a temporary file and renamed: two fills at once never expose
//! a half-written entry, and the loser of a race keeps the winner's.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Component, Path, PathBuf};

use base64::Engine;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256, Sha512};

use super::cdn::NpmRef;
use crate::error::{Error, Result};

/// Name of the per-entry file list.
const MANIFEST: &str = "hf-entry.json";

/// The cache root and its layout.
#[derive(Debug, Clone)]
pub struct Cache {
    root: PathBuf,
}

/// What a URL's version resolved to (also the resolved set's unit).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, PartialOrd, Ord)]
pub struct Record {
    /// Package name.
    pub name: String,
    /// The exact version chosen.
    pub version: String,
    /// The tarball's SRI hash (`sha512-…`), as the registry publishes it.
    pub integrity: String,
}

/// An unpacked, listed package in the cache.
#[derive(Debug, Clone)]
pub struct Entry {
    /// The entry folder (`…/sha512-<hex>`).
    pub dir: PathBuf,
    manifest: Manifest,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Manifest {
    name: String,
    version: String,
    integrity: String,
    /// Path inside the package → sha256 hex.
    files: BTreeMap<String, String>,
}

/// Why an entry cannot be trusted.
#[derive(Debug, Clone, PartialEq)]
pub struct Corrupt {
    /// The entry folder.
    pub dir: PathBuf,
    /// What is wrong (a file's hash, a missing file, an unreadable list).
    pub why: String,
}

impl Cache {
    /// The cache at `root`.
    pub fn at(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    /// `$HF_CACHE`, else `~/.cache/hf` (`$XDG_CACHE_HOME/hf` when set).
    pub fn default_root() -> PathBuf {
        if let Some(dir) = std::env::var_os("HF_CACHE").filter(|d| !d.is_empty()) {
            return PathBuf::from(dir);
        }
        if let Some(dir) = std::env::var_os("XDG_CACHE_HOME").filter(|d| !d.is_empty()) {
            return PathBuf::from(dir).join("hf");
        }
        let home = std::env::var_os("HOME").unwrap_or_else(|| ".".into());
        PathBuf::from(home).join(".cache").join("hf")
    }

    /// The cache root.
    pub fn root(&self) -> &Path {
        &self.root
    }

    fn npm(&self, sub: &str) -> PathBuf {
        self.root.join("npm").join(sub)
    }

    fn record_path(&self, r: &NpmRef) -> PathBuf {
        let key = format!("{}@{}", r.name, r.version.as_deref().unwrap_or("latest"));
        self.npm("resolved")
            .join(format!("{}.json", key.replace('/', "+")))
    }

    /// The recorded resolution of `r`, if any (an unreadable record counts
    /// as none: it is resolved again, or reported missing offline).
    pub fn record(&self, r: &NpmRef) -> Option<Record> {
        let text = std::fs::read_to_string(self.record_path(r)).ok()?;
        serde_json::from_str(&text).ok()
    }

    /// npm's words when the registry said it has no `r` (recorded so an
    /// offline render can say so rather than ask for `hf fetch`).
    pub fn absent(&self, r: &NpmRef) -> Option<String> {
        let text = std::fs::read_to_string(self.absent_path(r)).ok()?;
        let json: serde_json::Value = serde_json::from_str(&text).ok()?;
        json.get("absent")?.as_str().map(str::to_owned)
    }

    /// Record that the registry has no `r` (atomically).
    pub fn write_absent(&self, r: &NpmRef, summary: &str) -> Result<()> {
        let json = serde_json::json!({ "spec": r.spec(), "absent": summary });
        crate::assemble::write_atomic(&self.absent_path(r), json.to_string().as_bytes())
    }

    fn absent_path(&self, r: &NpmRef) -> PathBuf {
        let mut p = self.record_path(r).into_os_string();
        p.push(".absent");
        PathBuf::from(p)
    }

    /// Record that `r` resolved to `rec` (atomically).
    pub fn write_record(&self, r: &NpmRef, rec: &Record) -> Result<()> {
        let json = serde_json::to_vec_pretty(rec).map_err(|e| Error::Package {
            package: r.spec(),
            message: format!("cannot serialise its resolution: {e}"),
        })?;
        crate::assemble::write_atomic(&self.record_path(r), &json)
    }

    fn entry_dir(&self, integrity: &str) -> Option<PathBuf> {
        let hex = sri_hex(integrity)?;
        Some(self.npm("entries").join(format!("sha512-{hex}")))
    }

    /// Open the entry of `integrity`: None when absent, Err when its file
    /// list is unreadable or belongs to another tarball.
    pub fn entry(&self, integrity: &str) -> Option<std::result::Result<Entry, Corrupt>> {
        let dir = self.entry_dir(integrity)?;
        if !dir.is_dir() {
            return None;
        }
        let corrupt = |why: String| Corrupt {
            dir: dir.clone(),
            why,
        };
        let manifest = std::fs::read_to_string(dir.join(MANIFEST))
            .map_err(|e| corrupt(format!("{MANIFEST}: {e}")))
            .and_then(|t| {
                serde_json::from_str::<Manifest>(&t)
                    .map_err(|e| corrupt(format!("{MANIFEST}: {e}")))
            });
        Some(manifest.and_then(|m| {
            if m.integrity == integrity {
                Ok(Entry {
                    dir: dir.clone(),
                    manifest: m,
                })
            } else {
                Err(corrupt(format!("{MANIFEST} lists another tarball")))
            }
        }))
    }

    /// Check `tarball` against `rec.integrity`, unpack it and move it into
    /// place; an entry already there (a concurrent fill) is kept.
    pub fn install(&self, rec: &Record, tarball: &Path) -> Result<Entry> {
        let pkg = format!("{}@{}", rec.name, rec.version);
        let perr = |message: String| Error::Package {
            package: pkg.clone(),
            message,
        };
        let bytes = std::fs::read(tarball).map_err(|e| Error::io(tarball, e))?;
        let have = sri_of(&bytes);
        if have != rec.integrity {
            return Err(perr(format!(
                "the tarball's integrity is {have}, the registry publishes {}; refusing it",
                rec.integrity
            )));
        }
        let dest = self
            .entry_dir(&rec.integrity)
            .ok_or_else(|| perr(format!("unsupported integrity {}", rec.integrity)))?;
        let tmp_root = self.npm("tmp");
        std::fs::create_dir_all(&tmp_root).map_err(|e| Error::io(&tmp_root, e))?;
        let tmp = tempfile::Builder::new()
            .prefix(".fill-")
            .tempdir_in(&tmp_root)
            .map_err(|e| Error::io(&tmp_root, e))?;
        let files = unpack(&bytes, &tmp.path().join("package")).map_err(perr)?;
        let manifest = Manifest {
            name: rec.name.clone(),
            version: rec.version.clone(),
            integrity: rec.integrity.clone(),
            files,
        };
        let json = serde_json::to_vec_pretty(&manifest)
            .map_err(|e| perr(format!("cannot serialise its file list: {e}")))?;
        let list = tmp.path().join(MANIFEST);
        std::fs::write(&list, json).map_err(|e| Error::io(&list, e))?;
        if let Some(parent) = dest.parent() {
            std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
        }
        // A corrupted entry in the way (any file off its hash) is moved
        // aside first, atomically: readers see it, nothing, or the new one.
        let intact = matches!(self.entry(&rec.integrity), Some(Ok(e)) if e.verify().is_ok());
        if dest.exists() && !intact {
            self.discard(&dest)?;
        }
        match std::fs::rename(tmp.path(), &dest) {
            Ok(()) => {
                let _ = tmp.keep();
            }
            Err(e) if dest.is_dir() => drop(e),
            Err(e) => return Err(Error::io(&dest, e)),
        }
        match self.entry(&rec.integrity) {
            Some(Ok(entry)) => Ok(entry),
            Some(Err(c)) => Err(perr(format!("{}: {}", c.dir.display(), c.why))),
            None => Err(perr(format!("{} vanished after install", dest.display()))),
        }
    }

    /// Move a corrupted entry out of the way and delete it.
    pub fn discard(&self, dir: &Path) -> Result<()> {
        let tmp_root = self.npm("tmp");
        std::fs::create_dir_all(&tmp_root).map_err(|e| Error::io(&tmp_root, e))?;
        let trash = tempfile::Builder::new()
            .prefix(".trash-")
            .tempdir_in(&tmp_root)
            .map_err(|e| Error::io(&tmp_root, e))?;
        let target = trash.path().join("entry");
        match std::fs::rename(dir, &target) {
            Ok(()) => Ok(()),
            // Someone else moved it already.
            Err(_) if !dir.exists() => Ok(()),
            Err(e) => Err(Error::io(dir, e)),
        }
    }
}

impl Entry {
    /// Package name.
    pub fn name(&self) -> &str {
        &self.manifest.name
    }

    /// Exact version.
    pub fn version(&self) -> &str {
        &self.manifest.version
    }

    /// Every path the package holds.
    pub fn files(&self) -> impl Iterator<Item = &str> {
        self.manifest.files.keys().map(String::as_str)
    }

    /// True when the package holds `file`.
    pub fn has(&self, file: &str) -> bool {
        self.manifest.files.contains_key(file)
    }

    /// The bytes of `file` (a path inside the package), checked against
    /// the recorded hash: None when the package has no such file.
    pub fn read(&self, file: &str) -> Option<std::result::Result<Vec<u8>, Corrupt>> {
        let want = self.manifest.files.get(file)?;
        let path = self.dir.join("package").join(file);
        let corrupt = |why: String| Corrupt {
            dir: self.dir.clone(),
            why,
        };
        Some(match std::fs::read(&path) {
            Ok(bytes) if &hex(&Sha256::digest(&bytes)) == want => Ok(bytes),
            Ok(_) => Err(corrupt(format!("{file} does not match its recorded hash"))),
            Err(e) => Err(corrupt(format!("{file}: {e}"))),
        })
    }

    /// Check every file of the entry (what `hf fetch` does).
    pub fn verify(&self) -> std::result::Result<(), Corrupt> {
        for file in self.manifest.files.keys() {
            if let Some(Err(c)) = self.read(file) {
                return Err(c);
            }
        }
        Ok(())
    }
}

/// Unpack a gzipped npm tarball into `dest`, dropping the first path
/// component (npm's `package/`), refusing paths that climb out, skipping
/// links; returns path → sha256 hex of every file.
fn unpack(tgz: &[u8], dest: &Path) -> std::result::Result<BTreeMap<String, String>, String> {
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(tgz));
    let mut files = BTreeMap::new();
    let entries = archive
        .entries()
        .map_err(|e| format!("unreadable tarball: {e}"))?;
    for entry in entries {
        let mut entry = entry.map_err(|e| format!("unreadable tarball: {e}"))?;
        if !entry.header().entry_type().is_file() {
            continue;
        }
        let path = entry
            .path()
            .map_err(|e| format!("bad path in tarball: {e}"))?
            .into_owned();
        let mut parts = path.components();
        parts.next();
        let rel: PathBuf = parts.as_path().to_path_buf();
        if rel.as_os_str().is_empty()
            || rel.components().any(|c| !matches!(c, Component::Normal(_)))
        {
            return Err(format!(
                "tarball path {} leaves the package",
                path.display()
            ));
        }
        let mut bytes = Vec::new();
        entry
            .read_to_end(&mut bytes)
            .map_err(|e| format!("{}: {e}", path.display()))?;
        let out = dest.join(&rel);
        if let Some(parent) = out.parent() {
            std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
        }
        std::fs::write(&out, &bytes).map_err(|e| format!("{}: {e}", out.display()))?;
        let key = rel.to_string_lossy().replace('\\', "/");
        files.insert(key, hex(&Sha256::digest(&bytes)));
    }
    if files.is_empty() {
        return Err("the tarball holds no files".into());
    }
    Ok(files)
}

/// The SRI string (`sha512-<base64>`) of `bytes`.
pub fn sri_of(bytes: &[u8]) -> String {
    format!(
        "sha512-{}",
        base64::engine::general_purpose::STANDARD.encode(Sha512::digest(bytes))
    )
}

/// The hex digest inside a `sha512-<base64>` SRI string.
fn sri_hex(integrity: &str) -> Option<String> {
    let b64 = integrity.strip_prefix("sha512-")?;
    let raw = base64::engine::general_purpose::STANDARD.decode(b64).ok()?;
    (raw.len() == 64).then(|| hex(&raw))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A gzipped tarball of `files` under `package/`, as npm packs it.
    pub(crate) fn tarball(files: &[(&str, &[u8])]) -> Vec<u8> {
        let mut builder = tar::Builder::new(flate2::write::GzEncoder::new(
            Vec::new(),
            flate2::Compression::fast(),
        ));
        for (path, data) in files {
            let mut header = tar::Header::new_gnu();
            header.set_size(data.len() as u64);
            header.set_mode(0o644);
            header.set_cksum();
            builder
                .append_data(&mut header, format!("package/{path}"), *data)
                .unwrap();
        }
        builder.into_inner().unwrap().finish().unwrap()
    }

    #[test]
    fn installs_verifies_and_detects_corruption() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::at(dir.path());
        let tgz = tarball(&[
            ("package.json", b"{\"version\":\"1.0.0\"}"),
            ("dist/a.js", b"A"),
        ]);
        let tgz_path = dir.path().join("a.tgz");
        std::fs::write(&tgz_path, &tgz).unwrap();
        let rec = Record {
            name: "a".into(),
            version: "1.0.0".into(),
            integrity: sri_of(&tgz),
        };
        let entry = cache.install(&rec, &tgz_path).unwrap();
        assert_eq!(entry.read("dist/a.js").unwrap().unwrap(), b"A");
        assert!(entry.read("dist/none.js").is_none());
        // A second install (a concurrent fill that lost) keeps the entry.
        cache.install(&rec, &tgz_path).unwrap();
        std::fs::write(entry.dir.join("package/dist/a.js"), "B").unwrap();
        let again = cache.entry(&rec.integrity).unwrap().unwrap();
        let err = again.read("dist/a.js").unwrap().unwrap_err();
        assert!(err.why.contains("dist/a.js"), "{err:?}");
        assert!(again.verify().is_err());
        // Installing over a corrupted entry replaces it.
        std::fs::write(entry.dir.join(MANIFEST), "{").unwrap();
        assert!(matches!(cache.entry(&rec.integrity), Some(Err(_))));
        let fresh = cache.install(&rec, &tgz_path).unwrap();
        assert_eq!(fresh.read("dist/a.js").unwrap().unwrap(), b"A");
    }

    #[test]
    fn refuses_a_tarball_whose_hash_differs() {
        let dir = tempfile::tempdir().unwrap();
        let tgz_path = dir.path().join("a.tgz");
        std::fs::write(&tgz_path, tarball(&[("x", b"1")])).unwrap();
        let rec = Record {
            name: "a".into(),
            version: "1.0.0".into(),
            integrity: sri_of(b"something else"),
        };
        let err = Cache::at(dir.path()).install(&rec, &tgz_path).unwrap_err();
        assert!(err.to_string().contains("integrity"), "{err}");
    }
}
