#!/usr/bin/env bash
# README command 1: installs whatever is missing (scripts/setup.sh), builds the wizard and opens its window.
# Safe to run again: set-up and the build only redo what changed.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

"$ROOT/scripts/setup.sh"
if [ -f "$HOME/.cargo/env" ]; then . "$HOME/.cargo/env"; fi

if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
  echo "Note: no graphical display (DISPLAY and WAYLAND_DISPLAY are unset). The wizard will be built, but its window"
  echo "      can only open inside a desktop session (or under a virtual one: xvfb-run -a scripts/start.sh)."
fi

echo "==> Building the user interface"
(cd ui && npm run --silent build)
echo "==> Building the app (the first build takes several minutes)"
cargo build -p ssopilot-app

if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
  echo "SSO Pilot is built (target/debug/ssopilot-app) but cannot open a window: there is no graphical display." >&2
  echo "Run this command again from a desktop session, or try it under a virtual display: xvfb-run -a scripts/start.sh" >&2
  exit 1
fi

echo "==> Starting SSO Pilot (progress is saved in: $(cargo run -q --bin ssopilot -- state path 2>/dev/null || echo "the platform's data directory"))"
exec "$ROOT/target/debug/ssopilot-app" "$@"
