#!/usr/bin/env bash
# Lease keep-alive against the Go client: starts one throwaway etcd, then runs `etcd-bench -op lease-keepalive`
# (release) and Benchmarks/go-keepalive (clientv3.KeepAlive) alternately with the same flags, REPS times each,
# and prints their JSON lines.   Benchmarks/compare-keepalive-with-go.sh [REPS] [LEASES] [TTL_SECONDS] [TOTAL]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
REPS="${1:-3}" LEASES="${2:-1000}" TTL="${3:-2}" TOTAL="${4:-6000}"
GO_BIN="${GO_KEEPALIVE_BIN:-/tmp/go-keepalive-bin/go-keepalive}"
source "$ROOT/Scripts/local-etcd.sh"
echo "building etcd-bench (release) and the Go keep-alive peer" >&2
(cd "$ROOT" && swift build -c release --product etcd-bench >&2)
[ -x "$GO_BIN" ] || "$ROOT/Benchmarks/go-keepalive/build.sh" "$GO_BIN"
PORT="${PORT:-23790}"
start_local_etcd keepalive-bench "$PORT"
FLAGS=(-endpoint "127.0.0.1:$PORT" -total "$TOTAL" -clients "$LEASES" -conns 1 -ttl "$TTL" -server-pid "$ETCD_PID")
for _ in $(seq 1 "$REPS"); do
  "$ROOT/.build/release/etcd-bench" -op lease-keepalive "${FLAGS[@]}"
  "$GO_BIN" "${FLAGS[@]}"
done
