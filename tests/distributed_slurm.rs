//! `hf render --distributed slurm` on a real Slurm cluster: the one
//! `SLURM_CONF` names (scripts/test.sh brings up scripts/slurm-local.sh
//! and always takes it down), or one this test brings up and takes down
//! itself. A chunk fails in the first round and is resubmitted alone; the
//! output decodes to the in-process render's frames and samples; a chunk
//! failing in every round and a refused submission are exit 10; Ctrl-C
//! cancels the array job. The chunk states seen are printed (run with
//! `--nocapture` to read them).

mod common;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use common::{fixture, framemd5};

/// The cluster, brought down on drop when this test started it.
struct Cluster {
    env: Vec<(String, String)>,
    owned: Option<tempfile::TempDir>,
}

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/slurm-local.sh")
}

impl Cluster {
    fn get() -> Self {
        if let Ok(conf) = std::env::var("SLURM_CONF") {
            return Self {
                env: vec![("SLURM_CONF".into(), conf)],
                owned: None,
            };
        }
        let dir = tempfile::tempdir().expect("a temp dir");
        let out = Command::new("bash")
            .arg(script())
            .arg("up")
            .env("HF_SLURM_DIR", dir.path().join("slurm"))
            .output()
            .expect("slurm-local.sh runs");
        let cluster = Self {
            env: String::from_utf8_lossy(&out.stdout)
                .lines()
                .filter_map(|l| l.strip_prefix("export ")?.split_once('='))
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect(),
            owned: Some(dir),
        };
        assert!(
            out.status.success(),
            "slurm-local.sh up failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            cluster.env.iter().any(|(k, _)| k == "SLURM_CONF"),
            "up prints export SLURM_CONF=…"
        );
        cluster
    }

    fn command(&self, program: &str) -> Command {
        let mut c = Command::new(program);
        c.envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        c
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        if let Some(dir) = &self.owned {
            let _ = Command::new("bash")
                .arg(script())
                .arg("down")
                .env("HF_SLURM_DIR", dir.path().join("slurm"))
                .status();
        }
    }
}

fn s(p: &Path) -> &str {
    p.to_str().expect("a UTF-8 path")
}

/// `hf render FIXTURE -o OUT --crf 0 ARGS…` on the cluster.
fn hf_render(cluster: &Cluster, name: &str, out: &Path, args: &[&str]) -> Command {
    let mut c = cluster.command(env!("CARGO_BIN_EXE_hf"));
    c.args(["render", s(&fixture(name)), "-o", s(out), "--crf", "0"])
        .args(args)
        .env("CI", "1");
    c
}

fn decoded(path: &Path) -> (Vec<String>, Vec<f32>) {
    let audio = hf::decode::decode_audio(path, 48_000, 2).unwrap_or_default();
    (framemd5(path), audio)
}

#[test]
fn slurm_renders_resubmits_the_failed_chunk_cancels_on_ctrl_c_and_matches_in_process() {
    let started = Instant::now();
    let cluster = Cluster::get();
    let tmp = tempfile::tempdir().expect("a temp dir");
    let out = tmp.path().join("slurm.mp4");
    let o = hf_render(&cluster, "audio-media-start", &out, &[])
        .args(["--distributed", "slurm", "--chunks", "3"])
        .args(["--cpus-per-task", "1", "--chunk-retries", "0"])
        .args(["--plan-dir", s(&tmp.path().join("plan"))])
        .env("HF_TEST_FAIL_CHUNK", "1")
        .output()
        .expect("hf runs");
    let err = String::from_utf8_lossy(&o.stderr);
    let states: Vec<&str> = err.lines().filter(|l| l.starts_with("chunk ")).collect();
    eprintln!(
        "slurm render: {:.1} s, chunk states seen:\n  {}",
        started.elapsed().as_secs_f64(),
        states.join("\n  ")
    );
    assert!(o.status.success(), "{err}");
    for want in [
        "chunk 1: FAILED (round 1)",
        "chunk 1: COMPLETED (round 2)",
        "chunk 0: COMPLETED (round 1)",
        "chunk 2: COMPLETED (round 1)",
    ] {
        assert!(states.contains(&want), "expected {want:?} among {states:?}");
    }
    assert!(
        !states
            .iter()
            .any(|l| l.ends_with("(round 2)") && !l.starts_with("chunk 1:")),
        "only the failed chunk is resubmitted: {states:?}"
    );

    let local = tmp.path().join("in-process.mp4");
    let o = hf_render(&cluster, "audio-media-start", &local, &[])
        .output()
        .expect("hf runs");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let (got, want) = (decoded(&out), decoded(&local));
    assert_eq!(got.0.len(), 90, "every frame is there");
    assert!(got.0 == want.0, "Slurm and in-process frames differ");
    assert!(
        !got.1.is_empty() && got.1 == want.1,
        "Slurm and in-process audio samples differ"
    );
    eprintln!(
        "slurm output: {} frames framemd5-equal and {} samples equal to the in-process render",
        got.0.len(),
        got.1.len()
    );
    scheduler_failures_exit_10(&cluster, tmp.path());
    cancel_on_ctrl_c(&cluster, tmp.path());
    eprintln!(
        "slurm end-to-end test: {:.1} s",
        started.elapsed().as_secs_f64()
    );
}

/// A chunk that fails in every round, and an sbatch that refuses the job,
/// are exit 10 with what failed.
fn scheduler_failures_exit_10(cluster: &Cluster, dir: &Path) {
    let o = hf_render(cluster, "audio-media-start", &dir.join("never.mp4"), &[])
        .args([
            "--distributed",
            "slurm",
            "--chunks",
            "2",
            "--resubmits",
            "0",
        ])
        .args(["--cpus-per-task", "1", "--chunk-retries", "0"])
        .args(["--plan-dir", s(&dir.join("plan-never"))])
        .env("HF_TEST_FAIL_CHUNK", "0")
        .output()
        .expect("hf runs");
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(10), "{err}");
    assert!(
        err.contains("chunks [0] still failed after 1 submissions") && err.contains("logs"),
        "{err}"
    );
    assert!(!dir.join("never.mp4").exists(), "no output");
    let o = hf_render(cluster, "audio-media-start", &dir.join("nope.mp4"), &[])
        .args(["--distributed", "slurm", "--partition", "no-such-partition"])
        .args(["--plan-dir", s(&dir.join("plan-nope"))])
        .output()
        .expect("hf runs");
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(10), "{err}");
    assert!(
        err.contains("sbatch") && err.contains("no-such-partition") && err.contains("exit status"),
        "{err}"
    );
    eprintln!("scheduler failures, as hf reports them:\n{err}");
}

/// SIGINT while a task runs: hf scancels its job and exits 130.
fn cancel_on_ctrl_c(cluster: &Cluster, dir: &Path) {
    let mut child = hf_render(cluster, "video-loop-hold", &dir.join("cancel.mp4"), &[])
        .args(["--distributed", "slurm", "--chunks", "2"])
        .args(["--cpus-per-task", "1"])
        .args(["--plan-dir", s(&dir.join("plan-cancel"))])
        .stderr(Stdio::piped())
        .spawn()
        .expect("hf runs");
    let stderr = child.stderr.take().expect("piped stderr");
    let (tx, rx) = mpsc::channel();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut seen = Vec::new();
    while !seen.iter().any(|l: &String| l.contains(": RUNNING")) {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(line) => seen.push(line),
            Err(_) => {
                let _ = child.kill();
                panic!("no chunk started running: {seen:?}");
            }
        }
    }
    // SAFETY: kill(2) on the pid of a child we started and have not reaped.
    let rc = unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    assert_eq!(rc, 0, "SIGINT sent");
    let status = child.wait().expect("hf exits");
    let _ = reader.join();
    seen.extend(rx.try_iter());
    eprintln!("cancelled render said:\n  {}", seen.join("\n  "));
    assert_eq!(status.code(), Some(130), "{seen:?}");
    let queue = cluster
        .command("squeue")
        .args(["-h", "-n", "hf-chunk", "-o", "%i %T"])
        .output()
        .expect("squeue runs");
    let queue = String::from_utf8_lossy(&queue.stdout);
    let live: Vec<&str> = queue
        .lines()
        .filter(|l| !l.contains("CANCELLED") && !l.contains("COMPLET"))
        .collect();
    assert!(live.is_empty(), "jobs left after Ctrl-C: {live:?}");
}
