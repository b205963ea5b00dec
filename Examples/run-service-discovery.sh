#!/usr/bin/env bash
# Sets up a fresh Debian machine, starts a throwaway local etcd, runs the service discovery example (a prefix mirror)
# against it, and stops etcd.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
Scripts/install-dependencies.sh
swift build --product etcd-service-discovery
PORT="${SERVICE_DISCOVERY_PORT:-23795}"  # etcd also takes PORT+1; the other examples use 23797 and 23799
# shellcheck source=../Scripts/local-etcd.sh
source Scripts/local-etcd.sh
start_local_etcd service-discovery "$PORT"
.build/debug/etcd-service-discovery "127.0.0.1:$PORT"
