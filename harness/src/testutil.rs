//! Test helpers: media made with the `ffmpeg` CLI (installed wherever hf
//! builds, since hf links libav*).

use std::path::Path;
use std::process::Command;

/// Run `ffmpeg -y <args>` in `dir` (arguments split on whitespace); panic
/// with its stderr on failure.
pub fn ffmpeg(dir: &Path, args: &str) {
    let out = Command::new("ffmpeg")
        .args(["-hide_banner", "-loglevel", "error", "-y"])
        .args(args.split_whitespace())
        .current_dir(dir)
        .output()
        .expect("the ffmpeg CLI must be installed for these tests");
    assert!(
        out.status.success(),
        "ffmpeg {args} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}
