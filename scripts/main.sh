#!/usr/bin/env bash
# The main job: set up (idempotent), then run the regression harness over
# the bundled fixtures, rendering each with Chromium and FFmpeg and scoring
# it against its golden. Extra arguments go to hf-regress.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec ./target/release/hf-regress "$@"
