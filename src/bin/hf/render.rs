//! `hf render`: argument parsing and glue for one render.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::Arc;
use std::time::Duration;

use clap::Args;
use hf::{Fps, Quality, RenderOptions, Workers};

use crate::progress::Progress;

/// Arguments of `hf render`.
#[derive(Args)]
pub struct RenderArgs {
    /// Composition folder, fixture folder (with src/), or index.html.
    input: PathBuf,
    /// Output MP4.
    #[arg(short, long)]
    output: PathBuf,
    /// Frame rate: an integer or a ratio like 30000/1001 (default: the
    /// composition's data-fps, else 30).
    #[arg(long)]
    fps: Option<Fps>,
    /// Encoder preset: draft, standard or high.
    #[arg(long, default_value = "standard")]
    quality: Quality,
    /// Capture browsers: auto or a number.
    #[arg(long, default_value = "auto")]
    workers: Workers,
    /// Variable overrides as a JSON object.
    #[arg(long)]
    variables: Option<String>,
    /// Variable overrides from a JSON file (merged under --variables).
    #[arg(long)]
    variables_file: Option<PathBuf>,
    /// Fail on overrides of undeclared or mistyped variables.
    #[arg(long)]
    strict_variables: bool,
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
    /// Also write the compiled HTML here.
    #[arg(long)]
    compiled_html: Option<PathBuf>,
    /// Write the perf summary as JSON here.
    #[arg(long)]
    perf_json: Option<PathBuf>,
    /// Time limit in seconds for any single browser call (seek, capture).
    #[arg(long, default_value_t = 30.0)]
    cdp_timeout: f64,
    /// Time limit in seconds for the page to become ready.
    #[arg(long, default_value_t = 30.0)]
    ready_timeout: f64,
    /// Capture every frame even when Chrome reports no change.
    #[arg(long)]
    no_damage_reuse: bool,
    /// Print the capture plan and every stage.
    #[arg(short, long)]
    verbose: bool,
}

/// Run the render; returns the process exit code.
pub fn run(args: RenderArgs) -> i32 {
    let variables = match load_variables(args.variables.as_deref(), args.variables_file.as_deref())
    {
        Ok(v) => v,
        Err(message) => {
            eprintln!("error: {message}");
            return 2;
        }
    };
    for (flag, v) in [
        ("--cdp-timeout", args.cdp_timeout),
        ("--ready-timeout", args.ready_timeout),
    ] {
        if !(v.is_finite() && v > 0.0) {
            eprintln!("error: {flag} must be a positive number of seconds");
            return 2;
        }
    }
    let cancel = Arc::new(AtomicBool::new(false));
    install_ctrlc(Arc::clone(&cancel));

    let mut opts = RenderOptions::new(&args.input, &args.output);
    opts.fps = args.fps;
    opts.quality = args.quality;
    opts.workers = args.workers;
    opts.variables = variables;
    opts.strict_variables = args.strict_variables;
    opts.offline |= args.offline;
    opts.chrome = args.chrome;
    opts.npm_dir = args.npm_dir;
    opts.compiled_html_out = args.compiled_html;
    opts.cdp_timeout = Duration::from_secs_f64(args.cdp_timeout);
    opts.ready_timeout = Duration::from_secs_f64(args.ready_timeout);
    opts.damage_aware = !args.no_damage_reuse;
    opts.cancel = Some(cancel);

    let progress = Progress::new(args.verbose);
    let result = hf::render(&opts, &|e| progress.event(e));
    progress.finish();
    match result {
        Ok(report) => {
            eprintln!("{}", crate::progress::summary(&report));
            if let Some(path) = &args.perf_json {
                let json = match serde_json::to_vec_pretty(&report.perf) {
                    Ok(j) => j,
                    Err(e) => {
                        eprintln!("error: cannot serialise the perf summary: {e}");
                        return 6;
                    }
                };
                if let Err(e) = hf::assemble::write_atomic(path, &json) {
                    eprintln!("error: {e}");
                    return e.exit_code();
                }
            }
            0
        }
        Err(e) => {
            eprintln!("error: {e}");
            e.exit_code()
        }
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

/// Merge `--variables-file` and `--variables` (the flag wins per key).
pub(crate) fn load_variables(
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
