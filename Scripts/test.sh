#!/usr/bin/env bash
# Sets up a fresh Debian machine and runs every test: unit tests, golden tests against protoc,
# and integration tests against real etcd processes that the tests start themselves.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
Scripts/install-dependencies.sh
Scripts/check-format.sh
python3 Scripts/generate-messages.py --check
swift build --build-tests
swift test --skip-build --no-parallel 2>&1 | tee /tmp/swift-etcd-test.log
