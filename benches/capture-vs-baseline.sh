#!/usr/bin/env bash
# Capture speed against a baseline build, in one run (issue #11 part 1: the
# per-frame layer reset must keep capture within 10 % of the build before it).
#
#   benches/capture-vs-baseline.sh [RUNS=3] [FIXTURE...]
#   BASE_BIN=/path/to/old/hf  or  BASE_REV=<commit> (built in a worktree
#   into target/bench-baseline, once); HF_ARGS: more render flags for both
#   (HF_ARGS=--no-damage-reuse measures capture without frame reuse)
#
# For each fixture (default gsap-letters many-cuts waapi-cards css-spinner)
# it renders RUNS times with the baseline and with this checkout's
# target/release/hf, alternating (base, new, base, new…) at 1 and 2 workers
# so machine noise falls on both alike. It prints the median wall seconds
# and the median capture-stage milliseconds per frame (from each build's
# perf JSON), and new/base for both. Noise on a shared machine is a few
# per cent; read the ratio, not the seconds.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-3}; shift $(( $# > 0 ? 1 : 0 )) || true
FIXTURES=("$@"); [ ${#FIXTURES[@]} -gt 0 ] || FIXTURES=(gsap-letters many-cuts waapi-cards css-spinner)
NEW=$(pwd)/target/release/hf
[ -x "$NEW" ] || cargo build --release -p hf
if [ -z "${BASE_BIN:-}" ]; then
  [ -n "${BASE_REV:-}" ] || { echo "set BASE_BIN=/path/to/hf or BASE_REV=<commit>" >&2; exit 2; }
  WT=target/bench-baseline/src
  [ -d "$WT" ] || git worktree add --detach "$WT" "$BASE_REV" >/dev/null
  (cd "$WT" && cargo build --release -p hf --target-dir ../target >/dev/null)
  # Builds from before the package cache look CDN packages up in their own
  # tools/npm/node_modules: lend them this checkout's.
  if [ -d "$WT/tools/npm" ] && [ ! -e "$WT/tools/npm/node_modules" ]; then
    ln -s "$(pwd)/tools/npm/node_modules" "$WT/tools/npm/node_modules"
  fi
  BASE_BIN=$(pwd)/target/bench-baseline/target/release/hf
fi
OUT=${OUT:-/tmp/hf-capture-vs-baseline}; rm -rf "$OUT"; mkdir -p "$OUT"
median() { sort -g | awk '{a[NR]=$1} END{ if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2 }'; }
printf '%-14s %2s %9s %9s %7s %12s %12s %7s\n' fixture w base_s new_s ratio base_cap_ms new_cap_ms ratio
for FIX in "${FIXTURES[@]}"; do
  for w in 1 2; do
    for i in $(seq 1 "$RUNS"); do
      for side in base new; do
        bin=$NEW; [ $side = base ] && bin=$BASE_BIN
        json=$OUT/$FIX-$w-$side-$i.json
        "$bin" render "fixtures/$FIX" -o "$OUT/$side.mp4" --workers "$w" --offline ${HF_ARGS:-} \
          --perf-json "$json" >/dev/null 2>"$OUT/$FIX-$w-$side-$i.log" \
          || { echo "$side render of $FIX failed: see $OUT/$FIX-$w-$side-$i.log" >&2; exit 1; }
        python3 - "$json" "$side" >>"$OUT/$FIX-$w.tsv" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
st = d["stages"]
cap = st.get("capture", st.get("capture_encode", 0)) / max(d["frames"], 1)
print(f"{sys.argv[2]}\t{st['total']/1000:.3f}\t{cap:.2f}")
PY
      done
    done
    col() { awk -F'\t' -v s="$1" -v c="$2" '$1==s{print $c}' "$OUT/$FIX-$w.tsv" | median; }
    bw=$(col base 2); nw=$(col new 2); bc_=$(col base 3); nc=$(col new 3)
    printf '%-14s %2s %9.2f %9.2f %7.3f %12.2f %12.2f %7.3f\n' "$FIX" "$w" "$bw" "$nw" \
      "$(echo "$nw / $bw" | bc -l)" "$bc_" "$nc" "$(echo "$nc / $bc_" | bc -l)"
  done
done
