#!/usr/bin/env bash
# Soak: a mixed load on a throwaway local etcd for a long time (writers, readers, compare-and-swap transactions, a
# watcher over the prefix, a lease kept alive with a key attached, two mutex contenders and a compactor), sampled
# at intervals and checked at the end (see Benchmarks/EtcdSoak/main.swift): throughput does not fall, resident
# memory grows less than 5% after the warm-up, descriptors and threads do not grow, no operation fails.
#
#   Scripts/soak.sh              ten minutes, a sample every 10 s, two minutes of warm-up
#   Scripts/soak.sh 60 5 20      one minute, a sample every 5 s, 20 s of warm-up (what CI runs)
#
# Prints one JSON line per sample and a summary line with "pass"; exits 1 when a check fails.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
duration="${1:-600}"
interval="${2:-10}"
warmup="${3:-120}"
swift build -c release --product etcd-soak >&2
# shellcheck source=local-etcd.sh
source Scripts/local-etcd.sh
port="${ETCD_CLIENT_PORT:-23890}"
start_local_etcd soak "$port"
.build/release/etcd-soak -endpoint "127.0.0.1:$port" -duration "$duration" -interval "$interval" -warmup "$warmup"
