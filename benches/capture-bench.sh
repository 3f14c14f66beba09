#!/usr/bin/env bash
# Capture benchmark (issue: parallel workers, damage-aware capture).
#
#   benches/capture-bench.sh [RUNS=2] [QUALITY=standard] [FIXTURE...]
#
# For each fixture (default gsap-letters many-cuts) and each run, renders
# with hf at 1 and 2 workers, with and without damage-aware capture, then
# the reference renderer (../shared/peer/run-peer.sh, gsap made local),
# alternating so machine noise spreads over all variants. Prints wall
# seconds, frames per wall second, peak memory (hf: hf + all its Chrome
# processes, from hf's own sampler; peer: largest process, /usr/bin/time),
# frames reused, and for every hf variant the ratio of its median wall time
# to the reference's median. Ends with hf's per-frame time breakdown.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-2}; Q=${2:-standard}; shift $(( $# > 2 ? 2 : $# )) || true
FIXTURES=("$@"); [ ${#FIXTURES[@]} -gt 0 ] || FIXTURES=(gsap-letters many-cuts)
PEER=../shared/peer/run-peer.sh
ROOT=${OUT:-/tmp/hf-capture-bench}
[ -x target/release/hf ] || cargo build --release -p hf
median() { sort -g | awk '{a[NR]=$1} END{ if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2 }'; }
for FIX in "${FIXTURES[@]}"; do
  OUT=$ROOT/$FIX; mkdir -p "$OUT"; rm -f "$OUT"/*.tsv
  SRC=$OUT/peer-src; rm -rf "$SRC"; cp -a "fixtures/$FIX/src" "$SRC"
  cp tools/npm/node_modules/gsap/dist/gsap.min.js "$SRC/gsap.min.js"
  sed -i -E 's#https://cdn\.jsdelivr\.net/npm/gsap@[^"]*/dist/gsap\.min\.js#gsap.min.js#g' "$SRC/index.html"
  for i in $(seq 1 "$RUNS"); do
    for variant in "1 damage" "2 damage" "1 full" "2 full"; do
      set -- $variant; w=$1; mode=$2; flag=; [ "$mode" = full ] && flag=--no-damage-reuse
      ./target/release/hf render "fixtures/$FIX" -o "$OUT/hf.mp4" --quality "$Q" --workers "$w" $flag \
        --perf-json "$OUT/perf-$w-$mode-$i.json" >/dev/null 2>&1
      python3 - "$OUT/perf-$w-$mode-$i.json" "hf-w$w-$mode" >>"$OUT/runs.tsv" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
print(f"{sys.argv[2]}\t{d['stages']['total']/1000:.2f}\t{d['frames_per_second']:.2f}\t{d['peak_rss_mib']:.0f}\t{d['frames_reused']}")
PY
    done
    bash "$PEER" "$SRC" "$OUT/peer.mp4" 1 --quality "$Q" >/dev/null 2>&1
    awk '{for(i=1;i<=NF;i++){split($i,a,"="); v[a[1]]=a[2]}} END{printf "peer\t%.2f\t%.2f\t%.0f\t-\n", v["wall_s"], v["frames_per_wall_s"], v["max_rss_kb"]/1024}' "$OUT/peer.summary" >>"$OUT/runs.tsv"
  done
  echo "== $FIX ($Q, $RUNS runs each, alternating)"
  printf '%-16s %8s %8s %10s %8s %8s\n' variant wall_s fps peak_mib reused vs_peer
  peer_med=$(awk -F'\t' '$1=="peer"{print $2}' "$OUT/runs.tsv" | median)
  for v in hf-w1-damage hf-w2-damage hf-w1-full hf-w2-full peer; do
    wall=$(awk -F'\t' -v v=$v '$1==v{print $2}' "$OUT/runs.tsv" | median)
    fps=$(awk -F'\t' -v v=$v '$1==v{print $3}' "$OUT/runs.tsv" | median)
    mem=$(awk -F'\t' -v v=$v '$1==v{print $4}' "$OUT/runs.tsv" | sort -g | tail -1)
    reu=$(awk -F'\t' -v v=$v '$1==v{print $5}' "$OUT/runs.tsv" | tail -1)
    printf '%-16s %8.2f %8.2f %10s %8s %8.2f\n' "$v" "$wall" "$fps" "$mem" "$reu" "$(echo "$wall / $peer_med" | bc -l)"
  done
  ffmpeg -v error -i "$OUT/hf.mp4" -i "$OUT/peer.mp4" -lavfi "[0:v][1:v]psnr=stats_file=$OUT/psnr.log" -f null - || true
  awk '{for(i=1;i<=NF;i++) if ($i ~ /^psnr_avg:/) {split($i,a,":"); v=(a[2]=="inf")?100:a[2]; s+=v; n++; if (min==""||v<min) min=v}} END{printf "PSNR hf vs peer: mean %.2f dB, min %.2f dB over %d frames\n", s/n, min, n}' "$OUT/psnr.log"
  python3 - "$OUT/perf-1-damage-$RUNS.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))["per_frame"]
print("hf per-frame ms (1 worker, damage-aware): " + ", ".join(f"{k[:-3]} {v:.1f}" for k, v in d.items()))
PY
done
