#!/usr/bin/env bash
# Sets up a fresh Debian machine and runs every test: unit tests, golden tests against protoc, and integration
# tests against real etcd processes that the tests start themselves, on Debian's etcd 3.4 and then, for the
# integration tests, on etcd 3.5.1. Three volume tests (1,000 watchers and 100,000 events; 20,000 writes across two
# restarts; a lease held for 30 s) run on 3.4 only, to keep the whole under ten minutes: they measure the client.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
Scripts/install-dependencies.sh
Scripts/check-format.sh
python3 Scripts/generate-messages.py --check
swift build --build-tests
etcd35="$(Scripts/get-etcd-3.5.sh)"
echo "== every test, etcd $(etcd --version | head -1 | awk '{print $3}')"
swift test --skip-build --no-parallel 2>&1 | tee /tmp/swift-etcd-test.log
echo "== integration tests, etcd $("$etcd35" --version | head -1 | awk '{print $3}')"
ETCD_BIN="$PWD/$etcd35" swift test --skip-build --no-parallel --filter EtcdIntegrationTests \
  --skip 'thousandWatchers|killAndRestartTwice|holdsThroughCut' 2>&1 \
  | tee /tmp/swift-etcd-test-3.5.log
