# Sourced by Scripts/test.sh and Scripts/sanitize.sh.
#
#   run_tests LOG [swift test arguments...]   runs `swift test --skip-build --no-parallel ARGS`, keeps the output in
#                                             LOG, stops a run that hangs after RUN_TESTS_LIMIT seconds (default
#                                             480) and says so, and on failure repeats the lines that name a failed
#                                             test, a recorded issue or a sanitizer report.
run_tests() {
  local log="$1"
  shift
  local status=0
  local limit="${RUN_TESTS_LIMIT:-480}"
  # The watchdog kills the test runner (a child of swift test, which holds the pipe) if the run hangs.
  (
    sleep "$limit" </dev/null >/dev/null 2>&1
    echo "== the run did not finish within $limit s: a test hangs; stopping it (see $log)"
    pkill -KILL -f 'swift-etcdPackageTests|swift-test' || true
  ) &
  local watchdog=$!
  swift test --skip-build --no-parallel "$@" 2>&1 | tee "$log" || status=$?
  pkill -P "$watchdog" sleep 2>/dev/null || true
  { kill "$watchdog" && wait "$watchdog"; } 2>/dev/null || true
  if [ "$status" -ne 0 ]; then
    echo "== failures (from $log)"
    grep -E '✘|recorded an issue|error:|Fatal error|Crash|Sanitizer|SUMMARY|^chaos:' "$log" | grep -v ' started\.$' | head -60 || true
  fi
  return "$status"
}
