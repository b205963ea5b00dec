#!/usr/bin/env bash
# Sets up a fresh Debian machine, starts a throwaway local etcd, runs the demo against it, and stops etcd.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
Scripts/install-dependencies.sh
swift build --product etcd-demo
DATA="$(mktemp -d /tmp/swift-etcd-demo.XXXXXX)"
PORT="${DEMO_PORT:-23799}"
etcd --name demo --data-dir "$DATA" \
  --listen-client-urls "http://127.0.0.1:$PORT" --advertise-client-urls "http://127.0.0.1:$PORT" \
  --listen-peer-urls "http://127.0.0.1:$((PORT + 1))" --initial-advertise-peer-urls "http://127.0.0.1:$((PORT + 1))" \
  --initial-cluster "demo=http://127.0.0.1:$((PORT + 1))" > "$DATA.log" 2>&1 &
ETCD_PID=$!
trap 'kill $ETCD_PID 2>/dev/null; wait $ETCD_PID 2>/dev/null; rm -rf "$DATA" "$DATA.log"' EXIT
for _ in $(seq 1 200); do
  ETCDCTL_API=3 etcdctl --endpoints="127.0.0.1:$PORT" endpoint health >/dev/null 2>&1 && break
  sleep 0.05
done
.build/debug/etcd-demo "127.0.0.1:$PORT"
