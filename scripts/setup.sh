#!/usr/bin/env bash
# Installs everything hf needs on Debian 12, idempotently: Debian packages
# (Chromium's headless shell, FFmpeg and its -dev libraries, fonts, clang for
# bindgen), the npm packages served for CDN URLs (gsap), the release
# build, and the package cache for the fixtures (hf fetch). Dockerfile.test runs this same script, so CI and the pinned image
# cannot drift apart. Nothing is downloaded from outside the registries.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
say() { printf '[setup] %s\n' "$*" >&2; }

# --- Debian packages ---------------------------------------------------------
apt_wanted=()
while read -r line; do
  line=${line%%#*}; line=${line// /}
  [ -n "$line" ] && apt_wanted+=("$line")
done < scripts/pins.txt

missing=()
for spec in "${apt_wanted[@]}"; do
  pkg=${spec%%=*}
  want=${spec#*=}; [ "$want" = "$spec" ] && want=
  # Node and npm may come from elsewhere (nodesource, nvm): any will do.
  if { [ "$pkg" = nodejs ] && command -v node >/dev/null; } || { [ "$pkg" = npm ] && command -v npm >/dev/null; }; then
    continue
  fi
  have=$(dpkg-query -W -f='${Status} ${Version}' "$pkg" 2>/dev/null | awk '$3=="installed"{print $4}') || true
  if [ -z "$have" ] || { [ -n "$want" ] && [ "$have" != "$want" ] && [ "${HF_STRICT_PINS:-0}" = 1 ]; }; then
    missing+=("$spec")
  elif [ -n "$want" ] && [ "$have" != "$want" ]; then
    say "note: $pkg is $have, goldens were made with $want (hf-regress reports this drift)"
  fi
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=; [ "$(id -u)" = 0 ] || SUDO=sudo
  say "installing Debian packages: ${missing[*]}"
  $SUDO apt-get update -qq
  install=()
  for spec in "${missing[@]}"; do
    pkg=${spec%%=*}; want=${spec#*=}
    if [ "$want" != "$spec" ] && ! apt-cache madison "$pkg" | awk -F'|' '{gsub(/ /,"",$2); print $2}' | grep -qxF "$want"; then
      if [ "${HF_STRICT_PINS:-0}" = 1 ]; then
        say "error: $pkg=$want is no longer served by the Debian mirror; bump scripts/pins.txt and regenerate the goldens"
        exit 1
      fi
      say "warning: $pkg=$want is not available; installing the current $pkg"
      install+=("$pkg")
    else
      install+=("$spec")
    fi
  done
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends --allow-downgrades "${install[@]}" >/dev/null
  command -v fc-cache >/dev/null && fc-cache -f >/dev/null 2>&1 || true
fi

# --- npm packages served for CDN URLs -----------------------------------------
stamp=$(sha256sum tools/npm/package-lock.json | cut -d' ' -f1)
if [ "$(cat tools/npm/node_modules/.hf-stamp 2>/dev/null)" != "$stamp" ]; then
  say "installing npm packages (tools/npm)"
  (cd tools/npm && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  echo "$stamp" > tools/npm/node_modules/.hf-stamp
fi

# --- Rust build -----------------------------------------------------------------
if ! command -v cargo >/dev/null; then
  say "error: cargo not found; install Rust (rustup) first"
  exit 1
fi
say "building (cargo build --release --workspace)"
cargo build --release --workspace --quiet
# --- packages the fixtures and test compositions load from CDN URLs ------------
# `hf fetch` fills the package cache ($HF_CACHE, default ~/.cache/hf) with the
# exact versions and fonts they ask for, so tests and CI render offline. Its
# report goes to a log (families found nowhere are expected there); only a
# failure is printed.
log=$ROOT/target/hf-fetch.log
if ! ./target/release/hf fetch fixtures/*/ tests/compositions/*/ >"$log" 2>&1; then
  say "error: hf fetch failed (full report: $log):"
  grep -E '^error' "$log" | head -20 >&2
  exit 1
fi
say "ready: $ROOT/target/release/hf and $ROOT/target/release/hf-regress"
