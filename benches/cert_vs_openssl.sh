#!/usr/bin/env bash
# Times the whole `ssopilot cert check` command against `openssl x509 -noout -fingerprint -sha256` on the same
# RSA-2048 certificate, and prints the ratio: with hyperfine when installed (scripts/setup.sh installs it), and always
# with an alternating shell loop (fairer when the machine's load changes during the run).
#
#   bash benches/cert_vs_openssl.sh            # builds the release binary first
#   RUNS=500 bash benches/cert_vs_openssl.sh
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS="${RUNS:-300}"

command -v openssl >/dev/null || { echo "openssl is missing: run scripts/setup.sh" >&2; exit 1; }
cargo build --release --quiet --bin ssopilot
BIN="$PWD/target/release/ssopilot"

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
CERT="$WORK/idp.pem"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$WORK/key.pem" -out "$CERT" -subj "/CN=Bench IdP" \
    -sha256 -days 365 2>/dev/null
rm -f "$WORK/key.pem"

# Both commands must succeed on the file before they are timed.
"$BIN" cert check "$CERT" >/dev/null
openssl x509 -noout -fingerprint -sha256 -in "$CERT" >/dev/null

OURS="$BIN cert check $CERT --json"
THEIRS="openssl x509 -noout -fingerprint -sha256 -in $CERT"

if command -v hyperfine >/dev/null; then
    hyperfine -N --warmup 20 --runs "$RUNS" --export-json "$WORK/h.json" "$OURS" "$THEIRS"
    python3 - "$WORK/h.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"]
o, t = r[0], r[1]
print(f"hyperfine: ssopilot {o['mean']*1e3:.2f} ms (user {o['user']*1e3:.2f} ms), "
      f"openssl {t['mean']*1e3:.2f} ms (user {t['user']*1e3:.2f} ms), "
      f"ratio ssopilot/openssl = {o['mean']/t['mean']:.3f} (wall), {o['user']/t['user']:.3f} (user CPU)")
PY
else
    echo "hyperfine not found (run scripts/setup.sh); only the alternating loop runs" >&2
fi

# Alternating loop: each ssopilot run is followed by an openssl run, so load changes hit both alike.
t_ours=0; t_theirs=0
for _ in $(seq "$RUNS"); do
    s=$(date +%s%N); $OURS >/dev/null; e=$(date +%s%N); t_ours=$((t_ours + e - s))
    s=$(date +%s%N); $THEIRS >/dev/null; e=$(date +%s%N); t_theirs=$((t_theirs + e - s))
done
awk -v a="$t_ours" -v b="$t_theirs" -v n="$RUNS" 'BEGIN {
    printf "alternating loop (%d runs each): ssopilot %.2f ms, openssl %.2f ms, ratio ssopilot/openssl = %.3f\n",
           n, a/n/1e6, b/n/1e6, a/b }'
