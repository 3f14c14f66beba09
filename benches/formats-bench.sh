#!/usr/bin/env bash
# Output formats benchmark (issue #10: every output format behind one seam).
#
#   benches/formats-bench.sh [FIXTURE=gsap-letters] [QUALITY=standard] [FORMATS...]
#
# Renders one fixture (default gsap-letters, 1920x1080, 120 frames) once
# per format, in one invocation so every figure shares the machine's state,
# and prints per format: output size, wall seconds, frames per wall second
# (from hf's perf JSON) and the ratio of each against mp4 (H.264) in the
# same run. Formats with alpha capture PNG instead of JPEG; that, and the
# encoder, are what the table measures.
set -euo pipefail
cd "$(dirname "$0")/.."
FIX=${1:-gsap-letters}; Q=${2:-standard}; shift $(( $# > 2 ? 2 : $# )) || true
FORMATS=("$@"); [ ${#FORMATS[@]} -gt 0 ] || FORMATS=(mp4 mp4-h265 webm mov png-sequence gif)
OUT=${OUT:-/tmp/hf-formats-bench}; rm -rf "$OUT"; mkdir -p "$OUT"
[ -x target/release/hf ] || cargo build --release -p hf
printf '%-13s %12s %9s %8s %9s %9s\n' format bytes wall_s fps size/mp4 time/mp4
base_size=; base_wall=
for f in "${FORMATS[@]}"; do
  case $f in
    mp4) o=$OUT/out.mp4; extra=() ;;
    mp4-h265) o=$OUT/out-h265.mp4; extra=(--codec h265) ;;
    png-sequence) o=$OUT/frames; extra=() ;;
    *) o=$OUT/out.$f; extra=() ;;
  esac
  ./target/release/hf render "fixtures/$FIX" -o "$o" --quality "$Q" --offline \
    "${extra[@]}" --perf-json "$OUT/$f.json" >/dev/null 2>"$OUT/$f.log" \
    || { echo "$f: render failed, see $OUT/$f.log"; continue; }
  bytes=$(du -sb "$o" | cut -f1)
  read -r wall fps < <(python3 -c "import json,sys; p=json.load(open(sys.argv[1])); print(p['stages']['total']/1000, p['frames_per_second'])" "$OUT/$f.json")
  [ -n "$base_size" ] || { base_size=$bytes; base_wall=$wall; }
  printf '%-13s %12s %9.2f %8.1f %9.2f %9.2f\n' "$f" "$bytes" "$wall" "$fps" \
    "$(echo "$bytes / $base_size" | bc -l)" "$(echo "$wall / $base_wall" | bc -l)"
done
