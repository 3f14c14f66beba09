#!/usr/bin/env bash
# The test command: set up (idempotent), the quality gates (rustfmt, clippy,
# rustdoc, warnings denied: scripts/gates.sh), then every test of the
# workspace in release mode (the integration tests render real video).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# The set-up script is what Dockerfile.test runs (Docker cannot run here),
# so test it: a second run must install nothing, and the image must use it.
if bash scripts/setup.sh 2>&1 | grep -E 'installing|warning|error'; then
  echo "scripts/setup.sh is not idempotent: its second run did the above" >&2; exit 1
fi
grep -q 'bash scripts/setup.sh' Dockerfile.test || { echo "Dockerfile.test does not run scripts/setup.sh" >&2; exit 1; }
# Dockerfile.test reads the snapshot time from this line (scripts/bump-pins.sh writes it).
grep -qE '^# snapshot: [0-9]{8}T[0-9]{6}Z$' scripts/pins.txt || { echo "scripts/pins.txt has no '# snapshot: YYYYMMDDTHHMMSSZ' line" >&2; exit 1; }
bash scripts/lint-workflows.sh
bash scripts/gates.sh
# The Slurm end-to-end test (tests/distributed_slurm.rs) runs on a local
# cluster of its own folder; the trap takes it down however the tests end
# (an interrupt exits, which runs the EXIT trap), so no daemon outlives them.
export HF_SLURM_DIR="${TMPDIR:-/tmp}/hf-slurm-test-$$"
trap 'bash scripts/slurm-local.sh down' EXIT
trap 'exit 130' INT TERM
eval "$(bash scripts/slurm-local.sh up)"
cargo test --release --workspace 2>&1
