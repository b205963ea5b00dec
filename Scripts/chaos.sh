#!/usr/bin/env bash
# Chaos: three etcd members behind relays, the whole client's load at once (writers and transactions, 100 watchers,
# four mutex contenders with fenced writes, an election with three candidates and an observer, a lease kept alive,
# a prefix mirror), while a seeded nemesis kills, pauses, restarts, cuts off, blackholes, drops, delays and resets,
# the leader most of all. Every invariant is checked at the end (see Tests/EtcdIntegrationTests/Chaos), and one
# JSON line per run says what was injected and seen.
#
#   Scripts/chaos.sh                 one minute on etcd 3.4, then one minute on etcd 3.5.1
#   Scripts/chaos.sh 15              what CI runs (Scripts/test.sh runs the chaos test at its default of 15 s)
#   Scripts/chaos.sh 60 1234567      repeats the run of seed 1234567 (the seed is printed at the start)
#
# Exits 1 when an invariant broke on either version.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
seconds="${1:-60}"
seed="${2:-}"
swift build --build-tests >&2
etcd35="$(Scripts/get-etcd-3.5.sh)"
status=0
for binary in "$(command -v etcd)" "$PWD/$etcd35"; do
  echo "== chaos for $seconds s on etcd $("$binary" --version | awk 'NR == 1 { print $3 }')"
  ETCD_BIN="$binary" ETCD_CHAOS_SECONDS="$seconds" ETCD_CHAOS_SEED="$seed" \
    swift test --skip-build --filter 'ChaosTests' 2>&1 | grep -E '^chaos:|✘|✔ Test run' || status=1
done
exit "$status"
