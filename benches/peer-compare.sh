#!/usr/bin/env bash
# Side-by-side: hf against the reference renderer (HyperFrames, from npm via
# ../shared/peer/run-peer.sh) on the same fixture, alternating runs.
#
#   benches/peer-compare.sh FIXTURE [RUNS=3] [QUALITY=standard] [HF_WORKERS=auto] [PEER_WORKERS=1]
#
# Prints one row per run: renderer, wall seconds, frames per wall second,
# peak RSS (largest single process, from /usr/bin/time -v, the same measure
# for both), then the PSNR between the two outputs (FFmpeg's psnr filter,
# average over all frames, Y/U/V weighted). GSAP is made local for the peer
# by pointing the CDN script tags at a copy of tools/npm's gsap.
set -euo pipefail
cd "$(dirname "$0")/.."
FIX=${1:?fixture name}; RUNS=${2:-3}; Q=${3:-standard}; HW=${4:-auto}; PW=${5:-1}
PEER=../shared/peer/run-peer.sh
OUT=${OUT:-/tmp/hf-peer-compare/$FIX}
mkdir -p "$OUT"
SRC=$OUT/peer-src; rm -rf "$SRC"; cp -a "fixtures/$FIX/src" "$SRC"
cp tools/npm/node_modules/gsap/dist/gsap.min.js "$SRC/gsap.min.js"
# Every HTML file: sub-composition files load GSAP too (paths resolve from
# the project folder, so the same relative name works in them).
find "$SRC" -name '*.html' -exec sed -i -E 's#https://cdn\.jsdelivr\.net/npm/gsap@[^"]*/dist/gsap\.min\.js#gsap.min.js#g' {} +
frames() { ffprobe -v error -select_streams v:0 -count_packets -show_entries stream=nb_read_packets -of csv=p=0 "$1"; }
printf '%-6s %4s %8s %8s %10s\n' who run wall_s fps peak_rss_mib
for i in $(seq 1 "$RUNS"); do
  /usr/bin/time -v -o "$OUT/hf.time" ./target/release/hf render "fixtures/$FIX" -o "$OUT/hf.mp4" \
    --quality "$Q" --workers "$HW" --perf-json "$OUT/hf-perf-$i.json" >/dev/null 2>&1
  w=$(awk -F': ' '/Elapsed \(wall clock\)/{split($2,a,":"); print (length(a)==3)?a[1]*3600+a[2]*60+a[3]:a[1]*60+a[2]}' "$OUT/hf.time")
  r=$(awk -F': ' '/Maximum resident set size/{printf "%.0f", $2/1024}' "$OUT/hf.time")
  f=$(frames "$OUT/hf.mp4")
  printf '%-6s %4s %8.2f %8.2f %10s\n' hf "$i" "$w" "$(echo "$f / $w" | bc -l)" "$r"
  bash "$PEER" "$SRC" "$OUT/peer.mp4" "$PW" --quality "$Q" >/dev/null 2>&1 || { echo "peer failed: see $OUT/peer.log"; tail -20 "$OUT/peer.log"; exit 1; }
  read -r pw pf pr < <(awk '{for(i=1;i<=NF;i++){split($i,a,"="); v[a[1]]=a[2]}} END{print v["wall_s"], v["frames_per_wall_s"], v["max_rss_kb"]/1024}' "$OUT/peer.summary")
  printf '%-6s %4s %8.2f %8.2f %10.0f\n' peer "$i" "$pw" "$pf" "$pr"
done
psnr=$(ffmpeg -v error -i "$OUT/hf.mp4" -i "$OUT/peer.mp4" -lavfi "[0:v][1:v]psnr=stats_file=$OUT/psnr.log" -f null - 2>&1; \
  awk '{for(i=1;i<=NF;i++) if ($i ~ /^psnr_avg:/) {split($i,a,":"); v=(a[2]=="inf")?100:a[2]; s+=v; n++; if (min==""||v<min) min=v}} END{printf "mean %.2f dB, min %.2f dB over %d frames", s/n, min, n}' "$OUT/psnr.log")
echo "PSNR hf vs peer: $psnr"
