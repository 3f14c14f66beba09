#!/usr/bin/env bash
# The quality gates, run by scripts/test.sh before the tests and by the CI
# workflow's gates job: formatting, clippy over every target and rustdoc,
# each with warnings denied, so none of their findings can land. Lints
# themselves live in Cargo.toml's [workspace.lints] (every crate shares
# them). The release profile is the one the tests build with, so clippy's
# and rustdoc's dependency metadata is built once and shared between them.
set -euo pipefail
cd "$(dirname "$0")/.."
say() { printf '[gates] %s\n' "$*" >&2; }
say "cargo fmt --check"
cargo fmt --all --check
say "cargo clippy --workspace --all-targets -- -D warnings"
cargo clippy --release --workspace --all-targets --quiet -- -D warnings
say "cargo doc --no-deps (RUSTDOCFLAGS=-D warnings)"
RUSTDOCFLAGS="-D warnings" cargo doc --release --workspace --no-deps --quiet
