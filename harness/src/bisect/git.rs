//! The git side of a bisect: resolving revisions, listing the stack, and
//! one reused work tree that each candidate is checked out into (reusing
//! one path keeps cargo's package ids, and so its incremental state, the
//! same from candidate to candidate).

use std::path::{Path, PathBuf};
use std::process::Command;

use super::BisectError;

/// One commit of the range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Commit {
    /// Full hash.
    pub hash: String,
    /// First line of the message.
    pub subject: String,
}

impl Commit {
    /// `abcdef1 subject`, for messages.
    pub fn label(&self) -> String {
        format!("{} {}", short(&self.hash), self.subject)
    }
}

/// The first 10 characters of a hash.
pub fn short(hash: &str) -> &str {
    hash.get(..10).unwrap_or(hash)
}

/// Run `git -C repo args…` and return its trimmed stdout.
pub fn git(repo: &Path, args: &[&str]) -> Result<String, BisectError> {
    let out = Command::new("git")
        .arg("-C")
        .arg(repo)
        .args(args)
        .output()
        .map_err(|e| BisectError::Git {
            command: format!("git {}", args.join(" ")),
            message: e.to_string(),
        })?;
    if !out.status.success() {
        return Err(BisectError::Git {
            command: format!("git {}", args.join(" ")),
            message: format!(
                "{}: {}",
                out.status,
                String::from_utf8_lossy(&out.stderr).trim()
            ),
        });
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// The commit `rev` names, with its subject.
pub fn resolve(repo: &Path, rev: &str) -> Result<Commit, BisectError> {
    let spec = format!("{rev}^{{commit}}");
    let hash = git(repo, &["rev-parse", "--verify", "--quiet", &spec]).map_err(|_| {
        BisectError::BadRevision {
            rev: rev.to_owned(),
        }
    })?;
    let subject = git(repo, &["log", "-1", "--format=%s", &hash])?;
    Ok(Commit { hash, subject })
}

/// The merge base of `a` and `b`.
pub fn merge_base(repo: &Path, a: &str, b: &str) -> Result<Commit, BisectError> {
    let hash = git(repo, &["merge-base", a, b])?;
    resolve(repo, &hash)
}

/// The commits after `good` up to and including `bad`, oldest first,
/// following first parents (a stack of PRs is a line of commits).
pub fn range(repo: &Path, good: &Commit, bad: &Commit) -> Result<Vec<Commit>, BisectError> {
    if git(
        repo,
        &["merge-base", "--is-ancestor", &good.hash, &bad.hash],
    )
    .is_err()
    {
        return Err(BisectError::NotAncestor {
            good: good.label(),
            bad: bad.label(),
        });
    }
    let spec = format!("{}..{}", good.hash, bad.hash);
    let text = git(
        repo,
        &[
            "rev-list",
            "--reverse",
            "--first-parent",
            "--format=%s",
            &spec,
        ],
    )?;
    // rev-list --format prints "commit <hash>" then the subject.
    let mut commits = Vec::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        if let Some(hash) = line.strip_prefix("commit ") {
            let subject = lines.next().unwrap_or_default().to_owned();
            commits.push(Commit {
                hash: hash.to_owned(),
                subject,
            });
        }
    }
    Ok(commits)
}

/// The reused work tree at `path`, checked out (detached) at `commit`:
/// created on first use, then moved from commit to commit, so only the
/// files that differ are rewritten and cargo rebuilds only what they touch.
pub fn checkout(repo: &Path, path: &Path, commit: &Commit) -> Result<PathBuf, BisectError> {
    if !path.join(".git").exists() {
        if path.exists() {
            std::fs::remove_dir_all(path).map_err(|e| BisectError::Io {
                path: path.to_owned(),
                message: e.to_string(),
            })?;
        }
        let _ = git(repo, &["worktree", "prune"]);
        let p = path.to_string_lossy();
        git(
            repo,
            &["worktree", "add", "--detach", "--force", &p, &commit.hash],
        )?;
    } else {
        git(
            path,
            &["checkout", "--detach", "--force", "--quiet", &commit.hash],
        )?;
        git(path, &["clean", "-fdq"])?;
    }
    Ok(path.to_owned())
}
