//! `hf` turns HTML animation compositions into video: compile the HTML,
//! probe it in headless Chromium, mix the audio, decode the frames its
//! `<video>` elements show, capture every frame,
//! encode with x264 and assemble an MP4.
//!
//! The modules follow the pipeline's stages; [`render`] runs them in order
//! and reports progress as [`Event`]s through a caller-supplied sink.

pub mod assemble;
pub mod audio;
pub mod capture;
pub mod compile;
pub mod config;
pub mod decode;
pub mod encode;
pub mod error;
pub mod events;
pub mod packages;
pub mod perf;
mod pipeline;
pub mod probe;
pub mod sys;
pub mod video;

pub use config::{Fps, Quality, RenderOptions, Workers};
pub use error::{Error, Evidence, Result};
pub use events::{Event, EventSink, Stage};
pub use perf::PerfSummary;
pub use pipeline::{default_npm_dir, render, RenderReport};

/// The hf version, recorded in perf summaries and golden provenance.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
