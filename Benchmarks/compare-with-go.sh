#!/usr/bin/env bash
# Runs etcd-bench (this package, release build) and the Go peer (shared/peers/gobench)
# against ONE fresh local etcd, alternately (ours, Go, ours, Go, ...) REPS times each,
# and prints the median ratio ours/Go of ops/sec and client CPU per op for each row.
#
#   Benchmarks/compare-with-go.sh [REPS] [OUT.jsonl]      defaults: 3, /tmp/swift-etcd-compare-<date>.jsonl
#
# Env: PEERS (default ../shared/peers beside the checkout), ROWS (regex of row labels to run),
#      ETCD_BIN (default etcd on PATH), BASELINE_BENCH (an etcd-bench built from an earlier commit: then each
#      row runs ours, the baseline and Go in turn, and the summary adds ours/baseline, to show a change costs
#      nothing on a machine too noisy to compare runs made at different times).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
PEERS="${PEERS:-$(cd "$ROOT/../shared/peers" 2>/dev/null && pwd || true)}"
REPS="${1:-3}"
OUT="${2:-/tmp/swift-etcd-compare-$(date +%Y%m%d-%H%M%S).jsonl}"
[ -n "$PEERS" ] && [ -x "$PEERS/build-gobench.sh" ] || { echo "Go peer not found: set PEERS=.../shared/peers" >&2; exit 1; }

echo "building etcd-bench (release) and the Go peer" >&2
(cd "$ROOT" && swift build -c release --product etcd-bench >&2)
OURS="$ROOT/.build/release/etcd-bench"
GO_BIN="${GOBENCH:-/tmp/gobench-bin/gobench}"
[ -x "$GO_BIN" ] || "$PEERS/build-gobench.sh" "$GO_BIN" >&2

PORT="${ETCD_CLIENT_PORT:-23790}"
# shellcheck source=../Scripts/local-etcd.sh
source "$ROOT/Scripts/local-etcd.sh"
start_local_etcd bench "$PORT"
export ETCD_ENDPOINT="127.0.0.1:$PORT" ETCD_SERVER_PID="$ETCD_PID"

KV="-key-size 32 -val-size 256"
rows=(
  "put 1/1|-op put -total 10000 -clients 1 -conns 1 $KV"
  "put 16/1|-op put -total 50000 -clients 16 -conns 1 $KV"
  "put 64/4|-op put -total 50000 -clients 64 -conns 4 $KV"
  "get-l 1/1|-op get -consistency l -total 10000 -clients 1 -conns 1 $KV"
  "get-l 16/1|-op get -consistency l -total 50000 -clients 16 -conns 1 $KV"
  "get-l 64/4|-op get -consistency l -total 50000 -clients 64 -conns 4 $KV"
  "get-s 1/1|-op get -consistency s -total 10000 -clients 1 -conns 1 $KV"
  "get-s 16/1|-op get -consistency s -total 50000 -clients 16 -conns 1 $KV"
  "get-s 64/4|-op get -consistency s -total 50000 -clients 64 -conns 4 $KV"
  "txn-put 16/1|-op txn-put -total 50000 -clients 16 -conns 1 $KV"
  "watch 1w|-op watch-events -total 20000 -clients 1 -conns 2 $KV"
  "watch 16w|-op watch-events -total 20000 -clients 16 -conns 2 $KV"
  "lock 4|-op lock -total 2000 -clients 4 -conns 1"
  "lock 1|-op lock -total 2000 -clients 1 -conns 1"
  "election 4|-op election-campaign-resign -total 1000 -clients 4 -conns 1"
  "stm 8acct/4|-op stm-transfer -total 2000 -clients 4 -conns 1 -accounts 8 -isolation serializable"
  "stm-ss 8acct/4|-op stm-transfer -total 2000 -clients 4 -conns 1 -accounts 8 -isolation serializable-snapshot"
  "mirror 100k/4|-op mirror-sync -total 100000 -clients 4 -updates 10000"
  "mirror 200k/4|-op mirror-sync -total 200000 -clients 4 -updates 10000"
)
: > "$OUT"
echo "writing $OUT" >&2
for rep in $(seq 1 "$REPS"); do
  for r in "${rows[@]}"; do
    label="${r%%|*}"; args="${r#*|}"
    if [ -n "${ROWS:-}" ] && ! [[ "$label" =~ $ROWS ]]; then continue; fi
    for impl in swift ${BASELINE_BENCH:+baseline} go; do
      case "$impl" in
        swift) bin="$OURS" ;;
        baseline) bin="$BASELINE_BENCH" ;;
        go) bin="$GO_BIN" ;;
      esac
      echo "[$rep/$REPS] $label $impl" >&2
      # shellcheck disable=SC2086
      line="$("$bin" $args)"
      python3 -c 'import json,sys; d=json.loads(sys.argv[1]); d["row"]=sys.argv[2]; d["rep"]=int(sys.argv[3]); d["build"]=sys.argv[4]; print(json.dumps(d))' \
        "$line" "$label" "$rep" "$impl" >> "$OUT"
      # Each run deletes its keys; compact the history and defragment, so that tombstones from earlier
      # runs do not slow later ones (etcd 3.4's index keeps them until compaction).
      rev="$(ETCDCTL_API=3 etcdctl --endpoints="$ETCD_ENDPOINT" endpoint status -w json \
        | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["Status"]["header"]["revision"])')"
      ETCDCTL_API=3 etcdctl --endpoints="$ETCD_ENDPOINT" --command-timeout=120s compact "$rev" --physical >/dev/null
      ETCDCTL_API=3 etcdctl --endpoints="$ETCD_ENDPOINT" --command-timeout=120s defrag >/dev/null
    done
  done
done
python3 "$HERE/summarize-ratios.py" "$OUT"
