#!/usr/bin/env bash
# The 20-kill crash test: tests/crash.rs in release mode, killing `pakta serve` with
# SIGKILL twenty times while clients sign, then checking every acknowledged signature,
# the receipts and `pakta verify --data`. Prints each restart time. Run from anywhere;
# set PAKTA_CRASH_ROUNDS to choose another number of kills.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
PAKTA_CRASH_ROUNDS="${PAKTA_CRASH_ROUNDS:-20}" \
    cargo test --release --test crash -- --nocapture
