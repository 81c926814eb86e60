#!/usr/bin/env bash
# README command 2: every check and every test, from a fresh machine or a developer's tree.
#   set-up, UI build, cargo fmt, UI type check, clippy, cargo test (core + shell, which also builds the app),
#   vitest, end-to-end (WebDriver against the built app under Xvfb).
# Runs every step even after a failure, prints each runner's summary, exits non-zero if anything failed.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
LOGS="$ROOT/test-artifacts/logs"
mkdir -p "$LOGS"
export CI="${CI:-}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"

declare -a RESULTS=()
FAILED=0

# step NAME SUMMARY-REGEX COMMAND...: runs COMMAND, keeps its output in test-artifacts/logs/NAME.log.
step() {
  local name="$1" summary="$2"
  shift 2
  local log="$LOGS/$name.log" start=$SECONDS
  printf '\n\033[1m==> %s\033[0m\n' "$name"
  "$@" 2>&1 | tee "$log"
  local status=${PIPESTATUS[0]}
  local took=$((SECONDS - start))
  local lines=""
  if [ -n "$summary" ]; then
    # Strip colour codes so the summary lines read the same in a terminal and in CI logs.
    lines="$(sed -e 's/\x1b\[[0-9;]*m//g' "$log" | grep -E "$summary" || true)"
  fi
  if [ "$status" -eq 0 ]; then
    RESULTS+=("PASS  $name (${took}s)")
  else
    RESULTS+=("FAIL  $name (${took}s, exit $status; log: ${log#"$ROOT"/})")
    FAILED=1
  fi
  if [ -n "$lines" ]; then
    while IFS= read -r line; do RESULTS+=("        $line"); done <<<"$lines"
  fi
  return "$status"
}

step setup "" "$ROOT/scripts/setup.sh" || {
  echo "Set-up failed: nothing else can run." >&2
  exit 1
}
if [ -f "$HOME/.cargo/env" ]; then . "$HOME/.cargo/env"; fi

step ui-build "built in" bash -c "cd ui && npm run --silent build"
step cargo-fmt "" cargo fmt --all --check
step ui-typecheck "svelte-check found" bash -c "cd ui && npm run --silent check"
# Its own target directory, so check-mode artifacts never wait on (or invalidate) the test build's lock.
step cargo-clippy "^(warning|error)(:|\[)" cargo clippy --workspace --all-targets -- -D warnings
if [ -f "$ROOT/scripts/with-keyring.sh" ]; then
  step cargo-test "^test result:|^     Running" bash "$ROOT/scripts/with-keyring.sh" cargo test --workspace
else
  step cargo-test "^test result:|^     Running" cargo test --workspace
fi
step vitest "^ +(Test Files|Tests) " bash -c "cd ui && npx vitest run"
# `cargo test --workspace` has just built the app binary (target/debug/ssopilot-app) from these sources, with the
# bundled UI embedded; the end-to-end tests drive that binary. (A separate `cargo build -p ssopilot-app` would
# compile Tauri a second time only to drop its `test` module, which adds nothing at run time.)
if [ -x target/debug/ssopilot-app ]; then
  # Inside a private keychain (with-keyring.sh): the app starts its demo IdP with a key kept there.
  step e2e "^# (tests|pass|fail|skipped)" bash "$ROOT/scripts/with-keyring.sh" timeout 900 \
    xvfb-run -a -s "-screen 0 1280x900x24" node --test --test-concurrency=1 tests/e2e/
else
  RESULTS+=("FAIL  e2e (target/debug/ssopilot-app was not built: see the cargo-test log)")
  FAILED=1
fi

printf '\n\033[1m==> Summary\033[0m\n'
printf '%s\n' "${RESULTS[@]}"
if [ "$FAILED" -ne 0 ]; then
  echo "Some steps failed (see above and test-artifacts/logs/)."
  exit 1
fi
echo "All checks and tests passed."
