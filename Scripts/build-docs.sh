#!/usr/bin/env bash
# Builds the DocC documentation of the library products with the toolchain's docc (no package plugin), from
# the symbol graphs in SYMBOL_GRAPHS (default .build/symbol-graphs, written by a build with
# `-Xswiftc -emit-symbol-graph -Xswiftc -emit-symbol-graph-dir -Xswiftc <dir>`, which Scripts/test.sh makes), into
# .build/docs/<Module>. Fails when docc warns about anything. The modules are the documentation targets that
# .spi.yml names (what the Swift Package Index builds), which must be exactly the package's library products.
#
#   Scripts/build-docs.sh            builds the symbol graphs first when they are missing
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
graphs="${SYMBOL_GRAPHS:-$PWD/.build/symbol-graphs}"
if [ ! -f "$graphs/EtcdClientCore.symbols.json" ]; then
  swift build -Xswiftc -emit-symbol-graph -Xswiftc -emit-symbol-graph-dir -Xswiftc "$graphs"
fi
mkdir -p .build/docs
status=0
modules="$(sed -n 's/^ *documentation_targets: *\[\(.*\)\]/\1/p' .spi.yml | tr -d ' ' | tr ',' ' ')"
libraries="$(sed -n 's/^ *\.library(name: "\([A-Za-z]*\)".*/\1/p' Package.swift | tr '\n' ' ')"
if [ "$(echo "$modules" | tr ' ' '\n' | sort | xargs)" != "$(echo "$libraries" | tr ' ' '\n' | sort | xargs)" ]; then
  echo "== .spi.yml documents [$modules] but the library products are [$libraries]"
  exit 1
fi
for module in $modules; do
  module_graphs="$(mktemp -d)"
  cp "$graphs/$module".symbols.json "$module_graphs/"
  cp "$graphs/$module"@*.symbols.json "$module_graphs/" 2>/dev/null || true
  log="$(mktemp)"
  docc convert "Sources/$module/$module.docc" \
    --additional-symbol-graph-dir "$module_graphs" \
    --fallback-display-name "$module" --fallback-bundle-identifier "org.swift-etcd.$module" \
    --output-path ".build/docs/$module" >"$log" 2>&1 || { status=1; echo "== docc failed for $module:"; tail -20 "$log"; }
  if grep -q "warning:\|error:" "$log"; then
    echo "== docc: $module has warnings or errors"
    grep -A3 "warning:\|error:" "$log" | head -80
    status=1
  else
    echo "== docc: $module built without warnings (.build/docs/$module)"
  fi
  rm -rf "$module_graphs" "$log"
done
exit "$status"
