//! Distributed rendering: one render split into a frozen plan, chunks that
//! any machine with the same environment renders independently, and an
//! assembly step that joins them without re-encoding.
//!
//! - [`plan`]: `plan.json`, the chunk ranges, input hashes and environment.
//! - [`environment`]: the fingerprint a chunk worker checks before rendering.
//! - [`make`]: the first step, writing a plan folder on storage every
//!   worker sees.
//! - [`chunk`]: `hf render-chunk`, one chunk on whatever machine runs it.
//! - [`join`]: `hf assemble`, the chunks into the output.
//! - [`run`]: `hf render --distributed`, the three steps in one call, with
//!   the chunks in this process or on a [`slurm`] cluster.

pub mod chunk;
pub mod environment;
pub mod join;
pub mod make;
pub mod plan;
pub mod run;
pub mod slurm;

pub use chunk::{render_chunk, ChunkOptions, ChunkOutcome};
pub use environment::Environment;
pub use join::{assemble, Assembled};
pub use make::make_plan;
pub use plan::{Chunking, Plan, PLAN_VERSION};
pub use run::{render_distributed, DistributedReport, Runner};
pub use slurm::SlurmOptions;
