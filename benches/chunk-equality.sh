#!/usr/bin/env bash
# Chunk equality over every fixture (issue #11: a frame is a function of
# its time alone, so a distributed render equals the in-process one).
#
#   benches/chunk-equality.sh [FIXTURE...]      (default: every fixture)
#
# For each fixture, renders it in this process and with
# `--distributed local --chunks N` for N = 1, 3 and 8, all as lossless
# H.264 (`--crf 0`, so any pixel change shows), then compares the framemd5
# of the video and the md5 of the decoded audio with the in-process
# render's. Prints one row per fixture and chunk count and, last,
# "chunk equality: E/T identical"; exits 1 if any differ. (The fixture's
# own format is not used: tests/distributed.rs covers ProRes, PNG
# sequences and GIF chunks.)
set -uo pipefail
cd "$(dirname "$0")/.."
HF=$PWD/target/release/hf
[ -x "$HF" ] || cargo build --release -p hf
OUT=${OUT:-/tmp/hf-chunk-equality}; rm -rf "$OUT"; mkdir -p "$OUT"
names=("$@"); [ ${#names[@]} -gt 0 ] || mapfile -t names < <(ls fixtures)
hashes() {  # video framemd5 (hashes only) and decoded-audio md5 of $1
  ffmpeg -v error -i "$1" -map 0:v -f framemd5 - | grep -v '^#' | awk -F, '{print $NF}' | md5sum | cut -c1-12
  if [ -n "$(ffprobe -v error -select_streams a -show_entries stream=index -of csv=p=0 "$1")" ]; then
    ffmpeg -v error -i "$1" -map 0:a -f md5 - | cut -c5-16
  else echo none; fi
}
same=0; total=0; bad=0
printf '%-28s %6s %7s %-14s %-14s %s\n' fixture chunks frames video audio verdict
for name in "${names[@]}"; do
  d=$OUT/$name; mkdir -p "$d"
  if ! "$HF" render "fixtures/$name" -o "$d/in.mp4" --crf 0 --offline >/dev/null 2>"$d/in.log"; then
    echo "$name: in-process render failed, see $d/in.log"; bad=1; continue
  fi
  mapfile -t ref < <(hashes "$d/in.mp4")
  frames=$(ffprobe -v error -count_packets -select_streams v:0 -show_entries stream=nb_read_packets -of csv=p=0 "$d/in.mp4")
  for n in 1 3 8; do
    total=$((total + 1))
    if ! "$HF" render "fixtures/$name" -o "$d/c$n.mp4" --crf 0 --offline --distributed local \
        --chunks "$n" >/dev/null 2>"$d/c$n.log"; then
      printf '%-28s %6s %7s %-14s %-14s %s\n' "$name" "$n" "$frames" - - "render failed: $d/c$n.log"; bad=1; continue
    fi
    mapfile -t got < <(hashes "$d/c$n.mp4")
    verdict=identical
    if [ "${got[0]}" != "${ref[0]}" ] || [ "${got[1]:-}" != "${ref[1]:-}" ]; then verdict=DIFFERENT; bad=1
    else same=$((same + 1)); fi
    printf '%-28s %6s %7s %-14s %-14s %s\n' "$name" "$n" "$frames" "${got[0]}" "${got[1]:-none}" "$verdict"
  done
done
echo "chunk equality: $same/$total identical"
exit $bad
