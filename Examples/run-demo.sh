#!/usr/bin/env bash
# Sets up a fresh Debian machine, starts a throwaway local etcd, runs the demo against it, and stops etcd.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
Scripts/install-dependencies.sh
swift build --product etcd-demo
PORT="${DEMO_PORT:-23799}"
# shellcheck source=../Scripts/local-etcd.sh
source Scripts/local-etcd.sh
start_local_etcd demo "$PORT"
.build/debug/etcd-demo "127.0.0.1:$PORT"
