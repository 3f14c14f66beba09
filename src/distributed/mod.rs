//! Distributed rendering: one render split into a frozen plan, chunks that
//! any machine with the same environment renders independently, and an
//! assembly step that joins them without re-encoding.
//!
//! - [`plan`]: `plan.json`, the chunk ranges, input hashes and environment.
//! - [`environment`]: the fingerprint a chunk worker checks before rendering.
//! - [`make_plan`]: the first step, writing a plan folder on storage every
//!   worker sees.
//! - [`slurm`]: drives the steps on a Slurm cluster.

pub mod environment;
pub mod plan;

pub use environment::Environment;
pub use plan::{Chunking, Plan, PLAN_VERSION};
pub mod make;
pub mod slurm;

pub use make::make_plan;
