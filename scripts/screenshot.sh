#!/usr/bin/env bash
# Takes docs/screenshot.png: the built app on a fresh data directory (step 1), under a virtual display the size of
# the window. Needs the app built (scripts/start.sh or cargo build -p ssopilot-app) and xvfb + imagemagick.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
APP="$ROOT/target/debug/ssopilot-app"
OUT="${1:-$ROOT/docs/screenshot.png}"
[ -x "$APP" ] || { echo "build the app first: scripts/start.sh or cargo build -p ssopilot-app" >&2; exit 1; }
command -v xvfb-run >/dev/null && command -v import >/dev/null || { echo "xvfb-run or import is missing: run scripts/setup.sh" >&2; exit 1; }
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
mkdir -p "$(dirname "$OUT")"
export SSOPILOT_DATA_DIR="$TMP/data" XDG_CONFIG_HOME="$TMP/config" XDG_DATA_HOME="$TMP/share"
xvfb-run -a -s "-screen 0 1200x800x24" bash -c '
  "$0" & pid=$!
  sleep "${SCREENSHOT_DELAY:-8}"
  import -window root "$1"
  kill "$pid"
' "$APP" "$OUT"
echo "saved $OUT"
