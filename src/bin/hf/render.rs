//! `hf render`: argument parsing and glue for one render.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::Arc;
use std::time::Duration;

use clap::Args;
use hf::{Codec, Format, Fps, FrameRange, Quality, RenderOptions, Workers};

use crate::progress::Progress;

/// Arguments of `hf render`.
#[derive(Args)]
pub struct RenderArgs {
    /// Composition, browser and progress settings (shared with `hf snapshot`).
    #[command(flatten)]
    page: PageArgs,
    /// Output file (.mp4, .webm, .mov, .gif) or folder (png-sequence).
    #[arg(short, long)]
    output: PathBuf,
    #[command(flatten)]
    encoder: EncoderArgs,
    /// Render only frames A to B, both inclusive, 0-based (frame k is the
    /// page at k / fps seconds), e.g. --frames 30-59.
    #[arg(long)]
    frames: Option<FrameRange>,
    /// Encoder preset: draft, standard or high.
    #[arg(long, default_value = "standard")]
    quality: Quality,
    /// Capture browsers: auto or a number.
    #[arg(long, default_value = "auto")]
    workers: Workers,
    /// Also write the compiled HTML here.
    #[arg(long)]
    compiled_html: Option<PathBuf>,
    /// Write the perf summary as JSON here.
    #[arg(long)]
    perf_json: Option<PathBuf>,
    /// Capture every frame even when Chrome reports no change.
    #[arg(long)]
    no_damage_reuse: bool,
    /// `--distributed slurm|local` and its flags.
    #[command(flatten)]
    distributed: crate::distributed::DistributedArgs,
}

/// The output format and encoder flags (shared with `hf plan`, which
/// freezes them for every chunk).
#[derive(Args)]
pub struct EncoderArgs {
    /// Output format (default: from the output's extension; a name without
    /// one is a png-sequence folder).
    #[arg(long)]
    pub format: Option<Format>,
    /// Video codec of an MP4: h264 (default) or h265.
    #[arg(long)]
    pub codec: Option<Codec>,
    /// Constant rate factor (mp4: 0-51, webm: 0-63) instead of the
    /// quality preset's; not with --video-bitrate.
    #[arg(long)]
    pub crf: Option<u32>,
    /// Average video bitrate (e.g. 5M, 800k, 2500000) instead of a CRF.
    #[arg(long, value_parser = parse_bitrate)]
    pub video_bitrate: Option<u64>,
    /// x264/x265 preset (ultrafast … veryslow) instead of the quality's.
    #[arg(long)]
    pub preset: Option<String>,
    /// GIF loop count: 0 loops forever, N plays N+1 times.
    #[arg(long, default_value_t = 0)]
    pub gif_loop: u16,
}

impl EncoderArgs {
    /// The library's output settings for these flags (no chunk GOP).
    pub fn settings(&self) -> hf::OutputSettings {
        hf::OutputSettings {
            format: self.format,
            codec: self.codec,
            crf: self.crf,
            video_bitrate: self.video_bitrate,
            preset: self.preset.clone(),
            gif_loop: self.gif_loop,
            gop: None,
        }
    }
}

/// What `hf render` and `hf snapshot` share: the composition, its
/// variables, the browser and the progress display.
#[derive(Args)]
pub struct PageArgs {
    /// Composition folder, fixture folder (with src/), or index.html.
    input: PathBuf,
    /// Frame rate: an integer or a ratio like 30000/1001 (default: the
    /// composition's data-fps, else 30).
    #[arg(long)]
    fps: Option<Fps>,
    /// The composition's variable overrides.
    #[command(flatten)]
    variables: VariableArgs,
    /// Block every external request that is not a known CDN package
    /// (default when CI is set).
    #[arg(long)]
    offline: bool,
    /// Chrome binary (default: Debian's chromium-headless-shell).
    #[arg(long)]
    chrome: Option<PathBuf>,
    /// Folder of npm packages served for CDN URLs (default: HF_NPM_DIR or
    /// the source tree's tools/npm/node_modules).
    #[arg(long)]
    npm_dir: Option<PathBuf>,
    /// Time limit in seconds for any single browser call (seek, capture).
    #[arg(long, default_value_t = 30.0)]
    cdp_timeout: f64,
    /// Time limit in seconds for the page to become ready.
    #[arg(long, default_value_t = 30.0)]
    ready_timeout: f64,
    /// Print the capture plan and every stage.
    #[arg(short, long)]
    pub verbose: bool,
}

impl PageArgs {
    /// Options for rendering to `output`, with Ctrl-C wired to cancel;
    /// `Err` is the exit code after the message was printed.
    pub fn options(&self, output: &std::path::Path) -> Result<RenderOptions, i32> {
        for (flag, v) in [
            ("--cdp-timeout", self.cdp_timeout),
            ("--ready-timeout", self.ready_timeout),
        ] {
            if !(v.is_finite() && v > 0.0) {
                eprintln!("error: {flag} must be a positive number of seconds");
                return Err(2);
            }
        }
        let cancel = Arc::new(AtomicBool::new(false));
        install_ctrlc(Arc::clone(&cancel));
        let mut opts = RenderOptions::new(&self.input, output);
        self.variables.apply(&mut opts).map_err(|message| {
            eprintln!("error: {message}");
            2
        })?;
        opts.fps = self.fps;
        opts.offline |= self.offline;
        opts.chrome = self.chrome.clone();
        opts.npm_dir = self.npm_dir.clone();
        opts.cdp_timeout = Duration::from_secs_f64(self.cdp_timeout);
        opts.ready_timeout = Duration::from_secs_f64(self.ready_timeout);
        opts.cancel = Some(cancel);
        Ok(opts)
    }
}

/// Run the render; returns the process exit code.
pub fn run(args: RenderArgs) -> i32 {
    let mut opts = match args.page.options(&args.output) {
        Ok(o) => o,
        Err(code) => return code,
    };
    opts.output_settings = args.encoder.settings();
    opts.frames = args.frames;
    opts.quality = args.quality;
    opts.workers = args.workers;
    opts.compiled_html_out = args.compiled_html;
    opts.damage_aware = !args.no_damage_reuse;

    let perf_json = args.perf_json.as_deref();
    if let Some(code) =
        crate::distributed::run(&args.distributed, &opts, args.page.verbose, perf_json)
    {
        return code;
    }
    let progress = Progress::new(args.page.verbose);
    let result = hf::render(&opts, &|e| progress.event(e));
    progress.finish();
    match result {
        Ok(report) => {
            eprintln!("{}", crate::progress::summary(&report));
            write_perf(perf_json, &report.perf)
        }
        Err(e) => {
            eprintln!("error: {e}");
            e.exit_code()
        }
    }
}

/// Write `--perf-json` when asked; the exit code (0, or 6 and a message).
pub(crate) fn write_perf(path: Option<&std::path::Path>, perf: &hf::PerfSummary) -> i32 {
    let Some(path) = path else { return 0 };
    let json = match serde_json::to_vec_pretty(perf) {
        Ok(j) => j,
        Err(e) => {
            eprintln!("error: cannot serialise the perf summary: {e}");
            return 6;
        }
    };
    match hf::assemble::write_atomic(path, &json) {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("error: {e}");
            e.exit_code()
        }
    }
}

/// `5M`, `800k` or a plain number of bits per second.
fn parse_bitrate(s: &str) -> Result<u64, String> {
    let (digits, scale) = match s.chars().last() {
        Some('k' | 'K') => (&s[..s.len() - 1], 1_000.0),
        Some('m' | 'M') => (&s[..s.len() - 1], 1_000_000.0),
        _ => (s, 1.0),
    };
    match digits.parse::<f64>() {
        Ok(v) if v.is_finite() && v > 0.0 => Ok((v * scale).round() as u64),
        _ => Err(format!(
            "invalid bitrate {s:?}: expected bits per second like 5M, 800k or 2500000"
        )),
    }
}

/// First Ctrl-C: stop capturing, clean up, exit 130. Second: kill Chrome
/// at once and exit.
pub(crate) fn install_ctrlc(cancel: Arc<AtomicBool>) {
    let presses = AtomicU8::new(0);
    let _ = ctrlc::set_handler(move || {
        if presses.fetch_add(1, Ordering::SeqCst) == 0 {
            eprintln!("\ninterrupted: stopping (press Ctrl-C again to kill Chrome now)");
            cancel.store(true, Ordering::SeqCst);
        } else {
            hf::capture::kill_all_browsers();
            std::process::exit(130);
        }
    });
}

/// `--variables`, `--variables-file` and `--strict-variables`: shared by
/// every command that compiles a composition (`render`, `snapshot`, `plan`).
#[derive(Args)]
pub struct VariableArgs {
    /// Variable overrides as a JSON object.
    #[arg(long)]
    variables: Option<String>,
    /// Variable overrides from a JSON file (merged under --variables).
    #[arg(long)]
    variables_file: Option<PathBuf>,
    /// Fail on overrides of undeclared or mistyped variables.
    #[arg(long)]
    strict_variables: bool,
}

impl VariableArgs {
    /// Load the overrides into `opts`; `Err` is the message naming the flag.
    pub fn apply(&self, opts: &mut RenderOptions) -> Result<(), String> {
        opts.variables = load_variables(self.variables.as_deref(), self.variables_file.as_deref())?;
        opts.strict_variables = self.strict_variables;
        Ok(())
    }
}

/// Merge `--variables-file` and `--variables` (the flag wins per key).
fn load_variables(
    inline: Option<&str>,
    file: Option<&std::path::Path>,
) -> Result<Option<serde_json::Value>, String> {
    let parse =
        |text: &str, what: &str| -> Result<serde_json::Map<String, serde_json::Value>, String> {
            match serde_json::from_str::<serde_json::Value>(text) {
                Ok(serde_json::Value::Object(m)) => Ok(m),
                Ok(_) => Err(format!(
                    "{what} must be a JSON object, like '{{\"title\":\"Hi\"}}'"
                )),
                Err(e) => Err(format!("{what} is not valid JSON: {e}")),
            }
        };
    let mut merged = serde_json::Map::new();
    if let Some(path) = file {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("--variables-file {}: {e}", path.display()))?;
        merged.extend(parse(
            &text,
            &format!("--variables-file {}", path.display()),
        )?);
    }
    if let Some(text) = inline {
        merged.extend(parse(text, "--variables")?);
    }
    Ok((file.is_some() || inline.is_some()).then_some(serde_json::Value::Object(merged)))
}
