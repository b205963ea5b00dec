#!/usr/bin/env bash
# Sets up a fresh Debian machine, starts a throwaway local etcd, runs every example against it in turn, and stops
# etcd. Each example exits with a failure status when what it shows did not happen.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
Scripts/install-dependencies.sh
examples=(etcd-key-value etcd-watch-changes etcd-lease-keep-alive etcd-guarded-job etcd-leader-fleet
  etcd-bank-transfer etcd-service-discovery)
for example in "${examples[@]}"; do swift build --product "$example"; done
PORT="${EXAMPLES_PORT:-23793}"  # etcd also takes PORT+1
# shellcheck source=../Scripts/local-etcd.sh
source Scripts/local-etcd.sh
start_local_etcd examples "$PORT"
for example in "${examples[@]}"; do
  echo "== $example"
  ".build/debug/$example" "127.0.0.1:$PORT"
done
