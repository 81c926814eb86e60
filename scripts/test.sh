#!/usr/bin/env bash
# README command 2: every check and every test, from a fresh machine or a developer's tree.
#   set-up, UI build, cargo fmt, clippy (with the UI type check and vitest beside it), cargo test (core + shell,
#   which also builds the app), end-to-end (WebDriver against the built app under Xvfb).
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

# Background steps: started with bg_start, their output is kept in the log and shown, with their result, by
# bg_finish. The UI's checks need one core for a few seconds each, while cargo leaves part of the second idle
# (about a third of clippy's wall time on 2 cores), so they run beside clippy instead of after it.
declare -A BG_PID=() BG_SUMMARY=()
bg_start() {
  local name="$1" summary="$2"
  shift 2
  BG_SUMMARY[$name]="$summary"
  printf '\n\033[1m==> %s (in the background; its output follows when it ends)\033[0m\n' "$name"
  (
    local start=$SECONDS
    "$@"
    local status=$?
    echo $((SECONDS - start)) >"$LOGS/$name.took"
    exit "$status"
  ) >"$LOGS/$name.log" 2>&1 &
  BG_PID[$name]=$!
}
bg_finish() {
  local name="$1" log="$LOGS/$1.log"
  wait "${BG_PID[$name]}"
  local status=$?
  local took
  took="$(cat "$LOGS/$name.took" 2>/dev/null || echo "?")"
  printf '\n\033[1m==> %s (ran in the background)\033[0m\n' "$name"
  cat "$log"
  local lines=""
  if [ -n "${BG_SUMMARY[$name]}" ]; then
    lines="$(sed -e 's/\x1b\[[0-9;]*m//g' "$log" | grep -E "${BG_SUMMARY[$name]}" || true)"
  fi
  if [ "$status" -eq 0 ]; then
    RESULTS+=("PASS  $name (${took}s, beside clippy)")
  else
    RESULTS+=("FAIL  $name (${took}s, exit $status; log: ${log#"$ROOT"/})")
    FAILED=1
  fi
  if [ -n "$lines" ]; then
    while IFS= read -r line; do RESULTS+=("        $line"); done <<<"$lines"
  fi
}

step setup "" "$ROOT/scripts/setup.sh" || {
  echo "Set-up failed: nothing else can run." >&2
  exit 1
}
if [ -f "$HOME/.cargo/env" ]; then . "$HOME/.cargo/env"; fi

step ui-build "built in" bash -c "cd ui && npm run --silent build"
step cargo-fmt "" cargo fmt --all --check
bg_start ui-typecheck "svelte-check found" bash -c "cd ui && npm run --silent check"
bg_start vitest "^ +(Test Files|Tests) " bash -c "cd ui && npx vitest run"
step cargo-clippy "^(warning|error)(:|\[)" cargo clippy --workspace --all-targets -- -D warnings
if [ -f "$ROOT/scripts/with-keyring.sh" ]; then
  step cargo-test "^test result:|^     Running" bash "$ROOT/scripts/with-keyring.sh" cargo test --workspace
else
  step cargo-test "^test result:|^     Running" cargo test --workspace
fi
bg_finish ui-typecheck
bg_finish vitest
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
