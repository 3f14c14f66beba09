//! `hf-regress` as a library: the fixture model, golden files and their
//! provenance, scoring, the parallel runner, reports and JUnit, so that the
//! `hf-regress` binary stays glue and hf's own integration tests read a
//! fixture's `meta.json` exactly as the harness does.

pub mod fixture;
pub mod golden;
pub mod interrupt;
pub mod junit;
pub mod model;
pub mod progress;
pub mod report;
pub mod review;
pub mod runner;
pub mod score;
pub mod shard;
#[cfg(test)]
mod testutil;
