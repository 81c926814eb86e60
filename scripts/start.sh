#!/usr/bin/env bash
# README command 1: installs what building and running the app needs and is missing (scripts/setup-app.sh; what
# only the tests need stays in scripts/setup.sh), builds the wizard and the `ssopilot` command, and opens the window.
# Safe to run again: set-up and the build only redo what changed.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

"$ROOT/scripts/setup-app.sh"
if [ -f "$HOME/.cargo/env" ]; then . "$HOME/.cargo/env"; fi

if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
  echo "Note: no graphical display (DISPLAY and WAYLAND_DISPLAY are unset). The wizard will be built, but its window"
  echo "      can only open inside a desktop session (or under a virtual one: xvfb-run -a scripts/start.sh)."
fi

echo "==> Building the user interface"
(cd ui && npm run --silent build)
# One build for the app and the command line (cargo shows its progress); nothing is compiled after it.
echo "==> Building the app and the ssopilot command (the first build takes several minutes)"
cargo build -p ssopilot-app -p ssopilot

if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
  echo "SSO Pilot is built (target/debug/ssopilot-app) but cannot open a window: there is no graphical display." >&2
  echo "Run this command again from a desktop session, or try it under a virtual display (apt-get install xvfb; xvfb-run -a scripts/start.sh)." >&2
  exit 1
fi

echo "==> Starting SSO Pilot (progress is saved in: $("$ROOT/target/debug/ssopilot" state path 2>/dev/null || echo "the platform's data directory"))"
exec "$ROOT/target/debug/ssopilot-app" "$@"
