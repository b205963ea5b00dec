#!/usr/bin/env python3
"""Median ours/Go ratios per row from compare-with-go.sh's JSONL (one JSON object per run).

With runs of a baseline build too (BASELINE_BENCH), prints ours/Go, baseline/Go and ours/baseline instead.
"""
import json
import statistics
import sys
from collections import defaultdict

runs = defaultdict(lambda: defaultdict(list))
order = []
for line in open(sys.argv[1]):
    d = json.loads(line)
    impl = d.get("build") or ("swift" if d["impl"] == "swift-etcd" else "go")
    impl = {"new": "swift", "old": "baseline"}.get(impl, impl)
    if d["row"] not in order:
        order.append(d["row"])
    runs[d["row"]][impl].append(d)

def med(rows, field):
    values = [r.get(field) for r in rows if r.get(field) is not None]
    return statistics.median(values) if values else float("nan")

def ratio_of(a, b, field):
    return statistics.median(x[field] / y[field] for x, y in zip(a, b))


if any(runs[row]["baseline"] for row in order):
    print("| row | ours/Go ops/s | baseline/Go ops/s | ours/baseline ops/s | ours/Go CPU per op | baseline/Go CPU per op "
          "| p99 ms ours / baseline / Go | errors ours/baseline/Go | n |")
    print("|---|---|---|---|---|---|---|---|---|")
    for row in order:
        s, b, g = runs[row]["swift"], runs[row]["baseline"], runs[row]["go"]
        errors = "/".join(str(sum(r["errors"] for r in x)) for x in (s, b, g))
        print(f'| {row} | **{ratio_of(s, g, "ops_per_sec"):.2f}** | {ratio_of(b, g, "ops_per_sec"):.2f} | '
              f'**{ratio_of(s, b, "ops_per_sec"):.2f}** | **{ratio_of(s, g, "client_cpu_us_per_op"):.2f}** | '
              f'{ratio_of(b, g, "client_cpu_us_per_op"):.2f} | {med(s, "p99_ms"):.2f} / {med(b, "p99_ms"):.2f} / '
              f'{med(g, "p99_ms"):.2f} | {errors} | {min(len(s), len(b), len(g))} |')
    sys.exit(0)

print("| row | swift ops/s | go ops/s | ops/s ratio swift/go | swift CPU us/op | go CPU us/op | CPU ratio swift/go | swift p50 ms | go p50 ms | swift p99 ms | go p99 ms | errors swift/go | n |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
for row in order:
    s, g = runs[row]["swift"], runs[row]["go"]
    pairs = list(zip(s, g))
    ratio = statistics.median(a["ops_per_sec"] / b["ops_per_sec"] for a, b in pairs)
    cpu = statistics.median(a["client_cpu_us_per_op"] / b["client_cpu_us_per_op"] for a, b in pairs)
    errors = f'{sum(r["errors"] for r in s)}/{sum(r["errors"] for r in g)}'
    print(f'| {row} | {med(s, "ops_per_sec"):.0f} | {med(g, "ops_per_sec"):.0f} | **{ratio:.2f}** | '
          f'{med(s, "client_cpu_us_per_op"):.1f} | {med(g, "client_cpu_us_per_op"):.1f} | **{cpu:.2f}** | '
          f'{med(s, "p50_ms"):.3f} | {med(g, "p50_ms"):.3f} | {med(s, "p99_ms"):.3f} | {med(g, "p99_ms"):.3f} | {errors} | {len(pairs)} |')
