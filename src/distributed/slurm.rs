//! `hf render --distributed slurm`: plan, submit one array job (a task per
//! chunk, `hf render-chunk PLAN --chunk-from-env`), poll its tasks with
//! `scontrol` (not `sbatch --wait`, whose polling backs off to tens of
//! seconds), resubmit only the failed indices (Slurm's `--requeue` does not
//! retry a non-zero exit), and assemble. The cluster is the one Slurm's own
//! tools find (`SLURM_CONF`); the plan folder must be on storage every node
//! sees.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use super::plan::Plan;
use crate::error::{CommandEvidence, Error, Result};
use crate::events::{Event, EventSink};

/// How to run the chunks on Slurm.
#[derive(Debug, Clone)]
pub struct SlurmOptions {
    /// `--partition`; None = the cluster's default.
    pub partition: Option<String>,
    /// Times the failed indices are submitted again.
    pub resubmits: u32,
    /// In-process retries of each chunk (`render-chunk --retries`).
    pub chunk_retries: u32,
    /// CPUs per task (Chrome plus x264 like two).
    pub cpus_per_task: u32,
    /// The hf binary the tasks run (on a shared path).
    pub hf: PathBuf,
    /// How often to ask scontrol.
    pub poll: Duration,
    /// Set to cancel the jobs and stop.
    pub cancel: Option<Arc<AtomicBool>>,
}

/// States after which a task does not change again.
const FINAL: [&str; 10] = [
    "COMPLETED",
    "FAILED",
    "CANCELLED",
    "TIMEOUT",
    "NODE_FAIL",
    "OUT_OF_MEMORY",
    "PREEMPTED",
    "BOOT_FAIL",
    "DEADLINE",
    "SPECIAL_EXIT",
];

fn run(cmd: &mut Command) -> Result<String> {
    let line = format!("{cmd:?}");
    let out = cmd.output().map_err(|e| Error::Scheduler {
        message: format!(
            "cannot run {line}: {e} (are Slurm's client tools installed and SLURM_CONF set?)"
        ),
        evidence: None,
    })?;
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        let tail: Vec<&str> = stderr.lines().rev().take(5).collect();
        return Err(Error::Scheduler {
            message: "a Slurm command failed".into(),
            evidence: Some(Box::new(CommandEvidence {
                command: line,
                status: out
                    .status
                    .code()
                    .map_or_else(|| out.status.to_string(), |c| c.to_string()),
                stderr_tail: tail.into_iter().rev().collect::<Vec<_>>().join(" | "),
            })),
        });
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// Single-quote `s` for the shell `sbatch --wrap` runs.
fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// Submit the array job for `indices`; returns its job id.
fn submit(dir: &Path, indices: &[usize], opts: &SlurmOptions) -> Result<String> {
    let logs = dir.join("logs");
    std::fs::create_dir_all(&logs).map_err(|e| Error::io(&logs, e))?;
    let array = indices
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(",");
    let wrap = format!(
        "exec {} render-chunk {} --chunk-from-env --retries {}",
        quote(&opts.hf.to_string_lossy()),
        quote(&dir.to_string_lossy()),
        opts.chunk_retries
    );
    let mut cmd = Command::new("sbatch");
    cmd.arg("--parsable")
        .arg("--job-name=hf-chunk")
        .arg(format!("--array={array}"))
        .arg(format!("--cpus-per-task={}", opts.cpus_per_task))
        .arg(format!("--output={}/chunk-%a-%A.out", logs.display()))
        .arg(format!("--chdir={}", dir.display()));
    if let Some(p) = &opts.partition {
        cmd.arg(format!("--partition={p}"));
    }
    cmd.arg(format!("--wrap={wrap}"));
    let out = run(&mut cmd)?;
    // --parsable prints `jobid[;cluster]`.
    Ok(out.split(';').next().unwrap_or_default().trim().to_owned())
}

/// Parse `scontrol show job -o` lines into task index → state. Pending
/// tasks are one line with a range (`ArrayTaskId=2-7%4` or `1,3`).
pub fn parse_states(text: &str) -> BTreeMap<usize, String> {
    let mut out = BTreeMap::new();
    for line in text.lines() {
        let field = |name: &str| {
            line.split_whitespace()
                .find_map(|w| w.strip_prefix(name))
                .map(str::to_owned)
        };
        let (Some(ids), Some(state)) = (field("ArrayTaskId="), field("JobState=")) else {
            continue;
        };
        let ids = ids.split('%').next().unwrap_or_default();
        for part in ids.split(',') {
            let (a, b) = part.split_once('-').unwrap_or((part, part));
            if let (Ok(a), Ok(b)) = (a.parse::<usize>(), b.parse::<usize>()) {
                for i in a..=b {
                    out.insert(i, state.clone());
                }
            }
        }
    }
    out
}

/// Run every chunk of the plan in `dir` on the cluster. Returns the state
/// each chunk ended in per round (for reports and tests).
pub fn run_chunks(
    dir: &Path,
    plan: &Plan,
    opts: &SlurmOptions,
    events: EventSink<'_>,
) -> Result<Vec<BTreeMap<usize, String>>> {
    let mut todo: Vec<usize> = (0..plan.chunks.len()).collect();
    let mut rounds = Vec::new();
    for round in 1..=opts.resubmits + 1 {
        let job = submit(dir, &todo, opts)?;
        let states = watch(&job, &todo, round, opts, events)?;
        todo = states
            .iter()
            .filter(|(_, s)| s.as_str() != "COMPLETED")
            .map(|(i, _)| *i)
            .collect();
        rounds.push(states);
        if todo.is_empty() {
            return Ok(rounds);
        }
        if round <= opts.resubmits {
            events(Event::Warning {
                message: format!(
                    "chunks {todo:?} failed in round {round} (job {job}); resubmitting only those"
                ),
            });
        }
    }
    Err(Error::Scheduler {
        message: format!(
            "chunks {todo:?} still failed after {} submissions; their logs are in {}",
            opts.resubmits + 1,
            dir.join("logs").display()
        ),
        evidence: None,
    })
}

/// Poll job `job` until every task in `indices` is final.
fn watch(
    job: &str,
    indices: &[usize],
    round: u32,
    opts: &SlurmOptions,
    events: EventSink<'_>,
) -> Result<BTreeMap<usize, String>> {
    let mut seen: BTreeMap<usize, String> = BTreeMap::new();
    loop {
        if opts
            .cancel
            .as_ref()
            .is_some_and(|c| c.load(Ordering::SeqCst))
        {
            let _ = run(Command::new("scancel").arg(job));
            return Err(Error::Cancelled);
        }
        let text = run(Command::new("scontrol").args(["show", "job", "-o", job]))?;
        for (i, state) in parse_states(&text) {
            if indices.contains(&i) && seen.get(&i) != Some(&state) {
                events(Event::Chunk {
                    index: i,
                    state: state.clone(),
                    round,
                });
                seen.insert(i, state);
            }
        }
        let done = indices
            .iter()
            .all(|i| seen.get(i).is_some_and(|s| FINAL.contains(&s.as_str())));
        if done {
            return Ok(seen);
        }
        std::thread::sleep(opts.poll);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_of_split_and_pending_tasks() {
        let text = "JobId=5 ArrayJobId=4 ArrayTaskId=1 JobState=RUNNING Reason=None\n\
                    JobId=4 ArrayJobId=4 ArrayTaskId=2-4,6%2 JobState=PENDING Reason=Resources\n\
                    JobId=7 ArrayJobId=4 ArrayTaskId=0 JobState=COMPLETED Reason=None";
        let s = parse_states(text);
        assert_eq!(s[&0], "COMPLETED");
        assert_eq!(s[&1], "RUNNING");
        for i in [2, 3, 4, 6] {
            assert_eq!(s[&i], "PENDING");
        }
        assert!(!s.contains_key(&5));
        assert_eq!(quote("a'b"), r"'a'\''b'");
    }
}
