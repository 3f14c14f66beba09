#!/usr/bin/env bash
# The test command: set up (idempotent), then run every test of the
# workspace in release mode (the integration tests render real video).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cargo test --release --workspace 2>&1
