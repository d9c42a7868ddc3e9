#!/usr/bin/env bash
# The benchmark, in one command: builds the server and the bench, starts the server itself on its
# embedded defaults (loopback only, bounded durations), prints a table and, last, one JSON line.
#   bench/run.sh            full run (about 10 minutes on 2 cores)
#   bench/run.sh --quick    short smoke run
#   bench/run.sh --skip-jmh without the crypto-engine JMH part
#   bench/run.sh --versions-only   just the rows of a key of 100 versions
#   bench/run.sh --asymmetric-only   just the Sign and Verify rows (RSA-2048, ECC, SM2)
#   bench/run.sh --audit-only   just Encrypt 4 KB with durable audit against the same without it
#   bench/run.sh --hsm-only     just Encrypt 4 KB and Sign at the HSM level (a SoftHSM2 token) beside software
#   bench/run.sh --side-loads-only   only Encrypt 4 KB alone and beside its side loads (one start, no JMH)
#   bench/run.sh --scale [--scale-keys=N]   the server at N keys (default 250000; not in the full run):
#                 restart, live heap, ListKeys page and Encrypt 4 KB on random keys, empty against full
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v wrk >/dev/null 2>&1; then
  apt-get update -qq && apt-get install -y -qq wrk >/dev/null
fi
if ! [ -f /usr/lib/softhsm/libsofthsm2.so ]; then
  apt-get update -qq && apt-get install -y -qq softhsm2 >/dev/null || echo "softhsm2 could not be installed: the HSM rows are skipped" >&2
fi
./mvnw -q -B -DskipTests package >&2
exec java -cp "bench/target/bench.jar:bench/target/lib/*" org.opencmk.kms.bench.BenchRunner "$@"
