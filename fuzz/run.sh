#!/usr/bin/env bash
# Runs every fuzz target for SECONDS (default 600) each, one after the other, with libFuzzer's per-input time limit:
# an input that takes more than 1 second is a finding (super-linear work), like a crash. Findings are written to
# fuzz/artifacts/<target>/; the corpus grows in fuzz/corpus/<target>/ (seeded from fuzz/seeds/<target>/ if present).
#
#   fuzz/run.sh [SECONDS] [TARGET...]
#
# Inputs may grow to FUZZ_MAX_LEN bytes (default 128 KiB, libFuzzer's own default is 4 KiB): work that grows faster
# than the input only shows past a few KiB.
#
# cargo-fuzz runs on stable Rust through RUSTC_BOOTSTRAP=1; it is installed (under nice) when missing. Everything
# runs under nice: the machine is shared.
set -euo pipefail

seconds="${1:-600}"
shift || true
cd "$(dirname "$0")"

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "cargo-fuzz is missing: installing it (cargo install --locked cargo-fuzz)" >&2
    nice -n 19 cargo install --locked cargo-fuzz
fi

if [ "$#" -gt 0 ]; then
    targets=("$@")
else
    mapfile -t targets < <(RUSTC_BOOTSTRAP=1 cargo fuzz list)
fi

status=0
for t in "${targets[@]}"; do
    mkdir -p "corpus/$t"
    corpora=("corpus/$t")
    if [ -d "seeds/$t" ]; then
        corpora+=("seeds/$t")
    fi
    echo "== $t: ${seconds} s, -timeout=1" >&2
    if ! RUSTC_BOOTSTRAP=1 nice -n 19 cargo fuzz run -O "$t" "${corpora[@]}" -- \
        -timeout=1 -max_total_time="$seconds" -max_len="${FUZZ_MAX_LEN:-131072}" -print_final_stats=1; then
        echo "== $t: FINDING (see fuzz/artifacts/$t/)" >&2
        status=1
    fi
done
exit "$status"
