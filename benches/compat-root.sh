#!/usr/bin/env bash
# hf-regress --root over the reference renderer's own suite layout: copies
# ../shared/compat/fixtures into a scratch tests/ tree and puts the
# reference's renders, as ../shared/compat/run.sh cached them
# (~/.cache/hf-peer/compat-outputs/<name>-<key>.<ext>, key = sha256 of the
# fixture's files, as run.sh computes it), in as tests/<name>/output/output.<ext>.
# The reference's compiled HTML is not cached, so no output/compiled.html:
# hf-regress skips that check with a warning. Then runs
#
#   hf-regress --root <scratch> --layout reference [ARGS...]
#
# and prints its exit code. Compare its verdicts with run.sh's, fixture by
# fixture. Scratch files go to ${TMPDIR:-/tmp}/hf-compat-root.
set -u
cd "$(dirname "$0")/.."
HERE=$PWD
FIX=${COMPAT_FIXTURES:-$HERE/../shared/compat/fixtures}
CACHE=${PEER_ROOT:-$HOME/.cache/hf-peer}/compat-outputs
T=${TMPDIR:-/tmp}/hf-compat-root
rm -rf "$T"; mkdir -p "$T/tests"
for dir in "$FIX"/*/; do
  name=$(basename "$dir")
  key=$(cd "$FIX/$name" && find . -type f -o -type l | sort | xargs -d '\n' cat 2>/dev/null | sha256sum | cut -c1-16)
  cp -rL "$FIX/$name" "$T/tests/$name" 2>/dev/null
  chmod -R u+w "$T/tests/$name"
  for ext in mp4 webm mov; do
    ref=$CACHE/$name-$key.$ext
    if [ -s "$ref" ]; then
      mkdir -p "$T/tests/$name/output"; cp "$ref" "$T/tests/$name/output/output.$ext"
    fi
  done
  [ -d "$T/tests/$name/output" ] || echo "no cached reference render for $name (run ../shared/compat/run.sh $name)" >&2
done
CI=true ./target/release/hf-regress --root "$T" --layout reference --report "$T/reports" "$@"
rc=$?
echo "hf-regress exit code: $rc"
exit $rc
