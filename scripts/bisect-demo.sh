#!/usr/bin/env bash
# A measured demonstration of `hf-regress bisect` on a synthetic stack:
# a scratch clone of this repository whose main gains a tiny fixture, then
# a stack of six commits on top: 1-3 change nothing the render sees, 4
# changes the fixture's colour, 5 breaks the build (src/bin/hf/main.rs),
# 6 mends it. Runs the bisect twice and prints both answers; the second
# must render nothing new.
#
#   bash scripts/bisect-demo.sh         # from the project root, hf-regress built
#
# Candidates build in the scratch clone's reused work tree with this
# repository's target directory (CARGO_TARGET_DIR), so dependencies are
# not rebuilt; the first candidate compiles hf itself once, after that a
# commit that changes no Rust code is a cargo no-op. Scratch files go to
# ${TMPDIR:-/tmp}/hf-bisect-demo (removed at the start of each run).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
REGRESS=$ROOT/target/release/hf-regress
[ -x "$REGRESS" ] || { echo "build first: cargo build --release --workspace" >&2; exit 2; }
T=${TMPDIR:-/tmp}/hf-bisect-demo
rm -rf "$T"; mkdir -p "$T"
git clone --quiet --no-local "$ROOT" "$T/stack"
cd "$T/stack"
git checkout --quiet -B main
git config user.email demo@example.invalid; git config user.name "bisect demo"
ln -s "$ROOT/tools/npm/node_modules" tools/npm/node_modules

fx=fixtures/bisect-tiny
mkdir -p $fx/src
cat > $fx/meta.json <<'JSON'
{
  "name": "bisect-tiny",
  "description": "A tiny still box for the bisect demonstration",
  "tags": ["demo"],
  "minPsnr": 40,
  "maxFrameFailures": 0,
  "minAudioCorrelation": 0,
  "maxAudioLagWindows": 1,
  "renderConfig": { "fps": 10, "quality": "draft", "workers": 1 }
}
JSON
cat > $fx/src/index.html <<'HTML'
<!DOCTYPE html>
<html><head><meta charset="utf-8"><style>
  html, body { margin: 0; background: #000; overflow: hidden; }
  #root { position: relative; width: 160px; height: 96px; background: #000; }
  #box { position: absolute; left: 40px; top: 24px; width: 80px; height: 48px; background: #2060c0; }
</style></head><body>
<div id="root" data-composition-id="bisect-tiny" data-width="160" data-height="96"
     data-duration="1" data-start="0" data-fps="10" data-no-timeline><div id="box"></div></div>
</body></html>
HTML
git add -A && git commit -qm "base: the tiny fixture"
git checkout --quiet -b stack
echo "<!-- stack 1 -->" >> README.md;                  git commit -qam "1: README"
sed -i 's/A tiny still box/A tiny still blue box/' $fx/meta.json; git commit -qam "2: fixture description"
sed -i 's#</body>#<!-- 3 --></body>#' $fx/src/index.html;  git commit -qam "3: an HTML comment"
sed -i 's/#2060c0/#c03020/' $fx/src/index.html;          git commit -qam "4: the box turns red"
echo "this is not rust" >> src/bin/hf/main.rs;           git commit -qam "5: breaks the build"
git revert --no-edit HEAD >/dev/null; git commit -q --amend -m "6: mends the build"
git log --oneline main~1..stack

export CARGO_TARGET_DIR=$ROOT/target
for run in 1 2; do
  echo "== bisect run $run"
  /usr/bin/time -f "run $run: %e s wall" "$REGRESS" --root "$T/stack" bisect bisect-tiny \
    --cache "$T/cache" --report "$T/reports"
done
