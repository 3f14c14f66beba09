#!/usr/bin/env bash
# Bump the pinned environment to what Debian serves now, then re-render
# every golden for review. Run it on a Debian 12 machine as the lead, with
# no other rendering work under way:
#
#   bash scripts/bump-pins.sh            # then: hf-regress review / accept
#
# 1. sets every versioned line of scripts/pins.txt to the version apt
#    serves now (apt-cache policy's candidate) and the `# snapshot:` line to
#    the current UTC time, so Dockerfile.test installs the same versions
#    from Debian's snapshot archive later;
# 2. installs them exactly (HF_STRICT_PINS=1 scripts/setup.sh) and builds;
# 3. re-renders every golden as pending files (hf-regress --update), which
#    measures each new render against the old golden;
# 4. prints the review (old-vs-new PSNR per fixture) and opens its report.
# Nothing is accepted: accept the goldens with `hf-regress accept` and
# commit them on their own, saying why (the pin bump).
set -euo pipefail
cd "$(dirname "$0")/.."
say() { printf '[bump-pins] %s\n' "$*" >&2; }
[ -z "${CI:-}" ] || { say "error: refusing to run with CI set (goldens are never written in CI)"; exit 2; }
SUDO=; [ "$(id -u)" = 0 ] || SUDO=sudo

say "apt-get update"
$SUDO apt-get update -qq
stamp=$(date -u +%Y%m%dT%H%M%SZ)
tmp=$(mktemp scripts/.pins.txt.XXXXXX)
trap 'rm -f "$tmp"' EXIT
while IFS= read -r line; do
  if [[ $line =~ ^#\ snapshot: ]]; then
    echo "# snapshot: $stamp"; continue
  fi
  spec=${line%%#*}; spec=${spec// /}
  if [[ $spec == *=* ]]; then
    pkg=${spec%%=*}; old=${spec#*=}
    new=$(apt-cache policy "$pkg" | awk '/Candidate:/{print $2; exit}')
    if [ -z "$new" ] || [ "$new" = "(none)" ]; then
      say "error: apt serves no $pkg; fix scripts/pins.txt by hand"; exit 1
    fi
    [ "$new" = "$old" ] || say "$pkg: $old -> $new"
    echo "$pkg=$new"
  else
    echo "$line"
  fi
done < scripts/pins.txt > "$tmp"
grep -q '^# snapshot: ' "$tmp" || { say "error: scripts/pins.txt has no '# snapshot:' line"; exit 1; }
mv "$tmp" scripts/pins.txt
trap - EXIT
say "pins set at snapshot $stamp"

HF_STRICT_PINS=1 bash scripts/setup.sh
say "re-rendering every golden as pending (hf-regress --update)"
rc=0
./target/release/hf-regress --update || rc=$?
if [ "$rc" -ne 0 ]; then
  say "error: hf-regress --update exited $rc; see its report (reports/latest)"; exit "$rc"
fi
./target/release/hf-regress review
report=reports/latest/index.html
say "report: $PWD/$report"
if command -v xdg-open >/dev/null && [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  xdg-open "$report" >/dev/null 2>&1 || true
fi
say "next: hf-regress accept, then commit scripts/pins.txt and golden/ on their own, saying why"
