#!/usr/bin/env bash
# Sets up a fresh Debian machine, starts a throwaway local etcd, runs the STM bank transfer example against it, and
# stops etcd.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
Scripts/install-dependencies.sh
swift build --product etcd-bank-transfer
PORT="${BANK_TRANSFER_PORT:-23797}"  # etcd also takes PORT+1; the demo uses 23799
# shellcheck source=../Scripts/local-etcd.sh
source Scripts/local-etcd.sh
start_local_etcd bank-transfer "$PORT"
.build/debug/etcd-bank-transfer "127.0.0.1:$PORT"
