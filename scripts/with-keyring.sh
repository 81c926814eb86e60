#!/usr/bin/env bash
# Runs its arguments against a REAL Secret Service: a private D-Bus session bus (dbus-run-session) with its own
# gnome-keyring-daemon, whose "login" keyring is created in a temporary directory and unlocked with a known
# password, non-interactively. It exports SSOPILOT_KEYRING_TEST=1 so the real-keychain tests run (and fail, not
# skip, when the keychain cannot be reached), and SSOPILOT_KEYRING_DATA=<dir with the daemon's keyring files>.
#
#   scripts/with-keyring.sh cargo test --test secrets_os
#
# Nothing touches the user's own keyring or session bus; everything is removed on exit.
set -euo pipefail

if [ "${SSOPILOT_IN_KEYRING_SESSION:-}" != 1 ]; then
  for tool in dbus-run-session gnome-keyring-daemon; do
    if ! command -v "$tool" >/dev/null 2>&1; then
      echo "with-keyring.sh: '$tool' is missing: run scripts/setup.sh (Debian packages dbus, gnome-keyring)" >&2
      exit 2
    fi
  done
  if [ $# -eq 0 ]; then
    echo "usage: scripts/with-keyring.sh COMMAND [ARGS...]" >&2
    exit 2
  fi
  export SSOPILOT_IN_KEYRING_SESSION=1
  exec dbus-run-session -- bash "$0" "$@"
fi

# From here on we are inside the private session bus.
base=$(mktemp -d "${TMPDIR:-/tmp}/ssopilot-keyring.XXXXXX")
chmod 700 "$base"
mkdir -m 700 -p "$base/data" "$base/runtime"
daemon_pid=""
cleanup() {
  if [ -n "$daemon_pid" ]; then kill "$daemon_pid" 2>/dev/null || true; fi
  rm -rf "$base"
}
trap cleanup EXIT

# A known password, so the "login" keyring (the default collection) is created and unlocked without a prompt.
# --foreground in the background: we know the daemon's exact pid and stop only that process on exit.
password="ssopilot-test-keyring"
printf '%s' "$password" |
  XDG_DATA_HOME="$base/data" XDG_RUNTIME_DIR="$base/runtime" \
    gnome-keyring-daemon --foreground --unlock --components=secrets >"$base/daemon.out" 2>"$base/daemon.err" &
daemon_pid=$!

# Wait until the daemon owns the Secret Service name on our bus (it normally does at once).
for _ in $(seq 1 50); do
  if dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
    org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q 'boolean true'; then
    break
  fi
  sleep 0.1
done
if ! kill -0 "$daemon_pid" 2>/dev/null; then
  echo "with-keyring.sh: gnome-keyring-daemon did not start:" >&2
  cat "$base/daemon.err" >&2
  exit 1
fi

export SSOPILOT_KEYRING_TEST=1
export SSOPILOT_KEYRING_DATA="$base/data/keyrings"
"$@"
