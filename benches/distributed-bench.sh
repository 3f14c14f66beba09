#!/usr/bin/env bash
# Distributed rendering benchmark (issue 11): wall time and peak memory of
# a render split into CHUNKS chunks rendered PARALLEL at a time on this
# machine (plan, render-chunk under xargs -P, assemble), against the
# in-process render of the same fixture and flags, alternating so machine
# noise spreads over both; plus `--distributed local` (every chunk in one
# process, one after another).
#
#   benches/distributed-bench.sh [RUNS=2] [QUALITY=standard] [FIXTURE=gsap-letters] [CHUNKS=4] [PARALLEL=2]
#
# Peak memory is the peak of the summed resident memory of the whole
# process tree (hf processes and all their Chrome processes), sampled every
# 100 ms by benches/treerss.py. Prints each run, the medians, and the ratio
# of each variant's median wall time to the in-process median.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-2}; Q=${2:-standard}; FIX=${3:-gsap-letters}; CHUNKS=${4:-4}; PAR=${5:-2}
OUT=${OUT:-/tmp/hf-distributed-bench}/$FIX
HF=$PWD/target/release/hf
[ -x "$HF" ] || cargo build --release -p hf
export CI=1
rm -rf "$OUT"; mkdir -p "$OUT"
median() { sort -g | awk '{a[NR]=$1} END{ if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2 }'; }
# measure NAME CMD...: one run under treerss.py, appended to runs.tsv.
measure() {
  local name=$1; shift
  python3 benches/treerss.py "$@" 2>"$OUT/treerss.txt" >/dev/null
  local line; line=$(grep '^treerss:' "$OUT/treerss.txt" | tail -1)
  grep -q 'exit 0,' <<<"$line" || { echo "$name failed: $(cat "$OUT/treerss.txt")" >&2; exit 1; }
  local wall mem
  wall=$(sed -E 's/.*wall ([0-9.]+) s.*/\1/' <<<"$line")
  mem=$(sed -E 's/.*RSS ([0-9]+) MiB.*/\1/' <<<"$line")
  printf '%s\t%s\t%s\n' "$name" "$wall" "$mem" | tee -a "$OUT/runs.tsv"
}
chunked() {
  rm -rf "$OUT/plan"
  "$HF" plan "fixtures/$FIX" --out "$OUT/plan" --chunks "$CHUNKS" --quality "$Q" >/dev/null 2>&1
  seq 0 $((CHUNKS - 1)) | xargs -P "$PAR" -I{} "$HF" render-chunk "$OUT/plan" --chunk {} >/dev/null 2>&1
  "$HF" assemble "$OUT/plan" -o "$OUT/chunked.mp4" >/dev/null 2>&1
}
export -f chunked; export HF OUT FIX CHUNKS PAR Q
echo "== $FIX, $Q, $CHUNKS chunks, $PAR at a time, on $(nproc) cores; $RUNS runs each, alternating"
printf 'variant\twall_s\tpeak_tree_mib\n'
for i in $(seq 1 "$RUNS"); do
  measure in-process "$HF" render "fixtures/$FIX" -o "$OUT/in-process.mp4" --quality "$Q"
  measure "chunks-$CHUNKS-par-$PAR" bash -c chunked
  rm -rf "$OUT/local.mp4.hf-plan"
  measure "local-$CHUNKS" "$HF" render "fixtures/$FIX" -o "$OUT/local.mp4" --quality "$Q" \
    --distributed local --chunks "$CHUNKS"
done
base=$(awk -F'\t' '$1=="in-process"{print $2}' "$OUT/runs.tsv" | median)
echo "== medians (peak memory: the largest run)"
printf '%-18s %8s %14s %10s\n' variant wall_s peak_tree_mib vs_inproc
for v in in-process "chunks-$CHUNKS-par-$PAR" "local-$CHUNKS"; do
  wall=$(awk -F'\t' -v v="$v" '$1==v{print $2}' "$OUT/runs.tsv" | median)
  mem=$(awk -F'\t' -v v="$v" '$1==v{print $3}' "$OUT/runs.tsv" | sort -g | tail -1)
  printf '%-18s %8.1f %14s %10.2f\n' "$v" "$wall" "$mem" "$(echo "$wall / $base" | bc -l)"
done
ffmpeg -v error -i "$OUT/chunked.mp4" -i "$OUT/in-process.mp4" -lavfi "[0:v][1:v]psnr=stats_file=$OUT/psnr.log" -f null - || true
awk '{for(i=1;i<=NF;i++) if ($i ~ /^psnr_avg:/) {split($i,a,":"); v=(a[2]=="inf")?100:a[2]; s+=v; n++; if (min==""||v<min) min=v}} END{if (n) printf "PSNR chunked vs in-process (lossy, keyframe per chunk): mean %.2f dB, min %.2f dB over %d frames\n", s/n, min, n}' "$OUT/psnr.log"
