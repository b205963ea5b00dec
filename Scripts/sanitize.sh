#!/usr/bin/env bash
# Runs the whole test suite (on Debian's etcd 3.4) under a sanitizer, in a build folder of its own.
#
#   Scripts/sanitize.sh address     AddressSanitizer and LeakSanitizer (.build-asan)
#   Scripts/sanitize.sh thread      ThreadSanitizer (.build-tsan)
#
# Every report fails the run. The only suppressions are the toolchain's own leaks, each with its reason, in
# Scripts/lsan-suppressions.txt, and the concurrency runtime's continuation resume, with its reason, in
# Scripts/tsan-suppressions.txt. etcd-swift, run by the command-line tests, is built with the same sanitizer and
# reads the same options.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
kind="${1:-address}"
case "$kind" in
  address) scratch=.build-asan ;;
  thread) scratch=.build-tsan ;;
  *) echo "usage: Scripts/sanitize.sh address|thread" >&2; exit 2 ;;
esac
swift build --build-tests --sanitize="$kind" --scratch-path "$scratch"
export ASAN_OPTIONS="detect_leaks=1:halt_on_error=1"
export LSAN_OPTIONS="suppressions=$PWD/Scripts/lsan-suppressions.txt:print_suppressions=0"
export TSAN_OPTIONS="halt_on_error=1:suppressions=$PWD/Scripts/tsan-suppressions.txt"
# shellcheck source=run-tests.sh
source Scripts/run-tests.sh
echo "== every test under the $kind sanitizer, etcd $(etcd --version | awk 'NR == 1 { print $3 }')"
RUN_TESTS_LIMIT=900 run_tests "/tmp/swift-etcd-test-$kind.log" --sanitize="$kind" --scratch-path "$scratch"
