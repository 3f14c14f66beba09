//! `hf-regress --root DIR` over a suite in the reference renderer's layout
//! (`tests/<name>/meta.json`, `src/`, `output/output.mp4`): detection, the
//! reference's own meta.json fields, real renders judged against goldens
//! in `output/`, pending goldens written there by `--update`, and `hdr`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A tiny composition: a box of `colour` on black, 64×48, half a second.
fn composition(colour: &str) -> String {
    format!(
        r#"<!DOCTYPE html><html><head><style>
  html, body {{ margin: 0; background: #000; overflow: hidden; }}
  #b {{ position: absolute; left: 16px; top: 12px; width: 32px; height: 24px; background: {colour}; }}
</style></head><body>
<div id="root" data-composition-id="main" data-width="64" data-height="48" data-duration="0.5"
     data-fps="10" data-no-timeline><div id="b"></div></div></body></html>"#
    )
}

/// Add `tests/<name>/` with a reference-style meta.json (display name,
/// reference-only renderConfig fields) and the box in `colour`.
fn add(root: &Path, name: &str, colour: &str, render_config: serde_json::Value) -> PathBuf {
    let dir = root.join("tests").join(name);
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::write(dir.join("src/index.html"), composition(colour)).unwrap();
    let meta = serde_json::json!({
        "name": format!("Display Name Of {name}"),
        "description": "a box",
        "tags": ["regression"],
        "minPsnr": 30,
        "maxFrameFailures": 0,
        "minAudioCorrelation": 0,
        "maxAudioLagWindows": 1,
        "renderConfig": render_config
    });
    std::fs::write(dir.join("meta.json"), meta.to_string()).unwrap();
    dir
}

fn run(root: &Path, args: &[&str]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_hf-regress"));
    c.arg("--root").arg(root).args(args);
    if args.first() != Some(&"accept") {
        c.arg("--report").arg(root.join("reports"));
    }
    c.env_remove("CI")
        .env(
            "HF_NPM_DIR",
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../tools/npm/node_modules"),
        )
        .output()
        .unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn a_reference_suite_is_read_as_it_stands_and_judged_against_its_own_output() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let cfg = serde_json::json!({ "fps": 10, "workers": 1, "codec": "h264", "chunkSize": 240 });
    let blue = add(root, "blue-box", "#2060c0", cfg.clone());
    let red = add(root, "red-box", "#2060c0", cfg.clone());
    add(
        root,
        "hdr-box",
        "#2060c0",
        serde_json::json!({ "fps": 10, "hdr": true }),
    );

    let listed = run(root, &["--list"]);
    assert_eq!(listed.status.code(), Some(0), "{}", text(&listed));
    assert_eq!(
        String::from_utf8_lossy(&listed.stdout)
            .lines()
            .collect::<Vec<_>>(),
        ["blue-box", "hdr-box", "red-box"],
        "expected the layout detected and the folders as ids"
    );

    // Goldens made by hf: pending files in output/, then accepted.
    let o = run(root, &["--update", "blue-box", "red-box"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(
        text(&o).contains("renderConfig.codec") && text(&o).contains("renderConfig.chunkSize"),
        "expected warnings naming the unhonoured fields, saw:\n{}",
        text(&o)
    );
    let pending = blue.join("output/output.mp4.pending");
    assert!(pending.is_file(), "expected {}", pending.display());
    let o = run(root, &["accept"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(blue.join("output/output.mp4").is_file());
    assert!(blue.join("output/compiled.html").is_file());

    // The reference's golden has no compiled HTML: that check is skipped.
    std::fs::remove_file(red.join("output/compiled.html")).unwrap();
    let o = run(root, &["blue-box", "red-box"]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "expected both to pass:\n{}",
        text(&o)
    );
    let run_json = std::fs::read_to_string(root.join("reports/latest/run.json")).unwrap();
    assert!(
        run_json.contains("compiled-HTML check is skipped"),
        "expected red-box's skipped compiled check among the warnings, saw {run_json}"
    );

    // A real change fails with exit 1; hdr: true fails naming the field.
    std::fs::write(red.join("src/index.html"), composition("#c03020")).unwrap();
    let o = run(root, &[]);
    assert_eq!(
        o.status.code(),
        Some(1),
        "expected a regression:\n{}",
        text(&o)
    );
    let t = text(&o);
    assert!(
        t.contains("renderConfig.hdr"),
        "expected hdr named, saw:\n{t}"
    );
    let verdicts = std::fs::read_to_string(root.join("reports/latest/run.json")).unwrap();
    let run: serde_json::Value = serde_json::from_str(&verdicts).unwrap();
    let verdict = |n: &str| {
        run["fixtures"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["name"] == n)
            .map(|f| f["verdict"].as_str().unwrap_or("").to_owned())
            .unwrap_or_default()
    };
    assert_eq!(verdict("blue-box"), "pass");
    assert_eq!(verdict("red-box"), "fail");
    assert_eq!(verdict("hdr-box"), "fail");
}
