#!/usr/bin/env bash
# Fuzzes the decoders with libFuzzer: the protobuf reader, the gRPC message deframer, the gRPC status and trailer
# fields, and the configuration file (Tests/_EtcdFuzzing says what each target checks).
#
#   Scripts/fuzz.sh [SECONDS] [TARGET...]     default: 60 seconds per target, every target
#   Scripts/fuzz.sh 3600 protobuf-reader      a long run of one target
#
# Builds etcd-fuzz (release, -sanitize=fuzzer -DFUZZING, in .build-fuzz), then runs each target from a copy of its
# seed corpus (Tests/Fuzz/Corpus/<target>) for SECONDS, with a 10 s limit per input and 2 GiB of memory. A crash,
# a hang or an allocation over the limit stops the run with status 1; the input that caused it is written to
# .build-fuzz/findings/<target>/. Inputs the run found that add coverage are left in .build-fuzz/corpus/<target>:
# `-merge=1` them into the seed corpus when they are worth keeping. The last line for each target gives its
# executions.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
seconds="${1:-60}"
shift || true
targets=("$@")
[ "${#targets[@]}" -gt 0 ] || targets=(protobuf-reader grpc-deframer grpc-status configuration-file)

swift build -c release --product EtcdFuzz --scratch-path .build-fuzz --sanitize=fuzzer -Xswiftc -DFUZZING
binary=.build-fuzz/release/EtcdFuzz
status=0
for target in "${targets[@]}"; do
  [ -d "Tests/Fuzz/Corpus/$target" ] || { echo "no such target: $target" >&2; exit 2; }
  mkdir -p ".build-fuzz/corpus/$target" ".build-fuzz/findings/$target"
  cp -n "Tests/Fuzz/Corpus/$target"/* ".build-fuzz/corpus/$target/"
  log=".build-fuzz/$target.log"
  # A configuration file is small; long inputs would only slow the JSON parser down.
  max_len=65536
  [ "$target" = configuration-file ] && max_len=4096
  echo "== fuzzing $target for $seconds s"
  if ETCD_FUZZ_TARGET="$target" "$binary" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -malloc_limit_mb=2048 -max_len="$max_len" -print_final_stats=1 -artifact_prefix=".build-fuzz/findings/$target/" \
    ".build-fuzz/corpus/$target" >"$log" 2>&1; then
    runs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")"
    echo "== $target: no finding in $runs executions ($seconds s)"
  else
    status=1
    echo "== $target: FINDING (see $log and .build-fuzz/findings/$target/)"
    grep -E "ERROR|Fatal error|SUMMARY|Test unit written" "$log" | head -20 || true
  fi
done
exit "$status"
