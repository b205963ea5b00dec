#!/usr/bin/env python3
"""Median ours/Go ratios per row from compare-with-go.sh's JSONL (one JSON object per run)."""
import json
import statistics
import sys
from collections import defaultdict

runs = defaultdict(lambda: defaultdict(list))
order = []
for line in open(sys.argv[1]):
    d = json.loads(line)
    impl = "swift" if d["impl"] == "swift-etcd" else "go"
    if d["row"] not in order:
        order.append(d["row"])
    runs[d["row"]][impl].append(d)

def med(rows, field):
    values = [r.get(field) for r in rows if r.get(field) is not None]
    return statistics.median(values) if values else float("nan")

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
