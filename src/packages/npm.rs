//! The npm client, driven as a subprocess so the machine's own npm
//! configuration (registry, `.npmrc`, proxies, `npm_config_*` variables)
//! decides where packages come from; hf names no registry host itself.
//!
//! `npm pack SPEC --json` resolves a version or range exactly as npm does
//! (the highest published match) and downloads the tarball; `npm view
//! NAME@VERSION dist.integrity` gives the hash the registry publishes,
//! which the cache checks the tarball against itself.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::cache::Record;
use crate::error::{Error, Result};

/// What the registry answered for one spec.
#[derive(Debug)]
pub enum Packed {
    /// Resolved and downloaded: the record and the tarball's path.
    Found(Record, PathBuf),
    /// The registry has no such package or no matching version (npm's words).
    NotFound(String),
}

/// Resolve and download `spec` (`name`, `name@1.2.3`, `name@^1`) into `dest`.
pub fn pack(spec: &str, dest: &Path) -> Result<Packed> {
    let dest_arg = dest.to_string_lossy().into_owned();
    let out = run(
        spec,
        &["pack", spec, "--json", "--pack-destination", &dest_arg],
        dest,
    )?;
    let json = match out {
        Ok(json) => json,
        Err(not_found) => return Ok(Packed::NotFound(not_found)),
    };
    let bad = |what: &str| Error::Package {
        package: spec.to_owned(),
        message: format!("`npm pack {spec} --json` printed no {what}"),
    };
    let first = json.get(0).ok_or_else(|| bad("package"))?;
    let field = |k: &str| first.get(k).and_then(|v| v.as_str()).ok_or_else(|| bad(k));
    let name = field("name")?.to_owned();
    let version = field("version")?.to_owned();
    let filename = field("filename")?.to_owned();
    let exact = format!("{name}@{version}");
    let published = match run(&exact, &["view", &exact, "dist.integrity", "--json"], dest)? {
        Ok(serde_json::Value::String(s)) => s,
        _ => return Err(Error::Package {
            package: exact,
            message:
                "the registry publishes no sha512 integrity for it (`npm view … dist.integrity`)"
                    .into(),
        }),
    };
    let record = Record {
        name,
        version,
        integrity: published,
    };
    Ok(Packed::Found(record, dest.join(filename)))
}

/// Run `npm ARGS` in `cwd`: Ok(Ok(json)) on success, Ok(Err(npm's summary))
/// when the registry says E404, Err with the command, status and stderr
/// tail otherwise.
fn run(
    spec: &str,
    args: &[&str],
    cwd: &Path,
) -> Result<std::result::Result<serde_json::Value, String>> {
    let command = format!("npm {}", args.join(" "));
    let output = Command::new("npm")
        .args(args)
        .arg("--loglevel=error")
        .current_dir(cwd)
        .output()
        .map_err(|e| Error::Package {
            package: spec.to_owned(),
            message: format!("cannot run `{command}`: {e} (is npm installed?)"),
        })?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let json: Option<serde_json::Value> = serde_json::from_str(stdout.trim()).ok();
    if output.status.success() {
        if let Some(json) = json {
            return Ok(Ok(json));
        }
    }
    if let Some(err) = json.as_ref().and_then(|j| j.get("error")) {
        if err.get("code").and_then(|c| c.as_str()) == Some("E404") {
            let summary = err
                .get("summary")
                .and_then(|s| s.as_str())
                .unwrap_or("E404");
            return Ok(Err(summary.to_owned()));
        }
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    let tail: Vec<&str> = stderr.lines().rev().take(8).collect();
    let tail: Vec<&str> = tail.into_iter().rev().collect();
    Err(Error::Package {
        package: spec.to_owned(),
        message: format!(
            "`{command}` failed ({}){}",
            output.status,
            if tail.is_empty() {
                String::new()
            } else {
                format!(
                    "\n  npm stderr (last {} lines):\n    {}",
                    tail.len(),
                    tail.join("\n    ")
                )
            }
        ),
    })
}
