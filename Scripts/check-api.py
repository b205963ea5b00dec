#!/usr/bin/env python3
"""Records the public API of the library products from their symbol graphs, and checks it.

    Scripts/check-api.py GRAPHS_DIR            compares with API/<Module>.txt; exits 1 and prints the difference
    Scripts/check-api.py GRAPHS_DIR --update   writes API/<Module>.txt

Each line is one public symbol: its kind, its path and its declaration, sorted. A change to the public surface
then shows in the diff of API/, so it is always deliberate (run with --update and commit the result).
"""
import difflib
import json
import pathlib
import sys

MODULES = ["EtcdClientCore", "EtcdConcurrency", "EtcdMirror", "EtcdTesting"]


def api_lines(graphs: pathlib.Path, module: str) -> list[str]:
    lines = set()
    files = [graphs / f"{module}.symbols.json"] + sorted(graphs.glob(f"{module}@*.symbols.json"))
    for file in files:
        if not file.exists():
            continue
        graph = json.loads(file.read_text())
        for symbol in graph.get("symbols", []):
            if symbol.get("accessLevel") not in ("public", "open"):
                continue
            path = ".".join(symbol.get("pathComponents", []))
            if path.startswith("_") or ".__" in path:
                continue
            declaration = "".join(f["spelling"] for f in symbol.get("declarationFragments", []))
            declaration = " ".join(declaration.split())
            lines.add(f"{symbol['kind']['displayName']} {path}: {declaration}")
    return sorted(lines)


def main() -> int:
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    graphs = pathlib.Path(sys.argv[1])
    update = "--update" in sys.argv[2:]
    root = pathlib.Path(__file__).resolve().parent.parent / "API"
    root.mkdir(exist_ok=True)
    status = 0
    for module in MODULES:
        current = api_lines(graphs, module)
        if not current:
            print(f"no public symbols found for {module} in {graphs}")
            return 1
        recorded_file = root / f"{module}.txt"
        if update:
            recorded_file.write_text("\n".join(current) + "\n")
            print(f"API/{module}.txt: {len(current)} public symbols recorded")
            continue
        recorded = recorded_file.read_text().splitlines() if recorded_file.exists() else []
        if recorded != current:
            status = 1
            print(f"== the public API of {module} differs from API/{module}.txt:")
            for line in difflib.unified_diff(recorded, current, "recorded", "current", lineterm="", n=0):
                print(line)
    if status:
        print("If the change is meant: Scripts/check-api.py <graphs> --update, and commit API/.")
    return status


if __name__ == "__main__":
    sys.exit(main())
